"""The scheduled shift close of a fleet: N Caspos devices, K of them silent (not a test).

N - K devices are Caspos emulators in this process (real loopback HTTP), each with an open shift
due to close; K are silent peers (a socket that accepts and never answers), each with the same
device ``--timeout``. Runs ``fiscal.device._cron_close_shifts`` once on a real database (see
``odoo_bench``) with real commits, and prints the wall time as a multiple of one device timeout
and the peak number of database connections to the bench database during the run::

    /opt/odoo18/venv/bin/python bench/bench_fleet_close.py [--devices 50] [--silent 10]
        [--timeout 5] [--database DB | --template fd_base] [--odoo /opt/odoo18/src]

Goal (issue 14): wall time <= 1.2 x one timeout; connections <= 8 whatever the fleet size.
"""

# pylint: disable=print-used  # a command-line program: its output is for the terminal

from __future__ import annotations

import argparse
import socket
import time
from datetime import datetime, timedelta

from odoo_bench import ConnectionSampler, add_arguments, odoo_registry

from fiscal_device_lib.caspos.emulator.server import CasposEmulator
from fiscal_device_lib.core import Operator
from fiscal_device_lib.families import family


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--silent", type=int, default=10)
    parser.add_argument(
        "--timeout", type=float, default=5.0, help="device timeout, seconds (default form: 30)"
    )
    add_arguments(parser)
    args = parser.parse_args()

    emulators = [CasposEmulator(port=0).start() for _ in range(args.devices - args.silent)]
    silent = []
    for _ in range(args.silent):
        peer = socket.socket()
        peer.bind(("127.0.0.1", 0))
        peer.listen(64)
        silent.append(peer)
    for emulator in emulators:
        with family("caspos").connect(**emulator.settings()) as driver:
            driver.open_shift(Operator("Bench"))
    # as the tests do: the daily close time falls an hour from now, the run sees two hours on
    now = datetime.utcnow().replace(microsecond=0) + timedelta(hours=2)
    close_at = now - timedelta(hours=1)
    common = {
        "kind": "caspos",
        "shift_close_scheduled": True,
        "shift_close_tz": "UTC",
        "shift_close_time": close_at.hour + close_at.minute / 60,
        "timeout": args.timeout,
        "retries": 0,
        "cashier_name": "Bench",
    }
    try:
        with odoo_registry(args) as registry:
            import odoo

            with registry.cursor() as cr:
                env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
                admin = env.ref("base.user_admin")
                admin.groups_id = [(4, env.ref("fiscal_device.group_fiscal_manager").id)]
                env["fiscal.device"].search([]).write({"active": False})
                values = [
                    dict(
                        common,
                        name=f"Bench shop {n}",
                        url=emulator.url,
                        username=emulator.memory.username,
                        password=emulator.memory.password,
                    )
                    for n, emulator in enumerate(emulators)
                ]
                values += [
                    dict(
                        common,
                        name=f"Bench mute {n}",
                        url=f"http://127.0.0.1:{peer.getsockname()[1]}",
                    )
                    for n, peer in enumerate(silent)
                ]
                fleet_ids = env["fiscal.device"].create(values).ids
                admin_id = admin.id
            odoo.sql_db.close_all()  # the run starts with no pooled connection
            with ConnectionSampler(registry.db_name, args) as sampler:
                started = time.monotonic()
                with registry.cursor() as cr:
                    env = odoo.api.Environment(cr, admin_id, {})
                    outcomes = env["fiscal.device"]._cron_close_shifts(now=now)
                wall = time.monotonic() - started
            counts: dict[str, int] = {}
            for outcome, _detail in outcomes.values():
                counts[outcome] = counts.get(outcome, 0) + 1
            with registry.cursor() as cr:
                cr.execute(
                    "SELECT state, count(*) FROM fiscal_document WHERE kind = 'z_report' "
                    "AND device_id = ANY(%s) GROUP BY state ORDER BY state",
                    (fleet_ids,),
                )
                journal = dict(cr.fetchall())
    finally:
        for emulator in emulators:
            emulator.stop()
        for peer in silent:
            peer.close()
    print(f"{args.devices} devices, {args.silent} silent, device timeout {args.timeout:g} s")
    print(f"outcomes {counts}; Z reports journaled by state {journal}")
    print(
        f"wall time {wall:.2f} s = {wall / args.timeout:.2f} x one timeout  (goal <= 1.2); "
        f"beyond the timeout {wall - args.timeout:.2f} s"
    )
    print(
        f"peak database connections {sampler.peak} (busy at once {sampler.busy_peak}), "
        "the run's own cursor included  (goal <= 8)"
    )


if __name__ == "__main__":
    main()
