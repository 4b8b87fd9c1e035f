"""Outcomes that must not lie (issue 9, section 2): every case over a real pty to the emulator.

A document request (PrintReceipt, CashInOut) that was written ends either in the device's own
answer to it or in ``OutcomeUnknown``; a status request's bad answer is ``MalformedAnswer`` with
nothing registered. Never another request's answer taken as this one's.
"""

import os
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal

import pytest

from fiscal_device_lib.core.documents import CashOperation
from fiscal_device_lib.core.errors import (
    DeviceRejected,
    DeviceTimeout,
    MalformedAnswer,
    Outcome,
    OutcomeUnknown,
)
from fiscal_device_lib.mypos_n5 import N5Emulator, connect, framing
from fiscal_device_lib.mypos_n5.driver import next_request_id
from fiscal_device_lib.mypos_n5.emulator import samples


@pytest.fixture
def emulator():
    with N5Emulator() as running:
        yield running


def driver(emulator, timeout=2.0):
    return connect(port=emulator.port, timeout=timeout, busy_pause=0.01)


def test_a_late_answer_is_not_taken_by_the_next_drivers_receipt(emulator):
    emulator.answer_late(1)  # receipt A's answer comes after its driver gave up
    with driver(emulator, timeout=0.3) as first, pytest.raises(OutcomeUnknown):
        first.fiscalize(samples.sale(1))
    second_receipt = samples.sale(3)
    with driver(emulator) as second:  # a new driver, as the CLI and the addon make per operation
        result = second.fiscalize(second_receipt)
    assert result.document_number == 2  # B's own answer, not A's number 1
    assert result.total == second_receipt.total
    assert result.qr_payload == emulator.receipts()[1]["qr"]


def test_request_ids_are_unique_across_drivers_and_processes():
    code = "from fiscal_device_lib.mypos_n5.driver import next_request_id; print(next_request_id())"
    runs = [
        int(subprocess.run([sys.executable, "-c", code], capture_output=True, check=True).stdout)
        for _ in range(2)
    ]
    here = [next_request_id(), next_request_id()]
    assert runs[0] != runs[1]
    assert here[1] == here[0] % (2**31 - 1) + 1
    assert min(runs + here) > 0 and max(runs + here) < 2**31


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX fork")
def test_forked_workers_do_not_share_an_id_sequence():
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # a prefork worker: the module was imported before the fork
        os.write(write, str(next_request_id()).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    in_child = int(os.read(read, 64))
    os.close(read)
    assert in_child != next_request_id()


def test_input_left_on_the_line_is_discarded_before_a_request(emulator):
    with driver(emulator) as device:
        assert device.numbers() == ("BN300001", "51300001")
        stale = framing.encode_result(7, {"qr": "51300001*0000099*2026-01-01*10:00:00*1.00"})
        emulator.write_now(b"\x00garbage" + stale)
        assert device.numbers() == ("BN300001", "51300001")
        assert device.fiscalize(samples.sale(1)).document_number == 1


def test_a_receipt_answer_for_another_total_is_outcome_unknown(emulator):
    emulator.answer_raw(
        b'{"jsonrpc":"2.0","id":@ID@,"result":{"qr":"51300001*0000001*2026-01-01*10:00:00*1.00"}}'
    )
    with (
        driver(emulator) as device,
        pytest.raises(OutcomeUnknown, match=r"total of 1\.00") as caught,
    ):
        device.fiscalize(samples.sale(2))
    assert caught.value.outcome is Outcome.MAY_BE_REGISTERED
    assert len(emulator.receipts()) == 1  # the device did register it


@pytest.mark.parametrize(
    "answer",
    [
        b'{"jsonrpc":"2.0","id":@ID@,"result":"OK"}',
        b'{"jsonrpc":"2.0","id":@ID@,"result":null}',
        b'{"jsonrpc":"2.0","id":@ID@,"result":{}}',
        b'{"jsonrpc":"2.0","id":@ID@,"result":{"qr":"1*2*3"}}',
        b'{"jsonrpc":"2.0","id":@ID@,"result":{"qr":17}}',
        b'{"jsonrpc":"2.0","id":@ID@,"result":{"qr":"51300001*0000001*2026-13-01*10:00:00*9.9"}}',
        b'{"jsonrpc":"2.0","id":12345,"result":{"qr":"51300001*0000001*2026-01-01*10:00:00*1"}}',
        b"\xff\xfegarbage",
        b'{"jsonrpc":"2.0","id":@ID@,"result":',
        b"",
    ],
)
def test_any_failure_after_a_receipt_was_written_is_outcome_unknown(emulator, answer):
    emulator.answer_raw(answer)
    with driver(emulator, timeout=0.4) as device, pytest.raises(OutcomeUnknown) as caught:
        device.fiscalize(samples.sale(1))
    assert caught.value.request["method"] == "PrintReceipt"
    assert caught.value.outcome is Outcome.MAY_BE_REGISTERED


@pytest.mark.parametrize(
    "answer",
    [
        b'{"jsonrpc":"2.0","id":@ID@,"result":null}',
        b'{"jsonrpc":"2.0","id":@ID@,"result":{"qr":"x"}}',
        b'{"jsonrpc":"2.0","id":null,"result":"OK"}',
        b"garbage",
    ],
)
def test_any_failure_after_a_cash_operation_was_written_is_outcome_unknown(emulator, answer):
    emulator.answer_raw(answer)
    operation = CashOperation("u", Decimal(5), samples.OPERATOR)
    with driver(emulator, timeout=0.4) as device, pytest.raises(OutcomeUnknown):
        device.cash_in_out(operation)


def test_an_answer_with_id_null_is_no_requests_answer(emulator):
    emulator.answer_id_null(1)
    with driver(emulator) as device:
        with pytest.raises(MalformedAnswer, match="id null") as caught:
            device.numbers()
        assert caught.value.outcome is Outcome.NOTHING_REGISTERED
        emulator.answer_id_null(1)
        with pytest.raises(OutcomeUnknown, match="id null"):
            device.fiscalize(samples.sale(1))
        emulator.answer_id_null(1)  # an error answer with id null is no refusal of ours either
        emulator.fail_next(37)
        with pytest.raises(OutcomeUnknown, match="id null"):
            device.fiscalize(samples.sale(1))


def test_deep_json_answer_is_malformed_with_nothing_registered(emulator):
    emulator.answer_raw(
        b'{"jsonrpc":"2.0","id":@ID@,"result":' + b"[" * 100000 + b"]" * 100000 + b"}"
    )
    with driver(emulator) as device, pytest.raises(MalformedAnswer) as caught:
        device.numbers()
    assert caught.value.outcome is Outcome.NOTHING_REGISTERED


@pytest.mark.parametrize("value", [b"1e400", b'"1e30"', b"-5", b'"9' + b"9" * 40 + b'"'])
def test_out_of_range_time_to_block_is_malformed_with_nothing_registered(emulator, value):
    emulator.answer_raw(b'{"jsonrpc":"2.0","id":@ID@,"result":' + value + b"}")
    with driver(emulator) as device, pytest.raises(MalformedAnswer) as caught:
        device.time_to_block()
    assert caught.value.outcome is Outcome.NOTHING_REGISTERED


def test_a_lost_status_answer_registered_nothing(emulator):
    emulator.drop_answers(1)
    with driver(emulator, timeout=0.3) as device, pytest.raises(DeviceTimeout) as caught:
        device.current_cash()
    assert caught.value.outcome is Outcome.NOTHING_REGISTERED


def test_print_fail_registers_the_receipt_and_print_again_prints_it(emulator):
    emulator.fail_next(15)
    receipt = samples.sale(1)
    with driver(emulator) as device:
        with pytest.raises(DeviceRejected) as caught:
            device.fiscalize(receipt)
        assert caught.value.code == 15
        assert caught.value.outcome is Outcome.REGISTERED_NOT_PRINTED
        assert len(emulator.receipts()) == 1 and emulator.printed == []
        device.print_again()
    assert "ФИСКАЛЕН БОН" in emulator.printed[-1]
    assert emulator.receipts()[0]["total"] == receipt.total


def test_print_fail_on_cash_in_registers_it(emulator):
    emulator.fail_next(15)
    with driver(emulator) as device:
        with pytest.raises(DeviceRejected):
            device.cash_in_out(CashOperation("u", Decimal(7), samples.OPERATOR))
        assert device.current_cash() == Decimal("7.00")


def test_the_framer_scans_a_growing_answer_once():
    scanner = framing.Scanner()
    body = b'{"jsonrpc":"2.0","id":1,"result":"' + b"x" * 50000
    assert scanner.next(body) is None
    assert scanner.pos == len(body)  # it remembers where it stopped, inside the string
    # what was examined is not read again: spoiling it does not change the result
    spoiled = b"#" * len(body) + b'"}'
    assert scanner.next(spoiled) == (0, len(spoiled))


def test_a_large_answer_in_small_pieces_is_assembled(emulator):
    emulator.slow_line(0.0005, 4096)
    big = "Я" * 100000
    emulator.answer_raw(b'{"jsonrpc":"2.0","id":@ID@,"result":["' + big.encode() + b'","1"]}')
    with driver(emulator) as device:
        assert device.numbers() == (big, "1")


def test_time_to_block_in_range_still_reads(emulator):
    emulator.set_time_to_block(timedelta(hours=1))
    with driver(emulator) as device:
        assert timedelta(minutes=59) < device.time_to_block() <= timedelta(hours=1)


@pytest.mark.parametrize(
    "answer",
    [b'{"jsonrpc":"2.0","id":@ID@,"result":"OK"}', b'{"jsonrpc":"2.0","id":null,"result":null}'],
)
def test_the_cli_exits_6_when_a_receipts_answer_cannot_be_trusted(
    emulator, tmp_path, capsys, answer
):
    import json

    from fiscal_device_lib.core.codec import to_jsonable
    from fiscal_device_lib.mypos_n5.cli import run

    path = tmp_path / "r.json"
    path.write_text(json.dumps(to_jsonable(samples.sale(1)), ensure_ascii=False), encoding="utf-8")
    emulator.answer_raw(answer)
    assert run(["receipt", "n5", "--port", emulator.port, "--timeout", "1", str(path)]) == 6
    assert "outcome unknown: PrintReceipt was sent" in capsys.readouterr().err
    assert len(emulator.receipts()) == 1


def test_the_cli_exits_5_with_the_port_named_when_it_does_not_exist(capsys):
    from fiscal_device_lib.mypos_n5.cli import run

    assert run(["call", "n5", "--port", "/dev/ttyNOSUCHPORT7", "GetNumbers"]) == 5
    assert "serial port /dev/ttyNOSUCHPORT7 does not exist" in capsys.readouterr().err
