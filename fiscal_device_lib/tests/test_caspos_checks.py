"""``CasposDriver.problems``: the messages the hostile-receipt corpus does not reach, the one
list ``fiscalize`` refuses with, and the emulator refusing what slips past a careless client."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from fiscal_device_lib.caspos.emulator.samples import emulated_device, simple_sale
from fiscal_device_lib.caspos.errors import NotACasposDocument
from fiscal_device_lib.caspos.messages import Item
from fiscal_device_lib.caspos.wire import MAX_ITEMS
from fiscal_device_lib.core import (
    BankInfo,
    CreditTerms,
    Customer,
    DeviceRejected,
    Line,
    Operator,
    Payment,
    PaymentKind,
    Receipt,
    UnsupportedOperation,
    ValidationError,
)
from fiscal_device_lib.core.documents import Buyer, IdentType

CASHIER = Operator(name="Kassir")


@pytest.fixture
def device():
    with emulated_device(timeout=5.0) as (server, driver):
        driver.open_shift(CASHIER)
        yield server, driver


def receipt(line_changes: dict | None = None, **changes) -> Receipt:
    values: dict = {"name": "Çay", "quantity": Decimal(1), "unit_price": Decimal(3)}
    values.update({"vat_class": "1", "unit": "0", **(line_changes or {})})
    fields: dict = {
        "uuid": str(uuid.uuid4()),
        "lines": [Line(**values)],
        "payments": [Payment(PaymentKind.CASH, Decimal(3))],
        "operator": CASHIER,
    }
    fields.update(changes)
    return Receipt(**fields)


CARD = [Payment(PaymentKind.CARD, Decimal(3))]
CREDIT = [Payment(PaymentKind.CREDIT, Decimal(3))]


@pytest.mark.parametrize(
    ("made", "message"),
    [
        (
            receipt({"parent_item_uuid": "p" * 65}),
            "line 1: parent item uuid is longer than 64 characters (65)",
        ),
        (
            receipt({"purchase_price": Decimal("1e9")}),
            "line 1: purchase price 1E+9 is above the Caspos limit of 99999999.99",
        ),
        (
            receipt({"discount_percent": Decimal(101)}),
            "line 1: discount percent 101 is above the Caspos limit of 100",
        ),
        (
            receipt(customer=Customer(total_bonus=Decimal("1e9"))),
            "customer: total bonus 1E+9 is above the Caspos limit of 99999999.99",
        ),
        (
            receipt(customer=Customer(earned_bonus=Decimal("1e9"))),
            "customer: earned bonus 1E+9 is above the Caspos limit of 99999999.99",
        ),
        (
            receipt(customer=Customer(name="N" * 129)),
            "customer: name is longer than 128 characters (129)",
        ),
        (
            receipt(payments=CARD, bank=BankInfo(transaction_id="t" * 65)),
            "bank: transaction id is longer than 64 characters (65)",
        ),
        (
            receipt(payments=CARD, bank=BankInfo(approval_code="A\r1")),
            "bank: approval code contains a control character (U+000D)",
        ),
        (
            receipt(payments=CARD, bank=BankInfo(transaction_number="n" * 65)),
            "bank: transaction number is longer than 64 characters (65)",
        ),
        (
            receipt(payments=CREDIT, credit=CreditTerms(contract="K\n1")),
            "credit: contract contains a control character (U+000A)",
        ),
        (
            receipt(payments=CREDIT, credit=CreditTerms(contract="K-1", payer="P" * 129)),
            "credit: payer is longer than 128 characters (129)",
        ),
        (
            receipt({"item_uuid": "\x00"}),
            "line 1: item uuid contains a control character (U+0000)",
        ),
    ],
)
def test_each_caspos_limit_names_its_place(device, made, message):
    _server, driver = device
    assert any(problem.startswith(message) for problem in driver.problems(made))
    with pytest.raises(ValidationError) as caught:
        driver.fiscalize(made)
    assert caught.value.problems == driver.problems(made)


def test_a_number_past_decimal_precision_is_named_not_raised(device):
    _server, driver = device
    made = receipt({"quantity": Decimal("1e40"), "unit_price": Decimal("1e40")})
    assert driver.problems(made)[:2] == [
        "line 1: quantity 1E+40 is above the Caspos limit of 999999.999",
        "line 1: unit price 1E+40 is above the Caspos limit of 99999999.99",
    ]


def test_a_valid_receipt_has_no_problems_and_goes(device):
    _server, driver = device
    made = receipt(
        {"marking_codes": ["01046\x1d21ABC"]},  # GS1 separators belong in marking codes
        note="Sağ olun",
    )
    assert driver.problems(made) == []
    assert driver.fiscalize(made).document_id


def test_a_buyer_is_a_validation_problem_and_an_unsupported_operation(device):
    _server, driver = device
    buyer = Buyer(IdentType.BULSTAT, "123456789", "Firma", "Adres", "Bakı")
    with pytest.raises(NotACasposDocument) as caught:
        driver.fiscalize(receipt(buyer=buyer))
    assert isinstance(caught.value, ValidationError | UnsupportedOperation)
    assert caught.value.problems[0].startswith("buyer: Caspos has no invoice")


def long_sale(data: dict) -> None:
    data["items"] = data["items"] * (MAX_ITEMS + 1)


@pytest.mark.parametrize(
    ("spoil", "code"),
    [
        (lambda data: data["items"][0].update(name="Çay\x1b"), 1206),
        (long_sale, 620),
        (lambda data: data["items"][0].update(quantity=Decimal("1000000.000")), 614),
        (lambda data: data.update(cashPayment=Decimal("1e40")), 1010),
    ],
)
def test_the_emulator_refuses_what_a_careless_client_sends(device, spoil, code):
    server, driver = device
    data = simple_sale(str(uuid.uuid4())).to_data()
    spoil(data)
    with pytest.raises(DeviceRejected) as caught:
        driver.call("sale", data)
    assert caught.value.code == code
    assert server.memory.state["shift"]["documents"] == []


def test_item_is_still_the_wire_shape():
    assert Item(name="Çay", quantity=Decimal(1), sale_price=Decimal(3)).to_data()["vatType"] == 1
