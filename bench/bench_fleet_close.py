"""The scheduled shift close of a fleet: N Caspos devices, K of them silent (not a test).

N - K devices are Caspos emulators (real loopback HTTP), each with an open shift due to close,
run by a process of their own as devices are other machines (``--peers thread``: in this
process, where they take the interpreter from the cron's threads); K are silent peers (a socket
that accepts and never answers), each with the same device ``--timeout``, spread among the
others in the cron's order (``--order``). Runs ``fiscal.device._cron_close_shifts`` once on a
real database (see ``odoo_bench``) with real commits, and prints the wall time as a multiple of
one device timeout and the peak number of database connections to the bench database during
the run::

    /opt/odoo18/venv/bin/python bench/bench_fleet_close.py [--devices 50] [--silent 10]
        [--timeout 5] [--order spread] [--peers process]
        [--database DB | --template fd_base] [--odoo /opt/odoo18/src]

Goal (issue 14): wall time <= 1.2 x one timeout; connections <= 8 whatever the fleet size.
"""

# pylint: disable=print-used  # a command-line program: its output is for the terminal

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
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
    parser.add_argument(
        "--order",
        choices=("spread", "first", "last"),
        default="spread",
        help="where the silent devices are in the cron's order (default: spread evenly)",
    )
    parser.add_argument(
        "--peers",
        choices=("process", "thread"),
        default="process",
        help="the answering emulators in a process of their own (default) or in this one",
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="cProfile the cron's thread into FILE (pstats)"
    )
    add_arguments(parser)
    args = parser.parse_args()

    silent = []
    for _ in range(args.silent):
        peer = socket.socket()
        peer.bind(("127.0.0.1", 0))
        peer.listen(64)
        silent.append(peer)
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
        with (
            _answering_peers(args.devices - args.silent, args.peers) as emulators,
            odoo_registry(args) as registry,
        ):
            import odoo

            with registry.cursor() as cr:
                env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
                admin = env.ref("base.user_admin")
                admin.groups_id = [(4, env.ref("fiscal_device.group_fiscal_manager").id)]
                env["fiscal.device"].search([]).write({"active": False})
                mute_at = _silent_positions(args.order, args.devices, args.silent)
                shops = iter(enumerate(emulators))
                mutes = iter(enumerate(silent))
                values = []
                for position in range(args.devices):
                    if position in mute_at:
                        n, peer = next(mutes)
                        device = {
                            "name": f"Bench mute {n}",
                            "url": f"http://127.0.0.1:{peer.getsockname()[1]}",
                        }
                    else:
                        n, emulator = next(shops)
                        device = {
                            "name": f"Bench shop {n}",
                            "url": emulator["url"],
                            "username": emulator["username"],
                            "password": emulator["password"],
                        }
                    # the cron reaches the devices in their order (sequence, name)
                    values.append(dict(common, sequence=position, **device))
                fleet_ids = env["fiscal.device"].create(values).ids
                admin_id = admin.id
            odoo.sql_db.close_all()  # the run starts with no pooled connection
            with ConnectionSampler(registry.db_name, args) as sampler:
                started = time.monotonic()
                with contextlib.ExitStack() as stack:
                    if args.profile:
                        profiler = cProfile.Profile()
                        stack.callback(profiler.dump_stats, args.profile)
                        stack.enter_context(profiler)
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
        for peer in silent:
            peer.close()
    print(
        f"{args.devices} devices, {args.silent} silent ({args.order}), "
        f"device timeout {args.timeout:g} s"
    )
    print(f"outcomes {counts}; Z reports journaled by state {journal}")
    print(
        f"wall time {wall:.2f} s = {wall / args.timeout:.2f} x one timeout  (goal <= 1.2); "
        f"beyond the timeout {wall - args.timeout:.2f} s"
    )
    print(
        f"peak database connections {sampler.peak} (busy at once {sampler.busy_peak}), "
        "the run's own cursor included  (goal <= 8)"
    )


@contextlib.contextmanager
def _answering_peers(count: int, where: str) -> Iterator[list[dict]]:
    """``count`` Caspos emulators with an open shift, as their connection settings."""
    if where == "thread":
        emulators = _start_emulators(count)
        try:
            yield [emulator.settings() for emulator in emulators]
        finally:
            for emulator in emulators:
                emulator.stop()
        return
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve-peers", str(count)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        yield [json.loads(child.stdout.readline()) for _ in range(count)]
    finally:
        child.stdin.close()  # the child stops its emulators at the end of its input
        child.wait()


def _start_emulators(count: int) -> list[CasposEmulator]:
    emulators = [CasposEmulator(port=0).start() for _ in range(count)]
    for emulator in emulators:
        with family("caspos").connect(**emulator.settings()) as driver:
            driver.open_shift(Operator("Bench"))
    return emulators


def _serve_peers(count: int) -> None:
    """The child of ``_answering_peers``: one line of settings per emulator, then serve them
    until the end of the input."""
    emulators = _start_emulators(count)
    for emulator in emulators:
        print(json.dumps(emulator.settings()), flush=True)
    sys.stdin.read()
    for emulator in emulators:
        emulator.stop()


def _silent_positions(order: str, devices: int, silent: int) -> set[int]:
    """Positions of the silent devices in the cron's order: a silent device reached late
    starts its timeout late."""
    if order == "first":
        return set(range(silent))
    if order == "last":
        return set(range(devices - silent, devices))
    return {(2 * k + 1) * devices // (2 * silent) for k in range(silent)}


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve-peers"]:
        _serve_peers(int(sys.argv[2]))
    else:
        main()
