import logging
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression

from ..fiscal_device_lib.core import Payment, PaymentKind, Receipt
from ..fiscal_device_lib.core.money import to_money
from .fiscal_document import LIVE_STATES
from .fiscal_journal_result import JournalResult

_logger = logging.getLogger(__name__)

SALE_KINDS = ("sale", "invoice")
STORNO_KINDS = ("storno", "credit_note")
# Orders in these states are paid: only they are registered on a fiscal device.
PAID_STATES = ("paid", "done", "invoiced")
# What the receipt shows of an order, line and payment: frozen once the order is registered.
FISCAL_ORDER_FIELDS = {
    "lines",
    "payment_ids",
    "amount_total",
    "amount_tax",
    "amount_paid",
    "amount_return",
    "currency_id",
    "refunded_order_id",
}
FISCAL_LINE_FIELDS = {
    "order_id",
    "product_id",
    "qty",
    "price_unit",
    "discount",
    "price_subtotal",
    "price_subtotal_incl",
    "tax_ids",
    "tax_ids_after_fiscal_position",
    "full_product_name",
    "product_uom_id",
}
FISCAL_PAYMENT_FIELDS = {"pos_order_id", "amount", "payment_method_id", "is_change"}
# A POS payment method's type when the device has no mapping for it.
PAYMENT_KIND_OF_TYPE = {"cash": PaymentKind.CASH, "pay_later": PaymentKind.CREDIT}


class PosOrder(models.Model):
    _name = "pos.order"
    _inherit = ["pos.order", "fiscal.source.mixin"]

    @api.depends("config_id.fiscal_device_id", "refunded_order_id")
    def _compute_fiscal_device_id(self):
        for order in self:
            order.fiscal_device_id = order._fiscal_target_device()

    fiscal_pending = fields.Boolean(
        string="Waiting to be registered",
        compute="_compute_fiscal_fields",
        search="_search_fiscal_pending",
        compute_sudo=True,
        help="A paid order of a Point of Sale that fiscalizes its orders, not registered yet: "
        "the scheduled action 'Fiscal devices: register paid orders' sends it.",
    )
    fiscal_sweep_failed_at = fields.Datetime(
        string="Registration failed at",
        readonly=True,
        copy=False,
        help="When the scheduled registration last failed before anything reached the device "
        "(the reason is in the chatter); it is not retried by itself, fiscalize it by hand.",
    )

    @api.depends("state", "lines.refunded_orderline_id", "amount_total")
    def _compute_fiscal_fields(self):
        super()._compute_fiscal_fields()
        for order in self:
            pending = order.fiscal_state == "none" and order._fiscal_auto_due()
            order.fiscal_pending = pending
            if pending:
                order.fiscal_state = "pending"

    def _search_fiscal_pending(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Operation not supported"))
        pending = expression.AND([self._fiscal_pending_domain()])
        return pending if (operator == "=") == value else ["!", *pending]

    @api.model
    def _fiscal_pending_domain(self):
        """Paid orders of Points of Sale that fiscalize their orders, with no document in the
        fiscal journal: not sent yet, or lost before anything was journaled."""
        journaled = (
            self.env["fiscal.document"]
            .sudo()
            ._read_group(
                [("res_model", "=", self._name), ("kind", "in", SALE_KINDS + STORNO_KINDS)],
                ["res_id"],
            )
        )
        return [
            ("state", "in", PAID_STATES),
            ("config_id.fiscal_auto_fiscalize", "=", True),
            ("config_id.fiscal_device_id", "!=", False),
            ("id", "not in", [res_id for (res_id,) in journaled]),
        ]

    # ------------------------------------------------------------------
    # Point of Sale synchronisation
    # ------------------------------------------------------------------

    @api.model
    def sync_from_ui(self, orders):
        result = super().sync_from_ui(orders)
        order_ids = [values["id"] for values in result.get("pos.order", [])]
        due = self.browse(order_ids).filtered(lambda order: order._fiscal_auto_due())
        # the cashier's screen registers its orders itself, with a bounded wait; registering them
        # here too would hold the synchronisation (and the till) for as long as a device is silent
        if due and not self.env.context.get("fiscal_device_ui"):
            # only once the orders are committed: a failed synchronisation must print nothing,
            # and a device failure must not lose the orders
            self.env.cr.postcommit.add(
                lambda registry=self.env.registry, uid=self.env.uid, ids=due.ids: (
                    _fiscalize_after_commit(registry, uid, ids)
                )
            )
        return result

    @api.model
    def _cron_fiscalize_pending(self, grace_minutes=2, limit=200):
        """Register the paid orders that the synchronisation's after-commit step did not (its
        worker died, the server restarted): each in its own transaction, a failure recorded on
        the order. ``grace_minutes`` leaves the normal after-commit step its time first."""
        cutoff = fields.Datetime.now() - timedelta(minutes=grace_minutes)
        orders = self.sudo().search(
            [
                *self._fiscal_pending_domain(),
                ("fiscal_sweep_failed_at", "=", False),
                ("create_date", "<=", cutoff),
            ],
            order="id",
            limit=limit,
        )
        due = orders.filtered(lambda order: order._fiscal_auto_due())
        if due:
            self.env.flush_all()
            _fiscalize_in_own_transactions(
                self.env.registry, self.env.uid, due.ids, mark_failure=True
            )
            self.env.invalidate_all()
        return due

    def _fiscal_auto_due(self):
        self.ensure_one()
        config = self.config_id.sudo()
        return bool(
            config.fiscal_auto_fiscalize
            and config.fiscal_device_id
            and self.state in PAID_STATES
            and (not self._fiscal_is_storno() or self._fiscal_origin_document())
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_fiscalize(self):
        return self._fiscal_confirmation([order._fiscal_send() for order in self])

    def action_fiscal_storno(self):
        results = []
        for order in self:
            if not order._fiscal_is_storno():
                raise UserError(
                    _(
                        "Only a refund order can be sent as a storno (%(order)s); a sale is "
                        "fiscalized.",
                        order=order.display_name,
                    )
                )
            results.append(order._fiscal_send())
        return self._fiscal_confirmation(results)

    def fiscalize_from_ui(self):
        """Fiscalize (or, for a refund, storno) a paid order for the Point of Sale screen.

        Returns the fiscal id, number and QR of its fiscal document (see ``_fiscal_ui_result``);
        a device failure is returned with the document's state and the message instead of raised.
        """
        self.ensure_one()
        self.check_access("write")
        error = False
        result = None
        try:
            result = self._fiscal_send()
        except AccessError:
            raise
        except UserError as failure:
            error = str(failure)
            result = getattr(failure, "journal_result", None)
        return self._fiscal_ui_result(error, result)

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _fiscal_is_storno(self):
        self.ensure_one()
        return bool(self.refunded_order_id) or self.amount_total < 0

    def _fiscal_main_kinds(self):
        return STORNO_KINDS if self._fiscal_is_storno() else SALE_KINDS

    def _fiscal_can_send(self):
        return self.state in PAID_STATES

    def _fiscal_origin_document(self):
        """The done fiscal document of the order this refund returns."""
        self.ensure_one()
        origin = self.refunded_order_id
        if not origin:
            return self.env["fiscal.document"]
        return (
            self.env["fiscal.document"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "pos.order"),
                    ("res_id", "=", origin.id),
                    ("kind", "in", SALE_KINDS),
                    ("state", "=", "done"),
                ],
                limit=1,
            )
            .with_env(self.env)
        )

    def _fiscal_send(self):
        """Fiscalize a paid sale, or send a paid refund as the storno of its order's receipt."""
        self.ensure_one()
        if self.state not in PAID_STATES:
            raise UserError(
                _(
                    "Only paid orders can be fiscalized; %(order)s is %(state)s.",
                    order=self.display_name,
                    state=dict(self._fields["state"]._description_selection(self.env)).get(
                        self.state
                    ),
                )
            )
        if self._fiscal_is_storno():
            return self._fiscal_storno()
        device = self._fiscal_target_device()
        if not device:
            raise UserError(
                _(
                    "Point of Sale %(config)s has no fiscal device: choose one in its settings "
                    "(Fiscal device).",
                    config=self.config_id.display_name,
                )
            )
        invoice_document = self.account_move and self.env["fiscal.document"].sudo().search(
            [
                ("res_model", "=", "account.move"),
                ("res_id", "=", self.account_move.id),
                ("state", "in", LIVE_STATES),
            ],
            limit=1,
        )
        if invoice_document:
            raise UserError(
                _(
                    "Order %(order)s is already registered through its invoice: %(document)s.",
                    order=self.display_name,
                    document=invoice_document.display_name,
                )
            )
        return device._run_on_device(
            "sale", self, lambda driver, uuid: self._fiscal_receipt(device, driver, uuid)
        )

    def _fiscal_routed_device(self):
        return self.sudo().config_id.fiscal_device_id

    def _fiscal_registered_message(self, document, operation):
        return _(
            "Order %(order)s is registered on fiscal device %(device)s (%(document)s): its "
            "%(operation)s cannot change, or it would no longer match the receipt. To correct "
            "it, refund the order: the refund is sent to the device as the storno of this "
            "receipt.",
            order=self.display_name,
            device=document.device_id.display_name,
            document=document.display_name,
            operation=operation,
        )

    def write(self, vals):
        changed = FISCAL_ORDER_FIELDS & set(vals)
        if changed:
            self._fiscal_check_unchanged(_("lines and payments"))
        return super().write(vals)

    def _fiscal_no_origin_message(self):
        return _(
            "Refund %(order)s cannot be sent as a storno: its order %(origin)s was not fiscalized.",
            order=self.display_name,
            origin=self.refunded_order_id.display_name or "-",
        )

    def _fiscal_ui_result(self, error=False, result=None):
        """The order's fiscal outcome as the POS screen reads it, from the ``JournalResult``
        of its document (read on the journal's cursor when not given: this request's snapshot
        predates the journal's commit). Keys: order_id, device, device_id, document_id, state
        ("none" before any document), fiscal_id, short_id, number, qr_payload, qr_link,
        qr_value, error (the message, False on success), error_code, hint, next_step,
        can_retry, can_print_again, is_test (registered on a built-in emulator)."""
        self.ensure_one()
        if not isinstance(result, JournalResult):
            result = self.env["fiscal.document"]._journal_result_for(
                self, self._fiscal_main_kinds()
            )
        if result is None:
            device = self.sudo().config_id.fiscal_device_id
            return {
                "order_id": self.id,
                "device": device.display_name or False,
                "device_id": device.id or False,
                "document_id": False,
                "state": "none",
                "fiscal_id": False,
                "short_id": False,
                "number": False,
                "qr_payload": False,
                "qr_link": False,
                "qr_value": False,
                "error": error,
                "error_code": False,
                "hint": False,
                "next_step": False,
                "can_retry": bool(error),
                "can_print_again": False,
                "is_test": bool(device.is_emulator),
            }
        if not error and not result.done:
            error = result.error_message or result.next_step
        return {
            "order_id": self.id,
            "device": result.device_name,
            "device_id": result.device_id,
            "document_id": result.document_id,
            "state": result.state,
            "fiscal_id": result.fiscal_id or False,
            "short_id": result.short_id or False,
            "number": result.number or False,
            "qr_payload": result.qr_payload or False,
            "qr_link": result.qr_link or False,
            "qr_value": result.qr_value or False,
            "error": error or False,
            "error_code": result.error_code or False,
            "hint": result.error_hint or False,
            "next_step": result.next_step or False,
            "can_retry": result.can_retry,
            "can_print_again": result.can_print_again,
            "is_test": result.is_test,
        }

    # ------------------------------------------------------------------
    # Serialisers: pos.order -> device-neutral Receipt
    # ------------------------------------------------------------------

    def _fiscal_receipt(self, device, driver, uuid, parent=None):
        """The order (or, with ``parent``, the refund as its storno) as a core ``Receipt``."""
        self.ensure_one()
        self._fiscal_check_currency(device, self.currency_id)
        return Receipt(
            uuid=uuid,
            lines=self._fiscal_lines(device),
            payments=self._fiscal_payments(device),
            operator=device._operator(),
            storno=self._fiscal_storno_reference(device, parent) if parent is not None else None,
            note=(self.pos_reference or self.name or "") if device.family != "n5" else "",
            currency=self.currency_id.name,
        )

    def _fiscal_line_values(self):
        for line in self.lines:
            yield {
                "product": line.product_id,
                "uom": line.product_uom_id,
                "taxes": line.tax_ids_after_fiscal_position,
                "name": self._fiscal_line_name(line),
                "quantity": abs(line.qty),
                "total": abs(line.price_subtotal_incl),
                "discount": line.discount,
                "gross_total": lambda ln=line: self._fiscal_gross_total(ln),
            }

    def _fiscal_line_name(self, line):
        text = (line.full_product_name or line.product_id.name or "").strip()
        return text.splitlines()[0] if text else ""

    def _fiscal_gross_total(self, line):
        """Tax-included total of ``line`` before its discount."""
        taxes = line.tax_ids_after_fiscal_position.compute_all(
            line.price_unit,
            currency=self.currency_id,
            quantity=abs(line.qty),
            product=line.product_id,
            partner=self.partner_id,
        )
        return taxes["total_included"]

    def _fiscal_payments(self, device):
        """Payments by device payment kind: the device's mapping of each POS payment method,
        else cash for cash methods, credit for customer accounts, the device default for the
        rest. Change given back is left out: the receipt shows it from the cash tendered."""
        by_method = {
            mapping.pos_payment_method_id.id: PaymentKind(mapping.payment_kind)
            for mapping in device.payment_map_ids
            if mapping.pos_payment_method_id
        }
        amounts = defaultdict(Decimal)
        for payment in self.payment_ids.filtered(lambda p: not p.is_change).sorted("id"):
            method = payment.payment_method_id
            kind = by_method.get(method.id) or PAYMENT_KIND_OF_TYPE.get(
                method.type, PaymentKind(device.invoice_payment_kind)
            )
            amounts[kind] += to_money(abs(payment.amount), "payment")
        return [Payment(kind, amount) for kind, amount in amounts.items() if amount]


class PosOrderLine(models.Model):
    _inherit = "pos.order.line"

    @api.model_create_multi
    def create(self, vals_list):
        orders = self.env["pos.order"].browse(
            {vals["order_id"] for vals in vals_list if vals.get("order_id")}
        )
        orders._fiscal_check_unchanged(_("lines"))
        return super().create(vals_list)

    def write(self, vals):
        if FISCAL_LINE_FIELDS & set(vals):
            self.order_id._fiscal_check_unchanged(_("lines"))
        return super().write(vals)

    def unlink(self):
        self.order_id._fiscal_check_unchanged(_("lines"))
        return super().unlink()


class PosPayment(models.Model):
    _inherit = "pos.payment"

    @api.model_create_multi
    def create(self, vals_list):
        orders = self.env["pos.order"].browse(
            {vals["pos_order_id"] for vals in vals_list if vals.get("pos_order_id")}
        )
        orders._fiscal_check_unchanged(_("payments"))
        return super().create(vals_list)

    def write(self, vals):
        if FISCAL_PAYMENT_FIELDS & set(vals):
            self.pos_order_id._fiscal_check_unchanged(_("payments"))
        return super().write(vals)

    def unlink(self):
        self.pos_order_id._fiscal_check_unchanged(_("payments"))
        return super().unlink()


def _fiscalize_after_commit(registry, uid, order_ids):
    """Fiscalize orders that reached the server paid, each on its own; failures stay in the
    fiscal journal (and the order's fiscal state) to be retried from the order."""
    _fiscalize_in_own_transactions(registry, uid, order_ids)


def _fiscalize_in_own_transactions(registry, uid, order_ids, mark_failure=False):
    """Fiscalize each order in a transaction of its own (committed, or rolled back on a bug),
    so that one order's failure neither stops nor undoes the others. A failure is told on the
    order's chatter with the text the user would have read; with ``mark_failure`` it is also
    stamped on the order, which the scheduled sweep then leaves to a person."""
    for order_id in order_ids:
        with registry.cursor() as cr:
            order_env = api.Environment(cr, uid, {})
            order = order_env["pos.order"].browse(order_id).exists()
            if not order:
                continue
            # no savepoint: the journal's failed document must stay, and a UserError leaves
            # this transaction usable
            try:
                order._fiscal_send()
            except UserError as error:
                _logger.warning("Fiscalizing POS order %s failed: %s", order.display_name, error)
                _record_failure(order, str(error), mark_failure)
            except Exception:
                _logger.exception("Fiscalizing POS order %s failed", order.display_name)
                cr.rollback()
                _record_failure(
                    order,
                    order_env._(
                        "An unexpected error stopped the registration (the server log has the "
                        "details); check the order's fiscal documents, then fiscalize it again."
                    ),
                    mark_failure,
                )


def _record_failure(order, text, mark_failure):
    order.sudo().message_post(body=order.env._("Not fiscalized: %(error)s", error=text))
    if mark_failure and not order._fiscal_main_documents():
        # nothing reached the journal (refused before sending): do not try again every run
        order.sudo().fiscal_sweep_failed_at = fields.Datetime.now()
