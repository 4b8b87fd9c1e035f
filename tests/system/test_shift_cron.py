"""The scheduled shift close on a real server: the cron prints the Z report of each due shift,
records the shift closed, and leaves no "Shift not closed" activity when it succeeded."""

import time

import pytest
from conftest import FAMILIES

# Hours before 24 at which a shift is due: 24 h minus this is 0.36 s, so every open shift is.
CLOSE_AT_ONCE_MARGIN = 23.9999


@pytest.fixture
def due_shifts(shop):
    """A receipt on each demo device (its shift is open), each shift due to close now."""
    for family in FAMILIES:
        move_id = shop.invoice(family)
        shop.admin.call("account.move", "action_fiscalize", [move_id])
    device_ids = [shop.device_id(family) for family in FAMILIES]
    shop.admin.write("fiscal.device", device_ids, {"shift_close_margin": CLOSE_AT_ONCE_MARGIN})
    # the shifts must be older than the 0.36 s left of their 24 hours
    time.sleep(1.5)
    yield device_ids
    shop.admin.write("fiscal.device", device_ids, {"shift_close_margin": 1.0})


def z_reports(shop, device_id):
    return shop.admin.search_read(
        "fiscal.document",
        [("device_id", "=", device_id), ("kind", "=", "z_report")],
        ["state", "report_number"],
        order="id",
    )


def test_shift_close_cron(shop, due_shifts):
    cron_id = shop.admin.ref("fiscal_device.ir_cron_fiscal_close_shifts")
    before = {device_id: z_reports(shop, device_id) for device_id in due_shifts}
    assert shop.admin.call("ir.cron", "method_direct_trigger", [cron_id]) is True
    # every fact at once, so that a failure shows all that went wrong
    observed, expected = {}, {}
    for device_id in due_shifts:
        added = z_reports(shop, device_id)[len(before[device_id]) :]
        device = shop.admin.read_one(
            "fiscal.device", device_id, ["shift_open", "last_z_report_number"]
        )
        observed[device_id] = {
            "new Z reports": [z["state"] for z in added],
            "shift open": device["shift_open"],
            "last Z report number": device["last_z_report_number"],
        }
        expected[device_id] = {
            "new Z reports": ["done"],
            "shift open": False,
            "last Z report number": added[0]["report_number"] if added else "a new Z report",
        }
    observed["activities"] = shop.admin.search_read(
        "mail.activity",
        [("res_model", "=", "fiscal.device"), ("summary", "ilike", "Shift not closed")],
        ["summary", "res_id"],
    )
    expected["activities"] = []
    assert observed == expected
