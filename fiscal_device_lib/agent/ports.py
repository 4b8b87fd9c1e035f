"""What the agent can see on its machine: serial ports (and whether an N5 answers on each),
and Caspos devices answering at given addresses; reported to Odoo (``/ports``).

Contract: ``scan(caspos_urls)`` returns plain dicts ``{"name", "description", "kind",
"found"}``; a probe is one short status request through the device's own driver (N5
``GetNumbers``, Caspos ``getInfo``), never a document. Portable: pyserial's ``list_ports``
works on Linux, Windows and macOS.
"""

from __future__ import annotations

from ..core import FiscalError
from ..families import family as device_family

PROBE_TIMEOUT = 2.0


def serial_ports() -> list[tuple[str, str]]:
    """(device name, description) of every serial port pyserial sees."""
    from serial.tools import list_ports

    return [(port.device, port.description or "") for port in list_ports.comports()]


def probe_n5(port: str) -> str:
    """What answers on ``port`` as an N5: its serial and fiscal memory numbers, or ""."""
    n5 = device_family("n5")
    try:
        with n5.connect(**n5.settings(port=port, timeout=PROBE_TIMEOUT, busy_retries=0)) as driver:
            serial_number, fiscal_memory_number = driver.numbers()
    except (FiscalError, OSError, ValueError):
        return ""
    return f"myPOS N5 {serial_number} (fiscal memory {fiscal_memory_number})"


def probe_caspos(url: str) -> str:
    """What answers at ``url`` as a Caspos: its serial number, or ""."""
    caspos = device_family("caspos")
    try:
        with caspos.connect(**caspos.settings(url=url, timeout=PROBE_TIMEOUT, retries=0)) as dev:
            info = dev.info()
    except (FiscalError, OSError, ValueError):
        return ""
    return f"Caspos {info.serial_number or info.model}".strip()


def scan(caspos_urls: list[str] = (), extra_ports: list[str] = ()) -> list[dict]:
    """Every serial port with its N5 probe, then every Caspos address with its probe."""
    found = []
    ports = serial_ports() + [(port, "given") for port in extra_ports]
    for name, description in ports:
        found.append(
            {"name": name, "description": description, "kind": "serial", "found": probe_n5(name)}
        )
    for url in caspos_urls:
        found.append(
            {
                "name": url,
                "description": "Caspos address",
                "kind": "caspos",
                "found": probe_caspos(url),
            }
        )
    return found
