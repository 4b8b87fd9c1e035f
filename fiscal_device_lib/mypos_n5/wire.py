"""The N5's values and formats, shared by the driver, the emulator and ``FAMILY``.

Every N5 fact lives here once: VAT groups and their rates, departments, payment media, report
filters, text limits, the QR text of a receipt. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ..core.documents import PaymentKind
from ..core.errors import MalformedAnswer
from ..core.family import Choice, DocumentReference, VatClass

VAT_GROUPS = "ABCDEFGH"  # Latin letters for N-18's А Б В Г Д Е Ж З, in that order
CYRILLIC_VAT_GROUPS = "АБВГДЕЖЗ"
# Naredba N-18 / the VAT act (ЗДДС): А exempt or not taxable 0 %, Б standard 20 %, В liquid
# fuels 20 %, Г reduced 9 %. Д–З are kept for special regimes whose rate the law does not fix to
# one figure, so a tax mapped to them is not checked against a rate.
_VAT_FACTS = (
    (Decimal("0"), "освободени / необлагаеми, exempt or not taxable, 0 %"),
    (Decimal("20"), "стандартна ставка, standard rate, 20 %"),
    (Decimal("20"), "течни горива, liquid fuels, 20 %"),
    (Decimal("9"), "намалена ставка, reduced rate, 9 %"),
    (None, "специален режим, special regime (rate not fixed)"),
    (None, "специален режим, special regime (rate not fixed)"),
    (None, "специален режим, special regime (rate not fixed)"),
    (None, "специален режим, special regime (rate not fixed)"),
)
VAT_CLASSES = tuple(
    VatClass(code=latin, label=f"{cyrillic} ({latin}): {text}", rate=rate)
    for latin, cyrillic, (rate, text) in zip(
        VAT_GROUPS, CYRILLIC_VAT_GROUPS, _VAT_FACTS, strict=True
    )
)
DEPARTMENTS = range(0, 101)  # the spec: "department" is a number from 0 to 100
DEPARTMENT_CHOICES = tuple(
    Choice(code=str(number), label=f"Департамент {number} (department {number})")
    for number in DEPARTMENTS
)
CURRENCY = "EUR"  # Bulgaria's currency since 1 January 2026
# N-18 requires a daily report with zeroing (Z) and fiscal devices block sales once 24 hours
# have passed since the day's first sale without one.
SHIFT_HOURS = 24
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
MEDIUM_BY_PAYMENT = {
    PaymentKind.CASH: "MEDIUM_CASH",
    PaymentKind.CARD: "MEDIUM_CARD",
    PaymentKind.CHECK: "MEDIUM_CHECK",
    PaymentKind.COUPON: "MEDIUM_COUPON",
    PaymentKind.EXT_COUPON: "MEDIUM_EXT_COUPON",
    PaymentKind.PACKAGING: "MEDIUM_PACKAGING",
    PaymentKind.INTERNAL_SERVICE: "MEDIUM_INTERNAL_SERVICE",
    PaymentKind.DAMAGE: "MEDIUM_DAMAGE",
    PaymentKind.BANK: "MEDIUM_BANK",
    PaymentKind.NZOK: "MEDIUM_NZOK",
    PaymentKind.RESERVE2: "MEDIUM_RESERVE2",
}
PAYMENT_KINDS = tuple(MEDIUM_BY_PAYMENT)
IDENT_TYPES = ("BULSTAT", "EGN", "LNCH", "SERVICE")
STORNO_TYPES = ("OPERATOR_ERROR", "ATRICLE_RETURN", "WRONG_PRICE")  # sic: the spec's spelling
# The report filters (``print_electronic_journal`` / ``print_fiscal_memory_report`` arguments)
# are the protocol's own codes; the addon's report wizard offers these.
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
MAX_QUANTITY = Decimal("9999999.999")

STORNO_DATE_FORMAT = "%Y%m%dT%H:%M:%S"  # stornoInput.documentDate, yyyymmddThh:mm:ss
RANGE_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"  # PrintEJ / PrintFiscalReport "from" / "to" by date
QR_DATE_FORMAT = "%Y-%m-%d*%H:%M:%S"


@dataclass(frozen=True)
class QrData(DocumentReference):
    """The PrintReceipt answer ``FM*RECEIPT*DATE*TIME*TOTAL``: what a later storno needs."""

    @property
    def text(self) -> str:
        return format_qr(self.fiscal_memory_number, self.receipt_number, self.issued_at, self.total)


def format_qr(fiscal_memory_number: str, number: int, issued_at: datetime, total: Decimal) -> str:
    stamp = issued_at.strftime(QR_DATE_FORMAT)
    return f"{fiscal_memory_number}*{number:07d}*{stamp}*{total:.2f}"


def parse_qr(text: str) -> QrData:
    """Read the QR text of a receipt; ``MalformedAnswer`` when it is not five ``*`` parts."""
    if not isinstance(text, str):
        raise MalformedAnswer(f"QR text is not a string: {text!r:.80}")
    parts = text.split("*")
    if len(parts) != 5:
        raise MalformedAnswer(f"QR text is not FM*RECEIPT*DATE*TIME*TOTAL: {text!r}")
    fiscal_memory_number, number, day, time_of_day, total = parts
    plain = fiscal_memory_number.isascii() and fiscal_memory_number.isdigit()
    if not (plain and number.isascii() and number.isdigit() and _is_amount(total)):
        raise MalformedAnswer(f"QR text has a bad number: {text[:80]!r}")
    try:
        issued_at = datetime.strptime(f"{day}*{time_of_day}", QR_DATE_FORMAT)
    except ValueError:
        raise MalformedAnswer(f"QR text has a bad date: {text[:80]!r}") from None
    return QrData(
        fiscal_memory_number=fiscal_memory_number,
        receipt_number=int(number),
        issued_at=issued_at,
        total=Decimal(total),
    )


def _is_amount(text: str) -> bool:
    """Plain ASCII ``digits[.digits]`` of a sane length: what the device prints as a total."""
    whole, _, fraction = text.partition(".")
    digits = whole + fraction
    return 0 < len(digits) <= 20 and digits.isascii() and digits.isdigit() and whole != ""


def parse_reference(text: str) -> DocumentReference:
    """A receipt's QR text (as printed, or typed in by a person) -> what a storno needs.

    Raises ``ValueError`` naming the expected shape when the text is not an N5 QR.
    """
    try:
        qr = parse_qr(text.strip() if isinstance(text, str) else text)
    except MalformedAnswer as error:
        raise ValueError(
            f"{error}; an N5 QR text reads FM*RECEIPT*YYYY-MM-DD*HH:MM:SS*TOTAL"
        ) from None
    return DocumentReference(qr.fiscal_memory_number, qr.receipt_number, qr.issued_at, qr.total)
