"""N-18 unique sale numbers on a real server with 2 workers: two cashiers fiscalize two invoices
on the same N5 at the same moment and get two distinct, consecutive numbers, each on the
emulator's own journal as the receipt's ``usn``."""

import json

import pytest
from odoo_rpc import emulator_state_files, in_parallel

SALE_NUMBER_FIELDS = ["state", "sale_number", "document_number"]


@pytest.fixture
def n18_company(shop):
    """The shop's company registered under N-18 for one test, its N5's serial number read."""
    admin = shop.admin
    admin.write("res.company", [shop.company_id], {"fiscal_n18_registered": True})
    try:
        admin.call("fiscal.device", "action_test_connection", [shop.device_id("n5")])
        yield admin.read_one(
            "fiscal.device", shop.device_id("n5"), ["serial_number", "operator_number"]
        )
    finally:
        admin.write("res.company", [shop.company_id], {"fiscal_n18_registered": False})


def device_usns(shop):
    """Receipt number -> usn, from the N5 emulator's electronic journal (its state file)."""
    device = shop.devices["n5"]
    (state_file,) = emulator_state_files(
        shop.server.data_dir, shop.server.db, device["kind"], device["id"]
    )
    journal = json.loads(state_file.read_text(encoding="utf-8"))["journal"]
    return {entry["number"]: entry.get("usn", "") for entry in journal if "usn" in entry}


def test_two_sales_at_once_take_two_consecutive_numbers(server, shop, n18_company):
    prefix = f"{n18_company['serial_number']}-{n18_company['operator_number'] or 1:04d}-"
    invoices = [shop.invoice("n5"), shop.invoice("n5")]
    cashiers = [server.client(), server.client()]
    outcomes = in_parallel(
        [
            lambda client=client, move_id=move_id: client.call(
                "account.move", "action_fiscalize", [move_id]
            )
            for client, move_id in zip(cashiers, invoices, strict=True)
        ]
    )
    for client in cashiers:
        client.close()
    # each press ends in the "registered" notification (no error)
    assert [outcome["tag"] for outcome in outcomes] == ["display_notification"] * 2, outcomes

    documents = [
        shop.documents("account.move", move_id, SALE_NUMBER_FIELDS)[0] for move_id in invoices
    ]
    assert [d["state"] for d in documents] == ["done", "done"], documents
    numbers = [d["sale_number"] for d in documents]
    assert all(number.startswith(prefix) for number in numbers), numbers
    sequence = sorted(int(number.removeprefix(prefix)) for number in numbers)
    assert sequence[1] == sequence[0] + 1, numbers
    assert all(len(number) == len("XXXXXXXX-ZZZZ-0000001") for number in numbers), numbers

    on_device = device_usns(shop)
    for document in documents:
        assert on_device[document["document_number"]] == document["sale_number"], on_device
    for move_id, number in zip(invoices, numbers, strict=True):
        move = shop.admin.read_one("account.move", move_id, ["fiscal_sale_number"])
        assert move["fiscal_sale_number"] == number


def test_a_storno_sends_the_number_of_its_sale(shop, n18_company):
    invoice_id = shop.invoice("n5")
    assert shop.admin.call("account.move", "action_fiscalize", [invoice_id])["tag"] == (
        "display_notification"
    )
    credit_note_id = shop.credit_note(invoice_id)
    assert shop.admin.call("account.move", "action_fiscal_storno", [credit_note_id])["tag"] == (
        "display_notification"
    )
    (sale,) = shop.documents("account.move", invoice_id, SALE_NUMBER_FIELDS)
    (storno,) = shop.documents("account.move", credit_note_id, SALE_NUMBER_FIELDS)
    assert sale["sale_number"] and storno["sale_number"] == sale["sale_number"]
    on_device = device_usns(shop)
    assert on_device[storno["document_number"]] == on_device[sale["document_number"]]
