"""N5Driver.problems: the core's checks, every N5 limit and every field the N5 cannot carry,
each refused with a message naming its place, before anything reaches the device."""

from decimal import Decimal

import pytest

from fiscal_device_lib.core.documents import (
    BankInfo,
    CreditTerms,
    Customer,
    Payment,
    PaymentKind,
    TextLine,
)
from fiscal_device_lib.core.errors import ValidationError
from fiscal_device_lib.mypos_n5 import N5Emulator, connect
from fiscal_device_lib.mypos_n5.emulator import samples


@pytest.fixture(scope="module")
def emulator():
    with N5Emulator() as running:
        yield running


@pytest.fixture(scope="module")
def device(emulator):
    with connect(port=emulator.port, timeout=2.0) as driver:
        yield driver


def _line(attribute, value):
    return lambda r: setattr(r.lines[0], attribute, value)


def _big_line(line):
    line.quantity, line.unit_price = Decimal("9999999"), Decimal("9999999999.99")
    return line


CASES = [
    (_line("name", "Хляб\x00"), "line 1: name contains control characters (U+0000)"),
    (_line("name", "Хляб\nи мляко"), "line 1: name contains control characters (U+000A)"),
    (_line("name", "\x1b[1mBold"), "line 1: name contains control characters (U+001B)"),
    (_line("name", "\u200b\u200b"), "line 1: name holds only invisible characters"),
    (_line("name", "A\ud800"), "line 1: name contains control characters (U+D800)"),
    (_line("name", "line\u2028break"), "line 1: name contains control characters (U+2028)"),
    (_line("vat_class", "Б"), "line 1: the N5 takes the Latin letter B for group Б"),
    (_line("vat_class", "I"), "line 1: VAT class 'I' is not an N5 VAT group (A–H)"),
    (_line("department", 101), "line 1: department 101 is not an N5 department (0–100)"),
    (_line("quantity", Decimal("1E+30")), "line 1: quantity is beyond what the N5 registers"),
    (_line("quantity", Decimal("10000000")), "line 1: quantity is beyond what the N5 registers"),
    (_line("unit_price", Decimal("1E+27")), "line 1: unit price is beyond what the N5 registers"),
    (_line("unit", "0"), "line 1: unit (a Caspos quantity type): the N5 has no such field"),
    (_line("purchase_price", Decimal(1)), "line 1: purchase price: the N5 has no such field"),
    (_line("marking_codes", ["0104"]), "line 1: marking codes: the N5 has no such field"),
    (
        lambda r: setattr(r, "lines", [_big_line(r.lines[0])]),
        "line 1: line total is beyond what the N5 registers",
    ),
    (
        lambda r: setattr(r.text_before_payment[0], "text", "Благодарим\r\n"),
        "text before payment 1: text contains control characters (U+000A, U+000D)",
    ),
    (
        lambda r: setattr(r.text_after_payment[1], "text", "12345ЯЯ"),
        "text after payment 2: an EAN128 barcode holds printable ASCII only",
    ),
    (
        lambda r: setattr(r.text_after_payment[0], "text", "\u00a0\u200d"),
        "text after payment 1: text holds only invisible characters",
    ),
    (lambda r: setattr(r, "operator", type(r.operator)("Оп\t1", 1)), "operator: name contains"),
    (lambda r: setattr(r, "operator", type(r.operator)("Оп", 2**31)), "operator: number must be"),
    (lambda r: setattr(r, "note", "INV/2026/0001"), "note: the N5 prints no document note"),
    (lambda r: setattr(r, "currency", "USD"), "currency: the N5 registers EUR only"),
    (lambda r: setattr(r, "customer", Customer(name="x")), "customer: the N5 has no loyalty"),
    (lambda r: setattr(r, "bank", BankInfo(rrn="1")), "bank: the N5 takes no card transaction"),
    (lambda r: setattr(r, "credit", CreditTerms(contract="1")), "credit: the N5 has no credit"),
    (lambda r: setattr(r, "prepayment_document_id", "x"), "prepayment document: the N5 has no"),
    (
        lambda r: setattr(r.payments[0], "kind", PaymentKind.ADVANCE),
        "payment 1: 'advance' is not an N5 payment medium",
    ),
    (
        lambda r: setattr(r.payments[0], "kind", PaymentKind.CREDIT),
        "payment 1: 'credit' is not an N5 payment medium",
    ),
    (
        lambda r: setattr(
            r,
            "payments",
            [Payment(PaymentKind.CARD, Decimal(1)), Payment(PaymentKind.CARD, r.total)],
        ),
        "payments: the N5 takes one card payment per receipt",
    ),
    (
        lambda r: setattr(r.payments[0], "amount", Decimal("1E+20")),
        "payment 1: amount is too large",
    ),
]


@pytest.mark.parametrize(("change", "problem"), CASES)
def test_problems_name_the_place_and_nothing_is_sent(device, emulator, change, problem):
    receipt = samples.sale()
    change(receipt)
    problems = device.problems(receipt)
    assert any(p.startswith(problem) for p in problems), problems
    sent_before = len(emulator.requests)
    with pytest.raises(ValidationError) as caught:
        device.fiscalize(receipt)
    assert caught.value.problems == problems
    assert len(emulator.requests) == sent_before


def test_a_good_receipt_has_no_problems(device):
    receipt = samples.sale(3)
    receipt.currency = "EUR"
    receipt.text_before_payment.append(TextLine("Ünïcödé, кирилица, €"))
    assert device.problems(receipt) == []


def test_the_devices_currency_comes_from_its_settings(emulator):
    receipt = samples.sale()
    receipt.currency = "BGN"
    with connect(port=emulator.port, currency="BGN") as old_device:
        assert old_device.problems(receipt) == []
    with connect(port=emulator.port) as device:
        assert device.problems(receipt) == [
            "currency: the N5 registers EUR only, this receipt is in BGN"
        ]
