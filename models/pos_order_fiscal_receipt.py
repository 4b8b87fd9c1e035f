"""Serialisers: a ``pos.order`` as the device-neutral core ``Receipt``.

Contract: ``_fiscal_receipt`` turns a paid order (or, with ``parent``, a refund as the storno of
``parent``) into a ``Receipt`` in the order's currency: one line per order line with its
tax-included total, payments summed by the device's payment kind (the device's mapping of the
POS payment method, else by the method's type), the change given back left out. It reads only;
the device checks the result.
"""

from collections import defaultdict
from decimal import Decimal

from odoo import models

from ..fiscal_device_lib.core import Payment, PaymentKind, Receipt
from ..fiscal_device_lib.core.money import to_money

# A POS payment method's type when the device has no mapping for it.
PAYMENT_KIND_OF_TYPE = {"cash": PaymentKind.CASH, "pay_later": PaymentKind.CREDIT}


class PosOrder(models.Model):
    _inherit = "pos.order"

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
            note=(self.pos_reference or self.name or "") if device._family().prints_note else "",
            currency=self.currency_id.name,
            sale_number=self._fiscal_sale_number(device, parent),
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
