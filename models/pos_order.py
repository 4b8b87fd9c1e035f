"""Point of Sale orders on a fiscal device: which device, the actions, the frozen lines.

Contract: a paid ``pos.order`` is fiscalized on its configuration's device (a refund: the storno
of its order's fiscal document) through the journal engine of ``fiscal.source.mixin``;
``fiscalize_from_ui`` is the cashier's screen's entry and returns the outcome as plain values
(``_fiscal_ui_result``) instead of raising. Once registered, what the receipt shows of an order,
its lines and payments cannot change. The order -> ``Receipt`` serialisation is in
``pos_order_fiscal_receipt``; the registration after the synchronisation's commit and the
scheduled sweep of unregistered paid orders are in ``pos_order_registration``.
"""

from odoo import _, api, models
from odoo.exceptions import AccessError, UserError

from ..fiscal_device_lib.core.errors import DeviceUnreachable
from .fiscal_document import LIVE_STATES
from .fiscal_journal_result import JournalResult

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


class PosOrder(models.Model):
    _name = "pos.order"
    _inherit = ["pos.order", "fiscal.source.mixin"]

    @api.depends("config_id.fiscal_device_id", "refunded_order_id")
    def _compute_fiscal_device_id(self):
        for order in self:
            order.fiscal_device_id = order._fiscal_target_device()

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
        a device failure is returned with the document's state and the message instead of raised,
        and ``waiting`` true when the device could not be reached (nothing was sent).
        """
        self.ensure_one()
        self.check_access("write")
        error = False
        result = None
        unreachable = False
        try:
            result = self._fiscal_send()
        except AccessError:
            raise
        except UserError as failure:
            error = str(failure)
            result = getattr(failure, "journal_result", None)
            unreachable = isinstance(failure.__cause__, DeviceUnreachable)
        if self.fiscal_waiting_device != unreachable:
            # nothing reached the device: the till registers it once the device answers again
            self.sudo().fiscal_waiting_device = unreachable
        values = self._fiscal_ui_result(error, result)
        values["waiting"] = unreachable
        return values

    def fiscal_print_again_from_ui(self):
        """Finish printing the order's document that the device registered but could not print
        (N5 paper out, print failure), for the Point of Sale screen: the device prints the
        receipt with its fiscal data. The N5 does not tell that receipt's number: the document
        stays "unknown" until it is resolved from the paper. Returns ``_fiscal_ui_result`` with
        ``printed_again``; a failure is returned, not raised."""
        self.ensure_one()
        self.check_access("write")
        document = self._fiscal_main_documents().filtered(lambda d: d._can_print_again())[:1]
        error = False
        if not document:
            error = _(
                "Order %(order)s has no document that the device registered without printing "
                "it: there is nothing to print again.",
                order=self.display_name,
            )
        else:
            try:
                document.with_env(self.env).action_print_again()
            except AccessError:
                raise
            except UserError as failure:
                error = str(failure)
        values = self._fiscal_ui_result(error)
        values["printed_again"] = not error
        return values

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
