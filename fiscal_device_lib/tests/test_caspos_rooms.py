"""The Caspos package's rooms: neutral operations on ``FiscalDevice``, one JSON writer, the
HTTP transport, the emulator in its own sub-package."""

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from fiscal_device_lib.caspos import CasposEmulator, Faults
from fiscal_device_lib.caspos.emulator import CasposEmulator as EmulatorFromItsPackage
from fiscal_device_lib.caspos.emulator.samples import emulated_device, simple_sale
from fiscal_device_lib.caspos.messages import Payments
from fiscal_device_lib.core import jsonwire
from fiscal_device_lib.core.documents import ControlTape, DocumentKind, Operator, TapeEntry
from fiscal_device_lib.core.interface import Capability


@pytest.fixture
def device():
    with emulated_device() as (server, driver):
        driver.open_shift(Operator("Kassir"))
        yield server, driver


def test_old_names_reach_the_emulator_package():
    assert CasposEmulator is EmulatorFromItsPackage and Faults().after_commit == []


def test_control_tape_is_the_cores(device):
    _server, driver = device
    sale = driver.sale(simple_sale(str(uuid.uuid4())))
    tape = driver.control_tape()
    assert isinstance(tape, ControlTape) and all(isinstance(e, TapeEntry) for e in tape.documents)
    assert [e.document_id for e in tape.documents] == [sale.document_id]
    assert tape.documents[0].total == Decimal("3.00")
    assert driver.supports(Capability.CONTROL_TAPE)


def test_periodic_report_print_duplicate_cashbox_and_numbers(device):
    _server, driver = device
    driver.sale(simple_sale(str(uuid.uuid4())))
    driver.z_report(Operator("Kassir"), uuid=str(uuid.uuid4()))
    now = datetime.now()
    report = driver.periodic_report(now - timedelta(days=1), now + timedelta(days=1))
    assert report.kind is DocumentKind.Z_REPORT and report.totals["sale count"] == 1
    driver.print_duplicate()
    driver.open_cashbox()
    assert driver.numbers() == ("VS4319W60010", "00320029594B500B20373357")
    for capability in (
        Capability.PERIODIC_REPORT,
        Capability.PRINT_DUPLICATE,
        Capability.OPEN_CASHBOX,
        Capability.DEVICE_NUMBERS,
    ):
        assert driver.supports(capability)
    assert not driver.supports(Capability.PRINT_AGAIN)


def test_the_one_json_writer_keeps_large_money_exact(device):
    server, driver = device
    driver.info()  # the QR base is known: the deposit is the last request
    biggest = Decimal("99999999999999.99")
    assert jsonwire.dumps(Payments(cash=biggest).to_data()).startswith(
        '{"cashPayment":99999999999999.99,'
    )
    result = driver.deposit(str(uuid.uuid4()), biggest, "Kassir")
    _headers, body = server.last_request
    assert b'"sum":99999999999999.99' in body
    assert jsonwire.loads(body)["data"]["sum"] == biggest
    assert result.total == biggest


def test_driver_keeps_one_connection_open(device):
    server, driver = device
    before = server.connections_closed
    for _ in range(3):
        driver.shift_state()
    assert server.connections_closed == before  # keep-alive: no connection was closed
