from odoo.exceptions import UserError
from odoo.tests import tagged

from ..fiscal_device_lib.core import FiscalDevice
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
