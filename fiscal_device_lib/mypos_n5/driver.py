"""myPOS N5 Fiscal driver: JSON-RPC 2.0 over a serial line or HTTP, and the core interface.

The N5 has no idempotency key and no way to read back its last receipt, so a document request
whose answer never came raises ``OutcomeUnknown`` and is never resent. Only BUSY is retried: the
device refused it before doing anything.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
import threading
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

from ..core.documents import (
    CashOperation,
    DeviceInfo,
    DocumentKind,
    FiscalResult,
    InvoiceRange,
    Operator,
    Receipt,
    ReportResult,
    ShiftState,
)
from ..core.errors import (
    DeviceRejected,
    DeviceTimeout,
    FiscalError,
    MalformedAnswer,
    Outcome,
    OutcomeUnknown,
    ValidationError,
)
from ..core.i18n import Message, _lt
from ..core.interface import Capability, FiscalDevice
from ..core.money import to_decimal
from ..core.validation import receipt_problems
from ..transport import HttpSettings, HttpTransport, SerialSettings, SerialTransport, Transport
from . import framing
from .errors import BUSY, rejected
from .serialize import cash_params, device_problems, receipt_params, report_params
from .wire import (
    CURRENCY,
    EJ_RANGE_FILTERS,
    EJ_RECEIPT_FILTERS,
    FISCAL_REPORT_FILTERS,
    RANGE_DATE_FORMAT,
    QrData,
    parse_qr,
)

MODEL = "myPOS N5 Fiscal"
# Requests that register a fiscal document: once written, any failure to read their answer is
# OutcomeUnknown (the N5 cannot be asked whether it registered them), and they are never resent.
DOCUMENT_METHODS = frozenset({"PrintReceipt", "CashInOut", "PrintZReport"})
NOT_RESENDABLE = DOCUMENT_METHODS
# Requests that only read: a failure leaves nothing on the device.
READ_METHODS = frozenset({"GetCurrentCash", "GetNumbers", "GetInvoiceRange", "GetTimeToBlock"})
METHODS = (
    "PrintReceipt",
    "PrintDuplicate",
    "CashInOut",
    "GetCurrentCash",
    "PrintXReport",
    "PrintZReport",
    "PrintArticleReport",
    "PrintDepartmentReport",
    "PrintEJ",
    "PrintFiscalReport",
    "GetNumbers",
    "GetInvoiceRange",
    "SetInvoiceRange",
    "GetTimeToBlock",
    "PrintAgain",
)
MAX_REQUEST_ID = 2**31 - 1  # the spec's ids are small integers: stay within a 32-bit int
# The longest time to block a device can mean; more is a garbled answer (timedelta's range).
MAX_TIME_TO_BLOCK_MS = Decimal(timedelta(days=36500) // timedelta(milliseconds=1))

# What the N5 can do, said once: ``FAMILY.capabilities`` and the driver read this. No
# PERIODIC_REPORT / CONTROL_TAPE: the N5 prints its fiscal memory and journal reports but
# cannot hand their figures back (those are PrintFiscalReport / PrintEJ, below).
CAPABILITIES = frozenset(
    {
        Capability.INVOICE,
        Capability.X_REPORT,
        Capability.Z_REPORT,
        Capability.CASH_IN_OUT,
        Capability.INFO,
        Capability.SHIFT_STATE,
        Capability.PRINT_DUPLICATE,
        Capability.CURRENT_CASH,
        Capability.PRINT_AGAIN,
        Capability.ELECTRONIC_JOURNAL,
        Capability.FISCAL_MEMORY_REPORT,
        Capability.ARTICLE_REPORT,
        Capability.DEPARTMENT_REPORT,
        Capability.TIME_TO_BLOCK,
        Capability.INVOICE_RANGE,
        Capability.DEVICE_NUMBERS,
    }
)


class N5Driver(FiscalDevice):
    """One N5 on one transport; safe to share between threads (one request at a time)."""

    capabilities = CAPABILITIES

    def __init__(
        self,
        transport: Transport,
        timeout: float = 15.0,
        busy_retries: int = 3,
        busy_pause: float = 0.2,
        currency: str = CURRENCY,
    ):
        self.transport = transport
        self.currency = currency  # what the device registers in; a receipt in another is refused
        self.timeout = timeout
        self.busy_retries = busy_retries
        self.busy_pause = busy_pause
        self._day_open: bool | None = None  # what this driver saw; the protocol cannot be asked

    # -- JSON-RPC -------------------------------------------------------------------------

    def call(self, method: str, params: object = None) -> object:
        """Send one request and return its ``result``; BUSY is retried ``busy_retries`` times."""
        for attempt in itertools.count():
            try:
                return self._request(method, params)
            except DeviceRejected as error:
                if error.code != BUSY or attempt >= self.busy_retries:
                    raise
            time.sleep(self.busy_pause)
        raise AssertionError("unreachable")

    def _request(self, method: str, params: object) -> object:
        request_id = next_request_id()
        try:
            payload = framing.encode_request(method, params, request_id)
        except (TypeError, ValueError, RecursionError) as error:
            raise ValidationError(f"{method}: the parameters cannot be sent ({error})") from None
        scanner = framing.Scanner()
        answers: list[framing.Response] = []
        others: list[object] = []

        def find_answer(buffer: bytes) -> tuple[int, int] | None:
            while (found := scanner.next(buffer)) is not None:
                response = framing.parse_response(framing.decode(buffer[found[0] : found[1]]))
                if _is_answer_to(response, request_id):
                    answers.append(response)
                    return found
                if response.id is None:
                    # JSON-RPC's "could not read your request": it names no request, so it is
                    # never taken as this one's answer (it may be a late one to another)
                    raise MalformedAnswer(
                        f"the device answered {method} with id null, not {request_id}: "
                        f"{_shown(response)}"
                    )
                others.append(response.id)  # an earlier request's answer, come late: skip it
            return None

        try:
            self.transport.exchange(payload, find_answer, self.timeout)
        except (DeviceTimeout, MalformedAnswer) as error:
            failure: FiscalError = error
            if others and scanner.begin is None:  # only other requests' answers came
                failure = DeviceTimeout(
                    f"no answer to request {request_id} in time; skipped answers to other "
                    f"requests (ids {', '.join(map(repr, others[:5]))})",
                    self.transport.url,
                )
            raise self._failed_after_sending(method, params, failure) from error
        response = answers[-1]
        if response.error is not None:
            detail = response.error.data or response.error.message
            raise rejected(response.error.code, detail)
        return response.result

    def _failed_after_sending(self, method: str, params: object, error: FiscalError) -> Exception:
        """What a failure to read an answer means for the request that was written."""
        if method in DOCUMENT_METHODS:
            return _outcome_unknown(method, params, str(error))
        if method in READ_METHODS:
            error.outcome = Outcome.NOTHING_REGISTERED  # a read leaves nothing behind
        return error

    # -- the protocol's methods -----------------------------------------------------------

    def print_receipt(self, params: dict, total: Decimal | None = None) -> QrData:
        """Register and print a receipt; its answer's QR, checked to belong to it.

        Any answer that is not a QR text of this receipt's ``total`` is ``OutcomeUnknown``:
        the request was written, and the device may have registered it.
        """
        result = self.call("PrintReceipt", params)
        try:
            if not isinstance(result, dict) or not isinstance(result.get("qr"), str):
                raise MalformedAnswer(f"PrintReceipt answered without a qr text: {result!r:.80}")
            qr = parse_qr(result["qr"])
            if total is not None and qr.total != total:
                raise MalformedAnswer(
                    f"the answer's QR is for a total of {qr.total}, this receipt's is {total}: "
                    f"it is another document's answer ({result['qr']!r})"
                )
        except MalformedAnswer as error:
            raise _outcome_unknown("PrintReceipt", params, str(error)) from error
        self._day_open = True
        return qr

    def print_duplicate(self) -> None:
        """Print the one allowed duplicate of the last document."""
        self.call("PrintDuplicate")

    def print_again(self) -> None:
        """Finish the document whose printing failed (PRINT_FAIL 15, NO_PAPER 23)."""
        self.call("PrintAgain")

    def current_cash(self) -> Decimal:
        """The cash in the drawer (GetCurrentCash)."""
        return _decimal(self.call("GetCurrentCash"), "GetCurrentCash")

    def print_article_report(self) -> None:
        """Print the report of sales by article (PrintArticleReport)."""
        self.call("PrintArticleReport")

    def print_department_report(self) -> None:
        """Print the report of sales by department (PrintDepartmentReport)."""
        self.call("PrintDepartmentReport")

    def print_electronic_journal(
        self, document_filter: str, range_filter: str, start: object, end: object
    ) -> None:
        """Print from the electronic journal (KLEN, PrintEJ): ``document_filter`` one of
        ``wire.EJ_RECEIPT_FILTERS``, ``range_filter`` one of ``wire.EJ_RANGE_FILTERS``; ``start``
        and ``end`` datetimes (ByDate) or numbers (ByNumber, ByZNumber), or the device's text."""
        problems = []
        if document_filter not in EJ_RECEIPT_FILTERS:
            problems.append(f"receipt filter must be one of {', '.join(EJ_RECEIPT_FILTERS)}")
        if range_filter not in EJ_RANGE_FILTERS:
            problems.append(f"filter must be one of {', '.join(EJ_RANGE_FILTERS)}")
        if problems:
            raise ValidationError(problems)
        params = {"receiptFilter": document_filter, "filter": range_filter}
        self.call("PrintEJ", params | {"from": _bound(start), "to": _bound(end)})

    def print_fiscal_memory_report(
        self, range_filter: str, start: object, end: object, full: bool
    ) -> None:
        """Print the fiscal memory report (PrintFiscalReport) by ``range_filter`` (one of
        ``wire.FISCAL_REPORT_FILTERS``), detailed when ``full``."""
        if range_filter not in FISCAL_REPORT_FILTERS:
            raise ValidationError(f"filter must be one of {', '.join(FISCAL_REPORT_FILTERS)}")
        params = {"filter": range_filter, "from": _bound(start), "to": _bound(end), "full": full}
        self.call("PrintFiscalReport", params)

    # the names the addon's report wizard calls today
    article_report = print_article_report
    department_report = print_department_report
    print_ej = print_electronic_journal
    fiscal_report = print_fiscal_memory_report

    def numbers(self) -> tuple[str, str]:
        """(serial number, fiscal memory number)."""
        result = self.call("GetNumbers")
        if not (
            isinstance(result, list)
            and len(result) >= 2
            and all(isinstance(part, str) and part for part in result[:2])
        ):
            raise MalformedAnswer(
                f"GetNumbers answered {result!r:.80}", outcome=Outcome.NOTHING_REGISTERED
            )
        return result[0], result[1]

    def invoice_range(self) -> InvoiceRange:
        """The programmed range of invoice numbers and the next one (GetInvoiceRange)."""
        result = self.call("GetInvoiceRange")
        try:
            return InvoiceRange(
                *(_whole(result[key]) for key in ("firstInv", "lastInv", "nextInv"))
            )
        except (KeyError, ValueError, TypeError):
            raise MalformedAnswer(
                f"GetInvoiceRange answered {result!r:.80}", outcome=Outcome.NOTHING_REGISTERED
            ) from None

    def set_invoice_range(self, first: int, last: int) -> None:
        """Program a new range of invoice numbers (SetInvoiceRange)."""
        if not 0 < first <= last:
            raise ValidationError(Message(_lt("invoice range: need 0 < first <= last")))
        if last >= 10**10:
            raise ValidationError(
                Message(_lt("invoice range: invoice numbers have at most 10 digits"))
            )
        self.call("SetInvoiceRange", {"firstInv": str(first), "lastInv": str(last)})

    def time_to_block(self) -> timedelta:
        """How long until the device blocks itself for not reaching the NRA."""
        milliseconds = _decimal(self.call("GetTimeToBlock"), "GetTimeToBlock")
        if not 0 <= milliseconds <= MAX_TIME_TO_BLOCK_MS:
            raise MalformedAnswer(
                f"GetTimeToBlock answered {milliseconds} ms, not a time a device can mean",
                outcome=Outcome.NOTHING_REGISTERED,
            )
        return timedelta(milliseconds=int(milliseconds))

    # -- the core interface ---------------------------------------------------------------

    def problems(self, receipt: Receipt) -> list[str]:
        """The core's checks, then every N5 limit and every field the N5 cannot carry."""
        # the N5's bounds come first and never compute with a number beyond them
        own = device_problems(receipt, self.currency)
        try:
            core = receipt_problems(receipt)
        except ArithmeticError:
            # a number the core cannot compute with: the bounds above name it, else say so
            core = [] if own else ["receipt: a number is beyond what can be computed exactly"]
        return list(dict.fromkeys(core + own))

    def info(self) -> DeviceInfo:
        serial_number, fiscal_memory_number = self.numbers()
        return DeviceInfo(
            serial_number=serial_number, fiscal_memory_number=fiscal_memory_number, model=MODEL
        )

    def shift_state(self) -> ShiftState:
        if self._day_open is None:
            return ShiftState(
                is_open=True,
                raw={
                    "known": False,
                    "reason": "the N5 protocol cannot report its fiscal day; it opens the day "
                    "on the first document and closes it with a Z report",
                },
            )
        return ShiftState(is_open=self._day_open, raw={"known": True, "seen_by": "driver"})

    def fiscalize(self, receipt: Receipt) -> FiscalResult:
        problems = self.problems(receipt)
        if problems:
            raise ValidationError(problems)
        params = receipt_params(receipt, self.currency, checked=True)
        invoice_number = ""
        if receipt.kind == DocumentKind.INVOICE:
            # the answer holds no invoice number: the range's next one is the one used
            invoice_range = self.invoice_range()
            invoice_number = f"{invoice_range.next:010d}" if invoice_range.is_set else ""
        qr = self.print_receipt(params, receipt.total)
        return FiscalResult(
            kind=receipt.kind,
            document_id=qr.text,
            short_document_id=str(qr.receipt_number),
            document_number=qr.receipt_number,
            number=invoice_number,
            fiscal_memory_number=qr.fiscal_memory_number,
            issued_at=qr.issued_at,
            total=qr.total,
            qr_payload=qr.text,
            request=params,
            raw={"qr": qr.text},
        )

    def cash_in_out(self, operation: CashOperation) -> FiscalResult:
        params = cash_params(operation)
        result = self.call("CashInOut", params)
        if result != "OK":
            raise _outcome_unknown("CashInOut", params, f"the answer is {result!r:.80}, not OK")
        self._day_open = True
        return FiscalResult(
            kind=operation.kind, total=abs(operation.amount), request=params, raw={"result": result}
        )

    def x_report(
        self, operator: Operator, departments: bool = False, items: bool = False
    ) -> ReportResult:
        return self._report("PrintXReport", DocumentKind.X_REPORT, operator, departments, items)

    def z_report(
        self, operator: Operator, uuid: str = "", departments: bool = False, items: bool = False
    ) -> ReportResult:
        """Close the fiscal day; ``uuid`` is not sent (the N5 has no idempotency key)."""
        report = self._report("PrintZReport", DocumentKind.Z_REPORT, operator, departments, items)
        self._day_open = False
        return report

    def _report(
        self, method: str, kind: DocumentKind, operator: Operator, departments: bool, items: bool
    ) -> ReportResult:
        params = report_params(operator, departments, items)
        result = self.call(method, params)
        # the answer is only "OK": the drawer's cash is the one total the protocol can read
        totals: dict[str, Decimal | int] = {"cash_in_drawer": self.current_cash()}
        return ReportResult(kind=kind, totals=totals, request=params, raw={"result": result})

    def close(self) -> None:
        self.transport.close()


_ids_lock = threading.Lock()
# A random start per process: a late answer to another process's (or an earlier run's)
# request carries an id this process will not use, so it is never taken as ours.
_last_id = secrets.randbelow(MAX_REQUEST_ID)


def _new_start() -> None:
    global _last_id
    _last_id = secrets.randbelow(MAX_REQUEST_ID)


if hasattr(os, "register_at_fork"):  # POSIX: Odoo's prefork workers must not share a sequence
    os.register_at_fork(after_in_child=_new_start)


def next_request_id() -> int:
    """A JSON-RPC id unique in this process and, by its random start, across processes."""
    global _last_id
    with _ids_lock:
        _last_id = _last_id % MAX_REQUEST_ID + 1
        return _last_id


def _is_answer_to(response: framing.Response, request_id: int) -> bool:
    return type(response.id) is int and response.id == request_id  # never true, never 1.0


def _shown(response: framing.Response) -> str:
    if response.error is not None:
        return f"error {response.error.code} {response.error.message[:60]!r}"
    return f"result {response.result!r:.60}"


def _outcome_unknown(method: str, params: object, reason: str) -> OutcomeUnknown:
    return OutcomeUnknown(
        f"{method} was sent but its answer cannot be trusted ({reason}); the N5 cannot be "
        "asked whether it was registered: check its paper or electronic journal (PrintEJ) "
        "before issuing the document again",
        request={"method": method, "params": params},
    )


def _decimal(value: object, method: str) -> Decimal:
    if isinstance(value, str) and not _PLAIN_NUMBER.fullmatch(value):
        value = None  # "1_000", "١٢", " 5", "1e3": not how the device writes a number
    try:
        plain = isinstance(value, str | Decimal | int) and not isinstance(value, bool)
        number = to_decimal(value, method) if plain else None
    except ValueError:
        number = None
    if number is None or abs(number.adjusted()) > 30:
        raise MalformedAnswer(
            f"{method} answered {value!r:.80}, not a number", outcome=Outcome.NOTHING_REGISTERED
        )
    return number


_PLAIN_NUMBER = re.compile(r"-?[0-9]{1,30}(\.[0-9]{1,30})?")


def _whole(value: object) -> int:
    """A whole number the device sends as digits (or as a JSON integer)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**12:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 12:
        return int(value)
    raise ValueError(value)


def _bound(value: object) -> str:
    """A PrintEJ / PrintFiscalReport ``from`` / ``to``: a date, a number, or the device's text."""
    if isinstance(value, datetime):
        return value.strftime(RANGE_DATE_FORMAT)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day).strftime(RANGE_DATE_FORMAT)
    return str(value)


def settings(
    port: str = "",
    url: str = "",
    baudrate: int | str | None = None,
    timeout: float | str | None = None,
    busy_retries: int | str | None = None,
    currency: str | None = None,
    **ignored: object,
) -> dict:
    """Plain connection values (as an Odoo record or a config file holds them) -> the keyword
    settings ``connect`` takes. An HTTP ``url`` may end in ``/jsonrpc`` or not; values other
    families use (username, path, retries, ...) are ignored. ``ValueError`` names what is
    missing; ``currency`` is the one the device registers in (connect defaults to EUR)."""
    port, url = (port or "").strip(), (url or "").strip()
    if not port and not url:
        raise ValueError("myPOS N5: give the serial port (e.g. COM3, /dev/ttyACM0) or the URL")
    if port and url:
        raise ValueError("myPOS N5: give either the serial port or the URL, not both")
    result: dict = {"port": port} if port else {"url": http_base(url) + JSONRPC_PATH}
    for key, value, kind in (
        ("baudrate", baudrate, int),
        ("timeout", timeout, float),
        ("busy_retries", busy_retries, int),
    ):
        # Odoo's empty integer is 0: no baudrate or timeout given; 0 busy retries is a choice
        if value is None or value == "" or (value == 0 and key != "busy_retries"):
            continue
        try:
            result[key] = kind(value)
        except (TypeError, ValueError):
            raise ValueError(f"myPOS N5: {key} must be a number, not {value!r}") from None
    if currency:
        result["currency"] = str(currency).strip().upper()
    return result


JSONRPC_PATH = "/jsonrpc"


def http_base(url: str) -> str:
    """``http://host:port`` from itself or ``http://host:port/jsonrpc``: the path goes once."""
    base = url.strip().rstrip("/")
    return base.removesuffix(JSONRPC_PATH) if base.endswith(JSONRPC_PATH) else base


def connect(
    port: str = "",
    url: str = "",
    baudrate: int = 115200,
    timeout: float = 15.0,
    busy_retries: int = 3,
    busy_pause: float = 0.2,
    currency: str = CURRENCY,
) -> N5Driver:
    """An N5 driver on a serial ``port`` (path or pyserial URL) or an HTTP ``url``
    (``http://host:port/jsonrpc``; ``/jsonrpc`` is added when missing).

    Nothing is opened until the first request.
    """
    if bool(port) == bool(url):
        raise ValidationError(
            Message(_lt("give either port (serial) or url (HTTP JSON-RPC), not both"))
        )
    transport: Transport
    if port:
        transport = SerialTransport(SerialSettings(url=port, baudrate=baudrate))
    else:
        transport = HttpTransport(HttpSettings(url=http_base(url), path=JSONRPC_PATH))
    return N5Driver(transport, timeout, busy_retries, busy_pause, currency)
