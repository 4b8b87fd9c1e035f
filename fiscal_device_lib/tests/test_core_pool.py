"""Drivers kept between operations (core.pool), against the real emulators: a Caspos driver is
lent again logged in over its kept connection; one that saw an error, stayed idle too long, or
belongs to a family that releases its port (the N5) is never lent again."""

from __future__ import annotations

import pytest

from fiscal_device_lib.caspos import FAMILY as CASPOS
from fiscal_device_lib.caspos import CasposEmulator
from fiscal_device_lib.core import DeviceRejected, DeviceUnreachable, Operator
from fiscal_device_lib.core.pool import DriverPool
from fiscal_device_lib.mypos_n5 import FAMILY as N5

CASHIER = Operator(name="Kassir")


@pytest.fixture
def caspos():
    with CASPOS.emulator() as settings:
        yield CasposEmulator.for_url(settings["url"]), settings


def test_a_kept_driver_is_lent_again_logged_in_on_its_connection(caspos):
    server, settings = caspos
    pool = DriverPool()
    with pool.lend(CASPOS, settings) as first:
        first.shift_state()
    with pool.lend(CASPOS, settings) as second:
        second.shift_state()
    assert second is first and second.logged_in
    assert server.connections_closed == 0, "one kept-alive connection served both"


def test_a_driver_that_saw_an_error_is_closed_not_lent_again(caspos):
    _server, settings = caspos
    pool = DriverPool()
    with pytest.raises(DeviceRejected), pool.lend(CASPOS, settings) as first:
        first.open_shift(CASHIER)
        first.open_shift(CASHIER)  # refused: the shift is open
    with pool.lend(CASPOS, settings) as second:
        assert second is not first


def test_idle_drivers_expire_and_settings_are_kept_apart(caspos):
    _server, settings = caspos
    pool = DriverPool(max_idle_seconds=0)
    with pool.lend(CASPOS, settings) as first:
        pass
    with pool.lend(CASPOS, settings) as second:
        assert second is not first, "idle past its time: closed, a new one connects"
    pool = DriverPool()
    with pool.lend(CASPOS, settings) as first:
        pass
    with pool.lend(CASPOS, {**settings, "timeout": 3.0}) as other:
        assert other is not first
    pool.clear()
    with pool.lend(CASPOS, settings) as third:
        assert third is not first


def test_a_stopped_device_is_unreachable_on_a_kept_connection(caspos):
    server, settings = caspos
    pool = DriverPool()
    with pool.lend(CASPOS, settings) as first:
        first.shift_state()
    server.stop()
    with pytest.raises(DeviceUnreachable), pool.lend(CASPOS, settings) as driver:
        assert driver is first
        driver.shift_state()


def test_a_serial_device_is_connected_and_released_each_time():
    assert not N5.keeps_connection and CASPOS.keeps_connection
    pool = DriverPool()
    with N5.emulator() as settings:
        with pool.lend(N5, settings) as first:
            first.info()
        with pool.lend(N5, settings) as second:
            assert second is not first
            second.info()
