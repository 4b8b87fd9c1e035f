"""Which device payment kind a POS payment method or a journal pays with; the kinds a device
takes and their labels come from its family (``DeviceFamily.payment_choices``). A line offers
only its device's kinds (``filterable_selection`` whitelisted by the device's
``payment_kind_codes``)."""

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..fiscal_device_lib.core import PaymentKind
from ..fiscal_device_lib.families import family as device_family
from .fiscal_device import _payment_kind_selection


class FiscalDevicePayment(models.Model):
    _name = "fiscal.device.payment"
    _description = "Fiscal Device Payment Kind of a Payment Method or Journal"
    _check_company_auto = True

    device_id = fields.Many2one("fiscal.device", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="device_id.company_id", store=True)
    family = fields.Selection(related="device_id.family")
    pos_payment_method_id = fields.Many2one(
        "pos.payment.method", string="POS payment method", check_company=True, ondelete="cascade"
    )
    journal_id = fields.Many2one(
        "account.journal",
        check_company=True,
        domain=[("type", "in", ("bank", "cash"))],
        ondelete="cascade",
    )
    payment_kind = fields.Selection(
        _payment_kind_selection,
        required=True,
        help="How the receipt shows this payment; each device takes the kinds of its family.",
    )
    payment_kind_codes = fields.Json(related="device_id.payment_kind_codes")

    @api.constrains("pos_payment_method_id", "journal_id")
    def _check_one_source(self):
        for mapping in self:
            if bool(mapping.pos_payment_method_id) == bool(mapping.journal_id):
                raise ValidationError(
                    _("A payment mapping names either a POS payment method or a journal.")
                )

    @api.constrains("payment_kind", "device_id")
    def _check_payment_kind(self):
        for mapping in self:
            known = device_family(mapping.device_id.family)
            if PaymentKind(mapping.payment_kind) not in known.payment_kinds:
                labels = dict(self._fields["payment_kind"]._description_selection(self.env))
                raise ValidationError(
                    _(
                        "%(device)s (%(family)s) takes no payment of kind %(kind)s; it takes "
                        "%(kinds)s.",
                        device=mapping.device_id.display_name,
                        family=known.title,
                        kind=labels.get(mapping.payment_kind, mapping.payment_kind),
                        kinds=", ".join(choice.label for choice in known.payment_choices()),
                    )
                )
