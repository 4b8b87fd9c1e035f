"""``core.jsonwire.dumps`` of a 50-line Caspos-like sale body vs ``json.dumps`` of the same body
with floats (the stdlib's C encoder, which would lose exactness).

Not a test: run ``python bench/bench_jsonwire.py [--rounds N]``; prints both medians and the
ratio from one run. The body is built as the Caspos serialiser builds it: Decimals quantized to
2 (money) or 3 (quantity) places, enums' values, nested dicts and lists, non-ASCII names.
"""

# pylint: disable=print-used  # a command-line program: its output is for the terminal

from __future__ import annotations

import argparse
import json
import statistics
import time
from decimal import Decimal

from fiscal_device_lib.core.jsonwire import dumps, loads

LINES = 50


def body(number: type) -> dict:
    """A Caspos ``sale`` request of ``LINES`` items, with amounts of type ``number``."""
    money = (lambda text: Decimal(text)) if number is Decimal else float
    items = [
        {
            "itemName": f"Çay Azərçay {index} q",
            "itemCodeType": 1,
            "itemCode": f"4006381333{index:03d}",
            "itemQuantityType": 0,
            "itemQuantity": money("2.000"),
            "itemPrice": money(f"{index}.40"),
            "itemSum": money(f"{2 * index}.80"),
            "itemVatPercent": money("18.00"),
            "discount": money("0.00"),
            "itemMarginPrice": None,
            "itemMarginSum": None,
        }
        for index in range(1, LINES + 1)
    ]
    return {
        "operation": "sale",
        "version": 1,
        "data": {
            "documentUUID": "5b0f0d0e-1c7e-4b7a-9a51-2f1b8c0a9e01",
            "cashierName": "Aysel Məmmədova",
            "currency": "AZN",
            "items": items,
            "sum": money("2550.00"),
            "cashSum": money("2000.00"),
            "cashlessSum": money("550.00"),
            "prepaymentSum": money("0.00"),
            "creditSum": money("0.00"),
            "bonusSum": money("0.00"),
            "incomingSum": money("2000.00"),
            "changeSum": money("0.00"),
            "vatAmounts": [{"vatSum": money("388.98"), "vatPercent": money("18.00")}],
        },
    }


def median_seconds(action, rounds: int) -> float:
    for _ in range(20):
        action()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    rounds = parser.parse_args().rounds
    exact, floats = body(Decimal), body(float)
    assert loads(dumps(exact)) == loads(json.dumps(floats, separators=(",", ":")))
    ours = median_seconds(lambda: dumps(exact), rounds)
    stdlib = median_seconds(
        lambda: json.dumps(floats, ensure_ascii=False, separators=(",", ":")), rounds
    )
    print(f"jsonwire.dumps (Decimal, exact): {ours * 1e6:8.1f} µs")
    print(f"json.dumps (float, C encoder):   {stdlib * 1e6:8.1f} µs")
    print(f"ratio: {ours / stdlib:.2f}")


if __name__ == "__main__":
    main()
