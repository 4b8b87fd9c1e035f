"""The emulated myPOS N5: ``device`` (its memory and fiscal logic), ``server`` (the pty, TCP
and HTTP host with the fault knobs tests use), ``paper`` (what it prints), ``samples``.

Only the emulator and its tests import this; the driver package never does.
"""

from .device import N5Device, N5Error
from .server import N5Emulator, emulator

__all__ = ["N5Device", "N5Emulator", "N5Error", "emulator"]
