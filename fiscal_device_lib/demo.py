"""``fiscal-device demo``: one trading day per device family on its built-in emulator.

Runs through the same driver interface the Odoo addon uses: open shift, sales with mixed payments,
a storno of an earlier sale, cash in and out, X report, Z report; prints each document.
"""

# pylint: disable=print-used  # a command-line program: its output is for the terminal

from __future__ import annotations

import argparse
import io
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TextIO

from .core.documents import (
    CashOperation,
    FiscalResult,
    Line,
    Operator,
    Payment,
    PaymentKind,
    Receipt,
    ReportResult,
    StornoReason,
    StornoReference,
)
from .core.family import DemoProfile, DeviceFamily
from .core.interface import Capability, FiscalDevice
from .core.money import money_text
from .core.validation import validate_cash_operation, validate_receipt
from .families import family, names

# Report totals whose key is a program name (the N5 driver's), as the demo prints them.
TOTAL_NAMES = {"cash_in_drawer": "cash in the drawer"}


@dataclass
class DayLog:
    family: str
    documents: list[tuple[str, FiscalResult]] = field(default_factory=list)
    reports: list[tuple[str, ReportResult]] = field(default_factory=list)


def new_uuid() -> str:
    return str(uuid.uuid4())


def storno_reference(result: FiscalResult, reason: StornoReason) -> StornoReference:
    """Everything either device needs to storno ``result`` later (what Odoo stores too)."""
    return StornoReference(
        reason=reason,
        parent_document_id=result.document_id,
        fiscal_memory_number=result.fiscal_memory_number,
        receipt_number=result.document_number,
        receipt_datetime=result.issued_at,
    )


def day_receipts(profile: DemoProfile, operator: Operator) -> Iterator[tuple[str, Receipt]]:
    def line(name: str, quantity: str, price: str, vat: str, **extra) -> Line:
        return Line(
            name=name,
            quantity=Decimal(quantity),
            unit_price=Decimal(price),
            vat_class=vat,
            unit=profile.unit_piece,
            **extra,
        )

    yield (
        "sale, cash + card",
        Receipt(
            uuid=new_uuid(),
            operator=operator,
            currency=profile.currency,
            lines=[
                line("Çay Azərçay 100 g", "2", "3.40", profile.vat_standard),
                line("Хляб ръжен", "1", "2.15", profile.vat_reduced),
            ],
            payments=[
                Payment(PaymentKind.CASH, Decimal("5.00")),
                Payment(PaymentKind.CARD, Decimal("3.95")),
            ],
        ),
    )
    yield (
        "sale, cash with change",
        Receipt(
            uuid=new_uuid(),
            operator=operator,
            currency=profile.currency,
            lines=[
                line("Coffee beans 1 kg", "1", "24.90", profile.vat_standard),
                line(
                    "Mug",
                    "3",
                    "4.50",
                    profile.vat_standard,
                    discount_amount=Decimal("1.50"),
                ),
            ],
            payments=[Payment(PaymentKind.CASH, Decimal("50.00"))],
        ),
    )


def run_day(device: FiscalDevice, device_family: DeviceFamily, out: TextIO) -> DayLog:
    """One trading day on ``device``; raises the first ``FiscalError`` a step meets."""
    log = DayLog(device_family.name)
    operator = Operator(name="Demo Cashier", number=1)
    info = device.info()
    print(f"\n== {device_family.title}: {info.model} serial {info.serial_number}", file=out)
    print(f"   VAT classes used: {vat_classes_used(device_family)}", file=out)
    if device.supports(Capability.OPEN_SHIFT) and not device.shift_state().is_open:
        device.open_shift(operator)
        print("   shift opened", file=out)
    sales = []
    for label, receipt in day_receipts(device_family.demo, operator):
        result = device.fiscalize(validate_receipt(receipt))
        log.documents.append((label, result))
        sales.append((receipt, result))
    first_receipt, first_result = sales[0]
    storno = Receipt(
        uuid=new_uuid(),
        operator=operator,
        currency=device_family.demo.currency,
        lines=first_receipt.lines[:1],
        payments=[Payment(PaymentKind.CASH, first_receipt.lines[0].total)],
        storno=storno_reference(first_result, StornoReason.GOODS_RETURN),
    )
    log.documents.append(("storno of the first sale", device.fiscalize(validate_receipt(storno))))
    for label, amount in (("cash in", "100.00"), ("cash out", "-30.00")):
        operation = CashOperation(uuid=new_uuid(), amount=Decimal(amount), operator=operator)
        log.documents.append((label, device.cash_in_out(validate_cash_operation(operation))))
    log.reports.append(("X report", device.x_report(operator)))
    log.reports.append(("Z report", device.z_report(operator, uuid=new_uuid())))
    print_day(log, out)
    return log


def vat_classes_used(device_family: DeviceFamily) -> str:
    """The demo's two VAT classes with the rates and labels the family gives them."""
    shown = []
    for role, code in (
        ("standard", device_family.demo.vat_standard),
        ("reduced", device_family.demo.vat_reduced),
    ):
        # TRANSITION: a family in the old shape has no vat_classes; it shows the code alone
        vat = device_family.vat_class(code)
        if vat is None:
            shown.append(f"{code} ({role})")
        elif vat.rate is None:
            shown.append(f"{code} {vat.label} ({role})")
        else:
            shown.append(f"{code} {vat.rate.normalize():f} % ({role})")
    return ", ".join(shown)


def total_label(name: str) -> str:
    """A report total's readable name: "cash in the drawer" for the N5's ``cash_in_drawer``."""
    return TOTAL_NAMES.get(name, name.replace("_", " "))


def vat_label(device_family: DeviceFamily, key: str) -> str:
    """A report's VAT amount named by its class and rate: "VAT 1 (18 %), sale" for Caspos'
    ``sale type 1``, "VAT B (20 %)" for an N5 group ``B``."""
    what, _, code = key.rpartition(" ")
    vat = device_family.vat_class(code)
    if vat is None:
        return f"VAT {key}"
    rate = vat.label if vat.rate is None else f"{vat.rate.normalize():f} %"
    what = what.removesuffix(" type").strip()
    return f"VAT {code} ({rate})" + (f", {what}" if what else "")


def print_day(log: DayLog, out: TextIO) -> None:
    device_family = family(log.family)
    header = f"   {'document':<26} {'fiscal id':<14} {'number':>7} {'total':>9}  QR"
    print(header, file=out)
    print("   " + "-" * (len(header) + 20), file=out)
    for label, result in log.documents:
        total = money_text(result.total) if result.total is not None else ""
        number = "" if result.document_number is None else str(result.document_number)
        qr = result.qr_link or result.qr_payload
        print(
            f"   {label:<26} {result.short_document_id:<14} {number:>7} {total:>9}  {qr}",
            file=out,
        )
    for label, report in log.reports:
        number = f" no. {report.number}" if report.number is not None else ""
        print(f"\n   {label}{number} (totals that are zero not shown)", file=out)
        for name, value in report.totals.items():
            if not value:
                continue
            shown = money_text(value) if isinstance(value, Decimal) else str(value)
            print(f"     {total_label(name):<34} {shown:>12}", file=out)
        for key, amount in report.vat.items():
            print(f"     {vat_label(device_family, key):<34} {money_text(amount):>12}", file=out)


def run_demo(devices: list[str] | None, out: TextIO = sys.stdout) -> list[DayLog]:
    """One trading day on each named family's emulator (all when ``devices`` is empty); an
    unknown name raises ``families.UnknownFamily`` listing the known ones, before any day."""
    chosen = [family(name) for name in dict.fromkeys(devices or names())]
    chosen.sort(key=lambda device_family: names().index(device_family.name))
    logs = []
    for device_family in chosen:
        paper = io.StringIO()
        read_z_report = device_family.demo.z_report_on_paper
        options = {"paper": paper} if read_z_report else {}
        with (
            device_family.emulator(**options) as settings,
            device_family.connect(**settings) as device,
        ):
            logs.append(run_day(device, device_family, out))
        if read_z_report:
            print("\n   Z report as printed by the device:", file=out)
            for line in read_z_report(paper.getvalue()).splitlines():
                print(f"     {line}", file=out)
    print(f"\ndemo finished: {len(logs)} trading day(s), all documents fiscalized", file=out)
    return logs


def add_demo_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "demo",
        help="run one trading day on each built-in emulator and print the documents",
        description=__doc__,
    )
    parser.add_argument(
        "--device",
        action="append",
        dest="devices",
        metavar="NAME",
        choices=names(),
        help=f"only this device family ({', '.join(names())}); repeatable",
    )
    parser.set_defaults(func=demo_command)


def demo_command(args: argparse.Namespace) -> int:
    run_demo(args.devices)
    return 0
