"""The report wizard's form and its choices: which operation, on which device, with which
filters. The operations it offers and the filters of a bounded report are read from the device's
family (``Capability`` via ``supports()``, ``DeviceFamily.report_filters``), never named here;
``fiscal_report_operations`` runs them."""

import json
from datetime import timedelta

import pytz
from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..fiscal_device_lib.core import Capability
from ..fiscal_device_lib.families import families as device_families

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
# The bounded reports: the family's ``report_filters`` of their capability give their ranges.
RANGE_FILTER_FIELD = {"ej_print": "ej_range_filter", "fiscal_memory_report": "fm_range_filter"}
# Below this, the time a device has left before it blocks itself is shown as a warning.
TIME_TO_BLOCK_WARNING = timedelta(hours=24)


def _filter_selection(capability, choices_of):
    """Every family's choices of one report filter, for a Selection: a device is held to its
    own family's when the report runs; a code two families share shows the first label."""
    labels = {}
    for known in device_families():
        filters = known.filters_of(capability)
        for choice in choices_of(filters) if filters else ():
            labels.setdefault(choice.code, choice.label)
    return list(labels.items())


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
    # Filters of the bounded reports: the device family's, its defaults when none is chosen
    ej_receipt_filter = fields.Selection(
        lambda self: _filter_selection(
            Capability.ELECTRONIC_JOURNAL, lambda filters: filters.documents
        ),
        string="Document type",
        compute="_compute_ej_receipt_filter",
        store=True,
        readonly=False,
    )
    ej_range_filter = fields.Selection(
        lambda self: _filter_selection(Capability.ELECTRONIC_JOURNAL, lambda f: f.ranges),
        string="Range",
        compute="_compute_ej_range_filter",
        store=True,
        readonly=False,
    )
    fm_range_filter = fields.Selection(
        lambda self: _filter_selection(Capability.FISCAL_MEMORY_REPORT, lambda f: f.ranges),
        string="Fiscal memory range",
        compute="_compute_fm_range_filter",
        store=True,
        readonly=False,
    )
    # the chosen range's ends: dates or whole numbers (the view shows the matching fields)
    range_by_date = fields.Boolean(compute="_compute_range_kind")
    range_by_number = fields.Boolean(compute="_compute_range_kind")
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

    # one compute per filter: a value given at create protects only its own field
    @api.depends("device_id")
    def _compute_ej_receipt_filter(self):
        for wizard in self:
            filters = wizard._device_filters(Capability.ELECTRONIC_JOURNAL)
            codes = [choice.code for choice in filters.documents] if filters else []
            if wizard.ej_receipt_filter not in codes:
                wizard.ej_receipt_filter = filters.default_document if filters else False

    @api.depends("device_id")
    def _compute_ej_range_filter(self):
        for wizard in self:
            wizard.ej_range_filter = wizard._chosen_or_first(
                Capability.ELECTRONIC_JOURNAL, wizard.ej_range_filter
            )

    @api.depends("device_id")
    def _compute_fm_range_filter(self):
        for wizard in self:
            wizard.fm_range_filter = wizard._chosen_or_first(
                Capability.FISCAL_MEMORY_REPORT, wizard.fm_range_filter
            )

    def _device_filters(self, capability):
        return self.device_id and self.device_id._family().filters_of(capability)

    def _chosen_or_first(self, capability, code):
        """``code`` where the device's family has that range, else its first (the default)."""
        filters = self._device_filters(capability)
        if not filters:
            return False
        return code if filters.range(code or "") else filters.ranges[0].code

    @api.depends("report_type", "device_id", "ej_range_filter", "fm_range_filter")
    def _compute_range_kind(self):
        for wizard in self:
            # a periodic report is bounded by dates on every family (``periodic_report``)
            by_date = wizard.report_type == "periodic_report"
            by_number = False
            chosen = wizard._range_filter()
            if chosen is not None:
                by_date, by_number = chosen.by_date, not chosen.by_date
            wizard.range_by_date, wizard.range_by_number = by_date, by_number

    def _filters(self):
        """The device family's filters of this bounded report; None for any other operation."""
        capability = CAPABILITY_OF_TYPE.get(self.report_type)
        if self.report_type not in RANGE_FILTER_FIELD or not self.device_id:
            return None
        return self.device_id._family().filters_of(capability)

    def _range_filter(self):
        """The chosen ``RangeFilter`` of a bounded report, as the device's family defines it."""
        filters = self._filters()
        if filters is None:
            return None
        return filters.range(self[RANGE_FILTER_FIELD[self.report_type]] or "")

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

    def _range(self, device):
        """The ``from`` / ``to`` texts of a bounded report's range, as its family writes them:
        device-local dates or whole numbers."""
        filters, chosen = self._filters(), self._range_filter()
        if chosen is None:
            raise UserError(
                _(
                    "Choose how to bound the report on %(device)s: %(ranges)s.",
                    device=device.display_name,
                    ranges=", ".join(found.label for found in filters.ranges) if filters else "-",
                )
            )
        if chosen.by_date:
            self._check_dates()
            tz = pytz.timezone(device.shift_close_tz or "UTC")
            return tuple(
                pytz.utc.localize(moment).astimezone(tz).strftime(filters.date_format)
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
