"""The registry of device families: each device package's ``FAMILY``, and nothing else.

A family's facts (connection, emulator, VAT classes, units, capabilities, demo values) live in
its package, built with ``core.family.DeviceFamily``; the command line, the demo and the Odoo
addon find them here by name. Nothing here knows one device, and no device package imports this
module (the registry points down at the packages, never the other way).
"""

from __future__ import annotations

from collections.abc import Iterator

from .caspos import FAMILY as CASPOS
from .core.family import DemoProfile, DeviceFamily
from .mypos_n5 import FAMILY as N5

__all__ = ["DemoProfile", "DeviceFamily", "UnknownFamily", "families", "family", "names"]

REGISTERED: tuple[DeviceFamily, ...] = (CASPOS, N5)


class UnknownFamily(KeyError, ValueError):
    """No family of that name; the message lists the known ones."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


def families() -> Iterator[DeviceFamily]:
    """Every registered family, in the order the command line and the demo show them."""
    return iter(REGISTERED)


def names() -> list[str]:
    return [registered.name for registered in REGISTERED]


def family(name: str) -> DeviceFamily:
    """The family called ``name``; ``UnknownFamily`` (a KeyError and a ValueError) lists the
    known names otherwise."""
    for candidate in REGISTERED:
        if candidate.name == name:
            return candidate
    raise UnknownFamily(f"no device family {name!r}; known devices: {', '.join(names())}")
