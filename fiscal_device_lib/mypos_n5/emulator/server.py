"""A stateful myPOS N5 emulator serving JSON-RPC on a pseudo-terminal, TCP or HTTP.

Requests may come with or without line breaks and split across several writes; answers are
compact JSON. The fiscal logic is ``device.N5Device``; this module adds the wire and the fault
knobs tests use to make the line misbehave.
"""

from __future__ import annotations

import os
import pty
import select
import socketserver
import threading
import time
import tty
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TextIO

from ...core.errors import MalformedAnswer
from .. import framing
from ..errors import BUSY, PARSE_ERROR, RESUMABLE_CODES, error_info
from .device import FISCAL_RECEIPT, N5Device, N5Error

INVALID_REQUEST = -32600  # JSON-RPC 2.0's own code for a message that is not a request
GARBAGE = b"\x00\xff#garbage!\x13\x7f"

Write = Callable[[bytes], None]


class N5Emulator:
    """An emulated N5 with its state, serving on a pty (``start``), TCP or HTTP.

    Use ``start()`` / ``stop()`` or ``with N5Emulator() as emulator:``; ``port`` is the
    pseudo-terminal's slave path to open with the driver.

    Read back:
      ``journal``: the electronic journal (dicts: number, type, at, z_number, lines, ...);
      ``receipts()``: its fiscal documents; ``printed``: every printed document as text;
      ``requests``: every request received (decoded).

    Fault knobs (each affects the next requests or answers, then wears off):
      ``paper_out(prints)``: that many prints fail with NO_PAPER 23; the document stays
      registered and PrintAgain prints it;
      ``busy(requests)``: answer BUSY 53 without doing anything;
      ``fail_next(code, requests=1)``: answer error ``code`` without doing anything; PRINT_FAIL
      15 and NO_PAPER 23 as the device does: a printing request is done (a receipt registered)
      and its printing fails, so PrintAgain finishes it;
      ``drop_answers(n)``: do the request, send no answer;
      ``garbage_answers(n)``: do the request, send garbage bytes instead of the answer;
      ``truncate_answers(n)``: do the request, send half of the answer;
      ``slow_line(delay, chunk)``: send answers ``chunk`` bytes at a time, ``delay`` s apart;
      ``answer_late(n)``: do the request, hold its answer and send it just before the answer
      to the next request (a device that answered after the driver gave up);
      ``answer_id_null(n)``: do the request, answer with ``"id": null``;
      ``answer_raw(template, act=True)``: send these bytes instead of the next answer,
      ``@ID@`` replaced by the request's id (the request is done first when ``act``);
      ``write_now(data)``: put bytes on the pseudo-terminal line now, unasked;
      ``set_time_to_block(timedelta)``: when it runs out, documents fail with FD_BLOCKED 22.
    """

    def __init__(
        self,
        state_path: Path | str | None = None,
        paper: TextIO | None = None,
        link: Path | str | None = None,
    ):
        self.device = N5Device.load(Path(state_path) if state_path else None, paper)
        self.link = Path(link) if link else None
        self.port = ""
        self.requests: list[dict] = []
        self._lock = threading.RLock()  # one request at a time, as on the device
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._servers: list[socketserver.BaseServer] = []
        self._fds: list[int] = []
        self._busy = 0
        self._fail_codes: list[int] = []
        self._answer_faults: list[str] = []
        self._slow: tuple[float, int] = (0.0, 0)
        self._rewrites: list[tuple[str, bytes, bool]] = []  # (kind, template, act)
        self._held: list[bytes] = []  # late answers, sent before the next one
        self._master: int | None = None

    # -- read back ----------------------------------------------------------------------------

    @property
    def journal(self) -> list[dict]:
        return self.device.state.journal

    @property
    def printed(self) -> list[str]:
        return self.device.printed

    def receipts(self) -> list[dict]:
        return [entry for entry in self.journal if entry["type"] == FISCAL_RECEIPT]

    # -- fault knobs ----------------------------------------------------------------------------

    def paper_out(self, prints: int = 1) -> None:
        with self._lock:
            self.device.paper_out_prints = prints

    def busy(self, requests: int = 1) -> None:
        with self._lock:
            self._busy = requests

    def fail_next(self, code: int, requests: int = 1) -> None:
        with self._lock:
            self._fail_codes += [code] * requests

    def drop_answers(self, answers: int = 1) -> None:
        with self._lock:
            self._answer_faults += ["drop"] * answers

    def garbage_answers(self, answers: int = 1) -> None:
        with self._lock:
            self._answer_faults += ["garbage"] * answers

    def truncate_answers(self, answers: int = 1) -> None:
        with self._lock:
            self._answer_faults += ["truncate"] * answers

    def answer_late(self, answers: int = 1) -> None:
        with self._lock:
            self._answer_faults += ["late"] * answers

    def answer_id_null(self, answers: int = 1) -> None:
        with self._lock:
            self._rewrites += [("id_null", b"", True)] * answers

    def answer_raw(self, template: bytes, act: bool = True) -> None:
        with self._lock:
            self._rewrites.append(("raw", template, act))

    def write_now(self, data: bytes) -> None:
        """Put ``data`` on the pseudo-terminal line now, as a device's stray output."""
        if self._master is None:
            raise RuntimeError("write_now needs the pseudo-terminal (start())")
        _write_all(self._master, data)

    def slow_line(self, delay: float = 0.01, chunk: int = 8) -> None:
        """Answers trickle out ``chunk`` bytes at a time; ``delay=0`` restores the line."""
        with self._lock:
            self._slow = (delay, chunk)

    def set_time_to_block(self, left: timedelta) -> None:
        with self._lock:
            self.device.set_time_to_block(left)

    # -- the protocol ---------------------------------------------------------------------------

    def answer_for(self, raw: bytes) -> bytes | None:
        """The answer to one message (None for a notification, which gets none)."""
        try:
            message = framing.decode(raw)
        except MalformedAnswer:
            return framing.encode_error(None, PARSE_ERROR, error_info(PARSE_ERROR).name)
        request_id = message.get("id") if isinstance(message, dict) else None
        if not (
            isinstance(message, dict)
            and message.get("jsonrpc") == framing.JSONRPC_VERSION
            and isinstance(message.get("method"), str)
        ):
            return framing.encode_error(request_id, INVALID_REQUEST, "Invalid Request")
        with self._lock:
            self.requests.append(message)
            kind, template, act = self._rewrites.pop(0) if self._rewrites else ("", b"", True)
            code, data, result = self._injected_error(), "", None
            if code in RESUMABLE_CODES:
                code, data = self._print_fails(code, message)
            elif code is None and act:
                try:
                    result = self.device.handle(message["method"], message.get("params"))
                except N5Error as error:
                    code, data = error.code, error.data
        if "id" not in message:
            return None
        if kind == "raw":
            return template.replace(b"@ID@", framing.encode(request_id))
        if kind == "id_null":
            request_id = None
        if code is not None:
            return framing.encode_error(request_id, code, error_info(code).name, data or None)
        return framing.encode_result(request_id, result)

    def _print_fails(self, code: int, message: dict) -> tuple[int, str]:
        """Do the request with its printing failing with ``code``, as the device does: the
        document is registered, PrintAgain prints it. A request that prints nothing (or that the
        device refuses before printing) is answered ``code`` with nothing done, as before."""
        self.device.print_failures.append(code)
        try:
            self.device.handle(message["method"], message.get("params"))
        except N5Error:
            return code, ""  # refused before printing: answered ``code``, nothing done
        finally:
            if code in self.device.print_failures:  # nothing was printed: nothing was done
                self.device.print_failures.remove(code)
        return code, ""

    def _injected_error(self) -> int | None:
        if self._busy > 0:
            self._busy -= 1
            return BUSY
        if self._fail_codes:
            return self._fail_codes.pop(0)
        return None

    def deliver(self, answer: bytes, write: Write) -> None:
        """Send an answer through the fault knobs: dropped, garbled, truncated or slow."""
        with self._lock:
            fault = self._answer_faults.pop(0) if self._answer_faults else ""
            delay, chunk = self._slow
            if fault == "late":
                self._held.append(answer)
                return
            held, self._held = b"".join(self._held), []
        answer = held + answer
        if fault == "drop":
            return
        if fault == "garbage":
            answer = GARBAGE
        elif fault == "truncate":
            answer = answer[: len(answer) // 2]
        if not delay:
            write(answer)
            return
        for start in range(0, len(answer), chunk):
            write(answer[start : start + chunk])
            time.sleep(delay)

    def feed(self, buffer: bytes, write: Write) -> bytes:
        """Answer every complete request in ``buffer``; return the unfinished rest."""
        try:
            messages, rest = framing.split_messages(buffer)
        except MalformedAnswer:
            # garbage on the line: say so once and drop it, the next request starts afresh
            write(framing.encode_error(None, PARSE_ERROR, error_info(PARSE_ERROR).name))
            return b""
        for raw in messages:
            answer = self.answer_for(raw)
            if answer is not None:
                self.deliver(answer, write)
        return rest

    # -- serving ----------------------------------------------------------------------------

    def start(self) -> str:
        """Serve on a new pseudo-terminal; returns (and keeps in ``port``) its slave path."""
        master, slave = pty.openpty()
        tty.setraw(slave)  # no echo, no line editing: bytes pass unchanged
        self._fds += [master, slave]  # the slave stays open so the line never hangs up
        self._master = master
        self.port = os.ttyname(slave)
        if self.link is not None:
            self.link.unlink(missing_ok=True)
            self.link.symlink_to(self.port)
        self._spawn(self._serve_pty, master)
        return self.port

    def _serve_pty(self, master: int) -> None:
        buffer = b""
        while not self._stop.is_set():
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                continue
            try:
                buffer += os.read(master, 65536)
            except OSError:
                return
            buffer = self.feed(buffer, lambda data: _write_all(master, data))

    def start_tcp(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        """Serve raw JSON-RPC on TCP (pyserial's ``socket://host:port``); returns the address."""
        emulator = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                buffer = b""
                self.request.settimeout(0.1)
                while not emulator._stop.is_set():
                    try:
                        chunk = self.request.recv(65536)
                    except TimeoutError:
                        continue
                    if not chunk:
                        return
                    buffer = emulator.feed(buffer + chunk, self.request.sendall)

        server = _TcpServer((host, port), Handler)
        return self._serve(server)

    def start_http(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve JSON-RPC over HTTP at ``POST /jsonrpc``; returns the base URL."""
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                if self.path != "/jsonrpc":
                    self.send_error(404)
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                answer = emulator.answer_for(body) or b""
                sent: list[bytes] = []
                emulator.deliver(answer, sent.append)
                if not sent:
                    self.close_connection = True  # the answer is lost: hang up
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(sum(map(len, sent))))
                self.end_headers()
                self.wfile.write(b"".join(sent))

            def log_message(self, format: str, *args: object) -> None:
                pass  # requests are in ``emulator.requests``; keep the console for the paper

        host, port = self._serve(ThreadingHTTPServer((host, port), Handler))
        return f"http://{host}:{port}"

    def _serve(self, server: socketserver.TCPServer) -> tuple[str, int]:
        server.daemon_threads = True
        self._servers.append(server)
        self._spawn(server.serve_forever, 0.05)
        host, port = server.server_address[:2]
        return str(host), int(port)

    def _spawn(self, target: Callable, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name="n5-emulator", daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        """Stop serving, close the terminal and sockets, remove the link."""
        self._stop.set()
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=2)
        for fd in self._fds:
            os.close(fd)
        if self.link is not None and self.link.is_symlink():
            self.link.unlink()
        self._servers, self._threads, self._fds = [], [], []

    def __enter__(self) -> N5Emulator:
        if not self.port:
            self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class _TcpServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            select.select([], [fd], [], 0.05)
            continue
        view = view[written:]


STATE_FILE = "n5.json"


@contextmanager
def emulator(
    state_dir: str | Path | None = None,
    paper: TextIO | None = None,
    link: str | None = None,
    tcp: tuple[str, int] | bool = False,
) -> Iterator[dict]:
    """Run an N5 emulator in this process; yields the ``connect`` settings that reach it.

    A pseudo-terminal by default; ``tcp=True`` (any free port) or ``(host, port)`` serves raw
    JSON-RPC on TCP instead, which other processes reach as ``socket://host:port``.
    """
    state_path = Path(state_dir) / STATE_FILE if state_dir else None
    running = N5Emulator(state_path=state_path, paper=paper, link=link)
    try:
        if tcp:
            host, port = running.start_tcp(*(tcp if isinstance(tcp, tuple) else ()))
            settings = {"port": f"socket://{host}:{port}"}
        else:
            settings = {"port": running.start()}
        yield settings
    finally:
        running.stop()
