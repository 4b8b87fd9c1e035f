import logging
from collections import defaultdict
from decimal import Decimal

from odoo import _, api, models
from odoo.exceptions import AccessError, UserError

from ..fiscal_device_lib.core import Payment, PaymentKind, Receipt
from ..fiscal_device_lib.core.money import to_money
from .fiscal_document import LIVE_STATES
from .fiscal_journal_result import JournalResult

_logger = logging.getLogger(__name__)

SALE_KINDS = ("sale", "invoice")
STORNO_KINDS = ("storno", "credit_note")
# Orders in these states are paid: only they are registered on a fiscal device.
PAID_STATES = ("paid", "done", "invoiced")
# A POS payment method's type when the device has no mapping for it.
PAYMENT_KIND_OF_TYPE = {"cash": PaymentKind.CASH, "pay_later": PaymentKind.CREDIT}


class PosOrder(models.Model):
    _name = "pos.order"
    _inherit = ["pos.order", "fiscal.source.mixin"]

    @api.depends("config_id.fiscal_device_id")
    def _compute_fiscal_device_id(self):
        for order in self:
            order.fiscal_device_id = order.config_id.fiscal_device_id

    @api.depends("state", "lines.refunded_orderline_id", "amount_total")
    def _compute_fiscal_fields(self):
        return super()._compute_fiscal_fields()

    # ------------------------------------------------------------------
    # Point of Sale synchronisation
    # ------------------------------------------------------------------

    @api.model
    def sync_from_ui(self, orders):
        result = super().sync_from_ui(orders)
        order_ids = [values["id"] for values in result.get("pos.order", [])]
        due = self.browse(order_ids).filtered(lambda order: order._fiscal_auto_due())
        if due:
            # only once the orders are committed: a failed synchronisation must print nothing,
            # and a device failure must not lose the orders
            self.env.cr.postcommit.add(
                lambda registry=self.env.registry, uid=self.env.uid, ids=due.ids: (
                    _fiscalize_after_commit(registry, uid, ids)
                )
            )
        return result

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
        for order in self:
            order._fiscal_send()
        return True

    def action_fiscal_storno(self):
        for order in self:
            if not order._fiscal_is_storno():
                raise UserError(
                    _(
                        "Only a refund order can be sent as a storno (%(order)s); a sale is "
                        "fiscalized.",
                        order=order.display_name,
                    )
                )
            order._fiscal_send()
        return True

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
        device = self.sudo().config_id.fiscal_device_id.with_env(self.env)
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


def _fiscalize_after_commit(registry, uid, order_ids):
    """Fiscalize orders that reached the server paid, each on its own; failures stay in the
    fiscal journal (and the order's fiscal state) to be retried from the order."""
    with registry.cursor() as cr:
        env = api.Environment(cr, uid, {})
        for order in env["pos.order"].browse(order_ids).exists():
            # no savepoint: the journal's failed document must stay, and a UserError leaves
            # this transaction usable
            try:
                order._fiscal_send()
            except UserError as error:
                _logger.warning("Fiscalizing POS order %s failed: %s", order.display_name, error)
                order.message_post(body=env._("Not fiscalized: %(error)s", error=str(error)))
            except Exception:
                _logger.exception("Fiscalizing POS order %s failed", order.display_name)
                cr.rollback()
