"""Point of Sale session hooks for fiscal devices.

Contract: opening a session (the POS "Open Register") on a device with explicit shifts (Caspos)
opens the device's shift when it is closed; a device that refuses or does not answer leaves the
session open and the reason on its chatter (the first receipt opens the shift again, or says
why). A POS "Cash In/Out" on a session whose configuration has a fiscal device is also
registered on that device as a service deposit / withdrawal (the back office's cash move, one
code path); a device that refuses it refuses the whole move, with the device's words, so the
drawer's books and the device's never differ. Closing a session of a configuration with
``fiscal_z_report_on_close`` runs the device's Z report once Odoo has closed the session; the
session's chatter shows the Z report's number beside Odoo's totals, or the device's message, and
the closing screen is given the device's totals beside Odoo's (``_fiscal_z_report``).
"""

from odoo import _, models
from odoo.exceptions import UserError

from ..fiscal_device_lib.core import Capability

# The fiscal journal's totals of the day, written beside the Z report: used where the device's
# own Z report has no sales totals (registry: ``z_sales_totals``)
JOURNAL_SALES_TOTALS = ("sales: total", "stornos: total")


class PosSession(models.Model):
    _inherit = "pos.session"

    def set_opening_control(self, cashbox_value, notes):
        opening = self.filtered(lambda session: session.state == "opening_control")
        result = super().set_opening_control(cashbox_value, notes)
        for session in opening:
            device = session.config_id.sudo().fiscal_device_id.with_env(self.env)
            if device:
                session._fiscal_open_shift(device)
        return result

    def _fiscal_open_shift(self, device):
        """Open ``device``'s shift for this session where the device has explicit shifts and
        it is closed; returns whether it opened one. A failure is noted, not raised: the
        register opens whatever the device says."""
        self.ensure_one()
        if Capability.OPEN_SHIFT not in device._family().capabilities:
            return False  # the N5 opens its fiscal day with the first receipt: nothing to ask
        try:
            with self.env.cr.savepoint(), device._driver() as driver:
                state = device._call(driver, driver.shift_state)
                if not state.is_open:
                    state = device._call(driver, driver.open_shift, device._operator())
                    opened = True
                else:
                    opened = False
                device._write_shift(state)
        except UserError as error:
            self.message_post(
                body=_(
                    "Shift of %(device)s not opened: %(error)s",
                    device=device.display_name,
                    error=str(error),
                )
            )
            return False
        if opened:
            self.message_post(body=_("Shift of %(device)s opened.", device=device.display_name))
        return opened

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
        the session is closed in Odoo whatever the device says. Returns, for the closing
        screen, ``number`` (or ``error``), ``device``, ``odoo`` (this session's orders and
        payments by method) and ``device_totals`` with the sales compared (``comparison``)."""
        self.ensure_one()
        odoo = self._fiscal_odoo_totals()
        totals = _(
            "Odoo: %(orders)s orders, %(total)s",
            orders=len(self.order_ids),
            total=self.currency_id.format(self.total_payments_amount),
        )
        answer = {"device": device.display_name, "odoo": odoo, "currency_id": self.currency_id.id}
        try:
            with self.env.cr.savepoint():
                action = device.action_z_report()
        except UserError as error:
            self.message_post(
                body=_(
                    "Z report on %(device)s not printed: %(error)s (%(totals)s)",
                    device=device.display_name,
                    error=str(error),
                    totals=totals,
                )
            )
            return {**answer, "error": str(error)}
        number = device.sudo().last_z_report_number
        self.message_post(
            body=_(
                "Z report no. %(number)s printed on %(device)s (%(totals)s)",
                number=number,
                device=device.display_name,
                totals=totals,
            )
        )
        device_totals = self._fiscal_z_report_totals(device, action.get("res_id"))
        return {
            **answer,
            "number": number,
            "device_totals": device_totals,
            "comparison": self._fiscal_compare_sales(device, odoo, device_totals),
        }

    def _fiscal_odoo_totals(self):
        """This session's paid orders and payments by method, as the closing screen shows."""
        orders = self.order_ids.filtered(lambda order: order.state in ("paid", "done", "invoiced"))
        by_method = {}
        for payment in orders.payment_ids:
            name = payment.payment_method_id.name
            by_method[name] = by_method.get(name, 0.0) + payment.amount
        return {
            "orders": len(orders),
            "total": self.currency_id.round(sum(orders.mapped("amount_total"))),
            "payments": [
                {"name": name, "amount": self.currency_id.round(amount)}
                for name, amount in by_method.items()
            ],
        }

    def _fiscal_z_report_totals(self, device, document_id):
        """The totals of Z report ``document_id`` as plain values, read on the journal's cursor
        (this request's snapshot predates the journal's commit)."""
        if not document_id:
            return []
        with device._journal() as env:
            document = env["fiscal.document"].browse(document_id)
            return [
                {
                    "group": total.group,
                    "name": total.name,
                    "value": total.value,
                    "is_count": total.is_count,
                    "display": total.value_display,
                }
                for total in document.total_ids
            ]

    def _fiscal_compare_sales(self, device, odoo, device_totals):
        """Odoo's sales of the session beside the device's net sales of its Z report (the
        fiscal journal's, where the device's report has none), and their difference."""
        figures = {
            (total["group"], total["name"]): total["value"]
            for total in device_totals
            if not total["is_count"]
        }
        sales, returns = device._family().z_sales_totals or (None, None)
        source = "device"
        if ("total", sales) not in figures:
            sales, returns = JOURNAL_SALES_TOTALS
            source = "journal"
        group = "total" if source == "device" else "journal"
        if (group, sales) not in figures:
            return False
        device_sales = figures[(group, sales)] - abs(figures.get((group, returns), 0.0))
        device_sales = self.currency_id.round(device_sales)
        return {
            "source": source,
            "odoo": odoo["total"],
            "device": device_sales,
            "difference": self.currency_id.round(odoo["total"] - device_sales),
        }
