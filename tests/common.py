import shutil

from odoo import Command
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.exceptions import UserError

from ..fiscal_device_lib import emulator_host


def map_test_tax(device, tax, vat_class):
    """Map Odoo's shared 15 % test tax to ``vat_class`` below the ORM.

    No law has a 15 % rate, so the VAT-rate check (tested on its own in test_fiscal_flows_vat)
    would refuse every mapping of the standard test company's tax; the fiscal flows are tested
    with Odoo's own test data instead of a copy of it at another rate.
    """
    device.env.cr.execute(
        "INSERT INTO fiscal_device_tax (device_id, company_id, tax_id, vat_class) "
        "VALUES (%s, %s, %s, %s)",
        (device.id, device.company_id.id, tax.id, vat_class),
    )
    device.invalidate_recordset(["tax_map_ids"])


class FiscalDeviceFixture:
    """Emulator devices for a test class: created once, started blank by every test.

    Shared by the back-office tests and the Point of Sale tours (their base classes differ).
    """

    def setUp(self):
        super().setUp()
        # one emulator process per device, shared by every worker: each test starts it blank
        for device in (self.caspos, self.n5):
            self._reset_emulator(device)
            self.addCleanup(self._reset_emulator, device)

    @staticmethod
    def _reset_emulator(device):
        device._stop_emulators()
        shutil.rmtree(device._emulator_state_dir(), ignore_errors=True)

    @classmethod
    def _create_device(cls, name, kind, vat_class, **values):
        if kind.startswith("n5"):
            # a new N5 registers EUR; the test company sells in its own currency
            values.setdefault("currency_id", cls.env.company.currency_id.id)
        device = cls.env["fiscal.device"].create(
            {"name": name, "kind": kind, "cashier_name": "Test Cashier", **values}
        )
        map_test_tax(device, cls.tax_sale_a, vat_class)
        # the record is gone by the time class cleanups run: stop its emulator by directory
        cls.addClassCleanup(emulator_host.stop, device._emulator_state_dir())
        return device

    @classmethod
    def _create_shop(cls, name, device, currency, prefix, method_names, **config_values):
        """A Point of Sale on ``device`` selling in ``currency``, with a cash and a bank payment
        method named ``method_names`` and journals coded ``prefix``; returns (config, cash,
        bank)."""

        def journal(kind, code):
            return cls.env["account.journal"].create(
                {"name": f"{name} {kind}", "type": kind, "code": code, "currency_id": currency.id}
            )

        cash_name, bank_name = method_names
        cash = cls.env["pos.payment.method"].create(
            {"name": cash_name, "journal_id": journal("cash", f"{prefix}C").id}
        )
        bank = cls.env["pos.payment.method"].create(
            {"name": bank_name, "journal_id": journal("bank", f"{prefix}B").id}
        )
        pricelist = cls.env["product.pricelist"].create(
            {"name": f"{name} prices", "currency_id": currency.id}
        )
        config = cls.env["pos.config"].create(
            {
                "name": name,
                "journal_id": journal("sale", f"{prefix}S").id,
                "invoice_journal_id": journal("sale", f"{prefix}I").id,
                "use_pricelist": True,
                "available_pricelist_ids": pricelist.ids,
                "pricelist_id": pricelist.id,
                "payment_method_ids": [Command.set((cash | bank).ids)],
                "fiscal_device_id": device.id,
                **config_values,
            }
        )
        return config, cash, bank


class FiscalDeviceCommon(FiscalDeviceFixture, AccountTestInvoicingCommon):
    """Invoices on the built-in emulators of both device families.

    The registry is put in test mode so that the journal's own cursor (``registry.cursor()``)
    shares the test transaction, as Odoo's HttpCase does; its commits become savepoints.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.group_fiscal_user = cls.env.ref("fiscal_device.group_fiscal_user")
        cls.group_fiscal_manager = cls.env.ref("fiscal_device.group_fiscal_manager")
        cls.env.user.groups_id = [Command.link(cls.group_fiscal_manager.id)]
        cls.azn = cls.setup_other_currency("AZN", rates=[("2019-01-01", 1.0)])
        cls.caspos = cls._create_device("Caspos test", "caspos_emulator", "1")
        # the N5 tests sell in the company currency (a new N5 registers EUR by default)
        cls.n5 = cls._create_device("N5 test", "n5_emulator", "B")
        cls.n5_journal = cls.company_data["default_journal_sale"].copy({"name": "N5 sales"})
        cls.n5_journal.fiscal_device_id = cls.n5
        cls.company_data["default_journal_sale"].fiscal_device_id = cls.caspos

    def _caspos_invoice(self, post=True, **values):
        return self.init_invoice(
            "out_invoice",
            products=self.product_a,
            currency=self.azn,
            journal=self.company_data["default_journal_sale"],
            post=post,
            **values,
        )

    def _n5_invoice(self, partner=None, post=True):
        return self.init_invoice(
            "out_invoice",
            partner=partner,
            products=self.product_a,
            journal=self.n5_journal,
            post=post,
        )

    def _credit_note(self, invoice):
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "returned"})
        )
        credit_note = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        credit_note.action_post()
        return credit_note

    def _documents(self, move):
        return self.env["fiscal.document"].search(
            [("res_model", "=", move._name), ("res_id", "=", move.id)], order="id"
        )

    def _user_error_keeping_journal(self, function, *args):
        """Call ``function`` expecting a UserError, without the savepoint of assertRaises: the
        journal entries written in the (shared) test transaction must stay to be checked."""
        try:
            function(*args)
        except UserError as error:
            return str(error)
        self.fail(f"{function} raised no UserError")
