"""Which device unit (Caspos quantity type) a unit of measure is registered as; the units and
their labels come from the device family. A line offers only its device's family's units
(``filterable_selection`` whitelisted by ``quantity_type_codes``, as for VAT classes)."""

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..fiscal_device_lib.families import families
from ..fiscal_device_lib.families import family as device_family


class FiscalDeviceUom(models.Model):
    _name = "fiscal.device.uom"
    _description = "Fiscal Device Quantity Type of a Unit of Measure"

    device_id = fields.Many2one("fiscal.device", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="device_id.company_id", store=True)
    uom_id = fields.Many2one("uom.uom", string="Unit of measure", required=True, ondelete="cascade")
    quantity_type = fields.Selection(
        "_quantity_type_selection",
        string="Device unit",
        required=True,
        help="The unit the device prints for this unit of measure (Caspos quantity type).",
    )
    quantity_type_codes = fields.Json(compute="_compute_quantity_type_codes")

    _sql_constraints = [
        ("uom_unique", "unique(device_id, uom_id)", "A unit is mapped once per device."),
    ]

    @api.model
    def _quantity_type_selection(self):
        labels = {}
        for known in families():
            for unit in known.units:
                labels.setdefault(unit.code, unit.label)
        return list(labels.items())

    @api.depends("device_id.kind")
    def _compute_quantity_type_codes(self):
        for mapping in self:
            known = mapping.device_id.kind and mapping.device_id._family()
            mapping.quantity_type_codes = [unit.code for unit in known.units] if known else []

    @api.constrains("quantity_type", "device_id")
    def _check_quantity_type(self):
        for mapping in self:
            known = device_family(mapping.device_id.family)
            if mapping.quantity_type not in {unit.code for unit in known.units}:
                raise ValidationError(
                    _(
                        "%(device)s (%(family)s) has no unit %(unit)s: its lines carry %(units)s.",
                        device=mapping.device_id.display_name,
                        family=known.title,
                        unit=mapping.quantity_type,
                        units=", ".join(unit.label for unit in known.units) or _("no unit"),
                    )
                )
