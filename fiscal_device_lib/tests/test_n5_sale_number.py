"""N-18's unique sale number (``Receipt.sale_number``, the N5's ``usn``): checked by the core,
sent by the N5 driver, stored and printed by the emulator, which refuses a malformed one."""

import pytest

from fiscal_device_lib.core.errors import DeviceRejected, ValidationError
from fiscal_device_lib.core.validation import receipt_problems
from fiscal_device_lib.mypos_n5 import N5Emulator, connect
from fiscal_device_lib.mypos_n5.emulator import samples
from fiscal_device_lib.mypos_n5.serialize import receipt_params

SALE_NUMBER = "BN300001-0001-0000001"  # the emulator's individual number, operator 1, sale 1


@pytest.fixture
def emulator():
    with N5Emulator() as running:
        yield running


@pytest.fixture
def device(emulator):
    with connect(port=emulator.port, timeout=2.0, busy_pause=0.01) as driver:
        yield driver


def test_usn_is_the_sale_number_and_absent_without_one():
    receipt = samples.sale()
    assert "usn" not in receipt_params(receipt)["beginFiscalReceiptInput"]
    receipt.sale_number = SALE_NUMBER
    assert receipt_params(receipt)["beginFiscalReceiptInput"]["usn"] == SALE_NUMBER


@pytest.mark.parametrize(
    "number",
    [
        "5f0c6e2a-1b7d-4c1e-9a53-2f6d1f0b8e41",  # a uuid, what the driver once sent
        "BN30001-0001-0000001",
        "BN300001-001-0000001",
        "BN300001-0001-000001",
        "BN300001-0001-0000000",
        "bn300001-0001-0000001",
        "BN300001-0001-0000001\n",
    ],
)
def test_a_sale_number_not_in_the_legal_format_is_refused(number):
    receipt = samples.sale()
    receipt.sale_number = number
    assert (
        f"sale number {number!r} is not in the format XXXXXXXX-ZZZZ-0000001 (the device's "
        "8-character individual number, the operator's 4-character code, a 7-digit sequence "
        "from 0000001; capital Latin letters and digits)"
    ) in receipt_problems(receipt)
    with pytest.raises(ValidationError):
        receipt_params(receipt)


def test_the_emulator_stores_and_prints_the_sale_number_and_its_storno_reuses_it(device, emulator):
    sale = samples.sale()
    sale.sale_number = SALE_NUMBER
    sold = device.fiscalize(sale)
    assert sold.request["beginFiscalReceiptInput"]["usn"] == SALE_NUMBER
    storno = samples.storno_of(sale, sold)
    device.fiscalize(storno)
    first, second = emulator.receipts()
    assert (first["usn"], second["usn"]) == (SALE_NUMBER, SALE_NUMBER)
    assert f"УНП: {SALE_NUMBER}" in emulator.printed[-2]
    assert f"УНП: {SALE_NUMBER}" in emulator.printed[-1]


def test_the_emulator_takes_an_empty_usn_as_none(device, emulator):
    params = receipt_params(samples.sale())
    params["beginFiscalReceiptInput"]["usn"] = ""  # as in the spec's example request
    device.call("PrintReceipt", params)
    assert emulator.receipts()[0]["usn"] == ""


@pytest.mark.parametrize("usn", ["not-a-sale-number", "BN300001-0001-0000000", "BN300001"])
def test_the_emulator_refuses_a_malformed_usn_with_wrong_data(device, emulator, usn):
    params = receipt_params(samples.sale())
    params["beginFiscalReceiptInput"]["usn"] = usn  # past the driver's check, as a bad client
    with pytest.raises(DeviceRejected) as caught:
        device.call("PrintReceipt", params)
    assert caught.value.code == 43
    assert f"usn {usn!r} is not in the N-18 format XXXXXXXX-ZZZZ-0000001" in str(caught.value)
    assert emulator.receipts() == []


def test_the_emulator_takes_another_devices_number(device, emulator):
    # a neutralized copy sends its real device's numbers to the emulator
    sale = samples.sale()
    sale.sale_number = "DT123456-0001-0000042"
    device.fiscalize(sale)
    assert emulator.receipts()[0]["usn"] == "DT123456-0001-0000042"
