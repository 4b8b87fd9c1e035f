"""Point of Sale session hooks for fiscal devices.

Contract: a POS "Cash In/Out" on a session whose configuration has a fiscal device is also
registered on that device as a service deposit / withdrawal (the back office's cash move, one
code path); a device that refuses it refuses the whole move, with the device's words, so the
drawer's books and the device's never differ.
"""

from odoo import models


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
