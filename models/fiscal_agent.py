"""The fiscal agent: a program on a shop PC that runs the jobs of the devices bound to it.

Contract: an agent authenticates with its own key, shown once (``action_generate_key``) and
stored only as a SHA-256 hash (the key is 32 random bytes, so a plain hash is enough; it is
compared with ``hmac.compare_digest``). The key reads ``<agent id>.<secret>``: the id finds the
record, the secret proves it. A revoked or archived agent is refused at once by
``_authenticate``, the one check every agent route makes. Its jobs are the fiscal documents of
its devices (``fiscal_device_agent``); it is told about them on its bus channel (the record).
"""

import hashlib
import hmac
import json
import secrets
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.addons.bus.websocket import wsrequest
from odoo.exceptions import AccessDenied
from odoo.http import request

# An agent that has not called for this long is shown offline: it pulls its jobs every
# ``PULL_INTERVAL`` seconds (see fiscal_device_lib.agent), so two missed pulls mean it is gone.
ONLINE_SECONDS = 300


def hash_key(key):
    """The stored form of an agent key."""
    return hashlib.sha256(key.encode()).hexdigest()


class AgentRefused(AccessDenied):
    """An agent request refused: wrong, unknown or revoked key, or a job not its own."""


class FiscalAgent(models.Model):
    _name = "fiscal.agent"
    _description = "Fiscal Agent"
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True, help="Where the agent runs, e.g. the till PC of shop 2.")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    key_hash = fields.Char(readonly=True, copy=False, groups="base.group_system")
    key_prefix = fields.Char(
        string="Key", readonly=True, copy=False, help="The start of the current key."
    )
    revoked = fields.Boolean(readonly=True, copy=False, help="Its key is refused at once.")
    last_seen = fields.Datetime(readonly=True, copy=False)
    version = fields.Char(readonly=True, copy=False, help="The agent's own version.")
    hostname = fields.Char(readonly=True, copy=False)
    device_ids = fields.One2many("fiscal.device", "agent_id", string="Devices")
    online = fields.Boolean(compute="_compute_online")
    queue_length = fields.Integer(compute="_compute_queue_length", string="Jobs waiting")
    ports_json = fields.Text(string="Ports seen", readonly=True, copy=False)
    ports_checked_at = fields.Datetime(readonly=True, copy=False)
    ports_text = fields.Text(compute="_compute_ports_text", string="Ports and devices found")

    @api.depends("last_seen")
    def _compute_online(self):
        limit = fields.Datetime.now() - timedelta(seconds=ONLINE_SECONDS)
        for agent in self:
            agent.online = bool(agent.last_seen and agent.last_seen >= limit and agent.active)

    def _compute_queue_length(self):
        counts = dict(
            self.env["fiscal.document"]
            .sudo()
            ._read_group(
                [
                    ("agent_id", "in", self.ids),
                    ("state", "=", "sending"),
                    ("job_state", "!=", False),
                ],
                ["agent_id"],
                ["__count"],
            )
        )
        for agent in self:
            agent.queue_length = counts.get(agent._origin, 0)

    @api.depends("ports_json")
    def _compute_ports_text(self):
        for agent in self:
            lines = []
            for port in json.loads(agent.ports_json or "[]"):
                found = port.get("found") or _("no answer")
                lines.append(f"{port.get('name', '')} ({port.get('description', '')}): {found}")
            agent.ports_text = "\n".join(lines)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_generate_key(self):
        """A new key for this agent (the old one stops working), shown once in a wizard."""
        self.ensure_one()
        self.check_access("write")
        key = f"{self.id}.{secrets.token_urlsafe(32)}"
        self.sudo().write({"key_hash": hash_key(key), "key_prefix": key[:12], "revoked": False})
        wizard = self.env["fiscal.agent.key"].create({"agent_id": self.id, "key": key})
        return {
            "type": "ir.actions.act_window",
            "name": _("Agent key"),
            "res_model": "fiscal.agent.key",
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_revoke(self):
        """Refuse this agent's key from now on; its jobs wait for a new key."""
        self.check_access("write")
        self.sudo().write({"revoked": True})
        for agent in self:
            # tell a connected agent to stop now rather than at its next request
            self.env["bus.bus"].sudo()._sendone(agent, "fiscal_agent/revoked", {})
        return True

    # ------------------------------------------------------------------
    # Authentication (agent routes)
    # ------------------------------------------------------------------

    @api.model
    def _authenticate(self, key):
        """The agent whose key is ``key`` (sudo, on this cursor), or ``AgentRefused`` saying
        why; touches ``last_seen``."""
        agent_id, _dot, secret = (key or "").partition(".")
        if not agent_id.isdigit() or not secret:
            raise AgentRefused(_("Fiscal agent key missing or malformed."))
        agent = self.sudo().with_context(active_test=False).browse(int(agent_id)).exists()
        if not agent or not agent.key_hash:
            raise AgentRefused(_("Fiscal agent key refused."))
        if not hmac.compare_digest(agent.key_hash, hash_key(key)):
            raise AgentRefused(_("Fiscal agent key refused."))
        if agent.revoked:
            raise AgentRefused(_("Fiscal agent key revoked: ask for a new key."))
        if not agent.active:
            raise AgentRefused(_("Fiscal agent %(agent)s is archived.", agent=agent.name))
        # a write per request would serialise an agent's parallel calls: once a minute is enough
        now = fields.Datetime.now()
        if not agent.last_seen or now - agent.last_seen > timedelta(seconds=60):
            self.env.cr.execute(
                "UPDATE fiscal_agent SET last_seen = %s WHERE id = %s", (now, agent.id)
            )
            agent.invalidate_recordset(["last_seen"])
        return agent

    def _session_matches(self, key_hash):
        """Whether a bus session opened with ``key_hash`` may still listen for this agent."""
        self.ensure_one()
        agent = self.sudo().with_context(active_test=False)
        return bool(
            agent.exists()
            and agent.active
            and not agent.revoked
            and agent.key_hash
            and hmac.compare_digest(agent.key_hash, key_hash or "")
        )


class IrWebsocket(models.AbstractModel):
    _inherit = "ir.websocket"

    def _build_bus_channel_list(self, channels):
        # an agent's session (controllers/agent.py ``/session``) hears its own channel, only
        session = (request or wsrequest).session
        agent_id = session.get("fiscal_agent_id")
        if not agent_id:
            return super()._build_bus_channel_list(channels)
        agent = self.env["fiscal.agent"].sudo().browse(int(agent_id))
        if agent._session_matches(session.get("fiscal_agent_key_hash")):
            return [agent]
        return []
