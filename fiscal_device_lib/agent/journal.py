"""The agent's local journal (SQLite): what it claimed, sent and heard, across restarts.

Contract: a job is written here (``claimed``) before the device is called, marked ``sending``
just before the device call, ``answered`` with the report to make (result or error) before the
report goes to Odoo, and ``reported`` once Odoo took it. Every write is committed at once
(``synchronous=FULL``), so what a restart reads is what happened up to the kill:

- ``claimed``: never sent to the device; run it.
- ``sending``: the device may have it; resent under its uuid where the device deduplicates
  (Caspos), else reported as an unknown outcome (N5), never resent.
- ``answered``: report it.

The ``status`` table keeps what ``fiscal-device agent --status`` shows (connection state,
last contact). Standard library only.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,         -- the Odoo fiscal document id
    uuid TEXT NOT NULL,
    kind TEXT NOT NULL,
    device_id INTEGER NOT NULL,
    job_json TEXT NOT NULL,
    state TEXT NOT NULL,            -- claimed | sending | answered | reported
    report_json TEXT,
    claimed_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS status (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
STATES = ("claimed", "sending", "answered", "reported")


def now_text() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class LocalJob:
    id: int
    uuid: str
    kind: str
    device_id: int
    job: dict
    state: str
    report: dict | None
    updated_at: str


class LocalJournal:
    """One SQLite file; safe to use from the agent's threads (one lock, short writes)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _write(self, sql: str, params: tuple) -> None:
        with self._lock:
            self._db.execute(sql, params)

    # -- jobs -------------------------------------------------------------------------------

    def add(self, job: dict) -> None:
        """Write a job just claimed in Odoo, before anything is sent to the device."""
        stamp = now_text()
        self._write(
            "INSERT OR IGNORE INTO jobs (id, uuid, kind, device_id, job_json, state, claimed_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, 'claimed', ?, ?)",
            (job["id"], job["uuid"], job["kind"], job["device_id"], json.dumps(job), stamp, stamp),
        )

    def mark_sending(self, job_id: int) -> None:
        self._set(job_id, "sending")

    def answer(self, job_id: int, report: dict) -> None:
        """Keep the device's answer (``{"result": ...}`` or ``{"error": ...}``) to report."""
        self._write(
            "UPDATE jobs SET state = 'answered', report_json = ?, updated_at = ? WHERE id = ?",
            (json.dumps(report), now_text(), job_id),
        )

    def mark_reported(self, job_id: int) -> None:
        self._set(job_id, "reported")

    def _set(self, job_id: int, state: str) -> None:
        self._write(
            "UPDATE jobs SET state = ?, updated_at = ? WHERE id = ?", (state, now_text(), job_id)
        )

    def get(self, job_id: int) -> LocalJob | None:
        rows = self._jobs("WHERE id = ?", (job_id,))
        return rows[0] if rows else None

    def unfinished(self) -> list[LocalJob]:
        """Jobs not yet reported, oldest first: what a restart settles before new work."""
        return self._jobs("WHERE state != 'reported' ORDER BY id", ())

    def all(self, limit: int = 50) -> list[LocalJob]:
        return self._jobs("ORDER BY id DESC LIMIT ?", (limit,))

    def known_ids(self) -> list[int]:
        with self._lock:
            return [row[0] for row in self._db.execute("SELECT id FROM jobs")]

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT state, count(*) FROM jobs GROUP BY state").fetchall()
        return {state: count for state, count in rows}

    def _jobs(self, where: str, params: tuple) -> list[LocalJob]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, uuid, kind, device_id, job_json, state, report_json, updated_at "
                f"FROM jobs {where}",
                params,
            ).fetchall()
        return [
            LocalJob(
                id=row[0],
                uuid=row[1],
                kind=row[2],
                device_id=row[3],
                job=json.loads(row[4]),
                state=row[5],
                report=json.loads(row[6]) if row[6] else None,
                updated_at=row[7],
            )
            for row in rows
        ]

    # -- status -----------------------------------------------------------------------------

    def set_status(self, **values: str) -> None:
        with self._lock:
            for name, value in values.items():
                self._db.execute(
                    "INSERT INTO status (name, value) VALUES (?, ?) "
                    "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                    (name, str(value)),
                )

    def status(self) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT name, value FROM status").fetchall())
