"""``fiscal-device call|receipt|emulate caspos`` and the demo, against real emulators."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from fiscal_device_lib.caspos import CasposEmulator
from fiscal_device_lib.cli import EXIT_INVALID, EXIT_REJECTED, EXIT_TRANSPORT, main
from fiscal_device_lib.demo import run_demo

RECEIPT = {
    "uuid": "cli-receipt-1",
    "operator": {"name": "Kassir"},
    "lines": [
        {"name": "Çay", "quantity": "2", "unit_price": "3.40", "vat_class": "1", "unit": "0"}
    ],
    "payments": [{"kind": "cash", "amount": "10"}],
}


@pytest.fixture
def url():
    server = CasposEmulator(port=0).start()
    try:
        yield server.url
    finally:
        server.stop()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_call_prints_the_device_answer(capsys, url):
    status, out, _err = run(capsys, "call", "caspos", "--url", url, "getInfo")
    assert status == 0 and json.loads(out)["data"]["qr_code_url"].startswith("https://")
    status, out, _err = run(
        capsys, "call", "caspos", "--url", url, "openShift", '{"cashierName": "K", "data": {}}'
    )
    assert status == 0 and json.loads(out) == {"code": "0", "message": "Success operation"}
    status, out, _err = run(capsys, "call", "caspos", "--url", url, "getShiftStatus")
    assert json.loads(out)["data"]["shift_open"] is True


def test_call_refusal_goes_to_stderr(capsys, url):
    run(capsys, "call", "caspos", "--url", url, "openShift", "{}")
    status, out, err = run(
        capsys, "call", "caspos", "--url", url, "sale", '{"documentUUID": "x", "items": []}'
    )
    assert status == EXIT_REJECTED and out == ""
    assert "[610] items array is empty" in err
    status, _out, err = run(capsys, "call", "caspos", "--url", url, "sale", "{oops")
    assert status == EXIT_INVALID and "not valid JSON" in err


def test_call_unreachable(capsys):
    status, _out, err = run(
        capsys, "call", "caspos", "--url", "http://127.0.0.1:9", "--retries", "0", "getInfo"
    )
    assert status == EXIT_TRANSPORT and "http://127.0.0.1:9/" in err


def test_receipt_fiscalizes_a_neutral_receipt(capsys, url, tmp_path):
    run(capsys, "call", "caspos", "--url", url, "openShift", "{}")
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(RECEIPT, ensure_ascii=False), encoding="utf-8")
    status, out, _err = run(capsys, "receipt", "caspos", "--url", url, str(path))
    result = json.loads(out)
    assert status == 0 and result["kind"] == "sale" and result["total"] == "6.80"
    assert result["qr_link"].endswith(result["document_id"]) and len(result["document_id"]) == 44
    status, out, _err = run(capsys, "receipt", "caspos", "--url", url, str(path))
    assert json.loads(out)["repeated"] is True


def test_receipt_on_a_closed_shift_says_so_or_opens_it(capsys, url, tmp_path):
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(RECEIPT, ensure_ascii=False), encoding="utf-8")
    status, out, err = run(capsys, "receipt", "caspos", "--url", url, str(path))
    assert status == EXIT_REJECTED and out == ""
    assert "[503] document: invalid shift status" in err
    status, out, _err = run(capsys, "receipt", "caspos", "--url", url, "--open-shift", str(path))
    assert status == 0 and json.loads(out)["shift_document_number"] == 1


def test_output_into_a_closed_pipe_is_not_an_error(url):
    # as with "| head": the reader is gone before the answer is written
    read_end, write_end = os.pipe()
    os.close(read_end)
    command = [sys.executable, "-m", "fiscal_device_lib", "call", "caspos", "--url", url]
    try:
        done = subprocess.run([*command, "getInfo"], stdout=write_end, stderr=subprocess.PIPE)
    finally:
        os.close(write_end)
    assert done.returncode == 0
    assert done.stderr == b""


def test_demo_includes_a_caspos_day():
    out = io.StringIO()
    logs = run_demo(["caspos"], out=out)
    assert [log.family for log in logs] == ["caspos"]
    assert "Caspos (Azerbaijan e-kassa)" in out.getvalue()


def test_emulate_runs_in_the_foreground_and_prints_its_url(tmp_path):
    state = tmp_path / "state.json"
    command = [sys.executable, "-m", "fiscal_device_lib", "emulate", "caspos", "--port", "0"]
    process = subprocess.Popen([*command, "--state", str(state)], stdout=subprocess.PIPE, text=True)
    try:
        banner = process.stdout.readline()
        url = banner.split(" at ", 1)[1].split()[0].rstrip("/")
        assert main(["call", "caspos", "--url", url, "openShift", "{}"]) == 0
    finally:
        process.terminate()
        # a clean stop on SIGTERM (a service manager's or CI's), not a kill
        assert process.wait(timeout=5) == 0
    assert json.loads(state.read_text())["shift"] is not None
