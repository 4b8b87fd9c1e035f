"""What one device family is, as plain facts: the one place every layer asks.

Each driver package builds one ``DeviceFamily`` (its ``FAMILY``); ``fiscal_device_lib.families``
lists them. The Odoo selections, constraints, wizards, the demo and the command line read these
facts and never restate a device code, rate, unit or capability of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from .documents import PaymentKind
from .interface import Capability, FiscalDevice


@dataclass(frozen=True)
class Choice:
    """One value a device field takes (a unit, a department), with its readable label."""

    code: str
    label: str


@dataclass(frozen=True)
class VatClass:
    """A device VAT class and the rate the law gives it; ``rate`` None where the device
    does not fix it (the mapping is then not checked against a tax's rate)."""

    code: str
    label: str
    rate: Decimal | None


@dataclass(frozen=True)
class DocumentReference:
    """What a later storno needs, read back from a printed document (N5 QR text)."""

    fiscal_memory_number: str
    receipt_number: int
    issued_at: datetime
    total: Decimal


@dataclass(frozen=True)
class DemoProfile:
    """Device values a demo day needs: the standard and a second VAT class, the currency."""

    vat_standard: str
    vat_reduced: str
    currency: str = ""
    unit_piece: str | None = None
    unit_weight: str | None = None
    # the device prints its reports' figures and answers only "OK": this finds the last Z
    # report on the emulator's paper, for the demo to show
    z_report_on_paper: Callable[[str], str] | None = None


@dataclass(frozen=True)
class DeviceFamily:
    name: str  # "caspos", "n5": command-line name and Odoo selection value
    title: str
    capabilities: frozenset[Capability]
    # keyword settings -> connected driver
    connect: Callable[..., FiscalDevice]
    # plain connection values (url, path, port, baudrate, timeout, username, password, currency,
    # retries, busy_retries) -> the keyword settings ``connect`` takes; raises ValueError naming
    # the missing value
    settings: Callable[..., dict]
    # starts the built-in emulator (state kept in ``state_dir`` when given) and yields the
    # keyword settings ``connect`` takes; imports the emulator only when called
    emulator: Callable[..., AbstractContextManager[dict]]
    vat_classes: tuple[VatClass, ...]
    payment_kinds: tuple[PaymentKind, ...]
    demo: DemoProfile
    units: tuple[Choice, ...] = ()  # Caspos quantity types; empty where lines carry no unit
    departments: tuple[Choice, ...] = ()  # N5 departments; empty where the device has none
    currency: str = ""  # the one currency the device registers by default ("" = any)
    shift_hours: int | None = None  # a shift older than this is refused by the device
    # device error codes after which the document is registered but not printed
    print_again_codes: frozenset[str] = frozenset()
    # the printed reference of a document (N5 QR text) -> its parts; None where the family
    # references documents by an id of its own (Caspos document_id)
    parse_reference: Callable[[str], DocumentReference] | None = None
    notes: list[str] = field(default_factory=list)

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def vat_class(self, code: str) -> VatClass | None:
        return next((vat for vat in self.vat_classes if vat.code == code), None)
