"""The registry is the one source of device facts (issue 10): every family's facts are
consistent, every capability flag is read where the addon decides, and the Odoo layer names
no device package and no family."""

from __future__ import annotations

import ast
import re
from decimal import Decimal
from pathlib import Path

import pytest

import fiscal_device_lib
from fiscal_device_lib.core.family import VatClass
from fiscal_device_lib.core.interface import Capability
from fiscal_device_lib.families import families, family

ADDON = Path(fiscal_device_lib.__file__).parent.parent
ODOO_ROOMS = ("models", "wizards", "controllers")
# Every plain connection value an ERP may hold; a family's ``setting_names`` are some of these.
PLAIN_SETTINGS = {
    "url",
    "path",
    "port",
    "baudrate",
    "timeout",
    "username",
    "password",
    "currency",
    "retries",
    "busy_retries",
}


def odoo_sources() -> list[Path]:
    paths = [path for room in ODOO_ROOMS for path in sorted((ADDON / room).glob("*.py"))]
    if not paths:
        pytest.skip("the library is installed without its Odoo addon")
    return paths


@pytest.mark.parametrize("known", list(families()), ids=lambda known: known.name)
def test_a_familys_facts_hold_together(known):
    assert known.setting_names and known.setting_names <= PLAIN_SETTINGS
    for capability, filters in known.report_filters.items():
        assert known.supports(capability), f"filters of a report {known.name} cannot run"
        assert filters.ranges, capability
        if filters.documents:
            assert filters.default_document in {choice.code for choice in filters.documents}
    assert {choice.code for choice in known.payment_choices()} == {
        kind.value for kind in known.payment_kinds
    }
    if known.print_again_codes:
        assert known.supports(Capability.PRINT_AGAIN)


def test_the_families_differ_where_the_odoo_form_asks():
    caspos, n5 = family("caspos"), family("n5")
    assert {"url", "path", "username", "password", "retries"} <= caspos.setting_names
    assert "port" not in caspos.setting_names
    assert {"port", "baudrate", "busy_retries", "url"} <= n5.setting_names
    assert "path" not in n5.setting_names and "username" not in n5.setting_names
    assert (caspos.prints_note, n5.prints_note) == (True, False)
    assert (caspos.takes_sale_number, n5.takes_sale_number) == (False, True)
    assert n5.z_sales_totals is None and len(caspos.z_sales_totals) == 2
    assert (caspos.operator_numbers, n5.operator_numbers) == (False, True)
    assert caspos.report_filters == {}
    journal = n5.filters_of(Capability.ELECTRONIC_JOURNAL)
    assert [found.code for found in journal.ranges] == ["ByDate", "ByNumber", "ByZNumber"]
    assert [found.by_date for found in journal.ranges] == [True, False, False]
    assert journal.default_document == "ALL"
    memory = n5.filters_of(Capability.FISCAL_MEMORY_REPORT)
    assert [found.code for found in memory.ranges] == ["ByDate", "ByNumber"]
    assert caspos.filters_of(Capability.ELECTRONIC_JOURNAL) is None


def test_the_n5_settings_are_those_its_settings_function_reads():
    n5 = family("n5")
    plain = dict.fromkeys(n5.setting_names, "")
    plain.update(port="/dev/ttyACM0", baudrate="9600")
    assert n5.settings(**plain) == {"port": "/dev/ttyACM0", "baudrate": 9600}


@pytest.mark.parametrize(
    ("vat", "title"),
    [
        (VatClass("B", "standard rate, 20 %", Decimal(20)), "B — standard rate, 20 %"),
        (VatClass("3", "VAT-exempt", Decimal(0)), "3 — 0 %: VAT-exempt"),
        (VatClass("6", "simplified 2 %", Decimal(2)), "6 — simplified 2 %"),
        (VatClass("E", "special regime (rate not fixed)", None), "E — special regime (rate not fixed)"),
    ],
)  # fmt: skip
def test_a_vat_class_title_shows_its_rate_once(vat, title):
    assert vat.title == title


def test_every_capability_is_read_where_the_addon_decides():
    read = set()
    for path in odoo_sources():
        read |= set(re.findall(r"Capability\.([A-Z_]+)\b", path.read_text(encoding="utf-8")))
    assert {capability.name for capability in Capability} - read == set()


def test_the_odoo_layer_names_no_device_package_and_no_family():
    names = {known.name for known in families()}
    kinds = {f"{name}_emulator" for name in names}
    found = []
    for path in odoo_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                if {"caspos", "mypos_n5"} & set(node.module.split(".")):
                    found.append(f"{path.name}: import {node.module}")
            elif isinstance(node, ast.Constant) and node.value in names | kinds:
                found.append(f"{path.name}:{node.lineno}: {node.value!r}")
    assert found == []
