"""``fiscal-device``: demo, emulators, raw calls and neutral receipts for every device family."""

# pylint: disable=print-used  # a command-line program: its output is for the terminal

from __future__ import annotations

import argparse
import os
import sys

from . import __version__
from .agent.cli import add_agent_parser
from .caspos import cli as caspos_cli
from .cli_support import (  # noqa: F401 - re-exported for the device command modules' callers
    EXIT_CODES_HELP,
    EXIT_ERROR,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_TRANSPORT,
    EXIT_UNKNOWN,
    EXIT_USAGE,
    load_json_argument,
    load_receipt,
    print_json,
    run_guarded,
    stop_on_signals,
    wait_for,
)
from .demo import add_demo_parser
from .mypos_n5 import cli as n5_cli

# each device's own emulate/call/receipt subcommands, in the order ``--help`` lists them
DEVICE_COMMANDS = (caspos_cli, n5_cli)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fiscal-device",
        description="Drive Caspos (AZ) and myPOS N5 (BG) fiscal devices or their emulators.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="print the traceback of an unexpected error"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_demo_parser(commands)
    add_agent_parser(commands)
    groups = {
        "emulate": "run a device emulator in the foreground",
        "call": "send one raw operation and print the device's JSON answer",
        "receipt": "fiscalize a neutral receipt (JSON file) and print the result",
    }
    group_parsers = {}
    for name, help_text in groups.items():
        group = commands.add_parser(name, help=help_text, description=help_text)
        group_parsers[name] = group.add_subparsers(dest="family", required=True, metavar="DEVICE")
    for device_commands in DEVICE_COMMANDS:
        device_commands.add_emulate_parser(group_parsers["emulate"])
        device_commands.add_call_parser(group_parsers["call"])
        device_commands.add_receipt_parser(group_parsers["receipt"])
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return run_guarded(lambda: args.func(args), debug=args.debug)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader (``| head``) stopped: not an error of ours; keep Python from reporting it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
