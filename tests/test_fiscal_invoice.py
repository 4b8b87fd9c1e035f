import json

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import FiscalDeviceCommon


@tagged("post_install", "-at_install")
class TestFiscalInvoice(FiscalDeviceCommon):
    def test_caspos_fiscalize_stores_fiscal_fields_and_qr(self):
        invoice = self._caspos_invoice()
        self.assertTrue(invoice.fiscal_can_fiscalize)
        self.assertEqual(invoice.fiscal_state, "none")

        invoice.action_fiscalize()

        document = self._documents(invoice)
        self.assertEqual(len(document), 1)
        self.assertEqual(invoice.fiscal_document_ids, document)
        self.assertRecordValues(
            document,
            [
                {
                    "state": "done",
                    "kind": "sale",
                    "device_id": self.caspos.id,
                    "amount_total": 1150.0,
                }
            ],
        )
        self.assertEqual(len(document.document_id), 44, "Caspos document ids have 44 characters")
        self.assertEqual(document.short_document_id, document.document_id[:12])
        # an emulator's QR links nowhere (test_test_documents)
        self.assertEqual(
            document.qr_payload,
            f"TEST DOCUMENT — emulator, not registered with the tax authority: {document.document_id}",
        )
        request = json.loads(document.request_json)
        self.assertEqual(request["uuid"], document.uuid)
        self.assertEqual(request["lines"][0]["vat_class"], "1")
        self.assertEqual(request["payments"], [{"kind": "card", "amount": "1150.00"}])
        stored = self.caspos._emulator().emulator.memory.state["uuids"]
        self.assertIn(document.uuid, stored, "the device registered the journaled uuid")
        self.assertEqual(invoice.fiscal_state, "done")
        self.assertEqual(invoice.fiscal_short_id, document.short_document_id)
        self.assertEqual(invoice.fiscal_qr_value, document.qr_payload)
        self.assertFalse(invoice.fiscal_can_fiscalize)
        self.assertEqual(
            invoice.action_view_fiscal_documents()["domain"][1], ("res_id", "=", invoice.id)
        )

        # pressed again (a second tab, a retried request): the same document, no second receipt
        invoice.action_fiscalize()
        self.assertEqual(self._documents(invoice), document)
        self.assertEqual(len(self.caspos._emulator().emulator.memory.state["uuids"]), len(stored))

        html = self.env["ir.actions.report"]._render_qweb_html(
            "account.report_invoice", invoice.ids
        )[0]
        html = html.decode()
        self.assertIn(document.short_document_id, html)
        self.assertIn("/report/barcode/?barcode_type=QR&amp;value=TEST+DOCUMENT", html)

    def test_auto_fiscalize_on_posting(self):
        self.caspos.auto_fiscalize = True
        invoice = self._caspos_invoice(post=False)
        self.assertFalse(self._documents(invoice))
        invoice.action_post()
        self.assertEqual(self._documents(invoice).state, "done")
        self.assertEqual(invoice.fiscal_state, "done")

    def test_without_auto_fiscalize_posting_sends_nothing(self):
        invoice = self._caspos_invoice()
        self.assertFalse(self._documents(invoice))
        self.assertTrue(invoice.fiscal_can_fiscalize)

    def test_caspos_storno_references_the_invoice_document(self):
        invoice = self._caspos_invoice()
        invoice.action_fiscalize()
        sale = self._documents(invoice)
        credit_note = self._credit_note(invoice)
        self.assertEqual(credit_note.fiscal_origin_document_id, sale)
        self.assertTrue(credit_note.fiscal_can_storno)

        credit_note.action_fiscal_storno()

        storno = self._documents(credit_note)
        self.assertRecordValues(
            storno,
            [{"state": "done", "kind": "storno", "parent_id": sale.id, "amount_total": 1150.0}],
        )
        request = json.loads(storno.request_json)
        self.assertEqual(request["storno"]["parent_document_id"], sale.document_id)
        memory = self.caspos._emulator().emulator.memory.state
        self.assertEqual(memory["documents"][storno.document_id]["document_type"], 1, "MoneyBack")
        self.assertEqual(memory["documents"][sale.document_id]["refundable"], 0, "refunded in full")
        self.assertEqual(credit_note.fiscal_state, "done")
        self.assertEqual(sale.child_ids, storno)

    def test_storno_needs_a_fiscalized_origin(self):
        invoice = self._caspos_invoice()
        credit_note = self._credit_note(invoice)
        self.assertFalse(credit_note.fiscal_can_storno)
        with self.assertRaisesRegex(UserError, "its origin invoice .* was not fiscalized"):
            credit_note.action_fiscal_storno()

    def test_auto_storno_on_posting_a_credit_note(self):
        self.caspos.auto_fiscalize = True
        invoice = self._caspos_invoice()
        credit_note = self._credit_note(invoice)
        self.assertEqual(self._documents(credit_note).kind, "storno")
        self.assertEqual(self._documents(credit_note).parent_id, self._documents(invoice))

    def test_caspos_lost_answer_is_resumed_with_the_same_uuid(self):
        self.caspos.retries = 0
        emulator = self.caspos._emulator().emulator
        emulator.drop_after_commit(1)
        invoice = self._caspos_invoice()

        message = self._user_error_keeping_journal(invoice.action_fiscalize)

        self.assertIn("did not answer", message)
        self.assertIn("run the operation again to resend it with the same UUID", message)
        document = self._documents(invoice)
        self.assertEqual(document.state, "sending")
        self.assertEqual(invoice.fiscal_state, "sending")
        self.assertIn(document.uuid, emulator.memory.state["uuids"], "the device printed it")
        registered = len(emulator.memory.state["documents"])

        invoice.action_fiscalize()

        self.assertEqual(self._documents(invoice), document, "resumed, not a second document")
        self.assertEqual(document.state, "done")
        self.assertEqual(
            document.document_id, emulator.memory.state["uuids"][document.uuid]["document_id"]
        )
        self.assertEqual(len(emulator.memory.state["documents"]), registered, "no second receipt")
        self.assertEqual(invoice.fiscal_state, "done")

    def test_caspos_resume_from_the_document(self):
        self.caspos.retries = 0
        self.caspos._emulator().emulator.drop_after_commit(1)
        invoice = self._caspos_invoice()
        self._user_error_keeping_journal(invoice.action_fiscalize)
        document = self._documents(invoice)
        document.action_resume()
        self.assertEqual(document.state, "done")
        with self.assertRaisesRegex(UserError, "Only a document in state Sending can be resent"):
            document.action_resume()

    def test_device_error_reaches_the_user_with_code_and_hint(self):
        invoice = self._caspos_invoice()
        # the shift is opened on the first receipt; 25 h later the device refuses documents
        invoice.action_fiscalize()
        self.assertTrue(self.caspos.shift_open)
        self.caspos._emulator().emulator.advance_clock(hours=25)
        second = self._caspos_invoice()

        message = self._user_error_keeping_journal(second.action_fiscalize)

        self.assertIn("Fiscal device Caspos test refused the operation.", message)
        self.assertIn("Error 504: document: invalid shift duration", message)
        self.assertIn(
            "What to do: More than 24 hours have passed since the shift was opened: close it "
            "and open a new shift.",
            message,
        )
        self.assertIn("Nothing was registered; correct the problem and try again.", message)
        failed = self._documents(second)
        self.assertRecordValues(failed, [{"state": "failed", "error_code": "504"}])
        self.assertIn("close it and open a new shift", failed.error_hint)
        self.assertTrue(second.fiscal_can_fiscalize, "a failed document can be sent again")

        self.caspos.action_z_report()
        self.assertFalse(self.caspos.shift_open)
        second.action_fiscalize()
        self.assertEqual(second.fiscal_state, "done")
        self.assertEqual(len(self._documents(second)), 2)

    def test_closed_shift_without_auto_open_says_what_to_do(self):
        self.caspos.auto_open_shift = False
        invoice = self._caspos_invoice()
        message = self._user_error_keeping_journal(invoice.action_fiscalize)
        self.assertIn("Error 503: document: invalid shift status", message)
        self.assertIn("open a new shift", message)
        self.caspos.action_open_shift()
        self.assertTrue(self.caspos.shift_open)
        invoice.action_fiscalize()
        self.assertEqual(invoice.fiscal_state, "done")

    def test_validation_problems_write_nothing(self):
        self.caspos.tax_map_ids.unlink()
        invoice = self._caspos_invoice()
        with self.assertRaisesRegex(
            UserError,
            "The document cannot be sent to fiscal device Caspos test:\n"
            r"• line 1: VAT class is missing \(map the line's tax to a device VAT class\)",
        ):
            invoice.action_fiscalize()
        self.assertFalse(self._documents(invoice))

    def test_without_a_journal_device_the_invoice_currency_chooses(self):
        journal = self.company_data["default_journal_sale"].copy(
            {"name": "No device", "fiscal_device_id": False}
        )
        in_company_currency = self.init_invoice(
            "out_invoice", products=self.product_a, journal=journal, post=True
        )
        in_azn = self.init_invoice(
            "out_invoice", products=self.product_a, journal=journal, currency=self.azn, post=True
        )
        self.assertEqual(in_company_currency._fiscal_device(), self.n5)
        self.assertEqual(in_azn._fiscal_device(), self.caspos)

    def test_currency_other_than_the_device_is_refused(self):
        invoice = self.init_invoice(
            "out_invoice",
            products=self.product_a,
            journal=self.company_data["default_journal_sale"],
            post=True,
        )
        with self.assertRaisesRegex(
            UserError, "is in USD, but fiscal device Caspos test registers AZN only"
        ):
            invoice.action_fiscalize()
        self.assertFalse(self._documents(invoice))

    def test_n5_sale_and_storno_from_the_stored_qr_parts(self):
        invoice = self._n5_invoice()
        invoice.action_fiscalize()
        sale = self._documents(invoice)
        emulator = self.n5._emulator().emulator
        receipt = emulator.receipts()[-1]
        self.assertRecordValues(
            sale,
            [
                {
                    "state": "done",
                    "kind": "sale",
                    "document_number": receipt["number"],
                    "fiscal_memory_number": emulator.device.state.fiscal_memory_number,
                }
            ],
        )
        fm, number, day, time, total = sale.qr_payload.split("*")
        self.assertEqual(
            (fm, int(number), total), (sale.fiscal_memory_number, sale.document_number, "1150.00")
        )
        self.assertEqual(invoice.fiscal_qr_value, sale.qr_payload)

        credit_note = self._credit_note(invoice)
        credit_note.action_fiscal_storno()

        storno = self._documents(credit_note)
        self.assertRecordValues(storno, [{"state": "done", "kind": "storno", "parent_id": sale.id}])
        reference = json.loads(storno.request_json)["storno"]
        self.assertEqual(reference["fiscal_memory_number"], fm)
        self.assertEqual(reference["receipt_number"], int(number))
        self.assertEqual(reference["receipt_datetime"], f"{day}T{time}")
        self.assertEqual(emulator.receipts()[-1]["number"], storno.document_number)

    def test_n5_invoice_and_credit_note(self):
        buyer = self.env["res.partner"].create(
            {
                "name": "Buyer Ltd",
                "is_company": True,
                "vat": "BG175074752",
                "street": "1 Vitosha Blvd",
                "city": "Sofia",
            }
        )
        invoice = self._n5_invoice(partner=buyer)
        invoice.action_fiscalize()
        document = self._documents(invoice)
        self.assertEqual(document.kind, "invoice")
        self.assertTrue(document.device_number, "the N5 invoice number is kept for its credit note")
        request = json.loads(document.request_json)
        self.assertEqual(request["buyer"]["ident_number"], "175074752")

        credit_note = self._credit_note(invoice)
        credit_note.action_fiscal_storno()
        credit = self._documents(credit_note)
        self.assertRecordValues(
            credit, [{"state": "done", "kind": "credit_note", "parent_id": document.id}]
        )
        self.assertEqual(
            json.loads(credit.request_json)["storno"]["invoice_number"], document.device_number
        )

    def test_n5_lost_answer_is_resolved_in_the_wizard(self):
        self.n5.timeout = 1
        emulator = self.n5._emulator().emulator
        emulator.drop_answers(1)
        invoice = self._n5_invoice()

        message = self._user_error_keeping_journal(invoice.action_fiscalize)

        self.assertIn("did not answer", message)
        self.assertIn("a fiscal manager must check the device's journal and resolve it", message)
        document = self._documents(invoice)
        self.assertEqual(document.state, "unknown")
        self.assertEqual(invoice.fiscal_state, "unknown")
        printed = emulator.receipts()[-1]

        # never resent blindly: the N5 has no idempotency key
        message = self._user_error_keeping_journal(invoice.action_fiscalize)
        self.assertIn("has an unknown outcome", message)
        self.assertEqual(emulator.receipts()[-1], printed, "no second receipt")
        self.assertEqual(len(self._documents(invoice)), 1)

        wizard = self.env["fiscal.document.resolve"].with_context(default_document_id=document.id)
        with self.assertRaisesRegex(
            UserError, "Enter the receipt number read from the device's journal"
        ):
            wizard.create({"outcome": "printed"}).action_confirm()
        wizard.create({"outcome": "printed", "receipt_number": printed["number"]}).action_confirm()

        self.assertRecordValues(document, [{"state": "done", "document_number": printed["number"]}])
        self.assertIn(f"receipt number {printed['number']}", document.resolution_note)
        invoice.invalidate_recordset()  # the form reads it again in the next request
        self.assertEqual(invoice.fiscal_state, "done")

    def test_n5_paper_out_is_printed_again_then_resolved(self):
        emulator = self.n5._emulator().emulator
        emulator.paper_out(1)
        invoice = self._n5_invoice()

        message = self._user_error_keeping_journal(invoice.action_fiscalize)

        self.assertIn("Error 23: NO_PAPER", message)
        self.assertIn("use Print again on the fiscal document", message)
        document = self._documents(invoice)
        self.assertRecordValues(document, [{"state": "unknown", "error_code": "23"}])
        registered = emulator.receipts()[-1]
        printed_before = len(emulator.printed)

        action = document.action_print_again()

        self.assertEqual(action["res_model"], "fiscal.document.resolve")
        self.assertEqual(len(emulator.printed), printed_before + 1, "the receipt is on paper now")
        self.assertEqual(emulator.receipts()[-1], registered, "no second receipt")
        self.assertIn("Printed again after error 23", document.error_message)
        wizard = self.env["fiscal.document.resolve"].with_context(**action["context"])
        wizard.create(
            {"outcome": "printed", "receipt_number": registered["number"]}
        ).action_confirm()
        self.assertEqual(invoice.fiscal_state, "done")
        with self.assertRaisesRegex(UserError, r"\(error 15 or 23\) can be printed again"):
            document.action_print_again()

    def test_n5_lost_answer_marked_not_printed_is_sent_again(self):
        self.n5.timeout = 1
        emulator = self.n5._emulator().emulator
        emulator.fail_next(11)  # INTERNAL_ERROR: refused, nothing printed
        invoice = self._n5_invoice()
        message = self._user_error_keeping_journal(invoice.action_fiscalize)
        self.assertIn("Error 11", message)
        self.assertEqual(self._documents(invoice).state, "failed")

        emulator.drop_answers(1)
        self._user_error_keeping_journal(invoice.action_fiscalize)
        unknown = self._documents(invoice)[-1]
        self.assertEqual(unknown.state, "unknown")
        resolve = self.env["fiscal.document.resolve"].with_context(default_document_id=unknown.id)
        resolve.create({"outcome": "not_printed", "note": "not in the EJ"}).action_confirm()
        self.assertEqual(unknown.state, "failed")
        self.assertIn("Marked not printed by", unknown.resolution_note)

        invoice.action_fiscalize()
        self.assertEqual(invoice.fiscal_state, "done")
        self.assertEqual(len(self._documents(invoice)), 3)

    def test_resolve_wizard_is_for_fiscal_managers(self):
        self.n5.timeout = 1
        self.n5._emulator().emulator.drop_answers(1)
        invoice = self._n5_invoice()
        self._user_error_keeping_journal(invoice.action_fiscalize)
        document = self._documents(invoice)
        cashier = self._fiscal_user()
        with self.assertRaises(AccessError):
            self.env["fiscal.document.resolve"].with_user(cashier).with_context(
                default_document_id=document.id
            ).create({"outcome": "not_printed"}).action_confirm()
        self.assertEqual(document.state, "unknown")

    def test_done_document_refuses_writes_and_unlinks(self):
        invoice = self._caspos_invoice()
        invoice.action_fiscalize()
        document = self._documents(invoice)
        for record in (document, document.sudo()):
            with self.assertRaisesRegex(
                UserError, "is done: it was registered by the device and cannot be changed"
            ):
                record.write({"short_document_id": "FORGED"})
            with self.assertRaisesRegex(
                UserError, "stays in the fiscal journal: it cannot be deleted"
            ):
                record.unlink()
        self.assertEqual(document.short_document_id, document.document_id[:12])

    def test_device_buttons_on_both_emulators(self):
        for device in (self.caspos, self.n5):
            device.action_test_connection()
            self.assertTrue(device.serial_number)
            self.assertTrue(device.status_checked_at)
            for direction, amount in (("in", 100.0), ("out", 30.0)):
                action = device.action_cash_in() if direction == "in" else device.action_cash_out()
                wizard = (
                    self.env["fiscal.cash.move"]
                    .with_context(**action["context"])
                    .create({"amount": amount})
                )
                document = self.env["fiscal.document"].browse(wizard.action_confirm()["res_id"])
                self.assertRecordValues(
                    document,
                    [{"state": "done", "kind": f"cash_{direction}", "amount_total": amount}],
                )
            x_report = self.env["fiscal.document"].browse(device.action_x_report()["res_id"])
            self.assertRecordValues(x_report, [{"state": "done", "kind": "x_report"}])
            z_report = self.env["fiscal.document"].browse(device.action_z_report()["res_id"])
            self.assertRecordValues(z_report, [{"state": "done", "kind": "z_report"}])
            self.assertTrue(device.last_z_report_at)
            self.assertFalse(device.shift_open)
        self.caspos.action_open_cash_drawer()
        self._caspos_invoice().action_fiscalize()
        self.caspos.action_print_duplicate()
        self._n5_invoice().action_fiscalize()
        self.n5.action_print_duplicate()
        with self.assertRaisesRegex(UserError, "Error 28: NOT_ALLOWED_DUPLICATE"):
            self.n5.action_print_duplicate()
        with self.assertRaisesRegex(UserError, "N5 test has no cash drawer to open"):
            self.n5.action_open_cash_drawer()
        with self.assertRaisesRegex(UserError, "opens its fiscal day by itself"):
            self.n5.action_open_shift()

    def _fiscal_user(self):
        return self.env["res.users"].create(
            {
                "name": "Cashier",
                "login": "fiscal_cashier",
                "company_id": self.env.company.id,
                "company_ids": [self.env.company.id],
                "groups_id": [
                    (4, self.env.ref("account.group_account_invoice").id),
                    (4, self.group_fiscal_user.id),
                ],
            }
        )
