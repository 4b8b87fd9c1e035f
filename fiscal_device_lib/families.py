"""The registry of device families: each device package's ``FAMILY``, and nothing else.

A family's facts (connection, emulator, VAT classes, units, capabilities, demo values) live in
its package, built with ``core.family.DeviceFamily``; the command line, the demo and the Odoo
addon find them here by name. Nothing here knows one device, and no device package imports this
module (the registry points down at the packages, never the other way).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from .core import family as core_family
from .core.family import DemoProfile  # alias kept until both device packages import core's
from .core.interface import FiscalDevice

__all__ = ["DemoProfile", "DeviceFamily", "UnknownFamily", "families", "family", "names"]


class UnknownFamily(KeyError, ValueError):
    """No family of that name; the message lists the known ones."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


def _registered() -> tuple[core_family.DeviceFamily, ...]:
    # TRANSITION: imported on first use while a device package still imports this module for
    # the old ``DeviceFamily`` below; once both build FAMILY from ``core.family``, these become
    # top-level imports (no cycle is left to break).
    from .caspos import FAMILY as caspos
    from .mypos_n5 import FAMILY as n5

    return (caspos, n5)


def families() -> Iterator[core_family.DeviceFamily]:
    """Every registered family, in the order the command line and the demo show them."""
    return iter(_registered())


def names() -> list[str]:
    return [registered.name for registered in _registered()]


def family(name: str) -> core_family.DeviceFamily:
    """The family called ``name``; ``UnknownFamily`` (a KeyError and a ValueError) lists the
    known names otherwise."""
    for candidate in _registered():
        if candidate.name == name:
            return candidate
    raise UnknownFamily(f"no device family {name!r}; known devices: {', '.join(names())}")


# -- TRANSITION ADAPTER -------------------------------------------------------------------------
# The device packages on this branch still build FAMILY in the old shape below (command-line
# parsers as fields), imported from here. The device helpers rebuild FAMILY with
# ``core.family.DeviceFamily`` and import nothing from this module; when both have landed, delete
# this class and the lazy import in ``_registered`` becomes two top-level imports.


@dataclass(frozen=True)
class DeviceFamily:
    name: str
    title: str
    connect: Callable[..., FiscalDevice]
    emulator: Callable[..., AbstractContextManager[dict]]
    demo: DemoProfile
    add_emulate_parser: Callable[..., None]
    add_call_parser: Callable[..., None]
    add_receipt_parser: Callable[..., None]
    notes: list[str] = field(default_factory=list)
