import json
from dataclasses import dataclass, field
from decimal import Decimal

from odoo import _, api, fields, models

from ..fiscal_device_lib.core import to_jsonable

# Operations that register no sale, journaled like documents by fiscal.device._run_service.
SERVICE_KINDS = [
    ("periodic_report", "Periodic Z report"),
    ("control_tape", "Control tape"),
    ("ej_print", "Electronic journal print"),
    ("fiscal_memory_report", "Fiscal memory report"),
    ("article_report", "Article report"),
    ("department_report", "Department report"),
    ("info", "Device reading"),
    ("setting", "Device setting"),
    ("duplicate", "Duplicate / last receipt"),
    ("drawer", "Cash drawer opened"),
]
REPORT_KINDS = ("x_report", "z_report", "periodic_report", "control_tape")
# The documents of a fiscal day that the journal can total.
DAY_KINDS = ("sale", "invoice", "storno", "credit_note", "cash_in", "cash_out")
DAY_TOTALS = [
    (("sale", "invoice"), "sales"),
    (("storno", "credit_note"), "stornos"),
    (("cash_in",), "cash in"),
    (("cash_out",), "cash out"),
]


@dataclass
class ServiceResult:
    """What a service operation returns to the journal: readable ``totals`` (name → number),
    ``vat`` (name → amount), ``rows`` (a list of documents, e.g. the control tape), a one-line
    ``summary`` and the device's ``raw`` answer."""

    summary: str = ""
    totals: dict = field(default_factory=dict)
    vat: dict = field(default_factory=dict)
    rows: list = field(default_factory=list)
    number: int | None = None
    raw: dict = field(default_factory=dict)


class FiscalDocumentTotal(models.Model):
    _name = "fiscal.document.total"
    _description = "Fiscal Report Total"
    _order = "document_id, sequence, id"

    document_id = fields.Many2one(
        "fiscal.document", required=True, ondelete="cascade", index=True, readonly=True
    )
    sequence = fields.Integer(readonly=True)
    group = fields.Selection(
        [("total", "Device total"), ("vat", "VAT"), ("journal", "Odoo fiscal journal")],
        required=True,
        default="total",
        readonly=True,
    )
    name = fields.Char(required=True, readonly=True)
    value = fields.Float(string="Figure", digits=(16, 2), readonly=True)
    is_count = fields.Boolean(readonly=True, help="A number of documents, not an amount.")
    value_display = fields.Char(string="Value", compute="_compute_value_display")

    @api.depends("value", "is_count")
    def _compute_value_display(self):
        for total in self:
            total.value_display = (
                f"{int(total.value)}" if total.is_count else f"{total.value:,.2f}".replace(",", " ")
            )


class FiscalDocument(models.Model):
    _inherit = "fiscal.document"

    kind = fields.Selection(
        selection_add=SERVICE_KINDS, ondelete={value: "cascade" for value, _l in SERVICE_KINDS}
    )
    total_ids = fields.One2many("fiscal.document.total", "document_id", string="Totals")
    summary = fields.Char(readonly=True, help="What the device answered, in one line.")

    def _write_report(self, report):
        result = super()._write_report(report)
        self._create_totals(report.totals, report.vat)
        if self.kind in ("x_report", "z_report"):
            self._create_journal_day_totals()
        return result

    def _write_service_result(self, result):
        self.write(
            {
                "state": "done",
                "summary": result.summary,
                "report_number": result.number or 0,
                "totals_json": json.dumps(
                    to_jsonable({"totals": result.totals, "vat": result.vat, "rows": result.rows}),
                    indent=2,
                    ensure_ascii=False,
                ),
                "answer_json": json.dumps(to_jsonable(result.raw), indent=2, ensure_ascii=False),
                "answered_at": fields.Datetime.now(),
            }
        )
        self._create_totals(result.totals, result.vat)

    def _create_totals(self, totals, vat):
        values = [
            {
                "document_id": self.id,
                "sequence": sequence,
                "group": group,
                "name": name,
                "value": float(value),
                "is_count": isinstance(value, int),
            }
            for group, figures in (("total", totals), ("vat", vat))
            for sequence, (name, value) in enumerate(figures.items())
            if isinstance(value, int | float | Decimal) and not isinstance(value, bool)
        ]
        self.env["fiscal.document.total"].create(values)

    def _create_journal_day_totals(self):
        """Count and sum this device's documents since its previous Z report, as the journal
        knows them: the N5 answers its reports with "OK" only."""
        self.ensure_one()
        Document = self.env["fiscal.document"]
        previous_z = Document.search(
            [
                ("device_id", "=", self.device_id.id),
                ("kind", "=", "z_report"),
                ("state", "=", "done"),
                ("id", "<", self.id),
            ],
            order="id desc",
            limit=1,
        )
        documents = Document.search(
            [
                ("device_id", "=", self.device_id.id),
                ("kind", "in", DAY_KINDS),
                ("state", "=", "done"),
                ("id", ">", previous_z.id or 0),
                ("id", "<", self.id),
            ]
        )
        values = []
        for sequence, (kinds, label) in enumerate(DAY_TOTALS):
            chosen = documents.filtered(lambda d, kinds=kinds: d.kind in kinds)
            values += [
                {
                    "document_id": self.id,
                    "sequence": 2 * sequence,
                    "group": "journal",
                    "name": _("%(label)s: documents", label=label),
                    "value": len(chosen),
                    "is_count": True,
                },
                {
                    "document_id": self.id,
                    "sequence": 2 * sequence + 1,
                    "group": "journal",
                    "name": _("%(label)s: total", label=label),
                    "value": sum(chosen.mapped("amount_total")),
                },
            ]
        self.env["fiscal.document.total"].create(values)
