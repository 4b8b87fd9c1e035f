"""A serial line opened through ``serial.serial_for_url``, so every pyserial URL works.

pyserial is imported when a port is opened: on POSIX it loads ``termios`` and ``fcntl``, which
importing a driver package must not.
"""

from __future__ import annotations

import errno
import time
from dataclasses import dataclass

from ..core.errors import DeviceTimeout, DeviceUnreachable, MalformedAnswer, TransportError
from .base import FindMessage, port_lock


@dataclass(frozen=True)
class SerialSettings:
    """How to open a serial line: a device path or pyserial URL and its line settings."""

    url: str  # /dev/ttyACM0, COM3, socket://host:port, rfc2217://host:port, loop://
    baudrate: int = 115200
    bytesize: int = 8  # pyserial's EIGHTBITS, PARITY_NONE, STOPBITS_ONE
    parity: str = "N"
    stopbits: float = 1
    write_timeout: float = 5.0
    poll_interval: float = 0.05  # longest wait of one read; the answer deadline is separate
    quiet_interval: float = 0.1  # after a failed read, the line must be silent this long


class SerialTransport:
    """One serial line opened through ``serial.serial_for_url``, so every pyserial URL works."""

    def __init__(self, settings: SerialSettings):
        self.settings = settings
        self.url = settings.url
        self._lock = port_lock(settings.url)
        self._port = None  # a serial.SerialBase once opened
        self._late_bytes_possible = False  # an answer was not (fully) read: it may still come

    def _open(self):
        import serial

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
                failure = DeviceUnreachable(open_failure(self.url, error))
                raise _naming_port(failure, self.url) from None
        return self._port

    def exchange(self, payload: bytes, find_message: FindMessage, timeout: float) -> bytes:
        with self._lock:
            port = self._open()
            try:
                if self._late_bytes_possible:
                    self._wait_until_quiet(port, time.monotonic() + timeout)
                port.reset_input_buffer()  # a late answer to an earlier request is stale
                port.write(payload)  # returns once queued; no flush: the answer proves delivery
            except (_serial_error(), OSError) as error:
                self._drop_port()
                raise _naming_port(
                    DeviceUnreachable(
                        f"serial port {self.url} failed while sending ({_reason(error)}): "
                        "check the cable and that the device is switched on"
                    ),
                    self.url,
                ) from None
            self._late_bytes_possible = True
            answer = self._read_message(port, find_message, time.monotonic() + timeout)
            self._late_bytes_possible = False
            return answer

    def _wait_until_quiet(self, port, deadline: float) -> None:
        """Let the rest of a late answer arrive and drop it, so it cannot precede the next one."""
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            if port.read(max(1, port.in_waiting)):
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= self.settings.quiet_interval:
                break
        self._late_bytes_possible = False

    def _read_message(self, port, find_message: FindMessage, deadline: float) -> bytes:
        received = bytearray()  # grows in place: a long answer in many pieces is not re-copied
        while True:
            try:
                chunk = port.read(max(1, port.in_waiting))
            except (_serial_error(), OSError) as error:
                self._drop_port()
                raise _naming_port(
                    DeviceTimeout(
                        f"serial port {self.url} failed while reading the answer "
                        f"({_reason(error)}): check the cable and that the device is switched on"
                    ),
                    self.url,
                ) from None
            if chunk:
                received += chunk
                found = find_message(received)
                if found is not None:
                    return bytes(received[found[0] : found[1]])
            if time.monotonic() >= deadline:
                break
        if received.strip():
            shown = bytes(received[:60])
            raise MalformedAnswer(f"truncated answer, {len(received)} bytes: {shown!r}")
        raise DeviceTimeout("no answer in time", self.url)

    def _drop_port(self) -> None:
        if self._port is not None:
            self._port.close()
            self._port = None

    def close(self) -> None:
        with self._lock:
            self._drop_port()


_MISSING = (errno.ENOENT, errno.ENODEV, errno.ENXIO)
_DENIED = (errno.EACCES, errno.EPERM)
_BUSY = (errno.EBUSY, errno.EAGAIN)


def open_failure(port: str, error: BaseException) -> str:
    """What a person reads when ``port`` does not open: which port, what failed, what to check.

    pyserial reports POSIX failures with an errno and Windows ones as text
    (``FileNotFoundError(2, ...)``, ``PermissionError(13, 'Access is denied.')``).
    """
    code = getattr(error, "errno", None)
    text = str(error)
    if isinstance(error, ValueError):
        return (
            f"serial port {port} is not a valid port name or URL, or its settings (baud rate) "
            "are wrong: give a device such as COM3 (Windows) or /dev/ttyACM0 (Linux), or "
            "socket://HOST:PORT"
        )
    if code in _MISSING or "FileNotFoundError" in text or "No such file" in text:
        return (
            f"serial port {port} does not exist: check that the device is connected and "
            "switched on, and the port name (Windows: Device Manager, Ports (COM & LPT), "
            "e.g. COM3; Linux: ls /dev/ttyACM* /dev/ttyUSB*)"
        )
    if code in _BUSY or "busy" in text.lower() or "exclusively lock" in text:
        return (
            f"serial port {port} is in use by another program: close the other program "
            "(another cash register application, a terminal program) and try again"
        )
    if code in _DENIED or "PermissionError" in text or "Access is denied" in text:
        return (
            f"no permission to open serial port {port}: on Linux add the user the service "
            "runs as to the 'dialout' group (sudo usermod -aG dialout USER, then restart the "
            "service); on Windows the port is usually open in another program: close it"
        )
    if "refused" in text.lower():
        return (
            f"nothing answers at {port}: the connection was refused; check that the device "
            "(or the emulator, or the serial-to-network bridge) is running at that address"
        )
    reason = getattr(error, "strerror", None) or text
    return f"cannot open serial port {port}: {reason}; check the cable and the port settings"


def _naming_port(error: TransportError, url: str) -> TransportError:
    error.url = url  # the message names the port already: no "(url)" after it
    return error


def _reason(error: BaseException) -> str:
    return getattr(error, "strerror", None) or str(error) or type(error).__name__


def _serial_error() -> type[Exception]:
    import serial

    return serial.SerialException
