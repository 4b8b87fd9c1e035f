"""What the emulated N5 prints, as plain text a person can read (42 columns, Bulgarian)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

WIDTH = 42
HEADER = ("ДЕМО ЕООД", "ЕИК 000000000", "гр. София, ул. Емулатор 5", "Обект: Магазин 1")


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


def amounts_by_key(title: str, amounts: dict[str, Decimal], label: str = "") -> list[str]:
    """A titled block of ``key  amount`` rows, or nothing when there are no amounts."""
    if not amounts:
        return []
    rows = [columns(f"{label}{key}", money(value)) for key, value in sorted(amounts.items())]
    return [title, *rows]


def framed(title: str, body: Iterable[str]) -> list[str]:
    return [rule("="), centred(title), rule("="), *body, rule("=")]


def last_z_report(paper: str) -> str:
    """The body of the last Z report printed on ``paper`` (what the demo shows)."""
    bodies = [block.strip("\n") for block in paper.split(rule())]
    reports = [body for body in bodies if "Z ОТЧЕТ" in body]
    return reports[-1] if reports else ""
