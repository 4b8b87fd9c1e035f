import json
from datetime import timedelta

import pytz
from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..fiscal_device_lib.core import Capability
from ..fiscal_device_lib.families import families as device_families
from ..fiscal_device_lib.mypos_n5.wire import (
    EJ_RANGE_FILTERS,
    EJ_RECEIPT_FILTERS,
    FISCAL_REPORT_FILTERS,
    RANGE_DATE_FORMAT,
)

REPORT_TYPES = [
    ("x_report", "X-Report"),
    ("z_report", "Z-Report (close the shift)"),
    ("periodic_report", "Periodic Z report"),
    ("control_tape", "Control tape"),
    ("ej_print", "Electronic journal print"),
    ("fiscal_memory_report", "Fiscal memory report"),
    ("article_report", "Article report"),
    ("department_report", "Department report"),
    ("current_cash", "Current cash"),
    ("time_to_block", "Time to block"),
    ("invoice_range", "Invoice range"),
    ("numbers", "Device numbers"),
    ("cash_in", "Cash in"),
    ("cash_out", "Cash out"),
    ("duplicate", "Print duplicate / last receipt"),
    ("drawer", "Open the cash drawer"),
]
# What each operation asks of the device: the wizard offers an operation only on devices
# whose family has the capability.
CAPABILITY_OF_TYPE = {
    "x_report": Capability.X_REPORT,
    "z_report": Capability.Z_REPORT,
    "periodic_report": Capability.PERIODIC_REPORT,
    "control_tape": Capability.CONTROL_TAPE,
    "ej_print": Capability.ELECTRONIC_JOURNAL,
    "fiscal_memory_report": Capability.FISCAL_MEMORY_REPORT,
    "article_report": Capability.ARTICLE_REPORT,
    "department_report": Capability.DEPARTMENT_REPORT,
    "current_cash": Capability.CURRENT_CASH,
    "time_to_block": Capability.TIME_TO_BLOCK,
    "invoice_range": Capability.INVOICE_RANGE,
    "numbers": Capability.INFO,
    "cash_in": Capability.CASH_IN_OUT,
    "cash_out": Capability.CASH_IN_OUT,
    "duplicate": Capability.PRINT_DUPLICATE,
    "drawer": Capability.OPEN_CASHBOX,
}
RANGE_LABELS = {"ByDate": "By date", "ByNumber": "By number", "ByZNumber": "By Z report number"}
# Below this, the time an N5 has left before it blocks itself is shown as a warning.
TIME_TO_BLOCK_WARNING = timedelta(hours=24)


def duration_text(left):
    """``timedelta(hours=50, minutes=5)`` → "2 d 2 h 5 min"."""
    minutes = int(left.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} d"] if days else []
    if days or hours:
        parts.append(f"{hours} h")
    parts.append(f"{minutes} min")
    return " ".join(parts)


class FiscalReportWizard(models.TransientModel):
    _name = "fiscal.report.wizard"
    _description = "Fiscal Device Report or Operation"

    report_type = fields.Selection(REPORT_TYPES, string="Operation", required=True)
    # the devices that can run the operation; the only one is chosen, never one of several
    available_device_ids = fields.Many2many(
        "fiscal.device", compute="_compute_available_device_ids"
    )
    device_id = fields.Many2one(
        "fiscal.device",
        required=True,
        domain="[('id', 'in', available_device_ids)]",
        compute="_compute_device_id",
        store=True,
        readonly=False,
    )
    family = fields.Selection(related="device_id.family")
    has_report_details = fields.Boolean(compute="_compute_has_report_details")
    state = fields.Selection([("draft", "To run"), ("done", "Done")], default="draft")
    # X report (N5)
    include_departments = fields.Boolean(string="With departments")
    include_articles = fields.Boolean(string="With articles")
    # Ranges: periodic report, electronic journal, fiscal memory
    date_from = fields.Datetime(string="From")
    date_to = fields.Datetime(string="To")
    number_from = fields.Integer(string="From number")
    number_to = fields.Integer(string="To number")
    ej_receipt_filter = fields.Selection(
        [(value, value.replace("_", " ").capitalize()) for value in EJ_RECEIPT_FILTERS],
        string="Document type",
        default="ALL",
    )
    ej_range_filter = fields.Selection(
        [(value, RANGE_LABELS[value]) for value in EJ_RANGE_FILTERS],
        string="Range",
        default="ByDate",
    )
    fm_range_filter = fields.Selection(
        [(value, RANGE_LABELS[value]) for value in FISCAL_REPORT_FILTERS],
        string="Fiscal memory range",
        default="ByDate",
    )
    fm_full = fields.Boolean(string="Full report", help="Every Z report block, not only totals.")
    # Invoice range (N5)
    invoice_range_set = fields.Boolean(string="Set a new range")
    invoice_first = fields.Integer(string="First invoice number")
    invoice_last = fields.Integer(string="Last invoice number")
    # Cash in / out
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")
    amount = fields.Monetary()
    # Result: the journal commits the document after this wizard's snapshot began, so the wizard
    # keeps its id (a plain integer) and the values to show, never a record it cannot see yet
    document_ref = fields.Integer(string="Fiscal document id", readonly=True)
    document_id = fields.Many2one(
        "fiscal.document", string="Fiscal document", compute="_compute_document_id"
    )
    summary = fields.Char(readonly=True)
    total_line_ids = fields.One2many(
        "fiscal.report.wizard.line",
        "wizard_id",
        domain=[("line_type", "=", "total")],
        string="Totals",
    )
    document_line_ids = fields.One2many(
        "fiscal.report.wizard.line",
        "wizard_id",
        domain=[("line_type", "=", "document")],
        string="Documents",
    )
    time_to_block_display = fields.Char(string="Time to block", readonly=True)
    time_to_block_warning = fields.Boolean(readonly=True)

    @api.depends("report_type")
    def _compute_available_device_ids(self):
        devices = self.env["fiscal.device"].search([("company_id", "in", self.env.companies.ids)])
        for wizard in self:
            wizard.available_device_ids = devices.filtered(
                lambda device, wizard=wizard: wizard._supported_on(device)
            )

    @api.depends("report_type")
    def _compute_device_id(self):
        for wizard in self:
            available = wizard.available_device_ids
            if wizard.device_id in available:
                continue
            wizard.device_id = available if len(available) == 1 else False

    @api.depends("device_id")
    def _compute_has_report_details(self):
        for wizard in self:
            family = wizard.device_id and wizard.device_id._family()
            wizard.has_report_details = bool(
                family
                and (
                    family.supports(Capability.DEPARTMENT_REPORT)
                    or family.supports(Capability.ARTICLE_REPORT)
                )
            )

    def _supported_on(self, device):
        capability = CAPABILITY_OF_TYPE.get(self.report_type)
        return capability is None or device._family().supports(capability)

    @api.depends("device_id")
    def _compute_currency_id(self):
        for wizard in self:
            device = wizard.device_id
            wizard.currency_id = device.currency_id or device.company_id.currency_id

    @api.depends("document_ref")
    def _compute_document_id(self):
        for wizard in self:
            wizard.document_id = wizard.document_ref or False

    def action_run(self):
        self.ensure_one()
        device = self.device_id
        if not self._supported_on(device):
            capability = CAPABILITY_OF_TYPE[self.report_type]
            raise UserError(
                _(
                    "%(operation)s is not available on %(device)s: only %(families)s devices "
                    "have it.",
                    operation=dict(REPORT_TYPES)[self.report_type],
                    device=device.display_name,
                    families=", ".join(
                        family.title for family in device_families() if family.supports(capability)
                    ),
                )
            )
        done = getattr(self, f"_run_{self.report_type}")(device)
        self._show(done)
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": dict(REPORT_TYPES)[self.report_type],
        }

    def action_open_document(self):
        self.ensure_one()
        return self.env["fiscal.document"].browse(self.document_ref)._action_open()

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _check_dates(self):
        if not (self.date_from and self.date_to) or self.date_from > self.date_to:
            raise UserError(_("Enter a period: a start date and an end date not before it."))

    def _range(self, device, range_filter):
        """The ``from`` / ``to`` texts of an N5 range: device-local dates or whole numbers."""
        if range_filter == "ByDate":
            self._check_dates()
            tz = pytz.timezone(device.shift_close_tz or "UTC")
            return tuple(
                pytz.utc.localize(moment).astimezone(tz).strftime(RANGE_DATE_FORMAT)
                for moment in (self.date_from, self.date_to)
            )
        if not 0 < self.number_from <= self.number_to:
            raise UserError(
                _("Enter a range of numbers: a first number above 0 and a last not below it.")
            )
        return str(self.number_from), str(self.number_to)

    def _show(self, done):
        """Put the fiscal document's totals and listed documents on the wizard, read on the
        journal's cursor (``done`` is its ``JournalResult``)."""
        with self.device_id._journal() as env:
            document = env["fiscal.document"].browse(done.document_id)
            rows = json.loads(document.totals_json or "{}").get("rows", [])
            totals = [
                (total.group, total.name, total.value_display, total.value)
                for total in document.total_ids
            ]
        seconds = next(
            (value for _g, name, _d, value in totals if name == "seconds to block"), None
        )
        self.total_line_ids.unlink()
        self.document_line_ids.unlink()
        self.write(
            {
                "state": "done",
                "document_ref": done.document_id,
                "summary": done.summary or done.name,
                "total_line_ids": [
                    (
                        0,
                        0,
                        {
                            "line_type": "total",
                            "group": group,
                            "name": name,
                            "value_display": value_display,
                        },
                    )
                    for group, name, value_display, _value in totals
                    if name != "seconds to block"
                ],
                "document_line_ids": [(0, 0, {"line_type": "document", **row}) for row in rows],
                "time_to_block_display": seconds is not None
                and duration_text(timedelta(seconds=seconds)),
                "time_to_block_warning": seconds is not None
                and timedelta(seconds=seconds) < TIME_TO_BLOCK_WARNING,
            }
        )


class FiscalReportWizardLine(models.TransientModel):
    _name = "fiscal.report.wizard.line"
    _description = "Fiscal Report Total or Listed Document"
    _order = "id"

    wizard_id = fields.Many2one("fiscal.report.wizard", required=True, ondelete="cascade")
    line_type = fields.Selection([("total", "Total"), ("document", "Document")], required=True)
    group = fields.Selection(
        [("total", "Device total"), ("vat", "VAT"), ("journal", "Odoo fiscal journal")]
    )
    name = fields.Char()
    value_display = fields.Char(string="Value")
    # a document of the control tape
    number = fields.Integer()
    short_document_id = fields.Char(string="Fiscal id")
    document_id = fields.Char(string="Device document id")
    type = fields.Char()
    total = fields.Float(digits=(16, 2))
    vat = fields.Float(string="VAT", digits=(16, 2))
    item_count = fields.Integer(string="Items")
    created_at = fields.Char(string="Created")
