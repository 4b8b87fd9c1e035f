"""The fiscal agent's local journal and restart logic, against a small Odoo stand-in over real
loopback HTTP and the real emulators (run by the agent through ``emulator_host``).

The stand-in keeps the routes' contract (``docs/agent.md``): jobs offered once, claimed once,
reports taken once. The real server is proven by ``tests/system/test_agent.py``.
"""

import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fiscal_device_lib import emulator_host
from fiscal_device_lib.agent.bus import backoff_delay, websocket_url
from fiscal_device_lib.agent.client import OdooClient
from fiscal_device_lib.agent.journal import LocalJournal
from fiscal_device_lib.agent.protocol import (
    error_from_dict,
    error_to_dict,
    result_from_dict,
    result_to_dict,
)
from fiscal_device_lib.agent.runner import Agent, AgentStopped
from fiscal_device_lib.core import (
    DeviceRejected,
    DocumentKind,
    Operator,
    OutcomeUnknown,
    ReportResult,
    to_jsonable,
)
from fiscal_device_lib.core.errors import Outcome
from fiscal_device_lib.demo import day_receipts
from fiscal_device_lib.families import family

KEY = "1.secret"


class FakeOdoo:
    """The agent routes of one agent with one emulator device per family."""

    def __init__(self):
        self.jobs = {}  # id -> {"job": ..., "state": queued | claimed | landed}
        self.reports = {}
        self.refuse_key = False
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def queue(self, job_id, family_name):
        receipt = next(day_receipts(family(family_name).demo, Operator("Test")))[1]
        self.jobs[job_id] = {
            "state": "queued",
            "job": {
                "id": job_id,
                "uuid": receipt.uuid,
                "kind": "sale",
                "device_id": {"caspos": 1, "n5": 2}[family_name],
                "request": to_jsonable(receipt),
                "open_shift": True,
                "operator": {"name": "Test", "number": 1},
            },
        }
        return self.jobs[job_id]["job"]

    def answer(self, route, payload, key):
        if key != KEY or self.refuse_key:
            return 401, {"error": "Fiscal agent key refused."}
        if route == "hello":
            devices = [
                {"id": 1, "name": "Caspos", "family": "caspos", "emulator": True, "settings": {}},
                {"id": 2, "name": "N5", "family": "n5", "emulator": True, "settings": {}},
            ]
            return 200, {"protocol": 1, "agent": {"id": 1, "name": "Till"}, "devices": devices}
        if route == "jobs":
            queued = [j["job"] for j in self.jobs.values() if j["state"] == "queued"]
            return 200, {"jobs": [{"id": j["id"], "kind": j["kind"]} for j in queued]}
        job = self.jobs.get(payload.get("job_id"))
        if job is None:
            return 404, {"error": "no such job"}
        if route == "claim":
            if job["state"] != "queued":
                return 409, {"error": "not waiting to be claimed"}
            job["state"] = "claimed"
            return 200, {"job": job["job"]}
        if route == "report":
            if job["state"] == "landed":
                return 200, {"state": "done", "already": True}
            job["state"] = "landed"
            self.reports[job["job"]["id"]] = payload
            return 200, {"state": "done" if "result" in payload else "failed"}
        return 404, {"error": "no such route"}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                key = self.headers.get("Authorization", "").removeprefix("Bearer ")
                route = self.path.rsplit("/", 1)[-1]
                status, answer = fake.answer(route, payload, key)
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler


@pytest.fixture
def odoo():
    fake = FakeOdoo()
    yield fake
    fake.close()


@pytest.fixture
def agent(odoo, tmp_path):
    journal = LocalJournal(tmp_path / "journal.sqlite3")
    running = Agent(OdooClient(odoo.url, KEY), journal, tmp_path)
    yield running
    for device in ({"id": 1, "family": "caspos"}, {"id": 2, "family": "n5"}):
        emulator_host.stop(running.emulator_dir(device))
    journal.close()


def device_documents(agent, family_name):
    """What the agent's emulator registered, read from its state file."""
    device = {"id": {"caspos": 1, "n5": 2}[family_name], "family": family_name}
    state_file = agent.emulator_dir(device) / f"{family_name}.json"
    if not state_file.exists():
        return []
    state = json.loads(state_file.read_text(encoding="utf-8"))
    if family_name == "caspos":
        return list(state.get("documents", {}))
    return [entry for entry in state.get("journal", []) if entry.get("type") != "report"]


# -- the local journal -----------------------------------------------------------------------


def test_a_job_goes_through_the_local_states_and_survives_reopening(tmp_path):
    path = tmp_path / "journal.sqlite3"
    journal = LocalJournal(path)
    job = {"id": 7, "uuid": "u-7", "kind": "sale", "device_id": 1, "request": {}}
    journal.add(job)
    journal.add(job)  # the same claim written twice stays one job
    journal.mark_sending(7)
    journal.close()

    reopened = LocalJournal(path)
    (pending,) = reopened.unfinished()
    assert (pending.id, pending.state, pending.job) == (7, "sending", job)
    reopened.answer(7, {"result": {"kind": "sale"}})
    assert reopened.get(7).report == {"result": {"kind": "sale"}}
    reopened.mark_reported(7)
    assert reopened.unfinished() == []
    assert reopened.counts() == {"reported": 1}
    assert reopened.known_ids() == [7]
    reopened.close()


# -- the work loop -----------------------------------------------------------------------------


@pytest.mark.parametrize("family_name", ["caspos", "n5"])
def test_a_queued_job_is_claimed_run_and_reported(odoo, agent, family_name):
    odoo.queue(11, family_name)
    agent.start()
    assert agent.pull() == 1
    report = odoo.reports[11]
    result = result_from_dict(report["result"])
    assert result.kind is DocumentKind.SALE
    assert len(device_documents(agent, family_name)) == 1
    assert agent.journal.get(11).state == "reported"
    assert agent.pull() == 0  # nothing offered twice


def test_a_job_claimed_elsewhere_is_skipped(odoo, agent):
    odoo.queue(12, "caspos")
    odoo.jobs[12]["state"] = "claimed"
    odoo.jobs[13] = {"state": "queued", "job": odoo.jobs[12]["job"] | {"id": 13}}
    odoo.jobs[12]["state"] = "claimed"
    agent.start()
    odoo.jobs[13]["state"] = "claimed"  # taken between the list and the claim
    assert agent.pull() == 0
    assert agent.journal.known_ids() == []


def test_restart_reports_a_kept_answer_before_new_work(odoo, agent):
    job = odoo.queue(21, "caspos")
    odoo.jobs[21]["state"] = "claimed"
    agent.journal.add(job)
    agent.journal.mark_sending(21)
    agent.journal.answer(21, {"error": error_to_dict(DeviceRejected("203", "Shift too old"))})
    agent.start()
    assert odoo.reports[21]["error"]["code"] == "203"
    assert agent.journal.unfinished() == []


def test_restart_runs_a_job_claimed_but_never_sent(odoo, agent):
    job = odoo.queue(22, "n5")
    odoo.jobs[22]["state"] = "claimed"
    agent.journal.add(job)
    agent.start()
    assert "result" in odoo.reports[22]
    assert len(device_documents(agent, "n5")) == 1


def test_restart_resends_an_interrupted_caspos_job_under_its_uuid(odoo, agent):
    job = odoo.queue(23, "caspos")
    odoo.jobs[23]["state"] = "claimed"
    agent.journal.add(job)
    agent.start()  # registers it once (the first run was "interrupted" after this)
    odoo.jobs[23]["state"] = "claimed"
    first = odoo.reports.pop(23)
    agent.journal.mark_sending(23)  # as if killed between the device's answer and the journal
    agent.start()
    again = result_from_dict(odoo.reports[23]["result"])
    assert again.document_id == result_from_dict(first["result"]).document_id
    assert len(device_documents(agent, "caspos")) == 1


def test_restart_reports_an_interrupted_n5_job_as_unknown_never_resent(odoo, agent):
    job = odoo.queue(24, "n5")
    odoo.jobs[24]["state"] = "claimed"
    agent.journal.add(job)
    agent.journal.mark_sending(24)
    agent.start()
    error = error_from_dict(odoo.reports[24]["error"])
    assert isinstance(error, OutcomeUnknown)
    assert error.outcome is Outcome.MAY_BE_REGISTERED
    assert "the device may have registered it" in str(error)
    assert device_documents(agent, "n5") == []


def test_a_refused_key_stops_the_agent(odoo, agent):
    odoo.refuse_key = True
    with pytest.raises(AgentStopped, match=r"Fiscal agent key refused\."):
        agent.start()
    assert agent.journal.status()["connection"] == "refused: Fiscal agent key refused."


# -- protocol values ----------------------------------------------------------------------------


def test_results_and_errors_cross_the_hop_unchanged():
    report = ReportResult(
        kind=DocumentKind.Z_REPORT,
        number=4,
        totals={"sales": Decimal("12.30"), "receipts": 3},
        vat={"A": Decimal("2.05")},
    )
    assert result_from_dict(json.loads(json.dumps(result_to_dict(report)))) == report
    error = error_from_dict(error_to_dict(DeviceRejected("37", "Printer error", resumable=True)))
    assert (error.code, error.message, error.outcome) == (
        "37",
        "Printer error",
        Outcome.REGISTERED_NOT_PRINTED,
    )


def test_backoff_doubles_to_its_cap_with_jitter():
    for attempt, ceiling in ((0, 1.0), (3, 8.0), (20, 60.0)):
        delay = backoff_delay(attempt)
        assert ceiling / 2 <= delay <= ceiling


def test_websocket_url_follows_the_odoo_address():
    assert websocket_url("https://shop.example.com/") == "wss://shop.example.com/websocket"
    assert websocket_url("http://127.0.0.1:8069") == "ws://127.0.0.1:8069/websocket"


# -- what the agent sees ------------------------------------------------------------------------


def test_ports_scan_finds_an_n5_on_a_port_and_a_caspos_at_an_address(tmp_path):
    from fiscal_device_lib.agent.ports import scan

    n5_dir, caspos_dir = tmp_path / "n5", tmp_path / "caspos"
    try:
        n5 = emulator_host.ensure_running("n5", n5_dir)
        caspos = emulator_host.ensure_running("caspos", caspos_dir)
        found = scan([caspos["url"], "http://127.0.0.1:9"], [n5["port"], "socket://127.0.0.1:9"])
    finally:
        emulator_host.stop(n5_dir)
        emulator_host.stop(caspos_dir)
    by_name = {port["name"]: port for port in found}
    assert by_name[n5["port"]]["found"].startswith("myPOS N5 ")
    assert by_name["socket://127.0.0.1:9"]["found"] == ""
    assert by_name[caspos["url"]]["found"].startswith("Caspos ")
    assert by_name["http://127.0.0.1:9"]["found"] == ""


# -- the command ----------------------------------------------------------------------------------


def test_agent_command_runs_the_queued_jobs_and_shows_its_status(odoo, tmp_path, capsys):
    from fiscal_device_lib.cli import main

    journal = tmp_path / "journal.sqlite3"
    odoo.queue(31, "caspos")
    try:
        assert (
            main(["agent", "--url", odoo.url, "--key", KEY, "--journal", str(journal), "--once"])
            == 0
        )
    finally:
        emulator_host.stop(tmp_path / "emulators" / "caspos-1")
    assert "result" in odoo.reports[31]
    capsys.readouterr()
    assert main(["agent", "--status", "--journal", str(journal)]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["agent"] == "Till"
    assert status["jobs"] == {"reported": 1}
    assert status["unfinished"] == []


def test_agent_command_stops_on_a_refused_key(odoo, tmp_path, capsys):
    from fiscal_device_lib.cli import main

    journal = tmp_path / "journal.sqlite3"
    assert main(["agent", "--url", odoo.url, "--key", "9.wrong", "--journal", str(journal)]) == 7
    assert "error: Fiscal agent key refused." in capsys.readouterr().err
