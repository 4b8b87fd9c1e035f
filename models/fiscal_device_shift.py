import logging
import uuid as uuid_lib
from datetime import datetime, time, timedelta

import pytz
from odoo import _, api, fields, models
from odoo.addons.base.models.res_partner import _tz_get
from odoo.exceptions import AccessError, UserError, ValidationError

from ..fiscal_device_lib.core import (
    Capability,
    DocumentKind,
    to_jsonable,
)
from .fiscal_device_fleet_close import SHIFT_DOCUMENT_KINDS, _FleetClose

_logger = logging.getLogger(__name__)


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

    def _notify_shift_close_failures(self, errors):
        """An activity for each fiscal manager on each device of ``errors`` ({device id: the
        failure's message}), once per open failure: created together, as
        ``activity_schedule`` creates them."""
        if not errors:
            return
        managers = self.env.ref("fiscal_device.group_fiscal_manager").users.filtered(
            lambda user: user.active and not user.share
        )
        activity_type = self.env.ref("mail.mail_activity_data_warning")
        model_id = self.env["ir.model"]._get_id(self._name)
        deadline = fields.Date.context_today(self)
        values = []
        for device in self.browse(list(errors)):
            summary = _("Shift not closed: %(device)s", device=device.display_name)
            waiting = device.activity_ids.filtered(lambda a, s=summary: a.summary == s).user_id
            note = _(
                "The scheduled shift close could not print the Z report of %(device)s:\n%(error)s",
                device=device.display_name,
                error=errors[device.id],
            )
            values += [
                {
                    "activity_type_id": activity_type.id,
                    "summary": summary,
                    "automated": True,
                    "note": note,
                    "date_deadline": deadline,
                    "res_model_id": model_id,
                    "res_id": device.id,
                    "user_id": user.id,
                }
                for user in managers - waiting
            ]
        self.env["mail.activity"].create(values)

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
