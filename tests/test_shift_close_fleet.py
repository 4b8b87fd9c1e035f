"""The scheduled shift close of a fleet: every device reached at once, each outcome journaled.

Real peers: Caspos emulators on loopback HTTP, and silent peers (a socket that accepts and never
answers). No timed assertion: the time a fleet takes is measured by bench/bench_fleet_close.py.
"""

import socket
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from ..fiscal_device_lib.caspos.emulator.server import CasposEmulator
from ..fiscal_device_lib.core import Operator
from ..fiscal_device_lib.families import family
from .common import FiscalDeviceCommon

ANSWERING = 5
SILENT = 3


@tagged("post_install", "-at_install")
class TestShiftCloseFleet(FiscalDeviceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulators = []
        for _number in range(ANSWERING):
            emulator = CasposEmulator(port=0).start()
            cls.addClassCleanup(emulator.stop)
            cls.emulators.append(emulator)
        cls.silent = []
        for _number in range(SILENT):
            peer = socket.socket()
            cls.addClassCleanup(peer.close)
            peer.bind(("127.0.0.1", 0))
            peer.listen(8)
            cls.silent.append(peer)

    def setUp(self):
        super().setUp()
        close_at = fields.Datetime.now() + timedelta(hours=1)
        schedule = {
            "shift_close_scheduled": True,
            "shift_close_tz": "UTC",
            "shift_close_time": close_at.hour + close_at.minute / 60,
            "timeout": 1.0,
            "retries": 0,
        }
        self.fleet = self.env["fiscal.device"]
        for number, emulator in enumerate(self.emulators):
            emulator.clear_faults()
            with family("caspos").connect(**emulator.settings()) as driver:
                if not driver.shift_state().is_open:
                    driver.open_shift(Operator("Kassir"))
            self.fleet |= self._create_device(
                f"Shop {number}",
                "caspos",
                "1",
                url=emulator.url,
                username=emulator.memory.username,
                password=emulator.memory.password,
                **schedule,
            )
        self.mute = self.env["fiscal.device"]
        for number, peer in enumerate(self.silent):
            self.mute |= self._create_device(
                f"Mute {number}",
                "caspos",
                "1",
                url=f"http://127.0.0.1:{peer.getsockname()[1]}",
                **schedule,
            )

    def _z_reports(self, devices):
        return self.env["fiscal.document"].search(
            [("device_id", "in", devices.ids), ("kind", "=", "z_report")]
        )

    def _close(self):
        return self.env["fiscal.device"]._cron_close_shifts(
            now=fields.Datetime.now() + timedelta(hours=2)
        )

    def test_every_answering_device_closes_and_every_silent_one_fails_with_an_activity(self):
        outcomes = self._close()

        reports = self._z_reports(self.fleet)
        self.assertEqual(len(reports), ANSWERING, "one Z report per answering device")
        self.assertEqual(set(reports.mapped("state")), {"done"})
        for device in self.fleet:
            report = reports.filtered(lambda r, d=device: r.device_id == d)
            self.assertEqual(outcomes[device.id], ("closed", report.id))
            self.assertFalse(device.shift_open)
            self.assertEqual(device.last_z_report_number, report.report_number)
            # written with the others in one batch: the device's figures and the journal's
            self.assertIn(
                "sale count", report.total_ids.filtered(lambda t: t.group == "total").mapped("name")
            )
            journal = report.total_ids.filtered(lambda t: t.group == "journal")
            self.assertEqual(len(journal), 8)
            self.assertEqual(journal.filtered(lambda t: t.name == "sales: documents").value, 0)
        for emulator in self.emulators:
            self.assertIsNone(emulator.memory.state["shift"], "the device's shift is closed")
        for device in self.mute:
            outcome, error = outcomes[device.id]
            self.assertEqual(outcome, "failed")
            self.assertIn(f"Fiscal device {device.name} did not answer in time (", error)
            self.assertEqual(
                set(device.activity_ids.mapped("summary")), {f"Shift not closed: {device.name}"}
            )
        self.assertFalse(self._z_reports(self.mute), "nothing journaled for an unasked device")
        self.assertEqual(outcomes[self.caspos.id], ("not_due", False))

        # the next run: nothing due where the shift closed, the silent ones fail again
        outcomes = self._close()
        for device in self.fleet:
            self.assertEqual(outcomes[device.id], ("not_due", False))
        self.assertEqual(len(self._z_reports(self.fleet)), ANSWERING)

    def test_a_z_report_lost_on_the_way_is_journaled_to_be_resent(self):
        lost = self.emulators[0]
        lost.fail_operation("closeShift", 1)

        outcomes = self._close()

        device = self.fleet[0]
        report = self._z_reports(device)
        outcome, error = outcomes[device.id]
        self.assertEqual(outcome, "failed")
        self.assertEqual(report.state, "sending", "Caspos resends the same uuid")
        self.assertIn(report.uuid, report.request_json)
        self.assertIn("run the operation again to resend it with the same UUID", error)
        self.assertTrue(device.activity_ids)
        others = self._z_reports(self.fleet[1:])
        self.assertEqual(set(others.mapped("state")), {"done"})
        self.assertEqual(len(others), ANSWERING - 1)
