"""Neutral receipts on Caspos: what becomes which field, and each message for what Caspos refuses."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from fiscal_device_lib.caspos.emulator.samples import emulated_device
from fiscal_device_lib.caspos.messages import Payments, PrepaymentRequest
from fiscal_device_lib.caspos.wire import money, quantity
from fiscal_device_lib.core import (
    BankInfo,
    CreditTerms,
    Customer,
    DocumentKind,
    IdentType,
    Line,
    Operator,
    Payment,
    PaymentKind,
    Receipt,
    StornoReference,
    UnsupportedOperation,
    ValidationError,
)
from fiscal_device_lib.core.documents import Buyer, CodeKind, TextLine
from fiscal_device_lib.core.jsonwire import dumps

CASHIER = Operator(name="Kassir Əliyev")


@pytest.fixture
def driver():
    with emulated_device(timeout=2.0) as (_server, driver):
        driver.open_shift(CASHIER)
        yield driver


def line(**changes: object) -> Line:
    values: dict = {
        "name": "Çay Azərçay",
        "quantity": Decimal("2"),
        "unit_price": Decimal("3.40"),
        "vat_class": "1",
        "unit": "0",
    }
    values.update(changes)
    return Line(**values)


def receipt(lines: list[Line] | None = None, payments: list[Payment] | None = None, **changes):
    lines = lines or [line()]
    total = sum((ln.total for ln in lines), Decimal(0))
    values: dict = {
        "uuid": "r-1",
        "lines": lines,
        "payments": payments or [Payment(PaymentKind.CASH, total)],
        "operator": CASHIER,
    }
    values.update(changes)
    return Receipt(**values)


def sent_items(result) -> list[dict]:
    return result.request["data"]["items"]


def test_numbers_are_written_exactly():
    assert dumps({"q": quantity("1.5"), "p": money("2"), "n": 3}) == '{"q":1.500,"p":2.00,"n":3}'
    assert dumps({"s": money("0.005")}) == '{"s":0.01}'  # half up, as the core rounds
    assert json.loads(dumps({"t": "Ə ş"})) == {"t": "Ə ş"} and "\\u" not in dumps("Ə")


def test_sale_lines_discounts_and_surcharges(driver):
    lines = [
        line(discount_amount=Decimal("0.80"), code="4006381333931", code_kind=CodeKind.EAN13),
        line(
            name="Kofe",
            quantity=Decimal("3"),
            unit_price=Decimal("1.00"),
            line_total=Decimal("3.10"),
        ),
        line(name="Ət", quantity=Decimal("0.755"), unit="1", discount_percent=Decimal("10")),
    ]
    result = driver.fiscalize(receipt(lines))
    items = sent_items(result)
    assert items[0]["discountAmount"] == Decimal("0.80") and items[0]["sum"] == Decimal("6.00")
    assert items[0]["codeType"] == 2 and items[0]["vatType"] == 1 and items[0]["quantityType"] == 0
    assert items[1]["salePrice"] == Decimal("1.03") and items[1]["sum"] == Decimal("3.10")
    assert "discountAmount" not in items[1]
    assert items[2]["quantityType"] == 1 and items[2]["sum"] == Decimal("2.31")
    assert result.total == Decimal("11.41") == receipt(lines).total
    assert result.kind is DocumentKind.SALE and not result.repeated


def test_card_bank_customer_note_and_storno(driver):
    sale = receipt(
        payments=[Payment(PaymentKind.CARD, Decimal("6.80"))],
        bank=BankInfo(rrn="420012558257", approval_code="537959"),
        customer=Customer(name="Müştəri", bonus_card_number="BC-1", earned_bonus=Decimal("0.3")),
        note="Təşəkkürlər",
        text_after_payment=[TextLine("www.example.az")],
    )
    result = driver.fiscalize(sale)
    data = result.request["data"]
    assert data["rrn"] == "420012558257" and data["cardPayment"] == Decimal("6.80")
    assert data["clientName"] == "Müştəri" and data["clientEarnedBonus"] == Decimal("0.30")
    assert data["note"] == "Təşəkkürlər\nwww.example.az"
    assert result.bank.rrn == "420012558257" and result.bank.approval_code == "537959"
    storno = receipt(
        uuid="r-2",
        payments=[Payment(PaymentKind.CASH, Decimal("10.00"))],
        storno=StornoReference(parent_document_id=result.document_id),
    )
    back = driver.fiscalize(storno)
    assert back.kind is DocumentKind.STORNO
    assert back.request["operation"] == "moneyBack"
    assert back.request["data"]["moneyBackType"] == 0
    assert back.request["data"]["cashPayment"] == Decimal("6.80")  # change is not refunded


def test_credit_sale_and_advance_pay_through_receipts(driver):
    credit = receipt(
        payments=[Payment(PaymentKind.CREDIT, Decimal("6.80"))],
        credit=CreditTerms(contract="A1", payer="Payer"),
    )
    data = driver.fiscalize(credit).request["data"]
    assert data["creditPayment"] == Decimal("6.80") and data["creditContract"] == "A1"
    advance = driver.prepayment(
        PrepaymentRequest(
            document_uuid="adv",
            cashier=CASHIER.name,
            total=Decimal("5"),
            payments=Payments(cash=Decimal(5)),
        )
    )
    pay = receipt(
        uuid="r-adv",
        payments=[
            Payment(PaymentKind.ADVANCE, Decimal("5")),
            Payment(PaymentKind.BONUS, Decimal("1.80")),
        ],
        prepayment_document_id=advance.document_id,
    )
    data = driver.fiscalize(pay).request["data"]
    assert data["depositPayment"] == Decimal("5.00") and data["bonusPayment"] == Decimal("1.80")
    assert data["prepaymentDocumentId"] == advance.document_id


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            receipt([line(vat_class="4")]),
            "line 1: VAT class '4' is not a Caspos vatType (1, 2, 3, 5, 6, 7)",
        ),
        (
            receipt([line(), line(unit="9")]),
            "line 2: unit '9' is not a Caspos quantityType (0, 1, 2, 3, 4, 5)",
        ),
        (receipt([line(name="Ə" * 256)]), "line 1: name is longer than 255 characters (256)"),
        (receipt([line(code="1" * 65)]), "line 1: code is longer than 64 characters (65)"),
        (
            receipt([line(marking_codes=["M" * 256])]),
            "line 1: marking code is longer than 255 characters (256)",
        ),
        (
            receipt([line(department=1)]),
            "line 1: department is not used by Caspos (give name and VAT class)",
        ),
        (
            receipt(operator=Operator(name="K" * 65)),
            "operator: name is longer than 64 characters (65)",
        ),
        (receipt(currency="EUR"), "currency: Caspos takes AZN only, not 'EUR'"),
        (
            receipt(payments=[Payment(PaymentKind.CHECK, Decimal("6.80"))]),
            "payment 1: 'check' is not a Caspos payment (cash, card, bonus, credit, advance)",
        ),
        (
            receipt(payments=[Payment(PaymentKind.ADVANCE, Decimal("6.80"))]),
            "prepayment document id is required to pay from an advance",
        ),
        (
            receipt(payments=[Payment(PaymentKind.CREDIT, Decimal("6.80"))]),
            "credit: contract is required for a sale on credit",
        ),
        (
            receipt(
                payments=[Payment(PaymentKind.CREDIT, Decimal("6.80"))],
                credit=CreditTerms(contract="C" * 65),
            ),
            "credit: contract is longer than 64 characters (65)",
        ),
        (
            receipt(
                payments=[Payment(PaymentKind.CREDIT, Decimal("6.80"))],
                credit=CreditTerms(contract="A", payer="P" * 129),
            ),
            "credit: payer is longer than 128 characters (129)",
        ),
        (
            receipt(
                payments=[Payment(PaymentKind.CARD, Decimal("6.80"))], bank=BankInfo(rrn="123")
            ),
            "bank: RRN must be 12 characters, not 3",
        ),
        (receipt(bank=BankInfo(rrn="123456789012")), "bank: an RRN needs a card payment"),
        (
            receipt(customer=Customer(bonus_card_number="B" * 65)),
            "customer: bonus card number is longer than 64 characters (65)",
        ),
        (
            receipt(storno=StornoReference(fiscal_memory_number="X", receipt_number=1)),
            "storno: parent document id (the sale's Caspos document_id) is required",
        ),
        (receipt(uuid=""), "uuid must not be empty (it is what makes a retry safe)"),
    ],
)
def test_caspos_limits_are_checked_before_sending(driver, document, message):
    with pytest.raises(ValidationError) as caught:
        driver.fiscalize(document)
    assert message in caught.value.problems
    assert driver.control_tape().documents == []


def test_invoices_are_not_a_caspos_document(driver):
    buyer = Buyer(IdentType.BULSTAT, "123456789", "Firma", "Adres", "Bakı")
    with pytest.raises(UnsupportedOperation):
        driver.fiscalize(receipt(buyer=buyer))
