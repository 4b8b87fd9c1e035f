import logging
import queue
import threading
import uuid as uuid_lib
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, time, timedelta

import pytz
from odoo import _, api, fields, models
from odoo.addons.base.models.res_partner import _tz_get
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..fiscal_device_lib.core import (
    Capability,
    DocumentKind,
    FiscalError,
    OutcomeUnknown,
    to_jsonable,
)
from .fiscal_journal_result import JournalResult

_logger = logging.getLogger(__name__)

# Devices the scheduled close talks to at once. A device thread holds no database connection
# and mostly waits (on its device, or on the cron's thread to journal): the bound is there for
# threads and sockets only, high enough that silent devices never queue behind answering ones.
CRON_CONCURRENCY = 512
SHIFT_DOCUMENT_KINDS = ("sale", "invoice", "storno", "credit_note", "cash_in", "cash_out")


class FiscalDevice(models.Model):
    _name = "fiscal.device"
    _inherit = ["fiscal.device", "mail.thread", "mail.activity.mixin"]

    shift_close_scheduled = fields.Boolean(
        string="Close the shift daily",
        help="The scheduled action prints the Z report at the daily close time when the shift "
        "is open.",
    )
    shift_close_time = fields.Float(
        string="Daily close time", default=23.5, help="Local time of day, in the time zone below."
    )
    shift_close_tz = fields.Selection(
        _tz_get,
        string="Time zone",
        default=lambda self: self.env.user.tz or "UTC",
        required=True,
    )
    shift_close_margin = fields.Float(
        string="Close before the shift limit (hours)",
        default=1.0,
        help="The scheduled action closes any shift this close to the longest shift the device "
        "accepts (its family's shift limit): it refuses documents in an older shift.",
    )

    @api.constrains("shift_close_time")
    def _check_shift_close_time(self):
        for device in self:
            if not 0 <= device.shift_close_time < 24:
                raise ValidationError(
                    _("The daily close time is an hour of the day, from 00:00 to 23:59.")
                )

    @api.constrains("shift_close_margin", "kind")
    def _check_shift_close_margin(self):
        for device in self:
            hours = device._family().shift_hours
            if hours and not 0 <= device.shift_close_margin < hours:
                raise ValidationError(
                    _(
                        "The margin before %(hours)s hours must be between 0 and %(hours)s hours.",
                        hours=hours,
                    )
                )

    # ------------------------------------------------------------------
    # Scheduled shift close
    # ------------------------------------------------------------------

    @api.model
    def _cron_close_shifts(self, now=None):
        """Close each device's shift that is due (daily close time passed, or close to its
        family's shift limit), every device at once. Returns {device id: (outcome, detail)},
        outcome ``closed`` (detail: the Z report's fiscal.document id), ``not_due`` or
        ``failed`` (detail: the message; a failure leaves an activity for the fiscal managers).

        Only this thread touches the database, on two cursors besides its own whatever the fleet
        size: the lock cursor holds each closed device's row lock (as ``_driver()`` does for a
        cashier) until the run ends and writes the devices; the journal cursor commits each Z
        report ``sending`` before its device is called, and its outcome after, in batches.
        Device threads hold no cursor: they only talk to their device (see ``_FleetClose``).
        """
        now = now or fields.Datetime.now()
        devices = self or self.search([])  # the cron calls it on no record: every device
        if not devices:
            return {}
        self.env.flush_all()
        with self.env.registry.cursor() as lock_cr:
            locked = self.with_env(self.env(cr=lock_cr))
            outcomes = _FleetClose(locked, devices.ids, now).run()
            # on the cursor that wrote the devices: another would conflict with its writes
            locked._shift_close_recorded(outcomes)
        self.env.invalidate_all()
        return outcomes

    def _shift_close_recorded(self, outcomes):
        """Hook: the outcomes of a scheduled close, on the cursor that wrote its devices."""

    def _shift_now(self, driver):
        """(open, opened at in UTC) of the shift: asked where the device knows it; the N5 is not
        asked: its day is open from the first document after its last Z report."""
        state = None
        if driver.supports(Capability.OPEN_SHIFT):
            state = self._call(driver, driver.shift_state)
        return self._shift_of(state)

    def _shift_of(self, state):
        """(open, opened at in UTC) from the device's ``ShiftState`` (written on the device),
        or from the journal when the device has none to give (``state`` None)."""
        if state is None:
            first = self._first_document_of_shift()
            return bool(first), first.sent_at or None
        self._write_shift(state)
        opened_at = state.opened_at
        if opened_at is not None and opened_at.tzinfo is not None:
            opened_at = opened_at.astimezone(pytz.utc).replace(tzinfo=None)
        return state.is_open, opened_at

    def _z_report_order(self):
        """(values of the ``sending`` Z report document, operator) for the scheduled close,
        as ``_run_report`` journals a Z report."""
        self.ensure_one()
        report_uuid = str(uuid_lib.uuid4())
        operator = self._operator()
        kind = DocumentKind.Z_REPORT.value
        request = {"kind": kind, "operator": to_jsonable(operator), "uuid": report_uuid}
        return self._service_document_values(kind, request, report_uuid), operator

    def _busy_error(self):
        return UserError(
            _(
                "Fiscal device %(device)s is busy with another operation; the scheduled shift "
                "close tries again at its next run.",
                device=self.display_name,
            )
        )

    def _first_document_of_shift(self):
        Document = self.env["fiscal.document"].sudo()
        last_z = Document.search(
            [("device_id", "=", self.id), ("kind", "=", "z_report"), ("state", "=", "done")],
            order="id desc",
            limit=1,
        )
        return Document.search(
            [
                ("device_id", "=", self.id),
                ("kind", "in", SHIFT_DOCUMENT_KINDS),
                ("state", "in", ("done", "unknown", "sending")),
                ("id", ">", last_z.id or 0),
            ],
            order="id",
            limit=1,
        )

    def _shift_close_due(self, is_open, opened_at, now):
        if not is_open:
            return False
        # the family's longest shift: the device refuses documents in an older one
        hours = self._family().shift_hours
        if (
            hours
            and opened_at
            and now - opened_at >= timedelta(hours=hours - self.shift_close_margin)
        ):
            return True
        if not self.shift_close_scheduled:
            return False
        close_at = self._last_close_time(now)
        opened_before = not opened_at or opened_at < close_at
        closed_since = self.last_z_report_at and self.last_z_report_at >= close_at
        return opened_before and not closed_since

    def _last_close_time(self, now):
        """The latest daily close time at or before ``now``, both naive UTC."""
        tz = pytz.timezone(self.shift_close_tz or "UTC")
        local_now = pytz.utc.localize(now).astimezone(tz)
        hours, minutes = divmod(round(self.shift_close_time * 60), 60)
        day = local_now.date()
        close_at = tz.localize(datetime.combine(day, time(hours, minutes)))
        if close_at > local_now:
            close_at = tz.localize(datetime.combine(day - timedelta(days=1), time(hours, minutes)))
        return close_at.astimezone(pytz.utc).replace(tzinfo=None)

    def _notify_shift_close_failure(self, error):
        """An activity for each fiscal manager, once per open failure."""
        self.ensure_one()
        summary = _("Shift not closed: %(device)s", device=self.display_name)
        managers = self.env.ref("fiscal_device.group_fiscal_manager").users.filtered(
            lambda user: user.active and not user.share
        )
        waiting = self.activity_ids.filtered(lambda a: a.summary == summary).user_id
        for user in managers - waiting:
            self.activity_schedule(
                "mail.mail_activity_data_warning",
                summary=summary,
                note=_(
                    "The scheduled shift close could not print the Z report of %(device)s:\n"
                    "%(error)s",
                    device=self.display_name,
                    error=error,
                ),
                user_id=user.id,
            )

    # ------------------------------------------------------------------
    # Status and operations that register no sale
    # ------------------------------------------------------------------

    def _status_for_ui(self):
        """Whether the device answers, and its shift state, for a screen."""
        self.ensure_one()
        self.check_access("read")
        error = False
        is_open = opened_at = None
        try:
            with self._driver() as driver:
                self._read_status(driver)
                is_open, opened_at = self._shift_now(driver)
        except AccessError:
            raise
        except UserError as failure:
            error = str(failure)
        return {
            "device_id": self.id,
            "name": self.display_name,
            "online": not error,
            "shift_open": is_open,
            "shift_opened_at": fields.Datetime.to_string(opened_at) if opened_at else False,
            "serial_number": self.sudo().serial_number or False,
            "last_z_report_at": fields.Datetime.to_string(self.sudo().last_z_report_at)
            if self.sudo().last_z_report_at
            else False,
            "error": error,
        }


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


class _FleetClose:
    """One scheduled close of many devices (see ``FiscalDevice._cron_close_shifts``).

    Phase 1, on the lock cursor: lock the rows of the devices that no one else holds (a device
    a cashier is using right now is skipped and fails as busy, as ``_driver()`` would after its
    lock timeout) and read their connection settings. Phase 2: one thread per device (at most
    ``CRON_CONCURRENCY`` at once) connects, reads its shift state where it has one and asks
    whether to close; this thread decides for every device that asked meanwhile, journals their
    Z reports ``sending`` in one committed transaction, then lets them print. Phase 3: outcomes
    that came back together are journaled in one transaction and the devices written on the
    lock cursor, whose commit at the end releases the row locks.
    """

    def __init__(self, devices, device_ids, now):
        self.devices = devices  # fiscal.device on the lock cursor
        self.device_ids = device_ids
        self.now = now
        self.outcomes = {}
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
            with ThreadPoolExecutor(max_workers=min(CRON_CONCURRENCY, len(jobs))) as pool:
                for device_id, (family, settings) in jobs.items():
                    pool.submit(_device_close, family, settings, device_id, self.inbox)
                self._serve(len(jobs))
        for device_id, (outcome, detail) in self.outcomes.items():
            if outcome == "failed":
                self.devices.browse(device_id)._notify_shift_close_failure(detail)
        return self.outcomes

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
            for device_id, (document_id, report) in reports.items():
                document = Document.browse(document_id)
                document._write_report(report)
                results[device_id] = JournalResult.from_document(document)
            for device_id, (document_id, error, idempotent) in failures.items():
                document = Document.browse(document_id)
                document.write(self.devices._journal_failure_values(error, idempotent))
                results[device_id] = JournalResult.from_document(document)
        for device_id in reports:
            done = results[device_id]
            self.devices.browse(device_id).sudo().write(
                {
                    "shift_open": False,
                    "shift_opened_at": False,
                    "last_z_report_at": fields.Datetime.now(),
                    "last_z_report_number": done.report_number,
                }
            )
            self.outcomes[device_id] = ("closed", done.document_id)
        for device_id, (_document_id, error, _idempotent) in failures.items():
            device = self.devices.browse(device_id)
            self._failed(device, device._fiscal_user_error(error, results[device_id]))


def _device_close(family, settings, device_id, inbox):
    """Phase 2 of one device, in its own thread and without a cursor: always ends by putting
    ``("end", device_id, outcome)`` in ``inbox``."""
    outcome = ("error", RuntimeError("the device thread ended without an outcome"))
    try:
        outcome = _talk_to_device(family, settings, device_id, inbox)
    except Exception as error:  # an unexpected bug: reported as this device's failure
        _logger.exception("Scheduled shift close of fiscal device %s", device_id)
        outcome = ("error", error)
    finally:
        inbox.put(("end", device_id, outcome))


def _talk_to_device(family, settings, device_id, inbox):
    journaled = None
    try:
        with family.connect(**settings) as driver:
            # the N5 is not asked: its day is open from the first document after its last Z
            state = driver.shift_state() if driver.supports(Capability.OPEN_SHIFT) else None
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
