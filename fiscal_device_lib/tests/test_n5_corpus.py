"""Hostile serial answers (corpus/n5/*.answer), each played over a real pty by the emulator.

Every answer ends in the expected ``FiscalError`` subclass with the expected outcome: never
another exception (a traceback in the CLI, an unhandled error in the addon), never success.
"""

import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from fiscal_device_lib.core import errors
from fiscal_device_lib.core.documents import CashOperation
from fiscal_device_lib.core.errors import FiscalError, Outcome
from fiscal_device_lib.mypos_n5 import N5Emulator, connect
from fiscal_device_lib.mypos_n5.emulator import samples

CORPUS = Path(__file__).parent / "corpus" / "n5"
CASES = sorted(CORPUS.glob("*.answer"))

ACTIONS = {
    "GetNumbers": lambda device: device.numbers(),
    "GetTimeToBlock": lambda device: device.time_to_block(),
    "GetCurrentCash": lambda device: device.current_cash(),
    "GetInvoiceRange": lambda device: device.invoice_range(),
    "PrintReceipt": lambda device: device.fiscalize(samples.sale(1)),
    "CashInOut": lambda device: device.cash_in_out(
        CashOperation(str(uuid.uuid4()), Decimal(5), samples.OPERATOR)
    ),
}


def read_case(path: Path) -> tuple[str, type, Outcome, bytes]:
    header, raw = path.read_bytes().split(b"\n---\n", 1)
    fields = dict(line.split(": ", 1) for line in header.decode().splitlines())
    exception_name, outcome = fields["expect"].split()
    return fields["method"], getattr(errors, exception_name), Outcome(outcome), raw


@pytest.fixture(scope="module")
def emulator():
    with N5Emulator() as running:
        yield running


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_hostile_answer(emulator, path):
    method, expected, outcome, raw = read_case(path)
    emulator.answer_raw(raw)
    with connect(port=emulator.port, timeout=0.5, busy_retries=0) as device:
        try:
            ACTIONS[method](device)
        except FiscalError as error:
            caught = error
        else:
            pytest.fail(f"{path.name}: the answer was taken as a success")
    assert type(caught) is expected, f"{path.name}: {type(caught).__name__}: {caught}"
    assert caught.outcome is outcome, f"{path.name}: {caught.outcome}: {caught}"
    assert emulator.requests[-1]["method"] == method
