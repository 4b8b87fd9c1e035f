"""Point of Sale: time from pressing Validate to the receipt screen, against the bare device
round trip (not a test; prints one run's medians and ratios, asserts nothing).

Installs the addon in a throw-away copy of a database with Odoo's Point of Sale (``--template``,
e.g. ``fd_base``), runs the tour-driven timing (test tag ``fiscal_device_bench``) in headless
Chromium against the built-in emulators, and reads what it wrote:

- ``validate_to_receipt``: Validate pressed -> receipt screen showing the fiscal data (the
  order's synchronisation, the fiscalize route through the journal engine, the receipt render),
  five cash sales per device, as the browser measures it;
- ``device_round_trip``: the same order's receipt sent straight through the device driver to the
  same emulator (no Odoo, no browser).

    python bench/bench_pos_validate.py --template fd_base
        [--odoo /opt/odoo18/src] [--python /opt/odoo18/venv/bin/python]
        [--db-host /tmp] [--db-port 5432]

Needs Chromium (``/usr/bin/chromium``) and the ``websocket-client`` module in Odoo's Python
(``--pythonpath`` adds a directory holding it).
"""

# pylint: disable=print-used  # a command-line program: its output is for the terminal

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ADDON = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_odoo(args: argparse.Namespace, database: str, screenshots: Path) -> int:
    with tempfile.TemporaryDirectory() as addons:
        Path(addons, "fiscal_device").symlink_to(ADDON)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [args.odoo, args.pythonpath]))
        command = [
            args.python,
            str(Path(args.odoo, "odoo-bin")),
            f"--database={database}",
            f"--db_host={args.db_host}",
            f"--db_port={args.db_port}",
            f"--addons-path={Path(args.odoo, 'odoo', 'addons')},{addons}",
            "--init=fiscal_device",
            "--test-enable",
            "--test-tags=fiscal_device_bench",
            "--stop-after-init",
            f"--http-port={free_port()}",
            "--max-cron-threads=0",
            f"--screenshots={screenshots}",
            "--log-level=warn",
        ]
        return subprocess.run(command, env=env, check=False).returncode


def report(results: dict) -> None:
    print(f"{'device':8} {'validate->receipt':>18} {'device round trip':>18} {'ratio':>7}")
    for device, timings in results.items():
        ui = statistics.median(timings["validate_to_receipt"])
        bare = statistics.median(timings["device_round_trip"])
        print(f"{device:8} {ui * 1000:15.1f} ms {bare * 1000:15.1f} ms {ui / bare:7.1f}")
    print("medians of one run; validate->receipt includes the tour's polling of the DOM")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", required=True, help="database with point_of_sale")
    parser.add_argument("--odoo", default="/opt/odoo18/src")
    parser.add_argument("--python", default="/opt/odoo18/venv/bin/python")
    parser.add_argument("--pythonpath", default="", help="extra path (websocket-client)")
    parser.add_argument("--db-host", default="/tmp")
    parser.add_argument("--db-port", default="5432")
    parser.add_argument(
        "--filestore", default=str(Path.home() / ".local/share/Odoo/filestore"), type=Path
    )
    args = parser.parse_args()
    database = f"fd_bench_{os.getpid()}"
    db_options = ["-h", args.db_host, "-p", args.db_port]
    subprocess.run(["createdb", *db_options, "-T", args.template, database], check=True)
    if (args.filestore / args.template).is_dir():
        # the template's attachments (assets, images) belong with its copy
        shutil.copytree(args.filestore / args.template, args.filestore / database)
    try:
        with tempfile.TemporaryDirectory() as screenshots:
            status = run_odoo(args, database, Path(screenshots))
            found = list(Path(screenshots).glob("fiscal_device/bench.json"))
            if status or not found:
                sys.exit(f"the timing run failed (odoo exit {status}); nothing measured")
            report(json.loads(found[0].read_text()))
    finally:
        subprocess.run(["dropdb", *db_options, "--if-exists", database], check=False)
        shutil.rmtree(args.filestore / database, ignore_errors=True)


if __name__ == "__main__":
    main()
