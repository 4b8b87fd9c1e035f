"""The fiscal managers' device dashboard: each device's last status reading, its shift and the
documents it still owes an answer for.

Contract: ``last_status_at`` / ``last_status_ok`` / ``last_status_message`` are stored and
written by every status reading: a successful one wherever it is made, a failed one by Test
connection (shown, not raised, so the reading survives) and by the shift-close cron. The
dashboard figures are computed for the whole recordset at once: documents are counted with one
``_read_group`` per figure, never one search per device.
"""

from datetime import timedelta

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

from ..fiscal_device_lib.core import Capability
from .fiscal_device_shift import SHIFT_DOCUMENT_KINDS

# Document states that still wait for the device (those a state list may lack are ignored).
WAITING_STATES = ("to_send", "pending", "queued", "sending")


class FiscalDevice(models.Model):
    _inherit = "fiscal.device"

    last_status_at = fields.Datetime(string="Last status reading", readonly=True, copy=False)
    last_status_ok = fields.Boolean(string="Reachable", readonly=True, copy=False)
    last_status_message = fields.Char(string="Last status", readonly=True, copy=False)
    dashboard_shift_since = fields.Datetime(
        string="Shift open since",
        compute="_compute_dashboard",
        help="When the device's current shift (fiscal day) began: as the device reports it, "
        "or, where it cannot (myPOS N5), the first document after the last Z report.",
    )
    dashboard_hours_left = fields.Float(
        string="Hours left",
        compute="_compute_dashboard",
        help="Hours before the open shift reaches the longest shift the device accepts; it "
        "refuses documents after that until a Z report closes the shift.",
    )
    dashboard_shift_hours = fields.Integer(string="Shift limit (h)", compute="_compute_dashboard")
    dashboard_waiting_count = fields.Integer(
        string="Documents waiting", compute="_compute_dashboard"
    )
    dashboard_unknown_count = fields.Integer(
        string="Unknown outcomes", compute="_compute_dashboard"
    )

    def _compute_dashboard(self):
        Document = self.env["fiscal.document"].sudo()
        states = dict(Document._fields["state"]._description_selection(self.env))
        waiting = [state for state in WAITING_STATES if state in states]
        domain = [("device_id", "in", self.ids)]
        waiting_counts = dict(
            Document._read_group(
                expression.AND([domain, [("state", "in", waiting)]]), ["device_id"], ["__count"]
            )
        )
        unknown_counts = dict(
            Document._read_group(
                expression.AND([domain, [("state", "=", "unknown")]]), ["device_id"], ["__count"]
            )
        )
        first_sent = self._dashboard_first_shift_documents()
        now = fields.Datetime.now()
        for device in self:
            device.dashboard_waiting_count = waiting_counts.get(device, 0)
            device.dashboard_unknown_count = unknown_counts.get(device, 0)
            known = device.kind and device._family()
            hours = (known and known.shift_hours) or 0
            since = False
            if known and known.supports(Capability.OPEN_SHIFT):
                since = device.shift_open and device.shift_opened_at
            elif known:
                since = first_sent.get(device, False)
            device.dashboard_shift_since = since
            device.dashboard_shift_hours = hours
            left = hours and since and (since + timedelta(hours=hours) - now).total_seconds()
            device.dashboard_hours_left = max(left / 3600, 0.0) if left is not False else 0.0

    def _dashboard_first_shift_documents(self):
        """{device: sent_at of the first document after its last done Z report}, for devices
        that do not report their shift (the N5's day opens with its first document)."""
        Document = self.env["fiscal.document"].sudo()
        if not self.ids:
            return {}
        last_z = dict(
            Document._read_group(
                [("device_id", "in", self.ids), ("kind", "=", "z_report"), ("state", "=", "done")],
                ["device_id"],
                ["id:max"],
            )
        )
        after_z = expression.OR(
            [[("device_id", "=", device.id), ("id", ">", last_z.get(device, 0))] for device in self]
        )
        return dict(
            Document._read_group(
                expression.AND(
                    [
                        after_z,
                        [
                            ("kind", "in", SHIFT_DOCUMENT_KINDS),
                            ("state", "in", ("done", "unknown", "sending")),
                        ],
                    ]
                ),
                ["device_id"],
                ["sent_at:min"],
            )
        )

    # ------------------------------------------------------------------
    # Status readings
    # ------------------------------------------------------------------

    def _record_status(self, ok, message):
        self.sudo().write(
            {
                "last_status_at": fields.Datetime.now(),
                "last_status_ok": ok,
                "last_status_message": (message or "")[:500],
            }
        )

    def _read_status(self, driver):
        info = super()._read_status(driver)
        self._record_status(
            True,
            _(
                "%(model)s, serial number %(serial)s",
                model=info.model or "-",
                serial=info.serial_number or "-",
            ),
        )
        return info

    def action_test_connection(self):
        """Read the device's status; a device that does not answer is recorded as such and
        shown in a warning (raising would roll the reading back)."""
        self.ensure_one()
        self._check_fiscal_user()
        # a device busy with another operation is not a failed reading: that error is raised
        self._lock()
        try:
            return super().action_test_connection()
        except UserError as error:
            self._record_status(False, str(error))
            action = self._notify(
                _("Fiscal device %(device)s did not answer", device=self.display_name),
                str(error),
            )
            action["params"].update(type="danger", sticky=True)
            return action

    def _shift_close_recorded(self, outcomes):
        result = super()._shift_close_recorded(outcomes)
        for device_id, (outcome, detail) in outcomes.items():
            device = self.browse(device_id)
            if outcome == "failed":
                # a device busy with a cashier's operation answered nobody: not a reading
                if detail != str(device._busy_error()):
                    device._record_status(False, detail)
            # the N5 is asked nothing unless its shift is due (its day cannot be read)
            elif outcome == "closed" or device._family().supports(Capability.OPEN_SHIFT):
                device._record_status(True, _("Answered the scheduled shift check."))
        return result

    # ------------------------------------------------------------------
    # Dashboard actions
    # ------------------------------------------------------------------

    def action_view_waiting_documents(self):
        return self._action_documents_in_states(list(WAITING_STATES))

    def action_view_unknown_documents(self):
        return self._action_documents_in_states(["unknown"])

    def _action_documents_in_states(self, states):
        action = self.action_view_documents()
        action["domain"] = [("device_id", "=", self.id), ("state", "in", states)]
        return action

    # ------------------------------------------------------------------
    # Finding the device
    # ------------------------------------------------------------------

    def action_open_probe(self):
        """The "Find the device" wizard: the serial ports the server sees, each with a probe."""
        self.ensure_one()
        return self.env["fiscal.device.probe"]._for_device(self)._reopen()

    def _use_probed(self, connection, found):
        """Write the port or URL that answered and the numbers the probe read."""
        self.ensure_one()
        self.write(
            {
                **connection,
                "serial_number": found.serial_number,
                "model_name": found.model_name,
                "fiscal_memory_number": found.fiscal_memory_number,
            }
        )
        self._record_status(True, found.result)
