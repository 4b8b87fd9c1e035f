"""Which device department (myPOS N5) a product category is sold under; the departments come
from the device family."""

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..fiscal_device_lib.families import family as device_family


class FiscalDeviceCategory(models.Model):
    _name = "fiscal.device.category"
    _description = "Fiscal Device Department of a Product Category"

    device_id = fields.Many2one("fiscal.device", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="device_id.company_id", store=True)
    categ_id = fields.Many2one(
        "product.category", string="Product category", required=True, ondelete="cascade"
    )
    department = fields.Integer(
        required=True,
        help="The device department the category is sold under (myPOS N5: replaces the item "
        "name and VAT letter).",
    )

    _sql_constraints = [
        ("categ_unique", "unique(device_id, categ_id)", "A category is mapped once per device."),
    ]

    @api.constrains("department", "device_id")
    def _check_department(self):
        for mapping in self:
            known = device_family(mapping.device_id.family)
            codes = [choice.code for choice in known.departments]
            if str(mapping.department) not in codes:
                raise ValidationError(
                    _(
                        "%(device)s (%(family)s) has no department %(department)s; its "
                        "departments are %(departments)s.",
                        device=mapping.device_id.display_name,
                        family=known.title,
                        department=mapping.department,
                        departments=_department_range(codes) or _("none"),
                    )
                )


def _department_range(codes):
    """ "0 to 100" for a run of numbers, else the list."""
    numbers = [int(code) for code in codes if code.isdigit()]
    if (
        numbers
        and len(numbers) == len(codes)
        and numbers == list(range(numbers[0], numbers[-1] + 1))
    ):
        return f"{numbers[0]}–{numbers[-1]}" if len(numbers) > 1 else str(numbers[0])
    return ", ".join(codes)
