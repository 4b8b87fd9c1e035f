from odoo import fields, models


class AccountJournal(models.Model):
    _inherit = "account.journal"

    fiscal_device_id = fields.Many2one(
        "fiscal.device",
        check_company=True,
        groups="fiscal_device.group_fiscal_user",
        help="Customer invoices and credit notes of this journal are fiscalized on this device.",
    )
