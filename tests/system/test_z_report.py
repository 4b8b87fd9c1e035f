"""The Z-Report button on each demo device, on a real server: the report is journaled done,
the device's shift fields say closed, and the device registered exactly one Z report."""

from odoo_rpc import new_entries

Z_TYPES = {"caspos": "z_report", "n5": "Z_RECEIPT"}


def test_z_report_button(shop, family):
    device_id = shop.device_id(family)
    # a document in the shift: a Caspos refuses to close a closed shift
    move_id = shop.invoice(family)
    shop.admin.call("account.move", "action_fiscalize", [move_id])
    before = shop.journal(family)
    action = shop.admin.call("fiscal.device", "action_z_report", [device_id])
    assert action["res_model"] == "fiscal.document"
    document = shop.admin.read_one(
        "fiscal.document", action["res_id"], ["kind", "state", "report_number", "device_id"]
    )
    assert (document["kind"], document["state"]) == ("z_report", "done"), document
    assert document["device_id"][0] == device_id
    if family == "caspos":
        # the N5 answers a Z report with "OK" only: its number is not on the answer
        assert document["report_number"] > 0, document
    device = shop.admin.read_one(
        "fiscal.device", device_id, ["shift_open", "last_z_report_number", "last_z_report_at"]
    )
    assert device["shift_open"] is False
    assert device["last_z_report_number"] == document["report_number"]
    assert device["last_z_report_at"]
    added = new_entries(before, shop.journal(family))
    assert [entry["type"] for entry in added] == [Z_TYPES[family]], added
