"""The README's first command: ``fiscal-device demo`` and ``--help`` on every subcommand."""

import io
import subprocess
import sys
from decimal import Decimal

import pytest

from fiscal_device_lib.cli import build_parser
from fiscal_device_lib.core.documents import DocumentKind
from fiscal_device_lib.demo import run_demo


def test_demo_runs_a_trading_day_on_each_emulator():
    out = io.StringIO()
    logs = run_demo(None, out)
    assert [log.family for log in logs] == ["caspos", "n5"]
    for log in logs:
        kinds = [result.kind for _, result in log.documents]
        assert kinds == [
            DocumentKind.SALE,
            DocumentKind.SALE,
            DocumentKind.STORNO,
            DocumentKind.CASH_IN,
            DocumentKind.CASH_OUT,
        ]
        sale, storno = log.documents[0][1], log.documents[2][1]
        assert sale.short_document_id and sale.qr_payload
        # the first sale is 2 × 3.40 + 2.15; its storno returns the first line only
        assert (sale.total, storno.total) == (Decimal("8.95"), Decimal("6.80"))
        assert [report.kind for _, report in log.reports] == [
            DocumentKind.X_REPORT,
            DocumentKind.Z_REPORT,
        ]
    text = out.getvalue()
    assert "storno of the first sale" in text
    assert "https://monitoring.e-kassa.gov.az/#/index?doc=" in text
    assert "demo finished: 2 trading day(s), all documents fiscalized" in text
    # the N5 answers its reports with "OK": its printed Z report shows the day's figures
    printed_z = text.split("Z report as printed by the device:")[1]
    assert "Z ОТЧЕТ № 0001" in printed_z
    assert "Фискални бонове                          2" in printed_z
    assert "Сторно бонове                            1" in printed_z


def test_demo_command_exits_zero_for_one_device():
    done = subprocess.run(
        [sys.executable, "-m", "fiscal_device_lib", "demo", "--device", "n5"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "myPOS N5 Fiscal" in done.stdout
    assert "Caspos" not in done.stdout


def subcommands(parser, prefix=()):
    for action in parser._actions:
        if action.__class__.__name__ == "_SubParsersAction":
            for name, child in action.choices.items():
                yield (*prefix, name)
                yield from subcommands(child, (*prefix, name))


ALL_SUBCOMMANDS = list(subcommands(build_parser()))


def test_every_family_has_its_three_commands():
    for family in ("caspos", "n5"):
        for group in ("emulate", "call", "receipt"):
            assert (group, family) in ALL_SUBCOMMANDS


@pytest.mark.parametrize("command", ALL_SUBCOMMANDS, ids=" ".join)
def test_help_on_every_subcommand(command, capsys):
    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args([*command, "--help"])
    assert caught.value.code == 0
    assert "usage: fiscal-device " + " ".join(command) in capsys.readouterr().out


def test_optional_operations_say_which_device_cannot_do_them():
    from fiscal_device_lib.core.errors import UnsupportedOperation
    from fiscal_device_lib.mypos_n5 import FAMILY

    with (
        FAMILY.emulator() as settings,
        FAMILY.connect(**settings) as device,
        pytest.raises(UnsupportedOperation) as caught,
    ):
        device.open_cashbox()
    assert str(caught.value) == "N5Driver cannot do open_cashbox"


def test_demo_with_an_unknown_device_fails_with_the_known_ones(capsys):
    from fiscal_device_lib.cli import main
    from fiscal_device_lib.families import UnknownFamily

    with pytest.raises(SystemExit) as caught:
        main(["demo", "--device", "foo"])
    assert caught.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "invalid choice: 'foo' (choose from 'caspos', 'n5')" in captured.err
    out = io.StringIO()
    with pytest.raises(UnknownFamily) as unknown:
        run_demo(["n5", "foo"], out)
    assert str(unknown.value) == "no device family 'foo'; known devices: caspos, n5"
    assert out.getvalue() == ""  # refused before any trading day


def test_demo_shows_its_vat_classes_from_the_family():
    out = io.StringIO()
    run_demo(["n5"], out)
    assert "VAT classes used: B 20 % (standard), D 9 % (reduced)" in out.getvalue()


def test_demo_profile_is_still_importable_from_the_registry():
    from fiscal_device_lib.core.family import DemoProfile
    from fiscal_device_lib.families import DemoProfile as Alias

    assert Alias is DemoProfile
