"""Issue 10: with 2 prefork workers, documents sent to one emulator device from parallel requests
are numbered by the device without gaps or repeats (one emulator per database, found by every
worker), and each is registered once."""

import pytest
from odoo_rpc import RpcError, in_parallel, new_entries

DOCUMENTS = 10
# Seconds a request may wait for the device while the others use it: all of them queue.
LOCK_WAIT = 120.0


@pytest.fixture
def patient_device(shop, family):
    device_id = shop.device_id(family)
    old = shop.admin.read_one("fiscal.device", device_id, ["lock_timeout"])["lock_timeout"]
    shop.admin.write("fiscal.device", [device_id], {"lock_timeout": LOCK_WAIT})
    yield device_id
    shop.admin.write("fiscal.device", [device_id], {"lock_timeout": old})


def test_parallel_documents_are_numbered_without_gaps_or_repeats(
    server, shop, family, patient_device
):
    clients = in_parallel([server.client for _ in range(DOCUMENTS)])
    assert not [c for c in clients if isinstance(c, Exception)], clients
    before = shop.journal(family)
    known = {d["id"] for d in _cash_documents(shop, patient_device)}

    def cash_in(client, amount):
        wizard_id = client.create(
            "fiscal.cash.move", {"device_id": patient_device, "direction": "in", "amount": amount}
        )
        return client.call("fiscal.cash.move", "action_confirm", [wizard_id])

    outcomes = in_parallel(
        [
            lambda client=client, amount=index + 1.0: cash_in(client, amount)
            for index, client in enumerate(clients)
        ]
    )
    for client in clients:
        client.close()
    failures = [o for o in outcomes if isinstance(o, RpcError | Exception)]
    assert failures == [], failures
    documents = [d for d in _cash_documents(shop, patient_device) if d["id"] not in known]
    assert [d["state"] for d in documents] == ["done"] * DOCUMENTS, documents
    assert sorted(d["amount_total"] for d in documents) == [i + 1.0 for i in range(DOCUMENTS)]
    numbers = [d["document_number"] for d in documents if d["document_number"]]
    assert len(numbers) == len(set(numbers)), f"device numbers repeated: {sorted(numbers)}"
    journal = shop.journal(family)
    added = new_entries(before, journal)
    assert len(added) == DOCUMENTS, added
    assert sorted(entry["total"] for entry in added) == [i + 1 for i in range(DOCUMENTS)]
    all_numbers = [entry["number"] for entry in journal]
    assert all_numbers == list(range(all_numbers[0], all_numbers[0] + len(all_numbers))), (
        f"the device's numbering has gaps or repeats: {all_numbers}"
    )


def _cash_documents(shop, device_id):
    return shop.admin.search_read(
        "fiscal.document",
        [("device_id", "=", device_id), ("kind", "=", "cash_in")],
        ["state", "document_number", "amount_total"],
        order="id",
    )
