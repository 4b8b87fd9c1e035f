"""Caspos Mobile "Integration Service" (Azerbaijan e-kassa): driver, emulator, command line.

``connect(url=..., path="/", username=..., password=..., timeout=30.0, retries=2, currency="AZN")``
gives a ``CasposDriver``; ``emulator()`` runs a ``CasposEmulator`` on loopback and yields those
settings (``CasposEmulator.for_url(settings["url"])`` reaches its fault knobs).
"""

from ..families import DemoProfile, DeviceFamily
from .cli import add_call_parser, add_emulate_parser, add_receipt_parser
from .driver import CasposDriver, connect
from .emulator import CasposEmulator, Faults, emulator

FAMILY = DeviceFamily(
    name="caspos",
    title="Caspos (Azerbaijan e-kassa)",
    connect=connect,
    emulator=emulator,
    demo=DemoProfile(vat_standard="1", vat_reduced="3", currency="AZN", unit_piece="0"),
    add_emulate_parser=add_emulate_parser,
    add_call_parser=add_call_parser,
    add_receipt_parser=add_receipt_parser,
    notes=[
        "requests go to the device root (http://IP:5544/); the path is configurable",
        "the QR link is getInfo's qr_code_url followed by the document_id",
    ],
)

__all__ = ["FAMILY", "CasposDriver", "CasposEmulator", "Faults", "connect", "emulator"]
