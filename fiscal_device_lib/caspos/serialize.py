"""Neutral receipts to Caspos requests, and every Caspos limit a receipt must respect first.

``caspos_problems`` is the device half of ``CasposDriver.problems``: lengths, printable text
(error 1206), codes, number bounds, and every neutral field a Caspos document cannot carry
(refused, never dropped). Every problem names its field and line, so the cashier sees what to
fix before anything is sent.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from ..core.documents import CodeKind, Line, PaymentKind, Receipt
from ..core.money import fit_unit_price
from ..core.validation import line_amounts
from .messages import Client, Item, MoneyBackRequest, Payments, SaleRequest
from .wire import (
    DOCUMENT_ID_LENGTH,
    MAX_AMOUNT,
    MAX_BANK_FIELD_LENGTH,
    MAX_BONUS_CARD_LENGTH,
    MAX_CASHIER_LENGTH,
    MAX_CLIENT_NAME_LENGTH,
    MAX_CONTRACT_LENGTH,
    MAX_ITEM_CODE_LENGTH,
    MAX_ITEM_NAME_LENGTH,
    MAX_ITEM_UUID_LENGTH,
    MAX_ITEMS,
    MAX_MARKING_CODE_LENGTH,
    MAX_NOTE_LENGTH,
    MAX_PAYER_LENGTH,
    MAX_PERCENT,
    MAX_QUANTITY,
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


def printable_problems(where: str, label: str, value: str) -> list[str]:
    """Text the device prints: no control characters (error 1206), no lone surrogates."""
    for character in value:
        category = unicodedata.category(character)
        if category == "Cc":
            return [
                f"{where}{label} contains a control character (U+{ord(character):04X}) that "
                "Caspos refuses (device error 1206)"
            ]
        if category == "Cs":
            return [f"{where}{label} contains U+{ord(character):04X}, which is not a character"]
    return []


def has_visible_character(value: str) -> bool:
    return any(unicodedata.category(character)[0] in "LNPS" for character in value)


def text_problems(where: str, label: str, value: str, longest: int) -> list[str]:
    """Length and printability of one printed text field."""
    return too_long(where, label, value, longest) + printable_problems(where, label, value)


def above(where: str, label: str, value: Decimal | None, limit: Decimal) -> list[str]:
    if value is not None and abs(value) > limit:
        shown = str(value) if len(str(value)) <= 30 else f"{value:.3E}"
        return [f"{where}{label} {shown} is above the Caspos limit of {limit}"]
    return []


def number_problems(receipt: Receipt) -> list[str]:
    """Numbers beyond what the device takes, found by comparison only: nothing here rounds or
    multiplies, so a number past ``Decimal``'s precision is named instead of raising."""
    problems: list[str] = []
    for index, line in enumerate(receipt.lines, start=1):
        where = f"line {index}: "
        problems += above(where, "quantity", line.quantity, MAX_QUANTITY)
        for label, value in line_amounts(line):
            problems += above(where, label, value, MAX_AMOUNT)
        problems += above(where, "discount percent", line.discount_percent, MAX_PERCENT)
        problems += above(where, "surcharge percent", line.surcharge_percent, MAX_PERCENT)
    for index, payment in enumerate(receipt.payments, start=1):
        problems += above(f"payment {index}: ", "amount", payment.amount, MAX_AMOUNT)
    if receipt.customer is not None:
        problems += above("customer: ", "total bonus", receipt.customer.total_bonus, MAX_AMOUNT)
        problems += above("customer: ", "earned bonus", receipt.customer.earned_bonus, MAX_AMOUNT)
    return problems


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
    problems += text_problems(where, "name", line.name, MAX_ITEM_NAME_LENGTH)
    if line.name.strip() and not has_visible_character(line.name):
        problems.append(f"{where}name has no visible character")
    problems += text_problems(where, "code", line.code, MAX_ITEM_CODE_LENGTH)
    # GS1 marking codes carry the GS separator (U+001D): their length is checked, not their text
    for marking in line.marking_codes:
        problems += too_long(where, "marking code", marking, MAX_MARKING_CODE_LENGTH)
    problems += text_problems(where, "item uuid", line.item_uuid, MAX_ITEM_UUID_LENGTH)
    problems += text_problems(
        where, "parent item uuid", line.parent_item_uuid, MAX_ITEM_UUID_LENGTH
    )
    if not problems and line.total > MAX_AMOUNT:
        problems.append(f"{where}total {line.total} is above the Caspos limit of {MAX_AMOUNT}")
    return problems


def document_id_problems(where: str, label: str, document_id: str) -> list[str]:
    """A Caspos ``document_id`` (a parent, an advance): 44 characters (error 615)."""
    if document_id and len(document_id) != DOCUMENT_ID_LENGTH:
        return [
            f"{where}{label} must be {DOCUMENT_ID_LENGTH} characters (a Caspos document_id), "
            f"not {len(document_id)}"
        ]
    return printable_problems(where, label, document_id)


def uncarried_problems(receipt: Receipt) -> list[str]:
    """Neutral fields a Caspos document has no place for: refused, never silently dropped."""
    problems: list[str] = []
    if receipt.buyer is not None:
        problems.append(
            "buyer: Caspos has no invoice with the buyer's identity (leave buyer out: "
            "a Caspos receipt names no buyer)"
        )
    storno = receipt.storno
    if storno is not None:
        # an ERP keeps both devices' references of a sale; Caspos reads its parent id only
        if receipt.credit is not None:
            problems.append("credit: a Caspos refund (moneyBack) carries no credit terms")
        if receipt.prepayment_document_id:
            problems.append(
                "prepayment document id: a Caspos refund (moneyBack) draws on no advance"
            )
    for label, texts in (
        ("text before payment", receipt.text_before_payment),
        ("text after payment", receipt.text_after_payment),
    ):
        for index, text in enumerate(texts, start=1):
            if text.barcode:
                problems.append(
                    f"{label} {index}: Caspos prints text only, not a barcode "
                    "(set barcode to false)"
                )
    return problems


def caspos_problems(receipt: Receipt, currency: str) -> list[str]:
    """What Caspos would refuse in a receipt; safe on any receipt the codec builds (numbers
    past the bounds are named before anything adds them up)."""
    bounds = number_problems(receipt)
    problems = text_problems("operator: ", "name", receipt.operator.name, MAX_CASHIER_LENGTH)
    problems += uncarried_problems(receipt)
    if receipt.currency and receipt.currency != currency:
        problems.append(f"currency: Caspos takes {currency} only, not {receipt.currency!r}")
    if len(receipt.lines) > MAX_ITEMS:
        problems.append(f"lines: Caspos takes at most {MAX_ITEMS} lines ({len(receipt.lines)})")
    if bounds:  # totals of such numbers cannot be computed, let alone printed
        return bounds + problems
    for index, line in enumerate(receipt.lines, start=1):
        problems += line_problems(line, f"line {index}: ")
    if not any(problem.startswith("line ") for problem in problems):
        problems += above("", "receipt total", receipt.total, MAX_AMOUNT)
    for index, payment in enumerate(receipt.payments, start=1):
        if payment.kind not in PAYMENT_FIELDS:
            kinds = ", ".join(kind.value for kind in PAYMENT_FIELDS)
            problems.append(
                f"payment {index}: {payment.kind.value!r} is not a Caspos payment ({kinds})"
            )
    if receipt.amount_by_kind(PaymentKind.ADVANCE) and not receipt.prepayment_document_id:
        problems.append("prepayment document id is required to pay from an advance")
    problems += document_id_problems("", "prepayment document id", receipt.prepayment_document_id)
    problems += credit_problems(receipt)
    problems += bank_problems(receipt)
    if receipt.customer is not None:
        customer = receipt.customer
        problems += text_problems("customer: ", "name", customer.name, MAX_CLIENT_NAME_LENGTH)
        problems += text_problems(
            "customer: ", "bonus card number", customer.bonus_card_number, MAX_BONUS_CARD_LENGTH
        )
    problems += note_problems(receipt)
    if receipt.storno is not None:
        parent = receipt.storno.parent_document_id
        if not parent:
            problems.append(
                "storno: parent document id (the sale's Caspos document_id) is required"
            )
        problems += document_id_problems("storno: ", "parent document id", parent)
    return problems


def bank_problems(receipt: Receipt) -> list[str]:
    bank = receipt.bank
    if bank is None:
        return []
    problems: list[str] = []
    if bank.rrn:
        if len(bank.rrn) != RRN_LENGTH:
            problems.append(f"bank: RRN must be {RRN_LENGTH} characters, not {len(bank.rrn)}")
        if not receipt.amount_by_kind(PaymentKind.CARD):
            problems.append("bank: an RRN needs a card payment")
    for label, value in (
        ("RRN", bank.rrn),
        ("transaction id", bank.transaction_id),
        ("transaction number", bank.transaction_number),
        ("approval code", bank.approval_code),
    ):
        problems += text_problems("bank: ", label, value, MAX_BANK_FIELD_LENGTH)
    return problems


def note_problems(receipt: Receipt) -> list[str]:
    problems = printable_problems("", "note", receipt.note)
    for label, texts in (
        ("text before payment", receipt.text_before_payment),
        ("text after payment", receipt.text_after_payment),
    ):
        for index, text in enumerate(texts, start=1):
            problems += printable_problems(f"{label} {index}: ", "text", text.text)
    note = receipt_note(receipt)
    if len(note) > MAX_NOTE_LENGTH:
        problems.append(
            f"note: the note and the text lines print as one note of at most "
            f"{MAX_NOTE_LENGTH} characters ({len(note)})"
        )
    return problems


def credit_problems(receipt: Receipt) -> list[str]:
    if not receipt.amount_by_kind(PaymentKind.CREDIT):
        return []
    credit = receipt.credit
    if credit is None or not credit.contract.strip():
        return ["credit: contract is required for a sale on credit"]
    return text_problems("credit: ", "contract", credit.contract, MAX_CONTRACT_LENGTH) + (
        text_problems("credit: ", "payer", credit.payer, MAX_PAYER_LENGTH)
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
