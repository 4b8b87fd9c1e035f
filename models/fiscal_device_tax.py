"""Which device VAT class a tax is registered under; the classes, their labels and the law's
rates come from the device family (``fiscal_device_lib.families``), never from here.

``vat_class`` is a plain Selection of every family's classes (stored as the device's own code);
the form offers a line only its device's family's classes through Odoo's
``filterable_selection`` widget, whitelisted by ``vat_class_codes`` (a Json computed from the
device's family: it follows the parent form's kind before saving), and ``_check_vat_class``
holds every write to them. A dynamic ``selection`` method cannot do this: it is read once per
model when the view loads, not per line."""

from decimal import Decimal

from odoo import Command, _, api, fields, models
from odoo.exceptions import ValidationError

from ..fiscal_device_lib.families import families
from ..fiscal_device_lib.families import family as device_family

# Odoo tax types whose amount is a percentage of the price.
PERCENT_TAX_TYPES = ("percent", "division")


def tax_rate(tax):
    """A percentage tax's rate as a Decimal; None for fixed or grouped taxes."""
    if tax.amount_type not in PERCENT_TAX_TYPES:
        return None
    return Decimal(str(tax.amount)).normalize()


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
        "_vat_class_selection",
        string="Device VAT class",
        required=True,
        help="The device's VAT class (group) this tax is registered under; its rate must be "
        "the tax's rate.",
    )
    vat_class_codes = fields.Json(compute="_compute_vat_class_codes")

    _sql_constraints = [
        ("tax_unique", "unique(device_id, tax_id)", "A tax is mapped once per device."),
    ]

    @api.model
    def _vat_class_selection(self):
        # a code two families share shows the first one's title; each line offers its own
        titles = {}
        for known in families():
            for vat_class in known.vat_classes:
                titles.setdefault(vat_class.code, vat_class.title)
        return list(titles.items())

    @api.depends("device_id.kind")
    def _compute_vat_class_codes(self):
        for mapping in self:
            known = mapping.device_id.kind and mapping.device_id._family()
            mapping.vat_class_codes = [vat.code for vat in known.vat_classes] if known else []

    @api.constrains("vat_class", "device_id", "tax_id")
    def _check_vat_class(self):
        for mapping in self:
            device = mapping.device_id
            known = device_family(device.family)
            vat_class = known.vat_class(mapping.vat_class)
            if vat_class is None:
                raise ValidationError(
                    _(
                        "VAT class %(vat)s does not exist on %(device)s (%(family)s).",
                        vat=mapping.vat_class,
                        device=device.display_name,
                        family=known.title,
                    )
                )
            rate = tax_rate(mapping.tax_id)
            if vat_class.rate is not None and rate is not None and rate != vat_class.rate:
                raise ValidationError(
                    _(
                        "Tax %(tax)s (%(tax_rate)s %%) cannot be registered on %(device)s as VAT "
                        "class %(vat)s, whose rate is %(vat_rate)s %%: the receipt would show "
                        "another VAT than the invoice. Map it to a class of %(tax_rate)s %%, "
                        "or correct the tax.",
                        tax=mapping.tax_id.display_name,
                        tax_rate=format(rate, "f"),
                        device=device.display_name,
                        vat=vat_class.title,
                        vat_rate=format(vat_class.rate.normalize(), "f"),
                    )
                )


class FiscalDevice(models.Model):
    _inherit = "fiscal.device"

    def _propose_tax_mapping(self):
        """Commands for ``tax_map_ids`` mapping each unmapped sales tax of the company to the
        device family's VAT class of the same rate (the first such class, as the family lists
        them); taxes without exactly one rate, or whose rate no class has, are left out."""
        self.ensure_one()
        known = device_family(self.family)
        by_rate = {}
        for vat_class in known.vat_classes:
            if vat_class.rate is not None:
                by_rate.setdefault(vat_class.rate.normalize(), vat_class)
        mapped = self.tax_map_ids.tax_id
        taxes = self.env["account.tax"].search(
            [
                *self.env["account.tax"]._check_company_domain(self.company_id),
                ("type_tax_use", "=", "sale"),
                ("id", "not in", mapped.ids),
            ]
        )
        commands = []
        for tax in taxes:
            rate = tax_rate(tax)
            vat_class = by_rate.get(rate) if rate is not None else None
            if vat_class is not None:
                commands.append(Command.create({"tax_id": tax.id, "vat_class": vat_class.code}))
        return commands

    def _map_company_sale_tax(self, vat_class):
        """Map a sales tax of ``vat_class``'s rate to it, where no mapping exists yet: the
        company's default sales tax when its rate is the class's, else a tax of that rate found
        or created in the company (used by the demo data, whose chart of accounts is only known
        at install time and whose default rate may be one no law has)."""
        for device in self:
            rate = device._family().vat_class(vat_class).rate
            Tax = self.env["account.tax"].with_company(device.company_id)
            tax = device.company_id.account_sale_tax_id
            if rate is not None and (not tax or tax.amount_type != "percent" or tax.amount != rate):
                domain = [
                    ("company_id", "=", device.company_id.id),
                    ("type_tax_use", "=", "sale"),
                    ("amount_type", "=", "percent"),
                    ("amount", "=", float(rate)),
                ]
                tax = Tax.search(domain, limit=1) or Tax.create(
                    {
                        "name": f"VAT {rate.normalize():f} % ({device._family().title})",
                        "type_tax_use": "sale",
                        "amount_type": "percent",
                        "amount": float(rate),
                        "company_id": device.company_id.id,
                    }
                )
            if tax and tax not in device.tax_map_ids.tax_id:
                device.tax_map_ids = [Command.create({"tax_id": tax.id, "vat_class": vat_class})]
