"""A small JSON-RPC client of a real Odoo 18 server, as the web client talks to it, and the one
reader of the built-in emulators' own journals.

``OdooClient`` logs in through ``/web/session/authenticate`` (a session cookie, one per client:
two clients are two users' browsers) and calls models through ``/web/dataset/call_kw``, so a
``UserError`` comes back as the JSON-RPC error the user would see (``RpcError.message``).
``json_route`` calls the addon's ``type="json"`` routes. ``emulator_journal`` reads what an
emulator device registered from its state file: the only place that knows where and how.
"""

import itertools
import json
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import requests

# Seconds one request may take: a device operation on a loaded machine, not a hang.
REQUEST_TIMEOUT = 120


class RpcError(Exception):
    """A JSON-RPC error answer: ``name`` is the server exception's class (e.g.
    ``odoo.exceptions.UserError``), ``message`` its text as shown to the user."""

    def __init__(self, name, message, debug=""):
        self.name = name
        self.message = message
        self.debug = debug
        super().__init__(f"{name}: {message}")


class OdooClient:
    """One logged-in browser session on the server at ``url``."""

    def __init__(self, url, db, login="admin", password="admin"):
        self.url = url.rstrip("/")
        self.db = db
        self.http = requests.Session()
        self._ids = itertools.count(1)
        self.user = self.json_route(
            "/web/session/authenticate", {"db": db, "login": login, "password": password}
        )
        self.uid = self.user["uid"]
        self.context = dict(self.user.get("user_context") or {})

    def close(self):
        self.http.close()

    def json_route(self, path, params=None):
        """POST a JSON-RPC call to a ``type="json"`` route; returns its result or raises
        ``RpcError`` with the server's message."""
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": next(self._ids),
            "params": params or {},
        }
        response = self.http.post(self.url + path, json=payload, timeout=REQUEST_TIMEOUT)
        response.raise_for_status()
        answer = response.json()
        if "error" in answer:
            error = answer["error"]
            data = error.get("data") or {}
            raise RpcError(
                data.get("name") or str(error.get("code")),
                data.get("message") or error.get("message", ""),
                data.get("debug", ""),
            )
        return answer.get("result")  # Odoo leaves out a None result

    def call(self, model, method, *args, **kwargs):
        """``model.method(*args, **kwargs)`` the way the web client calls it (with the user's
        context)."""
        kwargs.setdefault("context", self.context)
        return self.json_route(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    # shortcuts for the ORM calls the tests make most
    def create(self, model, values):  # pylint: disable=method-required-super  # an RPC client
        result = self.call(model, "create", [values])
        return result[0] if isinstance(result, list) else result

    def write(self, model, ids, values):  # pylint: disable=method-required-super  # an RPC client
        return self.call(model, "write", list(ids), values)

    def search_read(self, model, domain, fields, order=None, limit=None):
        kwargs = {"domain": domain, "fields": fields}
        if order:
            kwargs["order"] = order
        if limit:
            kwargs["limit"] = limit
        return self.call(model, "search_read", **kwargs)

    def read_one(self, model, record_id, fields):
        (record,) = self.call(model, "read", [record_id], fields)
        return record

    def ref(self, xmlid):
        """The database id of an external id such as ``fiscal_device.fiscal_device_demo_n5``."""
        module, name = xmlid.split(".")
        (row,) = self.search_read(
            "ir.model.data", [("module", "=", module), ("name", "=", name)], ["res_id"]
        )
        return row["res_id"]


# -- the emulators' own journals ------------------------------------------------------------------


def emulator_state_files(data_dir, db, kind, device_id):
    """The state files of emulator device ``device_id`` of ``kind`` (``caspos_emulator`` or
    ``n5_emulator``) under the server's filestore: ``<data_dir>/filestore/<db>/
    fiscal_device_emulators/<database uuid>/<kind>-<id>/*.json`` (``caspos.json`` /
    ``n5.json`` today; written atomically, so a read never sees half a file)."""
    root = Path(data_dir, "filestore", db, "fiscal_device_emulators")
    return sorted(root.glob(f"**/{kind}-{device_id}/*.json"))


def emulator_journal(data_dir, db, kind, device_id):
    """What the emulator device registered, oldest first, as plain dicts with ``key`` (unique
    per entry), ``number`` (the device's document number), ``type``, ``total`` (a Decimal or
    None) and, for the N5, ``qr``, read from its state file (empty when it has none yet).

    Caspos (``caspos/memory.py``): every document of ``documents`` (sales, money back,
    deposits, withdrawals, Z reports), ``type`` its ``kind``, plus ``id``. N5
    (``mypos_n5/device.py``): every entry of the electronic journal ``journal`` (receipts, cash
    in/out, X and Z reports, fiscal memory reports), ``type`` its journal type.
    """
    files = emulator_state_files(data_dir, db, kind, device_id)
    if not files:
        return []
    if len(files) > 1:
        raise AssertionError(f"more than one state file for device {device_id}: {files}")
    return read_emulator_journal(files[0], kind)


def read_emulator_journal(state_file, kind):
    """The entries of one emulator state file (see ``emulator_journal``); also the reader of
    the emulators a fiscal agent runs on its own machine."""
    state = json.loads(
        Path(state_file).read_text(encoding="utf-8"), object_hook=_decimal, parse_float=Decimal
    )
    if kind.startswith("caspos"):
        entries = [
            {
                "key": document["id"],
                "id": document["id"],
                "number": document["number"],
                "type": document["kind"],
                "total": document.get("total"),
            }
            for document in state.get("documents", {}).values()
        ]
    else:
        entries = [
            {
                "key": (entry["number"], entry["type"], entry["at"]),
                "number": entry["number"],
                "type": entry["type"],
                "total": entry.get("total"),
                "qr": entry.get("qr"),
            }
            for entry in state.get("journal", [])
        ]
    return sorted(entries, key=lambda entry: entry["number"])


def _decimal(value):
    # the Caspos state file keeps Decimals as {"$decimal": "1.23"}
    return Decimal(value["$decimal"]) if set(value) == {"$decimal"} else value


def new_entries(before, after):
    """The journal entries in ``after`` that were not in ``before``."""
    seen = {entry["key"] for entry in before}
    return [entry for entry in after if entry["key"] not in seen]


def in_parallel(functions):
    """Run the callables at once, each in its own thread; returns, in order, each one's result
    or the exception it raised."""

    def outcome(function):
        try:
            return function()
        except Exception as error:
            return error

    with ThreadPoolExecutor(max_workers=len(functions)) as pool:
        return list(pool.map(outcome, functions))
