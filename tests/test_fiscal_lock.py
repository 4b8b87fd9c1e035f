import time

import psycopg2.errors
from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.tests import TransactionCase, get_db_name, tagged


@tagged("post_install", "-at_install")
class TestFiscalDeviceLock(TransactionCase):
    """One operation at a time per device, across workers: a row lock from another connection."""

    @classmethod
    def setUpClass(cls):
        # The row must be committed for another connection to lock it, and committed before this
        # class's transaction takes its snapshot: made in a cursor of its own, removed at the end.
        registry = Registry(get_db_name())
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cls.device_id = (
                env["fiscal.device"]
                .create(
                    {"name": "Busy test device", "kind": "caspos_emulator", "lock_timeout": 0.5}
                )
                .id
            )

        def remove_device():
            with registry.cursor() as cr:
                cr.execute("DELETE FROM fiscal_device WHERE id = %s", [cls.device_id])

        cls.addClassCleanup(remove_device)
        super().setUpClass()

    def test_busy_device_waits_then_says_so(self):
        device = self.env["fiscal.device"].browse(self.device_id)
        with self.registry.cursor() as other_worker:
            other_worker.execute(
                "SELECT id FROM fiscal_device WHERE id = %s FOR UPDATE", [device.id]
            )
            started = time.monotonic()
            with self.assertRaisesRegex(
                UserError,
                "Fiscal device Busy test device is busy with another operation. Waited 0.5 seconds",
            ):
                device.action_x_report()
            waited = time.monotonic() - started
            other_worker.rollback()
        self.assertGreaterEqual(waited, 0.5)
        self.assertLess(waited, 5)
        self.assertFalse(device.document_ids, "nothing was journaled")

    def test_an_operation_holds_the_lock_against_other_workers(self):
        device = self.env["fiscal.device"].browse(self.device_id)
        device._lock()
        with self.registry.cursor() as other_worker:
            with self.assertRaises(psycopg2.errors.LockNotAvailable):
                other_worker.execute(
                    "SELECT id FROM fiscal_device WHERE id = %s FOR NO KEY UPDATE NOWAIT",
                    [device.id],
                    log_exceptions=False,
                )
            other_worker.rollback()
