"""The one JSON writer and reader of every device body: money stays exact, input stays strict.

``dumps`` writes compact UTF-8 JSON in which a ``Decimal`` is written exactly as it is quantized
(``Decimal("99999999999999.99")`` goes out as ``99999999999999.99``); a ``float`` is refused, so
no amount can pass through binary floating point on its way to a device. ``loads`` reads every
fraction as ``Decimal`` and refuses what a lenient parser would guess at: duplicate keys, NaN
and Infinity, invalid UTF-8, nesting deeper than the interpreter can follow.
"""

from __future__ import annotations

import enum
import json
from decimal import Decimal
from json.encoder import encode_basestring  # the C-accelerated string escaper where available


class JsonError(ValueError):
    """The bytes are not the strict JSON this project reads; the message says why."""


def dumps(value: object, trim_decimals: bool = False) -> str:
    """Compact JSON text; Decimals exact, enums by value, floats refused (``TypeError``).

    ``trim_decimals``: a non-zero Decimal goes out without trailing fraction zeros (``2.40`` ->
    ``2.4``, ``100`` stays ``100``, ``0.00`` stays ``0.00``), still exact: the N5's wire form,
    written in the same pass instead of a copy of the message.
    """
    parts: list[str] = []
    _write(value, parts.append, trim_decimals)
    return "".join(parts)


def encode(value: object, trim_decimals: bool = False) -> bytes:
    """``dumps`` as UTF-8 bytes."""
    return dumps(value, trim_decimals).encode("utf-8")


# Speed (bench/bench_jsonwire.py): the scalars a device body is made of (str, int, Decimal,
# None) are written inline by the container loops, without a call per value; a dict key is
# escaped once and remembered; a Decimal's own ``str`` (C) is used whenever it is already plain
# notation, ``format(d, "f")`` only for exponent forms.
_KEYS: dict[str, str] = {}  # key -> its escaped text followed by ":"
_KEYS_LIMIT = 4096  # protocol keys repeat; keys of arbitrary data must not grow this forever
_DIGITS = "0123456789"


def _key(key: object) -> str:
    written = _KEYS.get(key)  # type: ignore[call-overload]
    if written is None:
        if type(key) is not str:
            if isinstance(key, float):
                raise TypeError(f"float key {key!r} on the way to a device: use Decimal or str")
            key = key.value if isinstance(key, enum.Enum) else str(key)
        written = encode_basestring(key) + ":"
        if type(key) is str and len(_KEYS) < _KEYS_LIMIT:
            _KEYS[key] = written
    return written


def _decimal(value: Decimal) -> str:
    text = str(value)
    if text[-1] in _DIGITS and "E" not in text:
        return text
    if not value.is_finite():
        raise TypeError(f"{value!r} cannot be written as JSON")
    return format(value, "f")


def _trim(text: str, value: Decimal) -> str:
    if "." in text and value:
        return text.rstrip("0").rstrip(".")
    return text


def _write(value: object, out, trim: bool = False) -> None:
    kind = type(value)
    if kind is dict:
        out("{")
        separator = ""
        for key, item in value.items():  # type: ignore[attr-defined]
            written = _KEYS.get(key)
            if written is None:
                written = _key(key)
            kind = type(item)
            if kind is str:
                out(f"{separator}{written}{encode_basestring(item)}")
            elif kind is Decimal:
                text = str(item)  # inline: the common money case costs no extra call
                if text[-1] not in _DIGITS or "E" in text:
                    text = _decimal(item)
                if trim:
                    text = _trim(text, item)
                out(f"{separator}{written}{text}")
            elif kind is int:
                out(f"{separator}{written}{item}")
            elif item is None:
                out(f"{separator}{written}null")
            else:
                out(separator + written)
                _write(item, out, trim)
            separator = ","
        out("}")
    elif kind is list or kind is tuple:
        out("[")
        separator = ""
        for item in value:  # type: ignore[attr-defined]
            kind = type(item)
            if kind is str:
                out(separator + encode_basestring(item))
            elif kind is Decimal:
                text = _decimal(item)
                out(separator + (_trim(text, item) if trim else text))
            else:
                if separator:
                    out(separator)
                _write(item, out, trim)
            separator = ","
        out("]")
    elif kind is str:
        out(encode_basestring(value))
    elif kind is Decimal:
        text = _decimal(value)  # type: ignore[arg-type]
        out(_trim(text, value) if trim else text)  # type: ignore[arg-type]
    elif kind is int:
        out(str(value))
    elif value is None:
        out("null")
    elif value is True:
        out("true")
    elif value is False:
        out("false")
    elif isinstance(value, enum.Enum):
        _write(value.value, out, trim)
    elif isinstance(value, float):
        raise TypeError(f"float {value!r} on the way to a device: use Decimal")
    elif isinstance(value, Decimal):
        text = _decimal(value)
        out(_trim(text, value) if trim else text)
    elif isinstance(value, str):
        out(encode_basestring(str(value)))
    elif isinstance(value, int):
        out(str(int(value)))
    elif isinstance(value, dict):
        _write(dict(value), out, trim)
    elif isinstance(value, list | tuple):
        _write(list(value), out, trim)
    else:
        raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _refuse_constant(name: str) -> object:
    raise JsonError(f"{name} is not a number")


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise JsonError(f"duplicate key {key!r}")
            seen.add(key)
    return result


def _parse_int(text: str) -> int | Decimal:
    # beyond 4300 digits int() refuses; a Decimal keeps the number for the reader to judge
    return int(text) if len(text) <= 40 else Decimal(text)


def loads(data: str | bytes) -> object:
    """Strict JSON: fractions as ``Decimal``; ``JsonError`` says what is wrong and where."""
    if isinstance(data, bytes | bytearray):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError as error:
            raise JsonError(f"not UTF-8 text (byte {error.start})") from None
    try:
        return json.loads(
            data,
            parse_float=Decimal,
            parse_int=_parse_int,
            parse_constant=_refuse_constant,
            object_pairs_hook=_no_duplicates,
        )
    except JsonError:
        raise
    except json.JSONDecodeError as error:
        raise JsonError(f"not valid JSON ({error})") from None
    except RecursionError:
        raise JsonError("nested too deeply") from None
    except ValueError as error:  # e.g. an integer of more digits than Python converts
        raise JsonError(f"not valid JSON ({error})") from None
