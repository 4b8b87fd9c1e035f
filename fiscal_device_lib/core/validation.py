"""Checks a document before anything reaches a device; every message names its field and line.

Every problem is an ``i18n.Message``: English text for the CLI, template and arguments for an
application that shows it translated (places and field names are messages too).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterator, Sequence
from decimal import Decimal

from .documents import Buyer, CashOperation, CodeKind, IdentType, Line, PaymentKind, Receipt
from .errors import ValidationError
from .i18n import Message, _lt
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
# The identification types checked above, by their names, translatable ("BULSTAT" is ЕИК).
IDENT_LABELS = {
    IdentType.BULSTAT: _lt("BULSTAT"),
    IdentType.EGN: _lt("EGN"),
    IdentType.LNCH: _lt("LNCH"),
}
# The items of a list field as places in messages ("line 2"), translatable.
ITEM_PLACES = {
    "lines": _lt("line %(index)s"),
    "payments": _lt("payment %(index)s"),
    "text_before_payment": _lt("text before payment %(index)s"),
    "text_after_payment": _lt("text after payment %(index)s"),
    "marking_codes": _lt("marking code %(index)s"),
}
# Field names in messages, translatable; a field not listed shows its attribute name.
FIELD_LABELS = {
    "name": _lt("name"),
    "code": _lt("code"),
    "unit": _lt("unit"),
    "vat_class": _lt("VAT class"),
    "item_uuid": _lt("item uuid"),
    "parent_item_uuid": _lt("parent item uuid"),
    "uuid": _lt("uuid"),
    "text": _lt("text"),
    "operator": _lt("operator"),
    "buyer": _lt("buyer"),
    "customer": _lt("customer"),
    "ident_number": _lt("identification number"),
    "address": _lt("address"),
    "city": _lt("city"),
    "vat_number": _lt("VAT number"),
    "bonus_card_number": _lt("bonus card number"),
    "storno": _lt("storno"),
    "invoice_number": _lt("invoice number"),
    "parent_document_id": _lt("parent document id"),
    "fiscal_memory_number": _lt("fiscal memory number"),
    "bank": _lt("bank"),
    "credit": _lt("credit"),
    "contract": _lt("contract"),
    "payer": _lt("payer"),
    "quantity": _lt("quantity"),
    "unit_price": _lt("unit price"),
    "amount": _lt("amount"),
    "discount_amount": _lt("discount amount"),
    "discount_percent": _lt("discount percent"),
    "surcharge_amount": _lt("surcharge amount"),
    "surcharge_percent": _lt("surcharge percent"),
    "line_total": _lt("line total"),
    "purchase_price": _lt("purchase price"),
    "department": _lt("department"),
    "lines": _lt("lines"),
    "payments": _lt("payments"),
}


@functools.cache
def field_label(name: str) -> Message | str:
    """A field's name in messages ("unit price"), translatable where the table knows it."""
    template = FIELD_LABELS.get(name)
    return Message(template) if template else name.replace("_", " ")


@functools.lru_cache(maxsize=4096)
def item_place(list_name: str, index: int) -> Message:
    """An item of a list field as a place ("line 2")."""
    template = ITEM_PLACES.get(list_name) or list_name.replace("_", " ") + " %(index)s"
    return Message(template, index=index)


def place(*parts: object) -> Message:
    """Places joined the way messages show them: "line 2: name"."""
    return Message(
        ": ".join(["%(p" + str(i) + ")s" for i in range(len(parts))]),
        **{f"p{i}": part for i, part in enumerate(parts)},
    )


def prefix(*parts: object) -> Message:
    """A place as the prefix of a message ("line 2: ")."""
    return Message("%(place)s: ", place=place(*parts))


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
        (field_label("unit_price"), line.unit_price),
        (field_label("discount_amount"), line.discount_amount),
        (field_label("surcharge_amount"), line.surcharge_amount),
        (field_label("line_total"), line.line_total),
        (field_label("purchase_price"), line.purchase_price),
    )


@functools.cache
def _field_names(kind: type) -> tuple[str, ...] | None:
    """A dataclass's field names; None for any other type (a number, a date, None)."""
    if not dataclasses.is_dataclass(kind):
        return None
    return tuple(found.name for found in dataclasses.fields(kind))


def text_fields(document: object, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Every text of ``document`` with its path (``("lines", 2), "name"``): ``path_place``
    makes the place of a message of it ("line 2: name"), only for a text with a problem."""
    for name in _field_names(type(document)) or ():
        value = getattr(document, name)
        if isinstance(value, str):
            yield (*path, name), value
        elif isinstance(value, list):
            for index, item in enumerate(value, start=1):
                item_path = (*path, (name, index))
                if isinstance(item, str):
                    if name == "marking_codes":
                        item = item.replace(GS1_SEPARATOR, "")
                    yield item_path, item
                elif _field_names(type(item)) is not None:
                    yield from text_fields(item, item_path)
        elif _field_names(type(value)) is not None:
            yield from text_fields(value, (*path, name))


def path_place(path: tuple) -> Message:
    """The place a path of ``text_fields`` names: "line 2: name", "buyer: city"."""
    return place(
        *(item_place(*part) if isinstance(part, tuple) else field_label(part) for part in path)
    )


def text_problems(document: object) -> list[str]:
    """Control characters, bidi overrides and overlong texts anywhere in ``document``."""
    problems = []
    for path, text in text_fields(document):
        bad = unprintable(text)
        if bad is not None:
            problems.append(
                Message(
                    _lt("%(place)s contains an unprintable character (%(char)s)"),
                    place=path_place(path),
                    char=code_point(bad),
                )
            )
        if len(text) > MAX_TEXT_LENGTH:
            problems.append(
                Message(
                    _lt("%(place)s is longer than %(max)s characters (%(length)s)"),
                    place=path_place(path),
                    max=MAX_TEXT_LENGTH,
                    length=len(text),
                )
            )
    return problems


def blank_problems(place_: object, text: str) -> list[str]:
    """A text that must show something: not empty, not only invisible characters."""
    if not text.strip():
        return [Message(_lt("%(place)s must not be empty"), place=place_)]
    if not visible(text):
        return [Message(_lt("%(place)s shows nothing (only invisible characters)"), place=place_)]
    return []


def _check_at_most(problems: list[str], where_: object, label, value, limit: Decimal) -> None:
    if value is not None and value > limit:
        problems.append(
            Message(
                _lt("%(where)s%(field)s must not exceed %(limit)s"),
                where=where_,
                field=label,
                limit=limit,
            )
        )


def _check_positive(problems: list[str], where_: object, label, value: Decimal, places: int):
    if value <= 0:
        problems.append(
            Message(_lt("%(where)s%(field)s must be greater than 0"), where=where_, field=label)
        )
    elif has_more_places(value, places):
        problems.append(
            Message(
                _lt("%(where)s%(field)s has more than %(places)s decimals (%(value)s)"),
                where=where_,
                field=label,
                places=places,
                value=value,
            )
        )


def sale_number_problems(sale_number: str) -> list[str]:
    """A unique sale number not in N-18's format (empty: the sale carries none)."""
    if not sale_number or SALE_NUMBER_PATTERN.fullmatch(sale_number):
        return []
    return [
        Message(
            _lt(
                "sale number %(number)r is not in the format %(format)s (the device's "
                "8-character individual number, the operator's 4-character code, a 7-digit "
                "sequence from 0000001; capital Latin letters and digits)"
            ),
            number=sale_number,
            format=SALE_NUMBER_FORMAT,
        )
    ]


def line_problems(line: Line, where: object) -> list[str]:
    """The core's checks of one line; ``where`` prefixes each message ("line 2: ")."""
    problems: list[str] = []
    if not visible(line.name):  # its place is made only for a problem
        problems += blank_problems(
            Message("%(where)s%(field)s", where=where, field=field_label("name")), line.name
        )
    _check_positive(problems, where, field_label("quantity"), line.quantity, 3)
    _check_positive(problems, where, field_label("unit_price"), line.unit_price, 2)
    _check_at_most(problems, where, field_label("quantity"), line.quantity, MAX_QUANTITY)
    for label, value in line_amounts(line):
        _check_at_most(problems, where, label, value, MAX_AMOUNT)
    _check_at_most(
        problems, where, field_label("surcharge_percent"), line.surcharge_percent, HUNDRED
    )
    if line.vat_class in (None, "") and line.department is None:
        problems.append(
            Message(
                _lt("%(where)sVAT class is missing (map the line's tax to a device VAT class)"),
                where=where,
            )
        )
    if line.department is not None and line.department < 0:
        problems.append(Message(_lt("%(where)sdepartment must not be negative"), where=where))
    adjustments = [
        (name, value)
        for name, value in (
            ("discount_amount", line.discount_amount),
            ("discount_percent", line.discount_percent),
            ("surcharge_amount", line.surcharge_amount),
            ("surcharge_percent", line.surcharge_percent),
        )
        if value
    ]
    for name, value in adjustments:
        if value < 0:
            problems.append(
                Message(
                    _lt("%(where)s%(field)s must not be negative"),
                    where=where,
                    field=field_label(name),
                )
            )
        elif name.endswith("amount") and has_more_places(value, 2):
            problems.append(
                Message(
                    _lt("%(where)s%(field)s has more than %(places)s decimals (%(value)s)"),
                    where=where,
                    field=field_label(name),
                    places=2,
                    value=value,
                )
            )
    if line.discount_percent and line.discount_percent > HUNDRED:
        problems.append(Message(_lt("%(where)sdiscount percent must not exceed 100"), where=where))
    if (line.discount_amount or line.discount_percent) and (
        line.surcharge_amount or line.surcharge_percent
    ):
        problems.append(
            Message(_lt("%(where)sgive either a discount or a surcharge, not both"), where=where)
        )
    if not problems and line.total <= 0:
        problems.append(
            Message(
                _lt("%(where)stotal after discount must be greater than 0 (it is %(total)s)"),
                where=where,
                total=money_text(line.total),
            )
        )
    elif not problems and line.total > MAX_AMOUNT:
        problems.append(
            Message(
                _lt("%(where)stotal %(total)s exceeds %(max)s"),
                where=where,
                total=money_text(line.total),
                max=MAX_AMOUNT,
            )
        )
    if line.purchase_price is not None and line.purchase_price < 0:
        problems.append(Message(_lt("%(where)spurchase price must not be negative"), where=where))
    ean_length = {CodeKind.EAN8: 8, CodeKind.EAN13: 13}.get(line.code_kind)
    if ean_length and not ean_is_valid(line.code, ean_length):
        problems.append(
            Message(
                _lt("%(where)scode %(code)s is not a valid EAN-%(length)s barcode"),
                where=where,
                code=repr(line.code),
                length=ean_length,
            )
        )
    if any(not code.strip() for code in line.marking_codes):
        problems.append(Message(_lt("%(where)smarking codes must not be empty"), where=where))
    return problems


def buyer_problems(buyer: Buyer) -> list[str]:
    """The buyer's identification, name and address, as an invoice needs them."""
    problems = [
        problem
        for name, value in (
            ("ident_number", buyer.ident_number),
            ("name", buyer.name),
            ("address", buyer.address),
            ("city", buyer.city),
        )
        for problem in blank_problems(place(field_label("buyer"), field_label(name)), value)
    ]
    lengths = BUYER_IDENT_DIGITS.get(buyer.ident_type)
    number = buyer.ident_number.strip()
    if number and lengths and not (number.isdigit() and len(number) in lengths):
        problems.append(
            Message(
                _lt("buyer: %(ident_type)s must be %(digits)s digits, not %(number)s"),
                ident_type=Message(IDENT_LABELS[buyer.ident_type]),
                digits=str(lengths[0])
                if len(lengths) == 1
                else Message(_lt("%(first)s or %(second)s"), first=lengths[0], second=lengths[1]),
                number=repr(number),
            )
        )
    return problems


def totals_problems(receipt: Receipt) -> list[str]:
    """The receipt's total within bounds and covered by its payments (only cash above it)."""
    total, paid = receipt.total, receipt.paid
    if total > MAX_AMOUNT:
        return [
            Message(
                _lt("lines: the receipt's total %(total)s exceeds %(max)s"),
                total=money_text(total),
                max=MAX_AMOUNT,
            )
        ]
    if paid < total:
        return [
            Message(
                _lt("payments: %(paid)s paid is less than the total %(total)s"),
                paid=money_text(paid),
                total=money_text(total),
            )
        ]
    cash = receipt.amount_by_kind(PaymentKind.CASH)
    if paid - total > cash:
        return [
            Message(
                _lt(
                    "payments: %(change)s paid above the total %(total)s, "
                    "but only cash may exceed it (cash paid %(cash)s)"
                ),
                change=money_text(paid - total),
                total=money_text(total),
                cash=money_text(cash),
            )
        ]
    return []


UUID_EMPTY = _lt("uuid must not be empty (it is what makes a retry safe)")
OPERATOR_NAME = ("operator", "name")


def receipt_problems(receipt: Receipt) -> list[str]:
    """Every core problem of ``receipt``, in the order of its fields."""
    problems: list[str] = []
    if not receipt.uuid.strip():
        problems.append(Message(UUID_EMPTY))
    elif len(receipt.uuid) > MAX_UUID_LENGTH:
        problems.append(
            Message(_lt("uuid must not be longer than %(max)s characters"), max=MAX_UUID_LENGTH)
        )
    problems += sale_number_problems(receipt.sale_number)
    problems += blank_problems(place(*map(field_label, OPERATOR_NAME)), receipt.operator.name)
    if receipt.operator.number <= 0:
        problems.append(Message(_lt("operator: number must be greater than 0")))
    if not receipt.lines:
        problems.append(Message(_lt("lines: a receipt needs at least one line")))
    for index, line in enumerate(receipt.lines, start=1):
        problems += line_problems(line, prefix(item_place("lines", index)))
    if not receipt.payments:
        problems.append(Message(_lt("payments: at least one payment is needed")))
    for index, payment in enumerate(receipt.payments, start=1):
        where = prefix(item_place("payments", index))
        _check_positive(problems, where, field_label("amount"), payment.amount, 2)
        _check_at_most(problems, where, field_label("amount"), payment.amount, MAX_AMOUNT)
    storno = receipt.storno
    if storno is not None and not (
        storno.parent_document_id or (storno.fiscal_memory_number and storno.receipt_number)
    ):
        problems.append(
            Message(
                _lt(
                    "storno: the original document is not referenced "
                    "(parent document id, or fiscal memory number and receipt number)"
                )
            )
        )
    if storno is not None and storno.receipt_number is not None and storno.receipt_number <= 0:
        problems.append(Message(_lt("storno: receipt number must be greater than 0")))
    if receipt.buyer is not None:
        problems += buyer_problems(receipt.buyer)
    for name, texts in (
        ("text_before_payment", receipt.text_before_payment),
        ("text_after_payment", receipt.text_after_payment),
    ):
        for index, text in enumerate(texts, start=1):
            problems += blank_problems(
                place(item_place(name, index), field_label("text")), text.text
            )
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
    """Raise ``ValidationError`` listing every problem of a cash in/out, or return it."""
    problems: list[str] = []
    if not operation.uuid.strip():
        problems.append(Message(UUID_EMPTY))
    if operation.amount == 0:
        problems.append(
            Message(_lt("amount must not be zero (positive puts cash in, negative takes it out)"))
        )
    elif has_more_places(operation.amount, 2):
        problems.append(
            Message(_lt("amount has more than 2 decimals (%(amount)s)"), amount=operation.amount)
        )
    elif abs(operation.amount) > MAX_AMOUNT:
        problems.append(Message(_lt("amount must not exceed %(max)s either way"), max=MAX_AMOUNT))
    problems += blank_problems(place(*map(field_label, OPERATOR_NAME)), operation.operator.name)
    problems += text_problems(operation)
    if problems:
        raise ValidationError(problems)
    return operation
