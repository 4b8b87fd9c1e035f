"""The cashier's fiscal flow in the real Point of Sale screen (headless Chromium tours).

Each tour sells in a POS configuration of one of the built-in emulators; the test sets the
emulator's faults before and checks the device's own journal after. Screenshots of the receipt
and of the dialogs are written to ``<odoo screenshots dir>/fiscal_device/<device>_<name>.png``
(``--screenshots``, default ``/tmp/odoo_tests``).
"""

import base64
import json
import time
from decimal import Decimal
from pathlib import Path
from unittest.mock import patch
from uuid import uuid4

from odoo import Command, fields
from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tests.common import ChromeBrowser
from odoo.tools import config

from ..fiscal_device_lib.caspos.emulator import CasposEmulator
from .common import FiscalDeviceFixture

CONSOLE_MARK = "fiscal_device:"
# Bare device round trips timed by the bench (its tour sells as many orders).
BENCH_ROUNDS = 5


def screenshots_dir():
    """Where the tours' screenshots go."""
    return Path(config["screenshots"], "fiscal_device")


class FiscalPosTourCommon(FiscalDeviceFixture, AccountTestInvoicingHttpCommon):
    """A Caspos shop in AZN and an N5 shop in the company currency, paid by "Cash" or "Card",
    and a cashier; tours run in them (``_tour``) talk to the test through the console."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id = [
            Command.link(cls.env.ref("fiscal_device.group_fiscal_manager").id),
            Command.link(cls.env.ref("point_of_sale.group_pos_manager").id),
        ]
        cls.azn = cls.setup_other_currency("AZN", rates=[("2019-01-01", 1.0)])
        cls.product_a.available_in_pos = True
        cls.cashier = cls.env["res.users"].create(
            {
                "name": "Fiscal cashier",
                "login": "fiscal_cashier",
                "password": "fiscal_cashier",
                # the session's opening message needs a sender address
                "email": "fiscal_cashier@example.com",
                "company_id": cls.env.company.id,
                "company_ids": [Command.set(cls.env.company.ids)],
                "groups_id": [
                    Command.link(cls.env.ref("base.group_user").id),
                    Command.link(cls.env.ref("point_of_sale.group_pos_user").id),
                    Command.link(cls.env.ref("fiscal_device.group_fiscal_user").id),
                ],
            }
        )
        cls.caspos = cls._create_device("Caspos till", "caspos_emulator", "1")
        cls.n5 = cls._create_device("N5 till", "n5_emulator", "B")
        cls.caspos_config = cls._create_pos_config("Caspos till", cls.caspos, cls.azn)
        cls.n5_config = cls._create_pos_config("N5 till", cls.n5, cls.env.company.currency_id)

    @classmethod
    def _create_pos_config(cls, name, device, currency):
        """A shop on ``device`` selling in ``currency``, paid by "Cash" or "Card"."""
        prefix = "".join(word[0] for word in name.split()).upper()
        config, _cash, _card = cls._create_shop(
            name, device, currency, prefix, ("Cash", "Card"), fiscal_ui_wait=5
        )
        return config

    # ------------------------------------------------------------------
    # Running a tour
    # ------------------------------------------------------------------

    def _tour(self, pos_config, tour, shot_prefix, actions=None):
        """Run ``tour`` in ``pos_config`` as the cashier; returns the receipts the tour read.
        A step logging ``fiscal_device:do:<name>`` runs ``actions[name]()`` in the test."""
        self._console_actions = actions or {}
        pos_config.with_user(self.cashier).open_ui()
        receipts, timings = [], []
        original = ChromeBrowser._handle_console

        def handle_console(browser, type, args=None, stackTrace=None, **kw):
            first = browser._from_remoteobject(args[0]) if args else None
            if type == "log" and isinstance(first, str) and first.startswith(CONSOLE_MARK):
                what, _sep, value = first[len(CONSOLE_MARK) :].partition(":")
                if what == "screenshot":
                    self._screenshot(browser, f"{shot_prefix}_{value}")
                elif what == "receipt":
                    receipts.append(json.loads(value))
                elif what == "bench":
                    timings.append(float(value) / 1000)
                elif what == "do":
                    self._console_actions[value]()
                return None
            return original(browser, type, args, stackTrace, **kw)

        with patch.object(ChromeBrowser, "_handle_console", handle_console):
            self.start_tour(
                f"/pos/ui?config_id={pos_config.id}", tour, login="fiscal_cashier", timeout=300
            )
        self._timings = timings
        return receipts

    @staticmethod
    def _screenshot(browser, name):
        def save(future):
            data = future.result().get("data")
            if data:
                target = screenshots_dir()
                target.mkdir(parents=True, exist_ok=True)
                (target / f"{name}.png").write_bytes(base64.b64decode(data))

        browser._websocket_send("Page.captureScreenshot", with_future=True).add_done_callback(save)

    def _orders(self, pos_config):
        return self.env["pos.order"].search([("config_id", "=", pos_config.id)], order="id")

    def _sync_cash_order(self, pos_config, product):
        """One unit of ``product`` paid in cash, synchronised as the screen does."""
        pos_config = pos_config.with_company(pos_config.company_id)
        position = pos_config.default_fiscal_position_id
        taxes = position.map_tax(product.taxes_id) if position else product.taxes_id
        price = (
            pos_config.pricelist_id._get_product_price(product, 1.0)
            if (pos_config.use_pricelist and pos_config.pricelist_id)
            else product.lst_price
        )
        amounts = taxes.compute_all(price, pos_config.currency_id, 1, product)
        total = amounts["total_included"]
        cash = pos_config.payment_method_ids.filtered(lambda m: m.type == "cash")[:1]
        values = {
            "uuid": str(uuid4()),
            "session_id": pos_config.current_session_id.id,
            "pricelist_id": pos_config.pricelist_id.id,
            "fiscal_position_id": position.id,
            "date_order": fields.Datetime.to_string(fields.Datetime.now()),
            "lines": [
                Command.create(
                    {
                        "product_id": product.id,
                        "qty": 1,
                        "price_unit": price,
                        "tax_ids": [Command.set(taxes.ids)],
                        "price_subtotal": amounts["total_excluded"],
                        "price_subtotal_incl": total,
                        "full_product_name": product.name,
                    }
                )
            ],
            "payment_ids": [
                Command.create(
                    {"amount": total, "name": fields.Datetime.now(), "payment_method_id": cash.id}
                )
            ],
            "amount_total": total,
            "amount_tax": total - amounts["total_excluded"],
            "amount_paid": total,
            "amount_return": 0,
            "sequence_number": 1,
            "user_id": pos_config.env.uid,
            "partner_id": False,
            "to_invoice": False,
            "state": "paid",
            "last_order_preparation_change": "{}",
        }
        result = pos_config.env["pos.order"].sync_from_ui([values])
        return pos_config.env["pos.order"].browse(result["pos.order"][0]["id"])

    def _documents(self, order):
        return self.env["fiscal.document"].search(
            [("res_model", "=", "pos.order"), ("res_id", "=", order.id)], order="id"
        )

    def _assert_receipt_shows(self, receipt, order):
        """The receipt's DOM carries the order's fiscal document, as the device registered it."""
        self.env.invalidate_all()
        self.assertEqual(order.fiscal_state, "done")
        self.assertEqual(receipt["short_id"], order.fiscal_short_id)
        self.assertEqual(receipt["qr"], order.fiscal_qr_value)
        self.assertEqual(receipt["qr_text"], order.fiscal_qr_value)
        self.assertIn("/report/barcode/QR/", receipt["qr_src"])
        if order.fiscal_number:
            self.assertEqual(receipt["number"], str(order.fiscal_number))


@tagged("post_install", "-at_install")
class TestPosTour(FiscalPosTourCommon):
    # ------------------------------------------------------------------
    # Sale: cash + card with change
    # ------------------------------------------------------------------

    def test_n5_sale_cash_card_change(self):
        (receipt,) = self._tour(self.n5_config, "FiscalDeviceSaleTour", "n5")
        order = self._orders(self.n5_config)
        self.assertEqual(len(order), 1)
        self._assert_receipt_shows(receipt, order)
        self.assertRegex(receipt["qr"], r"^[A-Z0-9]+\*\d+\*\d{4}-\d{2}-\d{2}\*[\d:]+\*1150\.00$")
        (printed,) = self.n5._emulator().emulator.receipts()
        self.assertEqual(printed["qr"], receipt["qr"])
        request = json.loads(self._documents(order).request_json)
        self.assertEqual(
            request["payments"],
            [{"kind": "card", "amount": "1000.00"}, {"kind": "cash", "amount": "200.00"}],
            "the cash tendered is registered; the change is the device's to print",
        )

    def test_caspos_sale_cash_card_change(self):
        (receipt,) = self._tour(self.caspos_config, "FiscalDeviceSaleTour", "caspos")
        order = self._orders(self.caspos_config)
        self._assert_receipt_shows(receipt, order)
        document = self._documents(order)
        self.assertEqual(
            receipt["qr"],
            f"TEST DOCUMENT — emulator, not registered with the tax authority: {document.document_id}",
        )
        memory = self.caspos._emulator().emulator.memory.state["documents"]
        self.assertEqual(list(memory), [document.document_id])
        self.assertEqual(json.loads(document.request_json)["currency"], "AZN")

    # ------------------------------------------------------------------
    # Device error -> dialog -> retry
    # ------------------------------------------------------------------

    def test_n5_error_then_retry_registers_once(self):
        emulator = self.n5._emulator().emulator
        # printer malfunction: nothing registered
        (receipt,) = self._tour(
            self.n5_config, "FiscalDeviceRetryTour", "n5", {"arm": lambda: emulator.fail_next(37)}
        )
        order = self._orders(self.n5_config)
        self._assert_receipt_shows(receipt, order)
        self.assertEqual(len(self.n5._emulator().emulator.receipts()), 1)
        self.assertEqual(
            self._documents(order).mapped("state"),
            ["failed", "done"],
            "the refused attempt stays in the fiscal journal beside the registered one",
        )

    def test_caspos_error_then_retry_registers_once(self):
        emulator = self.caspos._emulator().emulator
        (receipt,) = self._tour(
            self.caspos_config,
            "FiscalDeviceRetryTour",
            "caspos",
            {"arm": lambda: emulator.reject_next(611)},
        )
        order = self._orders(self.caspos_config)
        self._assert_receipt_shows(receipt, order)
        memory = self.caspos._emulator().emulator.memory.state["documents"]
        self.assertEqual(len(memory), 1)

    # ------------------------------------------------------------------
    # Continue without a fiscal receipt
    # ------------------------------------------------------------------

    def test_n5_continue_without_receipt_keeps_the_order_flagged(self):
        self.n5._emulator().emulator.fail_next(37)
        self._tour(self.n5_config, "FiscalDeviceContinueTour", "n5")
        order = self._orders(self.n5_config)
        self.assertEqual(order.state, "paid", "the order is kept")
        self.assertEqual(order.fiscal_state, "failed")
        self.assertEqual(order.fiscal_error, "PRINTER_MALFUNCTION")
        self.assertTrue(order.fiscal_can_fiscalize, "registered later from the back office")
        self.assertFalse(self.n5._emulator().emulator.receipts())

    def test_n5_unknown_outcome_is_not_resent(self):
        self.n5.timeout = 2
        self.n5._emulator().emulator.drop_answers(1)  # printed, the answer is lost
        self._tour(self.n5_config, "FiscalDeviceUnknownTour", "n5")
        order = self._orders(self.n5_config)
        self.assertEqual(order.fiscal_state, "unknown")
        self.assertEqual(
            len(self.n5._emulator().emulator.receipts()), 1, "printed once, never resent"
        )

    # ------------------------------------------------------------------
    # A silent device: bounded wait, then the operation ends in the background
    # ------------------------------------------------------------------

    def test_caspos_silent_device_bounded_wait(self):
        self.caspos_config.fiscal_ui_wait = 1
        self.caspos._emulator().emulator.set_latency(2)  # per request: a sale makes several
        (receipt,) = self._tour(self.caspos_config, "FiscalDeviceSilentTour", "caspos")
        order = self._orders(self.caspos_config)
        self._assert_receipt_shows(receipt, order)
        self.assertEqual(len(self.caspos._emulator().emulator.memory.state["documents"]), 1)

    # ------------------------------------------------------------------
    # Device unreachable: the order waits, counted, and is registered once it is back
    # ------------------------------------------------------------------

    def test_caspos_unreachable_order_waits_and_registers_once(self):
        # a shop's Caspos on loopback that the test unplugs and plugs back on the same port
        live = CasposEmulator(port=0).start()
        self.addCleanup(live.stop)
        login = live.settings()
        device = self._create_device(
            "Caspos shop",
            "caspos",
            "1",
            url=login["url"],
            username=login["username"],
            password=login["password"],
            timeout=2,
            retries=0,
        )
        pos_config = self._create_pos_config("Caspos shop", device, self.azn)
        live.stop()
        self._tour(pos_config, "FiscalDeviceWaitingTour", "caspos", {"device_back": live.start})
        order = self._orders(pos_config)
        self.env.invalidate_all()
        self.assertEqual(len(order), 1)
        self.assertEqual(order.fiscal_state, "done")
        self.assertFalse(order.fiscal_waiting_device)
        self.assertEqual(len(live.memory.state["documents"]), 1, "registered once")
        self.assertEqual(self._documents(order)[-1:].state, "done")
        self.assertFalse(pos_config._fiscal_waiting_orders())
        self.assertTrue(
            any(
                "Shift of Caspos shop not opened" in body
                for body in order.session_id.message_ids.mapped("body")
            ),
            "an unplugged device does not stop the register from opening",
        )

    # ------------------------------------------------------------------
    # Paper out: registered, not printed -> Print again
    # ------------------------------------------------------------------

    def test_n5_paper_out_then_print_again(self):
        emulator = self.n5._emulator().emulator
        emulator.paper_out(1)  # the sale is registered, its print fails
        self._tour(self.n5_config, "FiscalDevicePrintAgainTour", "n5")
        order = self._orders(self.n5_config)
        (registered,) = emulator.receipts()
        self.assertEqual(len(emulator.printed), 1, "printed once, after the paper came back")
        self.assertIn(str(registered["number"]), emulator.printed[0])
        (document,) = self._documents(order)
        self.assertEqual(
            document.state, "unknown", "resolved from the paper: the N5 tells no number"
        )
        self.assertIn("Printed again after error 23", document.error_message)

    # ------------------------------------------------------------------
    # Session close -> Z report beside Odoo's totals
    # ------------------------------------------------------------------

    def test_caspos_session_close_shows_the_z_totals(self):
        self.caspos_config.fiscal_z_report_on_close = True
        sale, z_report = self._tour(self.caspos_config, "FiscalDeviceCloseTour", "caspos")
        order = self._orders(self.caspos_config)
        self._assert_receipt_shows(sale, order)
        session = order.session_id
        self.assertEqual(session.state, "closed")
        self.assertTrue(
            any(
                "Shift of Caspos till opened." in body
                for body in session.message_ids.mapped("body")
            ),
            "opening the register opened the device's shift",
        )
        self.assertEqual(z_report["number"], "1")
        self.assertEqual(z_report["orders"], "1")
        self.assertEqual(z_report["difference"], "0", "Odoo's sales and the device's agree")
        self.assertIn("1,150.00", z_report["odoo"])
        self.assertIn("1,150.00", z_report["device"])
        self.assertIn("sale sum", z_report["device_totals"])
        self.assertFalse(self.caspos.shift_open, "the Z report closed the device's shift")

    # ------------------------------------------------------------------
    # Refund in the POS -> storno
    # ------------------------------------------------------------------

    def test_n5_refund_is_the_storno(self):
        sale_receipt, storno_receipt = self._tour(self.n5_config, "FiscalDeviceRefundTour", "n5")
        sale, refund = self._orders(self.n5_config)
        self.assertEqual(refund.refunded_order_id, sale)
        self._assert_receipt_shows(sale_receipt, sale)
        self._assert_receipt_shows(storno_receipt, refund)
        storno = self._documents(refund)
        self.assertRecordValues(storno, [{"kind": "storno", "state": "done"}])
        self.assertEqual(storno.parent_id, self._documents(sale))
        self.assertEqual(
            [r["document"] for r in self.n5._emulator().emulator.receipts()], ["sale", "storno"]
        )

    def test_caspos_refund_is_the_storno(self):
        sale_receipt, storno_receipt = self._tour(
            self.caspos_config, "FiscalDeviceRefundTour", "caspos"
        )
        sale, refund = self._orders(self.caspos_config)
        self._assert_receipt_shows(sale_receipt, sale)
        self._assert_receipt_shows(storno_receipt, refund)
        storno = self._documents(refund)
        self.assertRecordValues(storno, [{"kind": "storno", "state": "done"}])
        memory = self.caspos._emulator().emulator.memory.state["documents"]
        self.assertEqual(memory[storno.document_id]["kind"], "moneyBack")


@tagged("post_install", "-at_install", "-standard", "fiscal_device_bench")
class TestPosValidateBench(FiscalPosTourCommon):
    """Not a test: timings for ``bench/bench_pos_validate.py`` (run with the tag
    ``fiscal_device_bench``), written to ``<screenshots dir>/fiscal_device/bench.json``."""

    def _bare_round_trips(self, device, order, rounds):
        """Seconds of the device's own round trip for the same receipt, through its driver."""
        timings = []
        with device._family().connect(**device._connection_settings()) as driver:
            for _round in range(rounds):
                receipt = order._fiscal_receipt(device, driver, str(uuid4()))
                started = time.perf_counter()
                driver.fiscalize(receipt)
                timings.append(time.perf_counter() - started)
        return timings

    def test_bench_validate_to_receipt(self):
        results = {}
        for name, device, pos_config in (
            ("n5", self.n5, self.n5_config),
            ("caspos", self.caspos, self.caspos_config),
        ):
            self._tour(pos_config, "FiscalDeviceBenchTour", f"bench_{name}")
            orders = self._orders(pos_config)
            results[name] = {
                "validate_to_receipt": self._timings,
                "device_round_trip": self._bare_round_trips(device, orders[0], BENCH_ROUNDS),
                "orders": len(orders),
            }
        target = screenshots_dir()
        target.mkdir(parents=True, exist_ok=True)
        (target / "bench.json").write_text(json.dumps(results, indent=1))


@tagged("post_install", "-at_install")
class TestPosFiscalConfig(FiscalPosTourCommon):
    """What the POS screen is given, without a browser."""

    def test_ui_wait_bounds(self):
        with self.assertRaisesRegex(
            ValidationError,
            r"Point of Sale N5 till: the wait for the fiscal device must be between 1 and 120 "
            r"seconds \(0.5\)",
        ):
            self.n5_config.fiscal_ui_wait = 0.5

    def test_device_and_reprint_data_for_the_screen(self):
        data = self.n5_config._load_pos_data(
            {"pos.session": {"data": [{"config_id": self.n5_config.id}]}}
        )
        self.assertEqual(
            data["data"][0]["_fiscal_device"],
            {"id": self.n5.id, "name": "N5 till", "family": "n5", "is_emulator": True},
        )
        self.n5_config.with_user(self.cashier).open_ui()
        order = self._sync_cash_order(self.n5_config, self.product_a)
        unregistered = self.n5_config.fiscal_receipt_data(order.ids)[order.id]
        self.assertEqual(unregistered["state"], "none")
        self.assertFalse(self.n5._emulator().emulator.receipts(), "a reprint registers nothing")
        order.action_fiscalize()
        registered = self.n5_config.fiscal_receipt_data(order.ids)[order.id]
        self.assertEqual(registered["state"], "done")
        self.assertEqual(registered["qr_payload"], order.fiscal_qr_value)
        self.assertEqual(len(self.n5._emulator().emulator.receipts()), 1)

    def test_demo_shops_register_at_once(self):
        """Each demo device's shop sells in a currency its device registers, with its VAT."""
        # the demo shops belong to the demo company, run by its administrator
        admin = self.env.ref("base.user_admin")
        admin.groups_id = [
            Command.link(self.env.ref("fiscal_device.group_fiscal_manager").id),
            Command.link(self.env.ref("point_of_sale.group_pos_manager").id),
        ]
        for xmlid, currency, vat_class in (
            ("fiscal_device.fiscal_device_demo_caspos_pos", "AZN", "1"),
            ("fiscal_device.fiscal_device_demo_n5_pos", "USD", "B"),
        ):
            with self.subTest(shop=xmlid):
                pos_config = self.env.ref(xmlid).with_user(admin)
                self.addCleanup(self._reset_emulator, pos_config.fiscal_device_id)
                pos_config = pos_config.with_company(pos_config.company_id)
                self.assertEqual(pos_config.currency_id.name, currency)
                pos_config.open_ui()
                product = pos_config.env["product.product"].search(
                    [
                        ("available_in_pos", "=", True),
                        ("taxes_id", "in", pos_config.company_id.account_sale_tax_id.ids),
                        ("company_id", "in", (False, pos_config.company_id.id)),
                    ],
                    limit=1,
                )
                order = self._sync_cash_order(pos_config, product)
                result = order.fiscalize_from_ui()
                self.assertEqual(result["state"], "done", result.get("error"))
                request = json.loads(order.fiscal_document_id.request_json)
                self.assertEqual(request["lines"][0]["vat_class"], vat_class)
                self.assertEqual(request.get("currency", currency), currency)

    def test_pos_cash_in_out_registered_on_the_device(self):
        self.n5_config.open_ui()
        session = self.n5_config.current_session_id
        emulator = self.n5._emulator().emulator
        before = len(emulator.journal)
        session.try_cash_in_out("in", 50, "float", {"translatedType": "in"})
        session.try_cash_in_out("out", 20, "to the bank", {"translatedType": "out"})
        self.assertEqual(
            [Decimal(str(entry["total"])) for entry in emulator.journal[before:]],
            [Decimal("50"), Decimal("-20")],
        )
        self.assertEqual(
            sorted(session.statement_line_ids.mapped("amount")), [-20, 50], "Odoo's cash moves too"
        )

    def test_opening_a_session_opens_the_caspos_shift(self):
        self.caspos_config.open_ui()
        session = self.caspos_config.current_session_id
        emulator = self.caspos._emulator().emulator
        self.assertIsNone(emulator.memory.state["shift"])
        session.set_opening_control(0, None)
        self.assertIsNotNone(emulator.memory.state["shift"], "the device's shift is open")
        self.assertTrue(self.caspos.shift_open)
        self.assertEqual(session.message_ids[0].body, "<p>Shift of Caspos till opened.</p>")
        session.set_opening_control(0, None)  # already open: nothing happens
        self.assertEqual(session.message_ids[0].body, "<p>Shift of Caspos till opened.</p>")

    def test_opening_a_session_with_the_shift_open_keeps_it(self):
        self.caspos.action_open_shift()
        opened_at = self.caspos._emulator().emulator.memory.state["shift"]["opened_at"]
        self.caspos_config.open_ui()
        session = self.caspos_config.current_session_id
        session.set_opening_control(0, None)
        self.assertEqual(
            self.caspos._emulator().emulator.memory.state["shift"]["opened_at"], opened_at
        )
        self.assertNotIn("Shift of", session.message_ids[0].body)

    def test_opening_a_session_on_an_n5_opens_no_shift(self):
        self.n5_config.open_ui()
        session = self.n5_config.current_session_id
        session.set_opening_control(0, None)
        self.assertEqual(session.state, "opened")
        self.assertFalse(session.message_ids.filtered(lambda m: "Shift of" in (m.body or "")))

    def test_session_close_runs_the_z_report(self):
        self.caspos_config.fiscal_z_report_on_close = True
        self.caspos_config.open_ui()
        session = self.caspos_config.current_session_id
        session.set_opening_control(0, None)
        order = self._sync_cash_order(self.caspos_config, self.product_a)
        order.action_fiscalize()
        self.assertTrue(self.caspos.shift_open)
        session.post_closing_cash_details(order.amount_total)
        result = session.close_session_from_ui()
        self.assertTrue(result["successful"], result)
        z_report = result["fiscal_z_report"]
        self.assertEqual(z_report["number"], 1)
        self.assertEqual(z_report["odoo"]["orders"], 1)
        self.assertEqual(
            z_report["comparison"],
            {
                "source": "device",
                "odoo": order.amount_total,
                "device": order.amount_total,
                "difference": 0.0,
            },
        )
        self.assertIn("sale sum", [total["name"] for total in z_report["device_totals"]])
        self.assertFalse(self.caspos.shift_open, "the Z report closed the device's shift")
        self.assertIn(
            "Z report no. 1 printed on Caspos till (Odoo: 1 orders, ",
            session.message_ids[0].body,
        )

    def test_session_close_notes_a_refused_z_report(self):
        self.caspos_config.fiscal_z_report_on_close = True
        self.caspos_config.open_ui()
        session = self.caspos_config.current_session_id
        session.set_opening_control(0, None)
        order = self._sync_cash_order(self.caspos_config, self.product_a)
        order.action_fiscalize()
        session.post_closing_cash_details(order.amount_total)
        self.caspos._emulator().emulator.reject_next(611)
        result = session.close_session_from_ui()
        self.assertTrue(result["successful"], "the session closes in Odoo whatever the device says")
        self.assertEqual(session.state, "closed")
        self.assertIn("611", result["fiscal_z_report"]["error"])
        self.assertIn("Z report on Caspos till not printed: ", session.message_ids[0].body)
        self.assertTrue(self.caspos.shift_open, "the device's shift is still open")
