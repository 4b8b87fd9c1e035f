"""What the user sees around Fiscalize and Storno on an invoice or a POS order.

Contract: before a receipt is built, a line whose taxes have no VAT class on the device is
refused with the tax, its rate and the device's classes (nothing is journaled); after a done
Fiscalize or Storno, ``_fiscal_confirmation(results)`` posts the fiscal id in the chatter and
returns a notification action with it; ``fiscal_qr_image_url`` renders the QR as an image
through Odoo's barcode route.
"""

from urllib.parse import urlencode

from markupsafe import escape
from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..fiscal_device_lib.core.money import to_decimal
from .fiscal_device_tax import tax_rate

# Pixels of the QR image on the form.
QR_SIZE = 180


class FiscalSourceMixin(models.AbstractModel):
    _inherit = "fiscal.source.mixin"

    fiscal_qr_image_url = fields.Char(
        string="Fiscal QR image", compute="_compute_fiscal_qr_image_url", compute_sudo=True
    )

    @api.depends("fiscal_qr_value")
    def _compute_fiscal_qr_image_url(self):
        for record in self:
            value = record.fiscal_qr_value
            record.fiscal_qr_image_url = value and "/report/barcode/?" + urlencode(
                {"barcode_type": "QR", "value": value, "width": QR_SIZE, "height": QR_SIZE}
            )

    def _fiscal_check_tax_mapping(self, device, maps, line_values):
        """Refuse lines (``FiscalLineValues``) whose taxes have no VAT class in the device's
        ``maps`` (and whose category no department replaces), naming each tax, its rate and the
        device's classes; lines are numbered as the device's checks number them (free lines are
        not sent)."""
        classes = None
        problems = []
        number = 0
        for values in line_values:
            if not to_decimal(values.quantity, "quantity") or not values.total:
                continue  # free and empty lines print nothing
            number += 1
            if any(tax in maps.vat_classes for tax in values.tax_ids) or (
                values.categ_id in maps.departments
            ):
                continue
            if not values.tax_ids:
                why = _("the line has no tax")
            else:
                tax = self.env["account.tax"].browse(values.tax_ids[0])
                rate = tax_rate(tax)
                why = _(
                    "tax %(tax)s (%(rate)s) has no VAT class on this device",
                    tax=tax.display_name,
                    rate=format(rate, "f") + " %" if rate is not None else _("not a percentage"),
                )
            classes = classes or ", ".join(vat.title for vat in device._family().vat_classes)
            problems.append(
                _(
                    "line %(number)s: VAT class is missing (map the line's tax to a device VAT "
                    "class): %(why)s; its VAT classes are %(classes)s",
                    number=number,
                    why=why,
                    classes=classes,
                )
            )
        if problems:
            raise UserError(
                _(
                    "The document cannot be sent to fiscal device %(device)s:\n%(problems)s\n"
                    "Propose mappings (on the device) maps every sales tax whose rate a VAT "
                    "class has; otherwise map the tax by hand or correct it.",
                    device=device.display_name,
                    problems="\n".join("• " + problem for problem in problems),
                )
            )

    def _fiscal_confirmation(self, results):
        """Post each done ``JournalResult`` of ``results`` (one per record of ``self``, in
        order) in its record's chatter and return a notification naming the fiscal ids."""
        bodies = {}
        for record, result in zip(self, results, strict=True):
            if result is not None and result.done:
                bodies[record.id] = record._fiscal_confirmation_text(result)
        if not bodies:
            return True
        self._fiscal_log_notes(bodies)
        lines = list(bodies.values())
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Registered on the fiscal device"),
                "message": "\n".join(lines),
                "type": "success",
                "sticky": False,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _fiscal_log_notes(self, bodies):
        """Log ``bodies`` ({record id: text}) in the records' chatter as notes, as
        ``_message_log_batch`` logs them (no follower notified) but without the sender address
        and reply-to it works out for e-mails a note never sends: 3 of its 5 ms per Fiscalize."""
        author = self.env.user.partner_id.id
        note = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        self.env["mail.message"].sudo().create(
            [
                {
                    "author_id": author,
                    "email_from": False,
                    "reply_to": False,
                    "model": self._name,
                    "res_id": record_id,
                    "record_name": False,
                    "record_alias_domain_id": False,
                    "record_company_id": False,
                    "message_type": "notification",
                    "subtype_id": note,
                    "is_internal": True,
                    "email_add_signature": False,
                    "body": escape(body),
                }
                for record_id, body in bodies.items()
            ]
        )

    def _fiscal_confirmation_text(self, result):
        what = _("Storno") if result.kind in ("storno", "credit_note") else _("Fiscal receipt")
        text = _(
            "%(what)s of %(record)s registered on %(device)s: fiscal id %(fiscal_id)s, "
            "number %(number)s.",
            what=what,
            record=self.display_name,
            device=result.device_name,
            fiscal_id=result.short_id or result.fiscal_id or "-",
            number=result.number or result.device_number or "-",
        )
        if result.is_test:
            text += " " + _("(test document of a built-in emulator)")
        return text
