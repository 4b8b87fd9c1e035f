"""Odoo flows that used to leave a user stuck (issue 9, section 4): resend after a lost answer,
no reset of a registered invoice, invoice routing, devices bound to their documents, the
sweep of paid orders never registered, and the messages left on orders."""

import re
from datetime import datetime

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import FiscalDeviceCommon
from .pos_common import FiscalPosCommon


@tagged("post_install", "-at_install")
class TestFiscalInvoiceFlows(FiscalDeviceCommon):
    def test_lost_caspos_answer_keeps_fiscalize_to_resend_the_same_uuid(self):
        self.caspos.retries = 0
        emulator = self.caspos._emulator().emulator
        emulator.drop_after_commit(1)
        invoice = self._caspos_invoice()

        message = self._user_error_keeping_journal(invoice.action_fiscalize)

        self.assertIn("run the operation again to resend it with the same UUID", message)
        document = self._documents(invoice)
        self.assertEqual(document.state, "sending")
        self.assertTrue(invoice.fiscal_can_fiscalize, "the button the message names is shown")
        registered = len(emulator.memory.state["documents"])

        invoice.action_fiscalize()

        self.assertEqual(self._documents(invoice), document)
        self.assertEqual(document.state, "done")
        self.assertEqual(len(emulator.memory.state["documents"]), registered, "no second receipt")
        self.assertFalse(invoice.fiscal_can_fiscalize)

    def test_lost_caspos_storno_answer_keeps_storno_to_resend(self):
        invoice = self._caspos_invoice()
        invoice.action_fiscalize()
        credit_note = self._credit_note(invoice)
        self.caspos.retries = 0
        emulator = self.caspos._emulator().emulator
        emulator.drop_after_commit(1)

        self._user_error_keeping_journal(credit_note.action_fiscal_storno)

        storno = self._documents(credit_note)
        self.assertEqual(storno.state, "sending")
        self.assertTrue(credit_note.fiscal_can_storno)
        registered = len(emulator.memory.state["documents"])
        credit_note.action_fiscal_storno()
        self.assertEqual(self._documents(credit_note), storno)
        self.assertEqual(storno.state, "done")
        self.assertEqual(len(emulator.memory.state["documents"]), registered)

    def _n5_unknown_invoice(self):
        self.n5.timeout = 1
        emulator = self.n5._emulator().emulator
        emulator.drop_answers(1)
        invoice = self._n5_invoice()
        self._user_error_keeping_journal(invoice.action_fiscalize)
        document = self._documents(invoice)
        self.assertEqual(document.state, "unknown")
        return invoice, document, emulator.receipts()[-1]

    def _resolve(self, document, **values):
        wizard = self.env["fiscal.document.resolve"].with_context(default_document_id=document.id)
        return wizard.create({"outcome": "printed", **values}).action_confirm()

    def _storno_is_registered(self, invoice):
        credit_note = self._credit_note(invoice)
        credit_note.action_fiscal_storno()
        self.assertEqual(self._documents(credit_note).state, "done")
        receipts = self.n5._emulator().emulator.receipts()
        self.assertEqual(receipts[-1]["document"], "storno")

    def test_resolve_by_receipt_number_reads_the_device_so_a_storno_can_follow(self):
        invoice, document, printed = self._n5_unknown_invoice()
        self.assertFalse(self.n5.fiscal_memory_number, "Test connection was never run")
        printed_at = datetime.fromisoformat(printed["at"])

        self._resolve(document, receipt_number=printed["number"], issued_at=printed_at)

        fiscal_memory = self.n5._emulator().emulator.device.state.fiscal_memory_number
        self.assertRecordValues(
            document,
            [
                {
                    "state": "done",
                    "document_number": printed["number"],
                    "fiscal_memory_number": fiscal_memory,
                    "issued_at": printed_at,
                }
            ],
        )
        self.assertEqual(self.n5.fiscal_memory_number, fiscal_memory)
        self._storno_is_registered(invoice)

    def test_resolve_by_qr_text_takes_the_devices_print_time(self):
        invoice, document, printed = self._n5_unknown_invoice()
        fiscal_memory, number, day, time_of_day, _total = printed["qr"].split("*")
        with self.assertRaisesRegex(UserError, "The QR text .* cannot be read"):
            self._resolve(document, qr_payload="not a QR")
        with self.assertRaisesRegex(
            UserError, r"The QR text is of a receipt of 1\.00, .* it belongs to another receipt"
        ):
            self._resolve(
                document, qr_payload="*".join([fiscal_memory, number, day, time_of_day, "1.00"])
            )

        # the wizard's default time is the server's send time: the QR's time wins
        self._resolve(document, qr_payload=printed["qr"])

        self.assertRecordValues(
            document,
            [
                {
                    "state": "done",
                    "document_number": int(number),
                    "fiscal_memory_number": fiscal_memory,
                    "issued_at": datetime.strptime(f"{day} {time_of_day}", "%Y-%m-%d %H:%M:%S"),
                    "document_id": printed["qr"],
                }
            ],
        )
        self._storno_is_registered(invoice)

    def test_fiscalized_invoice_cannot_be_reset_cancelled_or_changed(self):
        invoice = self._caspos_invoice()
        invoice.action_fiscalize()
        self.assertFalse(invoice.show_reset_to_draft_button)
        for action in (invoice.button_draft, invoice.button_cancel):
            with self.assertRaisesRegex(
                UserError,
                r"is registered on fiscal device Caspos test .*: it cannot be "
                r"(reset to draft|cancelled), or it would no longer match the "
                r"receipt\. To correct it, issue a credit note \(Reverse\): it is sent to the "
                r"device as the storno of this receipt",
            ):
                action()
        with self.assertRaisesRegex(
            UserError, r"it cannot be changed, or it would no longer match the receipt"
        ):
            invoice.invoice_line_ids.write({"price_unit": 10.0})
        with self.assertRaisesRegex(UserError, "it cannot be reset to draft"):
            invoice.write({"state": "draft"})
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.fiscal_state, "done")

        credit_note = self._credit_note(invoice)
        credit_note.action_fiscal_storno()
        with self.assertRaisesRegex(UserError, "Correct it with a new invoice"):
            credit_note.button_draft()

    def test_invoice_of_unknown_outcome_cannot_be_reset(self):
        self.n5.timeout = 1
        self.n5._emulator().emulator.drop_answers(1)
        invoice = self._n5_invoice()
        self._user_error_keeping_journal(invoice.action_fiscalize)
        self.assertEqual(invoice.fiscal_state, "unknown")
        with self.assertRaisesRegex(UserError, r"\(.*Unknown outcome\): it cannot be reset"):
            invoice.button_draft()

    def test_invoice_refused_by_the_device_can_be_reset(self):
        self.caspos.auto_open_shift = False
        invoice = self._caspos_invoice()
        self._user_error_keeping_journal(invoice.action_fiscalize)
        self.assertEqual(invoice.fiscal_state, "failed")
        invoice.button_draft()
        self.assertEqual(invoice.state, "draft")

    def test_without_journal_device_only_a_single_able_device_routes(self):
        journal = self.company_data["default_journal_sale"].copy(
            {"name": "Unrouted sales", "fiscal_device_id": False}
        )
        invoice = self.init_invoice(
            "out_invoice", products=self.product_a, journal=journal, post=True
        )
        # the Caspos registers AZN only: the N5 is the one device for the company currency
        self.assertEqual(invoice.fiscal_device_id, self.n5)

        second = self._create_device("N5 second", "n5_emulator", self.n5.tax_map_ids[:1].vat_class)
        self.addCleanup(self._reset_emulator, second)
        invoice.invalidate_recordset(["fiscal_device_id", "fiscal_can_fiscalize"])
        self.assertFalse(invoice.fiscal_device_id, "a new device takes nothing over")
        self.assertFalse(invoice.fiscal_can_fiscalize)
        with self.assertRaisesRegex(
            UserError,
            "Several fiscal devices can register .* in USD .*: choose the one for journal "
            + re.escape(journal.display_name),
        ):
            invoice.action_fiscalize()
        self.assertFalse(self._documents(invoice))

        journal.fiscal_device_id = second
        invoice.invalidate_recordset(["fiscal_device_id"])
        invoice.action_fiscalize()
        self.assertEqual(self._documents(invoice).device_id, second)

    def test_invoice_stays_bound_to_the_device_that_registered_it(self):
        invoice = self._caspos_invoice()
        invoice.action_fiscalize()
        other = self._create_device(
            "Caspos second", "caspos_emulator", self.caspos.tax_map_ids[:1].vat_class
        )
        self.addCleanup(self._reset_emulator, other)
        self.company_data["default_journal_sale"].fiscal_device_id = other
        invoice.invalidate_recordset(["fiscal_device_id"])
        self.assertEqual(invoice.fiscal_device_id, self.caspos)


@tagged("post_install", "-at_install")
class TestPosOrderFlows(FiscalPosCommon):
    def _sale(self, config, method, amount=1150.0):
        return self._sync(config, [(self.product_a, 1, 0)], [(method, amount)])

    def test_orders_synced_by_the_cashiers_screen_wait_for_the_screen(self):
        self.n5_config.fiscal_auto_fiscalize = True
        values = self._order_values(
            self.n5_config, [(self.product_a, 1, 0)], [(self.n5_cash, 1150.0)], None, 0.0
        )
        synced = self.env["pos.order"].with_context(fiscal_device_ui=True).sync_from_ui([values])
        order = self.env["pos.order"].browse(synced["pos.order"][0]["id"])
        self._run_postcommit()
        self.assertFalse(self._documents(order), "the screen registers it, with its bounded wait")
        order = self._sale(self.n5_config, self.n5_cash)
        self._run_postcommit()
        self.assertEqual(order.fiscal_state, "done", "a sync from elsewhere is still registered")

    def test_lost_caspos_answer_keeps_fiscalize_on_the_order(self):
        self.caspos.retries = 0
        emulator = self.caspos._emulator().emulator
        emulator.drop_after_commit(1)
        order = self._sale(self.caspos_config, self.caspos_cash)
        self._user_error_keeping_journal(order.action_fiscalize)
        document = self._documents(order)
        self.assertEqual(order.fiscal_state, "sending")
        self.assertTrue(order.fiscal_can_fiscalize)

        order.action_fiscalize()

        self.assertEqual(self._documents(order), document)
        self.assertEqual(document.state, "done")

    def test_order_keeps_the_device_that_registered_it(self):
        order = self._sale(self.caspos_config, self.caspos_cash)
        order.action_fiscalize()
        unplugged = self._create_unreachable_caspos()
        self.caspos_config.fiscal_device_id = unplugged
        order.invalidate_recordset(["fiscal_device_id"])
        self.assertEqual(order.fiscal_device_id, self.caspos)
        self.assertEqual(self._documents(order).device_id, self.caspos)

    def test_retry_of_a_failed_order_goes_to_its_device(self):
        self.n5._emulator().emulator.fail_next(37)  # printer malfunction, nothing registered
        order = self._sale(self.n5_config, self.n5_cash)
        self._user_error_keeping_journal(order.action_fiscalize)
        self.assertRecordValues(
            self._documents(order), [{"state": "failed", "device_id": self.n5.id}]
        )

        other = self._create_device("N5 second", "n5_emulator", self.n5.tax_map_ids[:1].vat_class)
        self.addCleanup(self._reset_emulator, other)
        self.n5_config.fiscal_device_id = other
        order.invalidate_recordset(["fiscal_device_id"])
        self.assertEqual(order.fiscal_device_id, self.n5)

        order.action_fiscalize()

        self.assertEqual(self._documents(order).device_id, self.n5)
        self.assertEqual(order.fiscal_state, "done")
        self.assertEqual(len(self.n5._emulator().emulator.receipts()), 1)
        self.assertFalse(other._emulator().emulator.receipts())

    def test_registered_order_lines_and_payments_cannot_change(self):
        order = self._sale(self.caspos_config, self.caspos_cash)
        order.action_fiscalize()
        message = r"Order .* is registered on fiscal device Caspos test .*refund the order"
        with self.assertRaisesRegex(UserError, message):
            order.lines.write({"qty": 2})
        with self.assertRaisesRegex(UserError, message):
            order.write(
                {
                    "lines": [
                        Command.create(
                            {
                                "product_id": self.product_b.id,
                                "qty": 1,
                                "price_unit": 10,
                                "price_subtotal": 10,
                                "price_subtotal_incl": 10,
                            }
                        )
                    ]
                }
            )
        with self.assertRaisesRegex(UserError, message):
            order.lines.unlink()
        with self.assertRaisesRegex(UserError, message):
            order.payment_ids.write({"amount": 1.0})
        with self.assertRaisesRegex(UserError, message):
            order.payment_ids.unlink()
        self.assertEqual(order.lines.qty, 1)
        # what does not change the receipt still can
        order.write({"general_note": "delivered"})

    def test_sweep_registers_paid_orders_lost_after_the_commit(self):
        self.n5_config.fiscal_auto_fiscalize = True
        order = self._sale(self.n5_config, self.n5_cash)
        # the worker dies between the commit of the synchronisation and its after-commit step
        self.env.cr.postcommit.clear()
        self.assertEqual(order.fiscal_state, "pending")
        self.assertTrue(order.fiscal_pending)
        Order = self.env["pos.order"]
        self.assertIn(order, Order.search([("fiscal_pending", "=", True)]))
        self.assertNotIn(order, Order.search([("fiscal_pending", "=", False)]))
        manual = self._sale(self.caspos_config, self.caspos_cash)
        self.assertEqual(manual.fiscal_state, "none", "not an auto-fiscalize Point of Sale")
        self.env.cr.postcommit.clear()

        swept = Order._cron_fiscalize_pending(grace_minutes=0)

        self.assertEqual(swept, order)
        order.invalidate_recordset()
        self.assertEqual(order.fiscal_state, "done")
        self.assertNotIn(order, Order.search([("fiscal_pending", "=", True)]))
        self.assertEqual(len(self.n5._emulator().emulator.receipts()), 1)
        self.assertFalse(Order._cron_fiscalize_pending(grace_minutes=0), "nothing left")
        self.assertFalse(self._documents(manual))

        cron = self.env.ref("fiscal_device.ir_cron_fiscal_pos_orders")
        self.assertRecordValues(
            cron,
            [
                {
                    "active": True,
                    "interval_number": 5,
                    "interval_type": "minutes",
                    "code": "model._cron_fiscalize_pending()",
                }
            ],
        )
        self.assertEqual(cron.model_id.model, "pos.order")

    def test_sweep_leaves_young_orders_to_the_after_commit_step(self):
        self.n5_config.fiscal_auto_fiscalize = True
        order = self._sale(self.n5_config, self.n5_cash)
        self.env.cr.postcommit.clear()
        self.assertFalse(self.env["pos.order"]._cron_fiscalize_pending(grace_minutes=60))
        self.assertEqual(order.fiscal_state, "pending")

    def test_sweep_records_a_failure_on_the_order(self):
        self.n5_config.fiscal_auto_fiscalize = True
        self.n5.tax_map_ids.unlink()  # refused before anything is journaled
        order = self._sale(self.n5_config, self.n5_cash)
        self.env.cr.postcommit.clear()

        self.assertEqual(self.env["pos.order"]._cron_fiscalize_pending(grace_minutes=0), order)

        order.invalidate_recordset()
        self.assertTrue(order.fiscal_sweep_failed_at)
        self.assertIn("Not fiscalized: The document cannot be sent", order.message_ids[0].body)
        self.assertIn("VAT class is missing", order.message_ids[0].body)
        self.assertFalse(
            self.env["pos.order"]._cron_fiscalize_pending(grace_minutes=0),
            "left to a person, not retried every run",
        )

    def test_failure_on_the_order_is_the_users_message(self):
        unplugged = self._create_unreachable_caspos()
        self.caspos_config.write({"fiscal_device_id": unplugged.id, "fiscal_auto_fiscalize": True})
        order = self._sale(self.caspos_config, self.caspos_cash)
        self._run_postcommit()

        body = order.message_ids[0].body
        self.assertIn("Not fiscalized: Fiscal device Caspos unplugged cannot be reached", body)
        self.assertIn("127.0.0.1", body, "it says which address")
        self.assertNotIn("object at 0x", body)
        self.assertNotIn("HTTPConnectionPool", body)
        # refused before a journal row (the shift could not be opened): the sweep retries it
        self.assertEqual(order.fiscal_state, "pending")
