"""The N5 driver against the emulator, over a real pseudo-terminal (and once socket://, HTTP)."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from fiscal_device_lib.core.documents import (
    CashOperation,
    DocumentKind,
    Line,
    Payment,
    PaymentKind,
)
from fiscal_device_lib.core.errors import DeviceRejected, ValidationError
from fiscal_device_lib.core.interface import Capability
from fiscal_device_lib.mypos_n5 import FAMILY, N5Emulator, connect
from fiscal_device_lib.mypos_n5.emulator import samples


@pytest.fixture
def emulator():
    with N5Emulator() as running:
        yield running


@pytest.fixture
def device(emulator):
    with connect(port=emulator.port, timeout=2.0, busy_pause=0.01) as driver:
        yield driver


def test_sale_round_trip_returns_what_a_storno_needs(device, emulator):
    receipt = samples.sale(3)
    result = device.fiscalize(receipt)
    assert result.kind == DocumentKind.SALE
    assert result.fiscal_memory_number == "51300001"
    assert result.document_number == 1 and result.short_document_id == "1"
    assert result.total == receipt.total
    assert result.qr_payload == result.document_id == emulator.receipts()[0]["qr"]
    assert abs(result.issued_at - datetime.now()) < timedelta(seconds=5)
    assert result.request["receiptItems"][1]["surchargePercent"] == Decimal(-10)
    assert "ФИСКАЛЕН БОН" in emulator.printed[-1]
    assert "||| 123456789 |||" in emulator.printed[-1]


def test_storno_invoice_and_credit_note(device, emulator):
    sale = samples.sale()
    sold = device.fiscalize(sale)
    storno = device.fiscalize(samples.storno_of(sale, sold))
    assert storno.kind == DocumentKind.STORNO and storno.document_number == 2
    device.set_invoice_range(100, 200)
    invoice = samples.invoice()
    invoiced = device.fiscalize(invoice)
    assert invoiced.kind == DocumentKind.INVOICE and invoiced.number == "0000000100"
    assert invoiced.request["invoiceData"]["identType"] == "BULSTAT"
    credit_note = device.fiscalize(samples.storno_of(invoice, invoiced))
    assert credit_note.kind == DocumentKind.CREDIT_NOTE
    assert credit_note.request["stornoInput"]["invoiceNumber"] == "0000000100"
    assert credit_note.request["stornoInput"]["enumStornoType"] == "ATRICLE_RETURN"
    assert [e["document"] for e in emulator.receipts()] == [
        "sale",
        "storno",
        "invoice",
        "credit_note",
    ]
    assert "КРЕДИТНО ИЗВЕСТИЕ" in emulator.printed[-1]
    assert device.invoice_range().next == 101


def test_storno_from_the_qr_text_alone(device):
    sale = samples.sale()
    sold = device.fiscalize(sale)
    storno = samples.storno_of(sale, sold)
    storno.storno.fiscal_memory_number, storno.storno.receipt_number = "", None
    storno.storno.receipt_datetime, storno.storno.parent_document_id = None, sold.document_id
    assert device.fiscalize(storno).request["stornoInput"]["receiptNumber"] == 1


def test_storno_of_an_unknown_receipt_is_refused(device):
    sale = samples.sale()
    sold = device.fiscalize(sale)
    storno = samples.storno_of(sale, sold)
    storno.storno.receipt_number = 99
    with pytest.raises(DeviceRejected) as caught:
        device.fiscalize(storno)
    assert (caught.value.code, caught.value.message) == (43, "WRONG_DATA")
    assert "no sale number 99" in caught.value.hint


def test_lines_by_department_and_adjustments(device, emulator):
    receipt = samples.sale(1)
    receipt.lines = [
        Line("ignored", Decimal(2), Decimal("1.50"), department=4),
        Line("Надбавка", Decimal(1), Decimal("10.00"), "B", surcharge_amount=Decimal("0.50")),
        Line("Сума", Decimal(3), Decimal("0.33"), "A", line_total=Decimal("1.00")),
        Line("Процент", Decimal(1), Decimal("10.00"), "B", surcharge_percent=Decimal(5)),
    ]
    receipt.payments = [Payment(PaymentKind.CASH, Decimal(50))]
    result = device.fiscalize(receipt)
    items = result.request["receiptItems"]
    assert items[0] == {"type": "article", "department": 4, "price": Decimal("1.50"), "quantity": 2}
    assert items[1]["surchargeAmount"] == Decimal("0.50")
    assert items[2]["surchargeAmount"] == Decimal("0.01")
    assert items[3]["surchargePercent"] == Decimal(5)
    assert result.total == receipt.total == Decimal("25.00")
    assert "Туристически услуги" in emulator.printed[-1]
    assert "РЕСТО" in emulator.printed[-1]


def test_every_payment_medium_is_accepted(device):
    media = [k for k in PaymentKind if k not in (PaymentKind.BONUS, PaymentKind.CREDIT)]
    media.remove(PaymentKind.ADVANCE)
    receipt = samples.sale(1)
    receipt.lines[0].unit_price, receipt.lines[0].quantity = Decimal(11), Decimal(1)
    receipt.payments = [Payment(kind, Decimal(1)) for kind in media]
    result = device.fiscalize(receipt)
    assert len(result.request["receiptPayments"]) == 11


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda r: setattr(r.lines[1], "vat_class", "X"), "line 2: VAT class 'X' is not an N5"),
        (lambda r: setattr(r.lines[0], "department", 101), "line 1: department 101 is not"),
        (lambda r: setattr(r.lines[0], "name", "я" * 73), "line 1: name is longer than 72"),
        (lambda r: setattr(r.operator, "number", 0), "operator: number must be greater"),
        (lambda r: setattr(r.payments[0], "kind", PaymentKind.BONUS), "payment 1: 'bonus' is"),
        (
            lambda r: setattr(r.text_before_payment[0], "barcode", True),
            "text before payment 1: the N5",
        ),
    ],
)
def test_device_validation_before_sending(device, emulator, change, problem):
    receipt = samples.sale()
    receipt.operator = type(receipt.operator)(receipt.operator.name, receipt.operator.number)
    change(receipt)
    with pytest.raises(ValidationError) as caught:
        device.fiscalize(receipt)
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems
    assert emulator.requests == []


def test_cash_in_out_and_current_cash(device):
    operator = samples.OPERATOR
    result = device.cash_in_out(CashOperation("u1", Decimal("20.00"), operator))
    assert result.kind == DocumentKind.CASH_IN and result.total == Decimal("20.00")
    result = device.cash_in_out(CashOperation("u2", Decimal("-5.50"), operator))
    assert result.kind == DocumentKind.CASH_OUT and result.total == Decimal("5.50")
    assert device.current_cash() == Decimal("14.50")
    with pytest.raises(DeviceRejected) as caught:
        device.cash_in_out(CashOperation("u3", Decimal("-100"), operator))
    assert (caught.value.code, caught.value.message) == (30, "NOT_ENOUGH_CASH")


def test_reports_and_shift_state(device, emulator):
    assert device.shift_state().raw["known"] is False
    with pytest.raises(DeviceRejected, match="DAY_NOT_OPEN"):
        device.x_report(samples.OPERATOR)
    device.fiscalize(samples.sale())
    assert device.shift_state().is_open
    x_report = device.x_report(samples.OPERATOR, departments=True, items=True)
    assert x_report.kind == DocumentKind.X_REPORT and "cash_in_drawer" in x_report.totals
    assert "По артикули" in emulator.printed[-1]
    device.article_report()
    device.department_report()
    z_report = device.z_report(samples.OPERATOR)
    assert z_report.kind == DocumentKind.Z_REPORT
    assert not device.shift_state().is_open
    assert "Z ОТЧЕТ № 0001" in emulator.printed[-1]
    with pytest.raises(DeviceRejected, match="DAY_NOT_OPEN"):
        device.article_report()


def test_electronic_journal_and_fiscal_memory_prints(device, emulator):
    device.fiscalize(samples.sale())
    device.cash_in_out(CashOperation("u", Decimal(10), samples.OPERATOR))
    device.z_report(samples.OPERATOR)
    device.print_ej("CASH_IN_OUT", "ByNumber", "1", "9")
    assert "СЛУЖЕБНО ВЪВЕДЕНИ" in emulator.printed[-1]
    assert "ФИСКАЛЕН БОН" not in emulator.printed[-1]
    day = datetime.now().strftime("%Y-%m-%d")
    device.print_ej("ALL", "ByDate", f"{day}T00:00:00", f"{day}T23:59:59")
    assert "Z ОТЧЕТ" in emulator.printed[-1] and "ФИСКАЛЕН БОН" in emulator.printed[-1]
    device.print_ej("FISCAL_RECEIPT", "ByZNumber", "1", "1")
    with pytest.raises(DeviceRejected, match="NOTHING_FOR_PRINT"):
        device.print_ej("Z_RECEIPT", "ByZNumber", "2", "5")
    device.fiscal_report("ByNumber", "1", "1", full=True)
    assert "ПЪЛЕН ОТЧЕТ ФП" in emulator.printed[-1]
    device.fiscal_report("ByDate", f"{day}T00:00:00", f"{day}T23:59:59", full=False)
    device.print_ej("FISCAL_REPORT", "ByNumber", "1", "99")
    with pytest.raises(DeviceRejected, match="NOTHING_FOR_PRINT"):
        device.fiscal_report("ByNumber", "5", "9", full=False)


def test_numbers_invoice_range_time_to_block(device):
    info = device.info()
    assert (info.serial_number, info.fiscal_memory_number) == ("BN300001", "51300001")
    assert device.invoice_range().is_set is False
    device.set_invoice_range(1, 2)
    assert device.invoice_range() == type(device.invoice_range())(1, 2, 1)
    assert timedelta(hours=71) < device.time_to_block() <= timedelta(hours=72)


def test_duplicate_once_of_the_last_document(device, emulator):
    with pytest.raises(DeviceRejected, match="NOT_ALLOWED_DUPLICATE"):
        device.print_duplicate()
    device.fiscalize(samples.sale())
    device.print_duplicate()
    assert emulator.printed[-1].count("ДУБЛИКАТ") == 2
    with pytest.raises(DeviceRejected) as caught:
        device.print_duplicate()
    assert caught.value.code == 28


def test_raw_call_of_every_method(device):
    device.call("SetInvoiceRange", {"firstInv": "1", "lastInv": "9"})
    assert device.call("GetInvoiceRange") == {"firstInv": "1", "lastInv": "9", "nextInv": "1"}
    assert device.call("GetNumbers") == ["BN300001", "51300001", "BG"]
    assert device.call("GetCurrentCash") == "0.00"
    assert isinstance(device.call("GetTimeToBlock"), int)
    with pytest.raises(DeviceRejected, match="NOTHING_FOR_PRINT"):
        device.call("PrintAgain")


def test_family_contract():
    assert FAMILY.name == "n5" and FAMILY.demo.vat_standard == "B"
    with FAMILY.emulator() as settings, FAMILY.connect(**settings) as device:
        assert set(settings) == {"port"}
        assert device.supports(Capability.INVOICE) and device.supports(Capability.PRINT_AGAIN)
        assert not device.supports(Capability.IDEMPOTENT)
        assert device.info().model == "myPOS N5 Fiscal"


def test_over_socket_url(emulator):
    host, port = emulator.start_tcp()
    with connect(port=f"socket://{host}:{port}", timeout=2.0) as device:
        result = device.fiscalize(samples.sale())
        assert result.document_number == 1
        assert device.numbers() == ("BN300001", "51300001")


def test_over_http_jsonrpc(emulator):
    with connect(url=emulator.start_http(), timeout=2.0) as device:
        assert device.fiscalize(samples.sale()).document_number == 1
        with pytest.raises(DeviceRejected, match="NOTHING_FOR_PRINT"):
            device.print_again()


def test_connect_needs_exactly_one_of_port_and_url():
    with pytest.raises(ValidationError):
        connect()
    with pytest.raises(ValidationError):
        connect(port="loop://", url="http://x")
