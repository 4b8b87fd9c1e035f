"""Validation before anything reaches a device: each bad input and its message."""

from dataclasses import replace
from decimal import Decimal

import pytest

from fiscal_device_lib.core import (
    Buyer,
    CashOperation,
    CodeKind,
    IdentType,
    Line,
    Operator,
    Payment,
    PaymentKind,
    Receipt,
    StornoReference,
    TextLine,
    ValidationError,
    validate_cash_operation,
    validate_receipt,
)
from fiscal_device_lib.core.validation import ean_is_valid

D = Decimal
CASH, CARD = PaymentKind.CASH, PaymentKind.CARD


def make_line(**changes) -> Line:
    return replace(
        Line(name="Tea", quantity=D("2"), unit_price=D("3.40"), vat_class="1"), **changes
    )


def make_receipt(*lines: Line, payments=None, **changes) -> Receipt:
    lines = list(lines) or [make_line()]
    total = sum((line.total for line in lines), D(0))
    receipt = Receipt(
        uuid="5b0f0d0e-1c7e-4b7a-9a51-2f1b8c0a9e01",
        lines=lines,
        payments=payments if payments is not None else [Payment(CASH, total)],
        operator=Operator("Aysel", 1),
    )
    return replace(receipt, **changes)


def problems_of(receipt: Receipt) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        validate_receipt(receipt)
    return caught.value.problems


def test_a_good_receipt_passes_unchanged():
    receipt = make_receipt()
    assert validate_receipt(receipt) is receipt
    assert receipt.total == D("6.80")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (make_line(name="  "), "line 3: name must not be empty"),
        (make_line(quantity=D("0")), "line 3: quantity must be greater than 0"),
        (make_line(quantity=D("-1")), "line 3: quantity must be greater than 0"),
        (make_line(quantity=D("1.0005")), "line 3: quantity has more than 3 decimals (1.0005)"),
        (make_line(unit_price=D("0")), "line 3: unit price must be greater than 0"),
        (make_line(unit_price=D("0.333")), "line 3: unit price has more than 2 decimals (0.333)"),
        (
            make_line(vat_class=None),
            "line 3: VAT class is missing (map the line's tax to a device VAT class)",
        ),
        (make_line(department=-1, vat_class=None), "line 3: department must not be negative"),
        (make_line(discount_amount=D("-1")), "line 3: discount amount must not be negative"),
        (
            make_line(discount_amount=D("0.005")),
            "line 3: discount amount has more than 2 decimals (0.005)",
        ),
        (make_line(discount_percent=D("101")), "line 3: discount percent must not exceed 100"),
        (
            make_line(discount_amount=D("1"), surcharge_percent=D("5")),
            "line 3: give either a discount or a surcharge, not both",
        ),
        (
            make_line(discount_amount=D("6.80")),
            "line 3: total after discount must be greater than 0 (it is 0.00)",
        ),
        (make_line(purchase_price=D("-0.01")), "line 3: purchase price must not be negative"),
        (
            make_line(code="4006381333932", code_kind=CodeKind.EAN13),
            "line 3: code '4006381333932' is not a valid EAN-13 barcode",
        ),
        (
            make_line(code="1234567", code_kind=CodeKind.EAN8),
            "line 3: code '1234567' is not a valid EAN-8 barcode",
        ),
        (make_line(marking_codes=["ok", " "]), "line 3: marking codes must not be empty"),
    ],
)
def test_bad_line_names_field_and_line(line, message):
    receipt = make_receipt(make_line(), make_line(), line)
    receipt.payments = [Payment(CASH, D("100"))]
    assert message in problems_of(receipt)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"uuid": ""}, "uuid must not be empty (it is what makes a retry safe)"),
        ({"uuid": "x" * 65}, "uuid must not be longer than 64 characters"),
        ({"operator": Operator("", 1)}, "operator: name must not be empty"),
        ({"operator": Operator("Aysel", 0)}, "operator: number must be greater than 0"),
        ({"lines": []}, "lines: a receipt needs at least one line"),
        ({"payments": []}, "payments: at least one payment is needed"),
        (
            {"payments": [Payment(CASH, D("6.80")), Payment(CARD, D("0"))]},
            "payment 2: amount must be greater than 0",
        ),
        (
            {"payments": [Payment(CARD, D("6.805"))]},
            "payment 1: amount has more than 2 decimals (6.805)",
        ),
        (
            {"storno": StornoReference()},
            "storno: the original document is not referenced "
            "(parent document id, or fiscal memory number and receipt number)",
        ),
        (
            {"storno": StornoReference(fiscal_memory_number="51300001", receipt_number=0)},
            "storno: receipt number must be greater than 0",
        ),
        (
            {"text_before_payment": [TextLine("Thanks"), TextLine("")]},
            "text before payment 2: text must not be empty",
        ),
        (
            {"text_after_payment": [TextLine(" ", barcode=True)]},
            "text after payment 1: text must not be empty",
        ),
    ],
)
def test_bad_receipt_field_has_its_message(changes, message):
    assert message in problems_of(make_receipt(**changes))


@pytest.mark.parametrize(
    ("buyer", "message"),
    [
        (
            Buyer(IdentType.BULSTAT, "", "Firma OOD", "ul. Vitosha 1", "Sofia"),
            "buyer: identification number must not be empty",
        ),
        (
            Buyer(IdentType.BULSTAT, "123456789", "Firma OOD", "", "Sofia"),
            "buyer: address must not be empty",
        ),
        (
            Buyer(IdentType.BULSTAT, "12345", "Firma OOD", "ul. Vitosha 1", "Sofia"),
            "buyer: BULSTAT must be 9 or 13 digits, not '12345'",
        ),
        (
            Buyer(IdentType.EGN, "75010A1234", "Ivan Ivanov", "ul. Rila 2", "Plovdiv"),
            "buyer: EGN must be 10 digits, not '75010A1234'",
        ),
    ],
)
def test_bad_buyer_is_named(buyer, message):
    assert message in problems_of(make_receipt(buyer=buyer))


def test_service_ident_has_no_digit_rule():
    buyer = Buyer(IdentType.SERVICE, "X-1", "Walk-in", "n/a", "Sofia")
    assert validate_receipt(make_receipt(buyer=buyer)).kind.value == "invoice"


def test_every_problem_is_reported_at_once():
    receipt = make_receipt(make_line(name=""), make_line(quantity=D("0")), operator=Operator("", 1))
    assert problems_of(receipt) == [
        "operator: name must not be empty",
        "line 1: name must not be empty",
        "line 2: quantity must be greater than 0",
    ]
    with pytest.raises(ValidationError, match="operator: name must not be empty; line 1"):
        validate_receipt(receipt)


def test_underpaid_receipt_is_refused():
    receipt = make_receipt(payments=[Payment(CARD, D("6.79"))])
    assert problems_of(receipt) == ["payments: 6.79 paid is less than the total 6.80"]


def test_cash_above_the_total_is_change():
    receipt = make_receipt(payments=[Payment(CARD, D("1.80")), Payment(CASH, D("10.00"))])
    validate_receipt(receipt)
    assert receipt.paid == D("11.80")
    assert receipt.change == D("5.00")


def test_only_cash_may_exceed_the_total():
    receipt = make_receipt(payments=[Payment(CARD, D("7.80"))])
    assert problems_of(receipt) == [
        "payments: 1.00 paid above the total 6.80, but only cash may exceed it (cash paid 0.00)"
    ]
    receipt = make_receipt(payments=[Payment(CASH, D("0.50")), Payment(CARD, D("7.00"))])
    assert problems_of(receipt) == [
        "payments: 0.70 paid above the total 6.80, but only cash may exceed it (cash paid 0.50)"
    ]


def test_totals_with_discounts_percentages_and_surcharges():
    lines = [
        make_line(quantity=D("3"), unit_price=D("0.33")),  # 0.99
        make_line(quantity=D("1"), unit_price=D("9.99"), discount_percent=D("15")),  # 9.99-1.50
        make_line(quantity=D("0.333"), unit_price=D("3.00"), surcharge_amount=D("0.01")),  # 1.01
        make_line(quantity=D("2"), unit_price=D("2.50"), line_total=D("4.99")),  # the ERP's total
    ]
    receipt = make_receipt(*lines, payments=[Payment(CASH, D("20"))])
    assert [line.total for line in lines] == [D("0.99"), D("8.49"), D("1.01"), D("4.99")]
    assert receipt.total == D("15.48")
    assert validate_receipt(receipt).change == D("4.52")


def test_amount_adjustment_wins_over_percent():
    line = make_line(surcharge_amount=D("0.50"), surcharge_percent=D("50"))
    assert line.adjustment == D("0.50")


def test_receipt_kind_follows_storno_and_buyer():
    buyer = Buyer(IdentType.BULSTAT, "123456789", "Firma OOD", "ul. Vitosha 1", "Sofia")
    storno = StornoReference(parent_document_id="EMnVW3qyEbUS")
    assert make_receipt().kind.value == "sale"
    assert make_receipt(buyer=buyer).kind.value == "invoice"
    assert make_receipt(storno=storno).kind.value == "storno"
    assert make_receipt(storno=storno, buyer=buyer).kind.value == "credit_note"


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (D("0"), "amount must not be zero (positive puts cash in, negative takes it out)"),
        (D("10.001"), "amount has more than 2 decimals (10.001)"),
    ],
)
def test_bad_cash_operation(amount, message):
    with pytest.raises(ValidationError) as caught:
        validate_cash_operation(CashOperation("u-1", amount, Operator("Aysel")))
    assert caught.value.problems == [message]


def test_cash_operation_direction():
    assert CashOperation("u", D("5"), Operator("A")).kind.value == "cash_in"
    assert CashOperation("u", D("-5"), Operator("A")).kind.value == "cash_out"


def test_ean_check_digit():
    assert ean_is_valid("4006381333931", 13)
    assert ean_is_valid("96385074", 8)
    assert not ean_is_valid("400638133393", 13)


def test_a_drivers_problems_follow_the_cores_each_once():
    receipt = make_receipt(operator=Operator("", 1))
    with pytest.raises(ValidationError) as caught:
        validate_receipt(
            receipt, ["operator: name must not be empty", "line 1: VAT class '4' is not valid"]
        )
    assert caught.value.problems == [
        "operator: name must not be empty",
        "line 1: VAT class '4' is not valid",
    ]
