"""``transport.http_post`` as a user reads it: which address, what failed, what to check; never
urllib3's object reprs. Real sockets: a refused port, a name under ``.invalid`` (RFC 6761: it
never resolves), a TLS handshake against a plain HTTP emulator."""

from __future__ import annotations

import socket

import pytest

from fiscal_device_lib.caspos import CasposDriver
from fiscal_device_lib.caspos.emulator import CasposEmulator
from fiscal_device_lib.cli import EXIT_TRANSPORT, main
from fiscal_device_lib.core.errors import DeviceUnreachable, Outcome
from fiscal_device_lib.transport.http_post import HttpSettings, HttpTransport


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def assert_readable(message: str) -> None:
    for raw in ("HTTPConnectionPool", "HTTPSConnectionPool", "object at 0x", "Max retries"):
        assert raw not in message


def unreachable(url: str) -> DeviceUnreachable:
    with (
        CasposDriver(url=url, timeout=5, retries=1) as driver,
        pytest.raises(DeviceUnreachable) as caught,
    ):
        driver.get_info()
    assert caught.value.outcome is Outcome.NOTHING_REGISTERED
    assert_readable(str(caught.value))
    return caught.value


def test_a_refused_port_says_so_and_what_to_check():
    port = free_port()
    error = unreachable(f"http://127.0.0.1:{port}")
    assert str(error) == (
        f"toLogin: cannot connect: 127.0.0.1:{port} refused the connection: check that the device is on, "
        f"its service is running and the port is right (http://127.0.0.1:{port}/)"
    )


def test_an_unknown_name_says_so():
    error = unreachable("http://caspos-till-7.invalid:5544")
    assert "the name 'caspos-till-7.invalid' was not found (DNS)" in str(error)
    assert "use the device's IP address" in str(error)
    assert error.url == "http://caspos-till-7.invalid:5544/"


def test_https_to_a_plain_http_device_is_a_tls_failure():
    server = CasposEmulator(port=0).start()
    try:
        error = unreachable(server.url.replace("http://", "https://"))
    finally:
        server.stop()
    assert f"the TLS (https) handshake with 127.0.0.1:{server.port} failed" in str(error)
    assert "http:// or https://" in str(error)


def test_an_address_that_is_no_url():
    transport = HttpTransport(HttpSettings(url="192.168.1.20:5544", path="/"))
    with pytest.raises(DeviceUnreachable, match="not a valid http:// or https:// URL"):
        transport.post(b"{}", timeout=1)
    transport.close()


def test_the_transport_alone_names_address_and_cause():
    port = free_port()
    transport = HttpTransport(HttpSettings(url=f"http://127.0.0.1:{port}", path="/jsonrpc"))
    with pytest.raises(DeviceUnreachable) as caught:
        transport.post(b"{}", timeout=1)
    transport.close()
    assert str(caught.value).startswith(f"cannot connect: 127.0.0.1:{port} refused")
    assert caught.value.url == f"http://127.0.0.1:{port}/jsonrpc"


def test_the_command_line_prints_the_same_words(capsys):
    port = free_port()
    status = main(["call", "caspos", "--url", f"http://127.0.0.1:{port}", "getInfo"])
    err = capsys.readouterr().err
    assert status == EXIT_TRANSPORT
    assert err.startswith(f"connection error: toLogin: cannot connect: 127.0.0.1:{port} refused")
    assert_readable(err)
