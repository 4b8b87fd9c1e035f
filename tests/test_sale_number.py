"""N-18 unique sale numbers (УНП) on the N5 emulator: format, per-device sequence, kept on the
invoice and its fiscal document, sent as ``usn``, reused by a retry and by the storno."""

import json

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import FiscalDeviceCommon
from .pos_common import FiscalPosCommon

INDIVIDUAL_NUMBER = "BN300001"  # what the N5 emulator answers to GetNumbers


@tagged("post_install", "-at_install")
class TestSaleNumber(FiscalDeviceCommon):
    def setUp(self):
        super().setUp()
        self.env.company.fiscal_n18_registered = True
        self.n5.action_test_connection()  # reads the serial number, as the user is told to
        self.assertEqual(self.n5.serial_number, INDIVIDUAL_NUMBER)

    def _usn(self, entry=-1):
        return self.n5._emulator().emulator.receipts()[entry]["usn"]

    def test_each_sale_takes_the_next_number_of_the_device(self):
        first, second = self._n5_invoice(), self._n5_invoice()
        first.action_fiscalize()
        second.action_fiscalize()
        documents = self._documents(first) | self._documents(second)
        self.assertEqual(
            documents.mapped("sale_number"),
            [f"{INDIVIDUAL_NUMBER}-0001-0000001", f"{INDIVIDUAL_NUMBER}-0001-0000002"],
        )
        self.assertEqual(first.fiscal_sale_number, f"{INDIVIDUAL_NUMBER}-0001-0000001")
        self.assertEqual(second.fiscal_sale_number, f"{INDIVIDUAL_NUMBER}-0001-0000002")
        self.assertEqual(
            [entry["usn"] for entry in self.n5._emulator().emulator.receipts()],
            documents.mapped("sale_number"),
            "the device received each number as usn",
        )
        request = json.loads(self._documents(first).request_json)
        self.assertEqual(request["sale_number"], first.fiscal_sale_number)

    def test_the_operator_code_is_the_operator_number_in_4_digits(self):
        self.n5.operator_number = 27
        invoice = self._n5_invoice()
        invoice.action_fiscalize()
        self.assertEqual(invoice.fiscal_sale_number, f"{INDIVIDUAL_NUMBER}-0027-0000001")
        self.assertEqual(self._usn(), invoice.fiscal_sale_number)

    def test_the_storno_carries_the_number_of_its_sale(self):
        invoice = self._n5_invoice()
        invoice.action_fiscalize()
        credit_note = self._credit_note(invoice)
        credit_note.action_fiscal_storno()
        sale, storno = self._documents(invoice), self._documents(credit_note)
        self.assertEqual(storno.state, "done")
        self.assertEqual(storno.parent_id, sale)
        self.assertEqual(storno.sale_number, sale.sale_number)
        self.assertEqual(credit_note.fiscal_sale_number, invoice.fiscal_sale_number)
        self.assertEqual(self._usn(-1), self._usn(-2))
        # the storno took no number: the next sale has the next one
        other = self._n5_invoice()
        other.action_fiscalize()
        self.assertEqual(other.fiscal_sale_number, f"{INDIVIDUAL_NUMBER}-0001-0000002")

    def test_a_send_again_after_a_failure_keeps_the_number(self):
        invoice = self._n5_invoice()
        self.n5._emulator().emulator.fail_next(37)  # printer malfunction, nothing registered
        self._user_error_keeping_journal(invoice.action_fiscalize)
        failed = self._documents(invoice)
        self.assertEqual(failed.state, "failed")
        self.assertEqual(failed.sale_number, f"{INDIVIDUAL_NUMBER}-0001-0000001")
        # as if the user's transaction had been rolled back: the journal still knows it
        invoice.fiscal_sale_number = False
        invoice.action_fiscalize()
        done = self._documents(invoice) - failed
        self.assertEqual(done.state, "done")
        self.assertEqual(done.sale_number, failed.sale_number)
        self.assertEqual(invoice.fiscal_sale_number, failed.sale_number)
        self.assertEqual(self._usn(), failed.sale_number)
        other = self._n5_invoice()
        other.action_fiscalize()
        self.assertEqual(other.fiscal_sale_number, f"{INDIVIDUAL_NUMBER}-0001-0000002")

    def test_a_device_without_serial_number_is_refused_naming_the_field(self):
        self.n5.sudo().serial_number = False
        invoice = self._n5_invoice()
        with self.assertRaisesRegex(
            UserError,
            r"Fiscal device N5 test has no Serial number: the unique sale number \(УНП\) of "
            r"Naredba N-18 begins with the device's individual number\. Press Test connection "
            r"on the device to read it\.",
        ):
            invoice.action_fiscalize()
        self.assertFalse(self._documents(invoice))
        self.assertEqual(self.n5._emulator().emulator.receipts(), [])

    def test_a_serial_number_not_of_8_letters_and_digits_is_refused(self):
        self.n5.sudo().serial_number = "BN-3001"
        with self.assertRaisesRegex(
            UserError, r"The Serial number BN-3001 of fiscal device N5 test is not an individual"
        ):
            self._n5_invoice().action_fiscalize()

    def test_an_operator_number_beyond_4_digits_is_refused(self):
        self.n5.operator_number = 10000
        with self.assertRaisesRegex(
            UserError, r"The Operator number 10000 of fiscal device N5 test does not fit"
        ):
            self._n5_invoice().action_fiscalize()

    def test_a_company_not_registered_under_n18_sends_no_number(self):
        self.env.company.fiscal_n18_registered = False
        invoice = self._n5_invoice()
        invoice.action_fiscalize()
        self.assertFalse(invoice.fiscal_sale_number)
        self.assertFalse(self._documents(invoice).sale_number)
        self.assertEqual(self._usn(), "")
        self.assertEqual(json.loads(self._documents(invoice).request_json)["sale_number"], "")

    def test_a_neutralized_copy_numbers_with_the_real_device_on_its_emulator(self):
        shop = self._create_device("Shop N5", "n5", "B", port="/dev/null-never-opened")
        shop.sudo().serial_number = "DT123456"  # read from the shop's device before the copy
        shop.kind = "n5_emulator"  # what data/neutralize.sql does (in SQL: currency kept)
        shop.currency_id = self.env.company.currency_id
        journal = self.n5_journal.copy({"name": "Shop sales", "fiscal_device_id": shop.id})
        invoice = self.init_invoice(
            "out_invoice", products=self.product_a, journal=journal, post=True
        )
        invoice.action_fiscalize()
        self.assertEqual(invoice.fiscal_sale_number, "DT123456-0001-0000001")
        self.assertEqual(
            shop._emulator().emulator.receipts()[-1]["usn"], invoice.fiscal_sale_number
        )

    def test_caspos_sales_carry_no_number(self):
        invoice = self._caspos_invoice()
        invoice.action_fiscalize()
        self.assertEqual(self._documents(invoice).state, "done")
        self.assertFalse(invoice.fiscal_sale_number)

    def test_the_setting_is_the_companys(self):
        settings = self.env["res.config.settings"].create({})
        self.assertTrue(settings.fiscal_n18_registered)
        settings.fiscal_n18_registered = False
        settings.execute()
        self.assertFalse(self.env.company.fiscal_n18_registered)


@tagged("post_install", "-at_install")
class TestSaleNumberPos(FiscalPosCommon):
    def test_a_pos_order_and_its_refund_carry_one_number(self):
        self.env.company.fiscal_n18_registered = True
        self.n5.action_test_connection()
        order = self._sync(self.n5_config, [(self.product_a, 1, 0)], [(self.n5_cash, 1150.0)])
        order.action_fiscalize()
        sale = self._documents(order)
        self.assertEqual(sale.state, "done")
        self.assertEqual(order.fiscal_sale_number, f"{INDIVIDUAL_NUMBER}-0001-0000001")
        self.assertEqual(sale.sale_number, order.fiscal_sale_number)
        refund = self._sync(
            self.n5_config,
            [(self.product_a, -1, 0)],
            [(self.n5_cash, -1150.0)],
            refund_of=order,
        )
        refund.action_fiscal_storno()
        storno = self._documents(refund)
        self.assertEqual(storno.state, "done")
        self.assertEqual(storno.sale_number, order.fiscal_sale_number)
        receipts = self.n5._emulator().emulator.receipts()
        self.assertEqual([r["usn"] for r in receipts], [order.fiscal_sale_number] * 2)
