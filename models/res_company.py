"""The company's standing under Bulgaria's Naredba N-18: whether its sales software is
registered (СУПТО), in which case every N5 sale carries a unique sale number (УНП)."""

from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    fiscal_n18_registered = fields.Boolean(
        string="Registered under Naredba N-18",
        help="The company's sales software is registered with the Bulgarian tax authority "
        "(СУПТО under Naredba N-18): each sale on a myPOS N5 carries a unique sale number "
        "(УНП) XXXXXXXX-ZZZZ-0000001, made of the device's individual number, the "
        "operator's code and the device's sale sequence.",
    )
