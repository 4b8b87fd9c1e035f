"""One built-in emulator per state directory, shared by every process that asks for it.

An ERP server runs several worker processes; an emulator started inside each of them would keep
its own copy of one device's memory and their numbering would diverge. Here the emulator runs in
one detached child process per state directory, found by every worker:

- ``ensure_running(family_name, state_dir, timeout)`` returns the ``connect`` settings of the
  running emulator of ``state_dir``, starting it when none answers. The child writes an address
  file atomically once it serves; a process that reads it checks that the emulator answers
  before trusting it. Only one process starts a child at a time: it holds a lock file created
  with ``O_EXCL`` that names its pid; a lock left by a dead process (or older than the start
  timeout) is taken over.
- ``stop(state_dir)`` stops it; ``remote(state_dir)`` reaches the emulator object itself (fault
  knobs, read back) across processes, for tests.
- The child serves Caspos on loopback HTTP and the N5 on loopback TCP (``socket://127.0.0.1:P``),
  keeps its memory in ``state_dir``, and exits when its address file disappears (the directory
  was wiped or another process stopped it).

Run as ``python -m fiscal_device_lib.emulator_host serve FAMILY STATE_DIR`` (the child).
Plain Python: no ERP import, nothing POSIX-only at import time.
"""

# pylint: disable=print-used  # a command-line program: its output is for the terminal

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from multiprocessing.connection import Client, Listener
from pathlib import Path

# not *.json: readers of the device state glob the folder for its state file
ADDRESS_FILE = "emulator.address"
LOCK_FILE = "emulator.lock"
LOG_FILE = "emulator.log"
# what a fresh N5 emulator gets as invoice numbers, so that invoices work at once
N5_LAST_INVOICE = "9999999999"
# how often the child checks that its address file is still there
WATCH_INTERVAL = 0.5
POLL_INTERVAL = 0.05
CONNECT_TIMEOUT = 2.0
PLAIN_TYPES = (str, bytes, int, float, bool, type(None), Decimal, datetime, date, timedelta)


class EmulatorHostError(RuntimeError):
    """The emulator could not be started, found or stopped; the message says why."""


# -- starting the emulator of one family (in the child) ---------------------------------------


def start_emulator(family_name: str, state_dir: Path) -> tuple[object, dict]:
    """Start the built-in emulator of ``family_name`` in this process, serving on loopback;
    returns (the emulator object with its fault knobs, the ``connect`` settings).

    An adapter over today's ``CasposEmulator`` / ``N5Emulator``: the families' ``emulator``
    context managers yield settings only, and the host also needs the object for its knobs.
    """
    if family_name == "caspos":
        from .caspos.emulator import CasposEmulator

        caspos = CasposEmulator(port=0, state_file=state_dir / "caspos.json").start()
        return caspos, caspos.settings()
    if family_name == "n5":
        from .mypos_n5.emulator import N5Emulator

        n5 = N5Emulator(state_path=state_dir / "n5.json")
        if not n5.device.state.invoice_last:
            n5.device.set_invoice_range({"firstInv": "1", "lastInv": N5_LAST_INVOICE})
        host, port = n5.start_tcp("127.0.0.1", 0)
        return n5, {"port": f"socket://{host}:{port}"}
    raise EmulatorHostError(f"no built-in emulator for device family {family_name!r}")


# -- the parent side -----------------------------------------------------------------------------


def ensure_running(family_name: str, state_dir: str | Path, timeout: float = 20.0) -> dict:
    """The ``connect`` settings of the emulator of ``state_dir``, started if none answers.

    Safe to call from many processes at once: all get the same emulator. Raises
    ``EmulatorHostError`` when it cannot be started within ``timeout`` seconds.
    """
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    while True:
        address = _live_address(state_dir)
        if address is not None:
            _check_family(address, family_name, state_dir)
            return dict(address["settings"])
        if _take_lock(state_dir):
            try:
                address = _live_address(state_dir)
                if address is None:
                    address = _start_child(family_name, state_dir, deadline)
                _check_family(address, family_name, state_dir)
                return dict(address["settings"])
            finally:
                _release_lock(state_dir)
        _break_stale_lock(state_dir, timeout)
        if time.monotonic() >= deadline:
            raise EmulatorHostError(
                f"the emulator in {state_dir} did not start within {timeout:g} s "
                f"(another process holds {LOCK_FILE})"
            )
        time.sleep(POLL_INTERVAL)


def stop(state_dir: str | Path, timeout: float = 5.0) -> bool:
    """Stop the emulator of ``state_dir``; True if one was running."""
    state_dir = Path(state_dir)
    address = _read_address(state_dir)
    if address is None:
        return False
    with contextlib.suppress(OSError, EOFError, EmulatorHostError):
        _request(address, ("stop",))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _answers(address):
        time.sleep(POLL_INTERVAL)
    # the child also exits when its address file goes
    _remove(state_dir / ADDRESS_FILE, expected_pid=address.get("pid"))
    return True


def remote(state_dir: str | Path) -> RemoteObject:
    """The running emulator object of ``state_dir``, reached from another process."""
    return RemoteObject(Path(state_dir), ())


class RemoteObject:
    """An attribute path into the emulator object of another process.

    Reading an attribute returns its value when it is plain data (numbers, text, dates, lists
    and dicts of them) and another ``RemoteObject`` otherwise; calling runs the method there.
    Private names (``_x``) are refused on both sides.
    """

    def __init__(self, state_dir: Path, path: tuple[str, ...]):
        object.__setattr__(self, "_state_dir", state_dir)
        object.__setattr__(self, "_path", path)

    def __getattr__(self, name: str) -> object:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._answer(("get", (*self._path, name)), (*self._path, name))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("set emulator state through its methods")

    def __call__(self, *args: object, **kwargs: object) -> object:
        return self._answer(("call", self._path, args, kwargs), (*self._path, "()"))

    def _answer(self, message: tuple, path: tuple[str, ...]) -> object:
        address = _read_address(self._state_dir)
        if address is None:
            raise EmulatorHostError(f"no emulator runs in {self._state_dir}")
        kind, value = _request(address, message)
        if kind == "error":
            raise EmulatorHostError(value)
        return value if kind == "value" else RemoteObject(self._state_dir, path)

    def __repr__(self) -> str:
        return f"<emulator {'.'.join(self._path) or 'object'} in {self._state_dir}>"


def _start_child(family_name: str, state_dir: Path, deadline: float) -> dict:
    _remove(state_dir / ADDRESS_FILE)
    package_parent = Path(__file__).resolve().parent.parent
    env = dict(os.environ)
    # the child imports this package as top-level ``fiscal_device_lib``
    env["PYTHONPATH"] = os.pathsep.join(
        [str(package_parent), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    options: dict = {}
    if os.name == "nt":
        options["creationflags"] = (
            subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
        )
    else:
        options["start_new_session"] = True  # outlives the worker that started it
    command = [sys.executable, "-m", "fiscal_device_lib.emulator_host", "serve"]
    command += [family_name, str(state_dir)]
    with open(state_dir / LOG_FILE, "ab") as log:
        child = subprocess.Popen(
            command,
            cwd=state_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            close_fds=True,
            **options,
        )
    # reap it when it exits, so that it never lingers as a zombie of this process
    threading.Thread(target=child.wait, daemon=True).start()
    while time.monotonic() < deadline:
        address = _live_address(state_dir)
        if address is not None and address.get("pid") == child.pid:
            return address
        if child.poll() is not None:
            raise EmulatorHostError(
                f"the {family_name} emulator exited with status {child.returncode}; "
                f"see {state_dir / LOG_FILE}"
            )
        time.sleep(POLL_INTERVAL)
    child.kill()
    raise EmulatorHostError(f"the {family_name} emulator in {state_dir} did not start in time")


def _check_family(address: dict, family_name: str, state_dir: Path) -> None:
    if address.get("family") != family_name:
        raise EmulatorHostError(
            f"{state_dir} holds a {address.get('family')} emulator, not {family_name}"
        )


def _read_address(state_dir: Path) -> dict | None:
    try:
        return json.loads((state_dir / ADDRESS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _live_address(state_dir: Path) -> dict | None:
    address = _read_address(state_dir)
    return address if address is not None and _answers(address) else None


def _answers(address: dict) -> bool:
    try:
        return _request(address, ("ping",)) == ("value", "pong")
    except (OSError, EOFError, EmulatorHostError, ValueError):
        return False


def _request(address: dict, message: tuple) -> tuple:
    host, port = address["control"]
    try:
        connection = Client((host, int(port)), authkey=bytes.fromhex(address["authkey"]))
    except Exception as error:  # AuthenticationError, ConnectionRefusedError, ...
        raise EmulatorHostError(f"the emulator at {host}:{port} does not answer: {error}") from None
    with connection:
        connection.send(message)
        if not connection.poll(CONNECT_TIMEOUT * 5):
            raise EmulatorHostError(f"the emulator at {host}:{port} did not answer in time")
        return connection.recv()


def _take_lock(state_dir: Path) -> bool:
    try:
        fd = os.open(state_dir / LOCK_FILE, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as lock:
        lock.write(str(os.getpid()))
    return True


def _release_lock(state_dir: Path) -> None:
    _remove(state_dir / LOCK_FILE, expected_pid=os.getpid())


def _break_stale_lock(state_dir: Path, timeout: float) -> None:
    """Remove a lock whose holder died, or that is older than a start may take."""
    lock = state_dir / LOCK_FILE
    try:
        pid = int(lock.read_text() or 0)
        age = time.time() - lock.stat().st_mtime
    except (OSError, ValueError):
        return
    # an empty lock is being written by its holder: only its age may make it stale
    if age > timeout or (pid and not _pid_alive(pid)):
        _remove(lock, expected_pid=pid)


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if os.name == "nt":
        return True  # no cheap check there: the lock's age decides
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(path: Path, expected_pid: int | None = None) -> None:
    """Remove ``path``; with ``expected_pid``, only while it still names that process."""
    try:
        if expected_pid is not None:
            text = path.read_text(encoding="utf-8")
            named = json.loads(text).get("pid") if text.startswith("{") else int(text or 0)
            if named != expected_pid:
                return
        path.unlink()
    except (OSError, ValueError):
        return  # already gone or rewritten by its next owner: nothing to remove


# -- the child -----------------------------------------------------------------------------------


def _is_plain(value: object, depth: int = 0) -> bool:
    if depth > 20:
        return False
    if isinstance(value, PLAIN_TYPES):
        return True
    if isinstance(value, dict):
        return all(_is_plain(k, depth + 1) and _is_plain(v, depth + 1) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return all(_is_plain(item, depth + 1) for item in value)
    return False


def _resolve(root: object, path: tuple[str, ...]) -> object:
    value = root
    for name in path:
        if not isinstance(name, str) or name.startswith("_"):
            raise AttributeError(f"{name!r} is not reachable")
        value = getattr(value, name)
    return value


def _answer(root: object, message: tuple, stopping: threading.Event) -> tuple:
    try:
        if message[0] == "ping":
            return ("value", "pong")
        if message[0] == "stop":
            stopping.set()
            return ("value", "stopping")
        if message[0] == "get":
            value = _resolve(root, message[1])
        elif message[0] == "call":
            _kind, path, args, kwargs = message
            value = _resolve(root, path)(*args, **kwargs)
        else:
            return ("error", f"unknown request {message[0]!r}")
    except Exception as error:  # the caller gets the emulator's error, the host keeps serving
        return ("error", f"{type(error).__name__}: {error}")
    return ("value", value) if _is_plain(value) else ("ref", None)


def serve(family_name: str, state_dir: Path) -> None:
    """Run the emulator of ``state_dir`` until stopped or its address file disappears."""
    emulator, settings = start_emulator(family_name, state_dir)
    authkey = secrets.token_bytes(32)
    listener = Listener(("127.0.0.1", 0), authkey=authkey)
    stopping = threading.Event()

    def accept() -> None:
        while not stopping.is_set():
            try:
                connection = listener.accept()
            except Exception:  # a client that failed authentication, or the listener closed
                continue
            threading.Thread(target=handle, args=(connection,), daemon=True).start()

    def handle(connection) -> None:
        with connection:
            try:
                while True:
                    connection.send(_answer(emulator, connection.recv(), stopping))
            except (EOFError, OSError):
                return

    threading.Thread(target=accept, daemon=True).start()
    address = {
        "pid": os.getpid(),
        "family": family_name,
        "settings": settings,
        "control": list(listener.address),
        "authkey": authkey.hex(),
    }
    _write_atomically(state_dir / ADDRESS_FILE, json.dumps(address))
    try:
        while not stopping.wait(WATCH_INTERVAL):
            current = _read_address(state_dir)
            if current is None or current.get("pid") != os.getpid():
                break  # wiped or replaced: this emulator is no longer the one
    finally:
        stopping.set()
        _remove(state_dir / ADDRESS_FILE, expected_pid=os.getpid())
        emulator.stop()  # type: ignore[attr-defined]
        listener.close()


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(temporary, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] != "serve":
        print("usage: python -m fiscal_device_lib.emulator_host serve FAMILY STATE_DIR")
        return 2
    serve(argv[1], Path(argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
