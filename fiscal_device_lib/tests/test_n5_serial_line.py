"""What a person reads when the N5's serial port does not open: the port and what to check."""

import errno

import pytest
import serial

from fiscal_device_lib.core.errors import DeviceUnreachable, Outcome
from fiscal_device_lib.mypos_n5 import connect
from fiscal_device_lib.transport.serial_line import open_failure


def unreachable(port: str) -> DeviceUnreachable:
    with connect(port=port, timeout=0.5) as device, pytest.raises(DeviceUnreachable) as caught:
        device.numbers()
    return caught.value


def test_a_missing_port_says_which_and_where_to_look():
    error = unreachable("/dev/ttyNOSUCHPORT7")
    text = str(error)
    assert text.startswith("serial port /dev/ttyNOSUCHPORT7 does not exist")
    assert "Device Manager" in text and "/dev/ttyACM*" in text
    assert "Errno" not in text and "SerialException" not in text and "'" not in text
    assert error.url == "/dev/ttyNOSUCHPORT7" and error.outcome is Outcome.NOTHING_REGISTERED


def test_a_refused_socket_says_what_to_start():
    text = str(unreachable("socket://127.0.0.1:1"))
    assert text.startswith("nothing answers at socket://127.0.0.1:1")
    assert "emulator" in text


def test_an_unknown_url_scheme_is_not_a_valid_port_name():
    assert str(unreachable("nope://x")).startswith("serial port nope://x is not a valid port")


def test_a_file_that_is_no_terminal_is_named_without_a_repr(tmp_path):
    plain = tmp_path / "not-a-port"
    plain.write_text("")
    text = str(unreachable(str(plain)))
    assert text.startswith(f"cannot open serial port {plain}: ")
    assert "check the cable" in text


@pytest.mark.parametrize(
    ("error", "start", "hint"),
    [
        (
            serial.SerialException(errno.EACCES, "could not open port /dev/ttyACM0: denied"),
            "no permission to open serial port COM3",
            "'dialout' group",
        ),
        (
            serial.SerialException(
                "could not open port 'COM3': PermissionError(13, 'Access is denied.', None, 5)"
            ),
            "no permission to open serial port COM3",
            "open in another program",
        ),
        (
            serial.SerialException(errno.EBUSY, "could not open port: Device or resource busy"),
            "serial port COM3 is in use by another program",
            "close the other program",
        ),
        (
            serial.SerialException(errno.EWOULDBLOCK, "Could not exclusively lock port COM3"),
            "serial port COM3 is in use by another program",
            "try again",
        ),
        (
            serial.SerialException(
                "could not open port 'COM3': FileNotFoundError(2, 'The "
                "system cannot find the file specified.', None, 2)"
            ),
            "serial port COM3 does not exist",
            "Ports (COM & LPT)",
        ),
    ],
)
def test_windows_and_linux_failures_read_the_same(error, start, hint):
    text = open_failure("COM3", error)
    assert text.startswith(start) and hint in text
