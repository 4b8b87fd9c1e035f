"""Device facts in the Odoo mappings come from the families registry: VAT classes with the
law's rates (a tax of another rate is refused), units, departments, payment kinds, and the
proposed tax -> VAT class mapping."""

import json

from lxml import etree
from odoo import Command
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, HttpCase, tagged

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
        self.assertIn(f"as VAT class {n5_b.title}, whose rate is 20 %", message)
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
            for vat in family(name).vat_classes:
                self.assertEqual(vat_labels[vat.code], vat.title)
        # every label reads with its rate, or says the law fixes none
        self.assertEqual(vat_labels["B"], "B — Б (B): стандартна ставка, standard rate, 20 %")
        self.assertEqual(vat_labels["3"], "3 — 0 %: ƏDV-dən azad (VAT-exempt)")
        self.assertEqual(vat_labels["6"], "6 — Sadələşdirilmiş 2 % (simplified tax 2 %)")
        self.assertEqual(vat_labels["7"], "7 — Sadələşdirilmiş 8 % (simplified tax 8 %)")
        self.assertIn("rate not fixed", vat_labels["E"])
        payment_labels = dict(
            self.env["fiscal.device.payment"]
            ._fields["payment_kind"]
            ._description_selection(self.env)
        )
        self.assertEqual(payment_labels["check"], "Cheque", "no family prefix: each offers its own")
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

    def test_a_line_offers_only_its_devices_family_choices(self):
        """The form's lines whitelist their family's codes (``filterable_selection``), and
        follow the device's kind before it is saved."""
        form = Form(self.env["fiscal.device"])
        form.name = "New till"
        for name in ("n5", "caspos"):
            known = family(name)
            form.kind = f"{name}_emulator"
            with form.tax_map_ids.new() as line:
                line.tax_id = self.company_data["default_tax_sale"]
                self.assertEqual(line.vat_class_codes, [vat.code for vat in known.vat_classes])
                line.vat_class = known.vat_classes[0].code
            with form.payment_map_ids.new() as line:
                line.journal_id = self.company_data["default_journal_bank"]
                self.assertEqual(
                    line.payment_kind_codes, [kind.value for kind in known.payment_kinds]
                )
                line.payment_kind = "cash"
            if known.units:  # the Units page shows only where the family has units
                with form.uom_map_ids.new() as line:
                    line.uom_id = self.env.ref("uom.product_uom_unit")
                    codes = [unit.code for unit in known.units]
                    self.assertEqual(line.quantity_type_codes, codes)
                    line.quantity_type = codes[0]
                form.uom_map_ids.remove(0)
            form.tax_map_ids.remove(0)
            form.payment_map_ids.remove(0)
        self.assertEqual(form.payment_kind_codes, ["cash", "card", "bonus", "credit", "advance"])

    def test_the_invoice_payment_kind_is_one_of_the_family(self):
        self.n5.invoice_payment_kind = "check"
        with self.assertRaisesRegex(
            UserError,
            r"Fiscal device Caspos facts \(Caspos \(Azerbaijan e-kassa\)\) takes no payment of "
            r"kind Cheque; it takes Cash, Card / cashless, Bonus, Credit, Advance \(prepayment\)\.",
        ):
            self.caspos.invoice_payment_kind = "check"

    def test_what_a_device_shows_is_what_its_family_takes(self):
        facts = [
            "uses_url",
            "uses_url_path",
            "uses_serial_port",
            "uses_credentials",
            "uses_retries",
            "uses_busy_retries",
            "uses_operator_number",
            "has_departments",
            "has_units",
            "can_open_shift",
            "can_open_cash_drawer",
            "can_invoice",
        ]
        caspos = dict.fromkeys(facts, False)
        caspos.update(
            uses_url=True,
            uses_url_path=True,
            uses_credentials=True,
            uses_retries=True,
            has_units=True,
            can_open_shift=True,
            can_open_cash_drawer=True,
        )
        n5 = {fact: not caspos[fact] for fact in facts}
        n5["uses_url"] = True  # an N5 over HTTP: a URL instead of the serial port
        self.assertRecordValues(self.caspos | self.n5, [caspos, n5])

    def test_the_views_name_no_family_and_no_device_code(self):
        families = [known.name for known in (family("caspos"), family("n5"))]
        for xmlid in (
            "fiscal_device.fiscal_device_view_form",
            "fiscal_device.fiscal_document_view_form",
            "fiscal_device.fiscal_report_wizard_view_form",
        ):
            arch = etree.fromstring(self.env.ref(xmlid).arch)
            for node in arch.iter():
                condition = node.get("invisible") or ""
                with self.subTest(view=xmlid, condition=condition):
                    self.assertNotIn("family", condition)
                    for word in [*families, "'15'", "'23'", "ByDate", "ByNumber"]:
                        self.assertNotIn(word, condition)


# Opens the device form's page, edits the first line and reports the codes its dropdown offers.
DROPDOWN_CODES_JS = """
(async () => {
    const until = async (selector) => {
        for (let tries = 0; tries < 400; tries++) {
            const found = document.querySelector(selector);
            if (found) { return found; }
            await new Promise((resolve) => setTimeout(resolve, 50));
        }
        throw new Error("not found: " + selector);
    };
    const cell = `.o_field_one2many[name="%(lines)s"] td[name="%(field)s"]`;
    (await until('a[name="%(page)s"]')).click();
    (await until(cell)).click();
    const select = await until(cell + " select");
    const codes = [...select.options].map((option) => JSON.parse(option.value)).filter(Boolean);
    if (JSON.stringify(codes) === JSON.stringify(%(expected)s)) {
        console.log("test successful");
    } else {
        console.error("offered " + JSON.stringify(codes));
    }
})();
"""


@tagged("post_install", "-at_install")
class TestDeviceFormChoices(HttpCase):
    def test_a_lines_dropdown_lists_only_its_devices_family_codes(self):
        """In the web client, the filterable_selection widget offers a line its family's codes."""
        tax = self.env["account.tax"].create(
            {"name": "VAT 20 % form", "amount": 20, "amount_type": "percent"}
        )
        journal = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", self.env.company.id)], limit=1
        )
        n5 = self.env["fiscal.device"].create(
            {
                "name": "N5 form",
                "kind": "n5_emulator",
                "tax_map_ids": [Command.create({"tax_id": tax.id, "vat_class": "B"})],
            }
        )
        caspos = self.env["fiscal.device"].create(
            {
                "name": "Caspos form",
                "kind": "caspos_emulator",
                "payment_map_ids": [
                    Command.create({"journal_id": journal.id, "payment_kind": "card"})
                ],
            }
        )
        cases = [
            (n5, "taxes", "tax_map_ids", "vat_class", [v.code for v in family("n5").vat_classes]),
            (
                caspos,
                "payments",
                "payment_map_ids",
                "payment_kind",
                [kind.value for kind in family("caspos").payment_kinds],
            ),
        ]
        for device, page, lines, field, expected in cases:
            with self.subTest(device=device.name):
                code = DROPDOWN_CODES_JS % {
                    "page": page,
                    "lines": lines,
                    "field": field,
                    "expected": json.dumps(expected),
                }
                self.browser_js(
                    f"/odoo/action-fiscal_device.fiscal_device_action/{device.id}",
                    code,
                    login="admin",
                )
