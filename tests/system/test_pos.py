"""The Point of Sale's server side on a real server: a paid order synchronised as the POS
screen sends it (``pos.order.sync_from_ui``), fiscalized through the POS route
``/fiscal_device/pos/fiscalize``; an order synchronised twice (the browser resends) registers
once; the device status route answers."""

import datetime
import uuid
from decimal import ROUND_HALF_UP, Decimal

import pytest
from odoo_rpc import new_entries

SALE_KINDS = ("sale", "invoice")
STORNO_KINDS = ("storno", "credit_note")
CENT = Decimal("0.01")


class PosShop:
    """A Point of Sale configuration of the family's demo device, in the device's currency,
    with a cash payment method and an open session."""

    def __init__(self, shop, family, auto_fiscalize, code):
        admin = shop.admin
        currency_id = shop.currency_ids[family]
        name = f"System POS {code}"

        def journal(kind, suffix):
            return admin.create(
                "account.journal",
                {
                    "name": f"{name} {kind}",
                    "type": kind,
                    "code": f"{code}{suffix}",
                    "currency_id": currency_id,
                },
            )

        self.cash_id = admin.create(
            "pos.payment.method", {"name": f"{name} cash", "journal_id": journal("cash", "C")}
        )
        pricelist_id = admin.create(
            "product.pricelist", {"name": f"{name} prices", "currency_id": currency_id}
        )
        self.config_id = admin.create(
            "pos.config",
            {
                "name": name,
                "journal_id": journal("sale", "S"),
                "invoice_journal_id": journal("sale", "I"),
                "use_pricelist": True,
                "available_pricelist_ids": [(6, 0, [pricelist_id])],
                "pricelist_id": pricelist_id,
                "payment_method_ids": [(6, 0, [self.cash_id])],
                "fiscal_device_id": shop.device_id(family),
                "fiscal_auto_fiscalize": auto_fiscalize,
            },
        )
        admin.call("pos.config", "open_ui", [self.config_id])
        config = admin.read_one("pos.config", self.config_id, ["current_session_id"])
        self.session_id = config["current_session_id"][0]
        admin.call("pos.session", "set_opening_control", [self.session_id], 0, "")
        self.pricelist_id = pricelist_id
        self.shop = shop
        self.tax_id = shop.tax_ids[family]

    def order_values(self, quantity=3, price=10.0, refunded_line_id=None):
        """What the POS screen sends for one paid cash order of the shop's product (a refund:
        a negative ``quantity`` and the refunded order line)."""
        tax = self.shop.admin.read_one(
            "account.tax", self.tax_id, ["amount", "amount_type", "price_include"]
        )
        assert tax["amount_type"] == "percent", tax
        rate = Decimal(str(tax["amount"])) / 100
        gross = Decimal(str(price)) * quantity
        if tax["price_include"]:
            included, excluded = gross, (gross / (1 + rate)).quantize(CENT, ROUND_HALF_UP)
        else:
            excluded, included = gross, (gross * (1 + rate)).quantize(CENT, ROUND_HALF_UP)
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        order_uuid = str(uuid.uuid4())
        return {
            "uuid": order_uuid,
            "name": f"Order {order_uuid[:8]}",
            "session_id": self.session_id,
            "pricelist_id": self.pricelist_id,
            "date_order": now,
            "lines": [
                (
                    0,
                    0,
                    {
                        "product_id": self.shop.product_id,
                        "qty": quantity,
                        "price_unit": price,
                        "discount": 0,
                        "tax_ids": [(6, 0, [self.tax_id])],
                        "price_subtotal": float(excluded),
                        "price_subtotal_incl": float(included),
                        "full_product_name": "System test item",
                        **({"refunded_orderline_id": refunded_line_id} if refunded_line_id else {}),
                    },
                )
            ],
            "payment_ids": [
                (0, 0, {"amount": float(included), "name": now, "payment_method_id": self.cash_id})
            ],
            "amount_total": float(included),
            "amount_tax": float(included - excluded),
            "amount_paid": float(included),
            "amount_return": 0,
            "sequence_number": 1,
            "user_id": self.shop.admin.uid,
            "partner_id": False,
            "to_invoice": False,
            "state": "paid",
            "last_order_preparation_change": "{}",
        }

    def sync(self, values):
        """Send orders as the POS screen does; returns the pos.order id."""
        result = self.shop.admin.call("pos.order", "sync_from_ui", [values])
        return result["pos.order"][0]["id"]


@pytest.fixture(scope="module")
def pos_shops(shop):
    shops = {}

    def get(family, auto_fiscalize):
        key = (family, auto_fiscalize)
        if key not in shops:
            code = f"P{family[0].upper()}{'A' if auto_fiscalize else 'M'}"
            shops[key] = PosShop(shop, family, auto_fiscalize, code)
        return shops[key]

    return get


def test_pos_route_fiscalizes_a_paid_order(shop, pos_shops, family):
    pos = pos_shops(family, False)
    order_id = pos.sync(pos.order_values())
    assert shop.documents("pos.order", order_id) == []
    before = shop.journal(family)
    result = shop.admin.json_route("/fiscal_device/pos/fiscalize", {"order_id": order_id})
    assert result["error"] is False, result
    assert result["state"] == "done", result
    (document,) = shop.documents("pos.order", order_id)
    assert document["state"] == "done" and document["kind"] in SALE_KINDS, document
    added = new_entries(before, shop.journal(family))
    assert len(added) == 1, added
    if family == "caspos":
        assert result["fiscal_id"] == document["document_id"] == added[0]["id"]
        assert result["qr_payload"] == document["qr_payload"] and result["qr_payload"]
    else:
        assert result["number"] == document["document_number"] == added[0]["number"]
        assert result["qr_payload"] == document["qr_payload"] == added[0]["qr"]
    # the screen asks again (a retry after a lost answer): the same receipt, nothing new
    again = shop.admin.json_route("/fiscal_device/pos/fiscalize", {"order_id": order_id})
    assert again == result
    assert new_entries(before, shop.journal(family)) == added


def test_order_synced_twice_registers_once(shop, pos_shops, family):
    pos = pos_shops(family, True)
    before = shop.journal(family)
    values = pos.order_values(quantity=1)
    order_id = pos.sync(values)
    assert pos.sync(values) == order_id
    documents = shop.documents("pos.order", order_id)
    assert [(d["kind"] in SALE_KINDS, d["state"]) for d in documents] == [(True, "done")], documents
    added = new_entries(before, shop.journal(family))
    assert len(added) == 1, added
    order = shop.admin.read_one("pos.order", order_id, ["fiscal_state"])
    assert order["fiscal_state"] == "done"


def test_pos_order_fiscalize_and_refund_storno_buttons(shop, pos_shops, family):
    pos = pos_shops(family, False)
    before = shop.journal(family)
    order_id = pos.sync(pos.order_values(quantity=2))
    assert shop.admin.call("pos.order", "action_fiscalize", [order_id])["tag"] == (
        "display_notification"
    )
    (sale,) = shop.documents("pos.order", order_id)
    assert sale["state"] == "done" and sale["kind"] in SALE_KINDS, sale
    (line,) = shop.admin.search_read("pos.order.line", [("order_id", "=", order_id)], ["id"])
    refund_id = pos.sync(pos.order_values(quantity=-2, refunded_line_id=line["id"]))
    assert shop.admin.call("pos.order", "action_fiscal_storno", [refund_id])["tag"] == (
        "display_notification"
    )
    (storno,) = shop.documents("pos.order", refund_id)
    assert storno["state"] == "done" and storno["kind"] in STORNO_KINDS, storno
    assert storno["parent_id"][0] == sale["id"]
    orders = shop.admin.call("pos.order", "read", [order_id, refund_id], ["fiscal_state"])
    assert [order["fiscal_state"] for order in orders] == ["done", "done"]
    added = new_entries(before, shop.journal(family))
    assert len(added) == 2, added
    assert abs(added[1]["total"]) == added[0]["total"]


def test_device_status_route(shop, family):
    device_id = shop.device_id(family)
    status = shop.admin.json_route(f"/fiscal_device/device/{device_id}/status")
    assert status["device_id"] == device_id
    assert status["online"] is True, status
    assert status["error"] is False
