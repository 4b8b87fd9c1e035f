"""Invoices on a real server: Fiscalize, two Fiscalize presses at once, credit note Storno.

Each test asserts on the database (``search_read``) and on the emulator's own journal: exactly
one new document on the device per registered invoice.
"""

from decimal import Decimal

from odoo_rpc import RpcError, in_parallel, new_entries

SALE_KINDS = ("sale", "invoice")
STORNO_KINDS = ("storno", "credit_note")


def money(value):
    return Decimal(str(value)).quantize(Decimal("0.01"))


def assert_registered(shop, family, document, entry):
    """``document`` (the database's) is the device's ``entry``, with its fiscal id and QR."""
    assert document["state"] == "done", document
    assert document["device_id"][0] == shop.device_id(family)
    if family == "caspos":
        assert document["document_id"] and document["short_document_id"], document
        assert document["qr_payload"], document  # an emulator's QR links nowhere
        assert entry["id"] == document["document_id"]
    else:
        assert document["document_number"] > 0, document
        assert document["qr_payload"], document
        assert entry["number"] == document["document_number"]
        assert entry["qr"] == document["qr_payload"]


def assert_confirmation(action, document):
    """Fiscalize and Storno answer with a notification naming the fiscal id."""
    assert action["tag"] == "display_notification", action
    assert f"fiscal id {document['short_document_id']}" in action["params"]["message"], action


def test_fiscalize_an_invoice(shop, family):
    before = shop.journal(family)
    move_id = shop.invoice(family)
    confirmation = shop.admin.call("account.move", "action_fiscalize", [move_id])
    (document,) = shop.documents("account.move", move_id)
    assert_confirmation(confirmation, document)
    assert document["kind"] in SALE_KINDS
    added = new_entries(before, shop.journal(family))
    assert len(added) == 1, added
    assert_registered(shop, family, document, added[0])
    move = shop.admin.read_one(
        "account.move", move_id, ["fiscal_state", "fiscal_document_id", "amount_total"]
    )
    assert move["fiscal_state"] == "done"
    assert move["fiscal_document_id"][0] == document["id"]
    assert added[0]["total"] == money(move["amount_total"])


def test_two_fiscalize_presses_at_once_register_one_receipt(server, shop, family):
    move_id = shop.invoice(family)
    before = shop.journal(family)
    cashiers = [server.client(), server.client()]
    outcomes = in_parallel(
        [
            lambda client=client: client.call("account.move", "action_fiscalize", [move_id])
            for client in cashiers
        ]
    )
    for client in cashiers:
        client.close()
    assert any(isinstance(outcome, dict) for outcome in outcomes), outcomes
    for outcome in outcomes:
        if isinstance(outcome, Exception):
            # the other press waited for the device and was told why, in the user's words
            assert isinstance(outcome, RpcError), outcome
            assert outcome.name == "odoo.exceptions.UserError", outcome
        else:
            assert outcome["tag"] == "display_notification", outcome
    documents = shop.documents("account.move", move_id)
    live = [d for d in documents if d["state"] != "failed"]
    assert [d["state"] for d in live] == ["done"], documents
    added = new_entries(before, shop.journal(family))
    assert len(added) == 1, added
    assert_registered(shop, family, live[0], added[0])


def test_credit_note_storno(shop, family):
    invoice_id = shop.invoice(family)
    shop.admin.call("account.move", "action_fiscalize", [invoice_id])
    (sale,) = shop.documents("account.move", invoice_id)
    assert sale["state"] == "done", sale
    before = shop.journal(family)
    credit_note_id = shop.credit_note(invoice_id)
    confirmation = shop.admin.call("account.move", "action_fiscal_storno", [credit_note_id])
    (storno,) = shop.documents("account.move", credit_note_id)
    assert_confirmation(confirmation, storno)
    assert storno["kind"] in STORNO_KINDS
    assert storno["parent_id"][0] == sale["id"]
    added = new_entries(before, shop.journal(family))
    assert len(added) == 1, added
    assert_registered(shop, family, storno, added[0])
    credit_note = shop.admin.read_one(
        "account.move", credit_note_id, ["fiscal_state", "amount_total"]
    )
    assert credit_note["fiscal_state"] == "done"
    assert abs(added[0]["total"]) == money(credit_note["amount_total"])
