"""``fiscal-device call|receipt|emulate n5`` and the emulator's state file, paper and link."""

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from fiscal_device_lib.core.codec import to_jsonable
from fiscal_device_lib.core.documents import DocumentKind, FiscalResult
from fiscal_device_lib.core.errors import DeviceRejected
from fiscal_device_lib.mypos_n5 import N5Emulator, connect
from fiscal_device_lib.mypos_n5.cli import run
from fiscal_device_lib.mypos_n5.emulator import samples


@pytest.fixture
def emulator():
    with N5Emulator() as running:
        yield running


def test_call_prints_the_result(emulator, capsys):
    assert run(["call", "n5", "--port", emulator.port, "GetNumbers"]) == 0
    assert json.loads(capsys.readouterr().out) == ["BN300001", "51300001", "BG"]
    params = '{"firstInv": "1", "lastInv": "5"}'
    assert run(["call", "n5", "--port", emulator.port, "SetInvoiceRange", params]) == 0
    assert run(["call", "n5", "--port", emulator.port, "PrintAgain"]) == 4
    assert "[40] NOTHING_FOR_PRINT" in capsys.readouterr().err
    assert run(["call", "n5", "--port", emulator.port, "Nope"]) == 3


def write_receipt(path: Path, receipt) -> str:
    path.write_text(json.dumps(to_jsonable(receipt), ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_receipt_fiscalizes_sale_storno_invoice_credit_note(emulator, tmp_path, capsys):
    port = ["--port", emulator.port]
    sale, invoice = samples.sale(), samples.invoice()
    assert run(["call", "n5", *port, "SetInvoiceRange", '{"firstInv":"1","lastInv":"10"}']) == 0
    capsys.readouterr()
    for original in (sale, invoice):
        assert run(["receipt", "n5", *port, write_receipt(tmp_path / "r.json", original)]) == 0
        result = json.loads(capsys.readouterr().out)
        storno = samples.storno_of(original, _result(result))
        assert run(["receipt", "n5", *port, write_receipt(tmp_path / "s.json", storno)]) == 0
        assert json.loads(capsys.readouterr().out)["kind"] in ("storno", "credit_note")
    kinds = [entry["document"] for entry in emulator.receipts()]
    assert kinds == ["sale", "storno", "invoice", "credit_note"]


def _result(printed: dict) -> FiscalResult:
    return FiscalResult(
        kind=DocumentKind(printed["kind"]),
        fiscal_memory_number=printed["fiscal_memory_number"],
        document_number=printed["document_number"],
        issued_at=datetime.fromisoformat(printed["issued_at"]),
        number=printed["number"],
    )


def test_receipt_with_a_bad_file_sends_nothing(emulator, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"uuid": "x", "lines": [], "payments": [], "operator": {"name": ""}}')
    assert run(["receipt", "n5", "--port", emulator.port, str(bad)]) == 3
    assert emulator.requests == []


def test_state_survives_a_restart(tmp_path):
    state = tmp_path / "n5.json"
    with N5Emulator(state_path=state) as first, connect(port=first.port, timeout=2) as device:
        device.fiscalize(samples.sale())
    with N5Emulator(state_path=state) as second, connect(port=second.port, timeout=2) as device:
        assert device.fiscalize(samples.sale()).document_number == 2
        assert len(second.receipts()) == 2 and second.device.state.day_open


def ignore_sigint() -> None:
    # as a shell starts a background job: Python then raises no KeyboardInterrupt by itself
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def emulate_command(link: Path, *flags: str, stop: int = signal.SIGINT):
    """``fiscal-device emulate n5 --link LINK FLAGS`` as a background child, stopped by ``stop``."""
    command = [sys.executable, "-c", "from fiscal_device_lib.cli import main; main()"]
    args = ["emulate", "n5", "--link", str(link), *flags]
    process = subprocess.Popen(
        command + args, stderr=subprocess.PIPE, text=True, preexec_fn=ignore_sigint
    )
    try:
        assert "N5 emulator on /dev/" in process.stderr.readline()
        yield process
    finally:
        process.send_signal(stop)
        assert process.wait(timeout=5) == 0


def test_emulate_command_serves_a_linked_pty_and_prints_paper(tmp_path):
    link, paper = tmp_path / "n5tty", tmp_path / "paper.txt"
    with emulate_command(link, "--paper", str(paper), stop=signal.SIGTERM):
        with connect(port=str(link), timeout=2) as device:
            assert device.fiscalize(samples.sale()).document_number == 1
        deadline = time.monotonic() + 2
        while "ФИСКАЛЕН БОН" not in paper.read_text(encoding="utf-8"):
            assert time.monotonic() < deadline
            time.sleep(0.02)
    assert not os.path.lexists(link)


def test_emulate_fault_flags_answer_busy(tmp_path):
    link = tmp_path / "n5busy"
    with (
        emulate_command(link, "--paper", os.devnull, "--busy", "9"),
        connect(port=str(link), timeout=2, busy_retries=0) as device,
        pytest.raises(DeviceRejected) as caught,
    ):
        device.numbers()
    assert (caught.value.code, caught.value.message) == (53, "BUSY")


def test_emulate_fault_flags_paper_out_then_print_again(tmp_path):
    link = tmp_path / "n5paper"
    with (
        emulate_command(link, "--paper", os.devnull, "--paper-out", "1"),
        connect(port=str(link), timeout=2) as device,
    ):
        with pytest.raises(DeviceRejected) as caught:
            device.fiscalize(samples.sale())
        assert (caught.value.code, caught.value.resumable) == (23, True)
        device.print_again()
        assert device.fiscalize(samples.sale()).document_number == 2
