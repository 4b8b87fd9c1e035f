"""The fiscal agent's routes: the only things an agent can do in Odoo.

Contract: every route is ``POST``, JSON in and out, ``auth="none"`` with the agent's key in
``Authorization: Bearer <key>``; the key is checked (hashed compare), the agent must be active
and not revoked, and a job or device must belong to this agent and its company, else the route
answers 401 / 403 / 404 / 409 with ``{"error": message}``. The routes run with ``sudo()`` on the
agent's own records only; no user session is opened, and ``/session`` only marks the (public)
session as this agent's so that its websocket listens to the agent's bus channel. The protocol
is described in ``docs/agent.md``.
"""

import json
import logging

from odoo import SUPERUSER_ID, _, fields, http
from odoo.http import request

from ..fiscal_device_lib.agent.protocol import PROTOCOL_VERSION
from ..models.fiscal_agent import AgentRefused, hash_key

_logger = logging.getLogger(__name__)

ROUTE = "/fiscal_device/agent/"
# Session keys of an agent's bus session (see ir.websocket._build_bus_channel_list).
SESSION_AGENT = "fiscal_agent_id"
SESSION_KEY_HASH = "fiscal_agent_key_hash"


class AgentError(Exception):
    """A refusal with its HTTP status."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def _agent_route(path, save_session=False):
    def decorate(handler):
        def endpoint(self, **_kwargs):
            try:
                agent = _authenticated_agent()
                try:
                    payload = request.get_json_data() if request.httprequest.data else {}
                except ValueError:
                    raise AgentError(400, _("The request body is not JSON.")) from None
                if not isinstance(payload, dict):
                    raise AgentError(400, _("The request body must be a JSON object."))
                answer = handler(self, agent, payload)
            except AgentRefused as refusal:
                _logger.warning("fiscal agent refused on %s: %s", path, refusal)
                return _error(401, str(refusal))
            except AgentError as error:
                _logger.warning("fiscal agent request refused on %s: %s", path, error.message)
                request.env.cr.rollback()
                return _error(error.status, error.message)
            return request.make_json_response(answer)

        endpoint.__name__ = handler.__name__
        endpoint.__doc__ = handler.__doc__
        return http.route(
            ROUTE + path,
            type="http",
            auth="none",
            methods=["POST"],
            csrf=False,
            save_session=save_session,
            readonly=False,  # every route records something (last seen, claims, results)
        )(endpoint)

    return decorate


def _error(status, message):
    return request.make_response(
        json.dumps({"error": message}),
        headers=[("Content-Type", "application/json")],
        status=status,
    )


def _authenticated_agent():
    header = request.httprequest.headers.get("Authorization", "")
    scheme, _space, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise AgentRefused(_("Fiscal agent key missing: send Authorization: Bearer <key>."))
    # no user session: the routes act as the superuser, on this agent's records only
    request.update_env(user=SUPERUSER_ID)
    agent = request.env["fiscal.agent"].sudo()._authenticate(key.strip())
    request.update_context(allowed_company_ids=[agent.company_id.id])
    return agent.with_env(request.env)


def _own_document(agent, payload):
    """The job ``payload["job_id"]`` if it is this agent's, of its company, else 403/404."""
    job_id = payload.get("job_id")
    if not isinstance(job_id, int) or isinstance(job_id, bool):
        raise AgentError(400, _("job_id must be a number."))
    document = request.env["fiscal.document"].sudo().browse(job_id).exists()
    if not document:
        raise AgentError(404, _("Job %(job)s does not exist.", job=job_id))
    if (
        document.agent_id != agent
        or document.company_id != agent.company_id
        or document.device_id.agent_id != agent
    ):
        raise AgentError(403, _("Job %(job)s is not a job of this agent.", job=job_id))
    return document


class FiscalAgentController(http.Controller):
    @_agent_route("hello")
    def hello(self, agent, payload):
        """The agent starts: record its version; return its devices (family and connection
        settings built by the registry) and settle the jobs it claimed but does not know."""
        agent.write(
            {
                "version": str(payload.get("version") or "")[:64],
                "hostname": str(payload.get("hostname") or "")[:128],
                "last_seen": fields.Datetime.now(),
            }
        )
        known = {job for job in payload.get("known_jobs") or [] if isinstance(job, int)}
        lost = (
            request.env["fiscal.document"]
            .sudo()
            .search(
                [
                    ("agent_id", "=", agent.id),
                    ("state", "=", "sending"),
                    ("job_state", "=", "claimed"),
                    ("id", "not in", list(known)),
                ]
            )
        )
        # a job claimed once never goes to another agent
        request.env["fiscal.device"]._agent_settle_lost(lost)
        return {
            "protocol": PROTOCOL_VERSION,
            "agent": {"id": agent.id, "name": agent.name, "company": agent.company_id.name},
            "devices": [
                device._agent_description()
                for device in agent.device_ids.filtered(lambda d: d.active)
            ],
            "requeued": lost.ids,
        }

    @_agent_route("session", save_session=True)
    def session(self, agent, payload):
        """Mark this (public) session as the agent's: its websocket then listens to the
        agent's bus channel only. The session cookie comes back in ``Set-Cookie``."""
        header = request.httprequest.headers.get("Authorization", "")
        request.session[SESSION_AGENT] = agent.id
        request.session[SESSION_KEY_HASH] = hash_key(header.partition(" ")[2].strip())
        return {"agent": agent.id, "channel": f"fiscal.agent/{agent.id}"}

    @_agent_route("jobs")
    def jobs(self, agent, payload):
        """The agent's queued jobs, oldest first (ids and kinds: ``/claim`` gives the rest)."""
        documents = (
            request.env["fiscal.document"]
            .sudo()
            .search(
                [
                    ("agent_id", "=", agent.id),
                    ("company_id", "=", agent.company_id.id),
                    ("device_id.agent_id", "=", agent.id),
                    ("state", "=", "sending"),
                    ("job_state", "=", "queued"),
                ],
                order="id",
            )
        )
        return {
            "jobs": [
                {"id": document.id, "kind": document.kind, "device_id": document.device_id.id}
                for document in documents
            ]
        }

    @_agent_route("claim")
    def claim(self, agent, payload):
        """Claim one queued job; the answer is the whole job (uuid, request, device)."""
        document = _own_document(agent, payload)
        claimed = request.env["fiscal.document"].sudo()._agent_claim(agent, document.id)
        if not claimed:
            raise AgentError(
                409,
                _(
                    "Job %(job)s is not waiting to be claimed (it is %(state)s).",
                    job=document.id,
                    state=document.job_state or document.state,
                ),
            )
        return {"job": claimed.device_id._agent_job(claimed)}

    @_agent_route("report")
    def report(self, agent, payload):
        """The outcome of a claimed job: ``result`` or ``error`` (with its outcome), written
        through the journal. A job already landed answers its state again (a report resent
        after the agent restarted)."""
        document = _own_document(agent, payload)
        if ("result" in payload) == ("error" in payload):
            raise AgentError(400, _("A report carries either result or error."))
        if document.state != "sending" or document.job_state != "claimed":
            if document.job_state == "claimed" or document.state in ("done", "failed", "unknown"):
                return {"state": document.state, "already": True}
            raise AgentError(
                409,
                _(
                    "Job %(job)s was not claimed by this agent (it is %(state)s).",
                    job=document.id,
                    state=document.job_state or document.state,
                ),
            )
        report = {key: payload[key] for key in ("result", "error") if key in payload}
        try:
            done = document.device_id._agent_land(document, report, agent)
        except (KeyError, TypeError, ValueError) as error:
            raise AgentError(
                400,
                _(
                    "The report of job %(job)s is malformed: %(error)s",
                    job=document.id,
                    error=error,
                ),
            ) from error
        return {"state": done.state}

    @_agent_route("ports")
    def ports(self, agent, payload):
        """The serial ports and devices the agent found, shown on its record."""
        ports = payload.get("ports")
        if not isinstance(ports, list):
            raise AgentError(400, _("ports must be a list."))
        agent.write(
            {
                "ports_json": json.dumps(ports[:200], indent=2, ensure_ascii=False),
                "ports_checked_at": fields.Datetime.now(),
            }
        )
        return {"ports": len(ports)}
