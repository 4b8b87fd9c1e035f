import json
import logging
import threading
import time
import uuid as uuid_lib
from contextlib import contextmanager
from pathlib import Path

import psycopg2.errors
from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, config

from ..fiscal_device_lib.caspos import CasposEmulator
from ..fiscal_device_lib.core import (
    Capability,
    DeviceRejected,
    DeviceTimeout,
    DeviceUnreachable,
    DocumentKind,
    FiscalError,
    Operator,
    OutcomeUnknown,
    PaymentKind,
    Receipt,
    ReportResult,
    StornoReason,
    UnsupportedOperation,
    ValidationError,
    cash_operation_from_dict,
    receipt_from_dict,
    to_jsonable,
    validate_cash_operation,
    validate_receipt,
)
from ..fiscal_device_lib.families import family as device_family
from ..fiscal_device_lib.mypos_n5 import N5Emulator
from .fiscal_journal_result import JournalResult

_logger = logging.getLogger(__name__)

KINDS = [
    ("caspos", "Caspos"),
    ("n5", "myPOS N5"),
    ("caspos_emulator", "Caspos (built-in emulator)"),
    ("n5_emulator", "myPOS N5 (built-in emulator)"),
]
FAMILY_OF_KIND = {
    "caspos": "caspos",
    "caspos_emulator": "caspos",
    "n5": "n5",
    "n5_emulator": "n5",
}
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
EMULATOR_LAST_INVOICE = "9999999999"
# Seconds between two attempts at the device row lock.
LOCK_POLL_INTERVAL = 0.2

# Built-in emulators started by this server process, by (database, device id): they must outlive
# one request, so they live here and not on a record.
_EMULATORS = {}
_EMULATORS_LOCK = threading.Lock()


class RunningEmulator:
    """A built-in emulator started in-process for one device record.

    ``emulator`` is the family's emulator object (its fault knobs), ``settings`` what
    ``connect`` takes to reach it.
    """

    def __init__(self, family_name, state_dir):
        state_dir = Path(state_dir)
        state_dir.mkdir(parents=True, exist_ok=True)
        if family_name == "caspos":
            self.emulator = CasposEmulator(port=0, state_file=state_dir / "caspos.json").start()
            self.settings = self.emulator.settings()
        else:
            self.emulator = N5Emulator(state_path=state_dir / "n5.json")
            if not self.emulator.device.state.invoice_last:
                # a fresh emulator has no invoice numbers: give it a range so invoices work
                self.emulator.device.set_invoice_range(
                    {"firstInv": "1", "lastInv": EMULATOR_LAST_INVOICE}
                )
            self.settings = {"port": self.emulator.start()}

    def stop(self):
        self.emulator.stop()


def running_emulator(key, family_name, state_dir):
    with _EMULATORS_LOCK:
        emulator = _EMULATORS.get(key)
        if emulator is None:
            emulator = _EMULATORS[key] = RunningEmulator(family_name, state_dir)
        return emulator


def stop_emulator(key):
    with _EMULATORS_LOCK:
        emulator = _EMULATORS.pop(key, None)
    if emulator is not None:
        emulator.stop()


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
        KINDS,
        required=True,
        default="caspos_emulator",
        help="The built-in emulators run inside the Odoo server: try every operation without "
        "hardware.",
    )
    family = fields.Selection(
        [("caspos", "Caspos"), ("n5", "myPOS N5")], compute="_compute_family", store=True
    )
    is_emulator = fields.Boolean(compute="_compute_family", store=True)
    # Connection
    url = fields.Char(
        string="URL",
        help="Caspos: http://<device IP>:5544. myPOS N5 over HTTP: http://<host>/jsonrpc.",
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
        help="Currency of the device's receipts (Caspos: AZN); only invoices in it are sent.",
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
            device.family = FAMILY_OF_KIND.get(device.kind)
            device.is_emulator = bool(device.kind and device.kind.endswith("_emulator"))

    @api.depends("kind", "company_id")
    def _compute_currency_id(self):
        azn = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "=", "AZN")], limit=1)
        )
        for device in self:
            if device.family == "caspos" and azn:
                device.currency_id = azn
            elif not device.currency_id:
                device.currency_id = device.company_id.currency_id or self.env.company.currency_id

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
        """Map the company's default sales tax to ``vat_class`` where no mapping exists yet
        (used by the demo data, whose chart of accounts is only known at install time)."""
        for device in self:
            tax = device.company_id.account_sale_tax_id
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

    def _family(self):
        return device_family(FAMILY_OF_KIND[self.kind])

    def _emulator_key(self):
        return (self.env.cr.dbname, self.id)

    def _emulator(self):
        """The running built-in emulator of this device (started on first use)."""
        self.ensure_one()
        if not self.is_emulator:
            raise UserError(
                _("Fiscal device %(device)s is not an emulator.", device=self.display_name)
            )
        return running_emulator(self._emulator_key(), self.family, self._emulator_state_dir())

    def _emulator_state_dir(self):
        # the database uuid keeps a re-created database of the same name off an old state
        database_uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        filestore = config.filestore(self.env.cr.dbname)
        return Path(filestore, "fiscal_device_emulators", database_uuid, f"{self.kind}-{self.id}")

    def _stop_emulators(self):
        for device in self:
            if device.id:
                stop_emulator(device._emulator_key())

    def _connection_settings(self):
        self.ensure_one()
        device = self.sudo()
        if device.is_emulator:
            settings = dict(device._emulator().settings)
        elif device.family == "caspos":
            settings = {
                "url": device.url,
                "path": device.path or "/",
                "username": device.username or "",
                "password": device.password or "",
            }
        else:
            settings = {"baudrate": device.baudrate}
            if device.port:
                settings["port"] = device.port
            else:
                settings["url"] = device.url
        if not (settings.get("url") or settings.get("port")):
            raise UserError(
                _(
                    "Fiscal device %(device)s has no URL or serial port: set it on the device.",
                    device=device.display_name,
                )
            )
        if device.timeout:
            settings["timeout"] = device.timeout
        if device.family == "caspos":
            settings["retries"] = max(device.retries, 0)
            if device.currency_id:
                settings["currency"] = device.currency_id.name
        else:
            settings["busy_retries"] = max(device.busy_retries, 0)
        return settings

    def _lock(self):
        """Take the device row lock for this transaction, waiting at most ``lock_timeout``."""
        self.ensure_one()
        deadline = time.monotonic() + max(self.lock_timeout, 0.0)
        query = SQL("SELECT id FROM fiscal_device WHERE id = %s FOR NO KEY UPDATE NOWAIT", self.id)
        while True:
            try:
                with self.env.cr.savepoint(flush=False):
                    self.env.cr.execute(query, log_exceptions=False)
                return
            except psycopg2.errors.LockNotAvailable:
                if time.monotonic() >= deadline:
                    seconds = format(self.lock_timeout, "g")
                    raise UserError(
                        _(
                            "Fiscal device %(device)s is busy with another operation. "
                            "Waited %(seconds)s seconds; try again in a moment.",
                            device=self.display_name,
                            seconds=seconds,
                        )
                    ) from None
                time.sleep(LOCK_POLL_INTERVAL)

    @contextmanager
    def _driver(self):
        """Lock the device for this transaction and yield its connected driver.

        A ``FiscalError`` escaping the block becomes a ``UserError`` with the device's words.
        """
        self.ensure_one()
        self._check_fiscal_user()
        self._lock()
        try:
            with self._family().connect(**self._connection_settings()) as driver:
                yield driver
        except FiscalError as error:
            raise self._fiscal_user_error(error) from error

    def _call(self, driver, method, *args):
        """Call a driver method that prints no fiscal document; errors become ``UserError``."""
        try:
            return method(*args)
        except FiscalError as error:
            raise self._fiscal_user_error(error) from error

    def _fiscal_user_error(self, error, result=None):
        """The one place where a device exception becomes a message for the user.

        ``result`` is the ``JournalResult`` of the journaled document, if any: its next step is
        added to the message and it rides on the error as ``journal_result``.
        """
        device = self.display_name
        if isinstance(error, UserError):
            return error
        if isinstance(error, ValidationError):
            problems = "\n".join("• " + problem for problem in error.problems)
            message = _(
                "The document cannot be sent to fiscal device %(device)s:\n%(problems)s",
                device=device,
                problems=problems,
            )
        elif isinstance(error, DeviceRejected):
            message = _(
                "Fiscal device %(device)s refused the operation.\nError %(code)s: %(message)s",
                device=device,
                code=error.code,
                message=error.message,
            )
            if error.hint:
                message += "\n" + _("What to do: %(hint)s", hint=error.hint)
        elif isinstance(error, DeviceUnreachable):
            message = _(
                "Fiscal device %(device)s cannot be reached (%(error)s). Check that it is "
                "switched on and connected; nothing was sent.",
                device=device,
                error=error,
            )
        elif isinstance(error, OutcomeUnknown) or (
            isinstance(error, DeviceTimeout) and result is not None
        ):
            message = _(
                "Fiscal device %(device)s did not answer (%(error)s); it may or may not have "
                "registered the document.",
                device=device,
                error=error,
            )
        elif isinstance(error, DeviceTimeout):
            # no document was sent: only a status or report request went unanswered
            message = _(
                "Fiscal device %(device)s did not answer in time (%(error)s). Check that it is "
                "switched on and reachable, then try again.",
                device=device,
                error=error,
            )
        elif isinstance(error, UnsupportedOperation):
            message = _(
                "Fiscal device %(device)s cannot do this: %(error)s", device=device, error=error
            )
        else:
            message = _("Fiscal device %(device)s: %(error)s", device=device, error=error)
        if result is not None and result.next_step:
            message += "\n" + result.next_step
        user_error = UserError(message)
        user_error.journal_result = result
        return user_error

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

    # ------------------------------------------------------------------
    # Business methods: documents, exactly once
    # ------------------------------------------------------------------

    @contextmanager
    def _journal(self):
        """An environment on a new cursor, committed on exit.

        The fiscal journal must survive a rollback of the user's transaction, because the device
        may have printed: this is why it is written (and committed) outside it.
        """
        self.env.flush_all()
        with self.env.registry.cursor() as cr:
            cr.execute(SQL("SET LOCAL lock_timeout = %s", f"{int(self._journal_lock_ms())}ms"))
            yield self.env(cr=cr, su=True)
        self.env.invalidate_all()

    def _journal_lock_ms(self):
        return max(self.lock_timeout, 1.0) * 1000

    def _run_on_device(self, kind, source, build, *, parent=None, resume=None):
        """Journal then send one receipt or cash operation, exactly once.

        ``build(driver, uuid)`` returns the ``Receipt`` or ``CashOperation`` to send. The
        fiscal.document (state ``sending``, uuid, request) is committed before the device is
        called. A done document of the same ``source`` and ``kind`` is returned as it is; a
        pending one is resent with its uuid where the device deduplicates, or must be resolved.
        Returns the document's ``JournalResult``, read inside the journal transaction.
        """
        self.ensure_one()
        Document = self.env["fiscal.document"]
        with self._driver() as driver:
            if resume is None and source:
                resume = Document._pending_for(self, source, Document._kind_group(kind))
            if resume and resume["state"] == "done":
                return self._journal_read(resume["id"])
            if resume:
                document_id = resume["id"]
                payload = self._resume_payload(driver, resume)
            else:
                payload = build(driver, str(uuid_lib.uuid4()))
                try:
                    payload = self._validate(payload)
                except ValidationError as error:
                    raise self._fiscal_user_error(error) from error
            self._ensure_shift(driver)
            if not resume:
                document_id = self._journal_create(payload, source, parent)
            try:
                if isinstance(payload, Receipt):
                    result = driver.fiscalize(payload)
                else:
                    result = driver.cash_in_out(payload)
            except FiscalError as error:
                failure = self._journal_failure(document_id, error, driver)
                raise self._fiscal_user_error(error, failure) from error
            except Exception as error:
                # a bug between sending and answer: the device may have printed
                self._journal_failure(document_id, OutcomeUnknown(str(error)), driver)
                raise
            done = self._journal_result(document_id, result)
            if isinstance(payload, Receipt) and driver.supports(Capability.OPEN_SHIFT):
                self.sudo().shift_open = True
        return done

    def _validate(self, payload):
        if isinstance(payload, Receipt):
            return validate_receipt(payload)
        return validate_cash_operation(payload)

    def _resume_payload(self, driver, document):
        """The stored request of a pending document, to resend under the same uuid."""
        if document["state"] == "unknown" or not driver.supports(Capability.IDEMPOTENT):
            if document["state"] == "sending":
                with self._journal() as env:
                    env["fiscal.document"].browse(document["id"]).write(
                        {
                            "state": "unknown",
                            "error_message": _(
                                "The operation was interrupted before the device answered."
                            ),
                        }
                    )
            raise UserError(
                _(
                    "Fiscal document %(document)s on %(device)s has an unknown outcome: the "
                    "device may have printed it. A fiscal manager must resolve it first "
                    "(Fiscal documents > Resolve) with the receipt number read from the "
                    "device's journal, or mark it not printed.",
                    document=document["name"],
                    device=self.display_name,
                )
            )
        request = json.loads(document["request_json"])
        if document["kind"] in ("cash_in", "cash_out"):
            return cash_operation_from_dict(request)
        return receipt_from_dict(request)

    def _journal_create(self, payload, source, parent):
        currency = self.currency_id or self.company_id.currency_id
        values = {
            "device_id": self.id,
            "company_id": self.company_id.id,
            "kind": payload.kind.value,
            "state": "sending",
            "uuid": payload.uuid,
            "request_json": json.dumps(to_jsonable(payload), indent=2, ensure_ascii=False),
            "amount_total": float(
                payload.total if isinstance(payload, Receipt) else abs(payload.amount)
            ),
            "currency_id": currency.id,
            "parent_id": parent.id if parent else False,
            "user_id": self.env.uid,
            "sent_at": fields.Datetime.now(),
        }
        if source:
            values.update(res_model=source._name, res_id=source.id, source_name=source.display_name)
        with self._journal() as env:
            return env["fiscal.document"].create(values).id

    def _journal_result(self, document_id, result):
        with self._journal() as env:
            document = env["fiscal.document"].browse(document_id)
            document._write_result(result)
            return JournalResult.from_document(document)

    def _journal_read(self, document_id):
        """The ``JournalResult`` of a committed document, read on the journal's cursor."""
        with self._journal() as env:
            return JournalResult.from_document(env["fiscal.document"].browse(document_id))

    def _journal_failure(self, document_id, error, driver):
        """Record why a sent document is not done; returns its ``JournalResult``."""
        nothing_registered = (
            isinstance(error, DeviceRejected) and not error.resumable
        ) or isinstance(error, DeviceUnreachable | UnsupportedOperation | ValidationError)
        if nothing_registered:
            state = "failed"
        elif driver.supports(Capability.IDEMPOTENT):
            state = "sending"  # resent with the same uuid on the next attempt
        else:
            state = "unknown"
        values = {
            "state": state,
            "error_code": str(getattr(error, "code", "") or ""),
            "error_message": getattr(error, "message", "") or str(error),
            "error_hint": getattr(error, "hint", ""),
            "answered_at": fields.Datetime.now(),
        }
        with self._journal() as env:
            document = env["fiscal.document"].browse(document_id)
            document.write(values)
            return JournalResult.from_document(document)

    def _run_report(self, kind, **options):
        """X or Z report, journaled like a document (a Z report closes the shift); ``options``
        go to the driver (N5: ``departments``, ``items``)."""
        self.ensure_one()
        self._check_fiscal_user()
        report_uuid = str(uuid_lib.uuid4())
        operator = self._operator()
        request = {"kind": kind.value, "operator": to_jsonable(operator), "uuid": report_uuid}
        request.update(options)

        def report(driver):
            if kind == DocumentKind.Z_REPORT:
                return driver.z_report(operator, uuid=report_uuid, **options)
            return driver.x_report(operator, **options)

        done = self._run_service(kind.value, request, report, uuid=report_uuid)
        if kind == DocumentKind.Z_REPORT:
            self.sudo().write(
                {
                    "shift_open": False,
                    "shift_opened_at": False,
                    "last_z_report_at": fields.Datetime.now(),
                    "last_z_report_number": done.report_number,
                }
            )
        return done

    def _run_service(self, kind, request, operation, uuid=None):
        """Journal then run ``operation(driver)``, an operation that registers no sale (a
        report, a reading, a setting), as a fiscal document of ``kind``. ``operation`` returns
        a ``ReportResult`` or a ``ServiceResult``. Returns the document's ``JournalResult``; a
        device error becomes a UserError once the journal has recorded it."""
        self.ensure_one()
        service_uuid = uuid or str(uuid_lib.uuid4())
        with self._driver() as driver:
            with self._journal() as env:
                document_id = (
                    env["fiscal.document"]
                    .create(
                        {
                            "device_id": self.id,
                            "company_id": self.company_id.id,
                            "kind": kind,
                            "state": "sending",
                            "uuid": service_uuid,
                            "request_json": json.dumps(request, indent=2, ensure_ascii=False),
                            "currency_id": (self.currency_id or self.company_id.currency_id).id,
                            "user_id": self.env.uid,
                            "sent_at": fields.Datetime.now(),
                        }
                    )
                    .id
                )
            try:
                result = operation(driver)
            except FiscalError as error:
                failure = self._journal_failure(document_id, error, driver)
                raise self._fiscal_user_error(error, failure) from error
            with self._journal() as env:
                document = env["fiscal.document"].browse(document_id)
                if isinstance(result, ReportResult):
                    document._write_report(result)
                else:
                    document._write_service_result(result)
                return JournalResult.from_document(document)
