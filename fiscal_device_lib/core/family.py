"""What one device family is, as plain facts: the one place every layer asks.

Each driver package builds one ``DeviceFamily`` (its ``FAMILY``); ``fiscal_device_lib.families``
lists them. The Odoo selections, constraints, wizards, the demo and the command line read these
facts and never restate a device code, rate, unit or capability of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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

    @property
    def title(self) -> str:
        """What a person picks from: the code, then the label with the rate ("B — Б (B): ...,
        20 %", "3 — 0 %: ƏDV-dən azad"); the rate is added where the label does not state it,
        and a class whose rate the law does not fix says so in its label."""
        if self.rate is None or f"{self.rate.normalize():f} %" in self.label:
            return f"{self.code} — {self.label}"
        return f"{self.code} — {self.rate.normalize():f} %: {self.label}"


@dataclass(frozen=True)
class RangeFilter:
    """One way to bound a report (N5 "ByDate", "ByNumber", ...): its ends are dates
    (``by_date``) or whole numbers."""

    code: str
    label: str
    by_date: bool


@dataclass(frozen=True)
class ReportFilters:
    """The choices a bounded report takes on a family (electronic journal, fiscal memory):
    which documents it lists, by what range (the first is the default) and how a date end
    is written on the wire."""

    ranges: tuple[RangeFilter, ...]
    documents: tuple[Choice, ...] = ()
    default_document: str = ""
    date_format: str = "%Y-%m-%dT%H:%M:%S"

    def range(self, code: str) -> RangeFilter | None:
        return next((found for found in self.ranges if found.code == code), None)


# Labels of the core's device-neutral payment kinds; each family lists the kinds it takes.
PAYMENT_KIND_LABELS: Mapping[PaymentKind, str] = {
    PaymentKind.CASH: "Cash",
    PaymentKind.CARD: "Card / cashless",
    PaymentKind.BONUS: "Bonus",
    PaymentKind.CREDIT: "Credit",
    PaymentKind.ADVANCE: "Advance (prepayment)",
    PaymentKind.CHECK: "Cheque",
    PaymentKind.COUPON: "Coupon",
    PaymentKind.EXT_COUPON: "External coupon",
    PaymentKind.PACKAGING: "Packaging",
    PaymentKind.INTERNAL_SERVICE: "Internal service",
    PaymentKind.DAMAGE: "Damage",
    PaymentKind.BANK: "Bank transfer",
    PaymentKind.NZOK: "Health insurance fund (NZOK)",
    PaymentKind.RESERVE2: "Reserve 2",
}


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
    # the plain connection values ``settings`` reads (url, path, port, baudrate, username,
    # password, timeout, retries, busy_retries, currency): an ERP shows only these
    setting_names: frozenset[str] = frozenset()
    # the operator is known to the device by a number as well as a name (N5)
    operator_numbers: bool = False
    # the receipt prints the source's reference as a free-text note; the N5 prints none
    prints_note: bool = True
    # a connected driver may be kept between operations (an HTTP session, see core.pool); a
    # serial port is released after each, for the next process that needs it
    keeps_connection: bool = False
    # the device takes Naredba N-18's unique sale number (УНП) of a registered company's sales
    takes_sale_number: bool = False
    # the names of the Z report's own (sales, returns) totals; None: the report has none
    z_sales_totals: tuple[str, str] | None = None
    # per optional bounded report (ELECTRONIC_JOURNAL, FISCAL_MEMORY_REPORT) its choices
    report_filters: Mapping[Capability, ReportFilters] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def vat_class(self, code: str) -> VatClass | None:
        return next((vat for vat in self.vat_classes if vat.code == code), None)

    def payment_choices(self) -> tuple[Choice, ...]:
        """The payment kinds this family takes, each with its label, in the core's order."""
        return tuple(
            Choice(code=kind.value, label=PAYMENT_KIND_LABELS[kind])
            for kind in PaymentKind
            if kind in self.payment_kinds
        )

    def filters_of(self, capability: Capability) -> ReportFilters | None:
        """The choices of the bounded report ``capability`` names; None where the family has
        no such report."""
        return self.report_filters.get(capability) if self.supports(capability) else None
