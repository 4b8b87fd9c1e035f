from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

CASPOS_VAT_TYPES = [
    ("1", "Caspos 1: ƏDV 18%"),
    ("2", "Caspos 2: Ticarət ƏDV-si 18%"),
    ("3", "Caspos 3: ƏDV-dən azad"),
    ("5", "Caspos 5: ƏDV 0%"),
    ("6", "Caspos 6: Sadələşdirilmiş 2%"),
    ("7", "Caspos 7: Sadələşdirilmiş 8%"),
]
N5_VAT_LETTERS = [(letter, f"N5 {letter}") for letter in "ABCDEFGH"]
VAT_CLASSES_BY_FAMILY = {
    "caspos": {value for value, _label in CASPOS_VAT_TYPES},
    "n5": {value for value, _label in N5_VAT_LETTERS},
}


class FiscalDeviceTax(models.Model):
    _name = "fiscal.device.tax"
    _description = "Fiscal Device VAT Class of a Tax"
    _check_company_auto = True

    device_id = fields.Many2one("fiscal.device", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="device_id.company_id", store=True)
    family = fields.Selection(related="device_id.family")
    tax_id = fields.Many2one(
        "account.tax",
        required=True,
        check_company=True,
        domain=[("type_tax_use", "=", "sale")],
        ondelete="cascade",
    )
    vat_class = fields.Selection(
        CASPOS_VAT_TYPES + N5_VAT_LETTERS,
        string="Device VAT class",
        required=True,
        help="Caspos vatType or myPOS N5 VAT letter.",
    )

    _sql_constraints = [
        ("tax_unique", "unique(device_id, tax_id)", "A tax is mapped once per device."),
    ]

    @api.constrains("vat_class", "device_id")
    def _check_vat_class(self):
        for mapping in self:
            allowed = VAT_CLASSES_BY_FAMILY.get(mapping.device_id.family, set())
            if mapping.vat_class not in allowed:
                raise ValidationError(
                    _(
                        "VAT class %(vat)s does not exist on %(device)s (%(kind)s).",
                        vat=mapping.vat_class,
                        device=mapping.device_id.display_name,
                        kind=mapping.device_id.family,
                    )
                )
