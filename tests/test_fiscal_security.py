from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import FiscalDeviceCommon


@tagged("post_install", "-at_install")
class TestFiscalSecurity(FiscalDeviceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        cls.accountant = cls._user("plain_accountant", company, [])
        cls.cashier = cls._user("fiscal_cashier", company, [cls.group_fiscal_user])
        cls.other_company = cls.setup_other_company()["company"]
        cls.other_device = cls.env["fiscal.device"].create(
            {
                "name": "Other company's device",
                "kind": "n5_emulator",
                "company_id": cls.other_company.id,
            }
        )
        cls.addClassCleanup(cls.other_device._stop_emulators)

    @classmethod
    def _user(cls, login, company, groups):
        return cls.env["res.users"].create(
            {
                "name": login,
                "login": login,
                "company_id": company.id,
                "company_ids": [Command.set(company.ids)],
                "groups_id": [
                    Command.link(cls.env.ref("account.group_account_invoice").id),
                    *(Command.link(group.id) for group in groups),
                ],
            }
        )

    def test_user_without_fiscal_groups_is_refused(self):
        invoice = self._caspos_invoice()
        with self.assertRaisesRegex(
            AccessError, "Only members of the group Fiscal user may send documents"
        ):
            invoice.with_user(self.accountant).action_fiscalize()
        with self.assertRaises(AccessError):
            self.env["fiscal.device"].with_user(self.accountant).search([])
        with self.assertRaises(AccessError):
            self.env["fiscal.document"].with_user(self.accountant).search([])
        with self.assertRaisesRegex(AccessError, "Only members of the group Fiscal user"):
            self.caspos.with_user(self.accountant).action_x_report()
        self.assertFalse(self._documents(invoice))
        # the invoice itself stays readable, fiscal fields included
        self.assertEqual(invoice.with_user(self.accountant).fiscal_state, "none")

    def test_auto_fiscalize_refuses_a_user_without_fiscal_groups(self):
        self.caspos.auto_fiscalize = True
        invoice = self._caspos_invoice(post=False)
        # assertRaises rolls back to a savepoint, as the failed request's transaction would be
        with self.assertRaises(AccessError) as caught:
            invoice.with_user(self.accountant).action_post()
        self.assertIn(
            "Only members of the group Fiscal user may send documents", str(caught.exception)
        )
        invoice.invalidate_recordset()
        self.assertEqual(invoice.state, "draft", "nothing is half-written")
        self.assertFalse(self._documents(invoice))

    def test_fiscal_user_fiscalizes_but_cannot_read_credentials(self):
        invoice = self._caspos_invoice()
        invoice.with_user(self.cashier).action_fiscalize()
        self.assertEqual(invoice.fiscal_state, "done")
        self.assertEqual(self._documents(invoice).user_id, self.cashier)
        device = self.caspos.with_user(self.cashier)
        self.assertEqual(device.name, "Caspos test")
        with self.assertRaises(AccessError):
            device.read(["password"])
        with self.assertRaises(AccessError):
            device.write({"password": "stolen"})
        with self.assertRaises(AccessError):
            device.write({"name": "renamed"})
        self.caspos.password = "secret"
        self.assertEqual(self.caspos.password, "secret", "the manager reads and writes them")

    def test_other_company_device_is_invisible(self):
        devices = self.env["fiscal.device"].with_user(self.cashier).search([])
        self.assertIn(self.caspos, devices)
        self.assertNotIn(self.other_device, devices)
        with self.assertRaises(AccessError):
            self.other_device.with_user(self.cashier).read(["name"])
        other_document = (
            self.env["fiscal.document"]
            .sudo()
            .create(
                {
                    "device_id": self.other_device.id,
                    "company_id": self.other_company.id,
                    "kind": "x_report",
                    "state": "failed",
                    "uuid": "other-company-x-report",
                }
            )
        )
        documents = self.env["fiscal.document"].with_user(self.cashier)
        self.assertFalse(documents.search([("id", "=", other_document.id)]))
        with self.assertRaises(AccessError):
            documents.browse(other_document.id).read(["uuid"])

    def test_journal_device_must_be_of_the_journal_company(self):
        journal = self.company_data["default_journal_sale"]
        with self.assertRaisesRegex(Exception, "Incompatible companies"):
            journal.fiscal_device_id = self.other_device
