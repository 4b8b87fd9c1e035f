"""Every code of the spec's error tables reaches the caller as DeviceRejected(code, text, hint)."""

from __future__ import annotations

import pytest

from fiscal_device_lib.caspos.emulator.samples import emulated_device
from fiscal_device_lib.caspos.errors import ERRORS
from fiscal_device_lib.caspos.wire import parse_code
from fiscal_device_lib.core import DeviceRejected

# the codes the driver answers by itself rather than raising: success, repeat, re-login
HANDLED = {1, 401}
SPEC_HINTS = {405, 401, 403, 503, 504, 601, 602, 604, 607, 611, 612, 613, 616, 622, 629, 646}


@pytest.fixture(scope="module")
def device():
    with emulated_device(timeout=2.0) as pair:
        yield pair


def test_the_table_holds_both_spec_tables_and_every_hint():
    assert len(ERRORS) == 313  # 311 "Error Messages" codes besides 0, then 1 and 999
    assert ERRORS[1][0] == "Repeated DocumentUUID value" and ERRORS[999][0] == "Error message:"
    assert {code for code, (_text, hint) in ERRORS.items() if hint} == SPEC_HINTS


@pytest.mark.parametrize("code", sorted(set(ERRORS) - HANDLED))
def test_each_code_is_rejected_with_text_and_hint(device, code):
    server, driver = device
    text, hint = ERRORS[code]
    server.reject_next(code)
    with pytest.raises(DeviceRejected) as caught:
        driver.call("isConnectedPrinter")
    assert (caught.value.code, caught.value.message, caught.value.hint) == (code, text, hint)
    assert str(caught.value).startswith(f"[{code}] {text}")


def test_401_on_login_is_rejected_with_its_hint(device):
    server, driver = device
    driver.logged_in = False
    server.reject_next(401)
    with pytest.raises(DeviceRejected) as caught:
        driver.get_info()
    assert caught.value.code == 401 and caught.value.message == "invalid login session"
    assert caught.value.hint == ERRORS[401][1]


def test_code_is_read_as_text_or_number():
    assert parse_code("0") == 0 and parse_code(0) == 0 and parse_code(" 611 ") == 611
    with pytest.raises(ValueError):
        parse_code(True)
