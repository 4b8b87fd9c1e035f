"""Every N5 error code becomes DeviceRejected(code, name, hint), through a real pty round trip."""

from decimal import Decimal

import pytest
import serial

from fiscal_device_lib.core.documents import PaymentKind
from fiscal_device_lib.core.errors import DeviceRejected, ValidationError
from fiscal_device_lib.mypos_n5 import N5Emulator, connect, framing
from fiscal_device_lib.mypos_n5.emulator import samples
from fiscal_device_lib.mypos_n5.errors import ERRORS, error_info, rejected
from fiscal_device_lib.mypos_n5.serialize import receipt_params


@pytest.fixture(scope="module")
def emulator():
    with N5Emulator() as running:
        yield running


@pytest.fixture(scope="module")
def device(emulator):
    with connect(port=emulator.port, timeout=2.0, busy_retries=0) as driver:
        yield driver


def rejection(call) -> DeviceRejected:
    with pytest.raises(DeviceRejected) as caught:
        call()
    return caught.value


@pytest.mark.parametrize("code", sorted(ERRORS))
def test_every_code_is_mapped_with_its_name_and_hint(device, emulator, code):
    emulator.fail_next(code)
    error = rejection(device.numbers)
    info = ERRORS[code]
    assert (error.code, error.message, error.hint) == (code, info.name, info.hint)
    assert error.resumable == (code in (15, 23))


def test_appendix_codes_are_all_in_the_table():
    assert set(range(0, 59)) | {5551, 5552, -32700, -32601, -32602} == set(ERRORS)
    assert error_info(9999).name == "ERROR_9999"


def sale_params(**changes) -> dict:
    params = receipt_params(samples.sale(1))
    item = params["receiptItems"][0]
    for key, value in changes.items():
        target, field = (item, key[5:]) if key.startswith("item_") else (params, key)
        if value is None:
            target.pop(field, None)
        else:
            target[field] = value
    return params


CASH = [{"amount": 100, "medium": "MEDIUM_CASH"}]
NATURAL = [
    # (code, method, params, words in the hint)
    (-32700, None, None, ""),
    (-32601, "PrintSomething", None, "PrintSomething"),
    (-32602, "PrintReceipt", sale_params(item_enumVatCategory="X"), "enumVatCategory"),
    (-32602, "PrintReceipt", sale_params(item_quantity=0), "quantity"),
    (-32602, "CashInOut", {"amount": 1}, "operatorName"),
    (-32602, "PrintEJ", {"receiptFilter": "ALL", "filter": "ByDate", "from": "1", "to": "2"}, ""),
    (17, "PrintReceipt", sale_params(receiptPayments=[{"amount": 1, "medium": "MEDIUM_CASH"}]), ""),
    (
        19,
        "PrintReceipt",
        sale_params(receiptPayments=[{"amount": -1, "medium": "MEDIUM_CASH"}]),
        "",
    ),
    (26, "PrintReceipt", sale_params(item_surchargeAmount=-100), "total"),
    (29, "PrintReceipt", sale_params(receiptItems=[]), "receiptItems"),
    (29, "PrintReceipt", sale_params(item_description=" "), "description"),
    (29, "CashInOut", {"amount": 0, "operatorName": "A", "operatorNumber": 1}, "amount"),
    (
        33,
        "PrintReceipt",
        sale_params(receiptPayments=[{"amount": 100, "medium": "MEDIUM_CARD"}]),
        "",
    ),
    (35, "PrintReceipt", sale_params(item_description="я" * 73), "description"),
    (43, "SetInvoiceRange", {"firstInv": "9", "lastInv": "1"}, ""),
    (44, "PrintReceipt", sale_params(receiptPayments=[{"amount": 100, "medium": "GOLD"}]), ""),
    (48, "PrintReceipt", sale_params(item_department=77), "department 77"),
    (49, "PrintReceipt", sale_params(item_enumVatCategory="F"), "VAT group F"),
    (
        5551,
        "PrintReceipt",
        sale_params(receiptPayments=[{"amount": 50, "medium": "MEDIUM_CARD"}] * 2),
        "",
    ),
    (28, "PrintDuplicate", None, ""),
    (40, "PrintAgain", None, ""),
]


@pytest.mark.parametrize("code, method, params, words", NATURAL)
def test_the_emulator_produces_the_spec_errors(device, code, method, params, words):
    error = (
        rejection(lambda: device.call(method, params))
        if method
        else _parse_error_through_driver(device)
    )
    assert (error.code, error.message) == (code, ERRORS[code].name)
    assert words in error.hint


def _parse_error_through_driver(device) -> DeviceRejected:
    # the driver never writes invalid JSON (an unencodable value is refused before sending), and
    # it never takes an answer with id null as its own: send the bad bytes on the driver's line
    # and map the device's answer with the driver's table
    with pytest.raises(ValidationError):
        device.call("GetNumbers", float("nan"))
    with serial.serial_for_url(device.transport.url, timeout=1) as port:
        port.write(b'{"jsonrpc":"2.0","id":1,"method":"GetNumbers",}')
        answer = b""
        while framing.find_message(answer) is None:
            answer += port.read(1)
    response = framing.parse_response(framing.decode(answer))
    assert response.id is None
    return rejected(response.error.code, response.error.message)


def test_invoice_range_errors(device):
    params = receipt_params(samples.invoice(1))
    device.call("SetInvoiceRange", {"firstInv": "1", "lastInv": "1"})
    device.call("PrintReceipt", params)
    error = rejection(lambda: device.call("PrintReceipt", params))
    assert (error.code, error.message) == (39, "INV_NUM_END")


def test_invoice_without_a_range(emulator):
    with N5Emulator() as fresh, connect(port=fresh.port, timeout=2.0) as device:
        error = rejection(lambda: device.fiscalize(samples.invoice(1)))
        assert (error.code, error.message) == (42, "INV_NOT_SET")


def test_storno_paying_out_more_cash_than_the_drawer_holds():
    with N5Emulator() as fresh, connect(port=fresh.port, timeout=2.0) as device:
        sale = samples.sale(1, paid_by=PaymentKind.CARD)
        sold = device.fiscalize(sale)
        error = rejection(lambda: device.fiscalize(samples.storno_of(sale, sold)))
        assert (error.code, error.message) == (30, "NOT_ENOUGH_CASH")
        assert device.current_cash() == Decimal(0)
