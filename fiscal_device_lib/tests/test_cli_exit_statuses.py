"""Exit statuses read from ``error.outcome`` in one place (``cli_support.run_guarded``).

Each status is produced end to end on a real emulator where a real failure gives it, and the
mapping itself is pinned for every error class and outcome.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from fiscal_device_lib.cli import main
from fiscal_device_lib.cli_support import (
    EXIT_ERROR,
    EXIT_INVALID,
    EXIT_REJECTED,
    EXIT_TRANSPORT,
    EXIT_UNKNOWN,
    exit_status,
    run_guarded,
)
from fiscal_device_lib.core.errors import (
    DeviceRejected,
    DeviceTimeout,
    DeviceUnreachable,
    FiscalError,
    MalformedAnswer,
    Outcome,
    OutcomeUnknown,
    UnsupportedOperation,
    ValidationError,
)

JOURNAL_FIRST = "read the device's journal first"


def n5_receipt(tmp_path, **changes) -> str:
    receipt = {
        "uuid": "exit-1",
        "operator": {"name": "Operator", "number": 1},
        "lines": [{"name": "Хляб", "quantity": "1", "unit_price": "2.15", "vat_class": "B"}],
        "payments": [{"kind": "cash", "amount": "2.15"}],
        **changes,
    }
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(receipt, ensure_ascii=False), encoding="utf-8")
    return str(path)


@pytest.fixture
def n5():
    from fiscal_device_lib.mypos_n5.emulator import N5Emulator

    with N5Emulator() as emulator:
        yield emulator


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_exit_3_for_what_the_device_cannot_carry(tmp_path, capsys):
    from fiscal_device_lib.caspos.emulator import CasposEmulator

    buyer = {"ident_type": "BULSTAT", "ident_number": "123456789", "name": "Firma",
             "address": "ul. 1", "city": "Sofia"}  # fmt: skip
    server = CasposEmulator(port=0).start()
    try:
        path = n5_receipt(tmp_path, buyer=buyer)
        status, out, err = run(capsys, "receipt", "caspos", "--url", server.url, path)
    finally:
        server.stop()
    assert (status, out) == (EXIT_INVALID, "")
    # refused as unsupported or as a problem of the receipt: both say so, both are exit 3
    assert err.startswith("invalid: ") and "Caspos has no invoice" in err


def test_exit_4_when_the_device_refuses_and_nothing_is_registered(n5, capsys):
    status, _out, err = run(capsys, "call", "n5", "--port", n5.port, "PrintAgain")
    assert status == EXIT_REJECTED
    assert "device error [40] NOTHING_FOR_PRINT" in err and JOURNAL_FIRST not in err


def test_exit_5_when_the_device_cannot_be_reached(capsys):
    url = "http://127.0.0.1:9"
    status, _out, err = run(capsys, "call", "caspos", "--url", url, "--retries", "0", "getInfo")
    assert status == EXIT_TRANSPORT
    assert err.startswith("connection error: ") and JOURNAL_FIRST not in err


def test_exit_6_when_the_answer_to_a_receipt_is_lost(n5, tmp_path, capsys):
    n5.drop_answers(1)
    path = n5_receipt(tmp_path)
    status, out, err = run(capsys, "receipt", "n5", "--port", n5.port, "--timeout", "1", path)
    assert (status, out) == (EXIT_UNKNOWN, "")
    first, second = err.splitlines()
    assert first.startswith("outcome unknown: ")
    assert second == (
        "the document may be registered: read the device's journal first, "
        "and send it again only if it is not there"
    )
    assert len(n5.receipts()) == 1  # it was registered: resending would print it twice


def test_exit_6_when_registered_but_not_printed(n5, tmp_path, capsys):
    n5.paper_out(1)
    status, _out, err = run(capsys, "receipt", "n5", "--port", n5.port, n5_receipt(tmp_path))
    assert status == EXIT_UNKNOWN
    first, second = err.splitlines()
    assert first.startswith("device error [23]")
    assert second == (
        "the document is registered but not printed: read the device's journal first, "
        "then finish it (N5: PrintAgain); never send it again"
    )


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ValidationError("x"), EXIT_INVALID),
        (UnsupportedOperation("x"), EXIT_INVALID),
        (DeviceRejected(503, "shift closed"), EXIT_REJECTED),
        (DeviceRejected(23, "NO_PAPER", resumable=True), EXIT_UNKNOWN),
        (DeviceRejected(1, "x", outcome=Outcome.MAY_BE_REGISTERED), EXIT_UNKNOWN),
        (DeviceUnreachable("refused"), EXIT_TRANSPORT),
        (DeviceTimeout("late"), EXIT_UNKNOWN),
        (DeviceTimeout("late", outcome=Outcome.NOTHING_REGISTERED), EXIT_TRANSPORT),
        (MalformedAnswer("garbage"), EXIT_UNKNOWN),
        (MalformedAnswer("garbage", outcome=Outcome.NOTHING_REGISTERED), EXIT_TRANSPORT),
        (OutcomeUnknown("lost"), EXIT_UNKNOWN),
        (FiscalError("bare"), EXIT_UNKNOWN),
        (FiscalError("bare", outcome=Outcome.NOTHING_REGISTERED), EXIT_ERROR),
    ],
    ids=repr,
)
def test_exit_status_follows_the_outcome(error, status):
    assert exit_status(error) == status


def raises(error: BaseException):
    def action():
        raise error

    return action


def test_exit_1_and_one_line_for_any_other_exception(capsys):
    assert run_guarded(raises(RuntimeError("boom \x1b[2J"))) == EXIT_ERROR
    assert capsys.readouterr().err == "error: RuntimeError: boom \\x1b[2J\n"


def test_debug_keeps_the_traceback(capsys):
    assert run_guarded(raises(KeyError("k")), debug=True) == EXIT_ERROR
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert err.endswith("error: KeyError: 'k'\n")


def test_a_flood_of_problems_is_cut_short(capsys):
    problems = [f"line {n}: name must not be empty" for n in range(1, 121)]
    assert run_guarded(raises(ValidationError(problems))) == EXIT_INVALID
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 51 and lines[-1] == "invalid: … and 70 more"


def test_device_text_cannot_drive_the_terminal(capsys):
    assert run_guarded(raises(DeviceRejected(9, "bad\x1b]0;title\x07"))) == EXIT_REJECTED
    assert capsys.readouterr().err == "device error [9] bad\\x1b]0;title\\x07\n"


def test_no_traceback_escapes_the_command_line(tmp_path):
    # in a fresh interpreter, as a user runs it: an unreadable receipt path
    (tmp_path / "f").write_text("{}")
    done = subprocess.run(
        [sys.executable, "-m", "fiscal_device_lib", "receipt", "n5", "--port", "/nonexistent",
         str(tmp_path / "f" / "r.json")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == EXIT_INVALID
    assert "Traceback" not in done.stderr and "cannot be read (Not a directory)" in done.stderr
