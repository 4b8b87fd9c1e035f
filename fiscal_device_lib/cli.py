"""``fiscal-device``: demo, emulators, raw calls and neutral receipts for every device family."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from . import __version__
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
from .families import families


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
        # a family built on core.family.DeviceFamily keeps its parsers in its own ``cli`` module
        commands_of = getattr(device_family, "add_emulate_parser", None) and device_family
        if commands_of is None:
            package = device_family.connect.__module__.rsplit(".", 1)[0]
            commands_of = importlib.import_module(package + ".cli")
        commands_of.add_emulate_parser(group_parsers["emulate"])
        commands_of.add_call_parser(group_parsers["call"])
        commands_of.add_receipt_parser(group_parsers["receipt"])
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
