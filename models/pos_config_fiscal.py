"""What the Point of Sale screen needs to fiscalize at the till.

Contract: ``pos.config`` carries the bounded wait of the payment screen (``fiscal_ui_wait``),
whether closing a session runs the device's Z report (``fiscal_z_report_on_close``), and
hands the screen, with its own data, a plain description of its fiscal device
(``_fiscal_device``: id, name, family, emulator or not). ``fiscal_receipt_data`` reads the fiscal
data of orders already registered, for a reprint; it never sends anything to a device.
"""

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# Seconds the payment screen waits for the device before it offers the cashier the choices.
DEFAULT_UI_WAIT = 5.0


class PosConfig(models.Model):
    _inherit = "pos.config"

    fiscal_ui_wait = fields.Float(
        string="Wait for the fiscal device (s)",
        default=DEFAULT_UI_WAIT,
        help="Seconds the payment screen waits for the fiscal device before it lets the cashier "
        "retry or continue; the registration goes on in the background.",
    )

    fiscal_z_report_on_close = fields.Boolean(
        string="Z report at session close",
        help="Closing a session of this Point of Sale runs its fiscal device's Z report (closes "
        "the device's shift); a device failure does not stop the close and is noted on the "
        "session.",
    )

    @api.constrains("fiscal_ui_wait")
    def _check_fiscal_ui_wait(self):
        for config in self:
            if not 1 <= config.fiscal_ui_wait <= 120:
                raise ValidationError(
                    _(
                        "Point of Sale %(config)s: the wait for the fiscal device must be between "
                        "1 and 120 seconds (%(wait)s).",
                        config=config.display_name,
                        wait=config.fiscal_ui_wait,
                    )
                )

    def _load_pos_data(self, data):
        result = super()._load_pos_data(data)
        for values in result["data"]:
            config = self.browse(values["id"])
            values["_fiscal_device"] = config._fiscal_device_for_ui()
        return result

    def _fiscal_device_for_ui(self):
        """The configuration's fiscal device as the POS screen shows it, or False."""
        self.ensure_one()
        device = self.sudo().fiscal_device_id
        if not device:
            return False
        return {
            "id": device.id,
            "name": device.name,
            "family": device.family,
            "is_emulator": device.is_emulator,
        }

    def fiscal_receipt_data(self, order_ids):
        """The fiscal data of this configuration's orders ``order_ids``, by order id, as the
        payment screen receives it; reading only: nothing is sent to a device."""
        self.ensure_one()
        orders = self.env["pos.order"].browse(order_ids).exists()
        orders.check_access("read")
        device = self._fiscal_device_for_ui()
        result = {}
        for order in orders.filtered(lambda o: o.config_id == self):
            values = order._fiscal_ui_result()
            values.setdefault("device", device and device["name"])
            values.setdefault("is_test", bool(device and device["is_emulator"]))
            result[order.id] = values
        return result


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    pos_fiscal_ui_wait = fields.Float(related="pos_config_id.fiscal_ui_wait", readonly=False)
    pos_fiscal_z_report_on_close = fields.Boolean(
        related="pos_config_id.fiscal_z_report_on_close", readonly=False
    )
