import json

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..fiscal_device_lib.caspos.emulator import CasposEmulator
from .pos_common import FiscalPosCommon


@tagged("post_install", "-at_install")
class TestPosOrderFiscal(FiscalPosCommon):
    def _sale(self, config, cash, bank=None, amount=1150.0):
        payments = [(cash, amount)] if bank is None else [(cash, 150.0), (bank, 1000.0)]
        return self._sync(config, [(self.product_a, 1, 0)], payments)

    def _refund(self, config, order, method):
        return self._sync(config, [(self.product_a, -1, 0)], [(method, -1150.0)], refund_of=order)

    def test_n5_fiscalize_then_refund_storno(self):
        order = self._sale(self.n5_config, self.n5_cash, self.n5_bank)
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.fiscal_state, "none")
        self.assertTrue(order.fiscal_can_fiscalize)
        self.assertFalse(self._documents(order), "auto-fiscalize is off: nothing was sent")

        order.action_fiscalize()

        sale = self._documents(order)
        self.assertEqual(order.fiscal_document_ids, sale)
        self.assertRecordValues(
            sale, [{"state": "done", "kind": "sale", "device_id": self.n5.id, "amount_total": 1150}]
        )
        request = json.loads(sale.request_json)
        self.assertEqual(
            request["payments"],
            [{"kind": "cash", "amount": "150.00"}, {"kind": "card", "amount": "1000.00"}],
            "the cash method pays cash, the bank method the device's default (card)",
        )
        self.assertEqual(request["lines"][0]["vat_class"], "B")
        self.assertEqual(request["lines"][0]["unit_price"], "1150.00")
        receipts = self.n5._emulator().emulator.receipts()
        self.assertEqual([r["document"] for r in receipts], ["sale"])
        self.assertEqual(sale.qr_payload, receipts[0]["qr"])
        self.assertEqual(order.fiscal_state, "done")
        self.assertEqual(order.fiscal_short_id, str(sale.document_number))
        self.assertEqual(order.fiscal_number, sale.document_number)
        self.assertEqual(order.fiscal_qr_value, sale.qr_payload)
        self.assertFalse(order.fiscal_can_fiscalize)
        # pressed twice: the done document, no second receipt
        order.action_fiscalize()
        self.assertEqual(self._documents(order), sale)
        self.assertEqual(len(self.n5._emulator().emulator.receipts()), 1)

        # the drawer holds the 150.00 paid in cash: the money goes back to the card
        refund = self._refund(self.n5_config, order, self.n5_bank)
        self.assertEqual(refund.refunded_order_id, order)
        self.assertEqual(refund.fiscal_origin_document_id, sale)
        self.assertTrue(refund.fiscal_can_storno)
        self.assertFalse(refund.fiscal_can_fiscalize)

        refund.action_fiscal_storno()

        storno = self._documents(refund)
        self.assertRecordValues(
            storno,
            [{"state": "done", "kind": "storno", "parent_id": sale.id, "amount_total": 1150}],
        )
        storno_request = json.loads(storno.request_json)
        self.assertEqual(storno_request["lines"][0]["quantity"], "1.000", "quantities positive")
        self.assertEqual(storno_request["payments"], [{"kind": "card", "amount": "1150.00"}])
        reference = storno_request["storno"]
        self.assertEqual(reference["fiscal_memory_number"], sale.fiscal_memory_number)
        self.assertEqual(reference["receipt_number"], sale.document_number)
        self.assertEqual(
            [r["document"] for r in self.n5._emulator().emulator.receipts()], ["sale", "storno"]
        )
        self.assertEqual(refund.fiscal_state, "done")
        self.assertEqual(sale.child_ids, storno)
        self.assertEqual(
            refund.action_view_fiscal_documents()["domain"],
            [("res_model", "=", "pos.order"), ("res_id", "=", refund.id)],
        )

    def test_caspos_fiscalize_then_refund_money_back(self):
        order = self._sale(self.caspos_config, self.caspos_cash)
        order.action_fiscalize()
        sale = self._documents(order)
        self.assertEqual(sale.state, "done")
        self.assertEqual(len(sale.document_id), 44)
        self.assertEqual(order.fiscal_short_id, sale.document_id[:12])
        self.assertEqual(
            order.fiscal_qr_value,
            f"TEST DOCUMENT — emulator, not registered with the tax authority: {sale.document_id}",
        )
        self.assertEqual(json.loads(sale.request_json)["currency"], "AZN")

        refund = self._refund(self.caspos_config, order, self.caspos_cash)
        refund.action_fiscal_storno()

        storno = self._documents(refund)
        self.assertRecordValues(storno, [{"state": "done", "kind": "storno", "parent_id": sale.id}])
        memory = self.caspos._emulator().emulator.memory.state["documents"]
        self.assertEqual(memory[storno.document_id]["kind"], "moneyBack")
        self.assertEqual(memory[sale.document_id]["refundable"], 0, "the sale is fully returned")

    def test_payment_mapping_and_change(self):
        self.n5.payment_map_ids = [
            Command.create({"pos_payment_method_id": self.n5_bank.id, "payment_kind": "check"})
        ]
        mapped = self._sale(self.n5_config, self.n5_cash, self.n5_bank)
        mapped.action_fiscalize()
        payments = json.loads(self._documents(mapped).request_json)["payments"]
        self.assertEqual(payments[1], {"kind": "check", "amount": "1000.00"})
        printed = self.n5._emulator().emulator.receipts()[0]["lines"]
        self.assertTrue(any(line.startswith("Чек") and "1000.00" in line for line in printed))

        # 1200 tendered in cash, 50 handed back: the receipt shows the cash tendered
        order = self._sync(
            self.n5_config,
            [(self.product_a, 1, 0)],
            [(self.n5_cash, 1200.0)],
            change=50.0,
        )
        self.assertTrue(order.payment_ids.filtered("is_change"))
        order.action_fiscalize()
        payments = json.loads(self._documents(order).request_json)["payments"]
        self.assertEqual(payments, [{"kind": "cash", "amount": "1200.00"}])
        printed = self.n5._emulator().emulator.receipts()[-1]["lines"]
        self.assertTrue(any("РЕСТО" in line and "50.00" in line for line in printed))

    def test_discounted_line(self):
        order = self._sync(self.n5_config, [(self.product_a, 2, 10)], [(self.n5_cash, 2070.0)])
        order.action_fiscalize()
        line = json.loads(self._documents(order).request_json)["lines"][0]
        self.assertEqual(line["unit_price"], "1150.00")
        self.assertEqual(line["discount_amount"], "230.00")

    def test_auto_fiscalize_after_the_synchronisation_commits(self):
        self.n5_config.fiscal_auto_fiscalize = True
        order = self._sale(self.n5_config, self.n5_cash)
        self.assertFalse(self._documents(order), "nothing is sent before the orders are committed")

        self._run_postcommit()

        self.assertEqual(self._documents(order).state, "done")
        self.assertEqual(order.fiscal_state, "done")
        refund = self._refund(self.n5_config, order, self.n5_cash)
        self._run_postcommit()
        self.assertEqual(self._documents(refund).kind, "storno")
        self.assertEqual(refund.fiscal_state, "done")

    def test_auto_fiscalize_failure_keeps_the_order_for_a_retry(self):
        self.n5_config.fiscal_auto_fiscalize = True
        self.n5._emulator().emulator.fail_next(37)  # printer malfunction, nothing registered
        order = self._sale(self.n5_config, self.n5_cash)
        self._run_postcommit()

        self.assertEqual(order.state, "paid", "the order is kept")
        self.assertEqual(order.fiscal_state, "failed")
        self.assertEqual(order.fiscal_error, "PRINTER_MALFUNCTION")
        self.assertIn("Not fiscalized: Fiscal device N5 test refused", order.message_ids[0].body)
        self.assertTrue(order.fiscal_can_fiscalize)
        self.assertFalse(self.n5._emulator().emulator.receipts())

        order.action_fiscalize()
        self.assertEqual(order.fiscal_state, "done")
        self.assertEqual(len(self.n5._emulator().emulator.receipts()), 1)

    def test_auto_fiscalize_skips_configs_without_it(self):
        order = self._sale(self.n5_config, self.n5_cash)
        self._run_postcommit()
        self.assertFalse(self._documents(order))

    def test_refused_operations(self):
        order = self._sale(self.n5_config, self.n5_cash)
        with self.assertRaisesRegex(
            UserError, r"Only a refund order can be sent as a storno \(.*\); a sale is fiscalized"
        ):
            order.action_fiscal_storno()

        refund = self._refund(self.n5_config, order, self.n5_cash)
        self.assertFalse(refund.fiscal_can_storno)
        with self.assertRaisesRegex(
            UserError, r"Refund .* cannot be sent as a storno: its order .* was not fiscalized"
        ):
            refund.action_fiscal_storno()

        draft = self.env["pos.order"].browse(
            self.env["pos.order"].sync_from_ui(
                [
                    {
                        **self._order_values(
                            self.n5_config, [(self.product_a, 1, 0)], [(self.n5_cash, 1150.0)]
                        ),
                        "state": "draft",
                    }
                ]
            )["pos.order"][0]["id"]
        )
        with self.assertRaisesRegex(UserError, r"Only paid orders can be fiscalized; .* is New"):
            draft.action_fiscalize()

        self.n5_config.fiscal_device_id = False
        without_device = self._sale(self.n5_config, self.n5_cash)
        self.assertFalse(without_device.fiscal_can_fiscalize)
        with self.assertRaisesRegex(
            UserError, r"Point of Sale N5 shop has no fiscal device: choose one in its settings"
        ):
            without_device.action_fiscalize()

    def test_caspos_refuses_an_order_in_another_currency(self):
        self.n5_config.fiscal_device_id = self.caspos
        order = self._sale(self.n5_config, self.n5_cash)
        with self.assertRaisesRegex(
            UserError, r"is in USD, but fiscal device Caspos test registers AZN only"
        ):
            order.action_fiscalize()

    def test_fiscalize_from_ui_returns_the_fiscal_data(self):
        order = self._sale(self.caspos_config, self.caspos_cash)
        result = order.fiscalize_from_ui()
        document = self._documents(order)
        expected = {
            "order_id": order.id,
            "state": "done",
            "fiscal_id": document.document_id,
            "short_id": document.document_id[:12],
            "number": document.document_number,
            "qr_payload": document.qr_payload,
            "qr_link": document.qr_link,
            "error": False,
        }
        self.assertEqual({key: result[key] for key in expected}, expected)
        self.assertEqual(result["device"], "Caspos test")
        self.assertEqual(result["qr_value"], document.qr_payload)
        self.assertTrue(result["is_test"])
        self.assertFalse(result["can_retry"])
        n5_order = self._sale(self.n5_config, self.n5_cash)
        self.n5._emulator().emulator.fail_next(37)  # printer malfunction, nothing registered
        failed = n5_order.fiscalize_from_ui()
        self.assertEqual(failed["state"], "failed")
        self.assertIn("Error 37: PRINTER_MALFUNCTION", failed["error"])
        self.assertFalse(failed["fiscal_id"])
        self.assertEqual(failed["error_code"], "37")
        self.assertTrue(failed["can_retry"], "nothing was registered")
        self.assertEqual(n5_order.fiscalize_from_ui()["state"], "done", "a retry succeeds")


@tagged("post_install", "-at_install")
class TestPosWaitingOrders(FiscalPosCommon):
    """Orders that wait for the device (``pos.config.fiscal_register_waiting``), without a
    browser: a shop's Caspos on loopback, unplugged and plugged back on the same port."""

    def setUp(self):
        super().setUp()
        self.live = CasposEmulator(port=0).start()
        self.addCleanup(self.live.stop)
        login = self.live.settings()
        self.device = self._create_device(
            "Caspos plug",
            "caspos",
            "1",
            url=login["url"],
            username=login["username"],
            password=login["password"],
            timeout=1.0,
            retries=0,
        )
        self.config, self.cash, _bank = self._create_pos_config("Plug shop", self.device, self.azn)

    def _paid(self):
        return self._sync(self.config, [(self.product_a, 1, 0)], [(self.cash, 1150.0)])

    def test_unreachable_then_back_registers_in_order_once(self):
        self.live.stop()
        first = self._paid()
        result = first.fiscalize_from_ui()
        self.assertTrue(result["waiting"], "nothing was sent: the order waits for the device")
        self.assertRegex(result["error"], "cannot be reached")
        self.assertTrue(first.fiscal_waiting_device)
        # synchronised while the till could not register it: no fiscal document at all
        second = self._paid()
        self.assertEqual(self.config._fiscal_waiting_orders(), first | second)

        answer = self.config.fiscal_register_waiting()
        self.assertEqual(answer["waiting"], 2)
        self.assertFalse(answer["order_id"], "the device does not answer: nothing is sent")
        self.assertRegex(answer["error"], "cannot be reached")

        self.live.start()
        counts = []
        for expected in (first, second):
            answer = self.config.fiscal_register_waiting()
            self.assertEqual(answer["order_id"], expected.id, "oldest first")
            self.assertEqual(answer["result"]["state"], "done")
            counts.append(answer["waiting"])
        self.assertEqual(counts, [1, 0], "the count goes down as each is registered")
        self.env.invalidate_all()
        self.assertEqual((first | second).mapped("fiscal_state"), ["done", "done"])
        self.assertFalse(first.fiscal_waiting_device)
        self.assertEqual(len(self.live.memory.state["documents"]), 2, "each registered once")
        self.assertEqual(self.config.fiscal_register_waiting()["waiting"], 0)

    def test_excluded_and_refused_orders_do_not_wait(self):
        order = self._paid()
        self.assertEqual(self.config.fiscal_register_waiting(register=False)["waiting"], 1)
        self.assertEqual(
            self.config.fiscal_register_waiting(exclude_ids=order.ids)["waiting"],
            0,
            "an order the till is registering is not counted twice",
        )
        self.assertEqual(self.config.fiscal_register_waiting()["result"]["state"], "done")
        # a name longer than the Caspos takes: refused before anything is sent
        self.product_a.name = "Long name " * 30
        refused = self._paid()
        answer = self.config.fiscal_register_waiting()
        self.assertEqual(answer["order_id"], refused.id)
        self.assertEqual(answer["result"]["state"], "none")
        self.assertTrue(answer["result"]["error"])
        self.assertEqual(answer["waiting"], 0, "refused, the device answering: left to a person")
        self.assertTrue(refused.fiscal_sweep_failed_at)
        self.assertFalse(self.config._fiscal_waiting_orders())
        self.assertEqual(len(self.live.memory.state["documents"]), 1)
