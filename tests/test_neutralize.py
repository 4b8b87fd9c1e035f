"""``data/neutralize.sql``: a neutralized copy of a shop's database reaches no live device.

The "live" devices are real peers (a Caspos emulator on loopback HTTP, an N5 emulator on a
pseudo-terminal) standing in for the shop's hardware, so the test sees whether anything reached
them. Neutralization runs the way ``odoo-bin neutralize`` does: every installed module's queries.
"""

from odoo.modules import neutralize
from odoo.tests import tagged

from ..fiscal_device_lib.caspos.emulator import CasposEmulator
from ..fiscal_device_lib.mypos_n5.emulator import N5Emulator
from .common import FiscalDeviceCommon


@tagged("post_install", "-at_install")
class TestNeutralize(FiscalDeviceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.live_caspos = CasposEmulator(port=0).start()
        cls.addClassCleanup(cls.live_caspos.stop)
        cls.live_n5 = N5Emulator()
        cls.live_n5.start()
        cls.addClassCleanup(cls.live_n5.stop)
        caspos_login = cls.live_caspos.settings()
        cls.shop_caspos = cls._create_device(
            "Shop Caspos",
            "caspos",
            "1",
            url=caspos_login["url"],
            username=caspos_login["username"],
            password=caspos_login["password"],
        )
        cls.shop_n5 = cls._create_device("Shop N5", "n5", "B", port=cls.live_n5.port)
        cls.company_data["default_journal_sale"].fiscal_device_id = cls.shop_caspos
        cls.n5_journal.fiscal_device_id = cls.shop_n5

    def _neutralize(self, modules=None):
        """Run the neutralization queries of ``modules`` (default: every installed module, as
        ``odoo-bin neutralize`` does) on the test cursor."""
        self.env.flush_all()
        installed = neutralize.get_installed_modules(self.env.cr)
        self.assertIn("fiscal_device", installed)
        for query in neutralize.get_neutralization_queries(modules or installed):
            self.env.cr.execute(query)
        self.env.invalidate_all()
        for device in self.shop_caspos | self.shop_n5:
            # the emulator state of the neutralized device is this test's own
            self._reset_emulator(device)
            self.addCleanup(self._reset_emulator, device)

    def test_live_devices_become_their_emulators(self):
        self.assertRecordValues(
            self.shop_caspos | self.shop_n5,
            [{"kind": "caspos", "is_emulator": False}, {"kind": "n5", "is_emulator": False}],
        )
        self._neutralize()
        self.assertRecordValues(
            self.shop_caspos | self.shop_n5 | self.caspos | self.n5,
            [
                {"kind": "caspos_emulator", "family": "caspos", "is_emulator": True},
                {"kind": "n5_emulator", "family": "n5", "is_emulator": True},
                {"kind": "caspos_emulator", "family": "caspos", "is_emulator": True},
                {"kind": "n5_emulator", "family": "n5", "is_emulator": True},
            ],
        )

    def _crons(self):
        shift_close = self.env.ref("fiscal_device.ir_cron_fiscal_close_shifts")
        custom = self.env["ir.cron"].create(
            {
                "name": "Fiscal devices: nightly status check",
                "model_id": self.env["ir.model"]._get_id("fiscal.device"),
                "state": "code",
                "code": "model.search([])",
                "interval_number": 1,
                "interval_type": "days",
            }
        )
        other = self.env.ref("account.ir_cron_auto_post_draft_entry")
        self.assertTrue(shift_close.active and custom.active and other.active)
        return shift_close, custom, other

    def test_fiscal_crons_are_deactivated_by_this_module(self):
        # base's neutralization stops every cron; ours does not count on it
        shift_close, custom, other = self._crons()
        self._neutralize(["fiscal_device"])
        self.assertFalse(shift_close.active)
        self.assertFalse(custom.active, "a cron an administrator added on a fiscal model")
        self.assertTrue(other.active, "crons of other models are another module's business")

    def test_fiscal_crons_are_inactive_after_the_full_neutralization(self):
        shift_close, custom, _other = self._crons()
        self._neutralize()
        self.assertFalse(shift_close.active)
        self.assertFalse(custom.active)

    def test_invoices_go_to_the_emulator_not_the_shop_device(self):
        self._neutralize()
        caspos_invoice = self._caspos_invoice()
        caspos_invoice.action_fiscalize()
        n5_invoice = self._n5_invoice()
        n5_invoice.action_fiscalize()

        caspos_document = self._documents(caspos_invoice)
        n5_document = self._documents(n5_invoice)
        self.assertRecordValues(
            caspos_document | n5_document,
            [
                {"state": "done", "device_id": self.shop_caspos.id},
                {"state": "done", "device_id": self.shop_n5.id},
            ],
        )
        self.assertEqual(
            self.live_caspos.memory.state["uuids"], {}, "the shop's Caspos got nothing"
        )
        self.assertEqual(self.live_n5.receipts(), [], "the shop's N5 got nothing")
        self.assertIn(
            caspos_document.uuid, self.shop_caspos._emulator().emulator.memory.state["uuids"]
        )
        self.assertEqual(len(self.shop_n5._emulator().emulator.receipts()), 1)

    def test_fiscal_agents_are_deactivated_where_they_exist(self):
        cr = self.env.cr
        cr.execute("SELECT to_regclass('fiscal_agent') IS NOT NULL")
        if not cr.fetchone()[0]:
            # the agent model is another module's: stand in for its table in this transaction
            cr.execute("CREATE TABLE fiscal_agent (id serial PRIMARY KEY, active boolean)")
            cr.execute("INSERT INTO fiscal_agent (active) VALUES (true), (true)")
        else:
            cr.execute("UPDATE fiscal_agent SET active = true")
        self._neutralize(["fiscal_device"])
        cr.execute("SELECT count(*) FROM fiscal_agent WHERE active")
        self.assertEqual(cr.fetchone()[0], 0)

    def test_without_a_fiscal_agent_table_the_neutralization_runs(self):
        cr = self.env.cr
        cr.execute("SELECT to_regclass('fiscal_agent') IS NOT NULL")
        if cr.fetchone()[0]:
            self.skipTest("the fiscal_agent model is installed in this database")
        self._neutralize(["fiscal_device"])
        self.assertEqual(self.shop_n5.kind, "n5_emulator")
