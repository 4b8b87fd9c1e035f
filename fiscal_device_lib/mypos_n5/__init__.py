"""myPOS N5 Fiscal (Bulgaria, Naredba N-18): JSON-RPC 2.0 driver, its facts and its emulator.

``FAMILY`` is the one place the command line, the demo and the Odoo addon read the N5's facts.
Importing this package loads no command line, no ``argparse``, no emulator and nothing
POSIX-only: the emulator is imported when ``FAMILY.emulator`` is called.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from ..core.family import Choice, DemoProfile, DeviceFamily, RangeFilter, ReportFilters
from ..core.interface import Capability
from .driver import CAPABILITIES, N5Driver, connect, settings
from .errors import RESUMABLE_CODES
from .wire import (
    CURRENCY,
    DEPARTMENT_CHOICES,
    EJ_RANGE_FILTERS,
    EJ_RECEIPT_FILTERS,
    FISCAL_REPORT_FILTERS,
    PAYMENT_KINDS,
    RANGE_DATE_FORMAT,
    SHIFT_HOURS,
    VAT_CLASSES,
    parse_reference,
)

# The plain connection values ``settings`` reads: its own parameters, said once.
SETTING_NAMES = frozenset(
    name
    for name, parameter in inspect.signature(settings).parameters.items()
    if parameter.kind is not parameter.VAR_KEYWORD
)
_RANGE_LABELS = {"ByDate": "By date", "ByNumber": "By number", "ByZNumber": "By Z report number"}
_DOCUMENT_LABELS = {
    "FISCAL_RECEIPT": "Fiscal receipts",
    "CASH_IN_OUT": "Cash in and out",
    "X_RECEIPT": "X reports",
    "Z_RECEIPT": "Z reports",
    "FISCAL_REPORT": "Fiscal memory reports",
    "ALL": "All documents",
}


def _ranges(codes: tuple[str, ...]) -> tuple[RangeFilter, ...]:
    return tuple(
        RangeFilter(code=code, label=_RANGE_LABELS[code], by_date=code == "ByDate")
        for code in codes
    )


# PrintEJ and PrintFiscalReport: their filters are the protocol's own codes (wire.py)
REPORT_FILTERS = {
    Capability.ELECTRONIC_JOURNAL: ReportFilters(
        ranges=_ranges(EJ_RANGE_FILTERS),
        documents=tuple(
            Choice(code=code, label=_DOCUMENT_LABELS[code]) for code in EJ_RECEIPT_FILTERS
        ),
        default_document="ALL",
        date_format=RANGE_DATE_FORMAT,
    ),
    Capability.FISCAL_MEMORY_REPORT: ReportFilters(
        ranges=_ranges(FISCAL_REPORT_FILTERS), date_format=RANGE_DATE_FORMAT
    ),
}


@contextmanager
def run_emulator(
    state_dir: str | None = None,
    paper: TextIO | None = None,
    link: str | None = None,
    tcp: tuple[str, int] | bool = False,
) -> Iterator[dict]:
    """Run an N5 emulator in this process and yield the ``connect`` settings that reach it.

    State is kept in ``state_dir``/n5.json when given. It serves a pseudo-terminal, or TCP
    (``tcp=True`` or ``(host, port)``) so that several processes share the one emulator through
    ``socket://host:port``.
    """
    from .emulator.server import emulator

    with emulator(state_dir=state_dir, paper=paper, link=link, tcp=tcp) as connect_settings:
        yield connect_settings


def _last_z_report(paper: str) -> str:
    from .emulator.paper import last_z_report

    return last_z_report(paper)


FAMILY = DeviceFamily(
    name="n5",
    title="myPOS N5 Fiscal (Bulgaria)",
    capabilities=CAPABILITIES,
    connect=connect,
    settings=settings,
    emulator=run_emulator,
    vat_classes=VAT_CLASSES,
    payment_kinds=PAYMENT_KINDS,
    # N-18's groups in the device's Latin letters: B (Cyrillic Б) 20 %, D (Cyrillic Г) 9 %
    demo=DemoProfile(
        vat_standard="B",
        vat_reduced="D",
        currency="",
        unit_piece=None,
        z_report_on_paper=_last_z_report,
    ),
    departments=DEPARTMENT_CHOICES,
    currency=CURRENCY,
    shift_hours=SHIFT_HOURS,
    print_again_codes=frozenset(str(code) for code in RESUMABLE_CODES),
    parse_reference=parse_reference,
    setting_names=SETTING_NAMES,
    operator_numbers=True,
    prints_note=False,
    takes_sale_number=True,
    report_filters=REPORT_FILTERS,
    notes=[
        "No idempotency key: a document whose answer is lost raises OutcomeUnknown; "
        "check the journal (PrintEJ) before issuing it again.",
        "PRINT_FAIL 15 / NO_PAPER 23: the document is registered; PrintAgain prints it.",
    ],
)


def __getattr__(name: str) -> object:
    # the emulator class stays importable from here without being loaded with the package
    if name == "N5Emulator":
        from .emulator import N5Emulator

        return N5Emulator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["FAMILY", "N5Driver", "N5Emulator", "connect", "run_emulator", "settings"]
