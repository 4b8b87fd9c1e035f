"""What every command-line module shares: exit statuses, JSON arguments, signals, error lines.

Imports only the core, so that a device package's ``cli`` can use it without loading the
top-level command line (a library never imports its command line).
"""

# pylint: disable=print-used  # a command-line program: its output is for the terminal

from __future__ import annotations

import codecs
import json
import signal
import sys
import threading
import traceback
from collections.abc import Callable

from .core.codec import receipt_from_dict, to_jsonable
from .core.documents import Receipt
from .core.errors import (
    DeviceRejected,
    FiscalError,
    Outcome,
    OutcomeUnknown,
    ProtocolError,
    TransportError,
    UnsupportedOperation,
    ValidationError,
)
from .core.jsonwire import JsonError, loads
from .core.text import printable

EXIT_OK = 0
EXIT_ERROR = 1  # any other fiscal error
EXIT_USAGE = 2  # argparse's own
EXIT_INVALID = 3  # the document or the arguments are wrong; nothing was sent
EXIT_REJECTED = 4  # the device refused; its code and text are on stderr
EXIT_TRANSPORT = 5  # unreachable, timeout, malformed answer
EXIT_UNKNOWN = 6  # sent, answer lost: check the device's journal before retrying

MAX_DOCUMENT_BYTES = 4_000_000  # a receipt of a few thousand lines; anything larger is a mistake

EXIT_CODES_HELP = """exit status:
  0 done   3 invalid input, nothing sent   4 device refused (code and text on stderr)
  5 device unreachable, timed out or answered garbage   6 outcome unknown: check the device
  before retrying   1 any other error"""


def print_json(value: object) -> None:
    json.dump(to_jsonable(value), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def read_source(path: str) -> bytes:
    """The bytes of a JSON file, or of standard input for ``-``; ``ValidationError`` naming the
    file when it cannot be read."""
    if path == "-":
        binary = getattr(sys.stdin, "buffer", None)  # absent when a caller swapped in a StringIO
        if binary is None:
            return sys.stdin.read(MAX_DOCUMENT_BYTES + 1).encode("utf-8", "surrogateescape")
        return binary.read(MAX_DOCUMENT_BYTES + 1)
    try:
        with open(path, "rb") as source:
            return source.read(MAX_DOCUMENT_BYTES + 1)
    except FileNotFoundError:
        raise ValidationError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ValidationError(f"{path}: is a directory, not a JSON file") from None
    except OSError as error:
        raise ValidationError(f"{path}: cannot be read ({error.strerror or error})") from None


def parse_document(data: bytes, where: str) -> object:
    """Strict JSON from a file's bytes (``core.jsonwire.loads``); every refusal names ``where``."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValidationError(f"{where}: larger than {MAX_DOCUMENT_BYTES} bytes")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]  # as Windows editors save UTF-8
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ValidationError(f"{where}: UTF-16 text (byte order mark); save it as UTF-8")
    if b"\x00" in data:
        raise ValidationError(f"{where}: contains NUL bytes (UTF-16 text?); save it as UTF-8")
    try:
        return loads(data)
    except JsonError as error:
        raise ValidationError(f"{where}: {error}") from None


def load_json_argument(text: str, what: str) -> object:
    """A JSON argument given inline, as ``@FILE``, or ``-`` for standard input."""
    if text == "-":
        return parse_document(read_source("-"), what)
    if text.startswith("@"):
        return parse_document(read_source(text[1:]), f"{what} ({text[1:]})")
    # bytes the terminal could not decode come as lone surrogates: give them back as bytes
    return parse_document(text.encode("utf-8", "surrogateescape"), what)


def load_receipt(path: str) -> Receipt:
    """Read a neutral receipt from a JSON file (format in README, "Neutral receipt")."""
    where = "standard input" if path == "-" else path
    return receipt_from_dict(parse_document(read_source(path), where))


def stop_on_signals() -> threading.Event:
    """An event that Ctrl-C or SIGTERM sets; take it before announcing a service.

    A shell starts background jobs with SIGINT ignored, and Python then never raises
    KeyboardInterrupt: a service manager's or a test's stop must still end the emulator.
    """
    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    return stop


def wait_for(stop: threading.Event) -> None:
    while not stop.wait(0.5):  # a timed wait lets the signal handler run promptly
        pass


MAX_PROBLEM_LINES = 50  # a file with thousands of bad fields need not flood the terminal
JOURNAL_FIRST = {
    Outcome.MAY_BE_REGISTERED: "the document may be registered: read the device's journal "
    "first, and send it again only if it is not there",
    Outcome.REGISTERED_NOT_PRINTED: "the document is registered but not printed: read the "
    "device's journal first, then finish it (N5: PrintAgain); never send it again",
}


def exit_status(error: FiscalError) -> int:
    """The exit status of a failed command, read from the error's ``outcome`` (one place)."""
    if isinstance(error, ValidationError | UnsupportedOperation):
        return EXIT_INVALID
    if error.outcome is not Outcome.NOTHING_REGISTERED:
        return EXIT_UNKNOWN
    if isinstance(error, DeviceRejected):
        return EXIT_REJECTED
    if isinstance(error, TransportError | ProtocolError):
        return EXIT_TRANSPORT
    return EXIT_ERROR


def error_lines(error: FiscalError) -> list[str]:
    """What stderr says about ``error``: its kind and text, then what to do when it matters."""
    if isinstance(error, ValidationError):
        lines = [f"invalid: {problem}" for problem in error.problems[:MAX_PROBLEM_LINES]]
        if len(error.problems) > MAX_PROBLEM_LINES:
            lines.append(f"invalid: … and {len(error.problems) - MAX_PROBLEM_LINES} more")
        return lines
    if isinstance(error, UnsupportedOperation):
        kind = "invalid"
    elif isinstance(error, DeviceRejected):
        kind = "device error"
    elif isinstance(error, OutcomeUnknown):
        kind = "outcome unknown"
    elif isinstance(error, TransportError):
        kind = "connection error"
    elif isinstance(error, ProtocolError):
        kind = "protocol error"
    else:
        kind = "error"
    lines = [f"{kind}: {error}" if kind != "device error" else f"{kind} {error}"]
    if error.outcome in JOURNAL_FIRST:
        lines.append(JOURNAL_FIRST[error.outcome])
    return lines


def run_guarded(action: Callable[[], int | None], debug: bool = False) -> int:
    """Run a command body: a fiscal error becomes its stderr lines and exit status; any other
    exception one line and exit 1 (its traceback only with ``debug``), never a traceback."""
    try:
        return action() or EXIT_OK
    except FiscalError as error:
        for line in error_lines(error):
            print(printable(line), file=sys.stderr)
        return exit_status(error)
    except BrokenPipeError:
        raise  # the reader went away (``| head``): the caller silences it
    except Exception as error:
        if debug:
            traceback.print_exc()
        text = printable(str(error)) or "(no message)"
        print(f"error: {type(error).__name__}: {text}", file=sys.stderr)
        return EXIT_ERROR
