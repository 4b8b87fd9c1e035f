"""What the emulated N5 prints, as plain text a person can read (42 columns, Bulgarian).

Everything on the paper is Bulgarian, as a real N5 prints it: protocol names (``MEDIUM_CARD``,
``BULSTAT``) are turned into the words of a Bulgarian receipt here, never printed as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from ..wire import CYRILLIC_VAT_GROUPS, VAT_CLASSES, VAT_GROUPS

WIDTH = 42
HEADER = ("ДЕМО ЕООД", "ЕИК 000000000", "гр. София, ул. Емулатор 5", "Обект: Магазин 1")
# The protocol's payment media (wire.MEDIUMS) as a Bulgarian receipt names them.
MEDIA = {
    "MEDIUM_CASH": "В брой",
    "MEDIUM_CHECK": "Чек",
    "MEDIUM_COUPON": "Купон",
    "MEDIUM_EXT_COUPON": "Външен купон",
    "MEDIUM_PACKAGING": "Амбалаж",
    "MEDIUM_INTERNAL_SERVICE": "Вътрешно обслужване",
    "MEDIUM_DAMAGE": "Повреди",
    "MEDIUM_CARD": "Карта",
    "MEDIUM_BANK": "Банков превод",
    "MEDIUM_NZOK": "НЗОК",
    "MEDIUM_RESERVE2": "Резерв 2",
}
# The buyer's identification types (wire.IDENT_TYPES) as an invoice prints them.
IDENT_TYPES = {"BULSTAT": "ЕИК", "EGN": "ЕГН", "LNCH": "ЛНЧ", "SERVICE": "Сл. №"}


# VAT groups as N-18 prints them: the Cyrillic letter (the protocol's Latin B is Б) and its rate.
VAT_LETTERS = dict(zip(VAT_GROUPS, CYRILLIC_VAT_GROUPS, strict=True))
VAT_NAMES = {
    vat.code: VAT_LETTERS[vat.code] + ("" if vat.rate is None else f" {vat.rate:.2f}%")
    for vat in VAT_CLASSES
}


def vat_group(letter: str) -> str:
    """A VAT group's letter on paper ("Б" for the protocol's ``B``)."""
    return VAT_LETTERS.get(letter, letter)


def medium(name: str) -> str:
    """A payment medium's name on paper ("Карта" for ``MEDIUM_CARD``)."""
    return MEDIA.get(name, name)


def ident_type(name: str) -> str:
    """A buyer identification type's name on paper ("ЕИК" for ``BULSTAT``)."""
    return IDENT_TYPES.get(name, name)


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def centred(text: str) -> str:
    return text[:WIDTH].center(WIDTH).rstrip()


def columns(left: str, right: str) -> str:
    room = WIDTH - len(right) - 1
    return f"{left[:room]:<{room}} {right}"


def rule(char: str = "-") -> str:
    return char * WIDTH


def header(serial_number: str, operator: str = "") -> list[str]:
    lines = [centred(text) for text in HEADER]
    lines.append(columns(f"ФУ {serial_number}", f"Оператор: {operator}" if operator else ""))
    return [*lines, rule()]


def footer(number: int, at: datetime, serial_number: str, fiscal_memory_number: str) -> list[str]:
    return [
        rule(),
        columns(f"№ {number:07d}", at.strftime("%d.%m.%Y %H:%M:%S")),
        columns(f"ФУ {serial_number}", f"ФП {fiscal_memory_number}"),
    ]


def amounts_by_key(
    title: str, amounts: dict[str, Decimal], label: str = "", names: dict[str, str] | None = None
) -> list[str]:
    """A titled block of ``key  amount`` rows (``names`` gives a key its printed name), or
    nothing when there are no amounts."""
    if not amounts:
        return []
    names = names or {}
    rows = [
        columns(f"{label}{names.get(key, key)}", money(value))
        for key, value in sorted(amounts.items())
    ]
    return [title, *rows]


def framed(title: str, body: Iterable[str]) -> list[str]:
    return [rule("="), centred(title), rule("="), *body, rule("=")]


def last_z_report(paper: str) -> str:
    """The body of the last Z report printed on ``paper`` (what the demo shows)."""
    bodies = [block.strip("\n") for block in paper.split(rule())]
    reports = [body for body in bodies if "Z ОТЧЕТ" in body]
    return reports[-1] if reports else ""
