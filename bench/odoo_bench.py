"""Shared set-up of the Odoo benches: a database with fiscal_device installed, opened in-process.

Either ``--database NAME`` (fiscal_device already installed from this checkout) or
``--template NAME`` (default ``fd_base``: a database with account + point_of_sale): the template
is copied with ``createdb -T``, fiscal_device installed into the copy by ``odoo-bin -i``, and the
copy dropped at the end unless ``--keep``. Run the benches with Odoo's own Python::

    /opt/odoo18/venv/bin/python bench/bench_odoo_fiscalize.py --odoo /opt/odoo18/src

Nothing here asserts: the benches print one run's figures.
"""

# pylint: disable=print-used  # a command-line program: its output is for the terminal

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ADDON = Path(__file__).resolve().parent.parent


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database", help="a database with fiscal_device installed")
    parser.add_argument("--template", default="fd_base", help="copied when no --database")
    parser.add_argument("--keep", action="store_true", help="keep the copy of the template")
    parser.add_argument("--odoo", default=os.environ.get("ODOO_SRC", "/opt/odoo18/src"))
    parser.add_argument("--db-host", default=os.environ.get("PGHOST", "/tmp"))
    parser.add_argument("--db-port", default=os.environ.get("PGPORT", "5432"))
    parser.add_argument(
        "--filestore", default=str(Path.home() / ".local/share/Odoo/filestore"), type=Path
    )


def _addons_dir() -> str:
    addons = tempfile.mkdtemp(prefix="fd_bench_addons_")
    Path(addons, "fiscal_device").symlink_to(ADDON)
    return addons


def _db_options(args: argparse.Namespace) -> list[str]:
    return ["-h", args.db_host, "-p", str(args.db_port)]


@contextlib.contextmanager
def odoo_registry(args: argparse.Namespace) -> Iterator[object]:
    """The ``odoo.modules.registry.Registry`` of the bench database (see the module doc)."""
    addons = _addons_dir()
    database, created = args.database, False
    started = time.monotonic()
    try:
        if not database:
            database, created = f"fd_bench_{os.getpid()}", True
            subprocess.run(
                ["createdb", *_db_options(args), "-T", args.template, database], check=True
            )
            if (args.filestore / args.template).is_dir():
                shutil.copytree(args.filestore / args.template, args.filestore / database)
            env = dict(os.environ, PYTHONPATH=args.odoo)
            subprocess.run(
                [
                    sys.executable,
                    str(Path(args.odoo, "odoo-bin")),
                    f"--database={database}",
                    f"--db_host={args.db_host}",
                    f"--db_port={args.db_port}",
                    f"--addons-path={Path(args.odoo, 'odoo', 'addons')},{addons}",
                    "--init=fiscal_device",
                    "--stop-after-init",
                    "--without-demo=all",
                    "--no-http",
                    "--max-cron-threads=0",
                    "--log-level=warn",
                ],
                env=env,
                check=True,
            )
            print(f"database {database}: installed in {time.monotonic() - started:.0f} s")
        sys.path.insert(0, args.odoo)
        import odoo

        odoo.tools.config.parse_config(
            [
                f"--db_host={args.db_host}",
                f"--db_port={args.db_port}",
                f"--addons-path={Path(args.odoo, 'odoo', 'addons')},{addons}",
                "--log-level=warn",
                "--max-cron-threads=0",
            ]
        )
        yield odoo.modules.registry.Registry(database)
    finally:
        if created and not args.keep:
            with contextlib.suppress(Exception):
                odoo.sql_db.close_all()  # type: ignore[possibly-undefined]
            subprocess.run(["dropdb", *_db_options(args), "--if-exists", database], check=False)
            shutil.rmtree(args.filestore / database, ignore_errors=True)
        elif created:
            print(f"kept database {database}")
        shutil.rmtree(addons, ignore_errors=True)


class StatementCounter:
    """Counts the SQL statements every cursor of this process executes (``odoo.sql_db``)."""

    def __init__(self) -> None:
        import odoo.sql_db

        self._cursor_class = odoo.sql_db.Cursor
        self._original = self._cursor_class.execute
        self.count = 0
        self._lock = threading.Lock()

    def __enter__(self) -> StatementCounter:
        counter, original = self, self._original

        def execute(cursor, *args, **kwargs):
            with counter._lock:
                counter.count += 1
            return original(cursor, *args, **kwargs)

        self._cursor_class.execute = execute
        return self

    def __exit__(self, *exc: object) -> None:
        self._cursor_class.execute = self._original


class ConnectionSampler:
    """Peak number of server connections to ``database`` (``pg_stat_activity``), sampled
    every few milliseconds on a connection of its own (not counted)."""

    def __init__(self, database: str, args: argparse.Namespace, interval: float = 0.005):
        import psycopg2

        self._connection = psycopg2.connect(dbname=database, host=args.db_host, port=args.db_port)
        self._connection.autocommit = True
        self._interval = interval
        self._stop = threading.Event()
        self.peak = 0
        self.busy_peak = 0
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        with self._connection.cursor() as cursor:
            while not self._stop.is_set():
                cursor.execute(
                    "SELECT count(*), count(*) FILTER (WHERE state <> 'idle') "
                    "FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                )
                total, busy = cursor.fetchone()
                self.peak, self.busy_peak = max(self.peak, total), max(self.busy_peak, busy)
                time.sleep(self._interval)

    def __enter__(self) -> ConnectionSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._connection.close()
