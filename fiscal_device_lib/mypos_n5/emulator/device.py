"""The emulated N5's fiscal logic and state, without any I/O but the paper it prints.

``N5Device.handle(method, params)`` returns the JSON-RPC ``result`` or raises ``N5Error`` with
an Appendix 1 code. State (counters, day totals, cash, invoice range, electronic journal, fiscal
memory blocks) is plain data that ``to_json`` / ``from_json`` keep across restarts.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from ...core.money import ZERO, line_gross, percent_of, round_money
from ...core.validation import SALE_NUMBER_FORMAT, SALE_NUMBER_PATTERN
from .. import framing
from ..errors import INVALID_PARAMS, METHOD_NOT_FOUND, NO_PAPER, error_info
from ..wire import (
    EJ_RANGE_FILTERS,
    EJ_RECEIPT_FILTERS,
    FISCAL_REPORT_FILTERS,
    IDENT_TYPES,
    MAX_BUYER_FIELD,
    MAX_DESCRIPTION,
    MAX_OPERATOR_NAME,
    MAX_TEXT,
    MEDIUMS,
    RANGE_DATE_FORMAT,
    STORNO_DATE_FORMAT,
    STORNO_TYPES,
    VAT_CLASSES,
    VAT_GROUPS,
    format_qr,
)
from . import paper

TIME_TO_BLOCK = timedelta(hours=72)  # the spec's example answer, 259200000 ms
# the emulated device has the groups programmed whose rate the law fixes
VAT_RATES = {vat.code: vat.rate for vat in VAT_CLASSES if vat.rate is not None}
DEPARTMENT_NAMES = {
    1: ("Хранителни стоки", "B"),
    2: ("Хляб и тестени", "B"),
    3: ("Напитки", "B"),
    4: ("Туристически услуги", "D"),
    5: ("Необлагаеми", "A"),
}
# What each journal type prints under, for PrintEJ's receiptFilter.
FISCAL_RECEIPT, CASH_IN_OUT, X_RECEIPT, Z_RECEIPT, FISCAL_REPORT = EJ_RECEIPT_FILTERS[:5]
TITLES = {
    "sale": "ФИСКАЛЕН БОН",
    "invoice": "ФАКТУРА",
    "storno": "СТОРНО ФИСКАЛЕН БОН",
    "credit_note": "КРЕДИТНО ИЗВЕСТИЕ",
}


class N5Error(Exception):
    """An error answer: Appendix 1 ``code``, optional ``data`` saying which field."""

    def __init__(self, code: int, data: str = ""):
        self.code = code
        self.data = data
        super().__init__(f"{code} {error_info(code).name} {data}".strip())


def now() -> datetime:
    return datetime.now().replace(microsecond=0)


def new_day() -> dict:
    return {
        "opened_at": "",
        "sales": {},  # VAT group -> amount
        "stornos": {},  # VAT group -> amount
        "media": {},  # MEDIUM_* -> amount (sales minus stornos)
        "departments": {},  # department number -> amount
        "articles": {},  # description -> [quantity, amount]
        "receipts": 0,
        "storno_receipts": 0,
        "cash_in": ZERO,
        "cash_out": ZERO,
    }


@dataclass
class DeviceState:
    serial_number: str = "BN300001"
    fiscal_memory_number: str = "51300001"
    next_number: int = 1  # every printed document takes the next number
    z_number: int = 0  # last Z report; the day being recorded is z_number + 1
    day_open: bool = False
    day: dict = field(default_factory=new_day)
    cash: Decimal = ZERO
    invoice_first: int = 0
    invoice_last: int = 0
    invoice_next: int = 0
    journal: list[dict] = field(default_factory=list)
    fiscal_memory: list[dict] = field(default_factory=list)  # one block per Z report
    blocks_at: str = ""
    last_document: int = 0  # for PrintDuplicate
    duplicate_printed: bool = False
    pending_print: list[str] = field(default_factory=list)

    def to_json(self) -> bytes:
        return framing.encode(asdict(self))

    @classmethod
    def from_json(cls, data: bytes) -> DeviceState:
        values = framing.decode(data)
        values["cash"] = Decimal(values["cash"])
        return cls(**values)


# -- parameter checks: the emulator answers what the spec lists for each -----------------------


def _params(params: object) -> dict:
    if not isinstance(params, dict):
        raise N5Error(INVALID_PARAMS, "params must be an object")
    return params


def _text(params: dict, key: str, limit: int, where: str = "") -> str:
    value = params.get(key)
    if not isinstance(value, str):
        raise N5Error(INVALID_PARAMS, f"{where}{key} must be a string")
    if not value.strip():
        raise N5Error(29, f"{where}{key}")
    if len(value) > limit:
        raise N5Error(35, f"{where}{key} longer than {limit}")
    return value


def _number(params: dict, key: str, where: str = "", positive: bool = True) -> Decimal:
    value = params.get(key)
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise N5Error(INVALID_PARAMS, f"{where}{key} must be a number")
    if positive and value <= 0:
        raise N5Error(INVALID_PARAMS, f"{where}{key} must be greater than 0")
    return Decimal(value)


def _flag(params: dict, key: str) -> bool:
    value = params.get(key)
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"  # the spec types some flags as strings
    if not isinstance(value, bool):
        raise N5Error(INVALID_PARAMS, f"{key} must be true or false")
    return value


def _operator(params: dict) -> tuple[str, int]:
    name = _text(params, "operatorName", MAX_OPERATOR_NAME)
    number = params.get("operatorNumber")
    if isinstance(number, bool) or not isinstance(number, int) or number <= 0:
        raise N5Error(INVALID_PARAMS, "operatorNumber must be a whole number > 0")
    return name, number


def _sale_number(header: dict) -> str:
    """``usn``, N-18's unique sale number: optional (the spec's example sends ""); one that is
    given must be XXXXXXXX-ZZZZ-0000001. Its device part is not compared with this device's
    number: a neutralized copy sends its real device's sales to the emulator."""
    usn = header.get("usn")
    if usn is None:
        return ""
    if not isinstance(usn, str):
        raise N5Error(INVALID_PARAMS, "usn must be a string")
    if usn and not SALE_NUMBER_PATTERN.fullmatch(usn):
        raise N5Error(43, f"usn {usn!r} is not in the N-18 format {SALE_NUMBER_FORMAT}")
    return usn


def _choice(params: dict, key: str, allowed: tuple[str, ...], code: int = INVALID_PARAMS) -> str:
    value = params.get(key)
    if value not in allowed:
        raise N5Error(code, f"{key} must be one of {', '.join(allowed)}")
    return value


def _add(totals: dict, key: str, amount: Decimal) -> None:
    totals[key] = totals.get(key, ZERO) + amount


@dataclass
class SoldLine:
    description: str
    vat_group: str
    department: int | None
    quantity: Decimal
    price: Decimal
    adjustment: Decimal

    @property
    def total(self) -> Decimal:
        return line_gross(self.quantity, self.price) + self.adjustment


class N5Device:
    """The fiscal logic of one N5; ``paper`` receives every printed document as text."""

    def __init__(
        self,
        state: DeviceState | None = None,
        paper_out: TextIO | None = None,
        state_path: Path | None = None,
    ):
        self.state = state or DeviceState()
        if not self.state.blocks_at:
            self.state.blocks_at = (now() + TIME_TO_BLOCK).isoformat()
        self.paper_out = paper_out
        self.state_path = state_path
        self.paper_out_prints = 0  # knob: how many next prints fail with NO_PAPER
        self.print_failures: list[int] = []  # knob: the next prints fail with these codes
        self.printed: list[str] = []  # every document printed, as text
        self.methods: dict[str, Callable[[object], object]] = {
            "PrintReceipt": self.print_receipt,
            "PrintDuplicate": self.print_duplicate,
            "CashInOut": self.cash_in_out,
            "GetCurrentCash": self.current_cash,
            "PrintXReport": self.x_report,
            "PrintZReport": self.z_report,
            "PrintArticleReport": self.article_report,
            "PrintDepartmentReport": self.department_report,
            "PrintEJ": self.print_ej,
            "PrintFiscalReport": self.fiscal_report,
            "GetNumbers": self.numbers,
            "GetInvoiceRange": self.invoice_range,
            "SetInvoiceRange": self.set_invoice_range,
            "GetTimeToBlock": self.time_to_block,
            "PrintAgain": self.print_again,
        }

    @classmethod
    def load(cls, state_path: Path | None, paper_out: TextIO | None = None) -> N5Device:
        """The device from ``state_path`` when it exists, else a new one saving there."""
        state = None
        if state_path is not None and state_path.exists():
            state = DeviceState.from_json(state_path.read_bytes())
        return cls(state, paper_out, state_path)

    def save(self) -> None:
        if self.state_path is None:
            return
        temporary = self.state_path.with_suffix(self.state_path.suffix + ".tmp")
        temporary.write_bytes(self.state.to_json())
        os.replace(temporary, self.state_path)  # a crash mid-write never leaves half a state

    def handle(self, method: str, params: object) -> object:
        """The ``result`` of one request, or ``N5Error``; state is saved after every request."""
        action = self.methods.get(method)
        if action is None:
            raise N5Error(METHOD_NOT_FOUND, method)
        try:
            return action(params)
        finally:
            self.save()

    # -- printing -----------------------------------------------------------------------------

    def _print(self, lines: list[str]) -> None:
        """Print a document; out of paper, it waits in ``pending_print`` for PrintAgain."""
        if self.paper_out_prints > 0:
            self.paper_out_prints -= 1
            self.state.pending_print = lines
            raise N5Error(NO_PAPER)
        if self.print_failures:
            self.state.pending_print = lines
            raise N5Error(self.print_failures.pop(0))
        self.state.pending_print = []
        text = "\n".join(lines) + "\n\n"
        self.printed.append(text)
        if self.paper_out is not None:
            self.paper_out.write(text)
            self.paper_out.flush()

    def print_again(self, params: object = None) -> str:
        if not self.state.pending_print:
            raise N5Error(40)
        self._print(self.state.pending_print)
        return "OK"

    def _journal(self, kind: str, lines: list[str], at: datetime, **summary: object) -> dict:
        """Record a document in the electronic journal under the next number."""
        entry = {
            "number": self.state.next_number,
            "type": kind,
            "at": at.isoformat(),
            "z_number": self.state.z_number + (0 if kind == Z_RECEIPT else 1),
            "lines": lines,
            **summary,
        }
        self.state.next_number += 1
        self.state.journal.append(entry)
        return entry

    def _header(self, operator: str = "") -> list[str]:
        return paper.header(self.state.serial_number, operator)

    def _footer(self, at: datetime) -> list[str]:
        s = self.state
        return paper.footer(s.next_number, at, s.serial_number, s.fiscal_memory_number)

    def _require_not_blocked(self) -> None:
        if datetime.fromisoformat(self.state.blocks_at) <= now():
            raise N5Error(22)

    def _open_day(self, at: datetime) -> None:
        if not self.state.day_open:
            self.state.day_open = True
            self.state.day = new_day()
            self.state.day["opened_at"] = at.isoformat()

    def _require_day_open(self) -> None:
        if not self.state.day_open:
            raise N5Error(12)

    # -- PrintReceipt ---------------------------------------------------------------------------

    def _sold_line(self, item: dict, where: str) -> SoldLine:
        department = item.get("department")
        if department is not None:
            if isinstance(department, bool) or not isinstance(department, int):
                raise N5Error(INVALID_PARAMS, f"{where}department must be a whole number")
            if department not in DEPARTMENT_NAMES:
                raise N5Error(48, f"{where}department {department}")
            description, vat_group = DEPARTMENT_NAMES[department]
        else:
            description = _text(item, "description", MAX_DESCRIPTION, where)
            vat_group = _choice(item, "enumVatCategory", tuple(VAT_GROUPS))
            if vat_group not in VAT_RATES:
                raise N5Error(49, f"{where}VAT group {vat_group}")
        quantity = _number(item, "quantity", where)
        price = _number(item, "price", where)
        adjustment = ZERO
        if item.get("surchargeAmount"):  # the amount wins over the percent
            adjustment = round_money(_number(item, "surchargeAmount", where, positive=False))
        elif item.get("surchargePercent"):
            percent = _number(item, "surchargePercent", where, positive=False)
            adjustment = percent_of(line_gross(quantity, price), percent)
        line = SoldLine(description, vat_group, department, quantity, price, adjustment)
        if line.total <= 0:
            raise N5Error(26, f"{where}total {paper.money(line.total)}")
        return line

    def _items(self, params: dict) -> tuple[list[SoldLine], list[object]]:
        items = params.get("receiptItems")
        if not isinstance(items, list):
            raise N5Error(INVALID_PARAMS, "receiptItems must be an array")
        lines: list[SoldLine] = []
        printed: list[object] = []  # SoldLine or comment text, in the order given
        for index, item in enumerate(items, start=1):
            where = f"receiptItems[{index}]: "
            if not isinstance(item, dict) or item.get("type") not in ("article", "text"):
                raise N5Error(INVALID_PARAMS, f"{where}type must be article or text")
            if item["type"] == "text":
                printed.append(_text(item, "text", MAX_TEXT, where))
                continue
            line = self._sold_line(item, where)
            lines.append(line)
            printed.append(line)
        if not lines:
            raise N5Error(29, "receiptItems has no article")
        return lines, printed

    def _payments(self, params: dict, total: Decimal) -> list[tuple[str, Decimal]]:
        payments = params.get("receiptPayments")
        if not isinstance(payments, list) or not payments:
            raise N5Error(29, "receiptPayments")
        result = []
        for index, payment in enumerate(payments, start=1):
            where = f"receiptPayments[{index}]: "
            if not isinstance(payment, dict):
                raise N5Error(INVALID_PARAMS, f"{where}must be an object")
            medium = _choice(payment, "medium", MEDIUMS, code=44)
            amount = _number(payment, "amount", where, positive=False)
            if amount < 0:
                raise N5Error(19, where)
            if amount == 0:
                raise N5Error(29, f"{where}amount")
            result.append((medium, round_money(amount)))
        if sum(medium == "MEDIUM_CARD" for medium, _ in result) > 1:
            raise N5Error(5551)
        paid = sum((amount for _, amount in result), ZERO)
        cash = sum((amount for medium, amount in result if medium == "MEDIUM_CASH"), ZERO)
        if paid < total:
            raise N5Error(17, f"paid {paper.money(paid)} of {paper.money(total)}")
        if paid - total > cash:
            raise N5Error(33)
        return result

    def _after_payment(self, params: dict) -> list[tuple[str, str]]:
        texts = params.get("textAfterPayment") or []
        if not isinstance(texts, list):
            raise N5Error(INVALID_PARAMS, "textAfterPayment must be an array")
        result = []
        for index, text in enumerate(texts, start=1):
            where = f"textAfterPayment[{index}]: "
            if not isinstance(text, dict):
                raise N5Error(INVALID_PARAMS, f"{where}must be an object")
            kind = _choice(text, "type", ("text", "barcode"))
            value = _text(text, "text", MAX_TEXT, where)
            if kind == "barcode" and not (value.isascii() and value.isprintable()):
                raise N5Error(43, f"{where}an EAN128 barcode is printable ASCII")
            result.append((kind, value))
        return result

    def _buyer(self, params: dict) -> dict | None:
        data = params.get("invoiceData")
        if data is None:
            return None
        if not isinstance(data, dict):
            raise N5Error(INVALID_PARAMS, "invoiceData must be an object")
        _choice(data, "identType", IDENT_TYPES)
        for key in ("city", "identNumber", "recipientAddress", "recipientName"):
            _text(data, key, MAX_BUYER_FIELD, "invoiceData.")
        if not isinstance(data.get("vatIdentNumber", ""), str):
            raise N5Error(INVALID_PARAMS, "invoiceData.vatIdentNumber must be a string")
        return data

    def _storno_original(self, params: dict, is_credit_note: bool) -> dict | None:
        storno = params.get("stornoInput")
        if storno is None:
            return None
        if not isinstance(storno, dict):
            raise N5Error(INVALID_PARAMS, "stornoInput must be an object")
        _choice(storno, "enumStornoType", STORNO_TYPES)
        try:
            issued_at = datetime.strptime(str(storno.get("documentDate")), STORNO_DATE_FORMAT)
        except ValueError:
            raise N5Error(INVALID_PARAMS, "documentDate must be yyyymmddThh:mm:ss") from None
        number = storno.get("receiptNumber")
        if isinstance(number, bool) or not isinstance(number, int) or number <= 0:
            raise N5Error(INVALID_PARAMS, "receiptNumber must be a whole number > 0")
        if storno.get("fiscMemNumber") != self.state.fiscal_memory_number:
            raise N5Error(43, "fiscMemNumber is not this device's fiscal memory")
        original = next((e for e in self.state.journal if e["number"] == number), None)
        wanted = "invoice" if is_credit_note else "sale"
        if original is None or original.get("document") != wanted:
            raise N5Error(43, f"no {wanted} number {number} in the electronic journal")
        if original["at"] != issued_at.isoformat():
            raise N5Error(43, f"receipt {number} was not issued at {storno['documentDate']}")
        if is_credit_note and storno.get("invoiceNumber") != original["invoice_number"]:
            raise N5Error(43, "invoiceNumber does not match the original invoice")
        return original

    def _take_invoice_number(self) -> str:
        s = self.state
        if s.invoice_last == 0:
            raise N5Error(42)
        if s.invoice_next > s.invoice_last:
            raise N5Error(39)
        s.invoice_next += 1
        return f"{s.invoice_next - 1:010d}"

    def print_receipt(self, params: object) -> dict:
        params = _params(params)
        self._require_not_blocked()
        header = params.get("beginFiscalReceiptInput")
        if not isinstance(header, dict):
            raise N5Error(INVALID_PARAMS, "beginFiscalReceiptInput must be an object")
        operator, _ = _operator(header)
        usn = _sale_number(header)
        buyer = self._buyer(params)
        original = self._storno_original(params, is_credit_note=buyer is not None)
        lines, printed_items = self._items(params)
        total = sum((line.total for line in lines), ZERO)
        if total == 0:
            raise N5Error(21)
        payments = self._payments(params, total)
        after_payment = self._after_payment(params)
        cash_paid = sum((amount for medium, amount in payments if medium == "MEDIUM_CASH"), ZERO)
        change = sum((amount for _, amount in payments), ZERO) - total
        cash_change = cash_paid - change
        if original is not None and cash_change > self.state.cash:
            raise N5Error(30, f"drawer holds {paper.money(self.state.cash)}")
        document = ("storno" if original else "sale") if buyer is None else "invoice"
        if buyer is not None and original is not None:
            document = "credit_note"
        invoice_number = self._take_invoice_number() if document == "invoice" else ""
        at = now()
        self._open_day(at)
        self._record_sale(lines, payments, change, original is not None)
        self.state.cash += -cash_change if original else cash_change
        qr = format_qr(self.state.fiscal_memory_number, self.state.next_number, at, total)
        intro = [] if buyer is None else self._buyer_paper(buyer, invoice_number, original)
        if original is not None:
            intro.append(f"Сторно на № {original['number']:07d} от {original['at']}")
        if usn:
            intro.append(f"УНП: {usn}")
        lines_printed = self._receipt_paper(
            (document, operator, intro),
            printed_items,
            total,
            payments,
            change,
            after_payment,
            at,
            qr,
        )
        self._journal(
            FISCAL_RECEIPT,
            lines_printed,
            at,
            document=document,
            total=total,
            invoice_number=invoice_number,
            qr=qr,
            usn=usn,
        )
        self._document_printed()
        self._print(lines_printed)
        return {"qr": qr}

    def _record_sale(
        self, lines: list[SoldLine], payments: list, change: Decimal, is_storno: bool
    ) -> None:
        day, sign = self.state.day, Decimal(-1 if is_storno else 1)
        day["storno_receipts" if is_storno else "receipts"] += 1
        for line in lines:
            _add(day["stornos" if is_storno else "sales"], line.vat_group, line.total)
            if line.department is not None:
                _add(day["departments"], str(line.department), sign * line.total)
            article = day["articles"].setdefault(line.description, [ZERO, ZERO])
            article[0] += sign * line.quantity
            article[1] += sign * line.total
        for medium, amount in payments:
            _add(day["media"], medium, sign * amount)
        if change:
            _add(day["media"], "MEDIUM_CASH", -sign * change)

    def _receipt_paper(
        self,
        heading: tuple[str, str, list[str]],
        items: list[object],
        total: Decimal,
        payments: list[tuple[str, Decimal]],
        change: Decimal,
        after_payment: list[tuple[str, str]],
        at: datetime,
        qr: str,
    ) -> list[str]:
        document, operator, intro = heading
        lines = [*self._header(operator), paper.centred(TITLES[document]), *intro]
        for item in items:
            if isinstance(item, str):
                lines.append(f"  {item}")
                continue
            lines.append(
                paper.columns(
                    item.description, f"{paper.money(item.total)} {paper.vat_group(item.vat_group)}"
                )
            )
            lines.append(f"  {item.quantity} × {paper.money(item.price)}")
            if item.adjustment:
                label = "надбавка" if item.adjustment > 0 else "отстъпка"
                lines.append(paper.columns(f"  {label}", paper.money(item.adjustment)))
        lines += [paper.rule(), paper.columns("ОБЩА СУМА", paper.money(total))]
        lines += [paper.columns(paper.medium(medium), paper.money(a)) for medium, a in payments]
        if change:
            lines.append(paper.columns("РЕСТО", paper.money(change)))
        lines += [
            f"  {text}" if kind == "text" else f"  ||| {text} |||" for kind, text in after_payment
        ]
        return [*lines, *self._footer(at), f"QR {qr}", paper.centred(TITLES[document])]

    def _buyer_paper(self, buyer: dict, invoice_number: str, original: dict | None) -> list[str]:
        number = original["invoice_number"] if original else invoice_number
        label = "към фактура №" if original else "Фактура №"
        return [
            f"{label} {number}",
            f"Получател: {buyer['recipientName']}",
            f"{paper.ident_type(buyer['identType'])} {buyer['identNumber']}"
            f"  ДДС № {buyer.get('vatIdentNumber', '')}",
            f"{buyer['city']}, {buyer['recipientAddress']}",
        ]

    def _document_printed(self) -> None:
        self.state.last_document = self.state.next_number - 1
        self.state.duplicate_printed = False

    def print_duplicate(self, params: object = None) -> str:
        self._require_not_blocked()
        s = self.state
        original = next((e for e in s.journal if e["number"] == s.last_document), None)
        if original is None or s.duplicate_printed:
            raise N5Error(28)
        s.duplicate_printed = True
        self._print([paper.centred("ДУБЛИКАТ"), *original["lines"], paper.centred("ДУБЛИКАТ")])
        return "OK"

    # -- cash ---------------------------------------------------------------------------------

    def cash_in_out(self, params: object) -> str:
        params = _params(params)
        self._require_not_blocked()
        operator, _ = _operator(params)
        amount = round_money(_number(params, "amount", positive=False))
        if amount == 0:
            raise N5Error(29, "amount")
        if amount < 0 and -amount > self.state.cash:
            raise N5Error(30, f"drawer holds {paper.money(self.state.cash)}")
        at = now()
        self._open_day(at)
        self.state.cash += amount
        _add(self.state.day, "cash_in" if amount > 0 else "cash_out", abs(amount))
        title = "СЛУЖЕБНО ВЪВЕДЕНИ" if amount > 0 else "СЛУЖЕБНО ИЗВЕДЕНИ"
        lines = [
            *self._header(operator),
            paper.centred(title),
            paper.columns("Сума", paper.money(abs(amount))),
            paper.columns("Наличност в касата", paper.money(self.state.cash)),
            *self._footer(at),
            paper.centred("СЛУЖЕБЕН БОН"),
        ]
        self._journal(CASH_IN_OUT, lines, at, total=amount)
        self._print(lines)
        return "OK"

    def current_cash(self, params: object = None) -> str:
        return paper.money(self.state.cash)

    # -- reports ------------------------------------------------------------------------------

    def _day_report(self, title: str, operator: str, departments: bool, items: bool) -> list[str]:
        day, at = self.state.day, now()
        lines = [*self._header(operator), paper.centred(title)]
        lines += paper.amounts_by_key(
            "Продажби по ДДС групи", day["sales"], "ДДС ", paper.VAT_NAMES
        )
        lines += paper.amounts_by_key(
            "Сторно по ДДС групи", day["stornos"], "ДДС ", paper.VAT_NAMES
        )
        lines += paper.amounts_by_key("Плащания", day["media"], names=paper.MEDIA)
        lines += [
            paper.columns("Фискални бонове", str(day["receipts"])),
            paper.columns("Сторно бонове", str(day["storno_receipts"])),
            paper.columns("Служебно въведени", paper.money(day["cash_in"])),
            paper.columns("Служебно изведени", paper.money(day["cash_out"])),
            paper.columns("Наличност в касата", paper.money(self.state.cash)),
        ]
        if departments:
            lines += self._departments_paper()
        if items:
            lines += self._articles_paper()
        return [*lines, *self._footer(at)]

    def _departments_paper(self) -> list[str]:
        return paper.amounts_by_key("По департаменти", self.state.day["departments"], "Деп. ")

    def _articles_paper(self) -> list[str]:
        rows = [
            paper.columns(f"{name} ×{quantity}", paper.money(amount))
            for name, (quantity, amount) in sorted(self.state.day["articles"].items())
        ]
        return ["По артикули", *rows]

    def _report_request(self, params: object) -> tuple[str, bool, bool]:
        params = _params(params)
        operator, _ = _operator(params)
        return operator, _flag(params, "includeDepartments"), _flag(params, "includeItems")

    def x_report(self, params: object) -> str:
        operator, departments, items = self._report_request(params)
        self._require_day_open()
        lines = self._day_report("X ОТЧЕТ", operator, departments, items)
        self._journal(X_RECEIPT, lines, now())
        self._print(lines)
        return "OK"

    def z_report(self, params: object) -> str:
        operator, departments, items = self._report_request(params)
        self._require_not_blocked()
        self._require_day_open()
        s, at = self.state, now()
        s.z_number += 1
        lines = self._day_report(f"Z ОТЧЕТ № {s.z_number:04d}", operator, departments, items)
        s.fiscal_memory.append(
            {
                "number": s.z_number,
                "at": at.isoformat(),
                "sales": s.day["sales"],
                "stornos": s.day["stornos"],
                "receipts": s.day["receipts"],
            }
        )
        self._journal(Z_RECEIPT, lines, at, z=s.z_number)
        s.day_open, s.day = False, new_day()
        self._print(lines)
        return "OK"

    def article_report(self, params: object = None) -> str:
        self._require_day_open()
        self._print([*self._header(), paper.centred("ОТЧЕТ ПО АРТИКУЛИ"), *self._articles_paper()])
        return "OK"

    def department_report(self, params: object = None) -> str:
        self._require_day_open()
        body = self._departments_paper() or ["Няма продажби по департаменти"]
        self._print([*self._header(), paper.centred("ОТЧЕТ ПО ДЕПАРТАМЕНТИ"), *body])
        return "OK"

    # -- electronic journal and fiscal memory -------------------------------------------------

    def print_ej(self, params: object) -> str:
        params = _params(params)
        receipt_filter = _choice(params, "receiptFilter", EJ_RECEIPT_FILTERS)
        range_filter = _choice(params, "filter", EJ_RANGE_FILTERS)
        key = {"ByDate": "at", "ByNumber": "number", "ByZNumber": "z_number"}[range_filter]
        start, end = _range(params, range_filter == "ByDate")
        entries = [
            e
            for e in self.state.journal
            if receipt_filter in ("ALL", e["type"]) and start <= _range_key(e, key) <= end
        ]
        if not entries:
            raise N5Error(40)
        lines = [paper.centred("ПЕЧАТ ОТ КЛЕН")]
        for entry in entries:
            lines += [*entry["lines"], paper.rule("~")]
        self._print(lines)
        return "OK"

    def fiscal_report(self, params: object) -> str:
        params = _params(params)
        range_filter = _choice(params, "filter", FISCAL_REPORT_FILTERS)
        full = _flag(params, "full")  # the name, not the spec's inverted table, says "detailed"
        by_date = range_filter == "ByDate"
        start, end = _range(params, by_date)
        blocks = [
            b
            for b in self.state.fiscal_memory
            if start <= _range_key(b, "at" if by_date else "number") <= end
        ]
        if not blocks:
            raise N5Error(40)
        at = now()
        title = "ПЪЛЕН ОТЧЕТ ФП" if full else "СЪКРАТЕН ОТЧЕТ ФП"
        lines = [*self._header(), paper.centred(title)]
        totals: dict[str, Decimal] = {}
        for block in blocks:
            for group, amount in block["sales"].items():
                _add(totals, group, amount)
            if full:
                lines.append(paper.columns(f"Z № {block['number']:04d}", block["at"]))
                lines += paper.amounts_by_key("", block["sales"], "ДДС ", paper.VAT_NAMES)[1:]
        lines += paper.amounts_by_key(
            f"Общо за {len(blocks)} блока", totals, "ДДС ", paper.VAT_NAMES
        )
        lines += self._footer(at)
        self._journal(FISCAL_REPORT, lines, at)
        self._print(lines)
        return "OK"

    # -- numbers and settings -------------------------------------------------------------------

    def numbers(self, params: object = None) -> list[str]:
        return [self.state.serial_number, self.state.fiscal_memory_number, "BG"]

    def invoice_range(self, params: object = None) -> dict:
        s = self.state
        return {
            "firstInv": str(s.invoice_first),
            "lastInv": str(s.invoice_last),
            "nextInv": str(s.invoice_next),
        }

    def set_invoice_range(self, params: object) -> str:
        params = _params(params)
        first, last = params.get("firstInv"), params.get("lastInv")
        if not (isinstance(first, str) and first.isdigit() and isinstance(last, str)):
            raise N5Error(INVALID_PARAMS, "firstInv and lastInv must be digit strings")
        if not last.isdigit() or not 0 < int(first) <= int(last) or len(last) > 10:
            raise N5Error(43, "need 0 < firstInv <= lastInv, at most 10 digits")
        s = self.state
        s.invoice_first, s.invoice_last, s.invoice_next = int(first), int(last), int(first)
        return "OK"

    def time_to_block(self, params: object = None) -> int:
        left = datetime.fromisoformat(self.state.blocks_at) - now()
        return max(0, int(left.total_seconds() * 1000))

    def set_time_to_block(self, left: timedelta) -> None:
        """Knob: the device blocks itself (FD_BLOCKED 22) when this runs out."""
        self.state.blocks_at = (now() + left).isoformat()


def _range(params: dict, by_date: bool) -> tuple[object, object]:
    """PrintEJ / PrintFiscalReport ``from`` and ``to``: dates or whole numbers as strings."""
    try:
        if by_date:
            return tuple(
                datetime.strptime(str(params.get(k)), RANGE_DATE_FORMAT) for k in ("from", "to")
            )
        return tuple(int(str(params.get(k))) for k in ("from", "to"))
    except ValueError:
        raise N5Error(INVALID_PARAMS, "from / to do not match the filter") from None


def _range_key(entry: dict, key: str) -> object:
    return datetime.fromisoformat(entry[key]) if key == "at" else entry[key]
