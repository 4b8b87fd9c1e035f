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

from ..fiscal_device_lib.core import PaymentKind
from ..fiscal_device_lib.families import families
from ..fiscal_device_lib.families import family as device_family

# Odoo tax types whose amount is a percentage of the price.
PERCENT_TAX_TYPES = ("percent", "division")
# The payment kind proposed for a journal type and a POS payment method type.
JOURNAL_TYPE_KINDS = {"cash": PaymentKind.CASH, "bank": PaymentKind.CARD}
POS_METHOD_TYPE_KINDS = {
    "cash": PaymentKind.CASH,
    "bank": PaymentKind.CARD,
    "pay_later": PaymentKind.CREDIT,
}
# Odoo's standard units of measure and the English name a family's unit label ends with.
STANDARD_UOM_WORDS = (
    ("uom.product_uom_unit", "piece"),
    ("uom.product_uom_kgm", "kilogram"),
    ("uom.product_uom_litre", "litre"),
    ("uom.product_uom_meter", "metre"),
    ("uom.uom_square_meter", "square metre"),
    ("uom.product_uom_cubic_meter", "cubic metre"),
)


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

    def _propose_payment_mapping(self):
        """Commands for ``payment_map_ids`` mapping each unmapped cash and bank journal and
        POS payment method of the company to the device family's payment kind of its type
        (cash -> cash, bank -> card, customer account -> credit); kinds the family does not
        take are left out."""
        self.ensure_one()
        kinds = {PaymentKind(kind) for kind in device_family(self.family).payment_kinds}
        commands = []
        journals = self.env["account.journal"]
        mapped_journals = self.payment_map_ids.journal_id
        for journal in journals.search(
            [
                *journals._check_company_domain(self.company_id),
                ("type", "in", tuple(JOURNAL_TYPE_KINDS)),
                ("id", "not in", mapped_journals.ids),
            ]
        ):
            kind = JOURNAL_TYPE_KINDS[journal.type]
            if kind in kinds:
                commands.append(
                    Command.create({"journal_id": journal.id, "payment_kind": kind.value})
                )
        if "pos.payment.method" in self.env:
            Method = self.env["pos.payment.method"]
            mapped_methods = self.payment_map_ids.pos_payment_method_id
            for method in Method.search(
                [
                    *Method._check_company_domain(self.company_id),
                    ("id", "not in", mapped_methods.ids),
                ]
            ):
                kind = POS_METHOD_TYPE_KINDS.get(method.type)
                if kind in kinds:
                    commands.append(
                        Command.create(
                            {"pos_payment_method_id": method.id, "payment_kind": kind.value}
                        )
                    )
        return commands

    def _propose_uom_mapping(self):
        """Commands for ``uom_map_ids`` mapping Odoo's standard units of measure to the device
        family's unit of the same name (Caspos: piece, kilogram, litre, metre, m², m³); empty
        for a family whose lines carry no unit."""
        self.ensure_one()
        units = device_family(self.family).units
        mapped = self.uom_map_ids.uom_id
        commands = []
        for xmlid, word in STANDARD_UOM_WORDS:
            uom = self.env.ref(xmlid, raise_if_not_found=False)
            # the family's labels end with the unit's English name: "KQ (kilogram)"
            unit = next((unit for unit in units if unit.label.endswith(f"({word})")), None)
            if uom and unit and uom not in mapped:
                commands.append(Command.create({"uom_id": uom.id, "quantity_type": unit.code}))
        return commands

    def _propose_mappings(self):
        """Add the proposed tax, payment and unit mappings (what is mapped already stays)."""
        for device in self.filtered("kind"):
            device.sudo().write(
                {
                    "tax_map_ids": device._propose_tax_mapping(),
                    "payment_map_ids": device._propose_payment_mapping(),
                    "uom_map_ids": device._propose_uom_mapping(),
                }
            )

    def action_propose_mappings(self):
        """Button "Propose mappings": map the company's taxes by rate, its journals and POS
        payment methods by type and the standard units, then say what is still unmapped."""
        self.ensure_one()
        before = (len(self.tax_map_ids), len(self.payment_map_ids), len(self.uom_map_ids))
        self._propose_mappings()
        added = (
            len(self.tax_map_ids) - before[0],
            len(self.payment_map_ids) - before[1],
            len(self.uom_map_ids) - before[2],
        )
        message = _(
            "Added %(taxes)s tax, %(payments)s payment and %(units)s unit mappings.",
            taxes=added[0],
            payments=added[1],
            units=added[2],
        )
        unmapped = self._unmappable_sale_taxes()
        if unmapped:
            message += " " + _(
                "No VAT class of %(device)s has the rate of %(taxes)s: map them by hand or "
                "correct the taxes.",
                device=self.display_name,
                taxes=", ".join(unmapped.mapped("display_name")),
            )
        return self._notify(_("Mappings proposed"), message)

    def _unmappable_sale_taxes(self):
        """The company's sales taxes still without a VAT class on this device."""
        Tax = self.env["account.tax"]
        return Tax.search(
            [
                *Tax._check_company_domain(self.company_id),
                ("type_tax_use", "=", "sale"),
                ("id", "not in", self.tax_map_ids.tax_id.ids),
            ]
        )

    @api.model_create_multi
    def create(self, vals_list):
        devices = super().create(vals_list)
        # a new device works on first use: nobody has to know its VAT class codes
        devices._propose_mappings()
        return devices
