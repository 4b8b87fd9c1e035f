"""``fiscal-device emulate|call|receipt caspos``: the emulator in the foreground, raw operations,
neutral receipts."""

# pylint: disable=print-used  # a command-line program: its output is for the terminal

from __future__ import annotations

import argparse
import sys

from ..cli_support import (
    ValidationError,
    load_json_argument,
    load_receipt,
    print_json,
    stop_on_signals,
    wait_for,
)
from ..core.i18n import Message, _lt
from .driver import CasposDriver
from .emulator import CasposEmulator, Faults
from .emulator.server import MANGLINGS
from .wire import DEFAULT_PASSWORD, DEFAULT_PORT, DEFAULT_USERNAME, Operation

TITLE = "Caspos (Azerbaijan e-kassa)"


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--url", required=True, help="device address, e.g. http://192.168.1.20:5544"
    )
    parser.add_argument("--path", default="/", help="HTTP path of the service (default /)")
    parser.add_argument("--username", default=DEFAULT_USERNAME)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--retries", type=int, default=2, help="resends of a lost document")


def driver_from(args: argparse.Namespace) -> CasposDriver:
    return CasposDriver(
        url=args.url,
        path=args.path,
        username=args.username,
        password=args.password,
        timeout=args.timeout,
        retries=args.retries,
    )


def add_emulate_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "caspos", help=f"{TITLE} emulator", description=emulate_command.__doc__
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--username", default=DEFAULT_USERNAME)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--path", default="/", help="HTTP path of the service (default /)")
    parser.add_argument("--state", metavar="FILE", help="keep the device memory in FILE")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--fail-next", type=int, default=0, help="answer HTTP 503 to N requests")
    parser.add_argument(
        "--drop-after-commit", type=int, default=0, help="lose the answer of N documents"
    )
    parser.add_argument(
        "--after-commit",
        action="append",
        choices=MANGLINGS,
        default=[],
        metavar="HOW",
        help="spoil the answer of the next committed document: "
        + ", ".join(MANGLINGS)
        + " (repeatable, one per document)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.set_defaults(func=emulate_command)


def emulate_command(args: argparse.Namespace) -> int:
    """Run a stateful Caspos Integration Service until Ctrl-C."""
    stop = stop_on_signals()
    faults = Faults(
        latency=args.latency,
        fail_next=args.fail_next,
        drop_after_commit=args.drop_after_commit,
        after_commit=list(args.after_commit),
    )
    server = CasposEmulator(
        host=args.host,
        port=args.port,
        username=args.username,
        password=args.password,
        state_file=args.state,
        path=args.path,
        faults=faults,
        verbose=args.verbose,
    ).start()
    print(f"Caspos emulator at {server.url}{server.path} (Ctrl-C stops it)", flush=True)
    try:
        wait_for(stop)
    finally:
        server.stop()
    print("stopped", file=sys.stderr)
    return 0


def add_call_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "caspos", help=f"one {TITLE} operation", description=call_command.__doc__
    )
    add_connection_arguments(parser)
    parser.add_argument("operation", choices=[op.value for op in Operation], metavar="OPERATION")
    parser.add_argument(
        "data",
        nargs="?",
        help='the request\'s data as JSON (inline, @FILE or -); an object with a "data" key '
        'is a whole request whose other keys go beside "operation"',
    )
    parser.set_defaults(func=call_command)


def call_command(args: argparse.Namespace) -> int:
    """Send one operation and print the device's JSON answer."""
    data, top = None, None
    if args.data is not None:
        given = load_json_argument(args.data, "data")
        if not isinstance(given, dict):
            raise ValidationError(Message(_lt("data: must be a JSON object")))
        if "data" in given:
            top = {k: v for k, v in given.items() if k not in ("data", "operation")}
            data = given["data"]
        else:
            data = given
    with driver_from(args) as driver:
        answer = driver.call(args.operation, data, top)  # type: ignore[attr-defined]
    print_json(answer.raw)
    return 0


def add_receipt_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "caspos", help=f"fiscalize a receipt on {TITLE}", description=receipt_command.__doc__
    )
    add_connection_arguments(parser)
    parser.add_argument("file", metavar="FILE", help="neutral receipt JSON (- for stdin)")
    parser.add_argument(
        "--open-shift",
        action="store_true",
        help="open the shift first when it is closed (as the receipt's operator)",
    )
    parser.set_defaults(func=receipt_command)


def receipt_command(args: argparse.Namespace) -> int:
    """Fiscalize a neutral receipt (a sale, or a storno of a Caspos document) and print the
    result."""
    receipt = load_receipt(args.file)
    with driver_from(args) as driver:
        problems = driver.problems(receipt)
        if problems:  # before the device is touched: an invalid receipt opens no shift
            raise ValidationError(problems)
        if args.open_shift and not driver.shift_state().is_open:
            driver.open_shift(receipt.operator)
        print_json(driver.fiscalize(receipt))
    return 0
