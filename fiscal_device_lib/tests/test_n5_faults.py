"""The N5 driver when the line or the device misbehaves: emulator fault knobs over a real pty."""

import threading
from datetime import timedelta

import pytest
import serial

from fiscal_device_lib.core.errors import (
    DeviceRejected,
    DeviceTimeout,
    MalformedAnswer,
    OutcomeUnknown,
)
from fiscal_device_lib.mypos_n5 import N5Emulator, connect, framing
from fiscal_device_lib.mypos_n5.emulator import samples


@pytest.fixture
def emulator():
    with N5Emulator() as running:
        yield running


@pytest.fixture
def device(emulator):
    with connect(port=emulator.port, timeout=0.3, busy_pause=0.01) as driver:
        yield driver


def methods(emulator):
    return [request["method"] for request in emulator.requests]


def test_busy_is_retried_then_succeeds(device, emulator):
    emulator.busy(2)
    assert device.fiscalize(samples.sale()).document_number == 1
    assert methods(emulator) == ["PrintReceipt"] * 3
    assert len(emulator.receipts()) == 1


def test_busy_beyond_the_retries_is_refused(device, emulator):
    emulator.busy(5)
    with pytest.raises(DeviceRejected) as caught:
        device.numbers()
    assert (caught.value.code, caught.value.message, caught.value.hint) == (
        53,
        "BUSY",
        "retry in a moment",
    )
    assert len(emulator.requests) == 4  # the first try and busy_retries=3


def test_paper_out_then_print_again_completes_the_document(device, emulator):
    emulator.paper_out(2)
    with pytest.raises(DeviceRejected) as caught:
        device.fiscalize(samples.sale())
    assert (caught.value.code, caught.value.message, caught.value.resumable) == (
        23,
        "NO_PAPER",
        True,
    )
    assert "PrintAgain" in caught.value.hint
    assert len(emulator.receipts()) == 1 and emulator.printed == []
    with pytest.raises(DeviceRejected, match="NO_PAPER"):
        device.print_again()  # still no paper
    device.print_again()
    assert "ФИСКАЛЕН БОН" in emulator.printed[-1]
    with pytest.raises(DeviceRejected) as nothing:
        device.print_again()
    assert nothing.value.code == 40 and not nothing.value.resumable


def test_print_fail_is_resumable_too(device, emulator):
    emulator.fail_next(15)
    with pytest.raises(DeviceRejected) as caught:
        device.x_report(samples.OPERATOR)
    assert caught.value.resumable and caught.value.message == "PRINT_FAIL"


def test_lost_receipt_answer_is_outcome_unknown_and_never_resent(device, emulator):
    emulator.drop_answers(1)
    receipt = samples.sale()
    with pytest.raises(OutcomeUnknown) as caught:
        device.fiscalize(receipt)
    assert caught.value.request["method"] == "PrintReceipt"
    assert isinstance(caught.value.__cause__, DeviceTimeout)
    assert len(emulator.receipts()) == 1
    assert methods(emulator) == ["PrintReceipt"]
    assert device.numbers()[0] == "BN300001"  # the line is usable again


def test_lost_cash_answer_is_outcome_unknown(device, emulator):
    from decimal import Decimal

    from fiscal_device_lib.core.documents import CashOperation

    emulator.drop_answers(1)
    with pytest.raises(OutcomeUnknown):
        device.cash_in_out(CashOperation("u", Decimal(5), samples.OPERATOR))
    assert device.current_cash() == Decimal("5.00")


def test_lost_answer_of_a_query_is_a_timeout(device, emulator):
    emulator.drop_answers(1)
    with pytest.raises(DeviceTimeout):
        device.numbers()


def test_garbage_answer_is_a_protocol_error_and_the_line_recovers(device, emulator):
    emulator.garbage_answers(1)
    with pytest.raises(MalformedAnswer, match="not a JSON-RPC message"):
        device.numbers()
    assert device.numbers() == ("BN300001", "51300001")


def test_garbage_answer_to_a_receipt_is_outcome_unknown(device, emulator):
    emulator.garbage_answers(1)
    with pytest.raises(OutcomeUnknown) as caught:
        device.fiscalize(samples.sale())
    assert isinstance(caught.value.__cause__, MalformedAnswer)
    assert len(emulator.receipts()) == 1


def test_truncated_answer_is_a_protocol_error_never_a_hang(device, emulator):
    emulator.truncate_answers(1)
    with pytest.raises(MalformedAnswer, match="truncated"):
        device.numbers()


def test_slow_line_is_assembled(device, emulator):
    emulator.slow_line(0.002, 3)
    assert device.fiscalize(samples.sale()).document_number == 1


def test_a_late_answer_to_an_earlier_request_is_skipped(device, emulator):
    emulator.slow_line(0.06, 8)  # the answer takes ~0.5 s, the deadline is 0.3 s
    with pytest.raises((DeviceTimeout, MalformedAnswer)):
        device.numbers()
    emulator.slow_line(0)
    assert device.invoice_range().is_set is False


def test_blocked_device_refuses_documents(device, emulator):
    emulator.set_time_to_block(timedelta(0))
    assert device.time_to_block() == timedelta(0)
    with pytest.raises(DeviceRejected) as caught:
        device.fiscalize(samples.sale())
    assert (caught.value.code, caught.value.message) == (22, "FD_BLOCKED")


def test_one_request_at_a_time_per_port(emulator):
    first = connect(port=emulator.port, timeout=2.0)
    second = connect(port=emulator.port, timeout=2.0)
    failures = []

    def work(device):
        try:
            for _ in range(15):
                assert device.numbers() == ("BN300001", "51300001")
                assert device.current_cash() == 0
        except Exception as error:
            failures.append(error)

    threads = [threading.Thread(target=work, args=(d,)) for d in (first, second, first)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first.close()
    second.close()
    assert failures == [] and len(emulator.requests) == 90


def raw_exchange(port: serial.SerialBase, *pieces: bytes) -> bytes:
    for piece in pieces:
        port.write(piece)
        port.flush()
    answer = b""
    while framing.find_message(answer) is None:
        answer += port.read(1)
    return answer


def test_emulator_reads_split_requests_with_or_without_line_breaks(emulator):
    with serial.serial_for_url(emulator.port, timeout=1) as port:
        assert b'"result":["BN300001"' in raw_exchange(
            port, b'\r\n{"jsonrpc":"2.0",', b'"id":5,"meth', b'od":"GetNumbers"}\n'
        )
        assert b'"id":6,"result":"0.00"' in raw_exchange(
            port, b'{"jsonrpc":"2.0","id":6,"method":"GetCurrentCash"}'
        )


def test_emulator_answers_garbage_with_parse_error_and_carries_on(emulator):
    with serial.serial_for_url(emulator.port, timeout=1) as port:
        assert b'"code":-32700' in raw_exchange(port, b"hello\n")
        assert b'"code":-32700' in raw_exchange(port, b'{"jsonrpc":"2.0","id":1,}')
        assert b'"code":-32600' in raw_exchange(port, b'{"jsonrpc":"1.0","id":2,"method":"x"}')
        assert b'"id":3,"result"' in raw_exchange(
            port, b'{"jsonrpc":"2.0","id":3,"method":"GetNumbers"}'
        )
