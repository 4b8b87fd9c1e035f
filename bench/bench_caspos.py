"""Round trip of a 50-line Caspos sale: through the driver vs a bare ``requests.post``.

Not a test: run ``python bench/bench_caspos.py [--rounds N]``. Both sides send the same body to
the same in-process emulator; the driver's extra work is building the body from typed lines,
reading the answer into a FiscalResult and its session handling; the bare post gets its bytes
ready-made. Target: ratio <= 1.05. The driver keeps its connection open, which a bare
``requests.post`` cannot; a bare keep-alive ``Session.post`` is printed too, so that the
driver's own cost is not hidden by the connection it saves.
"""

# pylint: disable=print-used  # a command-line program: its output is for the terminal

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import requests

from fiscal_device_lib.caspos.driver import HEADERS
from fiscal_device_lib.caspos.emulator.samples import emulated_device, simple_sale
from fiscal_device_lib.core.jsonwire import encode

LINES = 50


def timed(action: Callable[[int], object], rounds: int) -> list[float]:
    """Seconds per call of ``action(round)``, after a few warm-up calls."""
    for warm_up in range(5):
        action(-1 - warm_up)
    times = []
    for number in range(rounds):
        start = time.perf_counter()
        action(number)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    with emulated_device() as (server, driver):
        driver.call("openShift", {}, {"cashierName": "Bench"})
        driver.get_info()

        rounds = range(-5 - 10 * args.rounds, 11 * args.rounds)
        # both sides start from what the caller holds: typed lines here, bytes for the bare post
        sales = {n: simple_sale(f"driver-{n}", lines=LINES) for n in rounds}

        def through_driver(number: int) -> object:
            return driver.sale(sales[number])

        def bare_body(number: int) -> bytes:
            body = {"operation": "sale", "username": driver.username, "password": driver.password}
            body["data"] = simple_sale(f"bare-{number}", lines=LINES).to_data()
            return encode(body)

        # the bare side gets its bytes ready-made: only the post itself is timed
        bodies = {n: bare_body(n) for n in rounds}

        def bare_post(number: int) -> object:
            return requests.post(driver.endpoint, data=bodies[number], headers=HEADERS, timeout=10)

        session = requests.Session()
        keep_alive_bodies = {n: bare_body(n + len(rounds) * 2) for n in rounds}

        def bare_session_post(number: int) -> object:
            return session.post(
                driver.endpoint, data=keep_alive_bodies[number], headers=HEADERS, timeout=10
            )

        # interleave in blocks so that every path sees the same machine load
        driver_times, bare_times, session_times = [], [], []
        for block in range(10):
            offset = block * args.rounds
            driver_times += timed(lambda n, o=offset: through_driver(o + n), args.rounds // 10)
            bare_times += timed(lambda n, o=offset: bare_post(o + n), args.rounds // 10)
            session_times += timed(lambda n, o=offset: bare_session_post(o + n), args.rounds // 10)
        documents = server.memory.state["shift"]["totals"]["sale"]["count"]
    driver_median = statistics.median(driver_times) * 1000
    bare_median = statistics.median(bare_times) * 1000
    session_median = statistics.median(session_times) * 1000
    print(f"50-line sale, {len(driver_times)} rounds each, {documents} documents on the emulator")
    print(f"driver (CasposDriver.sale)     median {driver_median:.3f} ms")
    print(f"bare requests.post, same body  median {bare_median:.3f} ms")
    print(f"bare Session.post (keep-alive) median {session_median:.3f} ms")
    print(f"ratio driver / bare            {driver_median / bare_median:.3f}  (target <= 1.05)")
    print(f"ratio driver / keep-alive      {driver_median / session_median:.3f}")


if __name__ == "__main__":
    main()
