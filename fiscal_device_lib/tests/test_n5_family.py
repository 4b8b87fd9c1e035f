"""The N5's FAMILY facts: one source for the driver, the command line, the demo and the addon."""

import subprocess
import sys
from datetime import datetime
from decimal import Decimal

import pytest

from fiscal_device_lib.core.documents import PaymentKind
from fiscal_device_lib.core.family import DocumentReference
from fiscal_device_lib.core.interface import Capability
from fiscal_device_lib.mypos_n5 import FAMILY, N5Driver, connect
from fiscal_device_lib.mypos_n5.emulator import samples


def test_capabilities_are_the_drivers_own():
    assert FAMILY.capabilities is N5Driver.capabilities
    for name in (
        "PRINT_AGAIN",
        "ELECTRONIC_JOURNAL",
        "FISCAL_MEMORY_REPORT",
        "ARTICLE_REPORT",
        "DEPARTMENT_REPORT",
        "CURRENT_CASH",
        "TIME_TO_BLOCK",
        "INVOICE_RANGE",
        "DEVICE_NUMBERS",
    ):
        assert FAMILY.supports(Capability[name]), name
    # the N5 prints those reports but cannot hand their figures back
    assert not FAMILY.supports(Capability.PERIODIC_REPORT)
    assert not FAMILY.supports(Capability.CONTROL_TAPE)
    assert not FAMILY.supports(Capability.IDEMPOTENT)


def test_vat_classes_follow_n18():
    assert [vat.code for vat in FAMILY.vat_classes] == list("ABCDEFGH")
    rates = {vat.code: vat.rate for vat in FAMILY.vat_classes}
    assert rates["A"] == Decimal(0) and rates["B"] == Decimal(20)
    assert rates["C"] == Decimal(20) and rates["D"] == Decimal(9)
    assert all(rates[code] is None for code in "EFGH")
    labels = [vat.label for vat in FAMILY.vat_classes]
    assert [label[0] for label in labels] == list("АБВГДЕЖЗ")  # Cyrillic first, as printed
    assert FAMILY.vat_class("B").label.startswith("Б (B)")


def test_plain_facts():
    assert FAMILY.currency == "EUR"
    assert FAMILY.shift_hours == 24
    assert FAMILY.print_again_codes == frozenset({"15", "23"})
    assert [choice.code for choice in FAMILY.departments] == [str(n) for n in range(101)]
    assert PaymentKind.CASH in FAMILY.payment_kinds and PaymentKind.NZOK in FAMILY.payment_kinds
    for kind in (PaymentKind.BONUS, PaymentKind.CREDIT, PaymentKind.ADVANCE):
        assert kind not in FAMILY.payment_kinds


def test_parse_reference_reads_the_qr_text():
    reference = FAMILY.parse_reference(" 51300001*0000326*2021-04-07*19:09:42*22.26\n")
    assert isinstance(reference, DocumentReference)
    assert reference == DocumentReference(
        "51300001", 326, datetime(2021, 4, 7, 19, 9, 42), Decimal("22.26")
    )


@pytest.mark.parametrize(
    "text",
    ["", "51300001*0000326*2021-04-07*19:09:42", "5130*1*2021-02-30*19:09:42*1", "x*1*a*b*c"],
)
def test_parse_reference_refuses_other_text(text):
    with pytest.raises(ValueError, match="FM\\*RECEIPT\\*YYYY-MM-DD\\*HH:MM:SS\\*TOTAL"):
        FAMILY.parse_reference(text)


@pytest.mark.parametrize(
    ("plain", "expected"),
    [
        ({"port": "/dev/ttyACM0"}, {"port": "/dev/ttyACM0"}),
        ({"port": "COM3", "baudrate": "9600", "timeout": 0}, {"port": "COM3", "baudrate": 9600}),
        ({"url": "http://10.0.0.5:8080"}, {"url": "http://10.0.0.5:8080/jsonrpc"}),
        ({"url": "http://10.0.0.5:8080/jsonrpc"}, {"url": "http://10.0.0.5:8080/jsonrpc"}),
        (
            {"url": "http://h/jsonrpc/", "busy_retries": 0},
            {"url": "http://h/jsonrpc", "busy_retries": 0},
        ),
        ({"port": "COM1", "timeout": "2.5", "username": "x"}, {"port": "COM1", "timeout": 2.5}),
    ],
)
def test_settings_from_plain_values(plain, expected):
    assert FAMILY.settings(**plain) == expected


@pytest.mark.parametrize(
    ("plain", "problem"),
    [
        ({}, "give the serial port"),
        ({"port": " ", "url": ""}, "give the serial port"),
        ({"port": "COM1", "url": "http://h"}, "not both"),
        ({"port": "COM1", "baudrate": "fast"}, "baudrate must be a number"),
    ],
)
def test_settings_name_what_is_missing(plain, problem):
    with pytest.raises(ValueError, match=problem):
        FAMILY.settings(**plain)


def test_http_url_with_jsonrpc_is_not_doubled():
    from fiscal_device_lib.mypos_n5 import N5Emulator

    with N5Emulator() as emulator:
        base = emulator.start_http()
        for url in (base, base + "/jsonrpc", base + "/jsonrpc/"):
            with connect(**FAMILY.settings(url=url, timeout=2)) as device:
                assert device.numbers() == ("BN300001", "51300001")


def test_emulator_keeps_state_in_a_directory_and_serves_tcp_to_several_clients(tmp_path):
    with FAMILY.emulator(state_dir=str(tmp_path), tcp=True) as settings:
        assert settings["port"].startswith("socket://127.0.0.1:")
        with connect(**settings, timeout=2) as first, connect(**settings, timeout=2) as second:
            assert first.fiscalize(samples.sale()).document_number == 1
            assert second.fiscalize(samples.sale()).document_number == 2
        other_process = (
            "from fiscal_device_lib.mypos_n5 import connect\n"
            "from fiscal_device_lib.mypos_n5.emulator import samples\n"
            f"with connect(port={settings['port']!r}, timeout=2) as device:\n"
            "    print(device.fiscalize(samples.sale()).document_number)"
        )
        shown = subprocess.run(
            [sys.executable, "-c", other_process], capture_output=True, text=True, check=True
        )
        assert shown.stdout.strip() == "3"
    assert (tmp_path / "n5.json").exists()
    with FAMILY.emulator(state_dir=tmp_path) as settings, connect(**settings, timeout=2) as device:
        assert device.fiscalize(samples.sale()).document_number == 4


def test_importing_the_package_loads_no_cli_no_emulator_nothing_posix_only():
    code = (
        "import sys, fiscal_device_lib.mypos_n5\n"
        "bad = [m for m in sys.modules if m in ('argparse', 'termios', 'fcntl', 'pty', 'tty')"
        " or m.endswith('.cli') or '.emulator' in m]\n"
        "print(bad)"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "[]"


def test_the_n5_cli_imports_no_top_level_cli():
    code = (
        "import sys, fiscal_device_lib.mypos_n5.cli\n"
        "print('fiscal_device_lib.cli' in sys.modules, 'fiscal_device_lib.families' in sys.modules)"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.split() == ["False", "False"]


def test_a_price_of_fourteen_digits_goes_on_the_wire_exact():
    from fiscal_device_lib.core.documents import Line, Payment, Receipt
    from fiscal_device_lib.mypos_n5 import N5Emulator

    price = Decimal("99999999999999.99")
    receipt = Receipt(
        uuid="u",
        lines=[Line(name="Скъпо", quantity=Decimal(1), unit_price=price, vat_class="B")],
        payments=[Payment(PaymentKind.CARD, price)],
        operator=samples.OPERATOR,
    )
    with N5Emulator() as emulator, connect(port=emulator.port, timeout=2) as device:
        result = device.fiscalize(receipt)
        sent = emulator.requests[-1]["params"]
    assert sent["receiptItems"][0]["price"] == price  # read by the emulator's strict reader
    assert sent["receiptPayments"][0]["amount"] == price
    assert result.total == price and result.qr_payload.endswith("*99999999999999.99")
