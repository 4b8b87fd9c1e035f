"""Report totals of the fiscal journal: the figures a device answers a report with, and the
journal's own count of a fiscal day.

Contract: ``fiscal.document._write_report(report)`` (one document) and ``_write_reports``
(many at once: the scheduled close of a fleet) record a ``ReportResult`` on its ``sending``
document, with its ``fiscal.document.total`` rows inserted in one statement; an X or Z report
also gets the "journal" totals of its device's documents since the previous done Z report.
"""

import json
from dataclasses import dataclass, field
from decimal import Decimal

from odoo import _, api, fields, models
from odoo.tools import SQL

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
        self._write_reports({self.id: report})

    def _write_reports(self, reports):
        """``_write_report`` of many documents at once, ``reports`` {document id: ReportResult}:
        the documents' writes are flushed together (one UPDATE), their totals and the journal's
        day totals of the X and Z reports inserted in one statement. The scheduled close of a
        fleet journals a hundred Z reports at a time, on a thread that the devices' threads
        share the interpreter with: every statement saved there counts."""
        documents = self.browse(list(reports))
        for document in documents:
            # the journal's own write (fiscal_document.py), deferred to one flush for all
            super(FiscalDocument, document)._write_report(reports[document.id])
        values = [
            value
            for document in documents
            for value in document._total_values(
                reports[document.id].totals, reports[document.id].vat
            )
        ]
        days = documents.filtered(lambda document: document.kind in ("x_report", "z_report"))
        values += days._journal_day_total_values()
        self._insert_totals(values)

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
        self._insert_totals(self._total_values(totals, vat))

    def _total_values(self, totals, vat):
        """The ``fiscal.document.total`` values of this document's device figures."""
        self.ensure_one()
        return [
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

    def _journal_day_total_values(self):
        """The "journal" totals of these reports: each one's device's documents since its
        previous done Z report, counted and summed as the journal knows them (the N5 answers
        its reports with "OK" only). One query for all the reports."""
        if not self:
            return []
        # the base writes of this transaction are pending in the cache: the query must see them
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT report.id, document.kind, count(*), sum(document.amount_total)
                  FROM fiscal_document AS report
                  LEFT JOIN LATERAL (
                        SELECT id FROM fiscal_document
                         WHERE device_id = report.device_id AND kind = 'z_report'
                           AND state = 'done' AND id < report.id
                         ORDER BY id DESC LIMIT 1
                  ) AS previous_z ON TRUE
                  JOIN fiscal_document AS document
                    ON document.device_id = report.device_id AND document.kind IN %(kinds)s
                   AND document.state = 'done'
                   AND document.id > COALESCE(previous_z.id, 0) AND document.id < report.id
                 WHERE report.id = ANY(%(ids)s)
                 GROUP BY report.id, document.kind
                """,
                kinds=DAY_KINDS,
                ids=self.ids,
            )
        )
        figures = {}
        for report_id, kind, count, amount in self.env.cr.fetchall():
            figures[report_id, kind] = (count, float(amount or 0))
        names = []
        for _kinds, label in DAY_TOTALS:
            names.append(
                (_("%(label)s: documents", label=label), _("%(label)s: total", label=label))
            )
        values = []
        for report in self:
            for sequence, ((kinds, _label), (count_name, total_name)) in enumerate(
                zip(DAY_TOTALS, names, strict=True)
            ):
                chosen = [figures.get((report.id, kind), (0, 0.0)) for kind in kinds]
                values += [
                    {
                        "document_id": report.id,
                        "sequence": 2 * sequence,
                        "group": "journal",
                        "name": count_name,
                        "value": sum(count for count, _amount in chosen),
                        "is_count": True,
                    },
                    {
                        "document_id": report.id,
                        "sequence": 2 * sequence + 1,
                        "group": "journal",
                        "name": total_name,
                        "value": sum(amount for _count, amount in chosen),
                        "is_count": False,
                    },
                ]
        return values

    def _insert_totals(self, values):
        """Insert ``fiscal.document.total`` rows of ``values`` (their every stored field) in one
        statement, each value converted as the ORM's create converts it."""
        if not values:
            return
        Total = self.env["fiscal.document.total"]
        value_field = Total._fields["value"]
        columns = {name: [] for name in ("document_id", "sequence", "group", "name", "is_count")}
        figures = []
        for row in values:
            for name, column in columns.items():
                column.append(row[name])
            figures.append(value_field.convert_to_column(row["value"], Total))
        now, uid = self.env.cr.now(), self.env.uid
        # one array per column: the statement's size does not grow with a clause per row
        self.env.cr.execute(
            SQL(
                """INSERT INTO fiscal_document_total (document_id, sequence, "group", name, value,
                       is_count, create_uid, create_date, write_uid, write_date)
                   SELECT document_id, sequence, "group", name, value, is_count,
                          %(uid)s, %(now)s, %(uid)s, %(now)s
                     FROM unnest(%(document_id)s::int[], %(sequence)s::int[],
                                 %(group)s::varchar[], %(name)s::varchar[],
                                 %(value)s::numeric[], %(is_count)s::bool[])
                          AS total(document_id, sequence, "group", name, value, is_count)""",
                uid=uid,
                now=now,
                value=figures,
                **columns,
            )
        )
        # the documents' cached totals (if any were read) miss the new rows
        self.browse(list(set(columns["document_id"]))).invalidate_recordset(["total_ids"])
