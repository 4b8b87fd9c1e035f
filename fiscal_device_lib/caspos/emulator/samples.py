"""Samples for tests, benchmarks and demos: a running emulator with a driver on it, a sale."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from decimal import Decimal

from ..driver import CasposDriver
from ..messages import Item, Payments, SaleRequest
from .server import CasposEmulator


@contextlib.contextmanager
def emulated_device(
    timeout: float = 5.0, retries: int = 2, **options: object
) -> Iterator[tuple[CasposEmulator, CasposDriver]]:
    """An emulator on an ephemeral loopback port and a driver connected to it."""
    server = CasposEmulator(port=0, **options).start()  # type: ignore[arg-type]
    driver = CasposDriver(**server.settings(), timeout=timeout, retries=retries)
    try:
        yield server, driver
    finally:
        driver.close()
        server.stop()


def simple_sale(uuid: str, cashier: str = "Kassir Əliyev", lines: int = 1) -> SaleRequest:
    """A cash sale of ``lines`` lines of 1.500 × 2.00 AZN (3.00 each), VAT 18 %."""
    items = [
        Item(name=f"Çay {n}", quantity=Decimal("1.5"), sale_price=Decimal("2.00"))
        for n in range(1, lines + 1)
    ]
    return SaleRequest(
        document_uuid=uuid,
        cashier=cashier,
        items=items,
        payments=Payments(cash=Decimal(3 * lines)),
    )
