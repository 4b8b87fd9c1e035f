"""The emulated Caspos device's memory and rules: sessions, shifts, numbering, documents, reports.

No sockets here: ``CasposMemory.handle`` takes one decoded request and returns the answer the
device would give. The HTTP server (``server.py``) wraps it. The state is plain dicts of
Decimals and text so that ``--state FILE`` can keep it across restarts.
"""

from __future__ import annotations

import json
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from ...core.money import ZERO, line_gross, round_money
from ..errors import REPEATED_UUID, error_text
from ..wire import (
    CURRENCY,
    DOCUMENT_ID_LENGTH,
    DOCUMENT_OPERATIONS,
    MAX_AMOUNT,
    MAX_BONUS_CARD_LENGTH,
    MAX_CASHIER_LENGTH,
    MAX_CONTRACT_LENGTH,
    MAX_ITEM_CODE_LENGTH,
    MAX_ITEM_NAME_LENGTH,
    MAX_ITEMS,
    MAX_MARKING_CODE_LENGTH,
    MAX_PAYER_LENGTH,
    MAX_QUANTITY,
    QR_CODE_URL,
    RRN_LENGTH,
    SHIFT_HOURS,
    SHORT_ID_LENGTH,
    VAT_PERCENT,
    CodeType,
    DocumentType,
    MoneyBackType,
    Operation,
    QuantityType,
    format_date,
    parse_date,
)

BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
FIRST_DOCUMENT_NUMBER = 10000  # a used device, like the spec's examples
# Shift totals groups that carry a payment split and VAT amounts (X/Z report prefixes).
RECEIPT_GROUPS = ("sale", "moneyBack", "rollback", "prepay", "creditpay", "correction")
SPLIT = ("cash", "cashless", "bonus", "credit", "prepayment")
SUCCESS = "Success operation"
JSON_OVERFLOW = 1010  # "json: type: overflow"


class DeviceError(Exception):
    """A refusal the emulated device answers with ``code`` and the spec's text."""

    def __init__(self, code: int, detail: str = ""):
        self.code = code
        self.message = error_text(code) + (f": {detail}" if detail else "")
        super().__init__(self.message)


@dataclass
class ParsedItem:
    vat_type: int
    total: Decimal


def new_document_id() -> str:
    return "".join(secrets.choice(BASE58) for _ in range(DOCUMENT_ID_LENGTH))


def empty_group() -> dict:
    return {"count": 0, "sum": ZERO, **dict.fromkeys(SPLIT, ZERO), "vat": {}}


def empty_totals() -> dict:
    totals = {group: empty_group() for group in RECEIPT_GROUPS}
    totals["deposit"] = {"count": 0, "sum": ZERO}
    totals["withdraw"] = {"count": 0, "sum": ZERO}
    totals["period"] = {}  # vatType -> signed turnover
    return totals


def fresh_state() -> dict:
    return {
        "session": "",
        "last_doc_number": FIRST_DOCUMENT_NUMBER,
        "report_number": 1,
        "shift": None,
        "documents": {},
        "uuids": {},
        "z_reports": [],
        "last_document_id": "",
    }


def add_vat(into: dict, vat: dict, sign: int = 1) -> None:
    for vat_type, amount in vat.items():
        into[str(vat_type)] = into.get(str(vat_type), ZERO) + sign * amount


def vat_tax(vat: dict) -> Decimal:
    """The tax inside VAT-inclusive amounts (control tape ``total_vat``)."""
    tax = ZERO
    for vat_type, amount in vat.items():
        rate = VAT_PERCENT.get(int(vat_type))
        if rate:
            tax += round_money(amount * rate / (100 + rate))
    return tax


# -- reading the request ------------------------------------------------------------------------


def number(data: dict, key: str, default: Decimal | None = ZERO) -> Decimal:
    value = data.get(key)
    if value is None:
        if default is None:
            raise DeviceError(304, f"{key} is required")
        return default
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise DeviceError(304, f"{key} must be a number")
    return Decimal(value)


def whole(data: dict, key: str, code: int, allowed: set[int]) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or value not in allowed:
        raise DeviceError(code, f"{key} {value!r}")
    return int(value)


def text(data: dict, *keys: str) -> str:
    for key in keys:
        value = data.get(key)
        if value is not None:
            if not isinstance(value, str):
                raise DeviceError(304, f"{key} must be text")
            return value
    return ""


def check_length(value: str, longest: int, code: int, shortest: int = 0) -> None:
    if not shortest <= len(value) <= longest:
        raise DeviceError(code)


def parse_items(data: dict) -> list[ParsedItem]:
    items = data.get("items")
    if not isinstance(items, list) or not items:
        raise DeviceError(610)
    if len(items) > MAX_ITEMS:
        raise DeviceError(620)
    return [parse_item(item) for item in items]


def parse_item(item: object) -> ParsedItem:
    if not isinstance(item, dict):
        raise DeviceError(304, "an item must be an object")
    name = text(item, "name")
    check_length(name.strip(), MAX_ITEM_NAME_LENGTH, 635, shortest=1)
    if any(unicodedata.category(character) in ("Cc", "Cs") for character in name):
        raise DeviceError(1206)
    check_length(text(item, "code"), MAX_ITEM_CODE_LENGTH, 609)
    whole(item, "codeType", 612, set(CodeType))
    whole(item, "quantityType", 304, set(QuantityType))
    vat_type = whole(item, "vatType", 616, set(VAT_PERCENT))
    markings = item.get("markingCodes", [])
    if not isinstance(markings, list) or not all(isinstance(m, str) for m in markings):
        raise DeviceError(304, "markingCodes must be a list of text")
    for marking in markings:
        check_length(marking, MAX_MARKING_CODE_LENGTH, 622, shortest=1)
    quantity, price = number(item, "quantity", None), number(item, "salePrice", None)
    discount = number(item, "discountAmount")
    if quantity <= 0 or price < 0 or discount < 0:
        raise DeviceError(614)
    if quantity > MAX_QUANTITY or price > MAX_AMOUNT or discount > MAX_AMOUNT:
        raise DeviceError(614, "beyond the device's bounds")
    expected = line_gross(quantity, price) - round_money(discount)
    total = round_money(number(item, "sum", expected))
    # a given sum re-prices the line; it may differ from qty × price only by the price's rounding
    if abs(total - expected) > round_money(quantity * Decimal("0.005")) + Decimal("0.01"):
        raise DeviceError(611, f"item sum {total} does not match quantity × price {expected}")
    if total <= 0:
        raise DeviceError(614)
    return ParsedItem(vat_type, total)


def vat_by_type(items: list[ParsedItem]) -> dict:
    vat: dict = {}
    for item in items:
        vat[str(item.vat_type)] = vat.get(str(item.vat_type), ZERO) + item.total
    return vat


def parse_payments(data: dict, allowed: tuple[str, ...] = SPLIT) -> dict:
    keys = {
        "cash": "cashPayment",
        "cashless": "cardPayment",
        "bonus": "bonusPayment",
        "credit": "creditPayment",
        "prepayment": "depositPayment",
    }
    payments = {name: round_money(number(data, key)) for name, key in keys.items()}
    if any(amount < 0 for amount in payments.values()):
        raise DeviceError(607, "payments must not be negative")
    if any(payments[name] for name in SPLIT if name not in allowed):
        raise DeviceError(632)
    return payments


def settle(total: Decimal, payments: dict, change_allowed: bool = True) -> dict:
    """The payment split kept in the reports: cash above the total is change, not takings."""
    if total <= 0:
        raise DeviceError(607, "total must be greater than 0")
    cashless = sum((payments[name] for name in SPLIT if name != "cash"), ZERO)
    paid = cashless + payments["cash"]
    if cashless > total or paid < total or (paid != total and not change_allowed):
        raise DeviceError(607, f"paid {paid} for a total of {total}")
    return {**payments, "cash": payments["cash"] - (paid - total)}


def check_bank_and_client(data: dict, payments: dict) -> dict:
    rrn = text(data, "rrn")
    if rrn:
        check_length(rrn, RRN_LENGTH, 646, shortest=RRN_LENGTH)
        if not payments["cashless"]:
            raise DeviceError(648)
    check_length(text(data, "clientBonusCardNumber"), MAX_BONUS_CARD_LENGTH, 647)
    return {
        "rrn": rrn,
        "approval_code": text(data, "approvalCode", "approval_code"),
        "transaction_id": text(data, "transactionId", "transaction_id"),
        "transaction_number": text(data, "transactionNumber", "transaction_number"),
    }


def check_cashier_and_currency(request: dict, data: dict) -> None:
    cashier = text(data, "cashierName") or text(request, "cashierName")
    check_length(cashier, MAX_CASHIER_LENGTH, 608)
    currency = text(data, "currency") or text(request, "currency") or CURRENCY
    if currency != CURRENCY:
        raise DeviceError(606, currency)


class CasposMemory:
    """One Caspos device: ``handle`` a decoded request, get the answer dict."""

    def __init__(
        self,
        username: str,
        password: str,
        clock: Callable[[], datetime],
        state_file: Path | None = None,
    ):
        self.username, self.password = username, password
        self.clock = clock
        self.state_file = state_file
        self.state = load_state(state_file) if state_file and state_file.exists() else fresh_state()
        self.handlers: dict[str, Callable[[dict, dict], dict]] = {
            Operation.LOGIN: self.login,
            Operation.LOGOUT: self.logout,
            Operation.GET_INFO: self.get_info,
            Operation.GET_SHIFT_STATUS: self.get_shift_status,
            Operation.OPEN_SHIFT: self.open_shift,
            Operation.CLOSE_SHIFT: self.close_shift,
            Operation.DEPOSIT: self.deposit,
            Operation.WITHDRAW: self.withdraw,
            Operation.SALE: self.sale,
            Operation.CREDIT: self.credit_pay,
            Operation.PREPAYMENT: self.prepayment,
            Operation.PREPAYMENT_PRODUCTS: self.prepayment,
            Operation.MONEY_BACK: self.money_back,
            Operation.CORRECTION: self.correction,
            Operation.ROLLBACK: self.roll_back,
            Operation.GET_X_REPORT: self.x_report,
            Operation.PRINT_LAST_CHEQUE: self.print_last_cheque,
            Operation.GET_PERIODIC_Z_REPORT: self.periodic_report,
            Operation.GET_CONTROL_TAPE: self.control_tape,
            Operation.IS_CONNECTED_PRINTER: self.nothing,
            Operation.OPEN_CASHBOX: self.nothing,
        }

    # -- dispatch -------------------------------------------------------------------------------

    def handle(self, request: object) -> tuple[dict, bool]:
        """The answer to ``request`` and whether it committed a new document."""
        try:
            return self._dispatch(request)
        except ArithmeticError:  # a number past what the device computes with
            error = DeviceError(JSON_OVERFLOW)
            return {"code": str(error.code), "message": error.message}, False
        except DeviceError as error:
            return {"code": str(error.code), "message": error.message}, False

    def _dispatch(self, request: object) -> tuple[dict, bool]:
        if not isinstance(request, dict):
            raise DeviceError(304, "the request must be a JSON object")
        operation = request.get("operation")
        handler = self.handlers.get(operation) if isinstance(operation, str) else None
        if handler is None:
            raise DeviceError(305, repr(operation))
        if operation != Operation.LOGIN and not self.state["session"]:
            raise DeviceError(401)
        data = request.get("data", {})
        if not isinstance(data, dict):
            raise DeviceError(304, "data must be an object")
        uuid = ""
        if operation in DOCUMENT_OPERATIONS:
            uuid = text(data, "documentUUID").strip()
            if not uuid:
                raise DeviceError(304, "documentUUID is required")
            earlier = self.state["uuids"].get(uuid)
            if earlier is not None:
                repeated = {"code": str(REPEATED_UUID), "message": error_text(REPEATED_UUID)}
                return {**repeated, "data": earlier}, False
        answer_data = handler(request, data)
        if uuid:
            self.state["uuids"][uuid] = answer_data
        if operation not in (Operation.GET_INFO, Operation.GET_SHIFT_STATUS):
            self.save()
        answer = {"code": "0", "message": SUCCESS}
        if answer_data:
            answer["data"] = answer_data
        return answer, bool(uuid)

    def save(self) -> None:
        if self.state_file is not None:
            save_state(self.state_file, self.state)

    # -- session and device ---------------------------------------------------------------------

    def login(self, request: dict, data: dict) -> dict:
        username = text(request, "username") or text(data, "username")
        password = text(request, "password") or text(data, "password")
        if (username, password) != (self.username, self.password):
            raise DeviceError(401, "wrong username or password")
        self.state["session"] = secrets.token_urlsafe(16)
        return {"access_token": self.state["session"]}

    def logout(self, request: dict, data: dict) -> dict:
        self.state["session"] = ""
        return {}

    def nothing(self, request: dict, data: dict) -> dict:
        return {}

    def get_info(self, request: dict, data: dict) -> dict:
        return {
            "application_version": "Versiya: 1.0.7.0",
            "cashregister_model": "SUNMI V1S",
            "cashbox_tax_number": "emul_00086",
            "cashbox_factory_number": "00320029594B500B20373357",
            "cashregister_factory_number": "VS4319W60010",
            "company_name": '"CASPOS EMULATOR" MƏHDUD MƏSULİYYƏTLİ CƏMİYYƏTİ',
            "company_tax_number": "1234567890",
            "last_doc_number": self.state["last_doc_number"],
            "last_online_time": format_date(self.clock()),
            "object_address": "AZ1007 BAKI ŞƏHƏRİ, Cəfər Xəndan 50",
            "object_name": "OFİS",
            "object_tax_number": "1234567890-11001",
            "qr_code_url": QR_CODE_URL,
            "state": "ACTIVE",
            "token_version": "2.3.5.0",
        }

    def print_last_cheque(self, request: dict, data: dict) -> dict:
        if not self.state["last_document_id"]:
            raise DeviceError(231)
        return {}

    # -- shifts ---------------------------------------------------------------------------------

    def open_shift_or_fail(self) -> dict:
        shift = self.state["shift"]
        if shift is None:
            raise DeviceError(503)
        return shift

    def shift_for_document(self) -> dict:
        shift = self.open_shift_or_fail()
        if self.clock() - datetime.fromisoformat(shift["opened_at"]) > timedelta(hours=SHIFT_HOURS):
            raise DeviceError(504)
        return shift

    def get_shift_status(self, request: dict, data: dict) -> dict:
        shift = self.state["shift"]
        if shift is None:
            return {"shift_open": False, "shift_open_time": ""}
        opened_at = format_date(datetime.fromisoformat(shift["opened_at"]))
        return {"shift_open": True, "shift_open_time": opened_at}

    def open_shift(self, request: dict, data: dict) -> dict:
        if self.state["shift"] is not None:
            raise DeviceError(503, "the shift is already open")
        check_cashier_and_currency(request, data)
        float_sum = round_money(number(data, "sum"))
        if float_sum < 0:
            raise DeviceError(607)
        self.state["shift"] = {
            "number": self.state["report_number"],
            "opened_at": self.clock().isoformat(),
            "documents": [],
            "totals": empty_totals(),
        }
        if float_sum:
            self.cash_movement("deposit", DocumentType.DEPOSIT, float_sum)
        return {}

    def close_shift(self, request: dict, data: dict) -> dict:
        shift = self.open_shift_or_fail()
        check_cashier_and_currency(request, data)
        document = self.new_document(shift, "z_report", DocumentType.Z_REPORT, ZERO, 0, {})
        report = self.shift_report(shift)
        report["document_id"] = document["id"]
        self.state["z_reports"].append(
            {"created_at": self.clock().isoformat(), "totals": shift["totals"], "report": report}
        )
        self.state["report_number"] += 1
        self.state["shift"] = None
        return report

    def x_report(self, request: dict, data: dict) -> dict:
        return self.shift_report(self.open_shift_or_fail())

    # -- documents ------------------------------------------------------------------------------

    def new_document(
        self, shift: dict, kind: str, doc_type: int, total: Decimal, item_count: int, vat: dict
    ) -> dict:
        """Number and store a document of the open shift; returns its record."""
        self.state["last_doc_number"] += 1
        now = self.clock()
        document_id = new_document_id()
        document = {
            "id": document_id,
            "kind": kind,
            "document_type": int(doc_type),
            "number": self.state["last_doc_number"],
            "shift_number": shift["number"],
            "shift_document_number": len(shift["documents"]) + 1,
            "created_at": now.isoformat(),
            "total": total,
            "item_count": item_count,
            "vat": vat,
            "rolled_back": False,
        }
        self.state["documents"][document_id] = document
        self.state["last_document_id"] = document_id
        shift["documents"].append(document_id)
        return document

    def answer(self, document: dict, bank: dict | None = None) -> dict:
        answer = {
            "document_id": document["id"],
            "document_number": document["number"],
            "shift_document_number": document["shift_document_number"],
            "short_document_id": document["id"][:SHORT_ID_LENGTH],
            "number": f"{datetime.fromisoformat(document['created_at']):%d%m%y}"
            f"A1A1{document['number']:06d}",
            "totalSum": document["total"],
        }
        if bank is not None:
            answer.update({key: value or "null" for key, value in bank.items()})
        return answer

    def receipt(
        self,
        group: str,
        doc_type: int,
        split: dict,
        vat: dict,
        item_count: int,
        period: dict,
        sign: int = 1,
    ) -> dict:
        """Store a receipt-like document and count it in its shift group and the period sums."""
        shift = self.shift_for_document()
        total = sum(vat.values(), ZERO)
        document = self.new_document(shift, group, doc_type, total, item_count, vat)
        document.update({"split": split, "period": period, "refundable": total})
        self.count(shift, group, document, sign)
        return document

    def count(self, shift: dict, group: str, document: dict, sign: int) -> None:
        """Add ``document`` to ``group`` of the shift totals; the period moves by ``sign``."""
        totals = shift["totals"]
        bucket = totals[group]
        bucket["count"] += 1
        bucket["sum"] += document["total"]
        for name in SPLIT:
            bucket[name] += document["split"][name]
        add_vat(bucket["vat"], document["vat"])
        add_vat(totals["period"], document["period"], sign)

    def cash_movement(self, group: str, doc_type: int, amount: Decimal) -> dict:
        shift = self.shift_for_document()
        document = self.new_document(shift, group, doc_type, amount, 0, {})
        shift["totals"][group]["count"] += 1
        shift["totals"][group]["sum"] += amount
        return document

    def deposit(self, request: dict, data: dict) -> dict:
        return self.cash_document(request, data, "deposit", DocumentType.DEPOSIT)

    def withdraw(self, request: dict, data: dict) -> dict:
        return self.cash_document(request, data, "withdraw", DocumentType.WITHDRAW)

    def cash_document(self, request: dict, data: dict, group: str, doc_type: int) -> dict:
        self.shift_for_document()
        check_cashier_and_currency(request, data)
        amount = round_money(number(data, "sum", None))
        if amount <= 0:
            raise DeviceError(607, "sum must be greater than 0")
        return self.answer(self.cash_movement(group, doc_type, amount))

    def find_parent(self, data: dict, key: str = "parentDocumentId") -> dict:
        parent_id = text(data, key)
        if not parent_id:
            raise DeviceError(615)
        parent = self.state["documents"].get(parent_id)
        if parent is None:
            raise DeviceError(627, parent_id)
        return parent

    def sale(self, request: dict, data: dict) -> dict:
        self.shift_for_document()
        check_cashier_and_currency(request, data)
        items = parse_items(data)
        payments = parse_payments(data)
        bank = check_bank_and_client(data, payments)
        vat = vat_by_type(items)
        total = sum(vat.values(), ZERO)
        period = dict(vat)
        advance = None
        if payments["prepayment"]:
            advance = self.advance_for(data, payments["prepayment"], vat)
            period[advance["advance_vat_type"]] -= payments["prepayment"]  # counted at prepay
        if payments["credit"]:
            check_length(text(data, "creditContract"), MAX_CONTRACT_LENGTH, 630, shortest=1)
            check_length(text(data, "creditPayer"), MAX_PAYER_LENGTH, 631)
        split = settle(total, payments)
        document = self.receipt("sale", DocumentType.SALE, split, vat, len(items), period)
        document["credit_left"] = payments["credit"]
        if advance is not None:
            advance["advance_left"] -= payments["prepayment"]
            document["advance_used"] = [advance["id"], payments["prepayment"]]
        return self.answer(document, bank)

    def advance_for(self, data: dict, amount: Decimal, vat: dict) -> dict:
        """The advance a sale draws ``amount`` from: it must exist, be an advance, cover it."""
        advance = self.find_parent(data, "prepaymentDocumentId")
        if advance["kind"] != "prepay" or advance["rolled_back"]:
            raise DeviceError(628, "not an advance")
        if amount > advance["advance_left"]:
            raise DeviceError(632, f"the advance has {advance['advance_left']} left")
        # an advance pays only for goods of its own VAT position
        if amount > vat.get(advance["advance_vat_type"], ZERO):
            raise DeviceError(616, "the advance's VAT type does not match the items")
        return advance

    def credit_pay(self, request: dict, data: dict) -> dict:
        self.shift_for_document()
        check_cashier_and_currency(request, data)
        parent = self.find_parent(data)
        if parent["kind"] != "sale" or not parent.get("credit_left") or parent["rolled_back"]:
            raise DeviceError(628, "not a credit sale with debt left")
        items = parse_items(data)
        payments = parse_payments(data, allowed=("cash", "cashless", "bonus"))
        bank = check_bank_and_client(data, payments)
        vat = vat_by_type(items)
        total = sum(vat.values(), ZERO)
        residue = round_money(number(data, "residue", None))
        if total > parent["credit_left"] or residue != parent["credit_left"] - total:
            raise DeviceError(634, f"debt left {parent['credit_left'] - total}, not {residue}")
        split = settle(total, payments)
        # repaying a debt is not turnover: the credit sale was counted in full
        document = self.receipt("creditpay", DocumentType.CREDIT, split, vat, len(items), {})
        document["credit_parent"] = parent["id"]
        parent["credit_left"] -= total
        return self.answer(document, bank)

    def prepayment(self, request: dict, data: dict) -> dict:
        self.shift_for_document()
        check_cashier_and_currency(request, data)
        total = round_money(number(data, "sum", None))
        vat_type = whole(data, "vatType", 616, set(VAT_PERCENT))
        item_count = 0
        if request.get("operation") == Operation.PREPAYMENT_PRODUCTS:
            items = parse_items(data)
            if any(item.vat_type != vat_type for item in items):
                raise DeviceError(616, "all items of an advance must have its VAT type")
            if sum((item.total for item in items), ZERO) != total:
                raise DeviceError(611, "the items do not add up to the advance's sum")
            item_count = len(items)
        payments = parse_payments(data, allowed=("cash", "cashless", "bonus"))
        bank = check_bank_and_client(data, payments)
        split = settle(total, payments)
        vat = {str(vat_type): total}
        document = self.receipt("prepay", DocumentType.PREPAYMENT, split, vat, item_count, vat)
        document.update({"advance_left": total, "advance_vat_type": str(vat_type)})
        return self.answer(document, bank)

    def money_back(self, request: dict, data: dict) -> dict:
        self.shift_for_document()
        check_cashier_and_currency(request, data)
        kind = whole(data, "moneyBackType", 633, set(MoneyBackType))
        items = parse_items(data)
        payments = parse_payments(data)
        bank = check_bank_and_client(data, payments)
        vat = vat_by_type(items)
        total = sum(vat.values(), ZERO)
        split = settle(total, payments, change_allowed=False)
        is_manual = data.get("isManual") is True
        parent = None if is_manual else self.refundable_parent(data, kind, total)
        doc_type, group_kind = {
            MoneyBackType.SALE: (DocumentType.MONEY_BACK, "money_back"),
            MoneyBackType.ADVANCE: (DocumentType.PREPAYMENT_RETURN, "prepayment_return"),
            MoneyBackType.CREDIT_PAY: (DocumentType.CREDIT_RETURN, "credit_return"),
        }[MoneyBackType(kind)]
        # a credit pay was never turnover, so returning it does not move the period either
        period = {} if kind == MoneyBackType.CREDIT_PAY else vat
        document = self.receipt("moneyBack", doc_type, split, vat, len(items), period, sign=-1)
        document["tape_type"] = group_kind
        if parent is not None:
            left_key = "advance_left" if kind == MoneyBackType.ADVANCE else "refundable"
            parent[left_key] -= total
        return self.answer(document, bank)

    def refundable_parent(self, data: dict, kind: int, total: Decimal) -> dict:
        parent = self.find_parent(data)
        expected = {
            MoneyBackType.SALE: "sale",
            MoneyBackType.ADVANCE: "prepay",
            MoneyBackType.CREDIT_PAY: "creditpay",
        }[MoneyBackType(kind)]
        if parent["kind"] != expected:
            raise DeviceError(628, f"the parent is a {parent['kind']}, not a {expected}")
        if parent["rolled_back"]:
            raise DeviceError(639)
        left = parent["advance_left"] if kind == MoneyBackType.ADVANCE else parent["refundable"]
        if total > left:
            raise DeviceError(638, f"{left} can still be returned")
        return parent

    def correction(self, request: dict, data: dict) -> dict:
        self.shift_for_document()
        check_cashier_and_currency(request, data)
        first = parse_utc(text(data, "firstOperationAtUtc"))
        last = parse_utc(text(data, "lastOperationAtUtc"))
        if first > last or last > self.clock():
            raise DeviceError(642, "the period must be in the past and in order")
        vat_type = whole(data, "vatType", 616, set(VAT_PERCENT))
        payments = parse_payments(data, allowed=("cash", "cashless"))
        total = payments["cash"] + payments["cashless"]
        split = settle(total, payments, change_allowed=False)
        vat = {str(vat_type): total}
        document = self.receipt("correction", DocumentType.CORRECTION, split, vat, 0, vat)
        return self.answer(document)

    def roll_back(self, request: dict, data: dict) -> dict:
        shift = self.shift_for_document()
        check_cashier_and_currency(request, data)
        parent = self.find_parent(data)
        if parent["id"] not in shift["documents"]:
            raise DeviceError(627, "only documents of the current shift can be rolled back")
        if parent["kind"] not in ("sale", "prepay", "creditpay", "correction"):
            raise DeviceError(628, f"a {parent['kind']} cannot be rolled back")
        if parent["rolled_back"]:
            raise DeviceError(639)
        total = round_money(number(data, "sum", None))
        if total != parent["total"] or parent["refundable"] != parent["total"]:
            raise DeviceError(638, f"the parent's total is {parent['total']}")
        if parse_payments(data) != parent["split"]:
            raise DeviceError(607, "payments must be those of the parent")
        vat = rollback_vat(data)
        if sum(vat.values(), ZERO) != total:
            raise DeviceError(613)
        document = self.new_document(
            shift, "rollback", DocumentType.ROLLBACK, total, parent["item_count"], vat
        )
        document.update({"split": parent["split"], "period": parent["period"]})
        self.count(shift, "rollback", document, sign=-1)
        self.undo_side_effects(parent)
        return self.answer(document)

    def undo_side_effects(self, parent: dict) -> None:
        parent["rolled_back"] = True
        documents = self.state["documents"]
        if "advance_used" in parent:
            advance_id, amount = parent["advance_used"]
            documents[advance_id]["advance_left"] += amount
        if "credit_parent" in parent:
            documents[parent["credit_parent"]]["credit_left"] += parent["total"]

    # -- reports --------------------------------------------------------------------------------

    def shift_report(self, shift: dict) -> dict:
        numbers = [self.state["documents"][d]["number"] for d in shift["documents"]]
        return {
            "currencies": [currency_totals(shift["totals"])],
            "docCountToSend": 0,
            "firstDocNumber": min(numbers, default=0),
            "lastDocNumber": max(numbers, default=0),
            "createdAtUtc": format_date(self.clock()),
            "reportNumber": str(shift["number"]),
            "shiftOpenAtUtc": format_date(datetime.fromisoformat(shift["opened_at"])),
        }

    def control_tape(self, request: dict, data: dict) -> dict:
        shift = self.open_shift_or_fail()
        documents = [self.state["documents"][d] for d in shift["documents"]]
        return {
            "createdAtUtc": format_date(self.clock()),
            "documents_quantity": len(documents),
            "shift_number": shift["number"],
            "shiftOpenAtUtc": format_date(datetime.fromisoformat(shift["opened_at"])),
            "tape": [tape_entry(document) for document in documents],
        }

    def periodic_report(self, request: dict, data: dict) -> dict:
        try:
            start = parse_date(text(data, "startDate"))
            end = parse_date(text(data, "endDate"))
        except ValueError:
            raise DeviceError(642, "dates are dd.mm.yyyy HH:MM:SS") from None
        chosen = [
            z["totals"]
            for z in self.state["z_reports"]
            if start <= datetime.fromisoformat(z["created_at"]) <= end
        ]
        report = periodic_totals(chosen)
        report.update(
            {"date": format_date(self.clock()), "startDate": format_date(start)}
            | {"endDate": format_date(end)}
        )
        return report


TAPE_TYPES = {
    "sale": "sale",
    "moneyBack": "money_back",
    "rollback": "rollback",
    "prepay": "prepayment",
    "creditpay": "credit",
    "correction": "correction",
    "deposit": "deposit",
    "withdraw": "withdraw",
    "z_report": "close_shift",
}


def tape_entry(document: dict) -> dict:
    return {
        "createdAtUtc": format_date(datetime.fromisoformat(document["created_at"])),
        "document_id": document["id"],
        "item_count": document["item_count"],
        "total_sum": document["total"],
        "total_vat": vat_tax(document["vat"]),
        "delivered": True,
        "number": document["number"],
        "short_document_id": document["id"][:SHORT_ID_LENGTH],
        "type": document.get("tape_type") or TAPE_TYPES[document["kind"]],
        "document_type": document["document_type"],
        "rolled_back": document["rolled_back"],
    }


def parse_utc(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        raise DeviceError(642, f"{value!r} is not a date-time") from None


def rollback_vat(data: dict) -> dict:
    amounts = data.get("vatAmounts")
    if not isinstance(amounts, list) or not amounts:
        raise DeviceError(613, "vatAmounts are required")
    vat: dict = {}
    for entry in amounts:
        if not isinstance(entry, dict):
            raise DeviceError(304, "a VAT amount must be an object")
        vat_type = whole(entry, "vatType", 616, set(VAT_PERCENT))
        add_vat(vat, {str(vat_type): round_money(number(entry, "vatSum", None))})
    return vat


def vat_amounts(vat: dict) -> list[dict]:
    """The report's VAT list: turnover per rate, ``vatPercent`` left out for VAT-free goods."""
    entries = []
    for vat_type in sorted(vat, key=int):
        entry: dict = {"vatType": int(vat_type)}
        percent = VAT_PERCENT[int(vat_type)]
        if percent is not None:
            entry["vatPercent"] = percent
        entry["vatSum"] = vat[vat_type]
        entries.append(entry)
    return entries


def period_sums(period: dict) -> dict:
    sums = {"periodSum": ZERO, "periodVatFreeSum": ZERO, "periodVatSum": ZERO}
    sums["periodVatZeroSum"] = ZERO
    for vat_type, amount in period.items():
        percent = VAT_PERCENT[int(vat_type)]
        key = "periodVatFreeSum" if percent is None else "periodVatSum"
        key = "periodVatZeroSum" if percent == 0 else key
        sums[key] += amount
        sums["periodSum"] += amount
    return sums


def currency_totals(totals: dict) -> dict:
    """One shift's totals in the spec's X/Z ``currencies`` entry."""
    report: dict = {"currency": CURRENCY}
    for group in RECEIPT_GROUPS:
        bucket = totals[group]
        report[f"{group}Count"] = bucket["count"]
        report[f"{group}Sum"] = bucket["sum"]
        # advances and credit payments are paid in money only: the spec lists no credit/prepayment
        splits = SPLIT[:3] if group in ("prepay", "creditpay") else SPLIT
        for name in splits:
            report[f"{group}{name.capitalize()}Sum"] = bucket[name]
        report[f"{group}VatAmounts"] = vat_amounts(bucket["vat"])
    for group in ("deposit", "withdraw"):
        report[f"{group}Count"] = totals[group]["count"]
        report[f"{group}Sum"] = totals[group]["sum"]
    report.update(period_sums(totals["period"]))
    return dict(sorted(report.items()))


# periodic report group name -> shift totals group
PERIODIC_GROUPS = {
    "cancellation": "rollback",
    "correction": "correction",
    "credit": "creditpay",
    "prepayment": "prepay",
    "sale": "sale",
    "saleReturn": "moneyBack",
}


def periodic_totals(shifts: list[dict]) -> dict:
    """Closed shifts' totals summed in the spec's getPeriodicZReport shape."""
    report: dict = {}
    period: dict = {}
    for name, group in PERIODIC_GROUPS.items():
        buckets = [shift[group] for shift in shifts]
        report[f"{name}Count"] = sum(b["count"] for b in buckets)
        report[f"{name}Total"] = sum((b["sum"] for b in buckets), ZERO)
        for split in SPLIT:
            report[f"{name}{split.capitalize()}Total"] = sum((b[split] for b in buckets), ZERO)
        vat: dict = {}
        for bucket in buckets:
            add_vat(vat, bucket["vat"])
        free = sum((a for t, a in vat.items() if VAT_PERCENT[int(t)] is None), ZERO)
        report[f"{name}VatFreeTotal"] = free
        report[f"{name}VatTotal"] = sum(vat.values(), ZERO) - free
        report[f"{name}Vat"] = vat_tax(vat)
    for name, group in (("cashIn", "deposit"), ("cashOut", "withdraw")):
        report[f"{name}Count"] = sum(shift[group]["count"] for shift in shifts)
        report[f"{name}Total"] = sum((shift[group]["sum"] for shift in shifts), ZERO)
    for shift in shifts:
        add_vat(period, shift["period"])
    sums = period_sums(period)
    report.update({key: sums[key] for key in ("periodSum", "periodVatFreeSum", "periodVatSum")})
    return dict(sorted(report.items()))


# -- persistence ---------------------------------------------------------------------------------


def _encode_decimal(value: object) -> object:
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    raise TypeError(f"cannot keep {type(value).__name__} in the state file")


def _decode_decimal(value: dict) -> object:
    return Decimal(value["$decimal"]) if set(value) == {"$decimal"} else value


def save_state(path: Path, state: dict) -> None:
    """Write the device memory atomically: a crash never leaves half a state file."""
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(
        json.dumps(state, default=_encode_decimal, ensure_ascii=False), encoding="utf-8"
    )
    temporary.replace(path)


def load_state(path: Path) -> dict:
    state = json.loads(path.read_text(encoding="utf-8"), object_hook=_decode_decimal)
    return {**fresh_state(), **state}
