from odoo import fields, models


class PosConfig(models.Model):
    _inherit = "pos.config"

    fiscal_device_id = fields.Many2one(
        "fiscal.device",
        string="Fiscal device",
        check_company=True,
        help="The fiscal device that registers this Point of Sale's orders and refunds.",
    )
    fiscal_auto_fiscalize = fields.Boolean(
        string="Fiscalize paid orders",
        help="Register each paid order on the fiscal device when it reaches the server (a "
        "refund as the storno of its order); a failure keeps the order and shows on it.",
    )
