"""The fiscal device record: its fields, what its family takes and can do, constraints, actions.

Every device fact (settings, capabilities, payment kinds) is read from the families registry
through ``_family()``; the views show a field or a button by the booleans computed here, never
by a family name. How it is reached lives in ``fiscal_device_connection``, the exactly-once
journal of its documents in ``fiscal_journal``, status and shift helpers in
``fiscal_device_status``, the scheduled shift close in ``fiscal_device_shift``.
"""

import logging

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..fiscal_device_lib.core import Capability, DocumentKind, PaymentKind, StornoReason
from ..fiscal_device_lib.families import families as device_families

_logger = logging.getLogger(__name__)

# A device kind is a family name (a real device) or the family name and this suffix (its
# built-in emulator): both lists come from the families registry.
EMULATOR_SUFFIX = "_emulator"


def family_name_of_kind(kind):
    """A kind (``"<family>"`` or ``"<family>_emulator"``) -> its family's name."""
    return (kind or "").removesuffix(EMULATOR_SUFFIX)


def _family_selection(self=None):
    return [(family.name, family.title) for family in device_families()]


def _kind_selection(self=None):
    return _family_selection() + [
        (family.name + EMULATOR_SUFFIX, f"{family.title} (built-in emulator)")
        for family in device_families()
    ]


def _payment_kind_selection(self=None):
    """Every family's payment kinds with their labels (the core's): a device offers only its
    own family's (``payment_kind_codes``), and a constraint holds it to them."""
    labels = {}
    for known in device_families():
        for choice in known.payment_choices():
            labels.setdefault(choice.code, choice.label)
    return list(labels.items())


STORNO_REASONS = [
    (StornoReason.OPERATOR_ERROR.value, "Operator error"),
    (StornoReason.GOODS_RETURN.value, "Goods return"),
    (StornoReason.WRONG_PRICE.value, "Wrong price / tax base reduction"),
]


class FiscalDevice(models.Model):
    _name = "fiscal.device"
    _description = "Fiscal Device"
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    kind = fields.Selection(
        _kind_selection,
        required=True,
        # the first registered family's emulator: works without hardware
        default=lambda self: next(device_families()).name + EMULATOR_SUFFIX,
        help="The built-in emulators run inside the Odoo server: try every operation without "
        "hardware.",
    )
    family = fields.Selection(_family_selection, compute="_compute_family", store=True)
    is_emulator = fields.Boolean(compute="_compute_family", store=True)
    # Connection
    url = fields.Char(
        string="URL",
        help="Caspos: http://<device IP>:5544. myPOS N5 over HTTP: http://<host>:<port> (the "
        "JSON-RPC path /jsonrpc is added when missing).",
    )
    path = fields.Char(default="/", help="Caspos: HTTP path of the Integration Service.")
    port = fields.Char(
        string="Serial port",
        help="myPOS N5: serial port or pyserial URL, e.g. /dev/ttyACM0, COM3, socket://host:port.",
    )
    baudrate = fields.Integer(string="Baud rate", default=115200)
    timeout = fields.Float(
        string="Answer timeout (s)", default=30.0, help="How long to wait for one answer."
    )
    retries = fields.Integer(
        default=2, help="Caspos: resends of the same document UUID when an answer is lost."
    )
    busy_retries = fields.Integer(
        default=5, help="myPOS N5: how often to repeat a request the device answered BUSY."
    )
    lock_timeout = fields.Float(
        string="Busy wait (s)",
        default=10.0,
        help="How long an operation waits while another one uses the device.",
    )
    # Credentials: fiscal managers only
    username = fields.Char(groups="fiscal_device.group_fiscal_manager")
    password = fields.Char(groups="fiscal_device.group_fiscal_manager", copy=False)
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        store=True,
        readonly=False,
        help="Currency of the device's receipts (by default the one its family registers: "
        "Caspos AZN, myPOS N5 EUR); only invoices in it are sent.",
    )
    # Operator
    cashier_name = fields.Char(
        string="Cashier / operator name", help="Empty: the name of the user who sends."
    )
    operator_number = fields.Integer(default=1, help="myPOS N5 operator number.")
    # Behaviour
    auto_open_shift = fields.Boolean(
        string="Open shift when needed",
        default=True,
        help="Caspos: open the shift before a receipt when it is closed.",
    )
    auto_fiscalize = fields.Boolean(
        string="Fiscalize invoices on posting",
        help="Posting a customer invoice fiscalizes it; posting a credit note of a fiscalized "
        "invoice sends its storno.",
    )
    invoice_payment_kind = fields.Selection(
        _payment_kind_selection,
        default=PaymentKind.CARD.value,
        required=True,
        help="How an invoice is paid on the receipt when no mapped payment covers it.",
    )
    storno_reason = fields.Selection(
        STORNO_REASONS, default=StornoReason.GOODS_RETURN.value, required=True
    )
    n5_invoice_buyer = fields.Boolean(
        string="N5 invoices for companies",
        default=True,
        help="myPOS N5: fiscalize invoices of partners with a VAT or company registry number "
        "as N5 invoices carrying the buyer's identity.",
    )
    line_code = fields.Selection(
        [
            ("barcode", "Product barcode"),
            ("default_code", "Internal reference"),
            ("none", "None"),
        ],
        string="Item code",
        default="barcode",
        required=True,
        help="What is sent as the item code; valid EAN-8/EAN-13 barcodes are sent as such, "
        "services with the service code type.",
    )
    journal_ids = fields.One2many(
        "account.journal",
        "fiscal_device_id",
        string="Sales journals",
        help="Invoices of these journals use this device. Without any, the company's first "
        "device is used.",
    )
    # Mappings
    tax_map_ids = fields.One2many("fiscal.device.tax", "device_id", string="Taxes")
    payment_map_ids = fields.One2many("fiscal.device.payment", "device_id", string="Payments")
    category_map_ids = fields.One2many("fiscal.device.category", "device_id", string="Departments")
    uom_map_ids = fields.One2many("fiscal.device.uom", "device_id", string="Units")
    # Status, as last read from the device
    serial_number = fields.Char(readonly=True, copy=False)
    fiscal_memory_number = fields.Char(readonly=True, copy=False)
    model_name = fields.Char(string="Model", readonly=True, copy=False)
    firmware = fields.Char(readonly=True, copy=False)
    info_json = fields.Text(string="Device info", readonly=True, copy=False)
    shift_open = fields.Boolean(readonly=True, copy=False)
    shift_opened_at = fields.Datetime(readonly=True, copy=False)
    last_z_report_at = fields.Datetime(string="Last Z report", readonly=True, copy=False)
    last_z_report_number = fields.Integer(readonly=True, copy=False)
    status_checked_at = fields.Datetime(readonly=True, copy=False)
    document_ids = fields.One2many("fiscal.document", "device_id")
    document_count = fields.Integer(compute="_compute_document_count")
    # What the family takes and can do, from the registry: the form shows only these
    uses_url = fields.Boolean(compute="_compute_family_facts")
    uses_url_path = fields.Boolean(compute="_compute_family_facts")
    uses_serial_port = fields.Boolean(compute="_compute_family_facts")
    uses_credentials = fields.Boolean(compute="_compute_family_facts")
    uses_retries = fields.Boolean(compute="_compute_family_facts")
    uses_busy_retries = fields.Boolean(compute="_compute_family_facts")
    uses_operator_number = fields.Boolean(compute="_compute_family_facts")
    has_departments = fields.Boolean(compute="_compute_family_facts")
    has_units = fields.Boolean(compute="_compute_family_facts")
    can_open_shift = fields.Boolean(compute="_compute_family_facts")
    can_open_cash_drawer = fields.Boolean(compute="_compute_family_facts")
    can_invoice = fields.Boolean(compute="_compute_family_facts")
    payment_kind_codes = fields.Json(compute="_compute_family_facts")

    @api.depends("kind")
    def _compute_family(self):
        for device in self:
            device.family = family_name_of_kind(device.kind) or False
            device.is_emulator = bool(device.kind and device.kind.endswith(EMULATOR_SUFFIX))

    @api.depends("kind")
    def _compute_family_facts(self):
        for device in self:
            known = device.kind and device._family()
            takes = known.setting_names if known else frozenset()
            device.uses_url = "url" in takes
            device.uses_url_path = "path" in takes
            device.uses_serial_port = "port" in takes
            device.uses_credentials = "username" in takes
            device.uses_retries = "retries" in takes
            device.uses_busy_retries = "busy_retries" in takes
            device.uses_operator_number = bool(known and known.operator_numbers)
            device.has_departments = bool(known and known.departments)
            device.has_units = bool(known and known.units)
            device.can_open_shift = bool(known and known.supports(Capability.OPEN_SHIFT))
            device.can_open_cash_drawer = bool(known and known.supports(Capability.OPEN_CASHBOX))
            device.can_invoice = bool(known and known.supports(Capability.INVOICE))
            device.payment_kind_codes = (
                [kind.value for kind in known.payment_kinds] if known else []
            )

    @api.depends("kind", "company_id")
    def _compute_currency_id(self):
        Currency = self.env["res.currency"].with_context(active_test=False)
        for device in self:
            code = device.kind and device._family().currency
            currency = code and Currency.search([("name", "=", code)], limit=1)
            device.currency_id = (
                currency or device.company_id.currency_id or self.env.company.currency_id
            )

    def _compute_document_count(self):
        counts = dict(
            self.env["fiscal.document"]._read_group(
                [("device_id", "in", self.ids)], ["device_id"], ["__count"]
            )
        )
        for device in self:
            device.document_count = counts.get(device, 0)

    @api.constrains("lock_timeout", "timeout")
    def _check_timeouts(self):
        for device in self:
            if device.lock_timeout < 0 or device.timeout <= 0:
                raise UserError(
                    _(
                        "Fiscal device %(device)s: the answer timeout must be positive and "
                        "the busy wait must not be negative.",
                        device=device.display_name,
                    )
                )

    @api.constrains("invoice_payment_kind", "kind")
    def _check_invoice_payment_kind(self):
        for device in self:
            known = device._family()
            if PaymentKind(device.invoice_payment_kind) not in known.payment_kinds:
                raise UserError(
                    _(
                        "Fiscal device %(device)s (%(family)s) takes no payment of kind "
                        "%(kind)s; it takes %(kinds)s.",
                        device=device.display_name,
                        family=known.title,
                        kind=dict(_payment_kind_selection()).get(
                            device.invoice_payment_kind, device.invoice_payment_kind
                        ),
                        kinds=", ".join(choice.label for choice in known.payment_choices()),
                    )
                )

    def write(self, vals):
        if {"kind", "url", "path", "port"} & set(vals):
            self._stop_emulators()
        return super().write(vals)

    def unlink(self):
        self._stop_emulators()
        return super().unlink()

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_x_report(self):
        self.ensure_one()
        return self._run_report(DocumentKind.X_REPORT).action_open()

    def action_z_report(self):
        self.ensure_one()
        self._check_shift_to_close()
        return self._run_report(DocumentKind.Z_REPORT).action_open()

    def action_cash_in(self):
        return self._action_cash_move("in")

    def action_cash_out(self):
        return self._action_cash_move("out")

    def action_print_duplicate(self):
        self.ensure_one()
        with self._driver() as driver:
            self._call(driver, driver.print_duplicate)
        return self._notify(
            _("Duplicate printed"),
            _("%(device)s printed a duplicate of its last receipt.", device=self.display_name),
        )

    def action_open_cash_drawer(self):
        self.ensure_one()
        with self._driver() as driver:
            if not driver.supports(Capability.OPEN_CASHBOX):
                raise UserError(
                    _(
                        "Fiscal device %(device)s has no cash drawer to open.",
                        device=self.display_name,
                    )
                )
            self._call(driver, driver.open_cashbox)
        return self._notify(
            _("Cash drawer opened"),
            _("%(device)s opened its cash drawer.", device=self.display_name),
        )

    def action_view_documents(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fiscal_device.fiscal_document_action"
        )
        action["domain"] = [("device_id", "=", self.id)]
        action["context"] = {"default_device_id": self.id}
        return action

    def _action_cash_move(self, direction):
        self.ensure_one()
        self._check_fiscal_user()
        return {
            "type": "ir.actions.act_window",
            "name": _("Cash in") if direction == "in" else _("Cash out"),
            "res_model": "fiscal.cash.move",
            "view_mode": "form",
            "target": "new",
            "context": {"default_device_id": self.id, "default_direction": direction},
        }

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _check_fiscal_user(self):
        if not self.env.user.has_group("fiscal_device.group_fiscal_user"):
            raise AccessError(
                _(
                    "Only members of the group Fiscal user may send documents to fiscal devices "
                    "(%(devices)s).",
                    devices=", ".join(self.sudo().mapped("display_name")),
                )
            )

    def _notify(self, title, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": message,
                "type": "success",
                "sticky": False,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
