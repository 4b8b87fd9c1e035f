"""Hostile values at each reading and checking step, one test per message they produce.

The whole-file path (``fiscal-device receipt`` on the corpus) is ``test_cli_hostile_receipts``;
these tests pin each message where it is made: ``to_decimal``, the codec, the validation, the
text rules and the file reader.
"""

from __future__ import annotations

import io
import sys
from dataclasses import replace
from decimal import Decimal

import pytest

from fiscal_device_lib import cli_support
from fiscal_device_lib.core import (
    Buyer,
    CashOperation,
    Customer,
    IdentType,
    Line,
    Operator,
    Payment,
    PaymentKind,
    Receipt,
    TextLine,
    ValidationError,
    receipt_from_dict,
    validate_cash_operation,
    validate_receipt,
)
from fiscal_device_lib.core.money import to_decimal
from fiscal_device_lib.core.text import printable, shown, unprintable, visible

D = Decimal


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2_0", "q must be written as a plain decimal number like 12.50, not '2_0'"),
        ("\u0662", "q must be written as a plain decimal number like 12.50, not '\u0662'"),
        ("1e400", "q must be written as a plain decimal number like 12.50, not '1e400'"),
        (" 1 000", "q must be a number, not ' 1 000'"),
        ("-Infinity", "q must be a finite number, not '-Infinity'"),
        (1e30, "q is too large (1E+30)"),
        (10**27, "q is too large (a number of 28 digits)"),
        pytest.param(10**5000, "q is too large (a number of about 5001 digits)", id="10**5000"),
        (D("1E+999999999"), "q is too large (1E+999999999)"),
        (D("1000000000000000"), "q is too large (1000000000000000)"),
        ("1." + "0" * 40, "q has too many digits (a number of 41 digits)"),
        ([1], "q must be a number, not a list"),
        ({"a": 1}, "q must be a number, not an object"),
    ],
)
def test_to_decimal_reads_only_plain_bounded_numbers(value, message):
    with pytest.raises(ValueError) as caught:
        to_decimal(value, "q")
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12.50", D("12.50")), (" 3 ", D("3")), ("+1", D("1")), (".5", D("0.5")), ("5.", D("5"))],
)
def test_to_decimal_still_reads_plain_notation(value, expected):
    assert to_decimal(value, "q") == expected
    assert to_decimal(D("999999999999999.99"), "q") == D("999999999999999.99")


GOOD = {
    "uuid": "u-1",
    "operator": {"name": "Kassir"},
    "lines": [{"name": "Çay", "quantity": "2", "unit_price": "3.40", "vat_class": "1"}],
    "payments": [{"kind": "cash", "amount": "10"}],
}


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"operator": {"name": "K", "number": "1_0"}}, "operator: number must be a whole number, not '1_0'"),
        ({"operator": {"name": "K", "number": "\u0663"}}, "operator: number must be a whole number, not '\u0663'"),
        ({"operator": {"name": "K", "number": 10**9}}, "operator: number is too large (at most 999999999)"),
        ({"operator": {"name": "K", "number": "9" * 30}}, "operator: number is too large (at most 999999999)"),
        ({"operator": {"name": "K", "number": D("9" * 50)}}, "operator: number is too large (at most 999999999)"),
        ({"operator": {"name": "K", "number": D("2.0")}}, "operator: number must be a whole number, not 2.0"),
        ({"storno": {"receipt_datetime": "\uff12\uff10\uff12\uff16-01-01T00:00:00"}}, "storno: receipt datetime must be a date-time like 2026-11-21T10:30:00"),
        ({"storno": {"receipt_datetime": 20260101}}, "storno: receipt datetime must be a date-time like 2026-11-21T10:30:00"),
        ({"\x1b[2J": 1}, "'\\x1b[2J': unknown field"),
        ({"x" * 41: 1}, "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…': unknown field"),
        ({"note": [[["deep"]]]}, "note must be text, not a list"),
        ({"payments": [{"kind": ["cash"], "amount": 1}]}, "payment 1: kind a list is not one of cash, card, bonus, credit, advance, check, coupon, ext_coupon, packaging, internal_service, damage, bank, nzok, reserve2"),
    ],
)  # fmt: skip
def test_codec_names_the_place_of_a_hostile_value(patch, message):
    with pytest.raises(ValidationError) as caught:
        receipt_from_dict({**GOOD, **patch})
    assert message in caught.value.problems


def line(**changes) -> Line:
    return replace(
        Line(name="Tea", quantity=D("2"), unit_price=D("3.40"), vat_class="1"), **changes
    )


def problems_of(*lines: Line, **changes) -> list[str]:
    lines = list(lines) or [line()]
    receipt = Receipt(
        uuid="u-1",
        lines=lines,
        payments=[Payment(PaymentKind.CASH, sum((item.total for item in lines), D(0)))],
        operator=Operator("Aysel", 1),
    )
    with pytest.raises(ValidationError) as caught:
        validate_receipt(replace(receipt, **changes))
    return caught.value.problems


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (line(quantity=D("1000000")), "line 1: quantity must not exceed 999999.999"),
        (line(unit_price=D("100000000000000")), "line 1: unit price must not exceed 99999999999999.99"),
        (line(discount_amount=D("100000000000000")), "line 1: discount amount must not exceed 99999999999999.99"),
        (line(surcharge_amount=D("100000000000000")), "line 1: surcharge amount must not exceed 99999999999999.99"),
        (line(line_total=D("100000000000000")), "line 1: line total must not exceed 99999999999999.99"),
        (line(purchase_price=D("100000000000000")), "line 1: purchase price must not exceed 99999999999999.99"),
        (line(surcharge_percent=D("100.01")), "line 1: surcharge percent must not exceed 100"),
        (line(quantity=D("999999"), unit_price=D("99999999999.99")), "line 1: total 99999899999990000.01 exceeds 99999999999999.99"),
        (line(name="Ça\ny"), "line 1: name contains an unprintable character (U+000A)"),
        (line(name="\u202eabc"), "line 1: name contains an unprintable character (U+202E)"),
        (line(name="\ud800"), "line 1: name contains an unprintable character (U+D800)"),
        (line(name="\u3164"), "line 1: name shows nothing (only invisible characters)"),
        (line(name="x" * 501), "line 1: name is longer than 500 characters (501)"),
        (line(marking_codes=["a", "b\x00"]), "line 1: marking code 2 contains an unprintable character (U+0000)"),
    ],
)  # fmt: skip
def test_line_bounds_and_printable_text(bad, message):
    assert message in problems_of(bad)


def test_document_total_bound():
    big = line(quantity=D("1"), unit_price=D("60000000000000.00"))
    receipt = Receipt(
        uuid="u",
        lines=[big, big],
        payments=[Payment(PaymentKind.CASH, D("99999999999999.99"))],
        operator=Operator("A"),
    )
    with pytest.raises(ValidationError) as caught:
        validate_receipt(receipt)
    assert caught.value.problems == [
        "lines: the receipt's total 120000000000000.00 exceeds 99999999999999.99"
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"payments": [Payment(PaymentKind.CASH, D("100000000000000"))]}, "payment 1: amount must not exceed 99999999999999.99"),
        ({"note": "n" * 501}, "note is longer than 500 characters (501)"),
        ({"note": "\x1b]0;x\x07"}, "note contains an unprintable character (U+001B)"),
        ({"uuid": "a\rb"}, "uuid contains an unprintable character (U+000D)"),
        ({"currency": "AZN\x00"}, "currency contains an unprintable character (U+0000)"),
        ({"operator": Operator("\u3164")}, "operator: name shows nothing (only invisible characters)"),
        ({"operator": Operator("K\u0085")}, "operator: name contains an unprintable character (U+0085)"),
        ({"text_after_payment": [TextLine("ok"), TextLine("\u2800")]}, "text after payment 2: text shows nothing (only invisible characters)"),
        ({"text_before_payment": [TextLine("a\u2028b")]}, "text before payment 1: text contains an unprintable character (U+2028)"),
        ({"customer": Customer(name="\x9b31m")}, "customer: name contains an unprintable character (U+009B)"),
        ({"buyer": Buyer(IdentType.SERVICE, "1", "\u200b", "addr", "city")}, "buyer: name shows nothing (only invisible characters)"),
        ({"buyer": Buyer(IdentType.SERVICE, "1", "N", "a\nb", "city")}, "buyer: address contains an unprintable character (U+000A)"),
    ],
)  # fmt: skip
def test_receipt_bounds_and_printable_text(changes, message):
    assert message in problems_of(**changes)


@pytest.mark.parametrize(
    ("operation", "message"),
    [
        (CashOperation("u", D("-100000000000000"), Operator("A")), "amount must not exceed 99999999999999.99 either way"),
        (CashOperation("u", D("5"), Operator("\u3164")), "operator: name shows nothing (only invisible characters)"),
        (CashOperation("u\n", D("5"), Operator("A")), "uuid contains an unprintable character (U+000A)"),
    ],
)  # fmt: skip
def test_cash_operation_bounds_and_text(operation, message):
    with pytest.raises(ValidationError) as caught:
        validate_cash_operation(operation)
    assert message in caught.value.problems


def test_text_rules():
    assert unprintable("Çay Azərçay 100 g") is None
    assert unprintable("Хляб ръжен") is None
    assert unprintable("a\tb") == "\t"
    assert visible("Ç") and visible("  x ")
    assert not visible("\u200b\u3164 \u0301")
    assert printable("a\x1b[2Jb\ud800") == "a\\x1b[2Jb\\ud800"
    assert shown("x" * 100) == "'" + "x" * 35 + "…'"


# -- the file reader ---------------------------------------------------------------------------


def test_a_receipt_file_larger_than_the_bound_is_not_read(tmp_path):
    path = tmp_path / "big.json"
    path.write_bytes(b" " * (cli_support.MAX_DOCUMENT_BYTES + 1))
    with pytest.raises(ValidationError) as caught:
        cli_support.load_receipt(str(path))
    assert caught.value.problems == [f"{path}: larger than 4000000 bytes"]


def test_a_path_through_a_file_cannot_be_read(tmp_path):
    (tmp_path / "file").write_text("{}")
    path = str(tmp_path / "file" / "receipt.json")
    with pytest.raises(ValidationError) as caught:
        cli_support.load_receipt(path)
    assert caught.value.problems == [f"{path}: cannot be read (Not a directory)"]


def test_a_utf8_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(
        b"\xef\xbb\xbf" + b'{"uuid": "u", "operator": {"name": "K"}, "lines": [], "payments": []}'
    )
    assert cli_support.load_receipt(str(path)).uuid == "u"


def test_standard_input_is_named_in_messages(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"a": 1, "a": 2}')))
    with pytest.raises(ValidationError) as caught:
        cli_support.load_receipt("-")
    assert caught.value.problems == ["standard input: duplicate key 'a'"]


def test_an_inline_argument_with_undecodable_bytes_is_refused():
    with pytest.raises(ValidationError) as caught:
        cli_support.load_json_argument('{"a": "\udcff"}', "data")
    assert caught.value.problems == ["data: not UTF-8 text (byte 7)"]


def test_standard_input_given_as_text_is_read_too(monkeypatch):
    monkeypatch.setattr(
        sys,
        "stdin",
        io.StringIO('{"uuid": "u", "operator": {"name": "K"}, "lines": [], "payments": []}'),
    )
    assert cli_support.load_receipt("-").uuid == "u"
