"""Neutral receipts to Caspos requests, and the Caspos limits a receipt must respect first.

Every problem names its field and line, so the cashier sees what to fix before anything is sent.
"""

from __future__ import annotations

from ..core.documents import CodeKind, Line, PaymentKind, Receipt
from ..core.money import fit_unit_price
from .messages import Client, Item, MoneyBackRequest, Payments, SaleRequest
from .wire import (
    MAX_BONUS_CARD_LENGTH,
    MAX_CASHIER_LENGTH,
    MAX_CONTRACT_LENGTH,
    MAX_ITEM_CODE_LENGTH,
    MAX_ITEM_NAME_LENGTH,
    MAX_MARKING_CODE_LENGTH,
    MAX_PAYER_LENGTH,
    RRN_LENGTH,
    CodeType,
    MoneyBackType,
    QuantityType,
    VatType,
)

CODE_TYPES = {
    CodeKind.PLAIN: CodeType.PLAIN,
    CodeKind.EAN8: CodeType.EAN8,
    CodeKind.EAN13: CodeType.EAN13,
    CodeKind.SERVICE: CodeType.SERVICE,
}
# neutral payment kind -> Payments field
PAYMENT_FIELDS = {
    PaymentKind.CASH: "cash",
    PaymentKind.CARD: "card",
    PaymentKind.BONUS: "bonus",
    PaymentKind.CREDIT: "credit",
    PaymentKind.ADVANCE: "deposit",
}
VAT_TYPES = ", ".join(str(int(v)) for v in VatType)
QUANTITY_TYPES = ", ".join(str(int(q)) for q in QuantityType)


def too_long(where: str, label: str, value: str, longest: int) -> list[str]:
    if len(value) > longest:
        return [f"{where}{label} is longer than {longest} characters ({len(value)})"]
    return []


def line_problems(line: Line, where: str) -> list[str]:
    problems: list[str] = []
    if line.vat_class not in {str(int(v)) for v in VatType}:
        problems.append(
            f"{where}VAT class {line.vat_class!r} is not a Caspos vatType ({VAT_TYPES})"
        )
    if line.unit is not None and line.unit not in {str(int(q)) for q in QuantityType}:
        problems.append(
            f"{where}unit {line.unit!r} is not a Caspos quantityType ({QUANTITY_TYPES})"
        )
    if line.department is not None:
        problems.append(f"{where}department is not used by Caspos (give name and VAT class)")
    problems += too_long(where, "name", line.name, MAX_ITEM_NAME_LENGTH)
    problems += too_long(where, "code", line.code, MAX_ITEM_CODE_LENGTH)
    for marking in line.marking_codes:
        problems += too_long(where, "marking code", marking, MAX_MARKING_CODE_LENGTH)
    return problems


def caspos_problems(receipt: Receipt, currency: str) -> list[str]:
    """What Caspos would refuse in a receipt the core finds valid."""
    problems = too_long("operator: ", "name", receipt.operator.name, MAX_CASHIER_LENGTH)
    if receipt.buyer is not None:
        problems.append(
            "buyer: Caspos has no invoice with the buyer's identity (leave buyer out: "
            "a Caspos receipt names no buyer)"
        )
    if receipt.currency and receipt.currency != currency:
        problems.append(f"currency: Caspos takes {currency} only, not {receipt.currency!r}")
    for index, line in enumerate(receipt.lines, start=1):
        problems += line_problems(line, f"line {index}: ")
    for index, payment in enumerate(receipt.payments, start=1):
        if payment.kind not in PAYMENT_FIELDS:
            kinds = ", ".join(kind.value for kind in PAYMENT_FIELDS)
            problems.append(
                f"payment {index}: {payment.kind.value!r} is not a Caspos payment ({kinds})"
            )
    if receipt.amount_by_kind(PaymentKind.ADVANCE) and not receipt.prepayment_document_id:
        problems.append("prepayment document id is required to pay from an advance")
    problems += credit_problems(receipt)
    if receipt.bank is not None and receipt.bank.rrn:
        if len(receipt.bank.rrn) != RRN_LENGTH:
            problems.append(
                f"bank: RRN must be {RRN_LENGTH} characters, not {len(receipt.bank.rrn)}"
            )
        if not receipt.amount_by_kind(PaymentKind.CARD):
            problems.append("bank: an RRN needs a card payment")
    if receipt.customer is not None:
        card = receipt.customer.bonus_card_number
        problems += too_long("customer: ", "bonus card number", card, MAX_BONUS_CARD_LENGTH)
    if receipt.storno is not None and not receipt.storno.parent_document_id:
        problems.append("storno: parent document id (the sale's Caspos document_id) is required")
    return problems


def credit_problems(receipt: Receipt) -> list[str]:
    if not receipt.amount_by_kind(PaymentKind.CREDIT):
        return []
    credit = receipt.credit
    if credit is None or not credit.contract.strip():
        return ["credit: contract is required for a sale on credit"]
    return too_long("credit: ", "contract", credit.contract, MAX_CONTRACT_LENGTH) + too_long(
        "credit: ", "payer", credit.payer, MAX_PAYER_LENGTH
    )


def line_item(line: Line) -> Item:
    """One line; ``sum`` always carries the core's line total so the device cannot round apart."""
    total = line.total
    adjustment = line.adjustment
    if line.line_total is None and adjustment <= 0:
        sale_price, discount = line.unit_price, (-adjustment or None)
    else:
        # surcharges and ERP totals: a unit price that fits, the total fixed by ``sum``
        sale_price, discount = fit_unit_price(line.quantity, total)[0], None
    return Item(
        name=line.name,
        quantity=line.quantity,
        sale_price=sale_price,
        vat_type=int(line.vat_class or 0),
        quantity_type=int(line.unit or QuantityType.PIECE),
        code=line.code,
        code_type=CODE_TYPES[line.code_kind],
        total=total,
        discount_amount=discount,
        purchase_price=line.purchase_price,
        item_uuid=line.item_uuid,
        parent_item_uuid=line.parent_item_uuid,
        marking_codes=list(line.marking_codes),
    )


def receipt_payments(receipt: Receipt, without_change: bool = False) -> Payments:
    amounts = {name: receipt.amount_by_kind(kind) for kind, name in PAYMENT_FIELDS.items()}
    if without_change:
        amounts["cash"] -= receipt.change  # a refund hands back exactly its total
    return Payments(**amounts)


def receipt_client(receipt: Receipt) -> Client | None:
    customer = receipt.customer
    if customer is None:
        return None
    return Client(
        name=customer.name,
        bonus_card_number=customer.bonus_card_number,
        total_bonus=customer.total_bonus,
        earned_bonus=customer.earned_bonus,
    )


def receipt_note(receipt: Receipt) -> str:
    """Caspos prints one note at the end: the receipt's note, then its free text lines."""
    texts = [receipt.note] + [t.text for t in receipt.text_before_payment]
    texts += [t.text for t in receipt.text_after_payment]
    return "\n".join(text for text in texts if text.strip())


def common_fields(receipt: Receipt, currency: str) -> dict:
    return {
        "document_uuid": receipt.uuid,
        "cashier": receipt.operator.name,
        "client": receipt_client(receipt),
        "bank": receipt.bank,
        "note": receipt_note(receipt),
        "currency": receipt.currency or currency,
        "items": [line_item(line) for line in receipt.lines],
    }


def sale_request(receipt: Receipt, currency: str) -> SaleRequest:
    credit = receipt.credit
    return SaleRequest(
        **common_fields(receipt, currency),
        payments=receipt_payments(receipt),
        prepayment_document_id=receipt.prepayment_document_id,
        credit_contract=credit.contract if credit else "",
        credit_payer=credit.payer if credit else "",
    )


def money_back_request(receipt: Receipt, currency: str) -> MoneyBackRequest:
    assert receipt.storno is not None
    return MoneyBackRequest(
        **common_fields(receipt, currency),
        payments=receipt_payments(receipt, without_change=True),
        parent_document_id=receipt.storno.parent_document_id,
        money_back_type=MoneyBackType.SALE,
    )
