"""The probe against the real emulators: an N5 over a pseudo-terminal, a Caspos over loopback
HTTP, and ports or addresses where nothing (or something else) answers."""

from __future__ import annotations

import os
import pty

import pytest

from fiscal_device_lib.caspos import CasposEmulator
from fiscal_device_lib.mypos_n5 import N5Emulator
from fiscal_device_lib.probe import (
    ProbeResult,
    SerialPort,
    list_serial_ports,
    probe_caspos,
    probe_n5,
    probe_ports,
)


@pytest.fixture
def n5():
    with N5Emulator() as running:
        yield running


@pytest.fixture
def caspos():
    emulator = CasposEmulator().start()
    yield emulator
    emulator.stop()


@pytest.fixture
def silent_port():
    """A pseudo-terminal nobody answers on."""
    master, slave = pty.openpty()
    yield os.ttyname(slave)
    os.close(slave)
    os.close(master)


def test_an_n5_on_a_pty_is_identified_by_its_numbers(n5):
    found = probe_n5(n5.port, timeout=2.0)
    assert isinstance(found, ProbeResult)
    assert found.found and found.family == "n5" and found.address == n5.port
    assert found.fiscal_memory_number == "51300001"
    assert found.serial_number and found.model and not found.error
    assert [request["method"] for request in n5.requests] == ["GetNumbers"]


def test_probe_ports_takes_explicit_ports_list_ports_cannot_see(n5, silent_port):
    results = probe_ports([n5.port, silent_port], timeout=0.3)
    assert [(result.address, result.found) for result in results] == [
        (n5.port, True),
        (silent_port, False),
    ]
    assert results[1].error


def test_a_port_without_an_n5_is_not_found(silent_port, tmp_path):
    silent = probe_n5(silent_port, timeout=0.3)
    assert not silent.found and silent.serial_number == ""
    assert silent.error == f"no answer in time ({silent_port})"
    missing = probe_n5(str(tmp_path / "ttyACM9"), timeout=0.3)
    assert not missing.found and "ttyACM9 does not exist" in missing.error
    assert probe_n5("  ").error == "no address given"


def test_a_caspos_at_an_address_is_identified(caspos):
    found = probe_caspos(caspos.url, timeout=2.0)
    assert found.found and found.family == "caspos" and found.address == caspos.url
    assert found.serial_number and found.fiscal_memory_number and found.model


def test_an_address_without_a_caspos_is_not_found(caspos):
    caspos.stop()  # the port is known to be closed now
    gone = probe_caspos(caspos.url, timeout=0.5)
    assert not gone.found and "refused the connection" in gone.error
    no_scheme = probe_caspos("192.168.1.20:5544")
    assert not no_scheme.found and "not a valid http:// or https:// URL" in no_scheme.error


def test_the_n5_probe_speaks_to_an_n5_only(caspos, n5):
    # a Caspos address is not a serial port, a pty is not an HTTP address
    assert not probe_n5(caspos.url, timeout=0.3).found
    assert not probe_caspos(f"http://127.0.0.1:1/{n5.port}", timeout=0.3).found


def test_list_serial_ports_returns_plain_values():
    ports = list_serial_ports()
    assert all(isinstance(port, SerialPort) and port.device for port in ports)
    assert [port.device for port in ports] == sorted(port.device for port in ports)
