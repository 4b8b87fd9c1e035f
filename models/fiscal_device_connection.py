"""How ``fiscal.device`` reaches its device: connection settings, the built-in emulators, the
device row lock, and the one place where a device error becomes a message for the user.

Contract: ``_driver()`` locks the device row for the transaction (waiting at most
``lock_timeout``) and yields a connected ``FiscalDevice`` driver; ``_fiscal_user_error`` reads the
error's ``outcome`` (core) to say whether anything may have been registered.
"""

import time
from contextlib import contextmanager
from pathlib import Path

import psycopg2.errors
from odoo import _, models
from odoo.exceptions import UserError
from odoo.tools import SQL, config
from odoo.tools.translate import code_translations

from ..fiscal_device_lib import emulator_host
from ..fiscal_device_lib.core import (
    DeviceRejected,
    DeviceTimeout,
    DeviceUnreachable,
    FiscalError,
    UnsupportedOperation,
    ValidationError,
)
from ..fiscal_device_lib.core.errors import Outcome
from ..fiscal_device_lib.core.i18n import render
from ..fiscal_device_lib.core.pool import DRIVERS
from ..fiscal_device_lib.families import family as device_family
from .fiscal_device import family_name_of_kind

# Seconds between two attempts at the device row lock.
LOCK_POLL_INTERVAL = 0.2


class HostedEmulator:
    """The built-in emulator of one device, shared by every worker (``emulator_host``):
    ``settings`` reach it, ``emulator`` is the emulator object itself, reached across
    processes (fault knobs and read back, for tests and demos)."""

    def __init__(self, settings, emulator):
        self.settings = settings
        self.emulator = emulator


class FiscalDevice(models.Model):
    _inherit = "fiscal.device"

    def _family(self):
        return device_family(family_name_of_kind(self.kind))

    def _emulator(self):
        """The built-in emulator of this device: one process per database and device, started
        on first use and found by every worker, so numbering never diverges."""
        self.ensure_one()
        if not self.is_emulator:
            raise UserError(
                _("Fiscal device %(device)s is not an emulator.", device=self.display_name)
            )
        state_dir = self._emulator_state_dir()
        try:
            settings = emulator_host.ensure_running(self.family, state_dir)
        except emulator_host.EmulatorHostError as error:
            raise UserError(
                _(
                    "The built-in emulator of %(device)s could not be started: %(error)s",
                    device=self.display_name,
                    error=error,
                )
            ) from error
        return HostedEmulator(settings, emulator_host.remote(state_dir))

    def _emulator_state_dir(self):
        # the database uuid keeps a re-created database of the same name off an old state
        database_uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        filestore = config.filestore(self.env.cr.dbname)
        return Path(filestore, "fiscal_device_emulators", database_uuid, f"{self.kind}-{self.id}")

    def _stop_emulators(self):
        # a device already deleted has no directory to name: its emulator exits on its own
        # once the directory goes
        for device in self.filtered("id").exists():
            emulator_host.stop(device._emulator_state_dir())

    def _connection_settings(self):
        """What the family's ``connect`` takes, built by the family from this record's plain
        values (an emulator's own address replaces the configured one)."""
        self.ensure_one()
        device = self.sudo()
        values = device._connection_values()
        if device.is_emulator:
            values.update(url="", port="")
            values.update(device._emulator().settings)
        try:
            return device._family().settings(**values)
        except ValueError as error:
            raise UserError(
                _(
                    "Fiscal device %(device)s cannot be reached with its settings: %(error)s",
                    device=device.display_name,
                    error=error,
                )
            ) from error

    def _connection_values(self):
        """The record's plain connection values, as the family's ``settings`` takes them."""
        self.ensure_one()
        device = self.sudo()
        return {
            "url": device.url or "",
            "path": device.path or "/",
            "port": device.port or "",
            "baudrate": device.baudrate,
            "timeout": device.timeout,
            "username": device.username or "",
            "password": device.password or "",
            "currency": (device.currency_id or device.company_id.currency_id).name,
            "retries": max(device.retries, 0),
            "busy_retries": max(device.busy_retries, 0),
        }

    def _lock(self):
        """Take the device row lock for this transaction, waiting at most ``lock_timeout``."""
        self.ensure_one()
        deadline = time.monotonic() + max(self.lock_timeout, 0.0)
        query = SQL("SELECT id FROM fiscal_device WHERE id = %s FOR NO KEY UPDATE NOWAIT", self.id)
        while True:
            try:
                with self.env.cr.savepoint(flush=False):
                    self.env.cr.execute(query, log_exceptions=False)
                return
            except psycopg2.errors.LockNotAvailable:
                if time.monotonic() >= deadline:
                    seconds = format(self.lock_timeout, "g")
                    raise UserError(
                        _(
                            "Fiscal device %(device)s is busy with another operation. "
                            "Waited %(seconds)s seconds; try again in a moment.",
                            device=self.display_name,
                            seconds=seconds,
                        )
                    ) from None
                time.sleep(LOCK_POLL_INTERVAL)

    @contextmanager
    def _driver(self):
        """Lock the device for this transaction and yield its connected driver.

        A ``FiscalError`` escaping the block becomes a ``UserError`` with the device's words.
        """
        self.ensure_one()
        self._check_fiscal_user()
        self._lock()
        try:
            with DRIVERS.lend(self._family(), self._connection_settings()) as driver:
                yield driver
        except FiscalError as error:
            raise self._fiscal_user_error(error) from error

    def _call(self, driver, method, *args):
        """Call a driver method that prints no fiscal document; errors become ``UserError``."""
        try:
            return method(*args)
        except FiscalError as error:
            raise self._fiscal_user_error(error) from error

    def _fiscal_user_error(self, error, result=None):
        """The one place where a device exception becomes a message for the user.

        What may have been registered is read from ``error.outcome``. ``result`` is the
        ``JournalResult`` of the journaled document, if any: its next step ends the message and
        it rides on the returned error as ``journal_result``.
        """
        if isinstance(error, UserError):
            return error
        lang = self.env.lang or "en_US"
        # the library's messages (core.i18n) in the user's language, from this module's .po
        terms = (
            {}
            if lang == "en_US"
            else code_translations.get_python_translations("fiscal_device", lang)
        )

        def translated(text):
            return render(text, lambda template: terms.get(template, template))

        device = self.display_name
        if isinstance(error, ValidationError):
            problems = "\n".join("• " + translated(problem) for problem in error.problems)
            message = _(
                "The document cannot be sent to fiscal device %(device)s:\n%(problems)s",
                device=device,
                problems=problems,
            )
        elif isinstance(error, DeviceRejected):
            message = _(
                "Fiscal device %(device)s refused the operation.\nError %(code)s: %(message)s",
                device=device,
                code=error.code,
                message=error.message,
            )
            if error.hint:
                message += "\n" + _("What to do: %(hint)s", hint=translated(error.hint))
        elif isinstance(error, DeviceUnreachable):
            message = _(
                "Fiscal device %(device)s cannot be reached (%(error)s). Check that it is "
                "switched on and connected; nothing was sent.",
                device=device,
                error=error,
            )
        elif isinstance(error, UnsupportedOperation):
            message = _(
                "Fiscal device %(device)s cannot do this: %(error)s", device=device, error=error
            )
        elif error.outcome is Outcome.MAY_BE_REGISTERED and result is not None:
            message = _(
                "Fiscal device %(device)s did not answer (%(error)s); it may or may not have "
                "registered the document.",
                device=device,
                error=error,
            )
        elif isinstance(error, DeviceTimeout) or error.outcome is Outcome.MAY_BE_REGISTERED:
            # no document was sent: only a status or report request went unanswered
            message = _(
                "Fiscal device %(device)s did not answer in time (%(error)s). Check that it is "
                "switched on and reachable, then try again.",
                device=device,
                error=error,
            )
        else:
            message = _("Fiscal device %(device)s: %(error)s", device=device, error=error)
        if result is not None and result.next_step:
            message += "\n" + result.next_step
        user_error = UserError(message)
        user_error.journal_result = result
        return user_error
