"""A stateful Caspos Integration Service on loopback, for integrators and for our tests.

Use from Python::

    server = CasposEmulator(port=0).start()      # ephemeral port, background thread
    server.url                                   # "http://127.0.0.1:PORT"
    server.settings()                            # keyword settings for ``caspos.connect``
    server.set_latency(0.5)                      # every answer waits 0.5 s
    server.fail_next(2)                          # next 2 requests: HTTP 503, nothing done
    server.drop_after_commit(1)                  # next document is kept, its answer is lost
    server.garbage_next(1)                       # next answer is not JSON
    server.mangle_after_commit("truncate")       # next document is kept, its answer cut off
                                                 # ("gzip": a plain body said to be gzip,
                                                 # "deep": deeply nested JSON, "garbage",
                                                 # "fields": ids of the wrong shape, "drop")
    server.fail_operation("getInfo", 3)          # next 3 getInfo: HTTP 503
    server.reject_next(611, "invalid items sum") # next request refused with that code
    server.advance_clock(hours=25)               # the device's clock jumps (24 h shift rule)
    server.clear_faults()
    server.memory.state                          # the device memory (documents, shifts, ...)
    server.stop()

or ``with emulator() as settings:`` (the ``DeviceFamily.emulator`` hook), and
``CasposEmulator.for_url(settings["url"])`` finds the running object again for its knobs.

Over HTTP the same knobs are set by POSTing JSON to ``/__emulator__``: ``{"latency": 0.5,
"fail_next": 2, "drop_after_commit": 1, "garbage_next": 1, "reject_next": {"code": 611},
"after_commit": ["truncate"], "fail_operation": {"getInfo": 3}, "advance_clock_hours": 25,
"clear": true}``; the answer is the knobs now in force.

A client that gives up (closes or resets its connection before the answer) is the network's
ordinary weather, not an emulator failure: it is counted in ``clients_gone``, never printed.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ...core.jsonwire import encode, loads
from ..errors import error_text
from ..wire import CONTENT_TYPE, DEFAULT_PASSWORD, DEFAULT_USERNAME
from .device import CasposMemory

CONTROL_PATH = "/__emulator__"
MALFORMED_JSON = 1002  # "json: input is not recognized"


@dataclass
class Faults:
    """What goes wrong on purpose; counters go down as requests use them up."""

    latency: float = 0.0
    fail_next: int = 0
    drop_after_commit: int = 0
    garbage_next: int = 0
    reject_next: list[list] = field(default_factory=list)  # [code, message] pairs
    after_commit: list[str] = field(default_factory=list)  # MANGLINGS, one per committed document
    fail_operation: dict[str, int] = field(default_factory=dict)  # operation -> HTTP 503 count


# How the answer of a committed document goes wrong; the document stays registered.
MANGLINGS = ("drop", "truncate", "gzip", "deep", "garbage", "fields")
DEEP_NESTING = 100_000  # far beyond any JSON parser's recursion limit


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = CONTENT_TYPE
    drop: bool = False  # close the connection without answering
    headers: dict[str, str] = field(default_factory=dict)
    content_length: int | None = None  # announced length, when it is not the body's (truncation)


def mangled(how: str, answer: object) -> Reply:
    """The answer of a committed document, spoilt on its way back the way ``how`` says."""
    body = encode(answer)
    if how == "drop":
        return Reply(200, b"", drop=True)
    if how == "truncate":
        return Reply(200, body[: len(body) // 2], content_length=len(body))
    if how == "gzip":
        return Reply(200, body, headers={"Content-Encoding": "gzip"})
    if how == "deep":
        return Reply(200, b"[" * DEEP_NESTING + b"]" * DEEP_NESTING)
    if how == "garbage":
        return Reply(200, b"<html>Caspos Mobile is restarting</html>", "text/html")
    if how == "fields":  # valid JSON, code 0, but ids of the wrong shape
        data = {**answer.get("data", {}), "document_number": "N/A", "totalSum": {}}  # type: ignore[attr-defined]
        return json_reply({**answer, "data": data})  # type: ignore[dict-item]
    raise ValueError(f"after_commit: {how!r} is not one of {', '.join(MANGLINGS)}")


def json_reply(answer: object, status: int = 200) -> Reply:
    return Reply(status, encode(answer))


class CasposEmulator:
    """The HTTP front of one emulated device; see the module docstring for its knobs."""

    _running: dict[str, CasposEmulator] = {}

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = DEFAULT_USERNAME,
        password: str = DEFAULT_PASSWORD,
        state_file: str | Path | None = None,
        path: str = "/",
        faults: Faults | None = None,
        verbose: bool = False,
    ):
        self.host, self.port, self.path = host, port, path
        self.faults = faults or Faults()
        self.verbose = verbose
        self.clock_offset = timedelta()
        self.lock = threading.Lock()
        state_path = Path(state_file) if state_file else None
        self.memory = CasposMemory(username, password, self.now, state_path)
        self.last_request: tuple[dict, bytes] = ({}, b"")
        self.server: EmulatorHttpServer | None = None
        self.clients_gone = 0  # connections a client closed or reset before its answer
        self.connections_closed = 0
        self.thread: threading.Thread | None = None

    def now(self) -> datetime:
        return datetime.now(timezone.utc).replace(tzinfo=None) + self.clock_offset

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def settings(self) -> dict:
        """Keyword settings for ``caspos.connect`` that reach this emulator."""
        return {
            "url": self.url,
            "path": self.path,
            "username": self.memory.username,
            "password": self.memory.password,
        }

    @classmethod
    def for_url(cls, url: str) -> CasposEmulator:
        return cls._running[url.rstrip("/")]

    # -- life cycle -----------------------------------------------------------------------------

    def bind(self) -> CasposEmulator:
        self.server = EmulatorHttpServer((self.host, self.port), CasposHandler)
        self.server.emulator = self
        self.port = self.server.server_address[1]
        CasposEmulator._running[self.url] = self
        return self

    def start(self) -> CasposEmulator:
        """Serve in a background thread; returns at once with ``url`` set."""
        self.bind()
        assert self.server is not None
        # a short poll keeps ``stop`` quick (serve_forever checks for shutdown at each poll)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until ``stop`` or Ctrl-C."""
        if self.server is None:
            self.bind()
        assert self.server is not None
        try:
            self.server.serve_forever()
        finally:
            self.stop()

    def stop(self) -> None:
        CasposEmulator._running.pop(self.url, None)
        server, self.server = self.server, None
        if server is None:
            return
        if self.thread is not None:
            server.shutdown()
            self.thread.join(timeout=5)
        server.server_close()
        server.close_connections()

    # -- fault knobs ----------------------------------------------------------------------------

    def set_latency(self, seconds: float) -> None:
        self.faults.latency = seconds

    def fail_next(self, count: int = 1) -> None:
        self.faults.fail_next = count

    def drop_after_commit(self, count: int = 1) -> None:
        self.faults.drop_after_commit = count

    def garbage_next(self, count: int = 1) -> None:
        self.faults.garbage_next = count

    def mangle_after_commit(self, how: str, count: int = 1) -> None:
        """The next ``count`` committed documents are kept; their answers go wrong as ``how``
        (one of ``MANGLINGS``) says."""
        if how not in MANGLINGS:
            raise ValueError(f"after_commit: {how!r} is not one of {', '.join(MANGLINGS)}")
        self.faults.after_commit += [how] * count

    def fail_operation(self, operation: str, count: int = 1) -> None:
        """The next ``count`` requests of ``operation`` are answered HTTP 503, nothing done."""
        self.faults.fail_operation[operation] = count

    def reject_next(self, code: int, message: str = "") -> None:
        self.faults.reject_next.append([code, message or error_text(code)])

    def advance_clock(self, hours: float = 0, **delta: float) -> None:
        self.clock_offset += timedelta(hours=hours, **delta)

    def clear_faults(self) -> None:
        self.faults = Faults()

    def control(self, orders: dict) -> dict:
        """Apply knobs sent to ``/__emulator__``; answers the knobs in force."""
        if orders.get("clear"):
            self.clear_faults()
        if "latency" in orders:
            self.set_latency(float(orders["latency"]))
        for name in ("fail_next", "drop_after_commit", "garbage_next"):
            if name in orders:
                setattr(self.faults, name, int(orders[name]))
        if "reject_next" in orders:
            reject = orders["reject_next"]
            self.reject_next(int(reject["code"]), str(reject.get("message", "")))
        for how in orders.get("after_commit", []):
            self.mangle_after_commit(str(how))
        for operation, count in dict(orders.get("fail_operation", {})).items():
            self.fail_operation(str(operation), int(count))
        if "advance_clock_hours" in orders:
            self.advance_clock(hours=float(orders["advance_clock_hours"]))
        faults = asdict(self.faults)
        faults["latency"] = Decimal(repr(self.faults.latency))  # the JSON writer takes no float
        return {"faults": faults, "clock": self.now().isoformat()}

    # -- answering ------------------------------------------------------------------------------

    def reply(self, path: str, body: bytes) -> Reply:
        if path == CONTROL_PATH:
            try:
                return json_reply(self.control(loads(body) or {}))
            except (ValueError, TypeError, KeyError) as error:
                return json_reply({"error": str(error)}, status=400)
        if path.split("?", 1)[0] != self.path:
            return json_reply({"code": "404", "message": f"no service at {path}"}, status=404)
        if self.faults.latency:
            time.sleep(self.faults.latency)
        with self.lock:
            return self.device_reply(body)

    def device_reply(self, body: bytes) -> Reply:
        faults = self.faults
        if faults.fail_next > 0:
            faults.fail_next -= 1
            return Reply(503, b"Service Unavailable", "text/plain")
        if faults.garbage_next > 0:
            faults.garbage_next -= 1
            return Reply(200, b"<html>Caspos Mobile is restarting</html>", "text/html")
        if faults.reject_next:
            code, message = faults.reject_next.pop(0)
            return json_reply({"code": str(code), "message": message})
        try:
            request = loads(body)
        except ValueError as error:
            return json_reply(
                {"code": str(MALFORMED_JSON), "message": f"{error_text(1002)}: {error}"}
            )
        operation = request.get("operation") if isinstance(request, dict) else None
        if faults.fail_operation.get(str(operation), 0) > 0:
            faults.fail_operation[str(operation)] -= 1
            return Reply(503, b"Service Unavailable", "text/plain")
        answer, committed = self.memory.handle(request)
        if committed and faults.drop_after_commit > 0:
            faults.drop_after_commit -= 1
            return Reply(200, b"", drop=True)
        if committed and faults.after_commit:
            return mangled(faults.after_commit.pop(0), answer)
        return json_reply(answer)


class EmulatorHttpServer(ThreadingHTTPServer):
    """The emulator's HTTP server: quiet when a client gives up on an answer."""

    daemon_threads = True
    emulator: CasposEmulator

    def __init__(self, *args: object, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.open_connections: set[socket.socket] = set()

    def process_request(self, request, client_address):  # type: ignore[no-untyped-def]
        self.open_connections.add(request)
        return super().process_request(request, client_address)

    def close_connections(self) -> None:
        """Cut every kept-alive connection: a stopped emulator, like an unplugged device,
        answers on none of them."""
        for connection in list(self.open_connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):  # broken pipe, reset, aborted
            self.emulator.clients_gone += 1
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]

    def shutdown_request(self, request: object) -> None:
        self.open_connections.discard(request)  # type: ignore[arg-type]
        result = super().shutdown_request(request)  # type: ignore[arg-type]
        self.emulator.connections_closed += 1
        return result


class CasposHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a phone's HTTP server does
    timeout = 30  # an idle kept-alive connection is closed after this
    disable_nagle_algorithm = True  # headers and body leave at once, no 40 ms delayed-ACK stall

    def do_POST(self) -> None:
        emulator: CasposEmulator = self.server.emulator  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        emulator.last_request = (dict(self.headers), body)  # what tests check of the wire
        reply = emulator.reply(self.path, body)
        if reply.drop:
            self.close_connection = True
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        length = len(reply.body) if reply.content_length is None else reply.content_length
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(reply.body)
        if length != len(reply.body):
            self.close_connection = True  # the rest of the announced body never comes

    def log_message(self, format: str, *args: object) -> None:
        if self.server.emulator.verbose:  # type: ignore[attr-defined]
            return super().log_message(format, *args)


@contextlib.contextmanager
def emulator(**options: object) -> Iterator[dict]:
    """Run an emulator on 127.0.0.1 (ephemeral port) for the block; yields ``connect`` settings."""
    options.setdefault("port", 0)
    server = CasposEmulator(**options).start()  # type: ignore[arg-type]
    try:
        yield server.settings()
    finally:
        server.stop()
