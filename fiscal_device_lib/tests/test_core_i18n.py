"""Library messages carry their English template and arguments, so Odoo can translate them."""

import ast
import pickle
from decimal import Decimal
from pathlib import Path

import pytest

from fiscal_device_lib.caspos.errors import rejected as caspos_rejected
from fiscal_device_lib.core import (
    Line,
    Operator,
    Payment,
    PaymentKind,
    Receipt,
    ValidationError,
    validate_receipt,
)
from fiscal_device_lib.core.i18n import Message, render
from fiscal_device_lib.core.i18n import _lt as mark  # not "_lt": extractors would read the test
from fiscal_device_lib.mypos_n5.errors import NO_PAPER
from fiscal_device_lib.mypos_n5.errors import rejected as n5_rejected

LIB = Path(__file__).resolve().parents[1]
# a stand-in catalogue, as Odoo's .po gives it
BG = {
    "line %(index)s": "ред %(index)s",
    "unit price": "единична цена",
    "%(where)s%(field)s must be greater than 0": "%(where)s%(field)s: трябва да е над 0",
    "the document is registered: load a paper roll, then call PrintAgain": "заредете хартия",
}


def bad_receipt() -> Receipt:
    line = Line(name="Tea", quantity=Decimal(1), unit_price=Decimal(0), vat_class="A")
    return Receipt(
        uuid="u-1",
        lines=[line],
        payments=[Payment(PaymentKind.CASH, Decimal(1))],
        operator=Operator("Ivan"),
    )


def test_marker_returns_its_text():
    assert mark("line %(index)s") == "line %(index)s"


def test_message_is_the_english_text_and_keeps_template_and_args():
    message = Message(mark("line %(index)s"), index=2)
    assert message == "line 2"
    assert (message.template, message.args) == ("line %(index)s", {"index": 2})
    assert pickle.loads(pickle.dumps(message)).args == {"index": 2}


def test_validation_problem_renders_in_another_language_with_its_places():
    with pytest.raises(ValidationError) as caught:
        validate_receipt(bad_receipt())
    problem = caught.value.problems[0]
    assert problem == "line 1: unit price must be greater than 0"  # the CLI keeps English
    assert render(problem, lambda t: BG.get(t, t)) == "ред 1: единична цена: трябва да е над 0"


def test_a_broken_translation_falls_back_to_english():
    message = Message(mark("line %(index)s"), index=2)
    assert render(message, lambda t: "ред %(номер)s") == "line 2"
    assert render("device words", lambda t: "X") == "device words"


def test_n5_hint_is_ours_and_translatable_the_device_name_is_not():
    error = n5_rejected(NO_PAPER)
    assert error.message == "NO_PAPER"
    assert render(error.hint, lambda t: BG.get(t, t)) == "заредете хартия"
    detailed = n5_rejected(NO_PAPER, "roll empty")
    assert render(detailed.hint, lambda t: BG.get(t, t)) == "заредете хартия (roll empty)"


def test_caspos_hint_is_a_message_the_device_text_stays():
    error = caspos_rejected(504, "document: invalid shift duration")
    assert isinstance(error.hint, Message) and error.hint.startswith("More than 24 hours")
    assert not isinstance(error.message, Message)


def _marker_calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_lt":
            yield node


def test_every_marked_text_is_a_plain_literal_extractors_can_read():
    """Odoo's extractor (babel) reads only literal strings, and drops a file over an f-string."""
    found = 0
    for path in LIB.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for call in _marker_calls(ast.parse(path.read_text(encoding="utf-8"))):
            found += 1
            (arg,) = call.args
            assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), (path, call.lineno)
    assert found > 80
