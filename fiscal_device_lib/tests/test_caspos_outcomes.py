"""Outcomes the Caspos driver must not misreport (issue 9, section 2): every failure after a
document was sent is a ``FiscalError`` that says the document may exist, resent with the same
documentUUID; a registered document is reported registered; the emulator stays quiet."""

from __future__ import annotations

import json
import socket
import struct
import time
import uuid
from decimal import Decimal

import pytest

from fiscal_device_lib.caspos import CasposDriver
from fiscal_device_lib.caspos.emulator import CasposEmulator
from fiscal_device_lib.caspos.emulator.samples import emulated_device, simple_sale
from fiscal_device_lib.caspos.wire import QR_CODE_URL
from fiscal_device_lib.cli import EXIT_INVALID, EXIT_OK, main
from fiscal_device_lib.core.documents import Line, Operator, Payment, PaymentKind, Receipt
from fiscal_device_lib.core.errors import MalformedAnswer, Outcome, OutcomeUnknown

SPOILT_ANSWERS = ["truncate", "gzip", "deep", "garbage", "drop"]


def sales_in(server: CasposEmulator) -> list[dict]:
    return [d for d in server.memory.state["documents"].values() if d["kind"] == "sale"]


@pytest.fixture
def device():
    with emulated_device(retries=2) as (server, driver):
        driver.open_shift(Operator("Kassir"))
        driver.info()
        yield server, driver


@pytest.mark.parametrize("how", SPOILT_ANSWERS)
def test_a_spoilt_answer_is_resent_with_the_same_uuid(device, how):
    server, driver = device
    server.mangle_after_commit(how)
    result = driver.sale(simple_sale(str(uuid.uuid4())))
    # the resend found the committed document: code 1, the earlier result, no second sale
    assert result.repeated
    assert [sale["id"] for sale in sales_in(server)] == [result.document_id]
    assert result.qr_link == QR_CODE_URL + result.document_id


@pytest.mark.parametrize("how", SPOILT_ANSWERS)
def test_without_resends_a_spoilt_answer_is_outcome_unknown(how):
    with emulated_device(retries=0) as (server, driver):
        driver.open_shift(Operator("Kassir"))
        server.mangle_after_commit(how)
        sale_uuid = str(uuid.uuid4())
        with pytest.raises(OutcomeUnknown) as caught:
            driver.sale(simple_sale(sale_uuid))
        assert caught.value.outcome is Outcome.MAY_BE_REGISTERED
        assert "may exist" in str(caught.value) and sale_uuid in str(caught.value)
        # what the message tells the caller to do finds the one registered document
        again = driver.sale(simple_sale(sale_uuid))
        assert again.repeated and [s["id"] for s in sales_in(server)] == [again.document_id]


def test_an_accepted_document_with_unreadable_ids_is_outcome_unknown(device):
    server, driver = device
    server.mangle_after_commit("fields")
    sale_uuid = str(uuid.uuid4())
    with pytest.raises(OutcomeUnknown, match="accepted the document"):
        driver.sale(simple_sale(sale_uuid))
    assert driver.sale(simple_sale(sale_uuid)).repeated


def test_a_read_that_cannot_be_read_registered_nothing(device):
    server, driver = device
    server.garbage_next(1)
    with pytest.raises(MalformedAnswer) as caught:
        driver.shift_state()
    assert caught.value.outcome is Outcome.NOTHING_REGISTERED


def sale_receipt(receipt_uuid: str, **changes) -> Receipt:
    line = Line(name="Çay", quantity=Decimal(1), unit_price=Decimal(3), vat_class="1", unit="0")
    fields = {
        "uuid": receipt_uuid,
        "lines": [line],
        "payments": [Payment(PaymentKind.CASH, Decimal(3))],
        "operator": Operator("Kassir"),
        **changes,
    }
    return Receipt(**fields)


def test_get_info_failing_after_a_sale_leaves_it_registered():
    with emulated_device(retries=2) as (server, _driver):
        server.memory.state["session"] = ""
        driver = CasposDriver(**server.settings(), timeout=5, retries=2)
        driver.open_shift(Operator("Kassir"))
        server.fail_operation("getInfo", 3)  # every attempt of the driver's one getInfo
        result = driver.fiscalize(sale_receipt(str(uuid.uuid4())))
        assert result.document_id and not result.repeated
        assert [s["id"] for s in sales_in(server)] == [result.document_id]
        assert result.qr_link == "" and result.qr_payload == ""
        # the caller fills the link in once the device answers getInfo again
        assert driver.qr_link(result.document_id) == QR_CODE_URL + result.document_id
        driver.close()


def test_receipt_command_reports_a_registered_sale_when_get_info_fails(capsys, tmp_path):
    server = CasposEmulator(port=0).start()
    try:
        assert main(["call", "caspos", "--url", server.url, "openShift", "{}"]) == EXIT_OK
        capsys.readouterr()
        path = tmp_path / "receipt.json"
        receipt = {
            "uuid": "qr-later-1",
            "operator": {"name": "Kassir"},
            "lines": [{"name": "Çay", "quantity": "1", "unit_price": "3", "vat_class": "1"}],
            "payments": [{"kind": "cash", "amount": "3"}],
        }
        path.write_text(json.dumps(receipt), encoding="utf-8")
        server.fail_operation("getInfo", 3)
        status = main(["receipt", "caspos", "--url", server.url, str(path)])
        out = capsys.readouterr().out
        assert status == EXIT_OK
        assert json.loads(out)["document_id"] == sales_in(server)[0]["id"]
    finally:
        server.stop()


def test_open_shift_waits_for_a_valid_receipt(capsys, tmp_path):
    server = CasposEmulator(port=0).start()
    try:
        path = tmp_path / "receipt.json"
        receipt = {
            "uuid": "invalid-1",
            "operator": {"name": "Kassir"},
            "lines": [{"name": "Çay", "quantity": "1", "unit_price": "3", "vat_class": "4"}],
            "payments": [{"kind": "cash", "amount": "3"}],
        }
        path.write_text(json.dumps(receipt), encoding="utf-8")
        status = main(["receipt", "caspos", "--url", server.url, "--open-shift", str(path)])
        err = capsys.readouterr().err
        assert status == EXIT_INVALID
        assert "line 1: VAT class '4' is not a Caspos vatType" in err
        assert server.memory.state["shift"] is None and server.memory.state["documents"] == {}
    finally:
        server.stop()


def test_emulator_is_quiet_when_a_client_gives_up(capfd):
    with emulated_device() as (server, _driver):
        server.set_latency(0.3)
        before = server.connections_closed
        client = socket.create_connection((server.host, server.port))
        client.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        # give up with a reset, as a client whose timeout ran out
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
        deadline = time.monotonic() + 10
        while server.connections_closed == before and time.monotonic() < deadline:
            time.sleep(0.01)
        server.set_latency(0)
        assert server.clients_gone == 1
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Error" not in err
