from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .fiscal_device import PAYMENT_KINDS


class FiscalDevicePayment(models.Model):
    _name = "fiscal.device.payment"
    _description = "Fiscal Device Payment Kind of a Payment Method or Journal"
    _check_company_auto = True

    device_id = fields.Many2one("fiscal.device", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="device_id.company_id", store=True)
    pos_payment_method_id = fields.Many2one(
        "pos.payment.method", string="POS payment method", check_company=True, ondelete="cascade"
    )
    journal_id = fields.Many2one(
        "account.journal",
        check_company=True,
        domain=[("type", "in", ("bank", "cash"))],
        ondelete="cascade",
    )
    payment_kind = fields.Selection(
        PAYMENT_KINDS,
        required=True,
        help="Caspos payment field or myPOS N5 medium (cash → MEDIUM_CASH, card → MEDIUM_CARD).",
    )

    @api.constrains("pos_payment_method_id", "journal_id")
    def _check_one_source(self):
        for mapping in self:
            if bool(mapping.pos_payment_method_id) == bool(mapping.journal_id):
                raise ValidationError(
                    _("A payment mapping names either a POS payment method or a journal.")
                )
