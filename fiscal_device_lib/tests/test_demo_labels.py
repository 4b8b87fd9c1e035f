"""The demo names what it prints: VAT amounts by class and rate, N5 totals in words."""

import io
import re

from fiscal_device_lib.demo import run_demo, total_label, vat_label
from fiscal_device_lib.families import family


def test_vat_amounts_carry_their_class_and_rate():
    caspos = family("caspos")
    assert vat_label(caspos, "sale type 1") == "VAT 1 (18 %), sale"
    assert vat_label(caspos, "money back type 3") == "VAT 3 (0 %), money back"
    assert vat_label(family("n5"), "B") == "VAT B (20 %)"
    assert vat_label(caspos, "sale type 99") == "VAT sale type 99"  # unknown: as the device said


def test_program_names_of_totals_are_words():
    assert total_label("cash_in_drawer") == "cash in the drawer"
    assert total_label("sale cash sum") == "sale cash sum"


def test_demo_output_has_no_program_names():
    out = io.StringIO()
    run_demo(None, out)
    text = out.getvalue()
    assert re.search(r"^ +cash in the drawer +\d+\.\d\d$", text, re.MULTILINE)
    assert re.search(r"^ +VAT 1 \(18 %\), sale +\d+\.\d\d$", text, re.MULTILINE)
    assert re.search(r"^ +ДДС Б 20\.00% +\d+\.\d\d$", text, re.MULTILINE)  # the N5's own paper
    assert "cash_in_drawer" not in text
    assert "type 1" not in text
    assert "MEDIUM_" not in text
