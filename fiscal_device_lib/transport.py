"""Byte transports: a serial line (any pyserial URL) and HTTP POST; swappable objects.

A transport sends one request and returns one complete answer. It does not know the protocol:
the driver passes a ``find_message`` function saying where a complete answer ends. Every read
has a deadline; a lock per port keeps two callers in one process from interleaving bytes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import requests
import serial
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from .core.errors import DeviceTimeout, DeviceUnreachable, MalformedAnswer

# (begin, end) of the first complete message in the bytes, None while unfinished;
# raises MalformedAnswer on bytes that cannot start a message.
FindMessage = Callable[[bytes], "tuple[int, int] | None"]

_PORT_LOCKS: dict[str, threading.Lock] = {}
_PORT_LOCKS_GUARD = threading.Lock()


def port_lock(url: str) -> threading.Lock:
    """The one lock of a port in this process, shared by every transport opened on it."""
    with _PORT_LOCKS_GUARD:
        return _PORT_LOCKS.setdefault(url, threading.Lock())


class Transport(Protocol):
    url: str

    def exchange(self, payload: bytes, find_message: FindMessage, timeout: float) -> bytes:
        """Send ``payload``, return the answer's bytes.

        Raises ``DeviceUnreachable`` when nothing was sent, ``DeviceTimeout`` when nothing came
        back in time, ``MalformedAnswer`` when garbage or a truncated answer came back.
        """
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SerialSettings:
    """How to open a serial line: a device path or pyserial URL and its line settings."""

    url: str  # /dev/ttyACM0, COM3, socket://host:port, rfc2217://host:port, loop://
    baudrate: int = 115200
    bytesize: int = serial.EIGHTBITS
    parity: str = serial.PARITY_NONE
    stopbits: float = serial.STOPBITS_ONE
    write_timeout: float = 5.0
    poll_interval: float = 0.05  # longest wait of one read; the answer deadline is separate
    quiet_interval: float = 0.1  # after a failed read, the line must be silent this long


class SerialTransport:
    """One serial line opened through ``serial.serial_for_url``, so every pyserial URL works."""

    def __init__(self, settings: SerialSettings):
        self.settings = settings
        self.url = settings.url
        self._lock = port_lock(settings.url)
        self._port: serial.SerialBase | None = None
        self._late_bytes_possible = False  # an answer was not (fully) read: it may still come

    def _open(self) -> serial.SerialBase:
        if self._port is None:
            s = self.settings
            try:
                self._port = serial.serial_for_url(
                    s.url,
                    baudrate=s.baudrate,
                    bytesize=s.bytesize,
                    parity=s.parity,
                    stopbits=s.stopbits,
                    timeout=s.poll_interval,
                    write_timeout=s.write_timeout,
                )
            except (serial.SerialException, OSError, ValueError) as error:
                raise DeviceUnreachable(f"cannot open the port: {error}", self.url) from None
        return self._port

    def exchange(self, payload: bytes, find_message: FindMessage, timeout: float) -> bytes:
        with self._lock:
            port = self._open()
            try:
                if self._late_bytes_possible:
                    self._wait_until_quiet(port, time.monotonic() + timeout)
                port.reset_input_buffer()  # a late answer to an earlier request is stale
                port.write(payload)  # returns once queued; no flush: the answer proves delivery
            except (serial.SerialException, OSError) as error:
                self._drop_port()
                raise DeviceUnreachable(f"cannot write to the port: {error}", self.url) from None
            self._late_bytes_possible = True
            answer = self._read_message(port, find_message, time.monotonic() + timeout)
            self._late_bytes_possible = False
            return answer

    def _wait_until_quiet(self, port: serial.SerialBase, deadline: float) -> None:
        """Let the rest of a late answer arrive and drop it, so it cannot precede the next one."""
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            if port.read(max(1, port.in_waiting)):
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= self.settings.quiet_interval:
                break
        self._late_bytes_possible = False

    def _read_message(
        self, port: serial.SerialBase, find_message: FindMessage, deadline: float
    ) -> bytes:
        received = b""
        while True:
            try:
                chunk = port.read(max(1, port.in_waiting))
            except (serial.SerialException, OSError) as error:
                self._drop_port()
                raise DeviceTimeout(f"the line failed while reading: {error}", self.url) from None
            if chunk:
                received += chunk
                found = find_message(received)
                if found is not None:
                    return received[found[0] : found[1]]
            if time.monotonic() >= deadline:
                break
        if received.strip():
            raise MalformedAnswer(f"truncated answer, {len(received)} bytes: {received[:60]!r}")
        raise DeviceTimeout("no answer in time", self.url)

    def _drop_port(self) -> None:
        if self._port is not None:
            self._port.close()
            self._port = None

    def close(self) -> None:
        with self._lock:
            self._drop_port()


@dataclass(frozen=True)
class HttpSettings:
    """JSON-RPC over HTTP: the module's base URL and the path it answers on."""

    url: str  # http://host:port
    path: str = "/jsonrpc"
    connect_timeout: float = 3.0


def nothing_sent(error: requests.ConnectionError) -> bool:
    """True when the connection was refused or never made: the device saw nothing."""
    reason = getattr(error.args[0], "reason", error.args[0]) if error.args else None
    return isinstance(error, requests.ConnectTimeout) or isinstance(
        reason, NewConnectionError | ConnectTimeoutError
    )


class HttpTransport:
    """``POST`` of the request body to ``url + path``, one ``requests.Session``, timeouts set."""

    def __init__(self, settings: HttpSettings):
        self.settings = settings
        self.url = settings.url.rstrip("/") + settings.path
        self._lock = port_lock(self.url)
        self._session = requests.Session()

    def exchange(self, payload: bytes, find_message: FindMessage, timeout: float) -> bytes:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        with self._lock:
            try:
                answer = self._session.post(
                    self.url,
                    data=payload,
                    headers=headers,
                    timeout=(self.settings.connect_timeout, timeout),
                )
            except requests.ConnectionError as error:
                if nothing_sent(error):
                    raise DeviceUnreachable(f"cannot connect: {error}", self.url) from None
                raise DeviceTimeout(f"connection lost: {error}", self.url) from None
            except requests.Timeout:
                raise DeviceTimeout("no answer in time", self.url) from None
        body = answer.content
        found = find_message(body)
        if found is None:
            raise MalformedAnswer(f"HTTP {answer.status_code}, no complete message: {body[:60]!r}")
        return body[found[0] : found[1]]

    def close(self) -> None:
        self._session.close()
