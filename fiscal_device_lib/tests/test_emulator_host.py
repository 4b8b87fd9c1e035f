"""The shared emulator host: one emulator per state directory, found by every process."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fiscal_device_lib import emulator_host
from fiscal_device_lib.families import family

ASK = (
    "import json, sys; from fiscal_device_lib.emulator_host import ensure_running; "
    "print(json.dumps(ensure_running(sys.argv[1], sys.argv[2])))"
)
PACKAGE_PARENT = str(Path(emulator_host.__file__).resolve().parent.parent)


@pytest.fixture
def state_dir(tmp_path):
    yield tmp_path
    emulator_host.stop(tmp_path)


def _address(state_dir):
    return json.loads((state_dir / emulator_host.ADDRESS_FILE).read_text())


@pytest.mark.parametrize("family_name", ["caspos", "n5"])
def test_two_processes_asking_at_once_get_the_same_emulator(state_dir, family_name):
    askers = [
        subprocess.Popen(
            [sys.executable, "-c", ASK, family_name, str(state_dir)],
            stdout=subprocess.PIPE,
            env={"PYTHONPATH": PACKAGE_PARENT, "PATH": ""},
        )
        for _ in range(2)
    ]
    answers = [json.loads(asker.communicate(timeout=60)[0]) for asker in askers]

    assert answers[0] == answers[1]
    assert emulator_host.ensure_running(family_name, state_dir) == answers[0]
    log = (
        (state_dir / emulator_host.LOG_FILE).read_text()
        if (state_dir / emulator_host.LOG_FILE).exists()
        else ""
    )
    assert "Traceback" not in log
    # the emulator answers its own family's driver, and its numbering is shared
    with family(family_name).connect(**answers[0]) as driver:
        assert driver.info().serial_number
    assert not (state_dir / emulator_host.LOCK_FILE).exists()


def test_knobs_and_memory_are_reached_from_another_process(state_dir):
    settings = emulator_host.ensure_running("caspos", state_dir)
    remote = emulator_host.remote(state_dir)
    remote.fail_next(1)
    assert remote.faults.fail_next == 1
    assert isinstance(remote.memory.state, dict)
    assert remote.settings() == settings
    with pytest.raises(AttributeError):
        getattr(remote, "_private")  # noqa: B009 - private names stay private
    with pytest.raises(emulator_host.EmulatorHostError, match="AttributeError"):
        remote.no_such_knob()


def test_a_stale_lock_of_a_dead_process_is_taken_over(state_dir):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (state_dir / emulator_host.LOCK_FILE).write_text(str(dead.pid))

    settings = emulator_host.ensure_running("n5", state_dir, timeout=30)

    assert settings["port"].startswith("socket://127.0.0.1:")


def test_stop_ends_the_emulator_and_a_wiped_directory_ends_it_too(state_dir):
    emulator_host.ensure_running("caspos", state_dir)
    first = _address(state_dir)
    assert emulator_host.stop(state_dir)
    assert not emulator_host._answers(first)
    assert not emulator_host.stop(state_dir), "nothing left to stop"

    emulator_host.ensure_running("caspos", state_dir)
    second = _address(state_dir)
    assert second["pid"] != first["pid"]
    (state_dir / emulator_host.ADDRESS_FILE).unlink()
    deadline = time.monotonic() + 10
    while emulator_host._answers(second) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not emulator_host._answers(second)


def test_a_state_dir_holds_one_family(state_dir):
    emulator_host.ensure_running("caspos", state_dir)
    with pytest.raises(emulator_host.EmulatorHostError, match="holds a caspos emulator, not n5"):
        emulator_host.ensure_running("n5", state_dir)
