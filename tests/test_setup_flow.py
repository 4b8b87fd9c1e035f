"""A newcomer's first device: created from the form without typing a device code, its
mappings proposed from the company's taxes, journals and units, and a first invoice with the
company's default sales tax fiscalized on it, confirmed with its fiscal id and QR image."""

from odoo import Command
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from ..fiscal_device_lib import emulator_host
from ..fiscal_device_lib.families import family


@tagged("post_install", "-at_install")
class TestSetupFlow(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the journal's own cursor shares the test transaction (see tests/common.py)
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.env.user.groups_id = [
            Command.link(cls.env.ref("fiscal_device.group_fiscal_manager").id)
        ]
        cls.currencies = {
            "n5": cls.setup_other_currency("EUR", rates=[("2000-01-01", 1.0)]),
            "caspos": cls.setup_other_currency("AZN", rates=[("2000-01-01", 1.0)]),
        }

    def _sale_tax(self, rate, name):
        return self.env["account.tax"].create(
            {
                "name": name,
                "amount": rate,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": self.env.company.id,
            }
        )

    def _new_device(self, kind, name):
        """What a newcomer does: a name and a kind, nothing else."""
        form = Form(self.env["fiscal.device"])
        form.name = name
        form.kind = kind
        device = form.save()
        self.addCleanup(emulator_host.stop, device._emulator_state_dir())
        return device

    def _first_invoice(self, currency):
        # a product created now gets the company's default sales tax, as in a new database
        product = self.env["product.product"].create({"name": "Çay 100 q", "lst_price": 10.0})
        self.assertEqual(product.taxes_id, self.env.company.account_sale_tax_id)
        return self.init_invoice("out_invoice", products=product, currency=currency, post=True)

    def _assert_fiscalized(self, move, action):
        self.assertEqual(move.fiscal_state, "done")
        self.assertTrue(move.fiscal_short_id)
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn(f"fiscal id {move.fiscal_short_id}", action["params"]["message"])
        self.assertIn("test document of a built-in emulator", action["params"]["message"])
        chatter = move.message_ids.mapped("body")
        self.assertTrue(
            any(f"fiscal id {move.fiscal_short_id}" in body for body in chatter), chatter
        )
        self.assertTrue(
            move.fiscal_qr_image_url.startswith("/report/barcode/?barcode_type=QR&value="),
            move.fiscal_qr_image_url,
        )

    def test_a_new_device_of_each_kind_fiscalizes_without_a_device_code(self):
        for kind, rate, tax_name in (
            ("n5_emulator", 20, "ДДС 20%"),
            ("caspos_emulator", 18, "ƏDV 18%"),
        ):
            with self.subTest(kind=kind):
                tax = self._sale_tax(rate, tax_name)
                self.env.company.account_sale_tax_id = tax
                device = self._new_device(kind, f"First {kind}")
                known = family(device.family)
                mapping = device.tax_map_ids.filtered(lambda m, t=tax: m.tax_id == t)
                self.assertEqual(known.vat_class(mapping.vat_class).rate, rate)

                invoice = self._first_invoice(self.currencies[device.family])
                self.assertEqual(invoice.fiscal_device_id, device)
                self._assert_fiscalized(invoice, invoice.action_fiscalize())

                reversal = (
                    self.env["account.move.reversal"]
                    .with_context(active_model="account.move", active_ids=invoice.ids)
                    .create({"journal_id": invoice.journal_id.id, "reason": "returned"})
                )
                credit_note = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
                credit_note.action_post()
                action = credit_note.action_fiscal_storno()
                self._assert_fiscalized(credit_note, action)
                self.assertIn("Storno of", action["params"]["message"])

    def test_the_other_mappings_are_proposed_too(self):
        caspos = self._new_device("caspos_emulator", "Caspos mappings")
        piece = next(unit for unit in family("caspos").units if unit.label.endswith("(piece)"))
        units = {mapping.uom_id: mapping.quantity_type for mapping in caspos.uom_map_ids}
        self.assertEqual(units[self.env.ref("uom.product_uom_unit")], piece.code)
        payments = {m.journal_id: m.payment_kind for m in caspos.payment_map_ids if m.journal_id}
        self.assertEqual(payments[self.company_data["default_journal_cash"]], "cash")
        self.assertEqual(payments[self.company_data["default_journal_bank"]], "card")
        n5 = self._new_device("n5_emulator", "N5 mappings")
        self.assertFalse(n5.uom_map_ids, "the N5's lines carry no unit")

        # a tax created later is mapped by the button, and what cannot be mapped is named
        tax_9 = self._sale_tax(9, "ДДС 9%")
        action = n5.action_propose_mappings()
        self.assertEqual(n5.tax_map_ids.filtered(lambda m: m.tax_id == tax_9).vat_class, "D")
        message = action["params"]["message"]
        self.assertIn("Added 1 tax, 0 payment and 0 unit mappings.", message)
        self.assertIn(f"rate of {self.tax_sale_a.display_name}", message)

    def test_a_default_tax_of_a_rate_no_class_has_is_named_with_the_classes(self):
        # the test company's default sales tax is 15 %: no Bulgarian VAT group has that rate
        self.assertEqual(self.env.company.account_sale_tax_id, self.tax_sale_a)
        device = self._new_device("n5_emulator", "N5 without 15 %")
        self.assertNotIn(self.tax_sale_a, device.tax_map_ids.tax_id)
        invoice = self._first_invoice(self.currencies["n5"])

        with self.assertRaises(UserError) as caught:
            invoice.action_fiscalize()

        message = str(caught.exception)
        self.assertIn("The document cannot be sent to fiscal device N5 without 15 %", message)
        self.assertIn(
            f"• line 1: VAT class is missing (map the line's tax to a device VAT class): tax "
            f"{self.tax_sale_a.display_name} (15 %) has no VAT class on this device",
            message,
        )
        for vat in family("n5").vat_classes:
            self.assertIn(vat.title, message)
        self.assertIn("Propose mappings", message)
        self.assertFalse(invoice.fiscal_document_ids, "refused before anything is journaled")
