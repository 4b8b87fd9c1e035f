"""myPOS N5 Fiscal (Bulgaria, Naredba N-18): JSON-RPC 2.0 driver and stateful emulator.

``FAMILY`` registers it with the command line, the demo and the Odoo addon.
"""

from ..families import DemoProfile, DeviceFamily
from .cli import add_call_parser, add_emulate_parser, add_receipt_parser
from .driver import N5Driver, connect
from .emulator import N5Emulator, emulator
from .paper import last_z_report

FAMILY = DeviceFamily(
    name="n5",
    title="myPOS N5 Fiscal (Bulgaria)",
    connect=connect,
    emulator=emulator,
    # N-18's groups in the device's Latin letters: A 0 %, B 20 %, D (Cyrillic Г) 9 %
    demo=DemoProfile(
        vat_standard="B",
        vat_reduced="D",
        currency="",
        unit_piece=None,
        z_report_on_paper=last_z_report,
    ),
    add_emulate_parser=add_emulate_parser,
    add_call_parser=add_call_parser,
    add_receipt_parser=add_receipt_parser,
    notes=[
        "No idempotency key: a document whose answer is lost raises OutcomeUnknown; "
        "check the journal (PrintEJ) before issuing it again.",
        "PRINT_FAIL 15 / NO_PAPER 23: the document is registered; PrintAgain prints it.",
    ],
)

__all__ = ["FAMILY", "N5Driver", "N5Emulator", "connect", "emulator"]
