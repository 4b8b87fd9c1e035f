"""Caspos wire vocabulary: the spec's enums, number formats, limits and codes.

Both the driver and the emulator speak through this module, so a format decision is made once.
Bodies are written and read by ``core.jsonwire`` (the one JSON codec of every device): numbers
are quantized here first (quantity 3 decimals, money 2 decimals) and go out as exact JSON
numbers, never through a binary float.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from ..core.money import round_money, round_quantity

CONTENT_TYPE = "application/json; charset=utf-8"
DEFAULT_PORT = 5544
DEFAULT_USERNAME = "username"  # the spec's example credentials
DEFAULT_PASSWORD = "password"
CURRENCY = "AZN"  # "always sent as AZN"
QR_CODE_URL = "https://monitoring.e-kassa.gov.az/#/index?doc="
DOCUMENT_ID_LENGTH = 44
SHORT_ID_LENGTH = 12
DATE_FORMAT = "%d.%m.%Y %H:%M:%S"  # getShiftStatus, reports, getPeriodicZReport

# Limits the spec names by error code only (608, 609, 622, 630, 631, 635, 646, 647); the values
# are ours, shared by the driver's checks and the emulator so that both refuse the same thing.
MAX_CASHIER_LENGTH = 64
MAX_ITEM_NAME_LENGTH = 255
MAX_ITEM_CODE_LENGTH = 64
MAX_MARKING_CODE_LENGTH = 255
MAX_CONTRACT_LENGTH = 64
MAX_PAYER_LENGTH = 128
MAX_BONUS_CARD_LENGTH = 64
MAX_CLIENT_NAME_LENGTH = 128
MAX_ITEM_UUID_LENGTH = 64
MAX_BANK_FIELD_LENGTH = 64  # transactionId, transactionNumber, approvalCode
MAX_NOTE_LENGTH = 500  # the one note printed at the end (313 "check max string size failed")
MAX_ITEMS = 500  # 620 "too many items"
# Bounds of the numbers a document may carry (614 one item's total, 607 the document's):
# a quantity below a million, an amount below a hundred million manat.
MAX_QUANTITY = Decimal("999999.999")
MAX_AMOUNT = Decimal("99999999.99")
MAX_PERCENT = Decimal(100)
RRN_LENGTH = 12  # ISO 8583 retrieval reference number
SHIFT_HOURS = 24


class VatType(enum.IntEnum):
    VAT18 = 1  # ƏDV 18 %
    TRADE_SUPPLEMENT = 2  # Ticarət ƏDV-si 18%
    VAT_FREE = 3  # ƏDV-dən azad
    VAT0 = 5  # ƏDV 0%
    SIMPLIFIED2 = 6  # Sadələşdirilmiş 2%
    SIMPLIFIED8 = 7  # Sadələşdirilmiş 8%


# The rate a VAT type stands for; None is "free of VAT" (reports leave vatPercent out).
VAT_PERCENT: dict[int, Decimal | None] = {
    VatType.VAT18: Decimal(18),
    VatType.TRADE_SUPPLEMENT: Decimal(18),
    VatType.VAT_FREE: None,
    VatType.VAT0: Decimal(0),
    VatType.SIMPLIFIED2: Decimal(2),
    VatType.SIMPLIFIED8: Decimal(8),
}
# The spec's own descriptions of the VAT types, with a reading for non-Azerbaijani users.
VAT_LABELS: dict[int, str] = {
    VatType.VAT18: "ƏDV 18 % (VAT 18 %)",
    VatType.TRADE_SUPPLEMENT: "Ticarət ƏDV-si 18 % (trade mark-up VAT 18 %)",
    VatType.VAT_FREE: "ƏDV-dən azad (VAT-exempt)",
    VatType.VAT0: "ƏDV 0 % (VAT 0 %)",
    VatType.SIMPLIFIED2: "Sadələşdirilmiş 2 % (simplified tax 2 %)",
    VatType.SIMPLIFIED8: "Sadələşdirilmiş 8 % (simplified tax 8 %)",
}


class QuantityType(enum.IntEnum):
    PIECE = 0  # Ədəd
    KILOGRAM = 1
    LITRE = 2
    METRE = 3
    SQUARE_METRE = 4
    CUBIC_METRE = 5


QUANTITY_LABELS: dict[int, str] = {
    QuantityType.PIECE: "Ədəd (piece)",
    QuantityType.KILOGRAM: "KQ (kilogram)",
    QuantityType.LITRE: "Litr (litre)",
    QuantityType.METRE: "Metr (metre)",
    QuantityType.SQUARE_METRE: "Kv. metr (square metre)",
    QuantityType.CUBIC_METRE: "Kub. metr (cubic metre)",
}


class CodeType(enum.IntEnum):
    PLAIN = 0
    EAN8 = 1
    EAN13 = 2
    SERVICE = 3


class DocumentType(enum.IntEnum):
    SALE = 0
    MONEY_BACK = 1
    DEPOSIT = 2
    WITHDRAW = 3
    X_REPORT = 4
    Z_REPORT = 5
    CORRECTION = 6
    ROLLBACK = 7
    CREDIT = 8
    PREPAYMENT = 9
    CREDIT_RETURN = 10
    PREPAYMENT_RETURN = 11


class MoneyBackType(enum.IntEnum):
    SALE = 0
    ADVANCE = 6
    CREDIT_PAY = 7


class Operation(str, enum.Enum):
    LOGIN = "toLogin"
    LOGOUT = "toLogout"
    GET_INFO = "getInfo"
    GET_SHIFT_STATUS = "getShiftStatus"
    OPEN_SHIFT = "openShift"
    CLOSE_SHIFT = "closeShift"
    DEPOSIT = "deposit"
    WITHDRAW = "withDraw"
    SALE = "sale"
    CREDIT = "credit"
    PREPAYMENT = "prepayment"
    PREPAYMENT_PRODUCTS = "prepaymentProducts"
    MONEY_BACK = "moneyBack"
    CORRECTION = "correction"
    ROLLBACK = "rollBack"
    GET_X_REPORT = "getXReport"
    PRINT_LAST_CHEQUE = "printLastCheque"
    GET_PERIODIC_Z_REPORT = "getPeriodicZReport"
    GET_CONTROL_TAPE = "getControlTape"
    IS_CONNECTED_PRINTER = "isConnectedPrinter"
    OPEN_CASHBOX = "openCashbox"


# Operations that create a fiscal document and carry the caller's documentUUID.
DOCUMENT_OPERATIONS = frozenset(
    {
        Operation.CLOSE_SHIFT,
        Operation.DEPOSIT,
        Operation.WITHDRAW,
        Operation.SALE,
        Operation.CREDIT,
        Operation.PREPAYMENT,
        Operation.PREPAYMENT_PRODUCTS,
        Operation.MONEY_BACK,
        Operation.CORRECTION,
        Operation.ROLLBACK,
    }
)
# Operations that only read: repeating them after a lost answer changes nothing.
READ_OPERATIONS = frozenset(
    {
        Operation.LOGIN,
        Operation.GET_INFO,
        Operation.GET_SHIFT_STATUS,
        Operation.GET_X_REPORT,
        Operation.GET_PERIODIC_Z_REPORT,
        Operation.GET_CONTROL_TAPE,
        Operation.IS_CONNECTED_PRINTER,
    }
)


def money(value: Decimal | int | str) -> Decimal:
    """An amount as the wire carries it: exactly 2 decimals (``core.jsonwire`` writes it so)."""
    return round_money(Decimal(value))


def quantity(value: Decimal | int | str) -> Decimal:
    """A quantity as the wire carries it: exactly 3 decimals."""
    return round_quantity(Decimal(value))


def parse_code(value: object) -> int:
    """The answer's ``code``: a string ("0") in most examples, a number in the template."""
    if isinstance(value, bool):
        raise ValueError(f"code {value!r} is not a number")
    return int(str(value).strip())


def format_date(moment: datetime) -> str:
    return moment.strftime(DATE_FORMAT)


def parse_date(text: str) -> datetime:
    return datetime.strptime(text.strip(), DATE_FORMAT)
