from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..fiscal_device_lib.core import CashOperation
from ..fiscal_device_lib.core.money import to_money


class FiscalCashMove(models.TransientModel):
    _name = "fiscal.cash.move"
    _description = "Cash In / Cash Out on a Fiscal Device"

    device_id = fields.Many2one("fiscal.device", required=True)
    direction = fields.Selection([("in", "Cash in"), ("out", "Cash out")], required=True)
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id", string="Currency")
    amount = fields.Monetary(required=True)

    @api.depends("device_id")
    def _compute_currency_id(self):
        for wizard in self:
            device = wizard.device_id
            wizard.currency_id = device.currency_id or device.company_id.currency_id

    def action_confirm(self):
        return self._confirm().action_open()

    def _confirm(self):
        """Register the cash move; returns its ``JournalResult``."""
        self.ensure_one()
        if self.amount <= 0:
            raise UserError(_("Enter a positive amount to put in or take out of the drawer."))
        amount = to_money(self.amount, "amount")
        if self.direction == "out":
            amount = -amount
        device = self.device_id
        return device._run_on_device(
            "cash_in" if amount > 0 else "cash_out",
            None,
            lambda driver, uuid: CashOperation(
                uuid=uuid, amount=amount, operator=device._operator()
            ),
        )
