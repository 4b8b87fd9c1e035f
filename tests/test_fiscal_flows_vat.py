"""Device facts in the Odoo mappings come from the families registry: VAT classes with the
law's rates (a tax of another rate is refused), units, departments, payment kinds, and the
proposed tax -> VAT class mapping."""

from odoo import Command
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..fiscal_device_lib.families import family


@tagged("post_install", "-at_install")
class TestFiscalDeviceFacts(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id = [
            Command.link(cls.env.ref("fiscal_device.group_fiscal_manager").id)
        ]
        cls.n5 = cls.env["fiscal.device"].create({"name": "N5 facts", "kind": "n5_emulator"})
        cls.caspos = cls.env["fiscal.device"].create(
            {"name": "Caspos facts", "kind": "caspos_emulator"}
        )
        cls.addClassCleanup(cls.n5._stop_emulators)
        cls.addClassCleanup(cls.caspos._stop_emulators)

    def _tax(self, rate, name=None):
        return self.env["account.tax"].create(
            {
                "name": name or f"VAT {rate} %",
                "amount": rate,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": self.env.company.id,
            }
        )

    def _map(self, device, tax, vat_class):
        return self.env["fiscal.device.tax"].create(
            {"device_id": device.id, "tax_id": tax.id, "vat_class": vat_class}
        )

    def test_a_tax_of_another_rate_than_its_vat_class_is_refused(self):
        tax_15 = self._tax(15)
        n5_b = family("n5").vat_class("B")
        with self.assertRaises(ValidationError) as caught:
            self._map(self.n5, tax_15, "B")
        message = str(caught.exception)
        self.assertIn("Tax VAT 15 % (15 %) cannot be registered on N5 facts as VAT class", message)
        self.assertIn(f"{family('n5').title}: {n5_b.label}", message)
        self.assertIn("whose rate is 20 %", message)
        with self.assertRaisesRegex(
            ValidationError, r"Tax VAT 15 % \(15 %\) cannot be .* Caspos facts .* rate is 18 %"
        ):
            self._map(self.caspos, tax_15, "1")

        self.assertEqual(self._map(self.n5, self._tax(20), "B").vat_class, "B")
        self.assertEqual(self._map(self.caspos, self._tax(18), "1").vat_class, "1")
        # a class whose rate the law does not fix is not checked
        free = next(vat for vat in family("n5").vat_classes if vat.rate is None)
        self.assertEqual(self._map(self.n5, tax_15, free.code).vat_class, free.code)

        mapping = self._map(self.n5, self._tax(9), "D")
        with self.assertRaisesRegex(ValidationError, r"\(9 %\) .* whose rate is 20 %"):
            mapping.vat_class = "B"
        with self.assertRaisesRegex(ValidationError, "VAT class 1 does not exist on N5 facts"):
            mapping.vat_class = "1"

    def test_selections_are_read_from_the_registry(self):
        vat_labels = dict(
            self.env["fiscal.device.tax"]._fields["vat_class"]._description_selection(self.env)
        )
        for name in ("caspos", "n5"):
            known = family(name)
            for vat in known.vat_classes:
                self.assertIn(vat.label, vat_labels[vat.code])
                self.assertIn(known.title, vat_labels[vat.code])
        units = dict(
            self.env["fiscal.device.uom"]._fields["quantity_type"]._description_selection(self.env)
        )
        self.assertEqual(set(units), {unit.code for unit in family("caspos").units})

    def test_units_departments_and_payment_kinds_of_the_devices_family_only(self):
        kilogram = self.env.ref("uom.product_uom_kgm")
        caspos_unit = family("caspos").units[1]
        self.caspos.uom_map_ids.unlink()  # the standard units were proposed on creation
        mapping = self.env["fiscal.device.uom"].create(
            {"device_id": self.caspos.id, "uom_id": kilogram.id, "quantity_type": caspos_unit.code}
        )
        self.assertEqual(mapping.quantity_type, caspos_unit.code)
        with self.assertRaisesRegex(ValidationError, r"N5 facts \(.*\) has no unit"):
            self.env["fiscal.device.uom"].create(
                {"device_id": self.n5.id, "uom_id": kilogram.id, "quantity_type": caspos_unit.code}
            )

        Category = self.env["fiscal.device.category"]

        def department(device, number):
            category = self.env["product.category"].create({"name": f"Shelf {number}"})
            return Category.create(
                {"device_id": device.id, "categ_id": category.id, "department": number}
            )

        self.assertEqual(department(self.n5, 5).department, 5)
        with self.assertRaisesRegex(ValidationError, "N5 facts .* has no department 101"):
            department(self.n5, 101)
        with self.assertRaisesRegex(ValidationError, "Caspos facts .* has no department 1; .*none"):
            department(self.caspos, 1)

        journal = self.company_data["default_journal_bank"]
        Payment = self.env["fiscal.device.payment"]
        with self.assertRaisesRegex(
            ValidationError, "Caspos facts .* takes no payment of kind Cheque; it takes Cash"
        ):
            Payment.create(
                {"device_id": self.caspos.id, "journal_id": journal.id, "payment_kind": "check"}
            )
        with self.assertRaisesRegex(ValidationError, "N5 facts .* takes no payment of kind Bonus"):
            Payment.create(
                {"device_id": self.n5.id, "journal_id": journal.id, "payment_kind": "bonus"}
            )
        Payment.create({"device_id": self.n5.id, "journal_id": journal.id, "payment_kind": "check"})

    def test_proposed_tax_mapping_follows_the_rates(self):
        tax_20, tax_9, tax_0, tax_15 = (self._tax(rate) for rate in (20, 9, 0, 15))

        commands = self.n5._propose_tax_mapping()

        proposed = {command[2]["tax_id"]: command[2]["vat_class"] for command in commands}
        self.assertEqual(proposed[tax_20.id], "B")
        self.assertEqual(proposed[tax_9.id], "D")
        self.assertEqual(proposed[tax_0.id], "A")
        self.assertNotIn(tax_15.id, proposed, "no N5 class has 15 %")
        self.n5.tax_map_ids = commands
        self.assertEqual(
            self.n5.tax_map_ids.tax_id.filtered(lambda t: t.amount == 15), tax_15.browse()
        )
        self.assertFalse(
            [c for c in self.n5._propose_tax_mapping() if c[2]["tax_id"] == tax_20.id],
            "a mapped tax is not proposed again",
        )
        tax_18 = self._tax(18)
        caspos = {c[2]["tax_id"]: c[2]["vat_class"] for c in self.caspos._propose_tax_mapping()}
        self.assertEqual(caspos[tax_18.id], "1")
