"""Connected drivers kept between the operations of one process.

Contract: ``DRIVERS.lend(family, settings)`` yields a connected driver of ``family`` for
``settings`` (the keyword settings ``family.connect`` takes). Where the family keeps its
connection (``DeviceFamily.keeps_connection``: an HTTP session), the driver is taken back after
an operation that ended without an error and lent again to the next operation with the same
settings: the next sale skips the login, the device's QR base and the TCP handshake. One driver
is lent to one caller at a time; a driver that saw an error, or stayed idle longer than
``max_idle_seconds``, is closed instead of lent again. Other families (a serial port, which
another process may need) are connected and closed around each operation, as before.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .family import DeviceFamily
from .interface import FiscalDevice


class DriverPool:
    """Idle drivers by family and settings (see the module docstring)."""

    def __init__(self, max_idle_seconds: float = 30.0, max_idle_per_key: int = 2):
        self.max_idle_seconds = max_idle_seconds
        self.max_idle_per_key = max_idle_per_key
        self._idle: dict[tuple, list[tuple[float, FiscalDevice]]] = {}
        self._lock = threading.Lock()

    @contextmanager
    def lend(self, family: DeviceFamily, settings: dict) -> Iterator[FiscalDevice]:
        if not family.keeps_connection:
            with family.connect(**settings) as driver:
                yield driver
            return
        key = (family.name, tuple(sorted((name, repr(value)) for name, value in settings.items())))
        driver = self._take(key) or family.connect(**settings)
        try:
            yield driver
        except BaseException:
            # whatever went wrong may have left the connection or the session in doubt
            driver.close()
            raise
        self._give_back(key, driver)

    def _take(self, key: tuple) -> FiscalDevice | None:
        """The most recently returned idle driver of ``key``; idle drivers past their time
        (of any key: a device whose settings changed is never asked for again) are closed."""
        oldest = time.monotonic() - self.max_idle_seconds
        stale = []
        with self._lock:
            for other in list(self._idle):
                fresh = [(since, driver) for since, driver in self._idle[other] if since >= oldest]
                stale.extend(driver for since, driver in self._idle[other] if since < oldest)
                if fresh:
                    self._idle[other] = fresh
                else:
                    del self._idle[other]
            idle = self._idle.get(key)
            found = idle.pop()[1] if idle else None
        for driver in stale:
            driver.close()
        return found

    def _give_back(self, key: tuple, driver: FiscalDevice) -> None:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < self.max_idle_per_key:
                idle.append((time.monotonic(), driver))
                return
        driver.close()

    def clear(self) -> None:
        """Close every idle driver (a device's settings changed, tests, shutdown)."""
        with self._lock:
            idle, self._idle = self._idle, {}
        for drivers in idle.values():
            for _since, driver in drivers:
                driver.close()


# the process's pool: Odoo's workers each have their own
DRIVERS = DriverPool()
