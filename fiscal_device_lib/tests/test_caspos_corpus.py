"""Hostile receipts (``corpus/caspos/``) through ``fiscal-device receipt caspos --open-shift``
against the emulator: each ends with exit 3 and its expected first message naming the place,
no traceback, and nothing reaches the device (no shift opened, no document, no uuid)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from fiscal_device_lib.caspos.emulator import CasposEmulator
from fiscal_device_lib.cli import EXIT_INVALID, main

CORPUS = Path(__file__).parent / "corpus" / "caspos"
EXPECTED: dict[str, str] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def server():
    emulator = CasposEmulator(port=0).start()
    try:
        yield emulator
    finally:
        emulator.stop()


def journal(server: CasposEmulator) -> dict:
    state = server.memory.state
    return copy.deepcopy({key: state[key] for key in ("shift", "documents", "uuids")})


def test_every_corpus_file_has_its_expected_message():
    files = {path.name for path in CORPUS.iterdir()} - {"expected.json"}
    assert files == set(EXPECTED) and len(files) >= 30


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_receipt_is_refused_before_the_device(capsys, server, name):
    before = journal(server)
    path = CORPUS / name
    status = main(["receipt", "caspos", "--url", server.url, "--open-shift", str(path)])
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert status == EXIT_INVALID, captured.err
    assert captured.out == "" and "Traceback" not in captured.err
    assert lines and all(line.startswith("invalid: ") for line in lines)
    assert EXPECTED[name] in lines[0]
    assert journal(server) == before


@pytest.mark.parametrize(
    ("target", "message"),
    [("missing.json", "missing.json: no such file"), ("", "is a directory, not a JSON file")],
)
def test_a_path_that_is_no_receipt_file_is_named(capsys, server, tmp_path, target, message):
    status = main(["receipt", "caspos", "--url", server.url, str(tmp_path / target)])
    err = capsys.readouterr().err
    assert status == EXIT_INVALID and message in err and "Traceback" not in err


def test_the_installed_command_refuses_raw_bytes_without_a_traceback(server):
    # the real entry point, for the files a JSON reader chokes on before any check runs
    command = [sys.executable, "-m", "fiscal_device_lib", "receipt", "caspos", "--url", server.url]
    for name in ("utf16-file.json", "deep-nesting.json", "quantity-5000-digit-number.json"):
        done = subprocess.run(
            [*command, str(CORPUS / name)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == EXIT_INVALID, done.stderr
        assert EXPECTED[name] in done.stderr and "Traceback" not in done.stderr
