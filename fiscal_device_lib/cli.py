"""``fiscal-device``: demo, emulators, raw calls and neutral receipts for every device family."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from . import __version__
from .core.codec import receipt_from_dict, to_jsonable
from .core.documents import Receipt
from .core.errors import (
    DeviceRejected,
    FiscalError,
    OutcomeUnknown,
    ProtocolError,
    TransportError,
    ValidationError,
)
from .families import families

EXIT_OK = 0
EXIT_ERROR = 1  # any other fiscal error
EXIT_USAGE = 2  # argparse's own
EXIT_INVALID = 3  # the document or the arguments are wrong; nothing was sent
EXIT_REJECTED = 4  # the device refused; its code and text are on stderr
EXIT_TRANSPORT = 5  # unreachable, timeout, malformed answer
EXIT_UNKNOWN = 6  # sent, answer lost: check the device's journal before retrying

EXIT_CODES_HELP = """exit status:
  0 done   3 invalid input, nothing sent   4 device refused (code and text on stderr)
  5 device unreachable, timed out or answered garbage   6 outcome unknown: check the device
  before retrying   1 any other error"""


def print_json(value: object) -> None:
    json.dump(to_jsonable(value), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def load_json_argument(text: str, what: str) -> object:
    """A JSON argument given inline, as ``@FILE``, or ``-`` for standard input."""
    if text == "-":
        text = sys.stdin.read()
    elif text.startswith("@"):
        text = Path(text[1:]).read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationError(f"{what}: not valid JSON ({error})") from None


def load_receipt(path: str) -> Receipt:
    """Read a neutral receipt from a JSON file (format in README, "Neutral receipt")."""
    source = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(source)
    except json.JSONDecodeError as error:
        raise ValidationError(f"{path}: not valid JSON ({error})") from None
    return receipt_from_dict(data)


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


def run_guarded(action: Callable[[], int | None]) -> int:
    """Run a command body, turning fiscal errors into one stderr line and an exit status."""
    try:
        return action() or EXIT_OK
    except ValidationError as error:
        for problem in error.problems:
            print(f"invalid: {problem}", file=sys.stderr)
        return EXIT_INVALID
    except DeviceRejected as error:
        print(f"device error {error}", file=sys.stderr)
        return EXIT_REJECTED
    except OutcomeUnknown as error:
        print(f"outcome unknown: {error}", file=sys.stderr)
        return EXIT_UNKNOWN
    except TransportError as error:
        print(f"connection error: {error}", file=sys.stderr)
        return EXIT_TRANSPORT
    except ProtocolError as error:
        print(f"protocol error: {error}", file=sys.stderr)
        return EXIT_TRANSPORT
    except FiscalError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fiscal-device",
        description="Drive Caspos (AZ) and myPOS N5 (BG) fiscal devices or their emulators.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    from .demo import add_demo_parser  # demo imports cli helpers

    add_demo_parser(commands)
    groups = {
        "emulate": "run a device emulator in the foreground",
        "call": "send one raw operation and print the device's JSON answer",
        "receipt": "fiscalize a neutral receipt (JSON file) and print the result",
    }
    group_parsers = {}
    for name, help_text in groups.items():
        group = commands.add_parser(name, help=help_text, description=help_text)
        group_parsers[name] = group.add_subparsers(dest="family", required=True, metavar="DEVICE")
    for device_family in families():
        device_family.add_emulate_parser(group_parsers["emulate"])
        device_family.add_call_parser(group_parsers["call"])
        device_family.add_receipt_parser(group_parsers["receipt"])
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return run_guarded(lambda: args.func(args))
    except BrokenPipeError:
        # the reader (``| head``) stopped: not an error of ours; keep Python from reporting it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
