import ast
import json
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..fiscal_device_lib.core import Capability
from ..fiscal_device_lib.families import family
from ..wizards.fiscal_report import CAPABILITY_OF_TYPE, duration_text
from .pos_common import FiscalPosCommon


@tagged("post_install", "-at_install")
class TestReportWizard(FiscalPosCommon):
    def _run(self, device, report_type, **values):
        wizard = self.env["fiscal.report.wizard"].create(
            {"device_id": device.id, "report_type": report_type, **values}
        )
        action = wizard.action_run()
        self.assertEqual((action["res_model"], action["res_id"]), (wizard._name, wizard.id))
        self.assertEqual(wizard.state, "done")
        self.assertEqual(wizard.document_id.state, "done")
        return wizard

    def _totals(self, wizard):
        return {line.name: line.value_display for line in wizard.total_line_ids}

    def _sell(self, config, cash, amount=1150.0):
        order = self._sync(config, [(self.product_a, 1, 0)], [(cash, amount)])
        order.action_fiscalize()
        return order

    def _printed(self, device):
        return self.n5._emulator().emulator.printed[-1] if device == self.n5 else None

    def _kinds(self, device):
        return self.env["fiscal.document"].search([("device_id", "=", device.id)]).mapped("kind")

    # -- Caspos --------------------------------------------------------------------------------

    def test_caspos_z_report_and_periodic_report_over_a_date_range(self):
        self._sell(self.caspos_config, self.caspos_cash)
        first_z = self._run(self.caspos, "z_report")
        self.assertEqual(first_z.document_id.kind, "z_report")
        self.assertEqual(self._totals(first_z)["sale sum"], "1 150.00")
        self.assertFalse(self.caspos.shift_open)
        self._sell(self.caspos_config, self.caspos_cash)
        self._sell(self.caspos_config, self.caspos_bank)
        self._run(self.caspos, "z_report")

        now = fields.Datetime.now()
        periodic = self._run(
            self.caspos,
            "periodic_report",
            date_from=now - timedelta(hours=1),
            date_to=now + timedelta(hours=1),
        )

        self.assertEqual(periodic.document_id.kind, "periodic_report")
        totals = self._totals(periodic)
        self.assertEqual(totals["sale count"], "3")
        self.assertEqual(totals["sale total"], "3 450.00")
        self.assertEqual(totals["sale cash total"], "2 300.00")
        self.assertEqual(totals["sale cashless total"], "1 150.00")
        self.assertEqual(totals["sale return count"], "0")
        self.assertEqual(totals["period sum"], "3 450.00")
        request = json.loads(periodic.document_id.request_json)
        self.assertEqual(request["startDate"], fields.Datetime.to_string(now - timedelta(hours=1)))

        empty = self._run(
            self.caspos,
            "periodic_report",
            date_from=now - timedelta(days=3),
            date_to=now - timedelta(days=2),
        )
        self.assertEqual(self._totals(empty)["sale count"], "0")

    def test_caspos_control_tape_lists_the_shift_documents(self):
        order = self._sell(self.caspos_config, self.caspos_cash)
        self._sell(self.caspos_config, self.caspos_bank)
        refund = self._sync(
            self.caspos_config,
            [(self.product_a, -1, 0)],
            [(self.caspos_cash, -1150.0)],
            refund_of=order,
        )
        refund.action_fiscal_storno()

        tape = self._run(self.caspos, "control_tape")

        self.assertEqual(tape.document_id.kind, "control_tape")
        self.assertRegex(tape.summary, r"^Shift 1: 3 documents$")
        lines = tape.document_line_ids
        self.assertEqual(lines.mapped("type"), ["sale", "sale", "money_back"])
        self.assertEqual(lines.mapped("total"), [1150.0, 1150.0, 1150.0])
        documents = self.env["fiscal.document"].search(
            [("device_id", "=", self.caspos.id), ("kind", "in", ("sale", "storno"))], order="id"
        )
        self.assertEqual(lines.mapped("number"), documents.mapped("document_number"))
        self.assertEqual(lines[2].short_document_id, refund.fiscal_short_id)
        self.assertEqual(lines[0].short_document_id, order.fiscal_short_id)
        self.assertEqual(lines[0].item_count, 1)
        self.assertGreater(lines[0].vat, 0)
        totals = self._totals(tape)
        self.assertEqual(totals["documents"], "3")
        self.assertEqual(totals["sale count"], "2")
        self.assertEqual(totals["sale total"], "2 300.00")
        self.assertEqual(totals["money_back count"], "1")
        self.assertEqual(totals["money_back total"], "1 150.00")

    def test_caspos_drawer_duplicate_numbers_and_cash(self):
        self._sell(self.caspos_config, self.caspos_cash)
        self.assertEqual(self._run(self.caspos, "drawer").summary, "The cash drawer is open.")
        duplicate = self._run(self.caspos, "duplicate")
        self.assertEqual(duplicate.summary, "The last receipt was printed again.")
        numbers = self._run(self.caspos, "numbers")
        self.assertEqual(
            numbers.summary,
            f"Serial number {self.caspos.serial_number}, fiscal memory "
            f"{self.caspos.fiscal_memory_number}",
        )
        self.assertTrue(self.caspos.serial_number)
        cash_in = self._run(self.caspos, "cash_in", amount=50)
        self.assertRecordValues(cash_in.document_id, [{"kind": "cash_in", "amount_total": 50}])
        cash_out = self._run(self.caspos, "cash_out", amount=20)
        self.assertRecordValues(cash_out.document_id, [{"kind": "cash_out", "amount_total": 20}])
        self.assertEqual(self._run(self.caspos, "x_report").document_id.kind, "x_report")
        for kind in ("drawer", "duplicate", "info", "cash_in", "cash_out", "x_report"):
            self.assertIn(kind, self._kinds(self.caspos), "every action is journaled")

    # -- myPOS N5 ------------------------------------------------------------------------------

    def test_n5_x_report_with_departments_and_articles(self):
        self.n5.category_map_ids = [
            Command.create({"categ_id": self.product_a.categ_id.id, "department": 1})
        ]
        self._sell(self.n5_config, self.n5_cash)
        plain = self._run(self.n5, "x_report")
        self.assertNotIn("По артикули", self._printed(self.n5))
        self.assertEqual(self._totals(plain)["cash_in_drawer"], "1 150.00")

        full = self._run(self.n5, "x_report", include_departments=True, include_articles=True)

        request = json.loads(full.document_id.request_json)
        self.assertEqual((request["departments"], request["items"]), (True, True))
        self.assertIn("По департаменти", self._printed(self.n5))
        self.assertIn("По артикули", self._printed(self.n5))
        self.assertEqual(self._totals(full)["sales: documents"], "1")

    def test_n5_electronic_journal_print(self):
        self._sell(self.n5_config, self.n5_cash)
        wizard = self._run(
            self.n5,
            "ej_print",
            ej_receipt_filter="FISCAL_RECEIPT",
            ej_range_filter="ByNumber",
            number_from=1,
            number_to=99,
        )
        self.assertEqual(wizard.document_id.kind, "ej_print")
        self.assertEqual(wizard.summary, "The electronic journal was printed.")
        self.assertIn("ПЕЧАТ ОТ КЛЕН", self._printed(self.n5))
        request = json.loads(wizard.document_id.request_json)
        self.assertEqual(
            request,
            {"receiptFilter": "FISCAL_RECEIPT", "filter": "ByNumber", "from": "1", "to": "99"},
        )
        now = fields.Datetime.now()
        self.n5.shift_close_tz = "UTC"
        by_date = self._run(
            self.n5,
            "ej_print",
            date_from=now - timedelta(hours=1),
            date_to=now + timedelta(hours=1),
        )
        self.assertEqual(
            json.loads(by_date.document_id.request_json)["from"],
            (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
        )

        # no fifth Z report: nothing to print; the refusal stays in the journal
        wizard = self.env["fiscal.report.wizard"].create(
            {
                "device_id": self.n5.id,
                "report_type": "ej_print",
                "ej_range_filter": "ByZNumber",
                "number_from": 5,
                "number_to": 5,
            }
        )
        message = self._user_error_keeping_journal(wizard.action_run)
        self.assertIn("Fiscal device N5 test refused the operation.\nError 40", message)
        failed = self.env["fiscal.document"].search(
            [("device_id", "=", self.n5.id), ("kind", "=", "ej_print")], limit=1
        )
        self.assertEqual(failed.state, "failed")

    def test_n5_fiscal_memory_article_and_department_reports(self):
        self._sell(self.n5_config, self.n5_cash)
        articles = self._run(self.n5, "article_report")
        self.assertEqual(articles.summary, "The article report was printed.")
        self.assertIn("ОТЧЕТ ПО АРТИКУЛИ", self._printed(self.n5))
        departments = self._run(self.n5, "department_report")
        self.assertEqual(departments.document_id.kind, "department_report")
        self.assertIn("ОТЧЕТ ПО ДЕПАРТАМЕНТИ", self._printed(self.n5))
        self._run(self.n5, "z_report")

        full = self._run(
            self.n5,
            "fiscal_memory_report",
            fm_range_filter="ByNumber",
            number_from=1,
            number_to=1,
            fm_full=True,
        )
        self.assertEqual(full.document_id.kind, "fiscal_memory_report")
        self.assertIn("ПЪЛЕН ОТЧЕТ ФП", self._printed(self.n5))
        self.n5.shift_close_tz = "UTC"
        now = fields.Datetime.now()
        self._run(
            self.n5,
            "fiscal_memory_report",
            date_from=now - timedelta(hours=1),
            date_to=now + timedelta(hours=1),
        )
        self.assertIn("СЪКРАТЕН ОТЧЕТ ФП", self._printed(self.n5))

    def test_n5_current_cash_time_to_block_and_numbers(self):
        self._sell(self.n5_config, self.n5_cash)
        cash_in = self._run(self.n5, "cash_in", amount=100)
        self.assertEqual(cash_in.document_id.kind, "cash_in")
        cash = self._run(self.n5, "current_cash")
        self.assertEqual(cash.summary, "Cash in the drawer: 1250.00")
        self.assertEqual(self._totals(cash), {"cash in drawer": "1 250.00"})

        self.n5._emulator().emulator.set_time_to_block(timedelta(hours=2, minutes=15, seconds=40))
        soon = self._run(self.n5, "time_to_block")
        self.assertEqual(soon.time_to_block_display, "2 h 15 min")
        self.assertTrue(soon.time_to_block_warning)
        self.assertEqual(soon.summary, "Time to block: 2 h 15 min")
        self.assertFalse(soon.total_line_ids, "the duration is shown, not a number of seconds")
        self.n5._emulator().emulator.set_time_to_block(timedelta(days=3, seconds=30))
        later = self._run(self.n5, "time_to_block")
        self.assertEqual(later.time_to_block_display, "3 d 0 h 0 min")
        self.assertFalse(later.time_to_block_warning)

        numbers = self._run(self.n5, "numbers")
        self.assertIn(f"fiscal memory {self.n5.fiscal_memory_number}", numbers.summary)
        self.assertEqual(self._run(self.n5, "duplicate").document_id.kind, "duplicate")
        self.assertIn("ДУБЛИКАТ", self._printed(self.n5))

    def test_n5_invoice_range_read_and_set(self):
        read = self._run(self.n5, "invoice_range")
        self.assertEqual(read.document_id.kind, "info")
        self.assertEqual(read.summary, "Invoice numbers 1 to 9999999999, next 1")

        changed = self._run(
            self.n5, "invoice_range", invoice_range_set=True, invoice_first=100, invoice_last=200
        )
        self.assertEqual(changed.document_id.kind, "setting")
        self.assertEqual(changed.summary, "Invoice numbers 100 to 200, next 100")
        self.assertEqual(self._totals(changed), {"first": "100", "last": "200", "next": "100"})
        self.assertEqual(self.n5._emulator().emulator.device.state.invoice_next, 100)

    # -- refusals ------------------------------------------------------------------------------

    def test_refusals(self):
        cases = [
            (
                self.n5,
                "drawer",
                {},
                "Open the cash drawer is not available on N5 test: only "
                f"{family('caspos').title} devices have it.",
            ),
            (
                self.caspos,
                "time_to_block",
                {},
                "Time to block is not available on Caspos test: only "
                f"{family('n5').title} devices have it.",
            ),
            (
                self.caspos,
                "periodic_report",
                {},
                "Enter a period: a start date and an end date not before it.",
            ),
            (
                self.caspos,
                "periodic_report",
                {
                    "date_from": fields.Datetime.now(),
                    "date_to": fields.Datetime.now() - timedelta(days=1),
                },
                "Enter a period: a start date and an end date not before it.",
            ),
            (
                self.n5,
                "ej_print",
                {"ej_range_filter": "ByNumber", "number_from": 5, "number_to": 2},
                "Enter a range of numbers: a first number above 0 and a last not below it.",
            ),
            (
                self.n5,
                "ej_print",
                {"ej_range_filter": False},
                "Choose how to bound the report on N5 test: By date, By number, By Z report "
                "number.",
            ),
            (
                self.n5,
                "ej_print",
                {
                    "ej_receipt_filter": False,
                    "ej_range_filter": "ByNumber",
                    "number_from": 1,
                    "number_to": 2,
                },
                "Choose which documents of the electronic journal N5 test prints: Fiscal "
                "receipts, Cash in and out, X reports, Z reports, Fiscal memory reports, All "
                "documents.",
            ),
            (
                self.n5,
                "fiscal_memory_report",
                {"fm_range_filter": False},
                "Choose how to bound the report on N5 test: By date, By number.",
            ),
            (
                self.n5,
                "invoice_range",
                {"invoice_range_set": True, "invoice_first": 0, "invoice_last": 10},
                "The invoice range needs a first number above 0 and a last number not below it.",
            ),
            (
                self.n5,
                "cash_out",
                {"amount": 0},
                "Enter a positive amount to put in or take out of the drawer.",
            ),
        ]
        for device, report_type, values, message in cases:
            with self.subTest(report_type=report_type, values=values):
                wizard = self.env["fiscal.report.wizard"].create(
                    {"device_id": device.id, "report_type": report_type, **values}
                )
                with self.assertRaises(UserError) as caught:
                    wizard.action_run()
                self.assertEqual(str(caught.exception), message)
        self.assertFalse(self._kinds(self.n5) + self._kinds(self.caspos), "nothing was sent")

    def test_duration_text(self):
        self.assertEqual(duration_text(timedelta(minutes=5)), "5 min")
        self.assertEqual(duration_text(timedelta(hours=2, minutes=15)), "2 h 15 min")
        self.assertEqual(duration_text(timedelta(days=2, hours=2, minutes=5)), "2 d 2 h 5 min")

    def test_menus_in_invoicing_and_point_of_sale(self):
        for root in ("account.menu_finance", "point_of_sale.menu_point_root"):
            menu = self.env["ir.ui.menu"].search(
                [("parent_id", "=", self.env.ref(root).id), ("name", "=", "Fiscal")]
            )
            self.assertEqual(len(menu), 1, root)
            report_types = {
                ast.literal_eval(item.action.context)["default_report_type"]
                for item in self.env["ir.ui.menu"].search([("id", "child_of", menu.id)])
                if item.action and item.action.res_model == "fiscal.report.wizard"
            }
            self.assertEqual(
                report_types,
                {
                    key
                    for key, _label in self.env["fiscal.report.wizard"]
                    ._fields["report_type"]
                    .selection
                },
            )

    # -- which device, which operation -----------------------------------------------------------

    def _new(self, report_type):
        # the demo devices stay out: only this test's two
        others = self.env["fiscal.device"].search([("id", "not in", (self.caspos | self.n5).ids)])
        others.active = False
        return self.env["fiscal.report.wizard"].new({"report_type": report_type})

    def test_only_devices_that_can_run_the_operation_are_offered(self):
        self.assertEqual(self._new("drawer").available_device_ids._origin, self.caspos)
        self.assertEqual(self._new("time_to_block").available_device_ids._origin, self.n5)
        self.assertEqual(self._new("x_report").available_device_ids._origin, self.caspos | self.n5)

    def test_the_only_capable_device_is_chosen_never_one_of_several(self):
        self.assertEqual(self._new("time_to_block").device_id._origin, self.n5)
        self.assertEqual(self._new("control_tape").device_id._origin, self.caspos)
        self.assertFalse(self._new("x_report").device_id, "two devices: the user chooses")

    def test_z_report_of_a_closed_caspos_shift_says_it_is_closed(self):
        wizard = self.env["fiscal.report.wizard"].create(
            {"device_id": self.caspos.id, "report_type": "z_report"}
        )
        with self.assertRaisesRegex(
            UserError, "The shift of Caspos test is already closed: there is nothing for a Z"
        ):
            wizard.action_run()
        self.assertFalse(self._kinds(self.caspos), "nothing was sent")
        with self.assertRaisesRegex(UserError, "The shift of Caspos test is already closed"):
            self.caspos.action_z_report()

    def test_the_wizard_offers_exactly_the_operations_the_family_supports(self):
        report_types = [
            key for key, _label in self.env["fiscal.report.wizard"]._fields["report_type"].selection
        ]
        expected = {
            self.caspos: {
                "x_report",
                "z_report",
                "periodic_report",
                "control_tape",
                "numbers",
                "cash_in",
                "cash_out",
                "duplicate",
                "drawer",
            },
            self.n5: {
                "x_report",
                "z_report",
                "ej_print",
                "fiscal_memory_report",
                "article_report",
                "department_report",
                "current_cash",
                "time_to_block",
                "invoice_range",
                "numbers",
                "cash_in",
                "cash_out",
                "duplicate",
            },
        }
        self.assertEqual(set(CAPABILITY_OF_TYPE), set(report_types), "every operation asks")
        for device, operations in expected.items():
            with self.subTest(device=device.name):
                offered = {
                    report_type
                    for report_type in report_types
                    if device in self._new(report_type).available_device_ids._origin
                }
                supported = {
                    report_type
                    for report_type in report_types
                    if device._family().supports(CAPABILITY_OF_TYPE[report_type])
                }
                self.assertEqual(offered, supported)
                self.assertEqual(offered, operations)

    def test_report_filters_are_the_devices_familys(self):
        journal = family("n5").filters_of(Capability.ELECTRONIC_JOURNAL)
        wizard = self._new("ej_print")
        self.assertEqual(wizard.device_id._origin, self.n5)
        self.assertEqual((wizard.ej_receipt_filter, wizard.ej_range_filter), ("ALL", "ByDate"))
        self.assertEqual((wizard.range_by_date, wizard.range_by_number), (True, False))
        wizard.ej_range_filter = "ByZNumber"
        self.assertEqual((wizard.range_by_date, wizard.range_by_number), (False, True))
        Wizard = self.env["fiscal.report.wizard"]
        self.assertEqual(
            Wizard._fields["ej_receipt_filter"]._description_selection(self.env),
            [(choice.code, choice.label) for choice in journal.documents],
        )
        self.assertEqual(
            Wizard._fields["fm_range_filter"].get_values(self.env),
            ["ByDate", "ByNumber"],
        )
        memory = self._new("fiscal_memory_report")
        self.assertEqual(memory.fm_range_filter, "ByDate")
        # a device without the report has no filter, and a periodic report is bounded by dates
        periodic = self._new("periodic_report")
        self.assertEqual(periodic.device_id._origin, self.caspos)
        self.assertFalse(periodic.ej_range_filter or periodic.fm_range_filter)
        self.assertEqual((periodic.range_by_date, periodic.range_by_number), (True, False))
