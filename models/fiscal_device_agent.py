"""A device reached through a fiscal agent: the journal's documents become the agent's jobs.

Contract: the one journal engine (``fiscal_journal``) runs unchanged; ``_driver()`` of a device
with an ``agent_id`` yields an ``AgentRelay`` instead of a connected driver. For a document the
journal already committed (state ``sending``, uuid, request) the relay marks it a job queued for
the agent (``job_state`` ``queued``, committed on the journal's cursor, with a bus message to the
agent's channel sent on that commit), then polls it on fresh cursors for ``agent_wait`` seconds.
The agent claims the job (``claimed``), runs it and reports; the report route writes the result
through the journal's own ``_journal_result`` / ``_journal_failure`` (``_agent_land``): the one
place a relayed result is written. If it landed in time the relay returns the document's
``JournalResult`` as a local driver's call would end; otherwise the user sees it queued and is
notified when it lands.

Job states: ``state`` stays the journal's (sending -> done / failed / unknown); ``job_state``
says where a ``sending`` document is on the hop: ``queued`` (offered to the agent) or
``claimed`` (the agent took it; never offered to another). A failure reported by the agent
clears ``job_state``: a document left ``sending`` (Caspos, answer lost) is resent under its
uuid by pressing the button again, an N5 one becomes unknown, as for a local device.
"""

import json
import uuid as uuid_lib
from contextlib import contextmanager

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..fiscal_device_lib.agent.protocol import (
    REPORT_KINDS,
    error_from_dict,
    result_from_dict,
)
from ..fiscal_device_lib.core import (
    Capability,
    FiscalError,
    OutcomeUnknown,
    Receipt,
    ReportResult,
)
from .fiscal_agent_relay import AgentRelay
from .fiscal_document import journal_json
from .fiscal_journal_result import JournalResult

JOB_STATES = [("queued", "Queued for the agent"), ("claimed", "Claimed by the agent")]


class FiscalDevice(models.Model):
    _inherit = "fiscal.device"

    agent_id = fields.Many2one(
        "fiscal.agent",
        string="Through agent",
        check_company=True,
        index=True,
        ondelete="restrict",
        help="Reach the device through the fiscal agent on the shop PC it is attached to "
        "(hosted Odoo); empty: the Odoo server reaches it itself.",
    )
    agent_wait = fields.Float(
        string="Agent wait (s)",
        default=5.0,
        help="How long the user waits for the agent's answer before the document is left "
        "queued (the user is notified when it lands).",
    )
    agent_online = fields.Boolean(related="agent_id.online", string="Agent online")
    agent_queue_length = fields.Integer(
        compute="_compute_agent_queue_length", string="Jobs waiting for the agent"
    )

    def _compute_agent_queue_length(self):
        counts = dict(
            self.env["fiscal.document"]
            .sudo()
            ._read_group(
                [
                    ("device_id", "in", self.ids),
                    ("state", "=", "sending"),
                    ("job_state", "!=", False),
                ],
                ["device_id"],
                ["__count"],
            )
        )
        for device in self:
            device.agent_queue_length = counts.get(device._origin, 0)

    # ------------------------------------------------------------------
    # The journal's hooks: a relay instead of a connected driver
    # ------------------------------------------------------------------

    def _through_agent(self):
        # sudo: whether a device is reached through an agent is no secret, and the access
        # check of the operation (``_check_fiscal_user``) must be the one the user meets
        return bool(self.sudo().agent_id)

    @contextmanager
    def _driver(self):
        if not self._through_agent():
            with super()._driver() as driver:
                yield driver
            return
        self.ensure_one()
        self._check_fiscal_user()
        self._lock()
        try:
            yield AgentRelay(self, self._agent_checker())
        except FiscalError as error:
            raise self._fiscal_user_error(error) from error

    def _agent_checker(self):
        """The family's driver on placeholder settings: never connected (neither driver opens
        anything before its first request), it answers ``problems`` and ``supports``."""
        values = self._connection_values()
        values.update(url="http://agent.invalid", port="")
        if self.uses_serial_port:  # a serial device (N5) is checked on a loop, never opened
            values.update(url="", port="loop://")
        return self._family().connect(**self._family().settings(**values))

    def _send(self, driver, document_id, payload):
        if not isinstance(driver, AgentRelay):
            return super()._send(driver, document_id, payload)
        done = driver.relay(document_id)
        if done.done and isinstance(payload, Receipt) and driver.supports(Capability.OPEN_SHIFT):
            self.sudo().shift_open = True
        return done

    def _resend(self, driver, pending):
        # a job still with the agent is waited for, never re-offered nor marked unknown
        if isinstance(driver, AgentRelay) and self._agent_job_waiting(pending["id"]):
            return driver.wait(pending["id"])
        return super()._resend(driver, pending)

    def _ensure_shift(self, driver, ask=False):
        # the agent opens the shift before the receipt (the job's ``open_shift``)
        if isinstance(driver, AgentRelay):
            return
        return super()._ensure_shift(driver, ask=ask)

    def _shift_now(self, driver):
        # the device is not asked from here: the journal knows the shift as for the N5 (open
        # from the first document after the last Z report)
        if isinstance(driver, AgentRelay):
            first = self._first_document_of_shift()
            return bool(first), first.sent_at or None
        return super()._shift_now(driver)

    def _check_shift_to_close(self):
        # asking the shift state is a device call: the agent's device refuses a closed shift's Z
        if self._through_agent():
            return
        return super()._check_shift_to_close()

    def _run_service(self, kind, request, operation, uuid=None):
        if not self._through_agent():
            return super()._run_service(kind, request, operation, uuid=uuid)
        if kind not in REPORT_KINDS:
            raise UserError(
                _(
                    "Fiscal device %(device)s is reached through agent %(agent)s, which runs "
                    "receipts, cash moves and X/Z reports only; %(kind)s is not available.",
                    device=self.display_name,
                    agent=self.sudo().agent_id.display_name,
                    kind=kind,
                )
            )
        uuid = uuid or str(uuid_lib.uuid4())
        return super()._run_service(
            kind, request, lambda relay: relay.relay_by_uuid(uuid), uuid=uuid
        )

    def _agent_only_message(self):
        return _(
            "Fiscal device %(device)s is reached through agent %(agent)s: this operation is not "
            "available from the Odoo server.",
            device=self.display_name,
            agent=self.sudo().agent_id.display_name,
        )

    # ------------------------------------------------------------------
    # Jobs
    # ------------------------------------------------------------------

    def _agent_row(self, document_id):
        # a fresh cursor: the user's snapshot predates the agent's report
        with self.env.registry.cursor() as cr:
            cr.execute(
                SQL("SELECT state, job_state FROM fiscal_document WHERE id = %s", document_id)
            )
            return cr.fetchone() or (None, None)

    def _agent_job_waiting(self, document_id):
        state, job_state = self._agent_row(document_id)
        return state == "sending" and bool(job_state)

    def _agent_landed(self, document_id):
        return not self._agent_job_waiting(document_id)

    def _agent_job(self, document):
        """A claimed document as the job the agent runs (protocol ``run_job``)."""
        return {
            "id": document.id,
            "uuid": document.uuid,
            "kind": document.kind,
            "device_id": self.id,
            "request": json.loads(document.request_json or "{}"),
            "open_shift": bool(self.auto_open_shift),
            "operator": {"name": self._agent_operator_name(document), "number": 1},
        }

    def _agent_operator_name(self, document):
        return self.cashier_name or document.user_id.name or "Cashier"

    def _agent_description(self):
        """What the agent needs to reach this device: its family and the connection settings
        built by the family from this record, or the emulator the agent runs itself."""
        self.ensure_one()
        description = {
            "id": self.id,
            "name": self.display_name,
            "family": self.family,
            "emulator": bool(self.is_emulator),
            "settings": {},
            "values": {},
            "error": "",
        }
        values = self._connection_values()
        if self.is_emulator:
            # the agent's own emulator gives the address; the rest (currency...) is the record's
            values.update(url="", port="")
            description["values"] = values
            return description
        try:
            description["settings"] = self._family().settings(**values)
        except ValueError as error:
            description["error"] = str(error)
        return description

    def _agent_land(self, document, report, agent):
        """Write what the agent reported for ``document`` through the journal's own functions;
        returns its ``JournalResult``. ``report`` is ``{"result": ...}`` or ``{"error": ...}``."""
        self.ensure_one()
        document_id = document.id
        if "result" in report:
            result = result_from_dict(report["result"])
            with self._journal() as env:
                env["fiscal.document"].browse(document_id).write(
                    {"agent_report_json": journal_json(report)}
                )
            if isinstance(result, ReportResult):
                with self._journal() as env:
                    landed = env["fiscal.document"].browse(document_id)
                    landed._write_report(result)
                    done = JournalResult.from_document(landed)
                if done.done and document.kind == "z_report":
                    self._shift_closed_by(done)
            else:
                done = self._journal_result(document_id, result)
        else:
            error = error_from_dict(report.get("error") or {})
            with self._journal() as env:
                env["fiscal.document"].browse(document_id).write(
                    {
                        "agent_report_json": journal_json(report),
                        # off the agent: a retry resends (Caspos) or resolves (N5) as today
                        "job_state": False,
                    }
                )
            done = self._journal_failure(
                document_id, error, AgentRelay(self, self._agent_checker())
            )
        self._agent_notify(document, done, agent)
        return done

    def _agent_notify_queued(self, result):
        """Tell the user who pressed the button that the document waits for the agent (the
        button itself returns normally: queued is not an error)."""
        with self._journal() as env:
            env["bus.bus"]._sendone(
                env.user.partner_id,
                "simple_notification",
                {
                    "title": _("Queued for %(agent)s", agent=self.sudo().agent_id.display_name),
                    "message": result.next_step,
                    "sticky": False,
                    "type": "info",
                },
            )

    def _agent_settle_lost(self, documents):
        """Jobs this agent claimed that its local journal does not know (the claim's answer
        was lost, or the journal was wiped): offered again to the same agent where the device
        deduplicates by uuid; otherwise the device may have them, so they become unknown."""
        for document in documents:
            device = document.device_id
            relay = AgentRelay(device, device._agent_checker())
            with device._journal() as env:
                env["fiscal.document"].browse(document.id).write(
                    {"job_state": "queued" if relay.supports(Capability.IDEMPOTENT) else False}
                )
            if not relay.supports(Capability.IDEMPOTENT):
                device._journal_failure(
                    document.id,
                    OutcomeUnknown(
                        _(
                            "Claimed by agent %(agent)s, which no longer has it in its local "
                            "journal: the device may have registered it.",
                            agent=document.agent_id.display_name,
                        )
                    ),
                    relay,
                )

    def _agent_notify(self, document, done, agent):
        user = document.user_id
        if not user:
            return
        if done.done:
            message = _(
                "%(document)s was registered by %(device)s.",
                document=done.name,
                device=self.display_name,
            )
        else:
            message = _(
                "%(document)s was not registered by %(device)s: %(error)s",
                document=done.name,
                device=self.display_name,
                error=done.error_message or done.next_step,
            )
        self.env["bus.bus"].sudo()._sendone(
            user.partner_id,
            "simple_notification",
            {
                "title": _("Fiscal agent %(agent)s", agent=agent.name),
                "message": message,
                "sticky": not done.done,
                "type": "success" if done.done else "warning",
            },
        )


class FiscalDocument(models.Model):
    _inherit = "fiscal.document"

    agent_id = fields.Many2one("fiscal.agent", readonly=True, index=True, copy=False)
    job_state = fields.Selection(JOB_STATES, readonly=True, index=True, copy=False)
    queued_at = fields.Datetime(readonly=True, copy=False)
    claimed_at = fields.Datetime(readonly=True, copy=False)
    agent_report_json = fields.Text(string="Agent's report", readonly=True, copy=False)

    def _next_step_text(self):
        if self.state == "sending" and self.job_state:
            return _(
                "The document is queued for fiscal agent %(agent)s (%(job)s): it is registered "
                "as soon as the agent runs it, and you are notified then. Pressing the button "
                "again waits for the same job; it never sends a second one.",
                agent=self.sudo().agent_id.display_name,
                job=dict(JOB_STATES)[self.job_state].lower(),
            )
        return super()._next_step_text()

    @api.model
    def _agent_claim(self, agent, document_id):
        """Claim the queued job ``document_id`` for ``agent``, atomically and committed by the
        request: a job claimed once is never handed to another agent. Returns the record or
        an empty one."""
        self.env.cr.execute(
            SQL(
                """UPDATE fiscal_document SET job_state = 'claimed', claimed_at = now() at time
                   zone 'UTC' WHERE id = %s AND agent_id = %s AND company_id = %s
                   AND state = 'sending' AND job_state = 'queued' RETURNING id""",
                document_id,
                agent.id,
                agent.company_id.id,
            )
        )
        row = self.env.cr.fetchone()
        self.invalidate_model(["job_state", "claimed_at"])
        return self.browse(row[0]) if row else self.browse()
