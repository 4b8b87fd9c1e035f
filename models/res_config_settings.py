from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    pos_fiscal_device_id = fields.Many2one(related="pos_config_id.fiscal_device_id", readonly=False)
    pos_fiscal_auto_fiscalize = fields.Boolean(
        related="pos_config_id.fiscal_auto_fiscalize", readonly=False
    )
    fiscal_n18_registered = fields.Boolean(
        related="company_id.fiscal_n18_registered", readonly=False
    )
