"""The Caspos emulator, apart from what ships to a shop: ``device.py`` is the emulated device's
memory and rules, ``server.py`` its HTTP host with the fault knobs, ``samples.py`` the documents
and helpers tests and demos use.

``CasposEmulator(port=0).start()`` serves on loopback; ``with emulator() as settings:`` yields the
keyword settings of ``caspos.connect``.
"""

from .server import CasposEmulator, Faults, emulator

__all__ = ["CasposEmulator", "Faults", "emulator"]
