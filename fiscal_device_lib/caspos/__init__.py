"""Caspos Mobile "Integration Service" (Azerbaijan e-kassa): ``FAMILY``, the driver, ``connect``.

``connect(url=..., path="/", username=..., password=..., timeout=30.0, retries=2, currency="AZN")``
gives a ``CasposDriver``; ``FAMILY.emulator()`` runs the emulator on loopback and yields those
settings. Importing this package loads neither the command line (``caspos.cli``) nor the
emulator (``caspos.emulator``); ``CasposEmulator`` and ``Faults`` are still importable from
here and load the emulator on first use.
"""

from __future__ import annotations

from .driver import CAPABILITIES, CasposDriver, connect
from .family import FAMILY, settings

_EMULATOR_NAMES = ("CasposEmulator", "Faults")


def __getattr__(name: str) -> object:
    # lazy: a shop's process imports the driver only; tests and the demo reach the emulator
    if name in _EMULATOR_NAMES:
        from .emulator import CasposEmulator, Faults

        return {"CasposEmulator": CasposEmulator, "Faults": Faults}[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CAPABILITIES",
    "FAMILY",
    "CasposDriver",
    "CasposEmulator",
    "Faults",
    "connect",
    "settings",
]
