"""The one interface both drivers implement; Odoo models and the demo speak only this."""

from __future__ import annotations

import abc
import enum
from datetime import datetime, timedelta
from decimal import Decimal

from .documents import (
    CashOperation,
    ControlTape,
    DeviceInfo,
    FiscalResult,
    InvoiceRange,
    Operator,
    Receipt,
    ReportResult,
    ShiftState,
)
from .errors import UnsupportedOperation
from .validation import receipt_problems


class Capability(str, enum.Enum):
    """An operation some families have; what every device does (sale, storno, ...) is on
    ``FiscalDevice`` itself. Every flag is read where the addon decides (no flag is dead)."""

    INVOICE = "invoice"  # receipt with the buyer's identity (N5 invoice / credit note)
    X_REPORT = "x_report"
    Z_REPORT = "z_report"
    CASH_IN_OUT = "cash_in_out"
    INFO = "info"
    SHIFT_STATE = "shift_state"
    OPEN_SHIFT = "open_shift"  # Caspos opens shifts explicitly; the N5 opens its day on first sale
    IDEMPOTENT = "idempotent"  # the device deduplicates by uuid, so a lost answer can be resent
    PRINT_DUPLICATE = "print_duplicate"
    OPEN_CASHBOX = "open_cashbox"
    PERIODIC_REPORT = "periodic_report"
    CONTROL_TAPE = "control_tape"
    CURRENT_CASH = "current_cash"
    PRINT_AGAIN = "print_again"  # finish a registered document whose printing failed (N5)
    ELECTRONIC_JOURNAL = "electronic_journal"
    FISCAL_MEMORY_REPORT = "fiscal_memory_report"
    ARTICLE_REPORT = "article_report"
    DEPARTMENT_REPORT = "department_report"
    TIME_TO_BLOCK = "time_to_block"
    INVOICE_RANGE = "invoice_range"
    DEVICE_NUMBERS = "device_numbers"


class FiscalDevice(abc.ABC):
    """A connected fiscal device. Every method either returns the device's result or raises a
    ``FiscalError``; document methods take the caller's uuid, persisted before the call."""

    capabilities: frozenset[Capability] = frozenset()

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def require(self, capability: Capability) -> None:
        if capability not in self.capabilities:
            raise UnsupportedOperation(f"{type(self).__name__} cannot do {capability.value}")

    def problems(self, receipt: Receipt) -> list[str]:
        """Every reason this device would refuse ``receipt``, found without touching it: the
        core's checks, then the device's own (lengths, codes, bounds). Empty when it may go."""
        return receipt_problems(receipt)

    @abc.abstractmethod
    def info(self) -> DeviceInfo: ...

    @abc.abstractmethod
    def shift_state(self) -> ShiftState: ...

    def open_shift(self, operator: Operator) -> ShiftState:
        self.require(Capability.OPEN_SHIFT)
        raise NotImplementedError

    @abc.abstractmethod
    def fiscalize(self, receipt: Receipt) -> FiscalResult:
        """Register a sale, storno, invoice or credit note (``receipt.kind`` says which)."""

    @abc.abstractmethod
    def cash_in_out(self, operation: CashOperation) -> FiscalResult: ...

    @abc.abstractmethod
    def x_report(self, operator: Operator) -> ReportResult: ...

    @abc.abstractmethod
    def z_report(self, operator: Operator, uuid: str = "") -> ReportResult:
        """Close the shift / fiscal day and return its report."""

    def print_duplicate(self) -> None:
        """Print a copy of the last document (N5 PrintDuplicate, Caspos printLastCheque)."""
        self.require(Capability.PRINT_DUPLICATE)
        raise NotImplementedError

    def open_cashbox(self) -> None:
        """Open the cash drawer attached to the device."""
        self.require(Capability.OPEN_CASHBOX)
        raise NotImplementedError

    def print_again(self) -> None:
        """Print the registered document whose printing failed (paper out, print failure)."""
        self.require(Capability.PRINT_AGAIN)
        raise NotImplementedError

    def periodic_report(self, start: datetime, end: datetime) -> ReportResult:
        self.require(Capability.PERIODIC_REPORT)
        raise NotImplementedError

    def control_tape(self) -> ControlTape:
        self.require(Capability.CONTROL_TAPE)
        raise NotImplementedError

    def print_electronic_journal(
        self, document_filter: str, range_filter: str, start: object, end: object
    ) -> None:
        """Print the electronic journal; filters are the family's ``report_filters`` codes."""
        self.require(Capability.ELECTRONIC_JOURNAL)
        raise NotImplementedError

    def print_fiscal_memory_report(
        self, range_filter: str, start: object, end: object, full: bool
    ) -> None:
        self.require(Capability.FISCAL_MEMORY_REPORT)
        raise NotImplementedError

    def print_article_report(self) -> None:
        self.require(Capability.ARTICLE_REPORT)
        raise NotImplementedError

    def print_department_report(self) -> None:
        self.require(Capability.DEPARTMENT_REPORT)
        raise NotImplementedError

    def current_cash(self) -> Decimal:
        self.require(Capability.CURRENT_CASH)
        raise NotImplementedError

    def time_to_block(self) -> timedelta:
        """How long the device may still work before it blocks itself (N5: unsent data)."""
        self.require(Capability.TIME_TO_BLOCK)
        raise NotImplementedError

    def invoice_range(self) -> InvoiceRange:
        self.require(Capability.INVOICE_RANGE)
        raise NotImplementedError

    def set_invoice_range(self, first: int, last: int) -> None:
        self.require(Capability.INVOICE_RANGE)
        raise NotImplementedError

    def numbers(self) -> tuple[str, str]:
        """(serial number, fiscal memory number) as the device reports them."""
        self.require(Capability.DEVICE_NUMBERS)
        raise NotImplementedError

    def close(self) -> None:  # noqa: B027 - most drivers hold nothing to release
        """Release the connection; the device object may not be used afterwards."""

    def __enter__(self) -> FiscalDevice:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
