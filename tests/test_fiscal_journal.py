import json

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from ..fiscal_device_lib.core import FiscalDevice, Operator
from ..models.fiscal_journal_result import JournalResult
from .common import FiscalDeviceCommon


@tagged("post_install", "-at_install")
class TestFiscalJournal(FiscalDeviceCommon):
    """The journal engine: what it checks before writing, and the values it hands back."""

    def test_a_device_level_input_error_leaves_no_document(self):
        with self.caspos._driver() as driver:
            if type(driver).problems is FiscalDevice.problems:
                self.skipTest("the Caspos driver's own problems() is not merged yet")
        self.product_a.name = "Çay " + "x" * 300  # Caspos item names hold 255 characters
        invoice = self._caspos_invoice()

        message = self._user_error_keeping_journal(invoice.action_fiscalize)

        self.assertIn("The document cannot be sent to fiscal device Caspos test", message)
        self.assertIn("name", message)
        self.assertFalse(self._documents(invoice), "nothing was journaled")

    def test_results_are_values_read_in_the_journal(self):
        invoice = self._caspos_invoice()
        device = invoice._fiscal_device()
        result = invoice._fiscalize(device)

        document = self._documents(invoice)
        self.assertIsInstance(result, JournalResult)
        self.assertEqual(result.document_id, document.id)
        self.assertEqual(result.state, "done")
        self.assertEqual(result.fiscal_id, document.document_id)
        self.assertEqual(result.short_id, document.short_document_id)
        self.assertEqual(result.qr_value, document.qr_payload)
        self.assertFalse(result.can_retry)
        self.assertEqual(result.action_open()["res_id"], document.id)
        again = invoice._fiscalize(device)
        self.assertEqual(again, result, "a done document is handed back as it was")

    def test_a_failure_says_what_to_do_next(self):
        self.n5._emulator().emulator.fail_next(37)  # printer malfunction, nothing registered
        invoice = self._n5_invoice()
        failure = None
        try:
            invoice.action_fiscalize()
        except UserError as error:
            failure = error.journal_result
        self.assertEqual(failure.state, "failed")
        self.assertEqual(failure.error_code, "37")
        self.assertTrue(failure.can_retry)
        self.assertEqual(
            failure.next_step, "Nothing was registered; correct the problem and try again."
        )

    def test_the_stored_name_is_the_one_the_orm_computes(self):
        invoice = self._caspos_invoice()
        result = invoice._fiscalize(invoice._fiscal_device())

        document = self._documents(invoice)
        computed = self.env["fiscal.document"].new(
            {
                "kind": document.kind,
                "short_document_id": document.short_document_id,
                "document_number": document.document_number,
                "uuid": document.uuid,
                "source_name": document.source_name,
            }
        )
        self.assertEqual(document.name, computed.name)
        self.assertEqual(result.name, document.name)
        self.assertIn(document.short_document_id, document.name)
        self.assertIn(f"({invoice.name})", document.name)

    def test_the_sql_name_of_a_result_is_the_python_one(self):
        invoice = self._caspos_invoice()
        invoice._fiscalize(invoice._fiscal_device())
        document = self._documents(invoice)
        Document = self.env["fiscal.document"]
        cases = [
            ("sale", "AbC12", 0, "(INV/1)"),
            ("sale", "", 17, "(INV/1)"),
            ("storno", False, 0, ""),
            ("z_report", "", 0, None),
        ]
        for kind, short_id, number, source_name in cases:
            with self.subTest(kind=kind, short_id=short_id, number=number):
                self.env.cr.execute(
                    SQL(
                        "UPDATE fiscal_document SET kind = %s, source_name = %s WHERE id = %s",
                        kind,
                        source_name,
                        document.id,
                    )
                )
                self.env.cr.execute(
                    SQL(
                        "UPDATE fiscal_document SET name = %s WHERE id = %s RETURNING name",
                        Document._document_name_sql(short_id, number),
                        document.id,
                    )
                )
                stored = self.env.cr.fetchone()[0]
                expected = Document._document_name(
                    kind, short_id, number, document.uuid, source_name
                )
                self.assertEqual(stored, expected)

    def test_the_journal_keeps_one_line_per_receipt_line(self):
        invoice = self._caspos_invoice()
        invoice.action_fiscalize()

        request = self._documents(invoice).request_json
        self.assertEqual(json.loads(request)["uuid"], self._documents(invoice).uuid)
        line_rows = [row for row in request.splitlines() if row.lstrip().startswith('{"name"')]
        self.assertEqual(len(line_rows), len(invoice.invoice_line_ids), request)


@tagged("post_install", "-at_install")
class TestShiftKnownOpen(FiscalDeviceCommon):
    """A sale does not ask the device for its shift while Odoo knows it open; a shift closed on
    the device itself is opened and the sale sent once."""

    def _device_settings(self):
        return self.caspos._family(), self.caspos._connection_settings()

    def test_a_sale_in_a_known_open_shift_does_not_ask_the_device(self):
        self._caspos_invoice().action_fiscalize()
        self.assertTrue(self.caspos.shift_open)
        checked_at = self.caspos.status_checked_at
        self.assertTrue(checked_at, "the first sale asked and opened the shift")

        self._caspos_invoice().action_fiscalize()
        self.assertEqual(self.caspos.status_checked_at, checked_at, "not asked again")

    def test_a_shift_closed_on_the_device_itself_is_opened_and_the_sale_sent_once(self):
        self._caspos_invoice().action_fiscalize()
        family, settings = self._device_settings()
        # the cashier closes the shift from the device's own menu: Odoo still believes it open
        with family.connect(**settings) as driver:
            driver.z_report(Operator("Test Cashier"), uuid="z-on-the-device")
        self.assertTrue(self.caspos.shift_open)

        invoice = self._caspos_invoice()
        invoice.action_fiscalize()

        self.assertEqual(invoice.fiscal_state, "done")
        self.assertEqual(self._documents(invoice).mapped("state"), ["done"])
        with family.connect(**settings) as driver:
            self.assertTrue(driver.shift_state().is_open)
            registered = [
                entry for entry in driver.control_tape().documents if entry.type == "sale"
            ]
        self.assertEqual(len(registered), 1, "the sale of the new shift, registered once")

    def test_without_auto_open_the_closed_shift_is_refused_with_the_device_words(self):
        self._caspos_invoice().action_fiscalize()
        family, settings = self._device_settings()
        with family.connect(**settings) as driver:
            driver.z_report(Operator("Test Cashier"), uuid="z-on-the-device")
        self.caspos.auto_open_shift = False

        invoice = self._caspos_invoice()
        message = self._user_error_keeping_journal(invoice.action_fiscalize)

        self.assertIn("Error 503: document: invalid shift status", message)
        self.assertEqual(self._documents(invoice).mapped("state"), ["failed"])
