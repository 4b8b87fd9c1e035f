"""Find fiscal devices: the serial ports this machine sees, and who answers on them.

Contract: ``list_serial_ports()`` lists the ports pyserial's ``serial.tools.list_ports`` finds
(a pseudo-terminal is never among them: give its path to ``probe_n5`` yourself);
``probe_n5(port, timeout)`` asks an N5 on a serial port for its numbers, ``probe_caspos(url,
timeout)`` asks a Caspos at an address for its info; both return a ``ProbeResult`` (plain
values, ``found`` False and ``error`` set when nothing identified itself) and never raise for a
device that is absent, silent or something else. A probe sends only status requests: nothing is
registered on any device. Imports no ``odoo``; pyserial is imported when ports are listed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .core.errors import FiscalError

# Seconds a probe waits for one answer: a port with nothing behind it must not hold a screen.
DEFAULT_TIMEOUT = 2.0


@dataclass(frozen=True)
class SerialPort:
    """A serial port as the operating system lists it."""

    device: str  # what to open: /dev/ttyACM0, COM3
    description: str = ""
    hwid: str = ""  # e.g. "USB VID:PID=1234:5678 SER=... LOCATION=1-1"
    manufacturer: str = ""


@dataclass(frozen=True)
class ProbeResult:
    """What one probe found at ``address`` (a serial port or a URL)."""

    family: str  # "n5" or "caspos": the family asked
    address: str
    found: bool
    serial_number: str = ""
    model: str = ""
    fiscal_memory_number: str = ""
    firmware: str = ""
    error: str = ""  # why nothing was identified, in the transport's or device's words


def list_serial_ports() -> list[SerialPort]:
    """The serial ports pyserial finds on this machine, sorted by name (empty without any)."""
    from serial.tools import list_ports

    return sorted(
        (
            SerialPort(
                device=port.device,
                description=port.description or "",
                hwid=port.hwid or "",
                manufacturer=port.manufacturer or "",
            )
            for port in list_ports.comports()
        ),
        key=lambda port: port.device,
    )


def probe_n5(port: str, timeout: float = DEFAULT_TIMEOUT, baudrate: int = 115200) -> ProbeResult:
    """Ask the device on serial ``port`` (a path or pyserial URL) for its N5 numbers
    (``GetNumbers``): serial number and fiscal memory number identify an N5."""
    from .mypos_n5 import connect

    def read():
        with connect(port=port, baudrate=baudrate, timeout=timeout, busy_retries=0) as driver:
            return driver.info()

    return _probe("n5", port, read)


def probe_caspos(
    url: str,
    timeout: float = DEFAULT_TIMEOUT,
    path: str = "/",
    username: str = "",
    password: str = "",
) -> ProbeResult:
    """Ask a Caspos Integration Service at ``url`` (``http://IP:5544``) for its info
    (``getInfo``): factory numbers and model identify it. Empty credentials take the
    driver's defaults."""
    from .caspos import connect

    credentials = {
        name: value for name, value in (("username", username), ("password", password)) if value
    }

    def read():
        with connect(
            url=url, path=path or "/", timeout=timeout, retries=0, **credentials
        ) as driver:
            return driver.info()

    return _probe("caspos", url, read)


def probe_ports(
    ports: Iterable[str] | None = None, timeout: float = DEFAULT_TIMEOUT
) -> list[ProbeResult]:
    """``probe_n5`` on each of ``ports``, by default on every port ``list_serial_ports`` finds."""
    if ports is None:
        ports = [port.device for port in list_serial_ports()]
    return [probe_n5(port, timeout) for port in ports]


def _probe(family: str, address: str, read) -> ProbeResult:
    address = (address or "").strip()
    if not address:
        return ProbeResult(family, address, False, error="no address given")
    try:
        info = read()
    except FiscalError as error:
        return ProbeResult(family, address, False, error=str(error))
    except (OSError, ValueError) as error:
        # an address pyserial or requests cannot even parse, a port that vanished mid-probe
        return ProbeResult(family, address, False, error=f"{type(error).__name__}: {error}")
    found = bool(info.serial_number or info.fiscal_memory_number)
    return ProbeResult(
        family,
        address,
        found,
        serial_number=info.serial_number,
        model=info.model,
        fiscal_memory_number=info.fiscal_memory_number,
        firmware=info.firmware,
        error="" if found else "the device answered without its numbers",
    )
