"""Caspos driver against the emulator over loopback HTTP: every operation, session, exactly once."""

from __future__ import annotations

import dataclasses
import json
import socket
import time
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from fiscal_device_lib.caspos import FAMILY, CasposDriver, CasposEmulator
from fiscal_device_lib.caspos.emulator.samples import emulated_device, simple_sale
from fiscal_device_lib.caspos.messages import (
    Client,
    CorrectionRequest,
    CreditPayRequest,
    Item,
    MoneyBackRequest,
    Payments,
    PrepaymentRequest,
    RollBackRequest,
    SaleRequest,
)
from fiscal_device_lib.caspos.wire import QR_CODE_URL, MoneyBackType, VatType
from fiscal_device_lib.core import (
    BankInfo,
    Capability,
    CashOperation,
    DeviceRejected,
    DeviceTimeout,
    DeviceUnreachable,
    DocumentKind,
    MalformedAnswer,
    Operator,
    OutcomeUnknown,
    ShiftNotOpen,
)
from fiscal_device_lib.core.errors import Outcome

CASHIER = Operator(name="Kassir Əliyev")


@pytest.fixture
def device():
    with emulated_device(timeout=2.0) as (server, driver):
        driver.open_shift(CASHIER)
        yield server, driver


def tape_types(driver: CasposDriver) -> list[str]:
    return [entry.type for entry in driver.control_tape().documents]


def test_family_contract_and_capabilities():
    with FAMILY.emulator() as settings, FAMILY.connect(**settings) as driver:
        assert set(settings) >= {"url", "path", "username", "password"}
        assert CasposEmulator.for_url(settings["url"]).url == settings["url"]
        for capability in ("OPEN_SHIFT", "IDEMPOTENT", "CONTROL_TAPE", "PERIODIC_REPORT"):
            assert driver.supports(Capability[capability])
        assert driver.info().model == "SUNMI V1S"


def test_login_logout_and_info():
    with emulated_device() as (_server, driver):
        assert driver.to_login()
        info = driver.get_info()
        assert info["qr_code_url"] == QR_CODE_URL
        assert "ŞƏHƏRİ" in info["object_address"]  # Azerbaijani text intact
        driver.to_logout()
        assert not driver.logged_in
        assert driver.get_shift_status().is_open is False  # logged in again on use
        assert driver.logged_in


def test_wrong_password_is_rejected_once():
    with emulated_device() as (server, _driver):
        driver = CasposDriver(url=server.url, password="wrong", timeout=2)
        with pytest.raises(DeviceRejected) as caught:
            driver.get_info()
        assert caught.value.code == 401
        assert "log in again" in caught.value.hint


def test_invalid_session_logs_in_again_and_repeats(device):
    server, driver = device
    other = CasposDriver(**server.settings(), timeout=2)
    other.to_logout()  # the device forgets the session our driver holds
    assert not server.memory.state["session"]
    result = driver.sale(simple_sale("relogin-1"))
    assert result.document_number is not None and not result.repeated
    assert server.memory.state["session"]


def test_shift_open_status_and_already_open(device):
    _server, driver = device
    state = driver.shift_state()
    assert state.is_open and isinstance(state.opened_at, datetime)
    with pytest.raises(DeviceRejected) as caught:
        driver.open_shift(CASHIER)
    assert caught.value.code == 503
    # the same code refusing to open an open shift is not "the shift is not open"
    assert not isinstance(caught.value, ShiftNotOpen)


def receipt(uuid: str):
    from fiscal_device_lib.demo import day_receipts

    _label, first = next(day_receipts(FAMILY.demo, CASHIER))
    return dataclasses.replace(first, uuid=uuid)


def test_a_document_in_a_closed_shift_is_shift_not_open_and_registers_nothing(device):
    server, driver = device
    driver.z_report(CASHIER, uuid="z-before")
    with pytest.raises(ShiftNotOpen) as caught:
        driver.fiscalize(receipt(uuid="in-a-closed-shift"))
    assert caught.value.code == 503
    assert caught.value.outcome is Outcome.NOTHING_REGISTERED
    assert "shift may be closed" in str(caught.value)
    driver.open_shift(CASHIER)
    assert driver.fiscalize(receipt(uuid="in-a-closed-shift")).document_id
    assert list(server.memory.state["uuids"]).count("in-a-closed-shift") == 1


def test_open_shift_with_cash_float_counts_a_deposit():
    with emulated_device() as (_server, driver):
        driver.open_shift(CASHIER, cash_float=Decimal("25.00"))
        report = driver.get_x_report(CASHIER.name)
        assert report.totals["deposit count"] == 1
        assert report.totals["deposit sum"] == Decimal("25.00")


def test_sale_result_numbering_and_qr(device):
    _server, driver = device
    first = driver.sale(simple_sale("sale-1"))
    second = driver.sale(simple_sale("sale-2", lines=2))
    assert len(first.document_id) == 44
    assert first.short_document_id == first.document_id[:12]
    assert first.qr_link == QR_CODE_URL + first.document_id == first.qr_payload
    assert second.document_number == first.document_number + 1
    assert second.shift_document_number == first.shift_document_number + 1
    assert first.total == Decimal("3.00") and second.total == Decimal("6.00")
    assert first.number.endswith(f"{first.document_number:06d}")
    assert "password" not in first.request and first.request["operation"] == "sale"
    assert first.raw["code"] == "0"


def test_document_number_runs_across_shifts_and_shift_number_restarts(device):
    _server, driver = device
    before = driver.sale(simple_sale("across-1"))
    driver.close_shift(CASHIER.name, "z-across")
    driver.open_shift(CASHIER)
    after = driver.sale(simple_sale("across-2"))
    assert after.document_number == before.document_number + 2  # the Z report took one number
    assert after.shift_document_number == 1


def test_wire_is_utf8_json_with_exact_decimals(device):
    server, driver = device
    request = simple_sale("wire-1")
    request.items[0].quantity = Decimal("1.5")
    driver.get_info()  # the QR link's base, fetched once before the first document
    driver.sale(request)
    headers, body = server.last_request
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    text = body.decode("utf-8")
    assert '"quantity":1.500' in text and '"salePrice":2.00' in text and '"sum"' not in text
    assert "Çay 1" in text and "Kassir Əliyev" in text  # not \u-escaped
    assert '"cashPayment":3.00' in text


def test_configurable_path():
    with emulated_device(path="/api/caspos") as (server, driver):
        assert driver.endpoint == server.url + "/api/caspos"
        assert driver.get_shift_status().is_open is False
        wrong = CasposDriver(url=server.url, path="/", timeout=2)
        with pytest.raises(DeviceRejected) as caught:
            wrong.get_info()
        assert caught.value.code == 404


def test_every_neutral_flow_through_fiscalize(device):
    from fiscal_device_lib.demo import run_day

    _server, driver = device
    log = run_day(driver, FAMILY, out=open("/dev/null", "w"))  # noqa: SIM115
    kinds = [result.kind for _label, result in log.documents]
    assert kinds == [
        DocumentKind.SALE,
        DocumentKind.SALE,
        DocumentKind.STORNO,
        DocumentKind.CASH_IN,
        DocumentKind.CASH_OUT,
    ]
    z_report = log.reports[1][1]
    assert z_report.kind is DocumentKind.Z_REPORT and z_report.number == 1
    assert z_report.totals["sale count"] == 2
    assert z_report.raw["data"]["document_id"]
    assert driver.shift_state().is_open is False


def test_cash_in_and_out(device):
    _server, driver = device
    cash_in = driver.cash_in_out(CashOperation("cash-in-1", Decimal("50"), CASHIER))
    cash_out = driver.cash_in_out(CashOperation("cash-out-1", Decimal("-20.5"), CASHIER))
    assert cash_in.kind is DocumentKind.CASH_IN and cash_in.total == Decimal("50.00")
    assert cash_out.kind is DocumentKind.CASH_OUT and cash_out.total == Decimal("20.50")
    report = driver.x_report(CASHIER)
    assert report.totals["deposit sum"] == Decimal("50.00")
    assert report.totals["withdraw sum"] == Decimal("20.50")
    assert tape_types(driver) == ["deposit", "withdraw"]


def test_credit_sale_then_credit_pay_then_its_money_back(device):
    _server, driver = device
    credit_sale = SaleRequest(
        document_uuid="credit-sale",
        cashier=CASHIER.name,
        items=[
            Item(
                name="Soyuducu",
                quantity=Decimal(1),
                sale_price=Decimal("480"),
                discount_amount=Decimal("20"),
                purchase_price=Decimal("300"),
            )
        ],
        payments=Payments(card=Decimal("60"), credit=Decimal("400")),
        credit_contract="A1",
        credit_payer="Məmmədov Rəşad",
        bank=BankInfo(rrn="123456789101", transaction_id="tx-9", approval_code="537959"),
        client=Client(name="Test Müştəri", bonus_card_number="B-1", total_bonus=Decimal(670)),
        note="Kredit müqaviləsi A1",
    )
    sale = driver.sale(credit_sale)
    assert sale.total == Decimal("460.00")
    assert sale.bank.rrn == "123456789101" and sale.bank.approval_code == "537959"
    assert sale.bank.transaction_number == ""  # "null" on the wire
    pay = CreditPayRequest(
        document_uuid="credit-pay-1",
        cashier=CASHIER.name,
        parent_document_id=sale.document_id,
        items=[
            Item(
                name="Soyuducu",
                quantity=Decimal(1),
                sale_price=Decimal("100"),
                real_price=Decimal("480"),
            )
        ],
        payments=Payments(cash=Decimal("100")),
        residue=Decimal("300"),
        payment_number="1",
        credit_contract="A1",
        credit_payer="Məmmədov Rəşad",
    )
    paid = driver.credit(pay)
    assert paid.total == Decimal("100.00")
    refund = MoneyBackRequest(
        document_uuid="credit-pay-back",
        cashier=CASHIER.name,
        parent_document_id=paid.document_id,
        money_back_type=MoneyBackType.CREDIT_PAY,
        items=pay.items[:1],
        payments=Payments(cash=Decimal("100")),
    )
    refund.items[0].real_price = None
    driver.money_back(refund)
    report = driver.get_x_report(CASHIER.name)
    assert report.totals["sale credit sum"] == Decimal("400.00")
    assert report.totals["creditpay sum"] == Decimal("100.00")
    assert report.totals["money back sum"] == Decimal("100.00")
    assert report.totals["period sum"] == Decimal("460.00")  # debt repayments are not turnover
    assert tape_types(driver) == ["sale", "credit", "credit_return"]


def test_advance_then_advance_pay_then_advance_refund(device):
    _server, driver = device
    advance = driver.prepayment(
        PrepaymentRequest(
            document_uuid="advance-1",
            cashier=CASHIER.name,
            total=Decimal("100"),
            vat_type=VatType.VAT18,
            payments=Payments(cash=Decimal("100")),
        )
    )
    goods = Item(name="Divan", quantity=Decimal(1), sale_price=Decimal("70"))
    driver.sale(
        SaleRequest(
            document_uuid="advance-pay",
            cashier=CASHIER.name,
            items=[goods],
            payments=Payments(cash=Decimal("10"), deposit=Decimal("60")),
            prepayment_document_id=advance.document_id,
        )
    )
    refund = MoneyBackRequest(
        document_uuid="advance-back",
        cashier=CASHIER.name,
        parent_document_id=advance.document_id,
        money_back_type=MoneyBackType.ADVANCE,
        items=[Item(name="Avans qaytarılması", quantity=Decimal(1), sale_price=Decimal("40"))],
        payments=Payments(cash=Decimal("40")),
    )
    driver.money_back(refund)
    refund.document_uuid, refund.items[0].sale_price = "advance-back-2", Decimal("0.01")
    refund.payments = Payments(cash=Decimal("0.01"))
    with pytest.raises(DeviceRejected) as caught:  # nothing of the advance is left
        driver.money_back(refund)
    assert caught.value.code == 638
    products = PrepaymentRequest(
        document_uuid="advance-products",
        cashier=CASHIER.name,
        total=Decimal("15"),
        payments=Payments(card=Decimal("15")),
        items=[Item(name="Stul", quantity=Decimal(3), sale_price=Decimal("5"))],
    )
    assert driver.prepayment_products(products).total == Decimal("15.00")
    report = driver.get_x_report(CASHIER.name)
    assert report.totals["prepay count"] == 2
    assert report.totals["sale prepayment sum"] == Decimal("60.00")
    # 100 advance + 70 sale − 60 paid from the advance − 40 advance returned + 15 advance
    assert report.totals["period sum"] == Decimal("85.00")
    assert tape_types(driver) == ["prepayment", "sale", "prepayment_return", "prepayment"]


def test_manual_money_back_skips_parent_checks(device):
    _server, driver = device
    refund = MoneyBackRequest(
        document_uuid="manual-1",
        cashier=CASHIER.name,
        parent_document_id="712EyaqxZNtFT9FFg5k8s2tvqPxi",  # from another device
        items=[Item(name="Qaytarma", quantity=Decimal(1), sale_price=Decimal("2"))],
        payments=Payments(card=Decimal("2")),
        is_manual=True,
    )
    assert driver.money_back(refund).kind is DocumentKind.STORNO


def test_correction_and_rollback(device):
    _server, driver = device
    now = datetime.utcnow()
    correction = driver.correction(
        CorrectionRequest(
            document_uuid="correction-1",
            cashier=CASHIER.name,
            first_operation_at=now - timedelta(hours=3),
            last_operation_at=now - timedelta(hours=2),
            payments=Payments(cash=Decimal("100"), card=Decimal("450")),
        )
    )
    assert correction.total == Decimal("550.00")
    sale = driver.sale(simple_sale("to-roll-back"))
    rollback = RollBackRequest(
        document_uuid="rollback-1",
        cashier=CASHIER.name,
        parent_document_id=sale.document_id,
        total=Decimal("3"),
        payments=Payments(cash=Decimal("3")),
        vat_amounts={VatType.VAT18: Decimal("3")},
    )
    assert driver.roll_back(rollback).kind is DocumentKind.STORNO
    report = driver.get_x_report(CASHIER.name)
    assert report.totals["rollback count"] == 1 and report.totals["correction sum"] == 550
    assert report.totals["period sum"] == Decimal("550.00")
    assert tape_types(driver) == ["correction", "sale", "rollback"]


def test_reports_tape_periodic_printer_cashbox(device):
    _server, driver = device
    driver.sale(simple_sale("report-1", lines=2))
    tape = driver.control_tape()
    assert [(e.type, e.total, e.item_count) for e in tape.documents] == [
        ("sale", Decimal("6.00"), 2)
    ]
    assert tape.documents[0].vat == Decimal("0.92")  # 18 % inside 6.00
    z_report = driver.z_report(CASHIER, uuid="z-report-1")
    assert z_report.totals["sale sum"] == Decimal("6.00") and z_report.vat["sale type 1"] == 6
    start, end = datetime.utcnow() - timedelta(days=1), datetime.utcnow() + timedelta(days=1)
    periodic = driver.periodic_report(start, end)
    assert periodic.totals["sale total"] == Decimal("6.00")
    assert periodic.totals["sale count"] == 1
    empty = driver.periodic_report(start - timedelta(days=9), start - timedelta(days=8))
    assert empty.totals["sale count"] == 0
    driver.print_duplicate()
    assert driver.is_connected_printer() is True
    driver.open_cashbox()


def test_repeated_uuid_returns_the_earlier_document_once(device):
    _server, driver = device
    first = driver.sale(simple_sale("same-uuid"))
    again = driver.sale(simple_sale("same-uuid", lines=3))
    assert again.repeated and not first.repeated
    assert again.document_id == first.document_id and again.total == Decimal("3.00")
    assert driver.get_x_report(CASHIER.name).totals["sale count"] == 1


def test_dropped_answer_is_retried_into_exactly_one_document(device):
    server, driver = device
    server.drop_after_commit(1)
    result = driver.sale(simple_sale("dropped-1"))
    assert result.repeated is True and result.document_id
    assert tape_types(driver) == ["sale"]
    assert driver.get_x_report(CASHIER.name).totals["sale count"] == 1


def test_5xx_is_retried_with_the_same_uuid(device):
    server, driver = device
    server.fail_next(2)
    result = driver.sale(simple_sale("after-503"))
    assert not result.repeated and tape_types(driver) == ["sale"]


def test_document_outcome_unknown_after_retries_then_resolved(device):
    server, driver = device
    server.fail_next(3)
    with pytest.raises(OutcomeUnknown) as caught:
        driver.sale(simple_sale("unknown-1"))
    assert "unknown-1" in str(caught.value) and server.url in str(caught.value)
    assert caught.value.request["data"]["documentUUID"] == "unknown-1"
    assert "password" not in caught.value.request
    assert driver.sale(simple_sale("unknown-1")).repeated is False  # never reached the device


def test_timeouts_resend_the_same_uuid_and_never_double(device):
    server, _driver = device
    slow = CasposDriver(**server.settings(), timeout=0.15, retries=1)
    slow.to_login()
    server.set_latency(0.3)
    with pytest.raises(OutcomeUnknown):
        slow.sale(simple_sale("slow-1"))
    time.sleep(0.4)  # let the late attempts finish on the device
    server.set_latency(0)
    assert slow.sale(simple_sale("slow-1")).repeated is True
    assert tape_types(slow) == ["sale"]


def test_timeout_of_a_read_names_the_url(device):
    server, _driver = device
    slow = CasposDriver(**server.settings(), timeout=0.1, retries=0)
    slow.to_login()
    server.set_latency(0.3)
    with pytest.raises(DeviceTimeout) as caught:
        slow.get_info()
    assert caught.value.url == server.url + "/"


def test_non_json_answer_names_the_url(device):
    server, driver = device
    server.garbage_next(1)
    with pytest.raises(MalformedAnswer) as caught:
        driver.get_info()
    assert server.url in str(caught.value) and "<html>" in str(caught.value)


def test_unreachable_device_names_the_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    driver = CasposDriver(url=url, timeout=1, retries=1)
    with pytest.raises(DeviceUnreachable) as caught:
        driver.get_info()
    assert caught.value.url == url + "/"
    with pytest.raises(DeviceUnreachable):  # refused: nothing was sent, so not "unknown"
        driver.sale(simple_sale("nowhere"))


def test_control_endpoint_sets_knobs_over_http(device):
    server, driver = device
    import requests

    answer = requests.post(
        server.url + "/__emulator__", data=json.dumps({"fail_next": 1}), timeout=2
    ).json()
    assert answer["faults"]["fail_next"] == 1
    assert driver.get_shift_status().is_open  # retried past the failure
    requests.post(server.url + "/__emulator__", json={"advance_clock_hours": 25}, timeout=2)
    with pytest.raises(DeviceRejected) as caught:
        driver.sale(simple_sale("late"))
    assert caught.value.code == 504
    requests.post(server.url + "/__emulator__", json={"clear": True}, timeout=2)
    assert server.faults.fail_next == 0
