"""Rounding rules: money 2 dp half up, quantities 3 dp, spreads that never lose a cent."""

from decimal import Decimal

import pytest

from fiscal_device_lib.core.money import (
    fit_unit_price,
    has_more_places,
    line_gross,
    money_text,
    percent_of,
    round_money,
    round_quantity,
    spread,
    to_decimal,
    to_money,
)

D = Decimal


@pytest.mark.parametrize(
    ("quantity", "price", "expected"),
    [
        ("3", "0.33", "0.99"),  # 3 × 0.33 is exact
        ("0.333", "3", "1.00"),  # 0.999 rounds up to a whole
        ("3", "0.333", "1.00"),  # a 3-dp price rounded once at the end, not per unit
        ("1.005", "1", "1.01"),  # half-cent case rounds half up, not to even
        ("0.125", "0.10", "0.01"),  # 0.0125 → 0.01
        ("2.5", "0.01", "0.03"),  # 0.025 → 0.03 (banker's rounding would give 0.02)
        ("1", "0.005", "0.01"),
    ],
)
def test_line_gross_rounds_once_half_up(quantity, price, expected):
    assert line_gross(D(quantity), D(price)) == D(expected)


def test_round_money_and_quantity_half_up():
    assert round_money(D("2.675")) == D("2.68")
    assert round_money(D("-2.675")) == D("-2.68")
    assert round_quantity(D("0.3335")) == D("0.334")
    assert money_text(D("7")) == "7.00"


def test_to_decimal_never_goes_through_binary_float():
    assert to_decimal(0.1, "price") == D("0.1")
    assert to_decimal("4.15", "price") + to_decimal(0.01, "x") == D("4.16")
    assert to_decimal(3, "quantity") == D(3)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "price must be a number, not 'abc'"),
        (True, "price must be a number, not True"),
        (None, "price must be a number, not None"),
        ("NaN", "price must be a finite number, not 'NaN'"),
    ],
)
def test_to_decimal_rejects_non_numbers(value, message):
    with pytest.raises(ValueError) as caught:
        to_decimal(value, "price")
    assert str(caught.value) == message


def test_has_more_places():
    assert has_more_places(D("0.333"), 2)
    assert not has_more_places(D("0.330"), 2)
    assert not has_more_places(D("1.5"), 3)


def test_percent_of_rounds_half_up():
    assert percent_of(D("9.99"), D("15")) == D("1.50")  # 1.4985
    assert percent_of(D("0.10"), D("5")) == D("0.01")  # 0.005


def test_spread_discount_over_three_equal_lines_keeps_every_cent():
    parts = spread(D("1.00"), [D("1"), D("1"), D("1")])
    assert parts == [D("0.34"), D("0.33"), D("0.33")]
    assert sum(parts) == D("1.00")


def test_spread_follows_weights_and_largest_remainder():
    parts = spread(D("10.00"), [D("4.99"), D("2.50"), D("0.01")])
    assert sum(parts) == D("10.00")
    assert parts == [D("6.65"), D("3.33"), D("0.02")]


def test_spread_of_nothing_and_over_zero_weights():
    assert spread(D("1"), []) == []
    with pytest.raises(ValueError, match="cannot spread an amount over lines that sum to zero"):
        spread(D("1"), [D("0"), D("0")])


def test_fit_unit_price_returns_the_cent_left_over():
    # 3 items whose ERP total is 1.00: 0.33 each on the device leaves one cent to carry
    assert fit_unit_price(D("3"), D("1.00")) == (D("0.33"), D("0.01"))
    assert fit_unit_price(D("2"), D("5.00")) == (D("2.50"), D("0.00"))
    assert fit_unit_price(D("0.333"), D("1.00")) == (D("3.00"), D("0.00"))


def test_to_money_reads_an_erp_float_exactly():
    assert to_money(4.145, "amount") == D("4.15")  # via repr: 4.145, not 4.14499...
    assert to_money(1150.0, "amount") == D("1150.00")
