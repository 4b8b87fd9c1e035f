"""Rounding rules in one place: money 2 decimals, quantities 3, half up (as the devices do)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
MILLI = Decimal("0.001")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def to_decimal(value: object, field: str) -> Decimal:
    """Read a number without passing through binary floats (``0.1`` stays ``0.1``)."""
    if isinstance(value, bool):
        raise ValueError(f"{field} must be a number, not {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"{field} must be a number, not {value!r}") from None
    elif isinstance(value, float):
        result = Decimal(repr(value))
    else:
        raise ValueError(f"{field} must be a number, not {value!r}")
    if not result.is_finite():
        raise ValueError(f"{field} must be a finite number, not {value!r}")
    return result


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
