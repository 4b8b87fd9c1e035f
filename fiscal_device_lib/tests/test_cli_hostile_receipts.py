"""The hostile receipt corpus through the real ``fiscal-device receipt`` command, per device.

Every file in ``corpus/receipts/`` (listed with its expected message in ``index.json``) must end
with exit 3 and a message naming the place, never a traceback, and must leave the emulated
device exactly as it was: nothing reaches it.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from fiscal_device_lib.cli import main

CORPUS = Path(__file__).parent / "corpus" / "receipts"
CASES = json.loads((CORPUS / "index.json").read_text(encoding="ascii"))["cases"]


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 60
    listed = {case["file"] for case in CASES}
    on_disk = {path.name for path in CORPUS.glob("[0-9][0-9][0-9]-*.json")}
    assert on_disk <= listed


# What the emulated device remembers, read through each emulator's own read-back attributes.
# TRANSITION: the device helpers move the emulators to ``<device>/emulator/``; both spellings
# import the same class names.


@pytest.fixture(scope="module")
def caspos():
    from fiscal_device_lib.caspos.emulator import CasposEmulator

    server = CasposEmulator(port=0).start()
    try:
        yield (
            ["receipt", "caspos", "--url", server.url, "--retries", "0"],
            lambda: (copy.deepcopy(server.memory.state), server.last_request),
        )
    finally:
        server.stop()


@pytest.fixture(scope="module")
def n5():
    from fiscal_device_lib.mypos_n5.emulator import N5Emulator

    with N5Emulator() as emulator:
        yield (
            ["receipt", "n5", "--port", emulator.port, "--timeout", "2"],
            lambda: (copy.deepcopy(emulator.journal), list(emulator.requests)),
        )


@pytest.mark.parametrize("device", ["caspos", "n5"])
@pytest.mark.parametrize("case", CASES, ids=[case["file"] for case in CASES])
def test_hostile_receipt_is_refused_before_the_device(case, device, request, capsys):
    command, device_memory = request.getfixturevalue(device)
    path = str(CORPUS / case["file"])
    before = device_memory()
    status = main([*command, path])
    out, err = capsys.readouterr()
    assert (status, out) == (3, ""), err
    assert case["message"].replace("{file}", path) in err
    assert "Traceback" not in err
    assert all(line.startswith("invalid: ") for line in err.splitlines()), err
    assert device_memory() == before
