"""``core.jsonwire``: the one JSON writer and reader of both devices' bodies."""

from __future__ import annotations

import enum
import json
from decimal import Decimal

import pytest

from fiscal_device_lib.core.jsonwire import JsonError, dumps, encode, loads

D = Decimal


class Kind(str, enum.Enum):
    SALE = "sale"


class Code(enum.IntEnum):
    ONE = 1


def test_money_goes_out_exactly_as_quantized():
    assert dumps(D("99999999999999.99")) == "99999999999999.99"
    assert dumps({"sum": D("0.10"), "qty": D("2.000")}) == '{"sum":0.10,"qty":2.000}'
    assert dumps([D("-0.01"), D("0")]) == "[-0.01,0]"
    # exponent forms are written in plain notation
    assert dumps([D("1E+2"), D("1E-7"), D("1.5E+3")]) == "[100,0.0000001,1500]"
    assert loads(encode({"sum": D("99999999999999.99")})) == {"sum": D("99999999999999.99")}


@pytest.mark.parametrize(
    "value",
    [0.1, {"a": 1.5}, [1, 2.0], {"a": {"b": [{"c": float("inf")}]}}, {1.5: "key"}],
    ids=repr,
)
def test_floats_are_refused_everywhere(value):
    with pytest.raises(TypeError, match="float"):
        dumps(value)


@pytest.mark.parametrize("value", [D("NaN"), D("Infinity"), D("-Infinity"), D("sNaN")], ids=str)
def test_non_finite_decimals_are_refused(value):
    with pytest.raises(TypeError, match="cannot be written as JSON"):
        dumps({"a": [value]})


def test_everything_else_is_written_as_the_stdlib_would():
    value = {
        "text": 'Çay "100 g"\\\n\u202e',
        "n": [1, -2, 10**30, True, False, None],
        "nested": {"empty": {}, "list": [], "tuple": (1, "x")},
        "kind": Kind.SALE,
        "code": Code.ONE,
        7: "int key",
    }
    written = dumps(value)
    assert json.loads(written) == json.loads(json.dumps(value, ensure_ascii=False))
    assert written == json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def test_unknown_types_are_refused():
    with pytest.raises(TypeError, match="set is not JSON serializable"):
        dumps({"a": {1}})


@pytest.mark.parametrize(
    "value",
    [
        {"sum": D("0.10"), "items": [{"name": "Хляб", "qty": D("1.000"), "vat": 2}], "x": None},
        [D("99999999999999.99"), "", "\u0000", [[[]]], {}, True],
        "just text",
        D("12.50"),
    ],
    ids=["body", "mixed", "text", "decimal"],
)
def test_loads_of_dumps_round_trips(value):
    assert loads(dumps(value)) == value


def test_loads_reads_fractions_as_decimal_and_long_integers_whole():
    assert loads('{"a": 0.1, "b": 2}') == {"a": D("0.1"), "b": 2}
    assert type(loads("0.1")) is Decimal and type(loads("2")) is int
    assert loads("9" * 5000) == D("9" * 5000)  # beyond int()'s 4300 digits, kept exact


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ('{"a": 1, "a": 2}', "duplicate key 'a'"),
        ('{"a": NaN}', "NaN is not a number"),
        ("[Infinity]", "Infinity is not a number"),
        (b'"\xff"', "not UTF-8 text (byte 1)"),
        ("[" * 100000 + "]" * 100000, "nested too deeply"),
        ("{", "not valid JSON (Expecting property name enclosed in double quotes"),
    ],
    ids=["duplicate", "nan", "infinity", "utf8", "deep", "truncated"],
)
def test_loads_refuses_what_a_lenient_reader_guesses(data, message):
    with pytest.raises(JsonError) as caught:
        loads(data)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("2.40", "2.4"),
        ("100", "100"),
        ("10.0", "10"),
        ("0.00", "0.00"),  # a zero keeps its form: the N5 has always been sent it so
        ("-0.50", "-0.5"),
        ("1.50E-7", "0.00000015"),
        ("1.20E+3", "1200"),
        ("99999999999999.990", "99999999999999.99"),
    ],
)
def test_trimmed_decimals_lose_only_trailing_fraction_zeros(text, written):
    value = Decimal(text)
    message = {"a": value, "b": [value, {"c": value}]}
    assert dumps(message, trim_decimals=True) == (
        f'{{"a":{written},"b":[{written},{{"c":{written}}}]}}'
    )
    assert dumps(value, trim_decimals=True) == written
    assert loads(written) == value
