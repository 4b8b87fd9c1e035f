"""The Caspos family's facts (``FAMILY``): the one place the CLI, the demo and Odoo read them.

Every fact is taken from the module that uses it on the wire (``wire.py`` for VAT types and
units, ``serialize.py`` for payments, the driver for capabilities), never restated here. The
emulator is imported only when ``emulator()`` is called, so that a shop's Odoo worker never
loads it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from ..core.family import Choice, DemoProfile, DeviceFamily, VatClass
from .driver import CasposDriver, connect
from .serialize import PAYMENT_FIELDS
from .wire import (
    CURRENCY,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    QUANTITY_LABELS,
    SHIFT_HOURS,
    VAT_LABELS,
    VAT_PERCENT,
    QuantityType,
    VatType,
)

# Plain connection values this family takes; any other family's values are ignored.
SETTING_NAMES = ("url", "path", "username", "password", "timeout", "retries", "currency")


def settings(**plain: object) -> dict:
    """Plain connection values (as an ERP stores them) -> the keyword settings of ``connect``.

    Empty values take the driver's defaults; a missing ``url`` raises ``ValueError``."""
    given = {name: plain.get(name) for name in SETTING_NAMES}
    url = str(given["url"] or "").strip()
    if not url:
        raise ValueError(
            "url: the Caspos device address is required, e.g. http://192.168.1.20:5544"
        )
    if "://" not in url:
        raise ValueError(f"url: {url!r} must start with http:// or https://")
    result: dict = {
        "url": url,
        "username": str(given["username"] or DEFAULT_USERNAME),
        "password": str(given["password"] or DEFAULT_PASSWORD),
        "path": str(given["path"] or "/"),
        "currency": str(given["currency"] or CURRENCY),
    }
    for name, kind in (("timeout", float), ("retries", int)):
        value = given[name]
        if value not in (None, ""):
            try:
                result[name] = kind(value)  # type: ignore[operator]
            except (TypeError, ValueError):
                raise ValueError(f"{name}: {value!r} is not a number") from None
            if result[name] < 0:
                raise ValueError(f"{name}: must not be negative")
    return result


def law_rate(vat_type: VatType) -> Decimal:
    """The rate a tax mapped to ``vat_type`` must have: exempt goods carry no VAT, so 0 %."""
    return VAT_PERCENT[vat_type] or Decimal(0)


@contextlib.contextmanager
def emulator(state_dir: str | Path | None = None, **options: object) -> Iterator[dict]:
    """Run the Caspos emulator on loopback for the block (its memory kept in
    ``state_dir/caspos.json`` when given); yields the keyword settings of ``connect``."""
    from .emulator import emulator as run_emulator  # only demos, tests and the CLI need it

    if state_dir is not None:
        options.setdefault("state_file", Path(state_dir) / "caspos.json")
    with run_emulator(**options) as emulated:
        yield emulated


FAMILY = DeviceFamily(
    name="caspos",
    title="Caspos (Azerbaijan e-kassa)",
    capabilities=CasposDriver.capabilities,
    connect=connect,
    settings=settings,
    emulator=emulator,
    vat_classes=tuple(
        VatClass(code=str(int(vat)), label=VAT_LABELS[vat], rate=law_rate(vat)) for vat in VatType
    ),
    payment_kinds=tuple(PAYMENT_FIELDS),
    demo=DemoProfile(vat_standard="1", vat_reduced="3", currency=CURRENCY, unit_piece="0"),
    units=tuple(Choice(code=str(int(unit)), label=QUANTITY_LABELS[unit]) for unit in QuantityType),
    currency=CURRENCY,
    shift_hours=SHIFT_HOURS,
    setting_names=frozenset(SETTING_NAMES),
    keeps_connection=True,
    z_sales_totals=("sale sum", "money back sum"),
    notes=[
        "requests go to the device root (http://IP:5544/); the path is configurable",
        "the QR link is getInfo's qr_code_url followed by the document_id; "
        "CasposDriver.qr_link(document_id) fills it in when getInfo failed after a sale",
        "a document whose answer was lost is resent with the same documentUUID: "
        "the device answers the earlier document (code 1)",
    ],
)
