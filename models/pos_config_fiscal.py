"""What the Point of Sale screen needs to fiscalize at the till.

Contract: ``pos.config`` carries the bounded wait of the payment screen (``fiscal_ui_wait``),
whether closing a session runs the device's Z report (``fiscal_z_report_on_close``), and
hands the screen, with its own data, a plain description of its fiscal device
(``_fiscal_device``: id, name, family, emulator or not). ``fiscal_receipt_data`` reads the fiscal
data of orders already registered, for a reprint; it never sends anything to a device.
``fiscal_register_waiting`` registers, oldest first and one per call, the orders that wait for
the device (paid while the till could not reach the server or the device), once the device
answers; the screen counts them.
"""

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .fiscal_document import LIVE_STATES
from .pos_order import PAID_STATES, SALE_KINDS, STORNO_KINDS

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

    def _fiscal_waiting_orders(self, exclude_ids=()):
        """This configuration's paid orders, in sessions not closed, that wait for its fiscal
        device, oldest first: no fiscal document yet (synchronised after the till lost the
        server), or refused because the device could not be reached (nothing was sent). An order
        registered through its invoice, or left to a person (``fiscal_sweep_failed_at``), is not
        waiting. Sudo records."""
        self.ensure_one()
        orders = (
            self.env["pos.order"]
            .sudo()
            .search(
                [
                    ("config_id", "=", self.id),
                    ("session_id.state", "!=", "closed"),
                    ("state", "in", PAID_STATES),
                    ("account_move", "=", False),
                    ("fiscal_sweep_failed_at", "=", False),
                    ("id", "not in", list(exclude_ids)),
                ],
                order="id",
            )
        )
        if not orders:
            return orders
        states = {}
        for res_id, state in (
            self.env["fiscal.document"]
            .sudo()
            ._read_group(
                [
                    ("res_model", "=", "pos.order"),
                    ("res_id", "in", orders.ids),
                    ("kind", "in", SALE_KINDS + STORNO_KINDS),
                ],
                ["res_id", "state"],
            )
        ):
            states.setdefault(res_id, set()).add(state)
        return orders.filtered(
            lambda order: (
                not states.get(order.id)
                or (order.fiscal_waiting_device and not states[order.id] & set(LIVE_STATES))
            )
        )

    def fiscal_register_waiting(self, exclude_ids=None, register=True):
        """For the POS screen: how many orders wait for this configuration's fiscal device
        (``_fiscal_waiting_orders``, less ``exclude_ids``, the orders the till is registering)
        and, with ``register`` and once the device answers, register the oldest of them.

        Returns ``waiting`` (still waiting), ``order_id`` and ``result`` (its fiscal data, as
        ``fiscalize_from_ui``) of the order sent, and ``error``, the device's words when it
        does not answer (then nothing is sent)."""
        self.ensure_one()
        self.check_access("read")
        waiting = self._fiscal_waiting_orders(exclude_ids or ())
        answer = {"waiting": len(waiting), "order_id": False, "result": False, "error": False}
        device = self.sudo().fiscal_device_id.with_env(self.env)
        if not (waiting and register and device):
            return answer
        try:
            # ask first: while the device is away, nothing is journaled on every round
            with device._driver() as driver:
                device._call(driver, driver.info)
        except AccessError:
            raise
        except UserError as error:
            answer["error"] = str(error)
            return answer
        order = waiting[0].with_env(self.env)
        result = order.fiscalize_from_ui()
        if result["state"] == "none" and result["error"] and not result["waiting"]:
            # refused before anything was sent, the device answering: a person looks at it
            order.sudo().fiscal_sweep_failed_at = fields.Datetime.now()
        still_waiting = result["waiting"] or (result["state"] == "none" and not result["error"])
        answer.update(
            order_id=order.id,
            result=result,
            waiting=len(waiting) - (0 if still_waiting else 1),
        )
        return answer


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    pos_fiscal_ui_wait = fields.Float(related="pos_config_id.fiscal_ui_wait", readonly=False)
    pos_fiscal_z_report_on_close = fields.Boolean(
        related="pos_config_id.fiscal_z_report_on_close", readonly=False
    )
