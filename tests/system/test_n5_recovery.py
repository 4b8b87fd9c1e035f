"""Resolve and Print again on a real server, with an N5 whose faults the test controls: the
library's N5 emulator hosted by this test process on a pseudo-terminal, reached by the Odoo
workers as a real serial N5 (kind ``n5``).

A receipt whose answer is lost is journaled "unknown"; a fiscal manager resolves it with the
receipt number read from the device's journal, and the credit note's Storno then works. A
receipt the device registered but could not print (paper out, error 23) is printed again and
resolved from the paper.
"""

import pytest
from odoo_rpc import RpcError

from fiscal_device_lib.mypos_n5.emulator import N5Emulator

# Seconds the driver waits for an answer the emulator drops.
ANSWER_TIMEOUT = 3.0


@pytest.fixture(scope="module")
def hosted_n5(shop, tmp_path_factory):
    emulator = N5Emulator(state_path=tmp_path_factory.mktemp("n5") / "n5.json")
    port = emulator.start()
    admin = shop.admin
    device_id = admin.create(
        "fiscal.device",
        {
            "name": "N5 on the test's line",
            "kind": "n5",
            "port": port,
            "timeout": ANSWER_TIMEOUT,
            "busy_retries": 0,
            "n5_invoice_buyer": False,
            "currency_id": shop.currency_ids["n5"],
            "tax_map_ids": [(0, 0, {"tax_id": shop.tax_ids["n5"], "vat_class": "B"})],
        },
    )
    journal_id = admin.create(
        "account.journal",
        {
            "name": "System sales hosted N5",
            "code": "SYH",
            "type": "sale",
            "fiscal_device_id": device_id,
        },
    )
    yield emulator, journal_id
    # archived: the shift-close cron must not look for a line that is gone
    admin.write("account.journal", [journal_id], {"fiscal_device_id": False})
    admin.write("fiscal.device", [device_id], {"active": False})
    emulator.stop()


def resolve(shop, document_id, **values):
    context = {**shop.admin.context, "default_document_id": document_id}
    wizard_id = shop.admin.call("fiscal.document.resolve", "create", [values], context=context)
    wizard_id = wizard_id[0] if isinstance(wizard_id, list) else wizard_id
    return shop.admin.call(
        "fiscal.document.resolve", "action_confirm", [wizard_id], context=context
    )


def storno_of(shop, invoice_id):
    credit_note_id = shop.credit_note(invoice_id)
    shop.admin.call("account.move", "action_fiscal_storno", [credit_note_id])
    (storno,) = shop.documents("account.move", credit_note_id)
    return storno


def test_lost_answer_resolved_by_receipt_number_then_storno(shop, hosted_n5):
    emulator, journal_id = hosted_n5
    invoice_id = shop.invoice("n5", journal_id=journal_id)
    emulator.drop_answers(1)
    with pytest.raises(RpcError) as raised:
        shop.admin.call("account.move", "action_fiscalize", [invoice_id])
    assert raised.value.name == "odoo.exceptions.UserError"
    assert "it may or may not have registered the document" in raised.value.message
    (document,) = shop.documents("account.move", invoice_id)
    assert document["state"] == "unknown", document
    printed = emulator.receipts()[-1]  # the device did register it
    resolve(shop, document["id"], outcome="printed", receipt_number=printed["number"])
    document = shop.admin.read_one(
        "fiscal.document",
        document["id"],
        ["state", "document_number", "fiscal_memory_number", "issued_at"],
    )
    # a resolved document carries what its storno needs, the fiscal memory number read from
    # the device (the N5 cannot report a receipt's print time: the QR text is only rebuilt when
    # the user gives it, see test_fiscal_flows' resolve-by-QR test)
    assert document["state"] == "done", document
    assert document["document_number"] == printed["number"]
    assert document["fiscal_memory_number"] == emulator.device.state.fiscal_memory_number
    assert document["issued_at"], "the storno quotes a print time"
    storno = storno_of(shop, invoice_id)
    assert storno["state"] == "done", storno
    assert emulator.receipts()[-1]["document"] == "storno"


def test_paper_out_print_again_then_resolve(shop, hosted_n5):
    emulator, journal_id = hosted_n5
    invoice_id = shop.invoice("n5", journal_id=journal_id)
    emulator.paper_out(1)
    with pytest.raises(RpcError) as raised:
        shop.admin.call("account.move", "action_fiscalize", [invoice_id])
    assert "Print again" in raised.value.message, raised.value.message
    (document,) = shop.documents("account.move", invoice_id)
    assert document["state"] == "unknown", document
    registered = emulator.receipts()[-1]
    receipts = len(emulator.receipts())
    printed_before = len(emulator.printed)
    action = shop.admin.call("fiscal.document", "action_print_again", [document["id"]])
    assert action["res_model"] == "fiscal.document.resolve"
    assert len(emulator.printed) == printed_before + 1
    resolve(shop, document["id"], outcome="printed", qr_payload=registered["qr"])
    document = shop.admin.read_one(
        "fiscal.document", document["id"], ["state", "document_number", "qr_payload"]
    )
    assert (document["state"], document["document_number"], document["qr_payload"]) == (
        "done",
        registered["number"],
        registered["qr"],
    )
    assert len(emulator.receipts()) == receipts, "printed again, never registered again"
    assert storno_of(shop, invoice_id)["state"] == "done"
