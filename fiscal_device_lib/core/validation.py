"""Checks a document before anything reaches a device; every message names its field and line."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Sequence
from decimal import Decimal

from .documents import Buyer, CashOperation, CodeKind, IdentType, Line, PaymentKind, Receipt
from .errors import ValidationError
from .money import HUNDRED, has_more_places, money_text
from .text import code_point, unprintable, visible

MAX_UUID_LENGTH = 64
# General bounds no device goes beyond; each driver's ``problems`` adds its own, tighter ones.
MAX_QUANTITY = Decimal("999999.999")
MAX_AMOUNT = Decimal("99999999999999.99")  # a price, a line, a payment, a document total
MAX_TEXT_LENGTH = 500  # any text of a document: names, notes, codes, printed lines
# How the items of a list field are named in messages: "line 2", "payment 1".
ITEM_LABELS = {
    "lines": "line",
    "payments": "payment",
    "text_before_payment": "text before payment",
    "text_after_payment": "text after payment",
    "marking_codes": "marking code",
}
# GS1 marking codes separate their fields with GS (U+001D): data for the tax service, not print
GS1_SEPARATOR = "\x1d"
# Naredba N-18's unique sale number: the fiscal device's 8-character individual number, the
# operator's 4-character code and the sale's 7-digit sequence on that device (from 1)
SALE_NUMBER_PATTERN = re.compile(r"[0-9A-Z]{8}-[0-9A-Z]{4}-(?!0000000)[0-9]{7}")
SALE_NUMBER_FORMAT = "XXXXXXXX-ZZZZ-0000001"
BUYER_IDENT_DIGITS = {IdentType.BULSTAT: (9, 13), IdentType.EGN: (10,), IdentType.LNCH: (10,)}


def ean_is_valid(code: str, length: int) -> bool:
    if len(code) != length or not code.isdigit():
        return False
    digits = [int(c) for c in code]
    # EAN weights alternate 3 and 1 from the right, check digit excluded
    body = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits[:-1])))
    return (10 - body % 10) % 10 == digits[-1]


def line_amounts(line: Line) -> tuple[tuple[str, Decimal | None], ...]:
    """A line's money fields with their names in messages, for every check of amount bounds."""
    return (
        ("unit price", line.unit_price),
        ("discount amount", line.discount_amount),
        ("surcharge amount", line.surcharge_amount),
        ("line total", line.line_total),
        ("purchase price", line.purchase_price),
    )


def text_fields(document: object, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Every text of ``document`` with its place ("line 2: name", "buyer: city", "note")."""
    for fld in dataclasses.fields(document):  # type: ignore[arg-type]
        value = getattr(document, fld.name)
        label = prefix + fld.name.replace("_", " ")
        if isinstance(value, str):
            yield label, value
        elif isinstance(value, list):
            item_label = prefix + ITEM_LABELS.get(fld.name, fld.name.replace("_", " "))
            for index, item in enumerate(value, start=1):
                if isinstance(item, str):
                    if fld.name == "marking_codes":
                        item = item.replace(GS1_SEPARATOR, "")
                    yield f"{item_label} {index}", item
                elif dataclasses.is_dataclass(item):
                    yield from text_fields(item, f"{item_label} {index}: ")
        elif dataclasses.is_dataclass(value):
            yield from text_fields(value, f"{label}: ")


def text_problems(document: object) -> list[str]:
    """Control characters, bidi overrides and overlong texts anywhere in ``document``."""
    problems = []
    for place, text in text_fields(document):
        bad = unprintable(text)
        if bad is not None:
            problems.append(f"{place} contains an unprintable character ({code_point(bad)})")
        if len(text) > MAX_TEXT_LENGTH:
            problems.append(f"{place} is longer than {MAX_TEXT_LENGTH} characters ({len(text)})")
    return problems


def blank_problems(place: str, text: str) -> list[str]:
    """A text that must show something: not empty, not only invisible characters."""
    if not text.strip():
        return [f"{place} must not be empty"]
    if not visible(text):
        return [f"{place} shows nothing (only invisible characters)"]
    return []


def _check_at_most(problems: list[str], where: str, label: str, value, limit: Decimal) -> None:
    if value is not None and value > limit:
        problems.append(f"{where}{label} must not exceed {limit}")


def _check_positive(problems: list[str], where: str, label: str, value: Decimal, places: int):
    if value <= 0:
        problems.append(f"{where}{label} must be greater than 0")
    elif has_more_places(value, places):
        problems.append(f"{where}{label} has more than {places} decimals ({value})")


def sale_number_problems(sale_number: str) -> list[str]:
    """A unique sale number not in N-18's format (empty: the sale carries none)."""
    if not sale_number or SALE_NUMBER_PATTERN.fullmatch(sale_number):
        return []
    return [
        f"sale number {sale_number!r} is not in the format {SALE_NUMBER_FORMAT} (the device's "
        "8-character individual number, the operator's 4-character code, a 7-digit sequence "
        "from 0000001; capital Latin letters and digits)"
    ]


def line_problems(line: Line, where: str) -> list[str]:
    problems: list[str] = blank_problems(f"{where}name", line.name)
    _check_positive(problems, where, "quantity", line.quantity, 3)
    _check_positive(problems, where, "unit price", line.unit_price, 2)
    _check_at_most(problems, where, "quantity", line.quantity, MAX_QUANTITY)
    for label, value in line_amounts(line):
        _check_at_most(problems, where, label, value, MAX_AMOUNT)
    _check_at_most(problems, where, "surcharge percent", line.surcharge_percent, HUNDRED)
    if line.vat_class in (None, "") and line.department is None:
        problems.append(f"{where}VAT class is missing (map the line's tax to a device VAT class)")
    if line.department is not None and line.department < 0:
        problems.append(f"{where}department must not be negative")
    adjustments = [
        (name, value)
        for name, value in (
            ("discount amount", line.discount_amount),
            ("discount percent", line.discount_percent),
            ("surcharge amount", line.surcharge_amount),
            ("surcharge percent", line.surcharge_percent),
        )
        if value
    ]
    for name, value in adjustments:
        if value < 0:
            problems.append(f"{where}{name} must not be negative")
        elif name.endswith("amount") and has_more_places(value, 2):
            problems.append(f"{where}{name} has more than 2 decimals ({value})")
    if line.discount_percent and line.discount_percent > HUNDRED:
        problems.append(f"{where}discount percent must not exceed 100")
    if (line.discount_amount or line.discount_percent) and (
        line.surcharge_amount or line.surcharge_percent
    ):
        problems.append(f"{where}give either a discount or a surcharge, not both")
    if not problems and line.total <= 0:
        problems.append(
            f"{where}total after discount must be greater than 0 (it is {money_text(line.total)})"
        )
    elif not problems and line.total > MAX_AMOUNT:
        problems.append(f"{where}total {money_text(line.total)} exceeds {MAX_AMOUNT}")
    if line.purchase_price is not None and line.purchase_price < 0:
        problems.append(f"{where}purchase price must not be negative")
    ean_length = {CodeKind.EAN8: 8, CodeKind.EAN13: 13}.get(line.code_kind)
    if ean_length and not ean_is_valid(line.code, ean_length):
        problems.append(f"{where}code {line.code!r} is not a valid EAN-{ean_length} barcode")
    if any(not code.strip() for code in line.marking_codes):
        problems.append(f"{where}marking codes must not be empty")
    return problems


def buyer_problems(buyer: Buyer) -> list[str]:
    problems = [
        problem
        for label, value in (
            ("identification number", buyer.ident_number),
            ("name", buyer.name),
            ("address", buyer.address),
            ("city", buyer.city),
        )
        for problem in blank_problems(f"buyer: {label}", value)
    ]
    lengths = BUYER_IDENT_DIGITS.get(buyer.ident_type)
    number = buyer.ident_number.strip()
    if number and lengths and not (number.isdigit() and len(number) in lengths):
        digits = " or ".join(str(n) for n in lengths)
        problems.append(f"buyer: {buyer.ident_type.value} must be {digits} digits, not {number!r}")
    return problems


def totals_problems(receipt: Receipt) -> list[str]:
    total, paid = receipt.total, receipt.paid
    if total > MAX_AMOUNT:
        return [f"lines: the receipt's total {money_text(total)} exceeds {MAX_AMOUNT}"]
    if paid < total:
        return [f"payments: {money_text(paid)} paid is less than the total {money_text(total)}"]
    cash = receipt.amount_by_kind(PaymentKind.CASH)
    if paid - total > cash:
        return [
            f"payments: {money_text(paid - total)} paid above the total {money_text(total)}, "
            f"but only cash may exceed it (cash paid {money_text(cash)})"
        ]
    return []


def receipt_problems(receipt: Receipt) -> list[str]:
    problems: list[str] = []
    if not receipt.uuid.strip():
        problems.append("uuid must not be empty (it is what makes a retry safe)")
    elif len(receipt.uuid) > MAX_UUID_LENGTH:
        problems.append(f"uuid must not be longer than {MAX_UUID_LENGTH} characters")
    problems += sale_number_problems(receipt.sale_number)
    problems += blank_problems("operator: name", receipt.operator.name)
    if receipt.operator.number <= 0:
        problems.append("operator: number must be greater than 0")
    if not receipt.lines:
        problems.append("lines: a receipt needs at least one line")
    for index, line in enumerate(receipt.lines, start=1):
        problems += line_problems(line, f"line {index}: ")
    if not receipt.payments:
        problems.append("payments: at least one payment is needed")
    for index, payment in enumerate(receipt.payments, start=1):
        _check_positive(problems, f"payment {index}: ", "amount", payment.amount, 2)
        _check_at_most(problems, f"payment {index}: ", "amount", payment.amount, MAX_AMOUNT)
    storno = receipt.storno
    if storno is not None and not (
        storno.parent_document_id or (storno.fiscal_memory_number and storno.receipt_number)
    ):
        problems.append(
            "storno: the original document is not referenced "
            "(parent document id, or fiscal memory number and receipt number)"
        )
    if storno is not None and storno.receipt_number is not None and storno.receipt_number <= 0:
        problems.append("storno: receipt number must be greater than 0")
    if receipt.buyer is not None:
        problems += buyer_problems(receipt.buyer)
    for label, texts in (
        ("text before payment", receipt.text_before_payment),
        ("text after payment", receipt.text_after_payment),
    ):
        for index, text in enumerate(texts, start=1):
            problems += blank_problems(f"{label} {index}: text", text.text)
    problems += text_problems(receipt)
    if not problems:
        problems += totals_problems(receipt)
    return problems


def validate_receipt(receipt: Receipt, device_problems: Sequence[str] = ()) -> Receipt:
    """Raise ``ValidationError`` listing every problem, the core's then a driver's own
    ``device_problems`` (each once), or return the receipt unchanged."""
    problems = list(dict.fromkeys([*receipt_problems(receipt), *device_problems]))
    if problems:
        raise ValidationError(problems)
    return receipt


def validate_cash_operation(operation: CashOperation) -> CashOperation:
    problems: list[str] = []
    if not operation.uuid.strip():
        problems.append("uuid must not be empty (it is what makes a retry safe)")
    if operation.amount == 0:
        problems.append("amount must not be zero (positive puts cash in, negative takes it out)")
    elif has_more_places(operation.amount, 2):
        problems.append(f"amount has more than 2 decimals ({operation.amount})")
    elif abs(operation.amount) > MAX_AMOUNT:
        problems.append(f"amount must not exceed {MAX_AMOUNT} either way")
    problems += blank_problems("operator: name", operation.operator.name)
    problems += text_problems(operation)
    if problems:
        raise ValidationError(problems)
    return operation
