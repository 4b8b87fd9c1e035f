"""The N5's values and formats, shared by the driver and the emulator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from ..core.errors import MalformedAnswer

VAT_GROUPS = "ABCDEFGH"  # Latin letters for N-18's А Б В Г Д Е Ж З, in that order
DEPARTMENTS = range(0, 101)
MEDIUMS = (
    "MEDIUM_CASH",
    "MEDIUM_CHECK",
    "MEDIUM_COUPON",
    "MEDIUM_EXT_COUPON",
    "MEDIUM_PACKAGING",
    "MEDIUM_INTERNAL_SERVICE",
    "MEDIUM_DAMAGE",
    "MEDIUM_CARD",
    "MEDIUM_BANK",
    "MEDIUM_NZOK",
    "MEDIUM_RESERVE2",
)
IDENT_TYPES = ("BULSTAT", "EGN", "LNCH", "SERVICE")
STORNO_TYPES = ("OPERATOR_ERROR", "ATRICLE_RETURN", "WRONG_PRICE")  # sic: the spec's spelling
EJ_RECEIPT_FILTERS = (
    "FISCAL_RECEIPT",
    "CASH_IN_OUT",
    "X_RECEIPT",
    "Z_RECEIPT",
    "FISCAL_REPORT",
    "ALL",
)
EJ_RANGE_FILTERS = ("ByDate", "ByNumber", "ByZNumber")
FISCAL_REPORT_FILTERS = ("ByDate", "ByNumber")

# Not in the protocol document: the longest texts this driver and the emulator accept.
MAX_OPERATOR_NAME = 32
MAX_DESCRIPTION = 72
MAX_TEXT = 72
MAX_BUYER_FIELD = 72
MAX_AMOUNT = Decimal("9999999999999999")

STORNO_DATE_FORMAT = "%Y%m%dT%H:%M:%S"  # stornoInput.documentDate, yyyymmddThh:mm:ss
RANGE_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"  # PrintEJ / PrintFiscalReport "from" / "to" by date
QR_DATE_FORMAT = "%Y-%m-%d*%H:%M:%S"


@dataclass(frozen=True)
class QrData:
    """The PrintReceipt answer ``FM*RECEIPT*DATE*TIME*TOTAL``: what a later storno needs."""

    fiscal_memory_number: str
    receipt_number: int
    issued_at: datetime
    total: Decimal

    @property
    def text(self) -> str:
        return format_qr(self.fiscal_memory_number, self.receipt_number, self.issued_at, self.total)


def format_qr(fiscal_memory_number: str, number: int, issued_at: datetime, total: Decimal) -> str:
    stamp = issued_at.strftime(QR_DATE_FORMAT)
    return f"{fiscal_memory_number}*{number:07d}*{stamp}*{total:.2f}"


def parse_qr(text: str) -> QrData:
    """Read the QR text of a receipt; ``MalformedAnswer`` when it is not five ``*`` parts."""
    parts = text.split("*")
    if len(parts) != 5:
        raise MalformedAnswer(f"QR text is not FM*RECEIPT*DATE*TIME*TOTAL: {text!r}")
    fiscal_memory_number, number, day, time_of_day, total = parts
    try:
        return QrData(
            fiscal_memory_number=fiscal_memory_number,
            receipt_number=int(number),
            issued_at=datetime.strptime(f"{day}*{time_of_day}", QR_DATE_FORMAT),
            total=Decimal(total),
        )
    except (ValueError, InvalidOperation):
        raise MalformedAnswer(f"QR text has a bad number or date: {text!r}") from None
