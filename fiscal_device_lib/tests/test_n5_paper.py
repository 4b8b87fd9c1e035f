"""The emulated N5's paper speaks Bulgarian throughout, as a real N5 prints under N-18."""

import re
from decimal import Decimal

import pytest

from fiscal_device_lib.core.documents import CashOperation, PaymentKind
from fiscal_device_lib.mypos_n5 import N5Emulator, connect
from fiscal_device_lib.mypos_n5.emulator import paper, samples
from fiscal_device_lib.mypos_n5.wire import IDENT_TYPES, MEDIUMS

# Latin words a Bulgarian receipt does print: X and Z reports, the QR line, the VAT number's BG.
ALLOWED_LATIN = {"X", "Z", "QR", "BG"}
# a word of Latin letters only (a serial number such as BN300001 is data, not a word)
LATIN_WORD = re.compile(r"\b[A-Za-z_]+\b")


@pytest.fixture
def day_paper():
    """Every kind of document of a trading day, printed by the emulator."""
    with N5Emulator() as emulator, connect(port=emulator.port, timeout=2.0) as device:
        device.cash_in_out(  # cash for the stornos' refunds
            CashOperation(uuid="in", amount=Decimal("500.00"), operator=samples.OPERATOR)
        )
        sale = samples.sale(3, paid_by=PaymentKind.CARD)
        sold = device.fiscalize(sale)
        device.fiscalize(samples.storno_of(sale, sold))
        device.set_invoice_range(100, 200)
        invoice = samples.invoice()
        invoiced = device.fiscalize(invoice)
        device.fiscalize(samples.storno_of(invoice, invoiced))
        device.fiscalize(samples.sale(2))  # cash, with change
        device.cash_in_out(
            CashOperation(uuid="out", amount=Decimal("-20.00"), operator=samples.OPERATOR)
        )
        device.print_duplicate()
        device.print_article_report()
        device.print_department_report()
        device.x_report(samples.OPERATOR, departments=True, items=True)
        device.z_report(samples.OPERATOR, departments=True, items=True)
        device.print_electronic_journal("ALL", "ByZNumber", 1, 1)
        device.print_fiscal_memory_report("ByNumber", 1, 1, full=True)
        yield "\n".join(emulator.printed)


def test_no_protocol_name_on_paper(day_paper):
    for name in (*MEDIUMS, *IDENT_TYPES, "CASH", "CARD", "MEDIUM"):
        assert name not in day_paper
    item_names = {"Артикул"}  # the sample items are Bulgarian too
    latin = {
        word
        for line in day_paper.splitlines()
        if not line.startswith("QR ")  # the QR's payload is data, not words
        for word in LATIN_WORD.findall(line)
    }
    assert latin - ALLOWED_LATIN - item_names == set()


def test_payments_and_vat_groups_read_as_on_a_bulgarian_receipt(day_paper):
    assert paper.columns("Карта", "").rstrip() in day_paper
    assert re.search(r"^В брой +\d+\.\d\d$", day_paper, re.MULTILINE)
    assert re.search(r"^ДДС Б 20\.00% +\d+\.\d\d$", day_paper, re.MULTILINE)
    assert re.search(r" \d+\.\d\d [АБВГ]$", day_paper, re.MULTILINE)  # a line's VAT group
    assert "ЕИК 123456789" in day_paper  # the invoice's buyer, by its identification type


def test_every_medium_and_ident_type_has_a_bulgarian_name():
    assert set(paper.MEDIA) == set(MEDIUMS)
    assert set(paper.IDENT_TYPES) == set(IDENT_TYPES)
    for text in (*paper.MEDIA.values(), *paper.IDENT_TYPES.values()):
        assert not re.search("[A-Za-z]", text), text
