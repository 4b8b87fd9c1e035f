"""The agent's work loop: settle what the local journal holds, then claim, run and report jobs.

Contract (exactly once across the hop, see ``journal.py``): ``start`` says hello (version,
the jobs it knows), reports every answered job and settles every interrupted one before it
takes new work; ``pull`` lists the queued jobs and runs each: claim in Odoo (committed there),
write locally, mark sending, call the device with the job's uuid, write the answer, report,
mark reported. A job Odoo refuses to hand over (409) is another attempt's; a refused key
stops the agent.

Test hooks: ``FISCAL_AGENT_KILL_AT`` = ``before_device`` (claimed and written, not sent),
``after_device`` (the device answered, the answer not yet written), ``before_report``
(written, not reported) or ``after_report`` (reported, not yet marked) kills the process with
SIGKILL there, once per process, so that the system tests can restart it at each point.
"""

from __future__ import annotations

import logging
import os
import platform
import signal
import threading
from pathlib import Path

from .. import __version__
from ..core import Capability, FiscalError, OutcomeUnknown
from ..families import family as device_family
from .client import KeyRefused, OdooClient, OdooUnreachable, Refused
from .journal import LocalJob, LocalJournal, now_text
from .protocol import error_to_dict, result_to_dict, run_job

_logger = logging.getLogger("fiscal_device.agent")

# Seconds between two pulls of the job list when no notification came (and the heartbeat that
# keeps the agent "online" in Odoo).
PULL_INTERVAL = 120.0
KILL_POINTS = ("before_device", "after_device", "before_report", "after_report")


class AgentStopped(Exception):
    """The agent must stop: its key was refused or revoked."""


def kill_point(name: str) -> None:
    """Test hook: SIGKILL this process at ``name`` when ``FISCAL_AGENT_KILL_AT`` says so."""
    if os.environ.get("FISCAL_AGENT_KILL_AT") == name:
        _logger.warning("test hook: killed at %s", name)
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))


class Agent:
    def __init__(self, client: OdooClient, journal: LocalJournal, data_dir: Path):
        self.client = client
        self.journal = journal
        self.data_dir = data_dir
        self.devices: dict[int, dict] = {}
        self.wake = threading.Event()
        self.lock = threading.Lock()  # one job at a time: the devices are serial

    # -- Odoo calls -------------------------------------------------------------------------

    def call(self, route: str, payload: dict | None = None) -> dict:
        try:
            answer = self.client.call(route, payload)
        except KeyRefused as refusal:
            self.journal.set_status(connection=f"refused: {refusal.message}")
            raise AgentStopped(refusal.message) from refusal
        except OdooUnreachable as error:
            self.journal.set_status(connection=f"unreachable: {error}")
            raise
        self.journal.set_status(last_contact=now_text())
        return answer

    def hello(self) -> dict:
        answer = self.call(
            "hello",
            {
                "version": __version__,
                "hostname": platform.node(),
                "known_jobs": self.journal.known_ids(),
            },
        )
        self.devices = {device["id"]: device for device in answer["devices"]}
        self.journal.set_status(agent=answer["agent"]["name"], url=self.client.url)
        for device in answer["devices"]:
            if device.get("error"):
                _logger.warning("device %s cannot be reached: %s", device["name"], device["error"])
        _logger.info(
            "hello: agent %s, devices %s",
            answer["agent"]["name"],
            ", ".join(d["name"] for d in answer["devices"]) or "none",
        )
        return answer

    # -- the loop ---------------------------------------------------------------------------

    def start(self) -> None:
        """Say hello, then settle every job of the local journal before any new one."""
        self.hello()
        with self.lock:
            for job in self.journal.unfinished():
                self.settle(job)

    def settle(self, local: LocalJob) -> None:
        if local.state == "claimed":
            _logger.info("job %s: claimed before a stop, never sent: running it", local.id)
            self.execute(local.job)
        elif local.state == "sending":
            if self.idempotent(local.job):
                _logger.info("job %s: interrupted at the device: resent under its uuid", local.id)
                self.execute(local.job)
            else:
                _logger.warning("job %s: interrupted at the device: outcome unknown", local.id)
                error = OutcomeUnknown(
                    "The agent stopped after sending the request to the device, before its "
                    "answer was kept: the device may have registered it."
                )
                self.journal.answer(local.id, {"error": error_to_dict(error)})
                self.report(local.id)
        elif local.state == "answered":
            self.report(local.id)

    def pull(self) -> int:
        """Run every queued job; returns how many ran."""
        ran = 0
        with self.lock:
            for job in self.call("jobs")["jobs"]:
                try:
                    claimed = self.call("claim", {"job_id": job["id"]})["job"]
                except Refused as refusal:
                    _logger.info("job %s not claimed: %s", job["id"], refusal.message)
                    continue
                self.journal.add(claimed)
                kill_point("before_device")
                self.execute(claimed)
                ran += 1
        return ran

    def execute(self, job: dict) -> None:
        """Run a job written in the local journal on its device, keep the answer, report it."""
        self.journal.mark_sending(job["id"])
        try:
            with self.connect(job["device_id"]) as driver:
                result = run_job(driver, job)
            report = {"result": result_to_dict(result)}
            _logger.info("job %s (%s): done", job["id"], job["kind"])
        except FiscalError as error:
            report = {"error": error_to_dict(error)}
            _logger.warning("job %s (%s): %s", job["id"], job["kind"], error)
        except Exception as error:
            report = {"error": error_to_dict(OutcomeUnknown(f"agent error: {error}"))}
            _logger.exception("job %s (%s): unexpected error", job["id"], job["kind"])
        kill_point("after_device")
        self.journal.answer(job["id"], report)
        kill_point("before_report")
        self.report(job["id"])

    def report(self, job_id: int) -> None:
        local = self.journal.get(job_id)
        assert local is not None and local.report is not None
        try:
            answer = self.call("report", {"job_id": job_id, **local.report})
        except Refused as refusal:
            # Odoo no longer waits for it (resolved or resent meanwhile): nothing to report
            _logger.warning("job %s: report refused: %s", job_id, refusal.message)
            self.journal.mark_reported(job_id)
            return
        kill_point("after_report")
        self.journal.mark_reported(job_id)
        _logger.info("job %s: reported, %s", job_id, answer.get("state"))

    # -- devices ----------------------------------------------------------------------------

    def connect(self, device_id: int):
        device = self.devices.get(device_id)
        if device is None:
            self.hello()  # a device bound after our hello
            device = self.devices.get(device_id)
        if device is None:
            raise FiscalError(f"device {device_id} is not bound to this agent")
        family = device_family(device["family"])
        if device["emulator"]:
            settings = self.emulator_settings(device)
        else:
            if device.get("error"):
                raise FiscalError(device["error"], outcome=None)
            settings = dict(device["settings"])
        return family.connect(**settings)

    def emulator_settings(self, device: dict) -> dict:
        """Run the device's emulator on this machine (one process, kept across restarts);
        the settings are the family's, from the record's values and the emulator's address."""
        from .. import emulator_host  # demos and tests only

        address = emulator_host.ensure_running(device["family"], self.emulator_dir(device))
        values = {**(device.get("values") or {}), **address}
        return device_family(device["family"]).settings(**values)

    def emulator_dir(self, device: dict) -> Path:
        return self.data_dir / "emulators" / f"{device['family']}-{device['id']}"

    def idempotent(self, job: dict) -> bool:
        device = self.devices.get(job["device_id"])
        if device is None:
            return False
        return device_family(device["family"]).supports(Capability.IDEMPOTENT)
