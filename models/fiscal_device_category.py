from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

MAX_DEPARTMENT = 100


class FiscalDeviceCategory(models.Model):
    _name = "fiscal.device.category"
    _description = "Fiscal Device Department of a Product Category"

    device_id = fields.Many2one("fiscal.device", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="device_id.company_id", store=True)
    categ_id = fields.Many2one(
        "product.category", string="Product category", required=True, ondelete="cascade"
    )
    department = fields.Integer(
        required=True, help="myPOS N5 department (0-100): replaces the item name and VAT letter."
    )

    _sql_constraints = [
        ("categ_unique", "unique(device_id, categ_id)", "A category is mapped once per device."),
    ]

    @api.constrains("department")
    def _check_department(self):
        for mapping in self:
            if not 0 <= mapping.department <= MAX_DEPARTMENT:
                raise ValidationError(
                    _("A myPOS N5 department is a number from 0 to %(max)s.", max=MAX_DEPARTMENT)
                )
