"""Round trip of a 50-line PrintReceipt: through the N5 driver vs a bare write/read (not a test).

Starts ``fiscal-device emulate n5`` in a subprocess on a pseudo-terminal, then alternates
``driver.fiscalize(receipt)`` and a bare ``os.write``/``os.read`` of the same request bytes on the
same terminal, and prints both medians and their ratio (target <= 1.05).

    python bench/bench_n5.py [--rounds 300]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tty
from pathlib import Path

from fiscal_device_lib.mypos_n5 import connect, framing, samples
from fiscal_device_lib.mypos_n5.serialize import receipt_params

LINES = 50


def start_emulator(link: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "fiscal_device_lib", "emulate", "n5", "--link", str(link)]
    process = subprocess.Popen([*command, "--paper", os.devnull], stderr=subprocess.PIPE, text=True)
    process.stderr.readline()  # "N5 emulator on /dev/pts/N": the terminal is ready
    return process


def bare_round_trip(fd: int, request: bytes) -> float:
    started = time.perf_counter()
    os.write(fd, request)
    answer = b""
    while not answer.endswith(b'"}}'):  # {"jsonrpc":"2.0","id":N,"result":{"qr":"..."}}
        answer += os.read(fd, 4096)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    rounds = parser.parse_args().rounds
    receipt = samples.sale(LINES)
    with tempfile.TemporaryDirectory() as folder:
        link = Path(folder) / "n5"
        emulator = start_emulator(link)
        try:
            device = connect(port=str(link), timeout=5.0)
            fd = os.open(link, os.O_RDWR | os.O_NOCTTY)
            tty.setraw(fd)
            request = framing.encode_request("PrintReceipt", receipt_params(receipt), 10**6)
            driver_times, bare_times = [], []
            for _ in range(20):  # warm up both paths
                device.fiscalize(receipt)
                bare_round_trip(fd, request)
            for round_number in range(rounds):
                # alternate which goes first: the one after the other meets a warmer emulator
                if round_number % 2:
                    bare_times.append(bare_round_trip(fd, request))
                started = time.perf_counter()
                device.fiscalize(receipt)
                driver_times.append(time.perf_counter() - started)
                if not round_number % 2:
                    bare_times.append(bare_round_trip(fd, request))
            os.close(fd)
            device.close()
        finally:
            emulator.terminate()
            emulator.wait()
    driver, bare = statistics.median(driver_times), statistics.median(bare_times)
    print(f"{LINES}-line PrintReceipt, {len(request)} bytes, {rounds} rounds each")
    print(f"median through the driver: {driver * 1000:.3f} ms")
    print(f"median bare write/read:    {bare * 1000:.3f} ms")
    print(f"ratio driver / bare:       {driver / bare:.3f}  (target <= 1.05)")


if __name__ == "__main__":
    main()
