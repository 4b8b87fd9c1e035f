import socket
import time
from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import FiscalDeviceCommon
from .pos_common import FiscalPosCommon


class ZReportCommon(FiscalPosCommon):
    def _sell(self, config, cash):
        order = self._sync(config, [(self.product_a, 1, 0)], [(cash, 1150.0)])
        order.action_fiscalize()
        self.assertEqual(order.fiscal_state, "done")
        return order

    def _totals(self, document, group):
        return {total.name: total.value for total in document.total_ids if total.group == group}

    def _z_reports(self, device):
        return self.env["fiscal.document"].search(
            [("device_id", "=", device.id), ("kind", "=", "z_report")]
        )


@tagged("post_install", "-at_install")
class TestZReport(ZReportCommon):
    def test_caspos_z_report_from_the_form_closes_the_shift_with_readable_totals(self):
        self._sell(self.caspos_config, self.caspos_cash)
        self.assertTrue(self.caspos.shift_open)

        action = self.caspos.action_z_report()

        report = self.env["fiscal.document"].browse(action["res_id"])
        self.assertRecordValues(report, [{"kind": "z_report", "state": "done", "report_number": 1}])
        device_totals = self._totals(report, "total")
        self.assertEqual(device_totals["sale count"], 1)
        self.assertEqual(device_totals["sale sum"], 1150.0)
        self.assertEqual(device_totals["sale cash sum"], 1150.0)
        self.assertEqual(device_totals["money back count"], 0)
        self.assertEqual(self._totals(report, "vat")["sale type 1"], 1150.0)
        journal = self._totals(report, "journal")
        self.assertEqual(journal["sales: documents"], 1)
        self.assertEqual(journal["sales: total"], 1150.0)
        counted = report.total_ids.filtered(lambda t: t.name == "sale count")
        self.assertEqual(counted.value_display, "1")
        summed = report.total_ids.filtered(lambda t: t.name == "sale sum")
        self.assertEqual(summed.value_display, "1 150.00")
        self.assertFalse(self.caspos.shift_open)
        self.assertEqual(self.caspos.last_z_report_number, 1)
        self.assertIsNone(self.caspos._emulator().emulator.memory.state["shift"])

    def test_n5_z_report_totals_from_the_drawer_and_the_journal(self):
        order = self._sell(self.n5_config, self.n5_cash)
        refund = self._sync(
            self.n5_config, [(self.product_a, -1, 0)], [(self.n5_cash, -1150.0)], refund_of=order
        )
        refund.action_fiscal_storno()

        report = self.env["fiscal.document"].browse(self.n5.action_z_report()["res_id"])

        self.assertEqual(report.state, "done")
        self.assertEqual(self._totals(report, "total"), {"cash_in_drawer": 0.0})
        self.assertEqual(
            self._totals(report, "journal"),
            {
                "sales: documents": 1,
                "sales: total": 1150.0,
                "stornos: documents": 1,
                "stornos: total": 1150.0,
                "cash in: documents": 0,
                "cash in: total": 0.0,
                "cash out: documents": 0,
                "cash out: total": 0.0,
            },
        )
        journal = self.n5._emulator().emulator.journal
        self.assertEqual(journal[-1]["type"], "Z_RECEIPT")
        # the next Z report counts only what came after this one
        self._sell(self.n5_config, self.n5_cash)
        second = self.env["fiscal.document"].browse(self.n5.action_z_report()["res_id"])
        self.assertEqual(self._totals(second, "journal")["sales: documents"], 1)
        self.assertEqual(self._totals(second, "journal")["stornos: documents"], 0)


@tagged("post_install", "-at_install")
class TestShiftCloseCron(ZReportCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dead = cls._create_unreachable_caspos(shift_close_scheduled=True, shift_close_tz="UTC")
        cls.idle = cls._create_device("N5 idle", "n5_emulator", "B")
        cls.admin = cls.env.ref("base.user_admin")

    def setUp(self):
        super().setUp()
        self._reset_emulator(self.idle)
        self.addCleanup(self._reset_emulator, self.idle)

    def _schedule(self, device, hours_from_now):
        """A daily close time ``hours_from_now`` after the real time of day, in UTC."""
        close_at = fields.Datetime.now() + timedelta(hours=hours_from_now)
        device.write(
            {
                "shift_close_scheduled": True,
                "shift_close_tz": "UTC",
                "shift_close_time": close_at.hour + close_at.minute / 60,
            }
        )

    def test_cron_closes_due_shifts_and_an_unreachable_device_does_not_stop_the_others(self):
        self._sell(self.caspos_config, self.caspos_cash)
        self._sell(self.n5_config, self.n5_cash)
        self._schedule(self.caspos, 1)
        self._schedule(self.dead, 1)
        self.dead.shift_close_time = self.caspos.shift_close_time
        cron = self.env.ref("fiscal_device.ir_cron_fiscal_close_shifts")
        self.assertEqual(cron.code, "model._cron_close_shifts()")

        started = time.monotonic()
        # two hours on: the Caspos's daily close time has passed, the N5's day is 2 h old
        outcomes = self.env["fiscal.device"]._cron_close_shifts(
            now=fields.Datetime.now() + timedelta(hours=2)
        )
        self.assertLess(time.monotonic() - started, 30, "the dead device did not stall the run")

        caspos_z = self._z_reports(self.caspos)
        self.assertEqual(outcomes[self.caspos.id], ("closed", caspos_z.id))
        self.assertEqual(caspos_z.state, "done")
        self.assertEqual(self._totals(caspos_z, "total")["sale sum"], 1150.0)
        journal = self._totals(caspos_z, "journal")
        self.assertEqual((journal["sales: documents"], journal["sales: total"]), (1, 1150.0))
        self.assertEqual(self.caspos.last_z_report_number, caspos_z.report_number)
        self.assertFalse(self.caspos.shift_open)
        self.assertEqual(outcomes[self.n5.id], ("not_due", False))
        self.assertEqual(outcomes[self.idle.id], ("not_due", False))
        self.assertFalse(self._z_reports(self.n5) | self._z_reports(self.idle))
        outcome, error = outcomes[self.dead.id]
        self.assertEqual(outcome, "failed")
        self.assertIn("Fiscal device Caspos unplugged cannot be reached", error)

        managers = self.group_fiscal_manager.users.filtered(lambda u: u.active and not u.share)
        self.assertIn(self.admin, managers)
        activity = self.dead.activity_ids
        self.assertEqual(activity.user_id, managers, "one activity per fiscal manager")
        activity = activity.filtered(lambda a: a.user_id == self.admin)
        self.assertEqual(activity.summary, "Shift not closed: Caspos unplugged")
        self.assertIn("cannot be reached", str(activity.note))
        self.assertEqual(activity.activity_type_id, self.env.ref("mail.mail_activity_data_warning"))
        self.assertFalse(self.caspos.activity_ids)

        # the next run: the dead device again, no second activity; the closed Caspos not due
        outcomes = self.env["fiscal.device"]._cron_close_shifts(
            now=fields.Datetime.now() + timedelta(hours=2, minutes=15)
        )
        self.assertEqual(outcomes[self.caspos.id], ("not_due", False))
        self.assertEqual(outcomes[self.dead.id][0], "failed")
        self.assertEqual(self.dead.activity_ids.user_id, managers)
        self.assertEqual(len(self.dead.activity_ids), len(managers))

    def test_cron_a_silent_device_times_out_and_the_others_still_close(self):
        # a peer that accepts the connection and never answers: the stall a refused port hides
        silent = socket.socket()
        self.addCleanup(silent.close)
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        mute = self._create_device(
            "Caspos mute",
            "caspos",
            "1",
            url=f"http://127.0.0.1:{silent.getsockname()[1]}",
            timeout=1.0,
            retries=0,
        )
        self._sell(self.caspos_config, self.caspos_cash)
        self._schedule(self.caspos, 1)
        self._schedule(mute, 1)

        outcomes = self.env["fiscal.device"]._cron_close_shifts(
            now=fields.Datetime.now() + timedelta(hours=2)
        )

        outcome, error = outcomes[mute.id]
        self.assertEqual(outcome, "failed")
        self.assertIn("Fiscal device Caspos mute did not answer in time (", error)
        self.assertIn("Check that it is switched on and reachable, then try again.", error)
        self.assertEqual(outcomes[self.caspos.id][0], "closed")
        self.assertEqual(self._z_reports(self.caspos).state, "done")
        self.assertEqual(
            set(mute.activity_ids.mapped("summary")), {"Shift not closed: Caspos mute"}
        )

    def test_cron_closes_a_shift_close_to_24_hours_old(self):
        self._sell(self.n5_config, self.n5_cash)
        self._sell(self.caspos_config, self.caspos_cash)
        self.caspos.shift_close_margin = 0.25
        self.dead.active = False

        almost_a_day = fields.Datetime.now() + timedelta(hours=23, minutes=30)
        outcomes = self.env["fiscal.device"]._cron_close_shifts(now=almost_a_day)

        n5_z = self._z_reports(self.n5)
        self.assertEqual(outcomes[self.n5.id], ("closed", n5_z.id))
        self.assertEqual(self._totals(n5_z, "journal")["sales: documents"], 1)
        self.assertEqual(
            outcomes[self.caspos.id],
            ("not_due", False),
            "23.5 h is not yet within the Caspos's 15 minutes margin",
        )
        self.assertNotIn(self.dead.id, outcomes, "archived devices are left alone")
        outcomes = self.env["fiscal.device"]._cron_close_shifts(
            now=almost_a_day + timedelta(minutes=20)
        )
        self.assertEqual(outcomes[self.caspos.id][0], "closed")
        self.assertEqual(outcomes[self.n5.id], ("not_due", False), "its day was closed")

    def test_shift_close_settings_are_checked(self):
        with self.assertRaisesRegex(
            ValidationError, "The daily close time is an hour of the day, from 00:00 to 23:59."
        ):
            self.caspos.shift_close_time = 24
        with self.assertRaisesRegex(
            ValidationError, "The margin before 24 hours must be between 0 and 24 hours."
        ):
            self.caspos.shift_close_margin = -1


@tagged("post_install", "-at_install")
class TestDeviceDefaults(FiscalDeviceCommon):
    def test_a_new_device_registers_its_familys_currency(self):
        Device = self.env["fiscal.device"]
        eur = self.env.ref("base.EUR")
        n5 = Device.create({"name": "New N5", "kind": "n5"})
        self.assertEqual(n5.currency_id, eur, "an N5 registers EUR, never AZN")
        caspos = Device.create({"name": "New Caspos", "kind": "caspos_emulator"})
        self.assertEqual(caspos.currency_id, self.azn)
        caspos.kind = "n5_emulator"
        self.assertEqual(caspos.currency_id, eur, "the currency follows the family")

    def test_the_n5_url_gets_its_json_rpc_path_once(self):
        for url in ("http://192.0.2.7:8080", "http://192.0.2.7:8080/jsonrpc"):
            device = self.env["fiscal.device"].create(
                {"name": "N5 over HTTP", "kind": "n5", "url": url}
            )
            self.assertEqual(device._connection_settings()["url"], "http://192.0.2.7:8080/jsonrpc")
        self.assertIn("/jsonrpc is added when missing", self.n5._fields["url"].help)
