"""The fiscal journal: every document sent to a device, exactly once.

Contract: a document is committed (state ``sending``, its uuid and request) on the journal's
own cursor before the device is called, and its outcome is committed the same way after, so it
survives a rollback of the user's transaction. A new document goes through ``_send_new``, a
pending one through ``_resend``; both end in the one ``_send``. Every entry point returns a
``JournalResult`` read inside the journal transaction, never a record: the caller's snapshot
predates the journal's commit.
"""

import json
import uuid as uuid_lib
from contextlib import contextmanager

from odoo import _, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..fiscal_device_lib.core import (
    Capability,
    DocumentKind,
    FiscalError,
    OutcomeUnknown,
    Receipt,
    ReportResult,
    ShiftNotOpen,
    ValidationError,
    cash_operation_from_dict,
    receipt_from_dict,
    to_jsonable,
    validate_cash_operation,
)
from ..fiscal_device_lib.core.errors import Outcome
from .fiscal_document import journal_json
from .fiscal_journal_result import JournalResult


class FiscalDevice(models.Model):
    _inherit = "fiscal.device"

    @contextmanager
    def _journal(self, lock_timeout=True):
        """An environment on a new cursor, committed on exit.

        The fiscal journal must survive a rollback of the user's transaction, because the device
        may have printed: this is why it is written (and committed) outside it. With
        ``lock_timeout=False`` the caller sends ``_journal_lock_timeout()`` itself, in front of
        its first statement (one round trip less).
        """
        self.env.flush_all()
        with self.env.registry.cursor() as cr:
            if lock_timeout:
                cr.execute(self._journal_lock_timeout())
            yield self.env(cr=cr, su=True)
        self._journal_invalidate()

    def _journal_lock_timeout(self):
        """How long a journal statement waits for a row lock before failing."""
        return SQL("SET LOCAL lock_timeout = %s", f"{int(self._journal_lock_ms())}ms")

    def _journal_invalidate(self):
        """Forget in the caller's cache what a journal commit may have changed: the fiscal
        models, and the fiscal fields its sources compute from the journal. The rest (the
        invoice, its lines, products) stays: re-reading it cost a dozen queries per Fiscalize."""
        self.env.flush_all()  # forgetting a value still to be written would lose it
        self.env.cache.invalidate([(field, None) for field in self._journal_cached_fields()])

    @tools.ormcache()
    def _journal_cached_fields(self):
        """The fields ``_journal_invalidate`` forgets (and their inverses), found once per
        registry."""
        registry = self.env.registry
        found = []
        for name in list(registry):
            # the journal writes documents, never a device: its row is locked by the caller
            if name.startswith("fiscal.") and name != "fiscal.device":
                found.extend(self.env[name]._fields.values())
        for name in registry.descendants(["fiscal.source.mixin"], "_inherit"):
            found.extend(
                field
                for field_name, field in self.env[name]._fields.items()
                if (field.compute and not field.store) or field_name == "fiscal_document_ids"
            )
        inverses = [inverse for field in found for inverse in registry.field_inverses[field]]
        return tuple(dict.fromkeys(found + inverses))

    def _journal_lock_ms(self):
        return max(self.lock_timeout, 1.0) * 1000

    def _run_on_device(self, kind, source, build, *, parent=None, resume=None):
        """Journal then send one receipt or cash operation of ``source``, exactly once.

        ``build(driver, uuid)`` returns the ``Receipt`` or ``CashOperation`` to send. A done
        document of the same ``source`` and ``kind`` is returned as it is; a pending one (or
        ``resume``, the values of one) is resent under its uuid where the device deduplicates,
        or must be resolved first. Returns the document's ``JournalResult``.
        """
        self.ensure_one()
        Document = self.env["fiscal.document"]
        # the device lock first: a second press waits here, then finds the first's document
        with self._driver() as driver:
            if resume is None and source:
                resume = Document._pending_for(source, Document._kind_group(kind))
            if resume:
                return self._resend(driver, resume)
            return self._send_new(driver, build, source, parent)

    def _send_new(self, driver, build, source, parent):
        """Check, journal and send a new document built by ``build(driver, uuid)``."""
        payload = self._checked_payload(driver, build(driver, str(uuid_lib.uuid4())))
        self._ensure_shift(driver)
        document_id = self._journal_create(payload, source, parent)
        if source and getattr(payload, "sale_number", ""):
            # kept on the sale in this transaction; a later send also finds it on the document
            source.sudo().fiscal_sale_number = payload.sale_number
        return self._send(driver, document_id, payload)

    def _resend(self, driver, pending):
        """Send a journaled document again under its uuid (values of ``_pending_values``)."""
        if pending["state"] == "done":
            return self._journal_read(pending["id"])
        payload = self._resume_payload(driver, pending)
        self._ensure_shift(driver)
        return self._send(driver, pending["id"], payload)

    def _send(self, driver, document_id, payload):
        """Send a journaled document and journal what the device answered."""
        try:
            try:
                result = self._send_payload(driver, payload)
            except ShiftNotOpen:
                if not self._opens_shift(driver):
                    raise
                # closed on the device itself since Odoo saw it open; nothing was registered
                self._ensure_shift(driver, ask=True)
                result = self._send_payload(driver, payload)
        except FiscalError as error:
            failure = self._journal_failure(document_id, error, driver)
            raise self._fiscal_user_error(error, failure) from error
        except Exception as error:
            # a bug between sending and answer: the device may have printed
            self._journal_failure(document_id, OutcomeUnknown(str(error)), driver)
            raise
        done = self._journal_result(document_id, result)
        if (
            isinstance(payload, Receipt)
            and driver.supports(Capability.OPEN_SHIFT)
            and not self.shift_open
        ):
            self.sudo().shift_open = True
        return done

    def _send_payload(self, driver, payload):
        if isinstance(payload, Receipt):
            return driver.fiscalize(payload)
        return driver.cash_in_out(payload)

    def _checked_payload(self, driver, payload):
        """The payload once the core and the device found nothing to refuse: a device-level
        input error must not leave a failed document in the journal."""
        try:
            if isinstance(payload, Receipt):
                # the core's checks, then the device's: the same list ``fiscalize`` refuses
                problems = driver.problems(payload)
                if problems:
                    raise ValidationError(problems)
                return payload
            return validate_cash_operation(payload)
        except ValidationError as error:
            raise self._fiscal_user_error(error) from error

    def _resume_payload(self, driver, document):
        """The stored request of a pending document, to resend under the same uuid."""
        if document["state"] == "unknown" or not driver.supports(Capability.IDEMPOTENT):
            if document["state"] == "sending":
                with self._journal() as env:
                    env["fiscal.document"].browse(document["id"]).write(
                        {
                            "state": "unknown",
                            "error_message": _(
                                "The operation was interrupted before the device answered."
                            ),
                        }
                    )
            raise UserError(
                _(
                    "Fiscal document %(document)s on %(device)s has an unknown outcome: the "
                    "device may have printed it. A fiscal manager must resolve it first "
                    "(Fiscal documents > Resolve) with the receipt number read from the "
                    "device's journal, or mark it not printed.",
                    document=document["name"],
                    device=self.display_name,
                )
            )
        request = json.loads(document["request_json"])
        if document["kind"] in ("cash_in", "cash_out"):
            return cash_operation_from_dict(request)
        return receipt_from_dict(request)

    def _journal_create(self, payload, source, parent):
        """Journal ``payload`` as ``sending`` (committed); returns the document id. One INSERT:
        the values are the ORM's, the name computed as the ORM would (``_compute_name``); a sale
        that needs an N-18 unique sale number takes it there, committed with the document."""
        with self._journal(lock_timeout=False) as env:
            lock_timeout = SQL("%s;", self._journal_lock_timeout())
            if self._sale_number_missing(payload):
                env.cr.execute(self._journal_lock_timeout())
                lock_timeout = SQL()
                payload.sale_number = self._sale_number_take(env.cr)
            values = self._journal_values(payload, source, parent)
            env.cr.execute(
                SQL(
                    "%s INSERT INTO fiscal_document (%s) VALUES %s RETURNING id",
                    lock_timeout,
                    SQL(", ").join(SQL.identifier(column) for column in values),
                    tuple(values.values()),
                )
            )
            return env.cr.fetchone()[0]

    def _journal_values(self, payload, source, parent):
        """The new document's column values, stored computed fields included (no ORM create)."""
        values = self._service_document_values(
            payload.kind.value, to_jsonable(payload), payload.uuid
        )
        now = values["sent_at"]
        values.update(
            amount_total=float(
                payload.total if isinstance(payload, Receipt) else abs(payload.amount)
            ),
            parent_id=parent.id if parent else None,
            sale_number=getattr(payload, "sale_number", "") or None,
            # stored compute of fiscal.document, which a plain INSERT does not run
            is_test=bool(self.is_emulator),
        )
        if source:
            values.update(res_model=source._name, res_id=source.id, source_name=source.display_name)
        values["name"] = self.env["fiscal.document"]._document_name(
            values["kind"], "", 0, values["uuid"], values.get("source_name")
        )
        values.update(create_uid=self.env.uid, create_date=now, write_uid=self.env.uid)
        values["write_date"] = now
        return values

    def _journal_result(self, document_id, result):
        """Journal the device's ``result`` of a sent document (committed); returns its
        ``JournalResult``. One UPDATE, its name included: the ORM's write read the row, its
        device and currency first, and recomputed what depends on them."""
        with self._journal(lock_timeout=False) as env:
            Document = env["fiscal.document"]
            values = Document._result_values(result, bool(self.is_emulator))
            values.update(write_uid=self.env.uid, write_date=values["answered_at"])
            env.cr.execute(
                SQL(
                    "%s; UPDATE fiscal_document SET %s, name = %s WHERE id = %s"
                    " AND state != 'done' RETURNING kind, uuid, name",
                    self._journal_lock_timeout(),
                    SQL(", ").join(
                        SQL("%s = %s", SQL.identifier(column), None if value is False else value)
                        for column, value in values.items()
                    ),
                    Document._document_name_sql(
                        values["short_document_id"], values["document_number"]
                    ),
                    document_id,
                )
            )
            row = env.cr.fetchone()
            if row is None:
                # done meanwhile, or gone: the ORM's write says which
                document = Document.browse(document_id)
                document._write_result(result)
                return JournalResult.from_document(document)
            kind, uuid, name = row
        return JournalResult(
            document_id=document_id,
            name=name,
            state="done",
            kind=kind,
            uuid=uuid or "",
            device_id=self.id,
            device_name=self.display_name or "",
            is_test=bool(self.is_emulator),
            fiscal_id=values["document_id"] or "",
            short_id=values["short_document_id"] or "",
            number=values["document_number"] or 0,
            device_number=values["device_number"] or "",
            qr_payload=values["qr_payload"] or "",
            qr_link=values["qr_link"] or "",
        )

    def _journal_read(self, document_id):
        """The ``JournalResult`` of a committed document, read on the journal's cursor."""
        with self._journal() as env:
            return JournalResult.from_document(env["fiscal.document"].browse(document_id))

    def _journal_failure(self, document_id, error, driver):
        """Record why a sent document is not done, from the error's ``outcome``; returns its
        ``JournalResult``."""
        values = self._journal_failure_values(error, driver.supports(Capability.IDEMPOTENT))
        with self._journal() as env:
            document = env["fiscal.document"].browse(document_id)
            document.write(values)
            return JournalResult.from_document(document)

    def _journal_failure_values(self, error, idempotent):
        """The values recording ``error`` on a sent document (``idempotent``: the device
        deduplicates a resent uuid)."""
        if error.outcome is Outcome.NOTHING_REGISTERED:
            state = "failed"
        elif error.outcome is Outcome.MAY_BE_REGISTERED and idempotent:
            state = "sending"  # resent with the same uuid on the next attempt
        else:
            # may be registered, or registered but not printed: resolved from the device
            state = "unknown"
        return {
            "state": state,
            "error_code": str(getattr(error, "code", "") or ""),
            "error_message": getattr(error, "message", "") or str(error),
            "error_hint": getattr(error, "hint", ""),
            "answered_at": fields.Datetime.now(),
        }

    def _run_report(self, kind, **options):
        """X or Z report, journaled like a document (a Z report closes the shift); ``options``
        go to the driver (N5: ``departments``, ``items``)."""
        self.ensure_one()
        self._check_fiscal_user()
        report_uuid = str(uuid_lib.uuid4())
        operator = self._operator()
        request = {"kind": kind.value, "operator": to_jsonable(operator), "uuid": report_uuid}
        request.update(options)

        def report(driver):
            if kind == DocumentKind.Z_REPORT:
                return driver.z_report(operator, uuid=report_uuid, **options)
            return driver.x_report(operator, **options)

        done = self._run_service(kind.value, request, report, uuid=report_uuid)
        # a Z report queued for an agent has not closed anything yet: its report lands later
        if kind == DocumentKind.Z_REPORT and done.done:
            self._shift_closed_by(done)
        return done

    def _shift_closed_by(self, done):
        """Record the done Z report ``done`` (a ``JournalResult``) on the device: its shift is
        closed."""
        self.sudo().write(
            {
                "shift_open": False,
                "shift_opened_at": False,
                "last_z_report_at": fields.Datetime.now(),
                "last_z_report_number": done.report_number,
            }
        )

    def _service_document_values(self, kind, request, service_uuid):
        """The values every journaled document starts with: ``sending``, its uuid and request
        (a sale adds its amount, source and sale number: ``_journal_values``)."""
        return {
            "device_id": self.id,
            "company_id": self.company_id.id,
            "kind": kind,
            "state": "sending",
            "uuid": service_uuid,
            "request_json": journal_json(request),
            "currency_id": (self.currency_id or self.company_id.currency_id).id,
            "user_id": self.env.uid,
            "sent_at": fields.Datetime.now(),
        }

    def _run_service(self, kind, request, operation, uuid=None):
        """Journal then run ``operation(driver)``, an operation that registers no sale (a
        report, a reading, a setting), as a fiscal document of ``kind``. ``operation`` returns
        a ``ReportResult`` or a ``ServiceResult``. Returns the document's ``JournalResult``; a
        device error becomes a UserError once the journal has recorded it."""
        self.ensure_one()
        service_uuid = uuid or str(uuid_lib.uuid4())
        with self._driver() as driver:
            values = self._service_document_values(kind, request, service_uuid)
            with self._journal() as env:
                document_id = env["fiscal.document"].create(values).id
            try:
                result = operation(driver)
            except FiscalError as error:
                failure = self._journal_failure(document_id, error, driver)
                raise self._fiscal_user_error(error, failure) from error
            if isinstance(result, JournalResult):
                return result  # relayed to an agent, whose report was journaled on landing
            with self._journal() as env:
                document = env["fiscal.document"].browse(document_id)
                if isinstance(result, ReportResult):
                    document._write_report(result)
                else:
                    document._write_service_result(result)
                return JournalResult.from_document(document)
