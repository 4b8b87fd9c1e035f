"""Rounding rules in one place: money 2 decimals, quantities 3, half up (as the devices do)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .text import shown

CENT = Decimal("0.01")
MILLI = Decimal("0.001")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
# No amount or quantity a till handles comes near this; below it, quantity × price and every
# rounding stay inside Decimal's default context (28 digits), and the devices add tighter bounds.
NUMBER_LIMIT = Decimal(10) ** 15
INT_LIMIT = 10**15
MAX_DIGITS = 30
PLAIN_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def to_decimal(value: object, field: str) -> Decimal:
    """Read a number without passing through binary floats (``0.1`` stays ``0.1``).

    The one reading path for every amount and quantity: text must be plain ASCII decimal
    notation (``"12.50"``, ``"-3"``; no ``"2_0"``, no exponent, no other scripts' digits), and no
    number may reach ``NUMBER_LIMIT`` or carry more than ``MAX_DIGITS`` digits, so that no later
    product or rounding can leave ``Decimal``'s context.
    """
    if isinstance(value, bool):
        raise ValueError(f"{field} must be a number, not {shown(value)}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        if not -INT_LIMIT < value < INT_LIMIT:  # before str(): a huge int cannot even be written
            raise ValueError(f"{field} is too large ({shown(value)})")
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip(" ")
        if not PLAIN_DECIMAL.fullmatch(text):
            raise ValueError(f"{field} {_how_to_write(text)}, not {shown(value)}")
        result = Decimal(text)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    else:
        raise ValueError(f"{field} must be a number, not {shown(value)}")
    if not result.is_finite():
        raise ValueError(f"{field} must be a finite number, not {shown(value)}")
    if not -NUMBER_LIMIT < result < NUMBER_LIMIT:
        raise ValueError(f"{field} is too large ({shown(result)})")
    if len(result.as_tuple().digits) > MAX_DIGITS:
        raise ValueError(f"{field} has too many digits ({shown(result)})")
    return result


def _how_to_write(text: str) -> str:
    """What is wrong with number text that is not plain decimal notation."""
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return "must be a number"
    if not number.is_finite():
        return "must be a finite number"
    return "must be written as a plain decimal number like 12.50"


def round_money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_money(value: object, field: str) -> Decimal:
    """An ERP amount (often a float) as exact money, 2 dp half up."""
    return round_money(to_decimal(value, field))


def round_quantity(value: Decimal) -> Decimal:
    return value.quantize(MILLI, rounding=ROUND_HALF_UP)


def has_more_places(value: Decimal, places: int) -> bool:
    """True when ``value`` would change by rounding to ``places`` decimals."""
    return value != value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def line_gross(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """Quantity × unit price, rounded once at the end (never per unit)."""
    return round_money(quantity * unit_price)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    return round_money(amount * percent / HUNDRED)


def spread(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``total`` over ``weights`` in cents so that the parts add up to ``total`` exactly.

    Largest-remainder method: a receipt discount spread over lines never loses or gains a cent.
    """
    total = round_money(total)
    base = sum(weights, Decimal(0))
    if not weights:
        return []
    if base == 0:
        raise ValueError("cannot spread an amount over lines that sum to zero")
    cents = int(total / CENT)
    exact = [Decimal(cents) * w / base for w in weights]
    floors = [int(e.to_integral_value(rounding="ROUND_FLOOR")) for e in exact]
    left = cents - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (exact[i] - floors[i], -i), reverse=True)
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(c) * CENT for c in floors]


def fit_unit_price(quantity: Decimal, line_total: Decimal) -> tuple[Decimal, Decimal]:
    """Unit price (2 dp) for a line whose total is fixed, and the cent difference left over.

    ERPs keep line totals with more precision than a device's 2-dp unit price; the difference is
    what the serialiser must send as the line's sum (Caspos) or as a surcharge/discount (N5).
    """
    unit_price = round_money(line_total / quantity)
    return unit_price, round_money(line_total) - line_gross(quantity, unit_price)


def money_text(value: Decimal) -> str:
    return f"{round_money(value):.2f}"
