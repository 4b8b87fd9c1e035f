"""Typed Caspos requests: one dataclass per document operation, each able to write its ``data``.

Field names are the domain's; ``to_data`` gives the spec's camelCase keys with numbers already
quantized for the wire (money 2 dp, quantities 3 dp). Optional fields left at their defaults are
not sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from ..core.documents import BankInfo
from .wire import CURRENCY, CodeType, MoneyBackType, QuantityType, VatType, money, quantity


@dataclass
class Item:
    """One receipt line as Caspos takes it; ``total`` (wire ``sum``) fixes the line's money."""

    name: str
    quantity: Decimal
    sale_price: Decimal
    vat_type: int = VatType.VAT18
    quantity_type: int = QuantityType.PIECE
    code: str = ""
    code_type: int = CodeType.PLAIN
    total: Decimal | None = None
    discount_amount: Decimal | None = None
    purchase_price: Decimal | None = None
    real_price: Decimal | None = None  # credit pay: the product's own unit price
    item_uuid: str = ""
    parent_item_uuid: str = ""
    marking_codes: list[str] = field(default_factory=list)

    def to_data(self) -> dict:
        data: dict = {
            "name": self.name,
            "code": self.code,
            "quantity": quantity(self.quantity),
            "salePrice": money(self.sale_price),
            "codeType": int(self.code_type),
            "quantityType": int(self.quantity_type),
            "vatType": int(self.vat_type),
        }
        optional_money = {
            "sum": self.total,
            "discountAmount": self.discount_amount,
            "purchasePrice": self.purchase_price,
            "realPrice": self.real_price,
        }
        data.update({k: money(value) for k, value in optional_money.items() if value is not None})
        optional_text = {"itemUuid": self.item_uuid, "parentItemUuid": self.parent_item_uuid}
        data.update({key: value for key, value in optional_text.items() if value})
        if self.marking_codes:
            data["markingCodes"] = list(self.marking_codes)
        return data


@dataclass
class Payments:
    """How a document is paid; cash above the total is change, the device works it out."""

    cash: Decimal = Decimal(0)
    card: Decimal = Decimal(0)
    bonus: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)
    deposit: Decimal = Decimal(0)  # from an earlier advance (prepayment)

    def to_data(self) -> dict:
        return {
            "cashPayment": money(self.cash),
            "cardPayment": money(self.card),
            "bonusPayment": money(self.bonus),
            "creditPayment": money(self.credit),
            "depositPayment": money(self.deposit),
        }


@dataclass
class Client:
    name: str = ""
    bonus_card_number: str = ""
    total_bonus: Decimal | None = None
    earned_bonus: Decimal | None = None

    def to_data(self) -> dict:
        data: dict = {}
        if self.name:
            data["clientName"] = self.name
        if self.bonus_card_number:
            data["clientBonusCardNumber"] = self.bonus_card_number
        if self.total_bonus is not None:
            data["clientTotalBonus"] = money(self.total_bonus)
        if self.earned_bonus is not None:
            data["clientEarnedBonus"] = money(self.earned_bonus)
        return data


def bank_data(bank: BankInfo | None) -> dict:
    if bank is None:
        return {}
    fields = {
        "rrn": bank.rrn,
        "transactionId": bank.transaction_id,
        "transactionNumber": bank.transaction_number,
        "approvalCode": bank.approval_code,
    }
    return {key: value for key, value in fields.items() if value}


@dataclass
class DocumentCommon:
    """What every receipt-like document carries besides its items and payments."""

    document_uuid: str
    cashier: str
    client: Client | None = None
    bank: BankInfo | None = None
    note: str = ""
    currency: str = CURRENCY

    def common_data(self) -> dict:
        data: dict = {
            "documentUUID": self.document_uuid,
            "cashierName": self.cashier,
            "currency": self.currency,
        }
        if self.client is not None:
            data.update(self.client.to_data())
        data.update(bank_data(self.bank))
        if self.note:
            data["note"] = self.note
        return data


@dataclass
class SaleRequest(DocumentCommon):
    """A sale; with ``credit_contract`` a credit sale, with ``prepayment_document_id`` an advance
    pay."""

    items: list[Item] = field(default_factory=list)
    payments: Payments = field(default_factory=Payments)
    prepayment_document_id: str = ""
    credit_contract: str = ""
    credit_payer: str = ""

    def to_data(self) -> dict:
        data = self.common_data()
        data.update(self.payments.to_data())
        data["items"] = [item.to_data() for item in self.items]
        if self.prepayment_document_id:
            data["prepaymentDocumentId"] = self.prepayment_document_id
        if self.credit_contract:
            data["creditContract"] = self.credit_contract
        if self.credit_payer:
            data["creditPayer"] = self.credit_payer
        return data


@dataclass
class CreditPayRequest(DocumentCommon):
    """One instalment of a credit sale (``parent_document_id``); items carry ``real_price``."""

    parent_document_id: str = ""
    items: list[Item] = field(default_factory=list)
    payments: Payments = field(default_factory=Payments)
    residue: Decimal = Decimal(0)  # debt left after this payment
    payment_number: str = "1"
    credit_contract: str = ""
    credit_payer: str = ""

    def to_data(self) -> dict:
        data = self.common_data()
        data.update(
            {
                "parentDocumentId": self.parent_document_id,
                "cashPayment": money(self.payments.cash),
                "cardPayment": money(self.payments.card),
                "bonusPayment": money(self.payments.bonus),
                "items": [item.to_data() for item in self.items],
                "paymentNumber": self.payment_number,
                "residue": money(self.residue),
                "creditContract": self.credit_contract,
                "creditPayer": self.credit_payer,
            }
        )
        return data


@dataclass
class PrepaymentRequest(DocumentCommon):
    """An advance (``prepayment``), or with ``items`` an advance for named goods."""

    total: Decimal = Decimal(0)
    vat_type: int = VatType.VAT18
    payments: Payments = field(default_factory=Payments)
    items: list[Item] = field(default_factory=list)

    def to_data(self) -> dict:
        data = self.common_data()
        data.update(
            {
                "sum": money(self.total),
                "vatType": int(self.vat_type),
                "cashPayment": money(self.payments.cash),
                "cardPayment": money(self.payments.card),
                "bonusPayment": money(self.payments.bonus),
            }
        )
        if self.items:
            data["items"] = [item.to_data() for item in self.items]
        return data


@dataclass
class MoneyBackRequest(DocumentCommon):
    """A refund of ``parent_document_id``: a sale (0), an advance (6) or a credit pay (7)."""

    parent_document_id: str = ""
    money_back_type: int = MoneyBackType.SALE
    items: list[Item] = field(default_factory=list)
    payments: Payments = field(default_factory=Payments)
    is_manual: bool = False  # the device skips its checks against the parent

    def to_data(self) -> dict:
        data = self.common_data()
        data.update(self.payments.to_data())
        data.update(
            {
                "parentDocumentId": self.parent_document_id,
                "moneyBackType": int(self.money_back_type),
                "isManual": self.is_manual,
                "items": [item.to_data() for item in self.items],
            }
        )
        return data


@dataclass
class CorrectionRequest:
    """Takings of a period the device was out of order; ``cashierName`` goes at the top level."""

    document_uuid: str
    cashier: str
    first_operation_at: datetime
    last_operation_at: datetime
    payments: Payments = field(default_factory=Payments)
    vat_type: int = VatType.VAT18
    note: str = ""
    currency: str = CURRENCY

    def to_data(self) -> dict:
        return {
            "documentUUID": self.document_uuid,
            "firstOperationAtUtc": self.first_operation_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "lastOperationAtUtc": self.last_operation_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "currency": self.currency,
            "cashPayment": money(self.payments.cash),
            "cardPayment": money(self.payments.card),
            "vatType": int(self.vat_type),
            "note": self.note,
        }


@dataclass
class RollBackRequest:
    """Cancels a document of the current shift; sum, payments and VAT must match the parent."""

    document_uuid: str
    cashier: str
    parent_document_id: str
    total: Decimal
    payments: Payments
    vat_amounts: dict[int, Decimal]  # vatType -> amount
    note: str = ""
    currency: str = CURRENCY

    def to_data(self) -> dict:
        data = {"documentUUID": self.document_uuid, "parentDocumentId": self.parent_document_id}
        data["sum"] = money(self.total)
        data.update(self.payments.to_data())
        data["vatAmounts"] = [
            {"vatType": int(vat_type), "vatSum": money(amount)}
            for vat_type, amount in self.vat_amounts.items()
        ]
        if self.note:
            data["note"] = self.note
        return data
