"""The relay a device reached through a fiscal agent hands the journal instead of a driver.

Contract: see ``fiscal_device_agent``: for a document the journal committed, the relay makes it
the agent's job and waits a bounded time for the agent's report.
"""

import json
import time

from odoo import fields
from odoo.exceptions import UserError

from ..fiscal_device_lib.agent.protocol import (
    error_from_dict,
)
from ..fiscal_device_lib.core import (
    FiscalDevice,
)

# Seconds between two reads of a relayed document while the user waits.
RELAY_POLL_INTERVAL = 0.2


class AgentRelay(FiscalDevice):
    """The driver of a device reached through its agent: the journal's document calls become
    jobs; checks without I/O (``problems``, ``supports``) are the real driver's."""

    def __init__(self, device, checker):
        self.device = device
        self.checker = checker  # the family's driver, never connected: checks only
        self.capabilities = checker.capabilities

    def problems(self, receipt):
        return self.checker.problems(receipt)

    def relay(self, document_id):
        """Offer the committed document ``document_id`` to the agent, wait ``agent_wait``
        seconds for its report; returns the document's ``JournalResult`` (done, or still
        queued), raises the device's error as a ``UserError`` if the agent reported one."""
        device = self.device
        agent = device.agent_id
        with device._journal() as env:
            document = env["fiscal.document"].browse(document_id)
            if document.job_state != "claimed":
                document.write(
                    {
                        "job_state": "queued",
                        "agent_id": agent.id,
                        "queued_at": fields.Datetime.now(),
                        "claimed_at": False,
                    }
                )
                # sent by the journal's commit: the agent never hears of an uncommitted job
                env["bus.bus"]._sendone(
                    env["fiscal.agent"].browse(agent.id), "fiscal_agent/job", {"id": document_id}
                )
        return self.wait(document_id)

    def wait(self, document_id):
        device = self.device
        deadline = time.monotonic() + max(device.agent_wait, 0.0)
        while not device._agent_landed(document_id) and time.monotonic() < deadline:
            time.sleep(RELAY_POLL_INTERVAL)
        result = device._journal_read(document_id)
        if result.done:
            return result
        if device._agent_job_waiting(document_id):
            device._agent_notify_queued(result)
            return result
        with device._journal() as env:
            report = json.loads(
                env["fiscal.document"].browse(document_id).agent_report_json or "{}"
            )
        error = error_from_dict(report.get("error") or {"type": "OutcomeUnknown"})
        raise device._fiscal_user_error(error, result)

    def relay_by_uuid(self, document_uuid):
        """Relay the document of this device with ``document_uuid`` (a report the journal's
        ``_run_service`` just committed)."""
        with self.device._journal() as env:
            document = env["fiscal.document"].search(
                [("device_id", "=", self.device.id), ("uuid", "=", document_uuid)], limit=1
            )
            document_id = document.id
        return self.relay(document_id)

    # a relayed device is only reached through jobs: these run on the agent
    def info(self):
        raise UserError(self.device._agent_only_message())

    def shift_state(self):
        raise UserError(self.device._agent_only_message())

    def fiscalize(self, receipt):
        raise UserError(self.device._agent_only_message())

    def cash_in_out(self, operation):
        raise UserError(self.device._agent_only_message())

    def x_report(self, operator, **options):
        raise UserError(self.device._agent_only_message())

    def z_report(self, operator, uuid="", **options):
        raise UserError(self.device._agent_only_message())
