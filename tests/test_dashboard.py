"""The fiscal managers' dashboard: each device's last status reading (from Test connection and
the scheduled shift check), its shift and hours left, its waiting and unknown documents; and
the "Find the device" wizard against the emulators' real serial line and HTTP address."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import FiscalDeviceCommon

MISSING_PORT = "/nonexistent/ttyACM9"


@tagged("post_install", "-at_install")
class TestDashboard(FiscalDeviceCommon):
    def _unplugged_n5(self):
        return self.env["fiscal.device"].create(
            {
                "name": "Unplugged N5",
                "kind": "n5",
                "port": MISSING_PORT,
                "currency_id": self.env.company.currency_id.id,
            }
        )

    def _document(self, device, state):
        return (
            self.env["fiscal.document"]
            .sudo()
            .create(
                {
                    "device_id": device.id,
                    "company_id": device.company_id.id,
                    "kind": "sale",
                    "state": state,
                    "uuid": f"dashboard-{state}-{device.id}",
                    "sent_at": fields.Datetime.now(),
                }
            )
        )

    def test_test_connection_records_the_reading_and_a_failure(self):
        self.n5.action_test_connection()
        self.assertTrue(self.n5.last_status_ok)
        self.assertTrue(self.n5.last_status_at)
        self.assertIn(self.n5.serial_number, self.n5.last_status_message)

        unplugged = self._unplugged_n5()
        action = unplugged.action_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("ttyACM9 does not exist", action["params"]["message"])
        self.assertFalse(unplugged.last_status_ok)
        self.assertTrue(unplugged.last_status_at)
        self.assertIn("ttyACM9 does not exist", unplugged.last_status_message)

    def test_the_scheduled_shift_check_records_the_reading(self):
        now = fields.Datetime.now()
        self.assertEqual(self.caspos._cron_close_shifts(now)[self.caspos.id][0], "not_due")
        self.assertTrue(self.caspos.last_status_ok)
        self.assertEqual(self.caspos.last_status_message, "Answered the scheduled shift check.")
        # the N5's day opened with its first document, 23.5 hours ago: its Z report is due
        unplugged = self._unplugged_n5()
        document = self._document(unplugged, "unknown")
        self.env.cr.execute(
            "UPDATE fiscal_document SET sent_at = %s WHERE id = %s",
            (now - timedelta(hours=23.5), document.id),
        )
        document.invalidate_recordset()
        outcome, detail = unplugged._cron_close_shifts(now)[unplugged.id]
        self.assertEqual(outcome, "failed")
        self.assertIn("ttyACM9 does not exist", detail)
        self.assertFalse(unplugged.last_status_ok)
        self.assertIn("ttyACM9 does not exist", unplugged.last_status_message)

    def test_shift_hours_left_and_documents_waiting_or_unknown(self):
        devices = self.caspos | self.n5
        self.assertEqual(devices.mapped("dashboard_shift_since"), [False, False])
        self.assertEqual(devices.mapped("dashboard_waiting_count"), [0, 0])

        invoice = self._n5_invoice()
        invoice.action_fiscalize()
        (document,) = self._documents(invoice)
        # the N5 cannot report its day: it opened with the first document after the last Z
        self.env.cr.execute(
            "UPDATE fiscal_document SET sent_at = %s WHERE id = %s",
            (fields.Datetime.now() - timedelta(hours=20), document.id),
        )
        self._document(self.n5, "sending")
        self._document(self.n5, "unknown")
        self._document(self.n5, "failed")
        self.caspos.action_open_shift()
        devices.invalidate_recordset()

        self.assertEqual(self.n5.dashboard_shift_hours, 24)
        self.assertEqual(self.n5.dashboard_shift_since, document.sent_at)
        self.assertTrue(3.9 < self.n5.dashboard_hours_left <= 4.0, self.n5.dashboard_hours_left)
        self.assertEqual(self.n5.dashboard_waiting_count, 1)
        self.assertEqual(self.n5.dashboard_unknown_count, 1)
        self.assertEqual(self.caspos.dashboard_shift_since, self.caspos.shift_opened_at)
        self.assertTrue(self.caspos.dashboard_hours_left > 20)
        self.assertEqual(self.caspos.dashboard_waiting_count, 0)
        unknown = self.env["fiscal.document"].search(
            self.n5.action_view_unknown_documents()["domain"]
        )
        self.assertEqual(unknown.mapped("state"), ["unknown"])

        self.caspos.action_z_report()
        devices.invalidate_recordset()
        self.assertFalse(self.caspos.dashboard_shift_since)
        self.assertEqual(self.caspos.dashboard_hours_left, 0.0)
        self.assertTrue(self.caspos.last_z_report_at)

    def test_dashboard_figures_take_as_many_queries_for_one_device_as_for_three(self):
        def queries(devices):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            devices.mapped("dashboard_waiting_count")
            return self.env.cr.sql_log_count - before

        self._document(self.n5, "sending")
        three = self.caspos | self.n5 | self._unplugged_n5()
        queries(three)  # the access rules' cache is filled once
        # the four figures' read groups and the devices' own row
        self.assertEqual(queries(self.n5), 5)
        self.assertEqual(queries(three), 5)

    def test_dashboard_view_and_menu(self):
        action = self.env.ref("fiscal_device.fiscal_device_dashboard_action")
        self.assertEqual(action.view_ids[0].view_mode, "kanban")
        views = self.env["fiscal.device"].get_views([(action.view_ids[0].view_id.id, "kanban")])
        arch = views["views"]["kanban"]["arch"]
        for name in ("action_test_connection", "action_x_report", "action_z_report"):
            self.assertIn(name, arch)
        menu = self.env.ref("fiscal_device.fiscal_device_dashboard_menu")
        self.assertEqual(menu.action, action)
        self.assertIn(self.group_fiscal_manager, menu.groups_id)

    def test_find_an_n5_on_its_serial_line_and_use_it(self):
        line_url = self.n5._emulator().settings["port"]  # the emulator's serial line
        device = self.env["fiscal.device"].create(
            {
                "name": "N5 at the till",
                "kind": "n5",
                "port": line_url,
                "currency_id": self.env.company.currency_id.id,
            }
        )
        wizard = self.env["fiscal.device.probe"]._for_device(device)
        line = wizard.line_ids.filtered(lambda ln: ln.port == line_url)
        self.assertEqual(line.description, "set on the device")
        unplugged = wizard.line_ids.create({"wizard_id": wizard.id, "port": MISSING_PORT})

        unplugged.action_probe()
        self.assertFalse(unplugged.found)
        self.assertIn("ttyACM9 does not exist", unplugged.result)
        with self.assertRaisesRegex(UserError, "No myPOS N5 answered on /nonexistent/ttyACM9"):
            unplugged.action_use()

        action = line.action_probe()
        self.assertEqual(action["res_id"], wizard.id)
        self.assertTrue(line.found, line.result)
        self.assertEqual(line.fiscal_memory_number, "51300001")
        line.action_use()
        self.assertEqual(device.port, line_url)
        self.assertEqual(device.fiscal_memory_number, "51300001")
        self.assertEqual(device.serial_number, line.serial_number)
        self.assertTrue(device.last_status_ok)

    def test_find_a_caspos_at_its_address_and_use_it(self):
        settings = self.caspos._emulator().settings
        device = self.env["fiscal.device"].create({"name": "Caspos at the till", "kind": "caspos"})
        wizard = self.env["fiscal.device.probe"]._for_device(device)
        with self.assertRaisesRegex(UserError, "Probe the address first"):
            wizard.action_use_url()
        wizard.url = settings["url"]
        wizard.action_probe_url()
        self.assertTrue(wizard.found, wizard.result)
        self.assertTrue(wizard.serial_number and wizard.fiscal_memory_number)
        wizard.action_use_url()
        self.assertEqual(device.url, settings["url"])
        self.assertEqual(device.serial_number, wizard.serial_number)
        # Test connection on the found device fills the same numbers from the device
        device.action_test_connection()
        self.assertEqual(device.model_name, wizard.model_name)
        self.assertTrue(device.last_status_ok)
