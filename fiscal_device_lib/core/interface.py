"""The one interface both drivers implement; Odoo models and the demo speak only this."""

from __future__ import annotations

import abc
import enum

from .documents import (
    CashOperation,
    DeviceInfo,
    FiscalResult,
    Operator,
    Receipt,
    ReportResult,
    ShiftState,
)
from .errors import UnsupportedOperation


class Capability(str, enum.Enum):
    FISCALIZE = "fiscalize"
    STORNO = "storno"
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
    BONUS_PAYMENT = "bonus_payment"
    CREDIT_PAYMENT = "credit_payment"
    SURCHARGE = "surcharge"


class FiscalDevice(abc.ABC):
    """A connected fiscal device. Every method either returns the device's result or raises a
    ``FiscalError``; document methods take the caller's uuid, persisted before the call."""

    capabilities: frozenset[Capability] = frozenset()

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def require(self, capability: Capability) -> None:
        if capability not in self.capabilities:
            raise UnsupportedOperation(f"{type(self).__name__} cannot do {capability.value}")

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

    def close(self) -> None:  # noqa: B027 - most drivers hold nothing to release
        """Release the connection; the device object may not be used afterwards."""

    def __enter__(self) -> FiscalDevice:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
