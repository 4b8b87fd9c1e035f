"""The scheduled shift close of a whole fleet, every due device at once.

Contract: ``_FleetClose(devices, device_ids, now).run()`` runs on the cron's thread with
``devices`` on a cursor of its own (holding the devices' row locks); device threads talk to their
device and hold no database connection; Z reports are journaled ``sending`` before their device
prints and their outcomes in batches. ``fiscal_device_shift`` decides what is due.
"""

import logging
import queue
import threading
from concurrent.futures import ThreadPoolExecutor

from odoo import fields
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..fiscal_device_lib.core import (
    Capability,
    FiscalError,
    OutcomeUnknown,
)
from .fiscal_journal_result import JournalResult

_logger = logging.getLogger(__name__)

# Devices the scheduled close talks to at once. A device thread holds no database connection
# and mostly waits (on its device, or on the cron's thread to journal): the bound is there for
# threads and sockets only, high enough that silent devices never queue behind answering ones.
CRON_CONCURRENCY = 512
SHIFT_DOCUMENT_KINDS = ("sale", "invoice", "storno", "credit_note", "cash_in", "cash_out")


class _Ask:
    """A device thread's question to the cron's thread, and its answer (None: do not close)."""

    # a device thread never waits forever on a cron thread that died before answering
    PATIENCE = 600.0

    def __init__(self):
        self._answered = threading.Event()
        self.order = None

    def answer(self, order):
        self.order = order
        self._answered.set()

    def wait(self):
        self._answered.wait(self.PATIENCE)
        return self.order


class _StartLine:
    """Where a device thread that has its device's first answer waits until every thread has
    begun its first call, before it asks for more: a silent device's timeout runs from that
    first call, which the others' Z reports and this run's journal would otherwise delay (and
    a thread starts in a moment while the others wait, in the time of many while they talk)."""

    # a thread never waits forever for one that did not begin
    PATIENCE = 10.0

    def __init__(self, count):
        self._all_began = threading.Event()
        self._lock = threading.Lock()
        self._to_begin = count

    def begin(self):
        """Count this thread as begun (it is about to call its device)."""
        with self._lock:
            self._to_begin -= 1
            if self._to_begin <= 0:
                self._all_began.set()

    def wait_for_all(self):
        self._all_began.wait(self.PATIENCE)


class _FleetClose:
    """One scheduled close of many devices (see ``FiscalDevice._cron_close_shifts``).

    Phase 1, on the lock cursor: lock the rows of the devices that no one else holds (a device
    a cashier is using right now is skipped and fails as busy, as ``_driver()`` would after its
    lock timeout) and read their connection settings. Phase 2: one thread per device (at most
    ``CRON_CONCURRENCY`` at once) connects, reads its shift state where it has one and, once
    every thread has begun (``_StartLine``), asks whether to close; this thread decides for every
    device that asked meanwhile, journals their Z reports ``sending`` in one committed
    transaction, then lets them print. Phase 3: outcomes that came back together are journaled
    in one transaction (one UPDATE of their documents, one INSERT of all their totals:
    ``_write_reports``) and the devices written on the lock cursor, whose commit at the end
    releases the row locks; the failures' activities are left as the failures come.
    """

    def __init__(self, devices, device_ids, now):
        self.devices = devices  # fiscal.device on the lock cursor
        self.device_ids = device_ids
        self.now = now
        self.outcomes = {}
        self.unnotified = {}  # {device id: message} of failures without their activities yet
        self.inbox = queue.Queue()

    def run(self):
        jobs = {}
        locked = self._lock_rows()
        for device in self.devices.browse(self.device_ids):
            if device.id not in locked:
                self._failed(device, device._busy_error())
                continue
            try:
                device._check_fiscal_user()
                jobs[device.id] = (device._family(), device._connection_settings())
            except UserError as error:
                self._failed(device, error)
        if jobs:
            workers = min(CRON_CONCURRENCY, len(jobs))
            line = _StartLine(workers)
            with ThreadPoolExecutor(max_workers=workers) as pool:
                for device_id, (family, settings) in jobs.items():
                    pool.submit(_device_close, family, settings, device_id, self.inbox, line)
                self._serve(len(jobs))
        self._notify_failures()
        return self.outcomes

    def _notify_failures(self):
        """Leave the activities of the failures recorded since the last call: called as they
        come, a silent device's lands while the next is still awaited, not after the last."""
        failures, self.unnotified = self.unnotified, {}
        self.devices._notify_shift_close_failures(failures)

    def _lock_rows(self):
        """Ids of the devices whose row lock this run took (``_driver()``'s lock, not waited
        for: a device in use is left to its user)."""
        cr = self.devices.env.cr
        cr.execute(
            SQL(
                "SELECT id FROM fiscal_device WHERE id = ANY(%s) FOR NO KEY UPDATE SKIP LOCKED",
                list(self.device_ids),
            )
        )
        return {row[0] for row in cr.fetchall()}

    def _failed(self, device, error):
        if not isinstance(error, UserError):
            error = device._fiscal_user_error(error)
        _logger.warning("Scheduled shift close of %s failed: %s", device.id, error)
        self.outcomes[device.id] = ("failed", str(error))
        self.unnotified[device.id] = str(error)

    def _serve(self, count):
        """Answer the device threads' questions and journal their outcomes until all ended."""
        ended = 0
        while ended < count:
            messages = [self.inbox.get()]
            while True:
                try:
                    messages.append(self.inbox.get_nowait())
                except queue.Empty:
                    break
            asks = [message[1:] for message in messages if message[0] == "ask"]
            ends = [message[1:] for message in messages if message[0] == "end"]
            if asks:
                self._answer(asks)
            if ends:
                self._finish(ends)
                ended += len(ends)
                self._notify_failures()

    def _answer(self, asks):
        """Decide which asking devices are due; journal their Z reports, then let them go."""
        orders = {}
        try:
            starts = self._shift_starts([device_id for device_id, state, _a in asks if not state])
            for device_id, state, _ask in asks:
                device = self.devices.browse(device_id)
                try:
                    if state is None:
                        # no shift state from the device (N5): the journal's, read for all at once
                        is_open, opened_at = starts[device_id]
                    else:
                        is_open, opened_at = device._shift_of(state)
                    if device._shift_close_due(is_open, opened_at, self.now):
                        orders[device_id] = device._z_report_order()
                    else:
                        self.outcomes[device_id] = ("not_due", False)
                except Exception as error:
                    _logger.exception("Scheduled shift close of fiscal device %s", device_id)
                    self._failed(device, error)
            if orders:
                with self.devices._journal() as env:
                    created = env["fiscal.document"].create(
                        [values for values, _operator in orders.values()]
                    )
                for (device_id, (values, operator)), document_id in zip(
                    orders.items(), created.ids, strict=True
                ):
                    orders[device_id] = (document_id, operator, values["uuid"])
        except Exception as error:
            _logger.exception("Scheduled shift close: journaling the Z reports failed")
            for device_id, _state, _ask in asks:
                if device_id not in self.outcomes:
                    self._failed(self.devices.browse(device_id), error)
            orders = {}
        finally:
            for device_id, _state, ask in asks:
                ask.answer(orders.get(device_id))

    def _shift_starts(self, device_ids):
        """{device id: (open, opened at)} from the journal, as ``_first_document_of_shift`` reads
        it device by device: the first document since the last done Z report, for every device
        of ``device_ids`` in one query."""
        if not device_ids:
            return {}
        self.devices.env["fiscal.document"].flush_model()
        cr = self.devices.env.cr
        cr.execute(
            SQL(
                """
                SELECT device.id, first.id IS NOT NULL, first.sent_at
                  FROM unnest(%(devices)s::int[]) AS device(id)
                  LEFT JOIN LATERAL (
                        SELECT id FROM fiscal_document
                         WHERE device_id = device.id AND kind = 'z_report' AND state = 'done'
                         ORDER BY id DESC LIMIT 1
                  ) AS last_z ON TRUE
                  LEFT JOIN LATERAL (
                        SELECT id, sent_at FROM fiscal_document
                         WHERE device_id = device.id AND kind IN %(kinds)s
                           AND state IN ('done', 'unknown', 'sending')
                           AND id > COALESCE(last_z.id, 0)
                         ORDER BY id LIMIT 1
                  ) AS first ON TRUE
                """,
                devices=list(device_ids),
                kinds=tuple(SHIFT_DOCUMENT_KINDS),
            )
        )
        return {device_id: (found, sent_at or None) for device_id, found, sent_at in cr.fetchall()}

    def _finish(self, ends):
        """Journal the outcomes of devices that ended together, in one transaction."""
        reports, failures = {}, {}
        for device_id, outcome in ends:
            device = self.devices.browse(device_id)
            what = outcome[0]
            if what == "z_report":
                reports[device_id] = outcome[1:]
            elif what == "z_failed":
                failures[device_id] = outcome[1:]
            elif what == "error":
                self._failed(device, outcome[1])
            # "asked": the answer already decided its outcome
        if not (reports or failures):
            return
        results = {}
        with self.devices._journal() as env:
            Document = env["fiscal.document"]
            # one UPDATE for the documents and one INSERT for their totals, however many
            Document._write_reports(dict(reports.values()))
            for device_id, (document_id, error, idempotent) in failures.items():
                document = Document.browse(document_id)
                document.write(self.devices._journal_failure_values(error, idempotent))
                results[device_id] = JournalResult.from_document(document)
        now = fields.Datetime.now()
        for device_id, (document_id, report) in reports.items():
            # deferred ORM writes of the same fields: one UPDATE for all at the next flush
            self.devices.browse(device_id).sudo().write(
                {
                    "shift_open": False,
                    "shift_opened_at": False,
                    "last_z_report_at": now,
                    "last_z_report_number": report.number or 0,
                }
            )
            self.outcomes[device_id] = ("closed", document_id)
        for device_id, (_document_id, error, _idempotent) in failures.items():
            device = self.devices.browse(device_id)
            self._failed(device, device._fiscal_user_error(error, results[device_id]))


def _device_close(family, settings, device_id, inbox, line):
    """Phase 2 of one device, in its own thread and without a cursor, from the ``_StartLine``:
    always ends by putting ``("end", device_id, outcome)`` in ``inbox``."""
    outcome = ("error", RuntimeError("the device thread ended without an outcome"))
    try:
        line.begin()
        outcome = _talk_to_device(family, settings, device_id, inbox, line)
    except Exception as error:  # an unexpected bug: reported as this device's failure
        _logger.exception("Scheduled shift close of fiscal device %s", device_id)
        outcome = ("error", error)
    finally:
        inbox.put(("end", device_id, outcome))


def _talk_to_device(family, settings, device_id, inbox, line):
    journaled = None
    try:
        with family.connect(**settings) as driver:
            # the N5 is not asked: its day is open from the first document after its last Z
            state = driver.shift_state() if driver.supports(Capability.OPEN_SHIFT) else None
            line.wait_for_all()
            ask = _Ask()
            inbox.put(("ask", device_id, state, ask))
            order = ask.wait()
            if order is None:
                return ("asked",)
            document_id, operator, report_uuid = order
            journaled = (document_id, driver.supports(Capability.IDEMPOTENT))
            report = driver.z_report(operator, uuid=report_uuid)
            return ("z_report", document_id, report)
    except FiscalError as error:
        if journaled is None:
            return ("error", error)
        return ("z_failed", journaled[0], error, journaled[1])
    except Exception as error:
        if journaled is None:
            raise
        # a bug between sending and answer: the device may have printed
        _logger.exception("Scheduled shift close of fiscal device %s", device_id)
        return ("z_failed", journaled[0], OutcomeUnknown(str(error)), journaled[1])
