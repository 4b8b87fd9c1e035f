"""``caspos.FAMILY``: the Caspos facts every layer reads, and a package import that stays light."""

import ast
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import fiscal_device_lib.caspos as caspos_package
from fiscal_device_lib.caspos import FAMILY, CasposDriver
from fiscal_device_lib.core.documents import PaymentKind
from fiscal_device_lib.core.interface import Capability


def test_importing_the_package_loads_no_command_line_and_no_emulator():
    probe = (
        "import sys, fiscal_device_lib.caspos\n"
        "loaded = [m for m in sys.modules if m == 'argparse' or m.endswith('.cli')"
        " or m.startswith('fiscal_device_lib.caspos.emulator')]\n"
        "print(loaded)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_capabilities_are_the_drivers_own_set():
    assert FAMILY.capabilities is CasposDriver.capabilities
    assert FAMILY.supports(Capability.IDEMPOTENT) and FAMILY.supports(Capability.OPEN_SHIFT)
    assert not FAMILY.supports(Capability.INVOICE)


def test_vat_classes_are_the_specs_vat_types_with_their_rates():
    rates = {vat.code: vat.rate for vat in FAMILY.vat_classes}
    assert rates == {
        "1": Decimal(18),
        "2": Decimal(18),
        "3": Decimal(0),
        "5": Decimal(0),
        "6": Decimal(2),
        "7": Decimal(8),
    }
    assert FAMILY.vat_class("3").label == "ƏDV-dən azad (VAT-exempt)"
    assert FAMILY.vat_class("7").label == "Sadələşdirilmiş 8 % (simplified tax 8 %)"
    assert FAMILY.vat_class("4") is None


def test_units_payments_currency_and_shift():
    assert [unit.code for unit in FAMILY.units] == ["0", "1", "2", "3", "4", "5"]
    assert FAMILY.units[1].label == "KQ (kilogram)"
    assert FAMILY.payment_kinds == (
        PaymentKind.CASH,
        PaymentKind.CARD,
        PaymentKind.BONUS,
        PaymentKind.CREDIT,
        PaymentKind.ADVANCE,
    )
    assert (FAMILY.currency, FAMILY.shift_hours, FAMILY.name) == ("AZN", 24, "caspos")
    assert FAMILY.demo.vat_standard == "1" and FAMILY.parse_reference is None


def test_settings_from_plain_values():
    settings = FAMILY.settings(
        url="http://10.0.0.5:5544", path="", timeout="7.5", retries=3, port="/dev/ttyACM0"
    )
    assert settings == {
        "url": "http://10.0.0.5:5544",
        "path": "/",
        "username": "username",
        "password": "password",
        "currency": "AZN",
        "timeout": 7.5,
        "retries": 3,
    }
    with FAMILY.connect(**settings) as driver:
        assert driver.endpoint == "http://10.0.0.5:5544/" and driver.retries == 3


@pytest.mark.parametrize(
    ("plain", "message"),
    [
        ({}, "url: the Caspos device address is required"),
        ({"url": "  "}, "url: the Caspos device address is required"),
        ({"url": "10.0.0.5:5544"}, "url: '10.0.0.5:5544' must start with http://"),
        ({"url": "http://h", "timeout": "soon"}, "timeout: 'soon' is not a number"),
        ({"url": "http://h", "retries": -1}, "retries: must not be negative"),
    ],
)
def test_settings_name_what_is_wrong(plain, message):
    with pytest.raises(ValueError, match=message):
        FAMILY.settings(**plain)


def test_emulator_keeps_its_memory_in_state_dir(tmp_path):
    with FAMILY.emulator(state_dir=tmp_path) as settings, FAMILY.connect(**settings) as driver:
        assert driver.info().model == "SUNMI V1S"
        assert not driver.shift_state().is_open
    assert (tmp_path / "caspos.json").exists()


def test_the_command_module_imports_only_cli_support_and_its_own_package():
    source = (Path(caspos_package.__file__).parent / "cli.py").read_text(encoding="utf-8")
    relative = {
        ("." * node.level) + (node.module or "")
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.level
    }
    # the core lies below every package; of the rest, only the shared CLI helpers
    outside = {name for name in relative if name.startswith("..") and not name.startswith("..core")}
    assert outside == {"..cli_support"}
    assert "..cli" not in relative
