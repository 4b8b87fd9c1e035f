"""Neutral documents to and from plain JSON (the ``receipt`` command's file format, Odoo's log).

Decoding is strict: unknown fields, wrong types and bad enum values are reported with their
place (``line 2: quantity must be a number, not 'x'``), never silently dropped.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import re
import types
import typing
from datetime import datetime
from decimal import Decimal

from .documents import CashOperation, Receipt, TextLine
from .errors import ValidationError
from .money import to_decimal
from .text import shown, shown_name
from .validation import ITEM_LABELS

# Whole numbers (operator, department, receipt numbers) are small on every device; text must be
# ASCII digits only ("2_0" and other scripts' digits are refused, as for amounts).
WHOLE_NUMBER_LIMIT = 10**9
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


def _label(path: str, name: str) -> str:
    return f"{path}: {name}" if path else name


def _decode(value: object, hint: object, where: str) -> object:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        if value is None:
            return None
        return _decode(value, options[0], where)
    if origin is list:
        raise AssertionError("lists are decoded by _decode_list")
    if dataclasses.is_dataclass(hint):
        if hint is TextLine and isinstance(value, str):
            return TextLine(text=value)
        return _decode_object(value, hint, where)
    if hint is Decimal:
        return to_decimal(value, where)
    if hint is int:
        return _whole_number(value, where)
    if hint is str:
        if not isinstance(value, str):
            raise ValueError(f"{where} must be text, not {shown(value)}")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{where} must be true or false, not {shown(value)}")
        return value
    if hint is datetime:
        try:
            if not (isinstance(value, str) and value.isascii()):
                raise ValueError
            return datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{where} must be a date-time like 2026-11-21T10:30:00") from None
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        try:
            return hint(value)
        except ValueError:
            allowed = ", ".join(str(m.value) for m in hint)
            raise ValueError(f"{where} {shown(value)} is not one of {allowed}") from None
    raise AssertionError(f"no decoder for {hint!r}")


def _whole_number(value: object, where: str) -> int:
    if isinstance(value, str) and WHOLE_NUMBER.fullmatch(value.strip(" ")):
        value = int(value) if len(value) <= 20 else WHOLE_NUMBER_LIMIT
    elif isinstance(value, Decimal) and value.is_finite() and value.as_tuple().exponent == 0:
        value = WHOLE_NUMBER_LIMIT  # an integer too long for int(): jsonwire keeps it a Decimal
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{where} must be a whole number, not {shown(value)}")
    if not -WHOLE_NUMBER_LIMIT < value < WHOLE_NUMBER_LIMIT:
        raise ValueError(f"{where} is too large (at most {WHOLE_NUMBER_LIMIT - 1})")
    return value


@functools.cache
def _shape(cls: type) -> tuple[dict, dict]:
    """A dataclass's type hints and fields by name: resolving the hints compiles each
    annotation, 30 ms for a 100-line receipt when done per object."""
    return typing.get_type_hints(cls), {f.name: f for f in dataclasses.fields(cls)}


def _decode_object(data: object, cls: type, path: str) -> object:
    if not isinstance(data, dict):
        raise ValidationError(f"{path or 'document'} must be an object")
    hints, known = _shape(cls)
    problems = [
        f"{_label(path, shown_name(key))}: unknown field" for key in data if key not in known
    ]
    values = {}
    for name, fld in known.items():
        where = _label(path, name.replace("_", " "))
        if name not in data:
            if fld.default is dataclasses.MISSING and fld.default_factory is dataclasses.MISSING:
                problems.append(f"{where} is required")
            continue
        try:
            if typing.get_origin(hints[name]) is list:
                values[name] = _decode_list(data[name], hints[name], name, path)
            else:
                values[name] = _decode(data[name], hints[name], where)
        except ValidationError as error:
            problems += error.problems
        except ValueError as error:
            problems.append(str(error))
    if problems:
        raise ValidationError(problems)
    return cls(**values)


def _decode_list(value: object, hint: object, name: str, path: str) -> list:
    if not isinstance(value, list):
        raise ValueError(f"{_label(path, name.replace('_', ' '))} must be a list")
    (item_hint,) = typing.get_args(hint)
    label = ITEM_LABELS.get(name, name.replace("_", " "))
    problems, items = [], []
    for index, item in enumerate(value, start=1):
        try:
            items.append(_decode(item, item_hint, f"{label} {index}"))
        except ValidationError as error:
            problems += error.problems
        except ValueError as error:
            problems.append(str(error))
    if problems:
        raise ValidationError(problems)
    return items


def receipt_from_dict(data: object) -> Receipt:
    """Build a ``Receipt`` from JSON data, or raise ``ValidationError`` naming each bad field."""
    return typing.cast(Receipt, _decode_object(data, Receipt, ""))


def cash_operation_from_dict(data: object) -> CashOperation:
    return typing.cast(CashOperation, _decode_object(data, CashOperation, ""))


# values JSON takes as they are (exact types: a str enum is not one)
_PLAIN = frozenset({str, int, float, bool, type(None)})


@functools.cache
def _dataclass_field_names(kind: type) -> tuple[str, ...] | None:
    if not dataclasses.is_dataclass(kind):
        return None
    return tuple(found.name for found in dataclasses.fields(kind))


def to_jsonable(value: object) -> object:
    """Dataclasses, enums, Decimals and datetimes as plain JSON values (money as strings)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is Decimal:
        return str(value)
    names = _dataclass_field_names(kind)
    if names is not None:
        return {name: to_jsonable(getattr(value, name)) for name in names}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value
