"""Shows a new fiscal agent key once; the agent record keeps only its hash."""

from odoo import fields, models


class FiscalAgentKey(models.TransientModel):
    _name = "fiscal.agent.key"
    _description = "Fiscal agent key (shown once)"

    agent_id = fields.Many2one("fiscal.agent", required=True, readonly=True, ondelete="cascade")
    key = fields.Char(readonly=True, help="Copy it now: it is not shown again.")
    command = fields.Char(compute="_compute_command", string="Start the agent with")

    def _compute_command(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        for wizard in self:
            wizard.command = f"fiscal-device agent --url {base_url} --key {wizard.key}"
