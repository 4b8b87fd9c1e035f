"""Round trip of a 50-line PrintReceipt: through the N5 driver vs a bare write/read (not a test).

Starts ``fiscal-device emulate n5`` in a subprocess on a pseudo-terminal, then interleaves four
paths on the same terminal: the transport's exchange of the encoded bytes (lock, write,
deadline-bound framed read); ``driver.print_receipt(params)`` (the same plus JSON encoding and
the answer's id and result checks); ``driver.fiscalize(receipt)`` (the same plus validating and
serialising the neutral receipt); and a bare ``os.write``/``os.read`` of the same request bytes.
Prints the medians and the ratios to the bare path (target <= 1.05).

    python bench/bench_n5.py [--rounds 300]
"""

# pylint: disable=print-used  # a command-line program: its output is for the terminal

from __future__ import annotations

import argparse
import os
import select
import statistics
import subprocess
import sys
import tempfile
import time
import tty
from pathlib import Path

from fiscal_device_lib.mypos_n5 import connect, framing
from fiscal_device_lib.mypos_n5.emulator import samples
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
        # wait like any reader: pyserial's open sets VMIN=0 on the shared terminal, and a bare
        # os.read loop would then spin and starve the emulator
        select.select([fd], [], [])
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
            params = receipt_params(receipt)
            transport = device.transport
            paths = {
                "transport": lambda: timed_exchange(transport, request),
                "driver": lambda: timed(device.print_receipt, params),
                "fiscalize": lambda: timed(device.fiscalize, receipt),
                "bare": lambda: bare_round_trip(fd, request),
            }
            times: dict[str, list[float]] = {name: [] for name in paths}
            for _ in range(20):  # warm up every path
                for measure in paths.values():
                    measure()
            for round_number in range(rounds):
                # rotate the order: the path after another meets a warmer emulator
                names = list(paths)
                shift = round_number % len(names)
                for name in names[shift:] + names[:shift]:
                    times[name].append(paths[name]())
            os.close(fd)
            device.close()
        finally:
            emulator.terminate()
            emulator.wait()
    transport_only, driver, full, bare = (
        statistics.median(times[path]) for path in ("transport", "driver", "fiscalize", "bare")
    )
    print(f"{LINES}-line PrintReceipt, {len(request)} bytes, {rounds} rounds each")
    print(f"median transport exchange alone:   {transport_only * 1000:.3f} ms")
    print(f"median driver PrintReceipt:        {driver * 1000:.3f} ms")
    print(f"median fiscalize (validate+build): {full * 1000:.3f} ms")
    print(f"median bare write/read:            {bare * 1000:.3f} ms")
    print(f"ratio transport / bare:            {transport_only / bare:.3f}")
    print(f"ratio driver / bare:               {driver / bare:.3f}  (target <= 1.05)")
    print(f"ratio fiscalize / bare:            {full / bare:.3f}")


def timed(call, argument) -> float:
    started = time.perf_counter()
    call(argument)
    return time.perf_counter() - started


def timed_exchange(transport, request: bytes) -> float:
    """The serial transport alone: lock, write, deadline-bound read of one framed answer."""
    started = time.perf_counter()
    transport.exchange(request, framing.find_message, 5.0)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
