"""Neutral documents for N5 examples, tests and the benchmark (Bulgarian VAT letters)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from ...core.documents import (
    Buyer,
    FiscalResult,
    IdentType,
    Line,
    Operator,
    Payment,
    PaymentKind,
    Receipt,
    StornoReason,
    StornoReference,
    TextLine,
)

OPERATOR = Operator(name="Оператор 1", number=1)
BUYER = Buyer(
    ident_type=IdentType.BULSTAT,
    ident_number="123456789",
    name="Клиент ООД",
    address="ул. Витоша 1",
    city="София",
    vat_number="BG123456789",
)


def sale(lines: int = 2, paid_by: PaymentKind = PaymentKind.CASH, buyer: Buyer | None = None):
    """A sale of ``lines`` articles (VAT B and D, one discounted), paid in full."""
    items = [
        Line(
            name=f'Артикул {n} {{"скоби"}}',
            quantity=Decimal(n % 3 + 1),
            unit_price=Decimal("2.40") + n,
            vat_class="B" if n % 2 else "D",
            discount_percent=Decimal(10) if n == 2 else None,
        )
        for n in range(1, lines + 1)
    ]
    receipt = Receipt(
        uuid=str(uuid.uuid4()),
        lines=items,
        payments=[],
        operator=OPERATOR,
        buyer=buyer,
        text_before_payment=[TextLine("Благодарим ви!")],
        text_after_payment=[TextLine("Заповядайте пак"), TextLine("123456789", barcode=True)],
    )
    receipt.payments = [Payment(paid_by, receipt.total)]
    return receipt


def invoice(lines: int = 2) -> Receipt:
    return sale(lines, PaymentKind.CARD, BUYER)


def storno_of(original: Receipt, result: FiscalResult) -> Receipt:
    """A storno (or credit note, for an invoice) returning the original's first line in cash."""
    line = original.lines[0]
    return Receipt(
        uuid=str(uuid.uuid4()),
        lines=[line],
        payments=[Payment(PaymentKind.CASH, line.total)],
        operator=OPERATOR,
        buyer=original.buyer,
        storno=StornoReference(
            reason=StornoReason.GOODS_RETURN,
            fiscal_memory_number=result.fiscal_memory_number,
            receipt_number=result.document_number,
            receipt_datetime=result.issued_at,
            invoice_number=result.number,
        ),
        sale_number=original.sale_number,  # N-18: the storno names its sale's number
    )
