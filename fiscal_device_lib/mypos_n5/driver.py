"""myPOS N5 Fiscal driver: JSON-RPC 2.0 over a serial line or HTTP, and the core interface.

The N5 has no idempotency key and no way to read back its last receipt, so a document request
whose answer never came raises ``OutcomeUnknown`` and is never resent. Only BUSY is retried: the
device refused it before doing anything.
"""

from __future__ import annotations

import itertools
import threading
import time
from datetime import timedelta
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
    MalformedAnswer,
    OutcomeUnknown,
    ValidationError,
)
from ..core.interface import Capability, FiscalDevice
from ..core.money import to_decimal
from ..transport import HttpSettings, HttpTransport, SerialSettings, SerialTransport, Transport
from . import framing
from .errors import BUSY, rejected
from .serialize import cash_params, receipt_params, report_params
from .wire import EJ_RANGE_FILTERS, EJ_RECEIPT_FILTERS, FISCAL_REPORT_FILTERS, parse_qr

MODEL = "myPOS N5 Fiscal"
# Resending these after a lost answer could register the document twice.
NOT_RESENDABLE = frozenset({"PrintReceipt", "CashInOut", "PrintZReport"})
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


# What the N5 can do, said once: ``FAMILY.capabilities`` and the driver read this. No
# PERIODIC_REPORT / CONTROL_TAPE: the N5 prints its fiscal memory and journal reports but
# cannot hand their figures back (those are PrintFiscalReport / PrintEJ, below).
CAPABILITIES = frozenset(
    {
        Capability.FISCALIZE,
        Capability.STORNO,
        Capability.INVOICE,
        Capability.X_REPORT,
        Capability.Z_REPORT,
        Capability.CASH_IN_OUT,
        Capability.INFO,
        Capability.SHIFT_STATE,
        Capability.PRINT_DUPLICATE,
        Capability.CURRENT_CASH,
        Capability.SURCHARGE,
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
        send_usn: bool = False,
    ):
        self.transport = transport
        self.timeout = timeout
        self.busy_retries = busy_retries
        self.busy_pause = busy_pause
        # usn is N-18's SUPTO sale number (its own format), not our uuid: off unless asked for
        self.send_usn = send_usn
        self._ids = itertools.count(1)
        self._ids_lock = threading.Lock()
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
        with self._ids_lock:
            request_id = next(self._ids)
        payload = framing.encode_request(method, params, request_id)
        answers: list[framing.Response] = []

        def find_answer(buffer: bytes) -> tuple[int, int] | None:
            pos = 0
            while (found := framing.find_message(buffer, pos)) is not None:
                response = framing.parse_response(framing.decode(buffer[found[0] : found[1]]))
                if not _is_stale(response, request_id):
                    answers.append(response)
                    return found
                pos = found[1]
            return None

        try:
            self.transport.exchange(payload, find_answer, self.timeout)
        except (DeviceTimeout, MalformedAnswer) as error:
            if method in NOT_RESENDABLE:
                raise OutcomeUnknown(
                    f"{method} was sent but its answer was lost ({error}); the N5 cannot be "
                    "asked whether it was registered: check its paper or electronic journal "
                    "(PrintEJ) before issuing the document again",
                    request={"method": method, "params": params},
                ) from error
            raise
        response = answers[-1]
        if response.id is not None and response.id != request_id:
            raise MalformedAnswer(f"answer id {response.id!r} does not match request {request_id}")
        if response.error is not None:
            detail = response.error.data or response.error.message
            raise rejected(response.error.code, detail)
        return response.result

    # -- the protocol's methods -----------------------------------------------------------

    def print_receipt(self, params: dict) -> dict:
        result = self.call("PrintReceipt", params)
        if not isinstance(result, dict) or not isinstance(result.get("qr"), str):
            raise MalformedAnswer(f"PrintReceipt answered without a qr text: {result!r:.80}")
        self._day_open = True
        return result

    def print_duplicate(self) -> None:
        """Print the one allowed duplicate of the last document."""
        self.call("PrintDuplicate")

    def print_again(self) -> None:
        """Finish the document whose printing failed (PRINT_FAIL 15, NO_PAPER 23)."""
        self.call("PrintAgain")

    def current_cash(self) -> Decimal:
        return _decimal(self.call("GetCurrentCash"), "GetCurrentCash")

    def article_report(self) -> None:
        self.call("PrintArticleReport")

    def department_report(self) -> None:
        self.call("PrintDepartmentReport")

    def print_ej(self, receipt_filter: str, range_filter: str, start: str, end: str) -> None:
        """Print from the electronic journal (KLEN): a document type and a date/number range."""
        problems = []
        if receipt_filter not in EJ_RECEIPT_FILTERS:
            problems.append(f"receipt filter must be one of {', '.join(EJ_RECEIPT_FILTERS)}")
        if range_filter not in EJ_RANGE_FILTERS:
            problems.append(f"filter must be one of {', '.join(EJ_RANGE_FILTERS)}")
        if problems:
            raise ValidationError(problems)
        params = {"receiptFilter": receipt_filter, "filter": range_filter}
        self.call("PrintEJ", params | {"from": start, "to": end})

    def fiscal_report(self, range_filter: str, start: str, end: str, full: bool) -> None:
        """Print the fiscal memory report by date or block number, detailed when ``full``."""
        if range_filter not in FISCAL_REPORT_FILTERS:
            raise ValidationError(f"filter must be one of {', '.join(FISCAL_REPORT_FILTERS)}")
        params = {"filter": range_filter, "from": start, "to": end, "full": full}
        self.call("PrintFiscalReport", params)

    def numbers(self) -> tuple[str, str]:
        """(serial number, fiscal memory number)."""
        result = self.call("GetNumbers")
        if not (isinstance(result, list) and len(result) >= 2):
            raise MalformedAnswer(f"GetNumbers answered {result!r:.80}")
        return str(result[0]), str(result[1])

    def invoice_range(self) -> InvoiceRange:
        result = self.call("GetInvoiceRange")
        if not isinstance(result, dict):
            raise MalformedAnswer(f"GetInvoiceRange answered {result!r:.80}")
        try:
            return InvoiceRange(
                int(result["firstInv"]), int(result["lastInv"]), int(result["nextInv"])
            )
        except (KeyError, ValueError, TypeError):
            raise MalformedAnswer(f"GetInvoiceRange answered {result!r:.80}") from None

    def set_invoice_range(self, first: int, last: int) -> None:
        if not 0 < first <= last:
            raise ValidationError("invoice range: need 0 < first <= last")
        self.call("SetInvoiceRange", {"firstInv": str(first), "lastInv": str(last)})

    def time_to_block(self) -> timedelta:
        """How long until the device blocks itself for not reaching the NRA."""
        milliseconds = _decimal(self.call("GetTimeToBlock"), "GetTimeToBlock")
        return timedelta(milliseconds=int(milliseconds))

    # -- the core interface ---------------------------------------------------------------

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
        params = receipt_params(receipt, self.send_usn)
        invoice_number = ""
        if receipt.kind == DocumentKind.INVOICE:
            # the answer holds no invoice number: the range's next one is the one used
            invoice_range = self.invoice_range()
            invoice_number = f"{invoice_range.next:010d}" if invoice_range.is_set else ""
        result = self.print_receipt(params)
        qr = parse_qr(result["qr"])
        return FiscalResult(
            kind=receipt.kind,
            document_id=result["qr"],
            short_document_id=str(qr.receipt_number),
            document_number=qr.receipt_number,
            number=invoice_number,
            fiscal_memory_number=qr.fiscal_memory_number,
            issued_at=qr.issued_at,
            total=qr.total,
            qr_payload=result["qr"],
            request=params,
            raw=result,
        )

    def cash_in_out(self, operation: CashOperation) -> FiscalResult:
        params = cash_params(operation)
        result = self.call("CashInOut", params)
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


def _is_stale(response: framing.Response, request_id: int) -> bool:
    """An answer to an earlier request (it came after that one timed out): skip it."""
    return isinstance(response.id, int) and 0 < response.id < request_id


def _decimal(value: object, method: str) -> Decimal:
    try:
        return to_decimal(value, method)
    except ValueError:
        raise MalformedAnswer(f"{method} answered {value!r:.80}, not a number") from None


def settings(
    port: str = "",
    url: str = "",
    baudrate: int | str | None = None,
    timeout: float | str | None = None,
    busy_retries: int | str | None = None,
    **ignored: object,
) -> dict:
    """Plain connection values (as an Odoo record or a config file holds them) -> the keyword
    settings ``connect`` takes. An HTTP ``url`` may end in ``/jsonrpc`` or not; values other
    families use (username, currency, ...) are ignored. ``ValueError`` names what is missing."""
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
    send_usn: bool = False,
) -> N5Driver:
    """An N5 driver on a serial ``port`` (path or pyserial URL) or an HTTP ``url``
    (``http://host:port/jsonrpc``; ``/jsonrpc`` is added when missing).

    Nothing is opened until the first request.
    """
    if bool(port) == bool(url):
        raise ValidationError("give either port (serial) or url (HTTP JSON-RPC), not both")
    transport: Transport
    if port:
        transport = SerialTransport(SerialSettings(url=port, baudrate=baudrate))
    else:
        transport = HttpTransport(HttpSettings(url=http_base(url), path=JSONRPC_PATH))
    return N5Driver(transport, timeout, busy_retries, busy_pause, send_usn)
