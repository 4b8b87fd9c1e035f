"""The Caspos emulator's rules over loopback HTTP: each refusal code, shifts, reports, state file."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
import requests

from fiscal_device_lib.caspos import CasposDriver
from fiscal_device_lib.caspos.emulator.device import new_document_id
from fiscal_device_lib.caspos.emulator.samples import emulated_device, simple_sale
from fiscal_device_lib.core import DeviceRejected

CASHIER = "Kassir"
ITEM = {
    "name": "Çörək",
    "code": "4760001000016",
    "quantity": Decimal("2"),
    "salePrice": Decimal("1.50"),
    "codeType": 2,
    "quantityType": 0,
    "vatType": 1,
}
# the spec's X/Z ``currencies`` entry, key for key
REPORT_KEYS = (
    {
        f"{group}{suffix}"
        for group in ("correction", "moneyBack", "rollback", "sale")
        for suffix in (
            "BonusSum",
            "CashSum",
            "CashlessSum",
            "Count",
            "CreditSum",
            "PrepaymentSum",
            "Sum",
            "VatAmounts",
        )
    }
    | {
        f"{group}{suffix}"
        for group in ("creditpay", "prepay")
        for suffix in ("BonusSum", "CashSum", "CashlessSum", "Count", "Sum", "VatAmounts")
    }
    | {
        "currency",
        "depositCount",
        "depositSum",
        "withdrawCount",
        "withdrawSum",
        "periodSum",
        "periodVatFreeSum",
        "periodVatSum",
        "periodVatZeroSum",
    }
)


@pytest.fixture
def device():
    with emulated_device(timeout=2.0) as (server, driver):
        driver.call("openShift", {"sum": Decimal(0)}, {"cashierName": CASHIER})
        yield server, driver


def sale_data(uuid: str, items: list | None = None, **changes: object) -> dict:
    data = {
        "documentUUID": uuid,
        "cashierName": CASHIER,
        "currency": "AZN",
        "cashPayment": Decimal("3.00"),
        "cardPayment": Decimal(0),
        "items": [dict(ITEM)] if items is None else items,
    }
    data.update(changes)
    return data


def refused(driver: CasposDriver, operation: str, data: dict, top: dict | None = None) -> int:
    with pytest.raises(DeviceRejected) as caught:
        driver.call(operation, data, top)
    return caught.value.code


def item(**changes: object) -> dict:
    return {**ITEM, **changes}


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (sale_data("e610", items=[]), 610),
        (sale_data("e611", items=[item(sum=Decimal("3.50"))]), 611),
        (sale_data("e607-less", cashPayment=Decimal("2.99")), 607),
        (sale_data("e607-card-over", cashPayment=Decimal(0), cardPayment=Decimal(4)), 607),
        (sale_data("e616", items=[item(vatType=4)]), 616),
        (sale_data("e608", cashierName="K" * 65), 608),
        (sale_data("e635-long", items=[item(name="Ə" * 256)]), 635),
        (sale_data("e635-empty", items=[item(name=" ")]), 635),
        (sale_data("e648", rrn="123456789012"), 648),
        (sale_data("e646", rrn="123", cardPayment=Decimal(3), cashPayment=Decimal(0)), 646),
        (sale_data("e606", currency="USD"), 606),
        (sale_data("e612", items=[item(codeType=9)]), 612),
        (sale_data("e609", items=[item(code="1" * 65)]), 609),
        (sale_data("e614", items=[item(quantity=Decimal(0))]), 614),
        (sale_data("e622", items=[item(markingCodes=[""])]), 622),
        (sale_data("e630", creditPayment=Decimal(3), cashPayment=Decimal(0)), 630),
        (sale_data("e615", depositPayment=Decimal(1)), 615),
        (sale_data("e304", items=[item(quantityType=6)]), 304),
    ],
    ids=lambda value: value["documentUUID"] if isinstance(value, dict) else str(value),
)
def test_sale_refusals(device, data, code):
    _server, driver = device
    assert refused(driver, "sale", data) == code
    assert driver.control_tape().documents == []  # a refused document leaves no trace


def test_refusal_message_is_the_spec_text(device):
    _server, driver = device
    with pytest.raises(DeviceRejected) as caught:
        driver.call("sale", sale_data("text", items=[]))
    assert caught.value.message == "items array is empty"
    with pytest.raises(DeviceRejected) as caught:
        driver.call("sale", sale_data("text-2", cashPayment=Decimal(1)))
    assert caught.value.message.startswith("invalid total sum")
    assert caught.value.hint == "Check and correct the total amount to be paid in the document."


def test_cash_above_total_is_change_not_takings(device):
    _server, driver = device
    driver.call("sale", sale_data("change", cashPayment=Decimal("20")))
    figures = driver.call("getXReport", {"cashierName": CASHIER}).data["currencies"][0]
    assert figures["saleCashSum"] == Decimal("3.00") and figures["saleSum"] == Decimal("3.00")


def test_duplicate_uuid_answers_code_1_with_the_original(device):
    _server, driver = device
    first = driver.call("sale", sale_data("dup"))
    again = driver.call("sale", sale_data("dup", items=[item(quantity=Decimal(5))]))
    assert again.code == 1 and again.repeated
    assert again.raw["message"] == "Repeated DocumentUUID value"
    assert again.data == first.data
    assert driver.call("getControlTape").data["documents_quantity"] == 1


def test_sale_paid_from_an_unknown_or_wrong_advance(device):
    _server, driver = device
    paid = {"depositPayment": Decimal(3), "cashPayment": Decimal(0)}
    unknown = sale_data("adv-unknown", prepaymentDocumentId=new_document_id(), **paid)
    assert refused(driver, "sale", unknown) == 627
    plain_sale = driver.call("sale", sale_data("plain")).data["document_id"]
    wrong = sale_data("adv-wrong", prepaymentDocumentId=plain_sale, **paid)
    assert refused(driver, "sale", wrong) == 628
    advance = {
        "documentUUID": "adv",
        "cashierName": CASHIER,
        "sum": Decimal(2),
        "vatType": 3,
        "cashPayment": Decimal(2),
    }
    advance_id = driver.call("prepayment", advance).data["document_id"]
    too_much = sale_data("adv-much", prepaymentDocumentId=advance_id, **paid)
    assert refused(driver, "sale", too_much) == 632
    other_vat = dict(too_much, documentUUID="adv-vat", depositPayment=Decimal(1))
    other_vat["cashPayment"] = Decimal(2)
    assert refused(driver, "sale", other_vat) == 616  # the advance is VAT-free, the bread is not


def test_prepayment_products_checks(device):
    _server, driver = device
    data = {
        "documentUUID": "pp",
        "cashierName": CASHIER,
        "sum": Decimal("3.00"),
        "vatType": 1,
        "cashPayment": Decimal(3),
        "items": [item(vatType=3)],
    }
    assert refused(driver, "prepaymentProducts", data) == 616
    data["items"], data["sum"] = [item()], Decimal("4.00")
    assert refused(driver, "prepaymentProducts", data) == 611
    data["sum"], data["creditPayment"] = Decimal("3.00"), Decimal(1)
    assert refused(driver, "prepaymentProducts", data) == 632


def test_credit_pay_checks(device):
    _server, driver = device
    plain = driver.call("sale", sale_data("not-credit")).data["document_id"]
    pay = {
        "documentUUID": "cp",
        "cashierName": CASHIER,
        "parentDocumentId": plain,
        "cashPayment": Decimal(1),
        "items": [item(quantity=Decimal(1), salePrice=Decimal(1), realPrice=Decimal(3))],
        "residue": Decimal(2),
    }
    assert refused(driver, "credit", pay) == 628
    credit_sale = sale_data(
        "credit", cashPayment=Decimal(0), creditPayment=Decimal(3), creditContract="A1"
    )
    pay["parentDocumentId"] = driver.call("sale", credit_sale).data["document_id"]
    assert refused(driver, "credit", dict(pay, residue=Decimal(1))) == 634
    assert refused(driver, "credit", dict(pay, creditPayment=Decimal(1))) == 632
    assert refused(driver, "credit", dict(pay, parentDocumentId=new_document_id())) == 627
    driver.call("credit", pay)
    figures = driver.call("getXReport", {"cashierName": CASHIER}).data["currencies"][0]
    assert figures["creditpaySum"] == Decimal("1.00") and figures["saleCreditSum"] == 3


def rollback_data(uuid: str, parent: str, total: str = "3.00") -> dict:
    return {
        "documentUUID": uuid,
        "parentDocumentId": parent,
        "sum": Decimal(total),
        "cashPayment": Decimal(total),
        "vatAmounts": [{"vatType": 1, "vatSum": Decimal(total)}],
    }


def test_rollback_checks(device):
    _server, driver = device
    top = {"cashierName": CASHIER, "currency": "AZN"}
    assert refused(driver, "rollBack", rollback_data("rb0", new_document_id()), top) == 627
    parent = driver.call("sale", sale_data("rb-parent")).data["document_id"]
    assert refused(driver, "rollBack", rollback_data("rb1", parent, "2.00"), top) == 638
    bad_vat = rollback_data("rb2", parent)
    bad_vat["vatAmounts"][0]["vatSum"] = Decimal(1)
    assert refused(driver, "rollBack", bad_vat, top) == 613
    bad_pay = rollback_data("rb3", parent)
    bad_pay["cashPayment"], bad_pay["cardPayment"] = Decimal(0), Decimal(3)
    assert refused(driver, "rollBack", bad_pay, top) == 607
    driver.call("rollBack", rollback_data("rb4", parent), top)
    assert refused(driver, "rollBack", rollback_data("rb5", parent), top) == 639
    refund = sale_data("mb-rolled", parentDocumentId=parent, moneyBackType=0)
    assert refused(driver, "moneyBack", refund) == 639


def test_rollback_only_inside_the_current_shift(device):
    _server, driver = device
    parent = driver.call("sale", sale_data("old-shift")).data["document_id"]
    driver.call("closeShift", {"documentUUID": "z1", "cashierName": CASHIER})
    driver.call("openShift", {}, {"cashierName": CASHIER})
    top = {"cashierName": CASHIER}
    assert refused(driver, "rollBack", rollback_data("rb-old", parent), top) == 627
    refund = sale_data("mb-old", parentDocumentId=parent, moneyBackType=0)
    assert driver.call("moneyBack", refund).code == 0  # money back works across shifts


def test_money_back_checks(device):
    _server, driver = device
    parent = driver.call("sale", sale_data("mb-parent")).data["document_id"]
    refund = sale_data("mb", parentDocumentId=parent, moneyBackType=0)
    assert refused(driver, "moneyBack", dict(refund, moneyBackType=3)) == 633
    assert refused(driver, "moneyBack", dict(refund, moneyBackType=6)) == 628
    unknown = dict(refund, parentDocumentId=new_document_id())
    assert refused(driver, "moneyBack", unknown) == 627
    assert refused(driver, "moneyBack", dict(refund, cashPayment=Decimal(5))) == 607
    half = dict(refund, items=[item(quantity=Decimal(1))], cashPayment=Decimal("1.50"))
    driver.call("moneyBack", dict(half, documentUUID="mb-half"))
    assert refused(driver, "moneyBack", refund) == 638  # only 1.50 is left to return
    manual = dict(unknown, documentUUID="mb-manual", isManual=True)
    assert driver.call("moneyBack", manual).code == 0


def test_shift_rules(device):
    server, driver = device
    assert refused(driver, "openShift", {}, {"cashierName": CASHIER}) == 503
    server.advance_clock(hours=24, minutes=1)
    assert refused(driver, "sale", sale_data("late")) == 504
    assert refused(driver, "deposit", {"documentUUID": "d", "sum": Decimal(1)}) == 504
    driver.call("closeShift", {"documentUUID": "z-late", "cashierName": CASHIER})
    assert refused(driver, "sale", sale_data("closed")) == 503
    assert refused(driver, "closeShift", {"documentUUID": "z-again"}) == 503
    assert refused(driver, "getXReport", {}) == 503
    status = driver.call("getShiftStatus").data
    assert status == {"shift_open": False, "shift_open_time": ""}


def test_correction_dates(device):
    _server, driver = device
    data = {
        "documentUUID": "corr",
        "firstOperationAtUtc": "2021-08-31T04:39:11Z",
        "lastOperationAtUtc": "2021-08-31T03:39:11Z",
        "cashPayment": Decimal(100),
        "vatType": 1,
    }
    assert refused(driver, "correction", data, {"cashierName": CASHIER}) == 642
    assert refused(driver, "correction", dict(data, firstOperationAtUtc="yesterday")) == 642
    data["firstOperationAtUtc"] = "2021-08-31T02:39:11Z"
    assert driver.call("correction", data, {"cashierName": CASHIER}).data["totalSum"] == 100


def test_cash_movement_and_printer_checks(device):
    _server, driver = device
    assert refused(driver, "withDraw", {"documentUUID": "w0", "sum": Decimal(0)}) == 607
    assert refused(driver, "printLastCheque", {}) == 231  # nothing printed yet
    bad_dates = {"startDate": "2023-10-04", "endDate": "04.10.2023 23:59:59"}
    assert refused(driver, "getPeriodicZReport", bad_dates) == 642


def test_x_and_z_reports_have_the_spec_structure(device):
    _server, driver = device
    driver.call("sale", sale_data("x1", items=[item(), item(vatType=3, name="Su")], cashPayment=6))
    x_report = driver.call("getXReport", {"cashierName": CASHIER}).data
    assert set(x_report["currencies"][0]) == REPORT_KEYS
    assert x_report["currencies"][0]["saleVatAmounts"] == [
        {"vatType": 1, "vatPercent": Decimal("18.00"), "vatSum": Decimal("3.00")},
        {"vatType": 3, "vatSum": Decimal("3.00")},
    ]
    assert x_report["currencies"][0]["periodVatFreeSum"] == 3
    z_report = driver.call("closeShift", {"documentUUID": "z", "cashierName": CASHIER}).data
    assert set(z_report["currencies"][0]) == REPORT_KEYS
    assert len(z_report["document_id"]) == 44
    assert (
        z_report["reportNumber"] == "1" and z_report["lastDocNumber"] > z_report["firstDocNumber"]
    )
    driver.call("openShift", {}, {"cashierName": CASHIER})
    next_x = driver.call("getXReport", {}).data
    assert next_x["reportNumber"] == "2" and next_x["currencies"][0]["saleCount"] == 0
    again = driver.call("closeShift", {"documentUUID": "z", "cashierName": CASHIER})
    assert again.repeated and again.data == z_report  # a lost Z answer can be asked again


def test_periodic_report_sums_closed_shifts(device):
    _server, driver = device
    for shift in (1, 2):
        driver.call("sale", sale_data(f"p{shift}"))
        driver.call("deposit", {"documentUUID": f"d{shift}", "sum": Decimal(10)})
        driver.call("closeShift", {"documentUUID": f"z{shift}", "cashierName": CASHIER})
        driver.call("openShift", {}, {"cashierName": CASHIER})
    driver.call("sale", sale_data("open-shift-sale"))  # not closed: not in the period
    period = {"startDate": "01.01.2000 00:00:00", "endDate": "31.12.2999 23:59:59"}
    report = driver.call("getPeriodicZReport", period).data
    assert report["saleCount"] == 2 and report["saleTotal"] == Decimal("6.00")
    assert report["cashInCount"] == 2 and report["cashInTotal"] == Decimal("20.00")
    assert report["periodSum"] == Decimal("6.00") and report["saleVatTotal"] == 6
    assert report["startDate"] == "01.01.2000 00:00:00"


def test_control_tape_lists_the_shift_documents(device):
    _server, driver = device
    sale = driver.call("sale", sale_data("t1")).data
    driver.call("withDraw", {"documentUUID": "t2", "sum": Decimal(1), "cashierName": CASHIER})
    tape = driver.call("getControlTape").data
    assert tape["documents_quantity"] == 2
    first = tape["tape"][0]
    assert first["document_id"] == sale["document_id"]
    assert first["short_document_id"] == sale["short_document_id"] == sale["document_id"][:12]
    assert first["number"] == sale["document_number"] and first["type"] == "sale"
    assert [entry["type"] for entry in tape["tape"]] == ["sale", "withdraw"]


def test_login_is_required(device):
    server, _driver = device
    answer = requests.post(server.url, json={"operation": "getInfo"}, timeout=2).json()
    assert answer["code"] == "0"  # the device keeps the session, not the client
    requests.post(server.url, json={"operation": "toLogout"}, timeout=2)
    answer = requests.post(server.url, json={"operation": "getInfo"}, timeout=2).json()
    assert answer == {"code": "401", "message": "invalid login session"}
    bad = {"operation": "toLogin", "username": "username", "password": "nope"}
    assert requests.post(server.url, json=bad, timeout=2).json()["code"] == "401"


def test_malformed_json_and_unknown_operation_keep_the_server_up(device):
    server, driver = device
    answer = requests.post(server.url, data=b"{not json", timeout=2).json()
    assert answer["code"] == "1002"
    answer = requests.post(server.url, json={"operation": "fly"}, timeout=2).json()
    assert answer["code"] == "305" and "fly" in answer["message"]
    answer = requests.post(server.url, json=["operation"], timeout=2).json()
    assert answer["code"] == "304"
    assert driver.get_shift_status().is_open


def test_state_file_keeps_the_device_memory(tmp_path):
    state = tmp_path / "caspos.json"
    with emulated_device(state_file=state) as (_server, driver):
        driver.call("openShift", {}, {"cashierName": CASHIER})
        first = driver.sale(simple_sale("kept"))
    with emulated_device(state_file=state) as (_server, driver):
        assert driver.get_shift_status().is_open
        again = driver.sale(simple_sale("kept"))
        assert again.repeated and again.document_id == first.document_id
        assert driver.get_info()["last_doc_number"] == first.document_number
        memory = copy.deepcopy(_server.memory.state["shift"]["totals"]["sale"])
        assert memory["sum"] == Decimal("3.00") and memory["count"] == 1
