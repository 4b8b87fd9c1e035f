"""Every operation of the report wizard (``fiscal.report.wizard``) that each demo device's
family supports, run as the wizard's Run button does, on a real server.

The operations of one family run in the listed order on one device: a cash in opens the Caspos
shift the reports read, the Z report closes it last, the N5 fiscal memory report reads the Z
report before it.
"""

import datetime

import pytest
from odoo_rpc import new_entries

OPERATIONS = {
    "caspos": [
        ("cash_in", {"amount": 50.0}),
        ("x_report", {}),
        ("control_tape", {}),
        ("periodic_report", "dates"),
        ("duplicate", {}),
        ("drawer", {}),
        ("numbers", {}),
        ("cash_out", {"amount": 20.0}),
        ("z_report", {}),
    ],
    "n5": [
        ("cash_in", {"amount": 50.0}),
        ("x_report", {"include_departments": True, "include_articles": True}),
        ("current_cash", {}),
        ("time_to_block", {}),
        ("invoice_range", {}),
        ("numbers", {}),
        ("article_report", {}),
        ("department_report", {}),
        ("ej_print", "dates"),
        ("duplicate", {}),
        ("cash_out", {"amount": 20.0}),
        ("z_report", {}),
        ("fiscal_memory_report", "dates"),
    ],
}
# What each operation adds to the emulator's own journal (nothing: a reading, a reprint).
JOURNALED = {
    ("caspos", "cash_in"): ["deposit"],
    ("caspos", "cash_out"): ["withdraw"],
    ("caspos", "z_report"): ["z_report"],
    ("n5", "cash_in"): ["CASH_IN_OUT"],
    ("n5", "cash_out"): ["CASH_IN_OUT"],
    ("n5", "x_report"): ["X_RECEIPT"],
    ("n5", "z_report"): ["Z_RECEIPT"],
    ("n5", "fiscal_memory_report"): ["FISCAL_REPORT"],
}
CASES = [
    pytest.param(family, operation, values, id=f"{family}-{operation}")
    for family, operations in OPERATIONS.items()
    for operation, values in operations
]


@pytest.fixture(scope="module")
def receipt_on_each_device(shop):
    """A receipt before the wizard runs: duplicate reprints it, the reports count it."""
    for family in OPERATIONS:
        move_id = shop.invoice(family)
        shop.admin.call("account.move", "action_fiscalize", [move_id])


def period():
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)
    start = now - datetime.timedelta(days=1)
    end = now + datetime.timedelta(hours=1)
    return {"date_from": start.isoformat(" "), "date_to": end.isoformat(" ")}


@pytest.mark.parametrize(("family", "operation", "values"), CASES)
def test_report_wizard_operation(shop, receipt_on_each_device, family, operation, values):
    if values == "dates":
        values = period()
    device_id = shop.device_id(family)
    before = shop.journal(family)
    wizard_id = shop.admin.create(
        "fiscal.report.wizard", {"device_id": device_id, "report_type": operation, **values}
    )
    action = shop.admin.call("fiscal.report.wizard", "action_run", [wizard_id])
    assert action["res_id"] == wizard_id
    wizard = shop.admin.read_one("fiscal.report.wizard", wizard_id, ["state", "document_id"])
    assert wizard["state"] == "done", wizard
    document = shop.admin.read_one(
        "fiscal.document", wizard["document_id"][0], ["state", "device_id", "error_message"]
    )
    assert document["state"] == "done", document
    assert document["device_id"][0] == device_id
    added = new_entries(before, shop.journal(family))
    assert [entry["type"] for entry in added] == JOURNALED.get((family, operation), []), added
