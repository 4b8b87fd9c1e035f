"""What ``fiscal.device`` knows of its device's state: the connection test, the operator it sends
as, the status read from the device (numbers, model, shift) and the shift opened or checked
where the family has explicit shifts (``Capability.OPEN_SHIFT``). Helpers take a connected
driver from ``fiscal_device_connection._driver()``; device errors are mapped by ``_call``."""

from datetime import timedelta

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..fiscal_device_lib.core import Capability, Operator, to_jsonable
from .fiscal_document import journal_json


class FiscalDevice(models.Model):
    _inherit = "fiscal.device"

    def action_test_connection(self):
        self.ensure_one()
        with self._driver() as driver:
            info = self._read_status(driver)
        return self._notify(
            _("Fiscal device %(device)s answered", device=self.display_name),
            _(
                "%(model)s, serial number %(serial)s, fiscal memory %(fm)s; shift %(shift)s.",
                model=info.model or "-",
                serial=info.serial_number or "-",
                fm=info.fiscal_memory_number or "-",
                shift=_("open") if self.shift_open else _("closed"),
            ),
        )

    def action_open_shift(self):
        self.ensure_one()
        with self._driver() as driver:
            if not driver.supports(Capability.OPEN_SHIFT):
                raise UserError(
                    _(
                        "Fiscal device %(device)s opens its fiscal day by itself with the first "
                        "receipt; there is no shift to open.",
                        device=self.display_name,
                    )
                )
            state = self._call(driver, driver.open_shift, self._operator())
            self._write_shift(state)
        return self._notify(
            _("Shift opened"), _("The shift of %(device)s is open.", device=self.display_name)
        )

    def _operator(self):
        return Operator(
            name=self.cashier_name or self.env.user.name, number=self.operator_number or 1
        )

    def _read_status(self, driver):
        info = self._call(driver, driver.info)
        values = {
            "serial_number": info.serial_number,
            "fiscal_memory_number": info.fiscal_memory_number,
            "model_name": info.model,
            "firmware": info.firmware,
            "info_json": journal_json(to_jsonable(info)),
            "status_checked_at": fields.Datetime.now(),
        }
        if driver.supports(Capability.SHIFT_STATE):
            state = self._call(driver, driver.shift_state)
            values.update(self._shift_values(state))
        self.sudo().write(values)
        return info

    def _check_shift_to_close(self):
        """On a device with explicit shifts, a Z report of a closed shift is refused here with
        what it means, instead of sent to be refused by the device."""
        self.ensure_one()
        with self._driver() as driver:
            if not driver.supports(Capability.OPEN_SHIFT):
                return
            state = self._call(driver, driver.shift_state)
        if not state.is_open:
            raise UserError(
                _(
                    "The shift of %(device)s is already closed: there is nothing for a Z report "
                    "to close. A new shift opens with the next receipt (or with Open shift).",
                    device=self.display_name,
                )
            )

    def _shift_values(self, state):
        opened_at = state.opened_at
        if opened_at is not None and opened_at.tzinfo is not None:
            opened_at = opened_at.replace(tzinfo=None)
        return {
            "shift_open": state.is_open,
            "shift_opened_at": opened_at if state.is_open else False,
            "status_checked_at": fields.Datetime.now(),
        }

    def _write_shift(self, state):
        self.sudo().write(self._shift_values(state))

    def _ensure_shift(self, driver, ask=False):
        """Open the shift before a receipt where the device has shifts and is set to do so.

        The device is asked only when Odoo does not know its shift open (or ``ask``): a shift
        closed on the device itself refuses the receipt with ``ShiftNotOpen``, and the journal
        then asks, opens it and sends the receipt again (``_send``). A ``FiscalError`` is the
        caller's to turn into a message."""
        if not self._opens_shift(driver) or (not ask and self._shift_known_open()):
            return
        state = driver.shift_state()
        if not state.is_open:
            state = driver.open_shift(self._operator())
        self._write_shift(state)

    def _opens_shift(self, driver):
        return bool(self.auto_open_shift and driver.supports(Capability.OPEN_SHIFT))

    def _shift_known_open(self):
        """The shift is open as Odoo last saw it, and younger than its family's limit."""
        hours = self._family().shift_hours
        opened_at = self.shift_opened_at
        return bool(
            self.shift_open
            and opened_at
            and (not hours or fields.Datetime.now() - opened_at < timedelta(hours=hours))
        )
