from odoo import fields, models

CASPOS_QUANTITY_TYPES = [
    ("0", "Ədəd (piece)"),
    ("1", "KQ (kilogram)"),
    ("2", "Litr (litre)"),
    ("3", "Metr (metre)"),
    ("4", "Kv. metr (square metre)"),
    ("5", "Kub. metr (cubic metre)"),
]


class FiscalDeviceUom(models.Model):
    _name = "fiscal.device.uom"
    _description = "Fiscal Device Quantity Type of a Unit of Measure"

    device_id = fields.Many2one("fiscal.device", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="device_id.company_id", store=True)
    uom_id = fields.Many2one("uom.uom", string="Unit of measure", required=True, ondelete="cascade")
    quantity_type = fields.Selection(
        CASPOS_QUANTITY_TYPES, required=True, help="Caspos quantityType."
    )

    _sql_constraints = [
        ("uom_unique", "unique(device_id, uom_id)", "A unit is mapped once per device."),
    ]
