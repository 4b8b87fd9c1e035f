"""Neutral documents to N5 ``PrintReceipt`` / ``CashInOut`` parameters, checked first.

Device-specific checks (VAT letter, department, lengths, payment media) add to the core's
validation; every message names its field and line. Nothing here talks to the device.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from ..core.documents import (
    Buyer,
    CashOperation,
    DocumentKind,
    Line,
    Operator,
    PaymentKind,
    Receipt,
    StornoReason,
    StornoReference,
    TextLine,
)
from ..core.errors import MalformedAnswer, ValidationError
from ..core.i18n import Message, _lt
from ..core.money import round_money
from ..core.validation import validate_cash_operation, validate_receipt
from .wire import (
    CURRENCY,
    CYRILLIC_VAT_GROUPS,
    DEPARTMENTS,
    MAX_AMOUNT,
    MAX_BUYER_FIELD,
    MAX_DESCRIPTION,
    MAX_OPERATOR_NAME,
    MAX_QUANTITY,
    MAX_TEXT,
    MEDIUM_BY_PAYMENT,
    STORNO_DATE_FORMAT,
    VAT_GROUPS,
    parse_qr,
)

STORNO_TYPE_BY_REASON = {
    StornoReason.OPERATOR_ERROR: "OPERATOR_ERROR",
    StornoReason.GOODS_RETURN: "ATRICLE_RETURN",  # the spec's spelling, which the device expects
    StornoReason.WRONG_PRICE: "WRONG_PRICE",
}


def _too_long(where: str, label: str, text: str, limit: int) -> list[str]:
    if len(text) > limit:
        return [f"{where}{label} is longer than {limit} characters ({len(text)})"]
    return []


def operator_problems(operator: Operator) -> list[str]:
    problems = _too_long("operator: ", "name", operator.name, MAX_OPERATOR_NAME)
    if operator.number > 2**31 - 1:  # the spec's "Int"
        problems.append(f"operator: number must be at most {2**31 - 1}")
    return problems


def printable_problems(where: str, label: str, text: str, required: bool = True) -> list[str]:
    """Control characters (NUL, newline, ESC, ...) and lone surrogates never reach the paper;
    a required text of only invisible characters prints as nothing."""
    problems = []
    bad = sorted({char for char in text if unicodedata.category(char) in _UNPRINTABLE})
    if bad:
        shown = ", ".join(f"U+{ord(char):04X}" for char in bad[:5])
        problems.append(f"{where}{label} contains control characters ({shown})")
    elif required and text.strip() and all(_invisible(char) for char in text):
        problems.append(f"{where}{label} holds only invisible characters")
    return problems


_UNPRINTABLE = {"Cc", "Cs", "Co", "Cn", "Zl", "Zp"}


def _invisible(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in ("Cf", "Mn", "Me", "Zs")


def _amount_problems(where: str, label: str, value: Decimal, limit: Decimal) -> list[str]:
    if value.is_finite() and abs(value) < limit:
        return []
    return [f"{where}{label} is beyond what the N5 registers (below {limit:,f})"]


def line_problems(line: Line, where: str) -> list[str]:
    problems = []
    problems += _amount_problems(where, "quantity", line.quantity, MAX_QUANTITY)
    problems += _amount_problems(where, "unit price", line.unit_price, MAX_AMOUNT)
    if not problems:  # quantity × price is computable only within the bounds
        problems += _amount_problems(where, "line total", line.total, MAX_AMOUNT)
    for label, value in (
        ("unit (a Caspos quantity type)", line.unit),
        ("purchase price", line.purchase_price),
        ("marking codes", line.marking_codes),
    ):
        if value not in (None, "", []):
            problems.append(f"{where}{label}: the N5 has no such field; leave it empty")
    if line.department is not None:
        if isinstance(line.department, bool) or line.department not in DEPARTMENTS:
            problems.append(f"{where}department {line.department} is not an N5 department (0–100)")
        return problems
    problems += _too_long(where, "name", line.name, MAX_DESCRIPTION)
    problems += printable_problems(where, "name", line.name)
    if line.vat_class not in (None, "") and (
        len(line.vat_class) != 1 or line.vat_class not in VAT_GROUPS
    ):
        problems.append(f"{where}VAT class {line.vat_class!r} is not an N5 VAT group (A–H)")
        if line.vat_class in CYRILLIC_VAT_GROUPS:
            latin = VAT_GROUPS[CYRILLIC_VAT_GROUPS.index(line.vat_class)]
            problems.append(
                f"{where}the N5 takes the Latin letter {latin} for group {line.vat_class}"
            )
    return problems


def text_problems(label: str, texts: list[TextLine], barcode_allowed: bool) -> list[str]:
    problems = []
    for index, text in enumerate(texts, start=1):
        where = f"{label} {index}: "
        problems += _too_long(where, "text", text.text, MAX_TEXT)
        problems += printable_problems(where, "text", text.text)
        if text.barcode and not barcode_allowed:
            problems.append(f"{where}the N5 prints barcodes only after the payment")
        elif text.barcode and not (text.text.isascii() and text.text.isprintable()):
            problems.append(f"{where}an EAN128 barcode holds printable ASCII only")
    return problems


def buyer_problems(buyer: Buyer) -> list[str]:
    problems = []
    for label, value in (
        ("identification number", buyer.ident_number),
        ("name", buyer.name),
        ("address", buyer.address),
        ("city", buyer.city),
        ("VAT number", buyer.vat_number),
    ):
        problems += _too_long("buyer: ", label, value, MAX_BUYER_FIELD)
        problems += printable_problems("buyer: ", label, value)
    return problems


def unsupported_problems(receipt: Receipt, currency: str) -> list[str]:
    """Neutral fields the N5 cannot carry: refused, never silently dropped."""
    problems = []
    if receipt.note:
        problems.append(
            "note: the N5 prints no document note; put it in text before payment instead"
        )
    if receipt.currency and currency and receipt.currency != currency:
        problems.append(
            f"currency: the N5 registers {currency} only, this receipt is in {receipt.currency}"
        )
    for label, value in (
        ("customer: the N5 has no loyalty (bonus card) fields", receipt.customer),
        ("bank: the N5 takes no card transaction details", receipt.bank),
        ("credit: the N5 has no credit terms", receipt.credit),
        ("prepayment document: the N5 has no advance payments", receipt.prepayment_document_id),
    ):
        if value:
            problems.append(label)
    return problems


def storno_problems(receipt: Receipt) -> list[str]:
    storno = receipt.storno
    if storno is None:
        return []
    try:
        storno_input(storno, receipt.kind)
    except ValidationError as error:
        return error.problems
    return []


def device_problems(receipt: Receipt, currency: str = CURRENCY) -> list[str]:
    """What the N5 would refuse or could not carry, beyond the core's checks."""
    problems = operator_problems(receipt.operator)
    problems += printable_problems("operator: ", "name", receipt.operator.name)
    for index, line in enumerate(receipt.lines, start=1):
        problems += line_problems(line, f"line {index}: ")
    if not any("beyond what the N5" in problem for problem in problems):
        problems += _amount_problems("", "document total", receipt.total, MAX_AMOUNT)
    for index, payment in enumerate(receipt.payments, start=1):
        if payment.kind not in MEDIUM_BY_PAYMENT:
            problems.append(
                f"payment {index}: {payment.kind.value!r} is not an N5 payment medium "
                "(use cash, card, check, coupon, ext_coupon, packaging, internal_service, "
                "damage, bank, nzok or reserve2)"
            )
        elif not payment.amount.is_finite() or payment.amount >= MAX_AMOUNT:
            problems.append(f"payment {index}: amount is too large")
    if sum(payment.kind == PaymentKind.CARD for payment in receipt.payments) > 1:
        problems.append("payments: the N5 takes one card payment per receipt")
    problems += text_problems("text before payment", receipt.text_before_payment, False)
    problems += text_problems("text after payment", receipt.text_after_payment, True)
    if receipt.buyer is not None:
        problems += buyer_problems(receipt.buyer)
    problems += unsupported_problems(receipt, currency)
    return problems + storno_problems(receipt)


def validate_for_n5(receipt: Receipt, currency: str = CURRENCY) -> Receipt:
    """Raise ``ValidationError`` with the core's and the N5's problems, or return the receipt."""
    return validate_receipt(receipt, device_problems(receipt, currency))


def line_adjustment(line: Line) -> dict[str, Decimal]:
    """``surchargeAmount`` (negative = discount) or ``surchargePercent`` for one line."""
    if line.line_total is not None:
        difference = round_money(line.line_total) - line.gross
        return {"surchargeAmount": difference} if difference else {}
    if line.surcharge_amount:
        return {"surchargeAmount": round_money(line.surcharge_amount)}
    if line.discount_amount:
        return {"surchargeAmount": -round_money(line.discount_amount)}
    if line.surcharge_percent:
        return {"surchargePercent": line.surcharge_percent}
    if line.discount_percent:
        return {"surchargePercent": -line.discount_percent}
    return {}


def receipt_item(line: Line) -> dict:
    item: dict = {"type": "article"}
    if line.department is not None:
        item["department"] = line.department  # the department's name and VAT group apply
    else:
        item["description"] = line.name
        item["enumVatCategory"] = line.vat_class
    item["price"] = line.unit_price
    item["quantity"] = line.quantity
    item.update(line_adjustment(line))
    return item


def invoice_data(buyer: Buyer) -> dict:
    return {
        "city": buyer.city,
        "identNumber": buyer.ident_number,
        "identType": buyer.ident_type.value,
        "recipientAddress": buyer.address,
        "recipientName": buyer.name,
        "vatIdentNumber": buyer.vat_number,
    }


def storno_input(storno: StornoReference, kind: DocumentKind) -> dict:
    """``stornoInput`` from the reference; a missing part is read from the original's QR text."""
    fiscal_memory_number = storno.fiscal_memory_number
    number, issued_at = storno.receipt_number, storno.receipt_datetime
    if storno.parent_document_id and not (fiscal_memory_number and number and issued_at):
        try:
            qr = parse_qr(storno.parent_document_id)
        except MalformedAnswer:
            raise ValidationError(
                Message(
                    _lt(
                        "storno: parent document id is not an N5 QR text "
                        "(FM*RECEIPT*DATE*TIME*TOTAL)"
                    )
                )
            ) from None
        fiscal_memory_number = fiscal_memory_number or qr.fiscal_memory_number
        number, issued_at = number or qr.receipt_number, issued_at or qr.issued_at
    problems = [
        f"storno: {label} of the original receipt is missing"
        for label, value in (
            ("fiscal memory number", fiscal_memory_number),
            ("receipt number", number),
            ("date and time", issued_at),
        )
        if not value
    ]
    if kind == DocumentKind.CREDIT_NOTE and not storno.invoice_number:
        problems.append("storno: invoice number of the original invoice is missing")
    if problems:
        raise ValidationError(problems)
    params = {
        "documentDate": issued_at.strftime(STORNO_DATE_FORMAT),
        "enumStornoType": STORNO_TYPE_BY_REASON[storno.reason],
        "fiscMemNumber": fiscal_memory_number,
        "receiptNumber": number,
    }
    if storno.invoice_number:
        params["invoiceNumber"] = storno.invoice_number
    return params


def text_item(text: TextLine) -> dict:
    return {"text": text.text, "type": "barcode" if text.barcode else "text"}


def receipt_params(receipt: Receipt, currency: str = CURRENCY, checked: bool = False) -> dict:
    """``PrintReceipt`` parameters for a sale, storno, invoice or credit note, checked first
    unless the caller has (``checked``: ``N5Driver.problems`` found nothing). The receipt's
    N-18 ``sale_number`` goes as ``usn``; without one, no ``usn`` is sent."""
    if not checked:
        validate_for_n5(receipt, currency)
    header = {"operatorName": receipt.operator.name, "operatorNumber": receipt.operator.number}
    if receipt.sale_number:
        header["usn"] = receipt.sale_number
    params: dict = {
        "beginFiscalReceiptInput": header,
        "receiptItems": [receipt_item(line) for line in receipt.lines]
        + [{"text": text.text, "type": "text"} for text in receipt.text_before_payment],
        "receiptPayments": [
            {"amount": round_money(p.amount), "medium": MEDIUM_BY_PAYMENT[p.kind]}
            for p in receipt.payments
        ],
    }
    if receipt.buyer is not None:
        params["invoiceData"] = invoice_data(receipt.buyer)
    if receipt.storno is not None:
        params["stornoInput"] = storno_input(receipt.storno, receipt.kind)
    if receipt.text_after_payment:
        params["textAfterPayment"] = [text_item(text) for text in receipt.text_after_payment]
    return params


def cash_params(operation: CashOperation) -> dict:
    """``CashInOut`` parameters: a positive amount puts cash in, a negative one takes it out."""
    validate_cash_operation(operation)
    problems = operator_problems(operation.operator)
    if operation.operator.number <= 0:
        problems.append("operator: number must be greater than 0")
    if problems:
        raise ValidationError(problems)
    return {
        "amount": round_money(operation.amount),
        "operatorName": operation.operator.name,
        "operatorNumber": operation.operator.number,
    }


def report_params(operator: Operator, departments: bool, items: bool) -> dict:
    problems = operator_problems(operator)
    if not operator.name.strip():
        problems.append("operator: name must not be empty")
    if operator.number <= 0:
        problems.append("operator: number must be greater than 0")
    if problems:
        raise ValidationError(problems)
    return {
        "operatorName": operator.name,
        "operatorNumber": operator.number,
        "includeDepartments": departments,
        "includeItems": items,
    }
