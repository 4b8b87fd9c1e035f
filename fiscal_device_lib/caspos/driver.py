"""The Caspos Integration Service driver: every operation of the spec through one raw ``call``.

Bytes go through ``transport.http_post`` (one kept-alive session, a timeout on every call) and
bodies through ``core.jsonwire``. Session: the driver logs in on first use and, after a 401
"invalid login session", logs in again and repeats the call once. Exactly once: document
operations carry the caller's ``documentUUID``; an answer that is lost, cut off, wrongly encoded
or unreadable is resent with the same body (``retries`` times), and code 1 "Repeated
DocumentUUID" is the earlier document, returned as a success marked ``repeated``; when no
readable answer comes the error is ``OutcomeUnknown``. A registered document is never reported
as failed because of a later step: without getInfo's QR base its ``qr_link`` stays empty and
``qr_link(document_id)`` fills it in. ``problems(receipt)`` is the full check ``fiscalize`` uses.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from uuid import uuid4

from ..core import jsonwire
from ..core.documents import (
    BankInfo,
    CashOperation,
    ControlTape,
    DeviceInfo,
    DocumentKind,
    FiscalResult,
    Operator,
    Receipt,
    ReportResult,
    ShiftState,
    TapeEntry,
)
from ..core.errors import (
    DeviceTimeout,
    DeviceUnreachable,
    FiscalError,
    MalformedAnswer,
    Outcome,
    OutcomeUnknown,
    TransportError,
    ValidationError,
)
from ..core.interface import Capability, FiscalDevice
from ..core.money import ZERO
from ..core.validation import receipt_problems, validate_cash_operation
from ..transport.http_post import HttpAnswer, HttpSettings, HttpTransport
from .errors import INVALID_LOGIN_SESSION, OK, REPEATED_UUID, NotACasposDocument, rejected
from .messages import (
    CorrectionRequest,
    CreditPayRequest,
    MoneyBackRequest,
    PrepaymentRequest,
    RollBackRequest,
    SaleRequest,
)
from .serialize import caspos_problems, money_back_request, sale_request
from .wire import (
    CONTENT_TYPE,
    CURRENCY,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    DOCUMENT_OPERATIONS,
    QR_CODE_URL,
    READ_OPERATIONS,
    SHORT_ID_LENGTH,
    Operation,
    format_date,
    money,
    parse_code,
    parse_date,
)

HEADERS = {"Content-Type": CONTENT_TYPE, "Accept": "application/json"}
ACCEPT = {"Accept": "application/json"}
ANSWER_SNIPPET = 80  # how much of a non-JSON answer an error message quotes


@dataclass
class Answer:
    """One decoded device answer; ``repeated`` when the device had the documentUUID already."""

    code: int
    message: str
    data: dict
    raw: dict
    request: dict = field(default_factory=dict)

    @property
    def repeated(self) -> bool:
        return self.code == REPEATED_UUID


class NotCasposAnswer(MalformedAnswer):
    """The device answered, with something that is not a Caspos JSON answer."""


def named(operation: Operation, error: FiscalError) -> FiscalError:
    """``error`` with the operation it happened to in front (``toLogin: no answer ...``)."""
    if isinstance(error, NotCasposAnswer):
        return error  # says its operation already
    if isinstance(error, TransportError):
        text = str(error).removesuffix(f" ({error.url})")
        return type(error)(f"{operation.value}: {text}", error.url)
    return type(error)(f"{operation.value}: {error}")


def readable(name: str) -> str:
    """``saleCashlessSum`` → ``sale cashless sum``: report keys as the core's readable names."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()


def vat_label(entry: dict) -> str:
    if "vatType" in entry:
        return f"type {entry['vatType']}"
    return f"{entry['vatPercent']}%" if "vatPercent" in entry else "free"


def report_result(kind: DocumentKind, data: dict, request: dict, raw: dict) -> ReportResult:
    """An X, Z or periodic report: its numbers as readable totals, VAT lists per group."""
    figures = data["currencies"][0] if data.get("currencies") else data
    totals: dict[str, Decimal | int] = {}
    vat: dict[str, Decimal] = {}
    for key, value in figures.items():
        if isinstance(value, list):
            group = readable(key.removesuffix("VatAmounts"))
            vat.update({f"{group} {vat_label(e)}": Decimal(e["vatSum"]) for e in value})
        elif isinstance(value, int | Decimal) and not isinstance(value, bool):
            totals[readable(key)] = value
    number = data.get("reportNumber")
    return ReportResult(
        kind=kind,
        number=int(number) if number not in (None, "") else None,
        totals=totals,
        vat=vat,
        request=request,
        raw=raw,
    )


def control_tape_of(data: dict) -> ControlTape:
    entries = [
        TapeEntry(
            document_id=str(entry.get("document_id", "")),
            short_document_id=str(entry.get("short_document_id", "")),
            number=int(entry.get("number", 0)),
            type=str(entry.get("type", "")),
            total=Decimal(entry.get("total_sum", 0)),
            vat=Decimal(entry.get("total_vat", 0)),
            item_count=int(entry.get("item_count", 0)),
            created_at=str(entry.get("createdAtUtc", "")),
        )
        for entry in data.get("tape", [])
    ]
    shift_number = data.get("shift_number")
    return ControlTape(
        shift_number=int(shift_number) if shift_number is not None else None,
        created_at=str(data.get("createdAtUtc", "")),
        documents=entries,
        raw=data,
    )


def bank_of(data: dict) -> BankInfo | None:
    """The answer's bank fields; the device writes the text "null" for an empty one."""
    values = {
        name: "" if str(data.get(name) or "null") == "null" else str(data[name])
        for name in ("rrn", "transaction_id", "transaction_number", "approval_code")
    }
    return BankInfo(**values) if any(values.values()) else None


# What a Caspos device can do; ``FAMILY.capabilities`` reads this same set.
CAPABILITIES = frozenset(
    {
        Capability.X_REPORT,
        Capability.Z_REPORT,
        Capability.CASH_IN_OUT,
        Capability.INFO,
        Capability.SHIFT_STATE,
        Capability.OPEN_SHIFT,
        Capability.IDEMPOTENT,
        Capability.PRINT_DUPLICATE,
        Capability.OPEN_CASHBOX,
        Capability.PERIODIC_REPORT,
        Capability.CONTROL_TAPE,
        Capability.DEVICE_NUMBERS,
    }
)


# what reading a decoded answer's fields can raise on values of the wrong shape
UNREADABLE = (ValueError, TypeError, KeyError, AttributeError, ArithmeticError)


@contextlib.contextmanager
def read_answer(operation: Operation, answer: Answer) -> Iterator[None]:
    """Fields of a read's answer that cannot be read: ``MalformedAnswer``, nothing registered."""
    try:
        yield
    except UNREADABLE as error:
        raise MalformedAnswer(
            f"{operation.value}: the device's answer cannot be read ({error}): "
            f"{str(answer.raw)[:ANSWER_SNIPPET]}",
            outcome=Outcome.NOTHING_REGISTERED,
        ) from None


@contextlib.contextmanager
def registered_answer(operation: Operation, data: dict, answer: Answer) -> Iterator[None]:
    """Fields of an accepted document's answer that cannot be read: the document exists, its
    ids are not known, so ``OutcomeUnknown`` (a resend with the same uuid answers it again)."""
    try:
        yield
    except UNREADABLE as error:
        uuid = data.get("documentUUID", "")
        raise OutcomeUnknown(
            f"{operation.value} {uuid}: the device accepted the document (code {answer.code}) "
            f"but its answer cannot be read ({error}); send it again with the same "
            "documentUUID to read it",
            request=answer.request,
        ) from None


class CasposDriver(FiscalDevice):
    """A Caspos device (or its emulator) at ``url`` + ``path``."""

    capabilities = CAPABILITIES

    def __init__(
        self,
        url: str,
        path: str = "/",
        username: str = DEFAULT_USERNAME,
        password: str = DEFAULT_PASSWORD,
        timeout: float = 30.0,
        retries: int = 2,
        currency: str = CURRENCY,
    ):
        self.username, self.password = username, password
        self.timeout, self.retries = float(timeout), int(retries)
        self.currency = currency
        # one timeout for connect and answer, as the addon's settings give it
        self.transport = HttpTransport(HttpSettings(url=url, path=path, connect_timeout=None))
        self.endpoint = self.transport.url
        self.logged_in = False
        self.qr_code_url = ""

    def close(self) -> None:
        self.transport.close()

    # -- the one raw call -----------------------------------------------------------------------

    def call(
        self, operation: str | Operation, data: dict | None = None, top: dict | None = None
    ) -> Answer:
        """Send one operation (``data`` inside, ``top`` beside ``operation``); returns the answer
        or raises ``DeviceRejected`` with the device's code, text and the spec's hint."""
        operation = Operation(operation)
        if not self.logged_in and operation not in (Operation.LOGIN, Operation.LOGOUT):
            self.to_login()
        answer = self.exchange(operation, data, top)
        if answer.code == INVALID_LOGIN_SESSION and operation is not Operation.LOGIN:
            self.logged_in = False
            self.to_login()
            answer = self.exchange(operation, data, top)
        if answer.code not in (OK, REPEATED_UUID):
            raise rejected(answer.code, answer.message, operation in DOCUMENT_OPERATIONS)
        return answer

    def exchange(self, operation: Operation, data: dict | None, top: dict | None) -> Answer:
        """One request, repeated with the very same bytes while it may be lost in transit.

        A document whose answer is lost, cut off or unreadable is resent with its documentUUID
        (the device answers the earlier document, code 1); after ``retries`` resends it is
        ``OutcomeUnknown``. A read is repeated after a lost answer; its failure registers nothing.
        """
        body: dict = {"operation": operation.value, **(top or {})}
        body.update({"username": self.username, "password": self.password})
        if data is not None:
            body["data"] = data
        payload = jsonwire.encode(body)
        shown = {key: value for key, value in body.items() if key != "password"}
        is_document = operation in DOCUMENT_OPERATIONS
        is_read = operation in READ_OPERATIONS
        attempts = 1 + self.retries if is_document or is_read else 1
        maybe_sent = False
        failure: FiscalError | None = None
        for _ in range(attempts):
            try:
                answer = self.transport.post(payload, self.timeout, ACCEPT)
                if answer.status >= 500:
                    raise MalformedAnswer(f"HTTP {answer.status} from {self.endpoint}")
                return self.decode(operation, answer, shown)
            except DeviceUnreachable as error:
                failure = named(operation, error)
            except (DeviceTimeout, MalformedAnswer) as error:
                maybe_sent, failure = True, named(operation, error)
                if is_read and isinstance(error, NotCasposAnswer):
                    break  # the device answers garbage: asking again will not help
        assert failure is not None
        if maybe_sent and is_document:
            uuid = (data or {}).get("documentUUID", "")
            raise OutcomeUnknown(
                f"{operation.value} {uuid}: no readable answer from {self.endpoint} after "
                f"{attempts} attempt(s) ({failure}); the document may exist: send it again with "
                "the same documentUUID to learn the outcome",
                request=shown,
            )
        if is_read or not maybe_sent:
            failure.outcome = Outcome.NOTHING_REGISTERED
        raise failure

    def decode(self, operation: Operation, answer: HttpAnswer, shown: dict) -> Answer:
        try:
            raw = jsonwire.loads(answer.body)
            if not isinstance(raw, dict):
                raise TypeError("not an object")
            code = parse_code(raw["code"])
        except (ValueError, KeyError, TypeError):
            if answer.status == INVALID_LOGIN_SESSION:
                return Answer(INVALID_LOGIN_SESSION, "invalid login session", {}, {}, shown)
            snippet = answer.body[:ANSWER_SNIPPET].decode("utf-8", "replace")
            raise NotCasposAnswer(
                f"{operation.value}: answer from {self.endpoint} is not a Caspos JSON answer "
                f"(HTTP {answer.status}): {snippet!r}"
            ) from None
        data = raw.get("data") if isinstance(raw.get("data"), dict) else {}
        return Answer(code, str(raw.get("message") or ""), data, raw, shown)

    # -- session and device ---------------------------------------------------------------------

    def to_login(self) -> str:
        """Log in; the device keeps the session, the token is only informative."""
        answer = self.exchange(Operation.LOGIN, None, None)
        if answer.code != OK:
            raise rejected(answer.code, answer.message)
        self.logged_in = True
        return str(answer.data.get("access_token", ""))

    def to_logout(self) -> None:
        self.call(Operation.LOGOUT)
        self.logged_in = False

    def get_info(self) -> dict:
        data = self.call(Operation.GET_INFO).data
        self.qr_code_url = str(data.get("qr_code_url") or QR_CODE_URL)
        return data

    def info(self) -> DeviceInfo:
        data = self.get_info()
        return DeviceInfo(
            serial_number=str(data.get("cashregister_factory_number", "")),
            fiscal_memory_number=str(data.get("cashbox_factory_number", "")),
            model=str(data.get("cashregister_model", "")),
            firmware=str(data.get("application_version", "")),
            details=data,
        )

    def get_shift_status(self) -> ShiftState:
        answer = self.call(Operation.GET_SHIFT_STATUS)
        data = answer.data
        with read_answer(Operation.GET_SHIFT_STATUS, answer):
            opened = str(data.get("shift_open_time") or "")
            return ShiftState(
                is_open=bool(data.get("shift_open")),
                opened_at=parse_date(opened) if opened else None,
                raw=data,
            )

    def shift_state(self) -> ShiftState:
        return self.get_shift_status()

    def open_shift(self, operator: Operator, cash_float: Decimal = ZERO) -> ShiftState:
        """Open the shift; ``cash_float`` is counted as a deposit into the drawer."""
        self.call(Operation.OPEN_SHIFT, {"sum": money(cash_float)}, {"cashierName": operator.name})
        return self.get_shift_status()

    def close_shift(self, cashier: str, document_uuid: str) -> ReportResult:
        """Close the shift; the answer is its Z report."""
        data = {"documentUUID": document_uuid, "cashierName": cashier}
        answer = self.call(Operation.CLOSE_SHIFT, data)
        with registered_answer(Operation.CLOSE_SHIFT, data, answer):
            return report_result(DocumentKind.Z_REPORT, answer.data, answer.request, answer.raw)

    def get_x_report(self, cashier: str) -> ReportResult:
        answer = self.call(Operation.GET_X_REPORT, {"cashierName": cashier})
        with read_answer(Operation.GET_X_REPORT, answer):
            return report_result(DocumentKind.X_REPORT, answer.data, answer.request, answer.raw)

    def periodic_report(self, start: datetime, end: datetime) -> ReportResult:
        """Totals of the shifts closed between ``start`` and ``end`` (getPeriodicZReport)."""
        data = {"startDate": format_date(start), "endDate": format_date(end)}
        answer = self.call(Operation.GET_PERIODIC_Z_REPORT, data)
        with read_answer(Operation.GET_PERIODIC_Z_REPORT, answer):
            return report_result(DocumentKind.Z_REPORT, answer.data, answer.request, answer.raw)

    def control_tape(self) -> ControlTape:
        """The documents of the open shift (getControlTape)."""
        answer = self.call(Operation.GET_CONTROL_TAPE)
        with read_answer(Operation.GET_CONTROL_TAPE, answer):
            return control_tape_of(answer.data)

    # the Odoo report wizard's names until it asks the neutral ones
    get_periodic_z_report = periodic_report
    get_control_tape = control_tape

    def print_duplicate(self) -> None:
        """Print the last document again (printLastCheque)."""
        self.call(Operation.PRINT_LAST_CHEQUE)

    print_last_cheque = print_duplicate

    def numbers(self) -> tuple[str, str]:
        """(cash register factory number, cashbox (fiscal module) factory number)."""
        details = self.info()
        return details.serial_number, details.fiscal_memory_number

    def is_connected_printer(self) -> bool:
        """True when the device reports its printer connected (code 0)."""
        return self.call(Operation.IS_CONNECTED_PRINTER).code == OK

    def open_cashbox(self) -> None:
        """Open the cash drawer attached to the device."""
        self.call(Operation.OPEN_CASHBOX)

    # -- documents ------------------------------------------------------------------------------

    def document(
        self, kind: DocumentKind, operation: Operation, data: dict, top: dict | None = None
    ) -> FiscalResult:
        """Send a document operation and read its answer as the core's result.

        Once the device has registered the document, nothing after it turns it into a failure:
        when the QR base (getInfo) cannot be had, ``qr_link`` and ``qr_payload`` stay empty and
        ``qr_link(document_id)`` fills them in later."""
        answer = self.call(operation, data, top)
        with registered_answer(operation, data, answer):
            result = self.result_of(kind, answer)
        if not self.qr_code_url:
            # a registered document stays registered: its QR link can be made later
            with contextlib.suppress(FiscalError):
                self.get_info()
        if self.qr_code_url and result.document_id:
            result.qr_link = result.qr_payload = self.qr_code_url + result.document_id
        return result

    def qr_link(self, document_id: str) -> str:
        """The link a document's QR code carries: getInfo's ``qr_code_url`` + ``document_id``.

        Asks the device for the base when the driver does not know it yet (``FiscalError``
        while it cannot); this is how a caller fills in a result whose ``qr_link`` is empty."""
        if not self.qr_code_url:
            self.get_info()
        return self.qr_code_url + document_id

    def result_of(self, kind: DocumentKind, answer: Answer) -> FiscalResult:
        found = answer.data
        document_id = str(found.get("document_id", ""))
        total = found.get("totalSum")
        return FiscalResult(
            kind=kind,
            document_id=document_id,
            short_document_id=str(found.get("short_document_id") or document_id[:SHORT_ID_LENGTH]),
            document_number=int(found["document_number"]) if "document_number" in found else None,
            shift_document_number=(
                int(found["shift_document_number"]) if "shift_document_number" in found else None
            ),
            number=str(found.get("number", "")),
            total=Decimal(total) if total is not None else None,
            bank=bank_of(found),
            repeated=answer.repeated,
            request=answer.request,
            raw=answer.raw,
        )

    def sale(self, request: SaleRequest) -> FiscalResult:
        """A sale, credit sale (``creditPayment``) or advance pay (``prepaymentDocumentId``)."""
        return self.document(DocumentKind.SALE, Operation.SALE, request.to_data())

    def credit(self, request: CreditPayRequest) -> FiscalResult:
        """One payment towards a credit sale."""
        return self.document(DocumentKind.SALE, Operation.CREDIT, request.to_data())

    def prepayment(self, request: PrepaymentRequest) -> FiscalResult:
        """An advance: ``sum`` at one VAT type; with items it is ``prepaymentProducts``."""
        operation = Operation.PREPAYMENT_PRODUCTS if request.items else Operation.PREPAYMENT
        return self.document(DocumentKind.SALE, operation, request.to_data())

    def prepayment_products(self, request: PrepaymentRequest) -> FiscalResult:
        return self.document(DocumentKind.SALE, Operation.PREPAYMENT_PRODUCTS, request.to_data())

    def money_back(self, request: MoneyBackRequest) -> FiscalResult:
        """A refund of a sale (type 0), an advance (6) or a credit pay (7); ``is_manual`` skips
        the device's checks against the parent."""
        return self.document(DocumentKind.STORNO, Operation.MONEY_BACK, request.to_data())

    def correction(self, request: CorrectionRequest) -> FiscalResult:
        top = {"cashierName": request.cashier}
        return self.document(DocumentKind.SALE, Operation.CORRECTION, request.to_data(), top)

    def roll_back(self, request: RollBackRequest) -> FiscalResult:
        """Cancel a document of the current shift (earlier shifts need ``money_back``)."""
        top = {"cashierName": request.cashier, "currency": request.currency}
        return self.document(DocumentKind.STORNO, Operation.ROLLBACK, request.to_data(), top)

    def deposit(self, document_uuid: str, amount: Decimal, cashier: str) -> FiscalResult:
        return self.cash_document(
            DocumentKind.CASH_IN, Operation.DEPOSIT, document_uuid, amount, cashier
        )

    def withdraw(self, document_uuid: str, amount: Decimal, cashier: str) -> FiscalResult:
        return self.cash_document(
            DocumentKind.CASH_OUT, Operation.WITHDRAW, document_uuid, amount, cashier
        )

    def cash_document(
        self, kind: DocumentKind, operation: Operation, uuid: str, amount: Decimal, cashier: str
    ) -> FiscalResult:
        data = {
            "documentUUID": uuid,
            "sum": money(amount),
            "cashierName": cashier,
            "currency": self.currency,
        }
        result = self.document(kind, operation, data)
        result.total = money(amount)  # the device answers totalSum 0 for cash movements
        return result

    # -- the core's interface -------------------------------------------------------------------

    def problems(self, receipt: Receipt) -> list[str]:
        """The core's checks, then every Caspos limit; the same list ``fiscalize`` refuses."""
        device = caspos_problems(receipt, self.currency)
        try:
            core = receipt_problems(receipt)
        except ArithmeticError:  # a number past Decimal's precision, which ``device`` names
            core = [] if device else ["a number of the receipt is too large to be computed"]
        return list(dict.fromkeys([*core, *device]))

    def fiscalize(self, receipt: Receipt) -> FiscalResult:
        """A neutral sale becomes ``sale``, a storno ``moneyBack`` (type 0) of its parent."""
        problems = self.problems(receipt)
        if problems and receipt.buyer is not None:
            raise NotACasposDocument(problems)
        if problems:
            raise ValidationError(problems)
        if receipt.kind is DocumentKind.STORNO:
            return self.money_back(money_back_request(receipt, self.currency))
        return self.sale(sale_request(receipt, self.currency))

    def cash_in_out(self, operation: CashOperation) -> FiscalResult:
        validate_cash_operation(operation)
        if operation.amount > 0:
            return self.deposit(operation.uuid, operation.amount, operation.operator.name)
        return self.withdraw(operation.uuid, -operation.amount, operation.operator.name)

    def x_report(self, operator: Operator) -> ReportResult:
        return self.get_x_report(operator.name)

    def z_report(self, operator: Operator, uuid: str = "") -> ReportResult:
        # without the caller's uuid a lost answer cannot be asked again, but the shift still closes
        return self.close_shift(operator.name, uuid.strip() or str(uuid4()))


def connect(**settings: object) -> CasposDriver:
    """A driver from keyword settings: url, path, username, password, timeout, retries, currency."""
    return CasposDriver(**settings)  # type: ignore[arg-type]
