"""Point of Sale session hooks for fiscal devices.

Contract: a POS "Cash In/Out" on a session whose configuration has a fiscal device is also
registered on that device as a service deposit / withdrawal (the back office's cash move, one
code path); a device that refuses it refuses the whole move, with the device's words, so the
drawer's books and the device's never differ. Closing a session of a configuration with
``fiscal_z_report_on_close`` runs the device's Z report once Odoo has closed the session; the
session's chatter shows the Z report's number beside Odoo's totals, or the device's message.
"""

from odoo import _, models
from odoo.exceptions import UserError


class PosSession(models.Model):
    _inherit = "pos.session"

    def try_cash_in_out(self, _type, amount, reason, extras):
        result = super().try_cash_in_out(_type, amount, reason, extras)
        for device in self.filtered("cash_journal_id").config_id.fiscal_device_id:
            move = self.env["fiscal.cash.move"].create(
                {
                    "device_id": device.id,
                    "direction": "in" if _type == "in" else "out",
                    "amount": amount,
                }
            )
            move.action_confirm()
        return result

    def close_session_from_ui(self, bank_payment_method_diff_pairs=None):
        result = super().close_session_from_ui(bank_payment_method_diff_pairs)
        config = self.config_id
        device = config.sudo().fiscal_device_id.with_env(self.env)
        if result.get("successful") and config.fiscal_z_report_on_close and device:
            result["fiscal_z_report"] = self._fiscal_z_report(device)
        return result

    def _fiscal_z_report(self, device):
        """Run ``device``'s Z report for this closed session; a failure is noted, not raised:
        the session is closed in Odoo whatever the device says."""
        self.ensure_one()
        totals = _(
            "Odoo: %(orders)s orders, %(total)s",
            orders=len(self.order_ids),
            total=self.currency_id.format(self.total_payments_amount),
        )
        try:
            with self.env.cr.savepoint():
                device.action_z_report()
        except UserError as error:
            self.message_post(
                body=_(
                    "Z report on %(device)s not printed: %(error)s (%(totals)s)",
                    device=device.display_name,
                    error=str(error),
                    totals=totals,
                )
            )
            return {"error": str(error)}
        number = device.sudo().last_z_report_number
        self.message_post(
            body=_(
                "Z report no. %(number)s printed on %(device)s (%(totals)s)",
                number=number,
                device=device.display_name,
                totals=totals,
            )
        )
        return {"number": number}
