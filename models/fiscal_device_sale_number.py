"""N-18 unique sale numbers (УНП) of a fiscal device: which sales need one, its prefix, and the
device's sale sequence.

Contract: a sale of an N-18 registered company on an N5 carries ``XXXXXXXX-ZZZZ-0000001``: the
device's individual number (its serial number, as Test connection reads it), the operator's
code (the device's operator number, 4 digits) and the next number of the device's own
PostgreSQL sequence. The number is taken on the journal's cursor when the sale's document is
journaled (``_journal_create``): ``nextval`` is never rolled back, so no two sales on any worker
get the same number, even when a user's transaction is rolled back after the journal's commit.
"""

import re

from odoo import _, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..fiscal_device_lib.core import DocumentKind, Receipt

SALE_NUMBER_KINDS = (DocumentKind.SALE, DocumentKind.INVOICE)
INDIVIDUAL_NUMBER = re.compile(r"[0-9A-Z]{8}")
MAX_OPERATOR_CODE = 9999
MAX_SEQUENCE = 9999999


class FiscalDevice(models.Model):
    _inherit = "fiscal.device"

    def _sale_number_applies(self):
        """Sales on this device carry an N-18 unique sale number."""
        self.ensure_one()
        return self._family().takes_sale_number and bool(
            self.sudo().company_id.fiscal_n18_registered
        )

    def _sale_number_prefix(self):
        """``XXXXXXXX-ZZZZ-``: the device's individual number and the operator's code, or a
        UserError naming the field to fill in."""
        self.ensure_one()
        serial = (self.sudo().serial_number or "").strip().upper()
        if not serial:
            raise UserError(
                _(
                    "Fiscal device %(device)s has no Serial number: the unique sale number "
                    "(УНП) of Naredba N-18 begins with the device's individual number. Press "
                    "Test connection on the device to read it.",
                    device=self.display_name,
                )
            )
        if not INDIVIDUAL_NUMBER.fullmatch(serial):
            raise UserError(
                _(
                    "The Serial number %(serial)s of fiscal device %(device)s is not an "
                    "individual number of 8 Latin letters and digits, which the unique sale "
                    "number (УНП) of Naredba N-18 begins with. Press Test connection on the "
                    "device to read it again.",
                    serial=serial,
                    device=self.display_name,
                )
            )
        operator = self._operator().number
        if not 0 < operator <= MAX_OPERATOR_CODE:
            raise UserError(
                _(
                    "The Operator number %(number)s of fiscal device %(device)s does not fit "
                    "the 4-digit operator code of the unique sale number (УНП): use 1 to "
                    "%(max)s.",
                    number=operator,
                    device=self.display_name,
                    max=MAX_OPERATOR_CODE,
                )
            )
        return f"{serial}-{operator:04d}-"

    def _sale_number_missing(self, payload):
        """``payload`` is a sale that must carry a sale number and has none yet."""
        return (
            isinstance(payload, Receipt)
            and payload.kind in SALE_NUMBER_KINDS
            and not payload.sale_number
            and self._sale_number_applies()
        )

    def _sale_number_sequence(self):
        return f"fiscal_device_sale_number_{int(self.id)}"

    def _sale_number_take(self, cr):
        """The next unique sale number of this device, taken on ``cr`` (the journal's)."""
        self.ensure_one()
        prefix = self._sale_number_prefix()
        name = self._sale_number_sequence()
        cr.execute(SQL("SELECT to_regclass(%s)", name))
        if cr.fetchone()[0] is None:
            # two workers' first sales: one creates the sequence, the other then finds it
            cr.execute(SQL("SELECT pg_advisory_xact_lock(hashtext(%s))", name))
            cr.execute(SQL("CREATE SEQUENCE IF NOT EXISTS %s", SQL.identifier(name)))
        cr.execute(SQL("SELECT nextval(%s)", name))
        number = cr.fetchone()[0]
        if number > MAX_SEQUENCE:
            raise UserError(
                _(
                    "Fiscal device %(device)s has used all %(max)s unique sale numbers (УНП) "
                    "of operator code %(prefix)s.",
                    device=self.display_name,
                    max=MAX_SEQUENCE,
                    prefix=prefix,
                )
            )
        return f"{prefix}{number:07d}"
