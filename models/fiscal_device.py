"""The fiscal device record: its fields, constraints, actions and status.

How it is reached lives in ``fiscal_device_connection``, the exactly-once journal of its
documents in ``fiscal_journal``, the scheduled shift close in ``fiscal_device_shift``.
"""

import json
import logging

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..fiscal_device_lib.core import (
    Capability,
    DocumentKind,
    Operator,
    PaymentKind,
    StornoReason,
    to_jsonable,
)
from ..fiscal_device_lib.families import families as device_families

_logger = logging.getLogger(__name__)

# A device kind is a family name (a real device) or the family name and this suffix (its
# built-in emulator): both lists come from the families registry.
EMULATOR_SUFFIX = "_emulator"


def family_name_of_kind(kind):
    """``"n5_emulator"`` -> ``"n5"``."""
    return (kind or "").removesuffix(EMULATOR_SUFFIX)


def _family_selection(self=None):
    return [(family.name, family.title) for family in device_families()]


def _kind_selection(self=None):
    return _family_selection() + [
        (family.name + EMULATOR_SUFFIX, f"{family.title} (built-in emulator)")
        for family in device_families()
    ]


PAYMENT_KINDS = [
    (PaymentKind.CASH.value, "Cash"),
    (PaymentKind.CARD.value, "Card / cashless"),
    (PaymentKind.BONUS.value, "Bonus"),
    (PaymentKind.CREDIT.value, "Credit"),
    (PaymentKind.ADVANCE.value, "Advance (prepayment)"),
    (PaymentKind.CHECK.value, "N5: cheque"),
    (PaymentKind.COUPON.value, "N5: coupon"),
    (PaymentKind.EXT_COUPON.value, "N5: external coupon"),
    (PaymentKind.PACKAGING.value, "N5: packaging"),
    (PaymentKind.INTERNAL_SERVICE.value, "N5: internal service"),
    (PaymentKind.DAMAGE.value, "N5: damage"),
    (PaymentKind.BANK.value, "N5: bank transfer"),
    (PaymentKind.NZOK.value, "N5: NZOK"),
    (PaymentKind.RESERVE2.value, "N5: reserve 2"),
]
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
        default="caspos_emulator",
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
        PAYMENT_KINDS,
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

    @api.depends("kind")
    def _compute_family(self):
        for device in self:
            device.family = family_name_of_kind(device.kind) or False
            device.is_emulator = bool(device.kind and device.kind.endswith(EMULATOR_SUFFIX))

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

    def action_test_connection(self):
        self.ensure_one()
        with self._driver() as driver:
            info = self._read_status(driver)
        return self._notify(
            _("Fiscal device %(device)s answered", device=self.display_name),
            _(
                "%(model)s, serial number %(serial)s, fiscal memory %(fm)s; shift %(shift)s.",
                model=info.model or "-",
                serial=info.serial_number or "-",
                fm=info.fiscal_memory_number or "-",
                shift=_("open") if self.shift_open else _("closed"),
            ),
        )

    def action_open_shift(self):
        self.ensure_one()
        with self._driver() as driver:
            if not driver.supports(Capability.OPEN_SHIFT):
                raise UserError(
                    _(
                        "Fiscal device %(device)s opens its fiscal day by itself with the first "
                        "receipt; there is no shift to open.",
                        device=self.display_name,
                    )
                )
            state = self._call(driver, driver.open_shift, self._operator())
            self._write_shift(state)
        return self._notify(
            _("Shift opened"), _("The shift of %(device)s is open.", device=self.display_name)
        )

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
    # Business methods: connection, lock, errors
    # ------------------------------------------------------------------

    def _map_company_sale_tax(self, vat_class):
        """Map a sales tax of ``vat_class``'s rate to it, where no mapping exists yet: the
        company's default sales tax when its rate is the class's, else a tax of that rate found
        or created in the company (used by the demo data, whose chart of accounts is only known
        at install time and whose default rate may be one no law has)."""
        for device in self:
            rate = device._family().vat_class(vat_class).rate
            Tax = self.env["account.tax"].with_company(device.company_id)
            tax = device.company_id.account_sale_tax_id
            if rate is not None and (not tax or tax.amount_type != "percent" or tax.amount != rate):
                domain = [
                    ("company_id", "=", device.company_id.id),
                    ("type_tax_use", "=", "sale"),
                    ("amount_type", "=", "percent"),
                    ("amount", "=", float(rate)),
                ]
                tax = Tax.search(domain, limit=1) or Tax.create(
                    {
                        "name": f"VAT {rate.normalize():f} % ({device._family().title})",
                        "type_tax_use": "sale",
                        "amount_type": "percent",
                        "amount": float(rate),
                        "company_id": device.company_id.id,
                    }
                )
            if tax and tax not in device.tax_map_ids.tax_id:
                device.tax_map_ids = [Command.create({"tax_id": tax.id, "vat_class": vat_class})]

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

    def _operator(self):
        return Operator(
            name=self.cashier_name or self.env.user.name, number=self.operator_number or 1
        )

    # ------------------------------------------------------------------
    # Business methods: status
    # ------------------------------------------------------------------

    def _read_status(self, driver):
        info = self._call(driver, driver.info)
        values = {
            "serial_number": info.serial_number,
            "fiscal_memory_number": info.fiscal_memory_number,
            "model_name": info.model,
            "firmware": info.firmware,
            "info_json": json.dumps(to_jsonable(info), indent=2, ensure_ascii=False),
            "status_checked_at": fields.Datetime.now(),
        }
        if driver.supports(Capability.SHIFT_STATE):
            state = self._call(driver, driver.shift_state)
            values.update(self._shift_values(state))
        self.sudo().write(values)
        return info

    def _check_shift_to_close(self):
        """On a device with explicit shifts, a Z report of a closed shift is refused here with
        what it means, instead of sent to be refused by the device."""
        self.ensure_one()
        with self._driver() as driver:
            if not driver.supports(Capability.OPEN_SHIFT):
                return
            state = self._call(driver, driver.shift_state)
        if not state.is_open:
            raise UserError(
                _(
                    "The shift of %(device)s is already closed: there is nothing for a Z report "
                    "to close. A new shift opens with the next receipt (or with Open shift).",
                    device=self.display_name,
                )
            )

    def _shift_values(self, state):
        opened_at = state.opened_at
        if opened_at is not None and opened_at.tzinfo is not None:
            opened_at = opened_at.replace(tzinfo=None)
        return {
            "shift_open": state.is_open,
            "shift_opened_at": opened_at if state.is_open else False,
            "status_checked_at": fields.Datetime.now(),
        }

    def _write_shift(self, state):
        self.sudo().write(self._shift_values(state))

    def _ensure_shift(self, driver):
        """Open the shift before a receipt where the device has shifts and is set to do so."""
        if not (self.auto_open_shift and driver.supports(Capability.OPEN_SHIFT)):
            return
        state = self._call(driver, driver.shift_state)
        if not state.is_open:
            state = self._call(driver, driver.open_shift, self._operator())
        self._write_shift(state)
