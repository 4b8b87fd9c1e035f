"""The device families known to the command line, the demo and the addon.

Each driver package exposes ``FAMILY``: how to connect, how to start its built-in emulator, its
command-line parsers and the VAT classes its demo day uses. Nothing here knows one device.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from .core.interface import FiscalDevice

# Subparsers registration: receives the ``emulate``/``call``/``receipt`` sub-parser collections.
AddParser = Callable[[argparse._SubParsersAction], None]


@dataclass(frozen=True)
class DemoProfile:
    """Device values a demo day needs: the standard and a second VAT class, the currency."""

    vat_standard: str
    vat_reduced: str
    currency: str = ""
    unit_piece: str | None = None
    unit_weight: str | None = None
    # the device prints its reports' figures and answers only "OK": this finds the last Z
    # report on the emulator's paper, for the demo to show
    z_report_on_paper: Callable[[str], str] | None = None


@dataclass(frozen=True)
class DeviceFamily:
    name: str  # command-line name: "caspos", "n5"
    title: str
    connect: Callable[..., FiscalDevice]  # keyword settings -> connected driver
    # Starts the built-in emulator and yields the keyword settings that ``connect`` takes.
    emulator: Callable[..., AbstractContextManager[dict]]
    demo: DemoProfile
    add_emulate_parser: AddParser
    add_call_parser: AddParser
    add_receipt_parser: AddParser
    notes: list[str] = field(default_factory=list)


FAMILY_MODULES = ("fiscal_device_lib.caspos", "fiscal_device_lib.mypos_n5")


def _family_modules() -> Iterator:
    for module_name in FAMILY_MODULES:
        package = __name__.rsplit(".", 1)[0]
        # relative so that the copy inside odoo.addons.fiscal_device resolves to itself
        yield importlib.import_module("." + module_name.rsplit(".", 1)[1], package)


def families() -> Iterator[DeviceFamily]:
    for module in _family_modules():
        yield module.FAMILY


def command_module(device_family: object):
    """The family package's ``cli`` module (its emulate/call/receipt parsers), imported now:
    the device packages themselves never import their command line."""
    for module in _family_modules():
        if module.FAMILY is device_family:
            return importlib.import_module(module.__name__ + ".cli")
    raise KeyError(getattr(device_family, "name", device_family))


def family(name: str) -> DeviceFamily:
    for candidate in families():
        if candidate.name == name:
            return candidate
    raise KeyError(name)
