"""The neutral receipt JSON format: strict decoding with messages naming the place."""

from decimal import Decimal

import pytest

from fiscal_device_lib.core import (
    PaymentKind,
    StornoReason,
    ValidationError,
    cash_operation_from_dict,
    receipt_from_dict,
    to_jsonable,
)

GOOD = {
    "uuid": "9f1c",
    "operator": {"name": "Aysel Məmmədova", "number": 2},
    "lines": [
        {"name": "Çay", "quantity": "2", "unit_price": "3.40", "vat_class": "1"},
        {"name": "Şəkər", "quantity": 0.5, "unit_price": 1.9, "vat_class": "1", "unit": "1"},
    ],
    "payments": [{"kind": "cash", "amount": "10"}],
    "text_after_payment": ["Təşəkkür edirik", {"text": "123456", "barcode": True}],
    "storno": {
        "reason": "wrong_price",
        "fiscal_memory_number": "51300001",
        "receipt_number": 326,
        "receipt_datetime": "2021-04-07T19:09:42",
    },
}


def test_good_receipt_decodes_exactly():
    receipt = receipt_from_dict(GOOD)
    assert receipt.operator.name == "Aysel Məmmədova"
    assert receipt.lines[1].quantity == Decimal("0.5")
    assert receipt.lines[1].unit_price == Decimal("1.9")  # no float noise
    assert receipt.payments[0].kind is PaymentKind.CASH
    assert receipt.text_after_payment[1].barcode is True
    assert receipt.storno.reason is StornoReason.WRONG_PRICE
    assert receipt.storno.receipt_datetime.hour == 19
    assert receipt.total == Decimal("7.75")


def test_round_trip_through_jsonable():
    receipt = receipt_from_dict(GOOD)
    assert receipt_from_dict(to_jsonable(receipt)) == receipt


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"lines": [{"name": "x", "quantity": "a", "unit_price": 1}]}, "line 1: quantity must be a number, not 'a'"),
        ({"lines": [{"name": "x", "quantity": 1}]}, "line 1: unit price is required"),
        ({"lines": [{"name": "x", "quantity": 1, "unit_price": 1, "qty": 2}]}, "line 1: qty: unknown field"),
        ({"lines": "all"}, "lines must be a list"),
        ({"payments": [{"kind": "bitcoin", "amount": 1}]}, "payment 1: kind 'bitcoin' is not one of cash, card, bonus, credit, advance, check, coupon, ext_coupon, packaging, internal_service, damage, bank, nzok, reserve2"),
        ({"operator": {"name": "A", "number": "one"}}, "operator: number must be a whole number, not 'one'"),
        ({"operator": "Aysel"}, "operator must be an object"),
        ({"storno": {"receipt_datetime": "yesterday"}}, "storno: receipt datetime must be a date-time like 2026-11-21T10:30:00"),
        ({"text_after_payment": [{"text": "x", "barcode": "yes"}]}, "text after payment 1: barcode must be true or false, not 'yes'"),
        ({"note": 5}, "note must be text, not 5"),
        ({"colour": "red"}, "colour: unknown field"),
    ],
)  # fmt: skip
def test_bad_json_receipt_names_the_place(patch, message):
    with pytest.raises(ValidationError) as caught:
        receipt_from_dict({**GOOD, **patch})
    assert message in caught.value.problems


def test_missing_required_fields_are_all_listed():
    with pytest.raises(ValidationError) as caught:
        receipt_from_dict({})
    assert caught.value.problems == [
        "uuid is required",
        "lines is required",
        "payments is required",
        "operator is required",
    ]


def test_document_must_be_an_object():
    with pytest.raises(ValidationError, match="document must be an object"):
        receipt_from_dict([1])


def test_cash_operation_decodes():
    operation = cash_operation_from_dict({"uuid": "c1", "amount": "-30", "operator": {"name": "A"}})
    assert operation.kind.value == "cash_out"
