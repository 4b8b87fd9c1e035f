"""Documents of an emulator never look real: marked on screen and on the printed invoice, and an
emulated Caspos QR links nowhere near the tax authority. A device registers in its own currency.
"""

from lxml import html as lxml_html
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..models.fiscal_document import TEST_DOCUMENT_TEXT
from .common import FiscalDeviceCommon

MONITORING_SITE = "monitoring.e-kassa.gov.az"


@tagged("post_install", "-at_install")
class TestEmulatorDocuments(FiscalDeviceCommon):
    def _report(self, invoice):
        """The printed invoice as an lxml tree."""
        html = self.env["ir.actions.report"]._render_qweb_html(
            "account.report_invoice", invoice.ids
        )[0]
        return lxml_html.fromstring(html)

    @staticmethod
    def _text(element):
        return " ".join("".join(element.itertext()).split())

    @staticmethod
    def _done_document(device, **values):
        """A done sale of ``device`` as the journal leaves it (nothing is sent)."""
        return (
            device.env["fiscal.document"]
            .sudo()
            .create(
                {
                    "device_id": device.id,
                    "company_id": device.company_id.id,
                    "kind": "sale",
                    "state": "done",
                    "uuid": f"done-on-{device.id}-{len(values)}",
                    **values,
                }
            )
        )

    def _fiscal_block(self, invoice):
        (block,) = self._report(invoice).xpath("//div[@id='fiscal_device_information']")
        return block

    def test_an_emulated_caspos_invoice_is_a_test_document_everywhere(self):
        invoice = self._caspos_invoice()
        invoice.action_fiscalize()
        document = self._documents(invoice)
        self.assertTrue(document.is_test)
        self.assertTrue(invoice.fiscal_is_test)
        # the QR carries the test text and the document id, no link to the monitoring site
        self.assertFalse(document.qr_link)
        self.assertEqual(document.qr_payload, f"{TEST_DOCUMENT_TEXT}: {document.document_id}")
        self.assertNotIn(MONITORING_SITE, invoice.fiscal_qr_value)
        self.assertIn(document.document_id, document.answer_json, "the raw answer is kept")

        block = self._fiscal_block(invoice)
        self.assertIn("fiscal-test-document", block.get("class"))
        (marking,) = block.xpath(".//div[@id='fiscal_test_document']")
        self.assertEqual(marking.text_content().strip(), TEST_DOCUMENT_TEXT)
        self.assertIn(f"Fiscal id: {document.short_document_id} (TEST)", self._text(block))
        (qr,) = block.xpath(".//img[@alt='Fiscal QR code']")
        self.assertNotIn("monitoring", qr.get("src"))
        self.assertIn("TEST%20DOCUMENT", qr.get("src").replace("+", "%20"))

    def test_an_emulated_n5_invoice_is_marked_on_the_print(self):
        invoice = self._n5_invoice()
        invoice.action_fiscalize()
        self.assertTrue(self._documents(invoice).is_test)
        block = self._fiscal_block(invoice)
        self.assertTrue(block.xpath(".//div[@id='fiscal_test_document']"))

    def test_a_real_devices_invoice_carries_no_test_marking(self):
        # a document of a real device, as the journal leaves it: nothing is sent in this test
        real = self._create_device("Shop N5", "n5", "B", port="/dev/null-never-opened")
        journal = self.n5_journal.copy({"name": "Shop sales", "fiscal_device_id": real.id})
        invoice = self.init_invoice(
            "out_invoice", products=self.product_a, journal=journal, post=True
        )
        document = self._done_document(
            real,
            res_model="account.move",
            res_id=invoice.id,
            short_document_id="17",
            document_number=17,
            document_id="51300001*0000017*2026-01-05*10:00:00*11.50",
            qr_payload="51300001*0000017*2026-01-05*10:00:00*11.50",
        )
        self.assertFalse(document.is_test)
        invoice.invalidate_recordset()
        self.assertEqual(invoice.fiscal_state, "done")
        self.assertFalse(invoice.fiscal_is_test)
        block = self._fiscal_block(invoice)
        self.assertNotIn("fiscal-test-document", block.get("class"))
        self.assertFalse(block.xpath(".//div[@id='fiscal_test_document']"))
        self.assertNotIn("TEST", self._text(block))
        self.assertIn("Fiscal id: 17 Receipt number: 17", self._text(block))

    def test_a_device_switched_to_its_emulator_keeps_its_real_documents_real(self):
        real = self._create_device("Shop N5", "n5", "B", port="/dev/null-never-opened")
        document = self._done_document(real)
        self.assertFalse(document.is_test)
        real.kind = "n5_emulator"
        self.env.flush_all()
        document.invalidate_recordset()
        self.assertFalse(document.is_test)

    def test_the_pos_screen_is_told_a_document_is_a_test(self):
        invoice = self._caspos_invoice()
        invoice.action_fiscalize()
        result = self.env["fiscal.document"]._journal_result_for(invoice, ("sale", "invoice"))
        self.assertTrue(result.is_test)
        self.assertNotIn(MONITORING_SITE, result.qr_value)


@tagged("post_install", "-at_install")
class TestDeviceCurrency(FiscalDeviceCommon):
    """Each family registers in the currency on its device record; another is refused before
    the device, with the reason."""

    def test_a_new_n5_registers_euro(self):
        device = self.env["fiscal.device"].create({"name": "New N5", "kind": "n5_emulator"})
        self.assertEqual(device.currency_id.name, "EUR")
        caspos = self.env["fiscal.device"].create({"name": "New Caspos", "kind": "caspos"})
        self.assertEqual(caspos.currency_id.name, "AZN")

    def test_an_n5_refuses_an_invoice_in_another_currency(self):
        eur = self.env.ref("base.EUR")
        self.n5.currency_id = eur
        invoice = self._n5_invoice()
        self.assertEqual(invoice.currency_id.name, "USD")
        with self.assertRaisesRegex(
            UserError,
            r"^\S+ is in USD, but fiscal device N5 test registers EUR only\.$",
        ):
            invoice.action_fiscalize()
        self.assertFalse(self._documents(invoice))
        self.assertEqual(self.n5._emulator().emulator.receipts(), [])

    def test_a_caspos_refuses_an_invoice_in_another_currency(self):
        invoice = self.init_invoice(
            "out_invoice",
            products=self.product_a,
            journal=self.company_data["default_journal_sale"],
            post=True,
        )
        with self.assertRaisesRegex(
            UserError,
            r"^\S+ is in USD, but fiscal device Caspos test registers AZN only\.$",
        ):
            invoice.action_fiscalize()
        self.assertFalse(self._documents(invoice))
        self.assertEqual(self.caspos._emulator().emulator.memory.state["uuids"], {})
