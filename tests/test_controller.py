import json

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .pos_common import FiscalPosCommon


@tagged("post_install", "-at_install")
class TestFiscalController(FiscalPosCommon, HttpCase):
    # the fiscal tests put the registry in test mode already
    registry_test_mode = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cashier = new_test_user(
            cls.env,
            login="fiscal_cashier",
            groups="point_of_sale.group_pos_user,fiscal_device.group_fiscal_user",
        )
        cls.pos_only = new_test_user(
            cls.env, login="pos_only", groups="point_of_sale.group_pos_user"
        )
        cls.cashier.company_ids = [Command.link(cls.env.company.id)]

    def _post(self, route, params):
        """A JSON-RPC call as the POS screen makes it; returns the decoded answer."""
        response = self.url_open(
            route,
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def _sale(self):
        return self._sync(
            self.caspos_config, [(self.product_a, 1, 0)], [(self.caspos_cash, 1150.0)]
        )

    def test_fiscalize_route_returns_the_fiscal_id_and_qr(self):
        order = self._sale()
        self.authenticate("fiscal_cashier", "fiscal_cashier")

        answer = self._post("/fiscal_device/pos/fiscalize", {"order_id": order.id})

        result = answer["result"]
        document = self._documents(order)
        self.assertEqual(document.state, "done")
        self.assertEqual(document.user_id, self.cashier)
        self.assertEqual(result["state"], "done")
        self.assertEqual(result["fiscal_id"], document.document_id)
        self.assertEqual(len(result["fiscal_id"]), 44)
        self.assertEqual(result["short_id"], document.document_id[:12])
        self.assertEqual(result["number"], document.document_number)
        self.assertFalse(result["qr_link"])  # an emulator's QR links nowhere
        self.assertEqual(
            result["qr_payload"],
            f"TEST DOCUMENT — emulator, not registered with the tax authority: {document.document_id}",
        )
        self.assertFalse(result["error"])
        # asked again (a lost answer on the screen): the same document, no second receipt
        again = self._post("/fiscal_device/pos/fiscalize", {"order_id": order.id})["result"]
        self.assertEqual(again["fiscal_id"], result["fiscal_id"])
        self.assertEqual(len(self._documents(order)), 1)

        missing = self._post("/fiscal_device/pos/fiscalize", {"order_id": 987654321})
        self.assertEqual(missing["error"]["data"]["message"], "POS order 987654321 does not exist.")

    def test_routes_refuse_anonymous_requests(self):
        order = self._sale()
        self.authenticate(None, None)
        for route, params in (
            ("/fiscal_device/pos/fiscalize", {"order_id": order.id}),
            (f"/fiscal_device/device/{self.caspos.id}/status", {}),
        ):
            error = self._post(route, params)["error"]
            self.assertEqual(error["data"]["name"], "odoo.http.SessionExpiredException")
        self.assertFalse(self._documents(order), "nothing was sent")

    def test_routes_check_access_rights(self):
        order = self._sale()
        self.authenticate("pos_only", "pos_only")
        error = self._post("/fiscal_device/pos/fiscalize", {"order_id": order.id})["error"]
        self.assertEqual(error["data"]["name"], "odoo.exceptions.AccessError")
        self.assertIn(
            "Only members of the group Fiscal user may send documents to fiscal devices",
            error["data"]["message"],
        )
        error = self._post(f"/fiscal_device/device/{self.caspos.id}/status", {})["error"]
        self.assertEqual(error["data"]["name"], "odoo.exceptions.AccessError")
        self.assertFalse(self._documents(order))

    def test_device_status_route(self):
        self.authenticate("fiscal_cashier", "fiscal_cashier")
        status = self._post(f"/fiscal_device/device/{self.caspos.id}/status", {})["result"]
        self.assertTrue(status["online"])
        self.assertFalse(status["shift_open"])
        self.assertFalse(status["error"])
        self.assertTrue(status["serial_number"])

        self._sale().action_fiscalize()
        status = self._post(f"/fiscal_device/device/{self.caspos.id}/status", {})["result"]
        self.assertTrue(status["shift_open"])
        self.assertTrue(status["shift_opened_at"])

        dead = self._create_unreachable_caspos()
        status = self._post(f"/fiscal_device/device/{dead.id}/status", {})["result"]
        self.assertFalse(status["online"])
        self.assertIsNone(status["shift_open"])
        self.assertIn("Fiscal device Caspos unplugged cannot be reached", status["error"])
