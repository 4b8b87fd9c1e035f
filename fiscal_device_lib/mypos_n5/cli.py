"""``fiscal-device emulate|call|receipt n5``: the N5's command-line parsers.

Imports only ``cli_support``, this package and its emulator, never the top-level command line.
"""

# pylint: disable=print-used  # a command-line program: its output is for the terminal

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ..cli_support import (
    EXIT_CODES_HELP,
    load_json_argument,
    load_receipt,
    print_json,
    run_guarded,
    stop_on_signals,
    wait_for,
)
from ..core.errors import ValidationError
from .driver import METHODS, N5Driver, connect

if TYPE_CHECKING:
    from .emulator.server import N5Emulator


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not port.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT")
    return host or "127.0.0.1", int(port)


def add_emulate_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "n5",
        help="myPOS N5 emulator on a pseudo-terminal, TCP or HTTP",
        description="Serve the N5 JSON-RPC protocol with a stateful device. Without --tcp or "
        "--http it serves a pseudo-terminal and prints its path.",
    )
    parser.add_argument("--link", metavar="PATH", help="symlink the pseudo-terminal to PATH")
    parser.add_argument("--tcp", type=_address, metavar="HOST:PORT", help="serve raw TCP")
    parser.add_argument("--http", type=_address, metavar="HOST:PORT", help="serve POST /jsonrpc")
    parser.add_argument("--state", metavar="FILE", help="keep the device's state in FILE")
    parser.add_argument("--paper", metavar="FILE", help="print documents to FILE (default stdout)")
    faults = parser.add_argument_group("fault knobs (each wears off after N)")
    faults.add_argument("--paper-out", type=int, default=0, metavar="N", help="NO_PAPER N prints")
    faults.add_argument("--busy", type=int, default=0, metavar="N", help="BUSY to N requests")
    faults.add_argument("--drop", type=int, default=0, metavar="N", help="do, then lose N answers")
    faults.add_argument(
        "--garbage", type=int, default=0, metavar="N", help="do, then answer garbage N times"
    )
    faults.add_argument(
        "--slow-line", type=float, default=0.0, metavar="SECONDS", help="pause per 8 answer bytes"
    )
    parser.set_defaults(func=emulate_command)


def apply_fault_knobs(emulator: N5Emulator, args: argparse.Namespace) -> None:
    """The command line's fault flags, through the same knobs the tests use."""
    for count, knob in (
        (args.paper_out, emulator.paper_out),
        (args.busy, emulator.busy),
        (args.drop, emulator.drop_answers),
        (args.garbage, emulator.garbage_answers),
    ):
        if count:
            knob(count)
    if args.slow_line:
        emulator.slow_line(args.slow_line)


def emulate_command(args: argparse.Namespace) -> int:
    stop = stop_on_signals()
    paper = open(args.paper, "a", encoding="utf-8") if args.paper else sys.stdout  # noqa: SIM115
    # the emulator (and its POSIX-only pty host) loads only for the emulate command
    from .emulator.server import N5Emulator

    emulator = N5Emulator(state_path=args.state, paper=paper, link=args.link)
    apply_fault_knobs(emulator, args)
    try:
        if args.tcp:
            host, port = emulator.start_tcp(*args.tcp)
            print(f"N5 emulator on socket://{host}:{port}", file=sys.stderr, flush=True)
        if args.http:
            print(f"N5 emulator on {emulator.start_http(*args.http)}/jsonrpc", file=sys.stderr)
        if not (args.tcp or args.http):
            emulator.start()
            shown = f" (linked as {args.link})" if args.link else ""
            print(f"N5 emulator on {emulator.port}{shown}", file=sys.stderr, flush=True)
        wait_for(stop)
    finally:
        emulator.stop()
        if paper is not sys.stdout:
            paper.close()
    return 0


def _add_connection(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--port", help="serial device or pyserial URL (socket://HOST:PORT, ...)")
    where.add_argument("--url", help="HTTP JSON-RPC module, http://HOST:PORT")
    parser.add_argument("--baudrate", type=int, default=115200)
    parser.add_argument("--timeout", type=float, default=15.0, help="answer deadline, seconds")


def _connect(args: argparse.Namespace) -> N5Driver:
    return connect(
        port=args.port or "", url=args.url or "", baudrate=args.baudrate, timeout=args.timeout
    )


def add_call_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "n5",
        help="one N5 JSON-RPC method",
        description=f"Send one method and print its result. Methods: {', '.join(METHODS)}.",
    )
    _add_connection(parser)
    parser.add_argument("method", metavar="METHOD")
    parser.add_argument("params", nargs="?", metavar="PARAMS_JSON", help="inline, @FILE or -")
    parser.set_defaults(func=call_command)


def call_command(args: argparse.Namespace) -> int:
    if args.method not in METHODS:
        raise ValidationError(f"method {args.method!r} is not one of {', '.join(METHODS)}")
    params = load_json_argument(args.params, "params") if args.params else None
    with _connect(args) as device:
        print_json(device.call(args.method, params))
    return 0


def add_receipt_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "n5",
        help="fiscalize a neutral receipt on an N5",
        description="Sale, storno, invoice or credit note, from the receipt's storno and buyer.",
    )
    _add_connection(parser)
    parser.add_argument("file", metavar="FILE", help="neutral receipt JSON, or - for stdin")
    parser.set_defaults(func=receipt_command)


def receipt_command(args: argparse.Namespace) -> int:
    receipt = load_receipt(args.file)
    with _connect(args) as device:
        print_json(device.fiscalize(receipt))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """``emulate|call|receipt n5`` on their own, as the ``fiscal-device`` command shows them."""
    parser = argparse.ArgumentParser(
        prog="fiscal-device",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, add_parser in (
        ("emulate", add_emulate_parser),
        ("call", add_call_parser),
        ("receipt", add_receipt_parser),
    ):
        group = commands.add_parser(name)
        add_parser(group.add_subparsers(dest="family", required=True, metavar="DEVICE"))
    return parser


def run(argv: list[str]) -> int:
    """Entry for tests: the N5's commands (``call n5 ...``), guarded as the command line is."""
    args = build_parser().parse_args(argv)
    return run_guarded(lambda: args.func(args))


__all__ = ["add_call_parser", "add_emulate_parser", "add_receipt_parser"]
