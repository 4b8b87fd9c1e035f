"""The system suite's server and shop: a real ``odoo-bin`` with 2 prefork workers (no test mode,
every commit real) on the database ``.ci/system`` prepared, and what the tests sell with.

Run through ``.ci/system``, which installs the database and sets ``FD_SYSTEM_*``; run alone,
the suite skips. Odoo never loads this folder (``tests/__init__.py`` does not import it) and a
plain ``pytest`` does not collect it (``testpaths`` is ``fiscal_device_lib/tests``).
"""

import contextlib
import datetime
import os
import signal
import socket
import subprocess
import time

import pytest
import requests
from odoo_rpc import OdooClient, emulator_journal

# Seconds the server may take to answer its first request on a loaded machine.
START_TIMEOUT = 240
STOP_TIMEOUT = 60
FAMILIES = ("caspos", "n5")
DEMO_DEVICES = {
    "caspos": ("fiscal_device.fiscal_device_demo_caspos", "caspos_emulator"),
    "n5": ("fiscal_device.fiscal_device_demo_n5", "n5_emulator"),
}


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """The running server: its URL, database and data dir (where the filestore is)."""

    def __init__(self, url, db, data_dir, process, log, gevent_port=None):
        self.url = url
        self.websocket_url = f"ws://127.0.0.1:{gevent_port}/websocket"  # the gevent worker
        self.db = db
        self.data_dir = data_dir
        self.process = process
        self.log = log

    def client(self, login="admin", password="admin"):
        return OdooClient(self.url, self.db, login, password)

    def log_tail(self, lines=40):
        with open(self.log, encoding="utf-8", errors="replace") as log:
            return "".join(log.readlines()[-lines:])


@pytest.fixture(scope="session")
def server():
    env = os.environ
    if "FD_SYSTEM_DB" not in env:
        pytest.skip("the system suite runs through .ci/system (it prepares the database)")
    db, data_dir, log = env["FD_SYSTEM_DB"], env["FD_SYSTEM_DATA_DIR"], env["FD_SYSTEM_LOG"]
    http_port, gevent_port = _free_port(), _free_port()
    command = [
        env["FD_SYSTEM_ODOO_PYTHON"],
        os.path.join(env["FD_SYSTEM_ODOO_HOME"], "odoo-bin"),
        "-d",
        db,
        f"--db-filter=^{db}$",
        f"--db_host={env['PGHOST']}",
        f"--db_port={env.get('PGPORT', '5432')}",
        f"--addons-path={env['FD_SYSTEM_ADDONS_PATH']}",
        f"--data-dir={data_dir}",
        # FD_SYSTEM_WORKERS=0 (diagnosis only): the threaded server, one process
        f"--workers={env.get('FD_SYSTEM_WORKERS', '2')}",
        "--max-cron-threads=0",
        "--http-interface=127.0.0.1",
        f"--http-port={http_port}",
        f"--gevent-port={gevent_port}",
        "--limit-time-real=600",
        "--limit-time-cpu=300",
        "--log-level=info",
    ]

    def start():
        with open(log, "ab") as output:
            return subprocess.Popen(
                command,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the workers stop with it
                # FD_SYSTEM_ODOO_PYTHONPATH: packages beside Odoo's own (a gevent that loads)
                env={
                    **env,
                    "PYTHONPATH": os.pathsep.join(
                        filter(
                            None, [env["FD_SYSTEM_ODOO_HOME"], env.get("FD_SYSTEM_ODOO_PYTHONPATH")]
                        )
                    ),
                },
            )

    running = Server(f"http://127.0.0.1:{http_port}", db, data_dir, start(), log, gevent_port)

    def restart():
        """Stop the server as an operator would and start it again, same ports and database."""
        _stop(running.process)
        running.process = start()
        _wait_ready(running)

    running.restart = restart
    try:
        _wait_ready(running)
        yield running
    finally:
        _stop(running.process)


def _wait_ready(running):
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if running.process.poll() is not None:
            pytest.fail(f"odoo-bin exited with {running.process.returncode}:\n{running.log_tail()}")
        try:
            if requests.get(running.url + "/web/health", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0)  # not listening yet: the deadline below decides
        if time.monotonic() > deadline:
            pytest.fail(f"odoo-bin did not answer in {START_TIMEOUT} s:\n{running.log_tail()}")
        time.sleep(0.5)


def _stop(process):
    """Stop the server as an operator would (SIGTERM), then anything left in its group."""
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(STOP_TIMEOUT)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@pytest.fixture(scope="session")
def admin(server):
    client = server.client()
    yield client
    client.close()


class Shop:
    """What the tests sell with on the demo data: the demo emulator devices, a sales journal
    per device, AZN active (the Caspos registers AZN), a taxed product and a customer."""

    def __init__(self, server, admin):
        self.server = server
        self.admin = admin
        self.devices = {}
        for family, (xmlid, kind) in DEMO_DEVICES.items():
            device_id = admin.ref(xmlid)
            device = admin.read_one(
                "fiscal.device",
                device_id,
                ["kind", "currency_id", "company_id", "name", "tax_map_ids"],
            )
            assert device["kind"] == kind, f"demo device {xmlid} is {device['kind']}, not {kind}"
            self.devices[family] = device
        company_id = self.devices["caspos"]["company_id"][0]
        azn = admin.call(
            "res.currency",
            "search_read",
            domain=[("name", "=", "AZN")],
            fields=["active", "rate_ids"],
            context={**admin.context, "active_test": False},
        )[0]
        # each device registers its family's currency (Caspos AZN, N5 EUR): make them usable
        for currency_id in {azn["id"]} | {d["currency_id"][0] for d in self.devices.values()}:
            currency = admin.call(
                "res.currency",
                "read",
                [currency_id],
                fields=["active", "rate_ids"],
                context={**admin.context, "active_test": False},
            )[0]
            if not currency["active"]:
                admin.write("res.currency", [currency_id], {"active": True})
            if not currency["rate_ids"]:
                admin.create(
                    "res.currency.rate",
                    {
                        "currency_id": currency_id,
                        "name": "2019-01-01",
                        "rate": 1.0,
                        "company_id": company_id,
                    },
                )
        self.company_id = company_id
        self.currency_ids = {
            "caspos": azn["id"],
            "n5": self.devices["n5"]["currency_id"][0],
        }
        assert self.devices["caspos"]["currency_id"][0] == azn["id"], "the demo Caspos is not AZN"
        # each device registers only taxes of its VAT classes' rates: sell with the tax the demo
        # mapped on it (the demo company's default rate may be one no law has)
        self.tax_ids = {
            family: admin.read_one("fiscal.device.tax", device["tax_map_ids"][0], ["tax_id"])[
                "tax_id"
            ][0]
            for family, device in self.devices.items()
        }
        self.product_id = admin.create(
            "product.product",
            {"name": "System test item", "list_price": 10.0, "available_in_pos": True},
        )
        self.partner_id = admin.create("res.partner", {"name": "System test customer"})
        self.journal_ids = {
            family: admin.create(
                "account.journal",
                {
                    "name": f"System sales {family}",
                    "code": f"SY{family[0].upper()}",
                    "type": "sale",
                    "fiscal_device_id": device["id"],
                },
            )
            for family, device in self.devices.items()
        }

    def device_id(self, family):
        return self.devices[family]["id"]

    def journal(self, family):
        """The emulator device's own journal (see ``odoo_rpc.emulator_journal``)."""
        device = self.devices[family]
        return emulator_journal(self.server.data_dir, self.server.db, device["kind"], device["id"])

    def invoice(self, family, quantity=2.0, price=10.0, client=None, post=True, journal_id=None):
        """A customer invoice on the family's device journal (or ``journal_id``), in its
        currency; returns its id."""
        client = client or self.admin
        move_id = client.create(
            "account.move",
            {
                "move_type": "out_invoice",
                "partner_id": self.partner_id,
                "journal_id": journal_id or self.journal_ids[family],
                "currency_id": self.currency_ids[family],
                "invoice_date": datetime.date.today().isoformat(),
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": self.product_id,
                            "quantity": quantity,
                            "price_unit": price,
                            "tax_ids": [(6, 0, [self.tax_ids[family]])],
                        },
                    )
                ],
            },
        )
        if post:
            client.call("account.move", "action_post", [move_id])
        return move_id

    def credit_note(self, invoice_id, client=None):
        """The posted credit note of a whole invoice, made with the reversal wizard."""
        client = client or self.admin
        invoice = client.read_one("account.move", invoice_id, ["journal_id"])
        context = {**client.context, "active_model": "account.move", "active_ids": [invoice_id]}
        wizard_id = client.call(
            "account.move.reversal",
            "create",
            [{"journal_id": invoice["journal_id"][0], "reason": "returned"}],
            context=context,
        )
        wizard_id = wizard_id[0] if isinstance(wizard_id, list) else wizard_id
        action = client.call("account.move.reversal", "refund_moves", [wizard_id], context=context)
        client.call("account.move", "action_post", [action["res_id"]])
        return action["res_id"]

    def documents(self, model, res_id, fields=None):
        return self.admin.search_read(
            "fiscal.document",
            [("res_model", "=", model), ("res_id", "=", res_id)],
            fields or DOCUMENT_FIELDS,
            order="id",
        )


DOCUMENT_FIELDS = [
    "kind",
    "state",
    "uuid",
    "device_id",
    "document_id",
    "short_document_id",
    "document_number",
    "qr_payload",
    "qr_link",
    "report_number",
    "amount_total",
    "error_message",
    "parent_id",
]


@pytest.fixture(scope="session")
def shop(server, admin):
    return Shop(server, admin)


@pytest.fixture(params=FAMILIES)
def family(request):
    return request.param
