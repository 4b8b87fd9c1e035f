"""Which device VAT class a tax is registered under; the classes, their labels and the law's
rates come from the device family (``fiscal_device_lib.families``), never from here."""

from decimal import Decimal

from odoo import Command, _, api, fields, models
from odoo.exceptions import ValidationError

from ..fiscal_device_lib.families import families
from ..fiscal_device_lib.families import family as device_family

# Odoo tax types whose amount is a percentage of the price.
PERCENT_TAX_TYPES = ("percent", "division")


def vat_class_label(device_family_, vat_class):
    """ "<family title>: <class label> (<rate> %)": the family is named because one selection
    lists every family's classes; the rate is added where the label does not carry it."""
    label = f"{device_family_.title}: {vat_class.label}"
    if vat_class.rate is not None and "%" not in vat_class.label:
        label += f" ({vat_class.rate.normalize():f} %)"
    return label


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

    _sql_constraints = [
        ("tax_unique", "unique(device_id, tax_id)", "A tax is mapped once per device."),
    ]

    @api.model
    def _vat_class_selection(self):
        return [
            (vat_class.code, vat_class_label(known, vat_class))
            for known in families()
            for vat_class in known.vat_classes
        ]

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
                        vat=vat_class_label(known, vat_class),
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
