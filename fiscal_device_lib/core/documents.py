"""Device-neutral fiscal documents and results.

Odoo models (or the ``receipt`` command) build these; drivers turn them into their wire format.
Device-specific classifications (VAT class, unit, department, code type) are carried as the
device's own values, chosen by the caller's mapping, and checked by the driver.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from .money import ZERO, line_gross, percent_of, round_money


class DocumentKind(str, enum.Enum):
    SALE = "sale"
    STORNO = "storno"  # refund / money back of an earlier receipt
    INVOICE = "invoice"  # N5 extended receipt with the buyer's identity
    CREDIT_NOTE = "credit_note"  # storno of an invoice
    CASH_IN = "cash_in"
    CASH_OUT = "cash_out"
    X_REPORT = "x_report"
    Z_REPORT = "z_report"


class PaymentKind(str, enum.Enum):
    CASH = "cash"
    CARD = "card"
    BONUS = "bonus"
    CREDIT = "credit"
    ADVANCE = "advance"  # an earlier prepayment / deposit
    # myPOS N5 media beyond cash and card (MEDIUM_*)
    CHECK = "check"
    COUPON = "coupon"
    EXT_COUPON = "ext_coupon"
    PACKAGING = "packaging"
    INTERNAL_SERVICE = "internal_service"
    DAMAGE = "damage"
    BANK = "bank"
    NZOK = "nzok"
    RESERVE2 = "reserve2"


class CodeKind(str, enum.Enum):
    PLAIN = "plain"
    EAN8 = "ean8"
    EAN13 = "ean13"
    SERVICE = "service"


class StornoReason(str, enum.Enum):
    OPERATOR_ERROR = "operator_error"
    GOODS_RETURN = "goods_return"
    WRONG_PRICE = "wrong_price"


class IdentType(str, enum.Enum):
    BULSTAT = "BULSTAT"  # company
    EGN = "EGN"  # Bulgarian citizen
    LNCH = "LNCH"  # foreigner
    SERVICE = "SERVICE"


@dataclass
class Line:
    """One sold item; ``adjustment`` is negative for a discount, positive for a surcharge."""

    name: str
    quantity: Decimal
    unit_price: Decimal
    vat_class: str | None = None  # Caspos vatType ("1", "2", ...) or N5 letter ("A".."H")
    code: str = ""
    code_kind: CodeKind = CodeKind.PLAIN
    unit: str | None = None  # Caspos quantity type ("0".."5")
    department: int | None = None  # N5 department, replaces name + VAT letter on the device
    discount_amount: Decimal | None = None
    discount_percent: Decimal | None = None
    surcharge_amount: Decimal | None = None
    surcharge_percent: Decimal | None = None
    line_total: Decimal | None = None  # the ERP's own total, when it differs from qty × price
    purchase_price: Decimal | None = None
    marking_codes: list[str] = field(default_factory=list)
    item_uuid: str = ""
    parent_item_uuid: str = ""

    @property
    def gross(self) -> Decimal:
        return line_gross(self.quantity, self.unit_price)

    @property
    def adjustment(self) -> Decimal:
        """Signed money change of this line: amount wins over percent (as on the N5)."""
        if self.surcharge_amount:
            return round_money(self.surcharge_amount)
        if self.discount_amount:
            return -round_money(self.discount_amount)
        if self.surcharge_percent:
            return percent_of(self.gross, self.surcharge_percent)
        if self.discount_percent:
            return -percent_of(self.gross, self.discount_percent)
        return ZERO

    @property
    def total(self) -> Decimal:
        if self.line_total is not None:
            return round_money(self.line_total)
        return self.gross + self.adjustment


@dataclass
class Payment:
    kind: PaymentKind
    amount: Decimal


@dataclass
class TextLine:
    text: str
    barcode: bool = False  # N5 prints it as an EAN128 barcode


@dataclass
class Operator:
    """Cashier (Caspos ``cashierName``) or operator (N5 ``operatorName`` / ``operatorNumber``)."""

    name: str
    number: int = 1


@dataclass
class Customer:
    name: str = ""
    bonus_card_number: str = ""
    total_bonus: Decimal | None = None
    earned_bonus: Decimal | None = None


@dataclass
class Buyer:
    """The invoice recipient (N5 ``invoiceData``)."""

    ident_type: IdentType
    ident_number: str
    name: str
    address: str
    city: str
    vat_number: str = ""


@dataclass
class BankInfo:
    rrn: str = ""
    transaction_id: str = ""
    transaction_number: str = ""
    approval_code: str = ""


@dataclass
class CreditTerms:
    contract: str = ""
    payer: str = ""


@dataclass
class StornoReference:
    """What each device needs to find the original document."""

    reason: StornoReason = StornoReason.GOODS_RETURN
    parent_document_id: str = ""  # Caspos document_id
    fiscal_memory_number: str = ""  # N5
    receipt_number: int | None = None  # N5
    receipt_datetime: datetime | None = None  # N5
    invoice_number: str = ""  # N5 credit note


@dataclass
class Receipt:
    """A sale, storno, invoice or credit note; ``uuid`` is the caller's once-only key."""

    uuid: str
    lines: list[Line]
    payments: list[Payment]
    operator: Operator
    storno: StornoReference | None = None
    buyer: Buyer | None = None
    customer: Customer | None = None
    bank: BankInfo | None = None
    credit: CreditTerms | None = None
    prepayment_document_id: str = ""  # Caspos advance that this sale consumes
    text_before_payment: list[TextLine] = field(default_factory=list)
    text_after_payment: list[TextLine] = field(default_factory=list)
    note: str = ""
    currency: str = ""
    # N-18 unique sale number (УНП) XXXXXXXX-ZZZZ-0000001; a storno carries its sale's number
    sale_number: str = ""

    @property
    def kind(self) -> DocumentKind:
        if self.storno is not None:
            return DocumentKind.CREDIT_NOTE if self.buyer else DocumentKind.STORNO
        return DocumentKind.INVOICE if self.buyer else DocumentKind.SALE

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((round_money(p.amount) for p in self.payments), ZERO)

    @property
    def change(self) -> Decimal:
        """Cash handed back: what was paid above the total (validation allows it from cash only)."""
        return max(self.paid - self.total, ZERO)

    def amount_by_kind(self, kind: PaymentKind) -> Decimal:
        return sum((round_money(p.amount) for p in self.payments if p.kind == kind), ZERO)


@dataclass
class CashOperation:
    """Cash put into (positive ``amount``) or taken out of the drawer; ``uuid`` as for receipts."""

    uuid: str
    amount: Decimal
    operator: Operator

    @property
    def kind(self) -> DocumentKind:
        return DocumentKind.CASH_IN if self.amount > 0 else DocumentKind.CASH_OUT


@dataclass
class FiscalResult:
    """What the device answered for a document, in the core's words; ``raw`` keeps the answer."""

    kind: DocumentKind
    document_id: str = ""  # Caspos document_id; N5: the QR text
    short_document_id: str = ""  # printed fiscal id
    document_number: int | None = None  # Caspos across shifts; N5 receipt number
    shift_document_number: int | None = None
    number: str = ""  # Caspos barcode number
    fiscal_memory_number: str = ""
    issued_at: datetime | None = None
    total: Decimal | None = None  # as printed, never negative: ``kind`` says the direction
    qr_payload: str = ""
    qr_link: str = ""
    bank: BankInfo | None = None
    repeated: bool = False  # the device had this uuid already and returned the earlier document
    request: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)


@dataclass
class ReportResult:
    """An X or Z report; ``totals`` are readable name → Decimal (or count) pairs."""

    kind: DocumentKind
    number: int | None = None
    totals: dict[str, Decimal | int] = field(default_factory=dict)
    vat: dict[str, Decimal] = field(default_factory=dict)
    request: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)


@dataclass
class ShiftState:
    is_open: bool
    opened_at: datetime | None = None
    raw: dict = field(default_factory=dict)


@dataclass
class DeviceInfo:
    serial_number: str = ""
    fiscal_memory_number: str = ""
    model: str = ""
    firmware: str = ""
    details: dict = field(default_factory=dict)


@dataclass
class TapeEntry:
    """One document of a control tape (Caspos getControlTape)."""

    document_id: str
    short_document_id: str
    number: int
    type: str
    total: Decimal
    vat: Decimal
    item_count: int
    created_at: str


@dataclass
class ControlTape:
    """The documents of the current shift, as the device lists them."""

    shift_number: int | None
    created_at: str
    documents: list[TapeEntry]
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class InvoiceRange:
    """The device's programmed range of invoice numbers (N5)."""

    first: int
    last: int
    next: int

    @property
    def is_set(self) -> bool:
        return self.last > 0
