import json
from urllib.parse import quote as url_quote

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, create_index

from ..fiscal_device_lib.core import Capability, DocumentKind, to_jsonable
from .fiscal_journal_result import JournalResult


def journal_json(value):
    """``value`` as the journal keeps it: readable on the form (a key, or a list's item, per
    line) and written by the C encoder (``indent`` runs Python's, four times slower)."""
    if not isinstance(value, dict) or not value:
        return json.dumps(value, ensure_ascii=False)
    parts = []
    for key, item in value.items():
        name = json.dumps(str(key), ensure_ascii=False)
        if isinstance(item, list) and item:
            items = ",\n    ".join(json.dumps(each, ensure_ascii=False) for each in item)
            parts.append(f"  {name}: [\n    {items}\n  ]")
        else:
            parts.append(f"  {name}: {json.dumps(item, ensure_ascii=False)}")
    return "{\n" + ",\n".join(parts) + "\n}"


DOCUMENT_KINDS = [
    (DocumentKind.SALE.value, "Sale"),
    (DocumentKind.STORNO.value, "Storno / refund"),
    (DocumentKind.INVOICE.value, "Invoice"),
    (DocumentKind.CREDIT_NOTE.value, "Credit note"),
    (DocumentKind.CASH_IN.value, "Cash in"),
    (DocumentKind.CASH_OUT.value, "Cash out"),
    (DocumentKind.X_REPORT.value, "X report"),
    (DocumentKind.Z_REPORT.value, "Z report"),
]
# Kinds that answer the same question for one source record: "was it fiscalized?".
KIND_GROUPS = {
    DocumentKind.SALE.value: ("sale", "invoice"),
    DocumentKind.INVOICE.value: ("sale", "invoice"),
    DocumentKind.STORNO.value: ("storno", "credit_note"),
    DocumentKind.CREDIT_NOTE.value: ("storno", "credit_note"),
}
REPORT_KINDS = (DocumentKind.X_REPORT.value, DocumentKind.Z_REPORT.value)
# Pending or done: a new document for the same source would risk a second receipt.
LIVE_STATES = ("sending", "unknown", "done")
# What an emulator's document shows and its QR encodes instead of any link to the tax authority.
TEST_DOCUMENT_TEXT = "TEST DOCUMENT — emulator, not registered with the tax authority"


class FiscalDocument(models.Model):
    _name = "fiscal.document"
    _description = "Fiscal Document"
    _order = "id desc"
    _rec_name = "name"
    _check_company_auto = True
    _sql_constraints = [
        ("uuid_unique", "unique(device_id, uuid)", "A document UUID is used once per device."),
    ]

    name = fields.Char(compute="_compute_name", store=True)
    device_id = fields.Many2one(
        "fiscal.device",
        required=True,
        readonly=True,
        ondelete="restrict",
        index=True,
        check_company=True,
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    family = fields.Selection(related="device_id.family")
    kind = fields.Selection(DOCUMENT_KINDS, required=True, readonly=True)
    state = fields.Selection(
        [
            ("to_send", "To send"),
            ("sending", "Sending"),
            ("done", "Done"),
            ("failed", "Failed"),
            ("unknown", "Unknown outcome"),
        ],
        required=True,
        default="to_send",
        readonly=True,
        index=True,
    )
    uuid = fields.Char(
        string="UUID",
        required=True,
        readonly=True,
        copy=False,
        help="Caspos documentUUID / the unique sale number: a retry resends it unchanged.",
    )
    sale_number = fields.Char(
        string="Unique sale number",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Naredba N-18's unique sale number (УНП) sent with the receipt; a storno carries "
        "the number of the sale it reverses.",
    )
    is_test = fields.Boolean(
        string="Test document",
        compute="_compute_is_test",
        store=True,
        readonly=True,
        help="Registered on a built-in emulator: not a fiscal document, never reported to the "
        "tax authority.",
    )
    request_json = fields.Text(string="Request", readonly=True)
    answer_json = fields.Text(string="Answer", readonly=True)
    # Answer of the device
    document_id = fields.Char(
        string="Device document id",
        readonly=True,
        help="Caspos document_id; myPOS N5: the QR text of the receipt.",
    )
    short_document_id = fields.Char(string="Fiscal id", readonly=True)
    document_number = fields.Integer(readonly=True, help="Caspos document / N5 receipt number.")
    shift_document_number = fields.Integer(readonly=True)
    device_number = fields.Char(readonly=True, help="Caspos barcode number / N5 invoice number.")
    fiscal_memory_number = fields.Char(readonly=True)
    issued_at = fields.Datetime(readonly=True)
    qr_payload = fields.Char(string="QR payload", readonly=True)
    qr_link = fields.Char(string="QR link", readonly=True)
    qr_value = fields.Char(compute="_compute_qr_value", string="QR code")
    qr_image_url = fields.Char(compute="_compute_qr_value", string="QR image")
    report_number = fields.Integer(readonly=True)
    totals_json = fields.Text(string="Report totals", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount_total = fields.Monetary(readonly=True)
    # Source
    res_model = fields.Char(string="Source model", readonly=True, index=True)
    res_id = fields.Many2oneReference(
        string="Source id", model_field="res_model", readonly=True, index=True
    )
    source_name = fields.Char(string="Source", readonly=True)
    parent_id = fields.Many2one(
        "fiscal.document", string="Original document", readonly=True, index=True
    )
    child_ids = fields.One2many("fiscal.document", "parent_id", string="Stornos")
    # Errors
    error_code = fields.Char(readonly=True)
    error_message = fields.Text(readonly=True)
    error_hint = fields.Text(readonly=True)
    resolution_note = fields.Text(readonly=True)
    user_id = fields.Many2one("res.users", readonly=True)
    sent_at = fields.Datetime(readonly=True)
    answered_at = fields.Datetime(readonly=True)
    can_print_again = fields.Boolean(compute="_compute_can_print_again")

    def init(self):
        # a device's last Z report and the first document of its shift (the scheduled close),
        # its documents of a kind: one index range on a journal of millions of documents
        create_index(
            self.env.cr,
            "fiscal_document_device_kind_id_index",
            self._table,
            ["device_id", "kind", "id"],
        )

    @api.depends("kind", "short_document_id", "document_number", "source_name", "uuid")
    def _compute_name(self):
        for document in self:
            document.name = self._document_name(
                document.kind,
                document.short_document_id,
                document.document_number,
                document.uuid,
                document.source_name,
            )

    @api.model
    def _document_name(self, kind, short_id, number, uuid, source_name):
        """A document's name: its kind, the device's id or number (else its uuid's start) and
        its source (the journal writes it with the row, without the ORM)."""
        reference = short_id or (number and str(number)) or (uuid or "")[:8]
        labels = dict(self._fields["kind"]._description_selection(self.env))
        parts = [labels.get(kind, kind or ""), reference]
        if source_name:
            parts.append(f"({source_name})")
        return " ".join(part for part in parts if part)

    def _document_name_sql(self, short_id, number):
        """``_document_name`` as an SQL expression of the row's kind, uuid and source name:
        the journal's UPDATE of a result writes the name with the rest, in one statement."""
        labels = dict(self._fields["kind"]._description_selection(self.env))
        return SQL(
            "concat_ws(' ', CASE WHEN %(labels)s::jsonb ? kind"
            " THEN NULLIF(%(labels)s::jsonb ->> kind, '') ELSE NULLIF(kind, '') END,"
            " COALESCE(%(reference)s, NULLIF(left(uuid, 8), '')),"
            " '(' || NULLIF(source_name, '') || ')')",
            labels=json.dumps(labels),
            reference=short_id or (number and str(number)) or None,
        )

    @api.depends("state", "error_code", "device_id.kind")
    def _compute_can_print_again(self):
        for document in self:
            document.can_print_again = document._can_print_again()

    # the device the document was registered on, as it was then: a device switched to its
    # emulator later (a neutralized copy) does not turn its real documents into test ones
    @api.depends("device_id")
    def _compute_is_test(self):
        for document in self:
            document.is_test = bool(document.device_id.is_emulator)

    @api.depends("qr_link", "qr_payload")
    def _compute_qr_value(self):
        for document in self:
            document.qr_value = document.qr_link or document.qr_payload
            document.qr_image_url = document.qr_value and (
                "/report/barcode/?barcode_type=QR&width=160&height=160&value="
                + url_quote(document.qr_value, safe="")
            )

    def write(self, vals):
        done = self.filtered(lambda document: document.state == "done")
        if done:
            raise UserError(
                _(
                    "Fiscal document %(documents)s is done: it was registered by the device "
                    "and cannot be changed.",
                    documents=", ".join(done.mapped("display_name")),
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_registered(self):
        kept = self.filtered(lambda document: document.state in LIVE_STATES)
        if kept:
            raise UserError(
                _(
                    "Fiscal document %(documents)s may be registered by the device and stays in "
                    "the fiscal journal: it cannot be deleted.",
                    documents=", ".join(kept.mapped("display_name")),
                )
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_resume(self):
        """Resend a document whose answer was lost, under the same uuid."""
        self.ensure_one()
        if self.state != "sending":
            raise UserError(
                _("Only a document in state Sending can be resent (%(doc)s).", doc=self.name)
            )
        if self.kind in REPORT_KINDS:
            raise UserError(
                _(
                    "A report is not resent: run it again from the device (%(doc)s).",
                    doc=self.name,
                )
            )
        source = self._source_record()
        done = self.device_id._run_on_device(
            self.kind, source, build=None, parent=self.parent_id, resume=self._pending_values()
        )
        return done.action_open()

    def action_print_again(self):
        """Finish printing an N5 document the device registered but could not print (paper out,
        print failure), then open the resolve wizard for the receipt number on the paper."""
        self.ensure_one()
        if not self._can_print_again():
            codes = sorted(self.device_id._family().print_again_codes, key=lambda c: (len(c), c))
            raise UserError(
                _(
                    "Only a document that the device registered but could not print "
                    "(error %(codes)s) can be printed again (%(doc)s).",
                    codes=" or ".join(codes) or "-",
                    doc=self.name,
                )
            )
        device = self.device_id
        with device._driver() as driver:
            device._call(driver, driver.print_again)
        with device._journal() as env:
            env["fiscal.document"].browse(self.id).write(
                {
                    "error_message": _(
                        "Printed again after error %(code)s: resolve this document with the "
                        "receipt number (or QR text) printed on the paper.",
                        code=self.error_code,
                    ),
                    "error_hint": False,
                }
            )
        return self.action_resolve()

    def _can_print_again(self):
        """Registered but not printed: the family can print again, and its codes say so."""
        family = self.device_id.kind and self.device_id._family()
        return bool(
            family
            and family.supports(Capability.PRINT_AGAIN)
            and self.state == "unknown"
            and self.error_code
            and self.error_code in family.print_again_codes
        )

    def action_resolve(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Resolve fiscal document"),
            "res_model": "fiscal.document.resolve",
            "view_mode": "form",
            "target": "new",
            "context": {"default_document_id": self.id},
        }

    def action_open_source(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }

    def _action_open(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": "fiscal.document",
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    @api.model
    def _kind_group(self, kind):
        kind = getattr(kind, "value", kind)
        return KIND_GROUPS.get(kind, (kind,))

    @api.model
    def _pending_for(self, source, kinds):
        """The live document of ``source`` as ``_pending_values``, read from the committed
        journal: this transaction's snapshot may predate another worker's document."""
        # a read on a fresh cursor: nothing to lock or forget (flushed for tests, whose cursors
        # share one transaction)
        self.env.flush_all()
        with self.env.registry.cursor() as cr:
            cr.execute(
                SQL(
                    "SELECT id, name, state, kind, request_json FROM fiscal_document"
                    " WHERE res_model = %s AND res_id = %s AND kind IN %s AND state IN %s"
                    " ORDER BY id DESC LIMIT 1",
                    source._name,
                    source.id,
                    tuple(kinds),
                    tuple(LIVE_STATES),
                )
            )
            row = cr.dictfetchone()
        return row

    @api.model
    def _journal_result_for(self, source, kinds):
        """The ``JournalResult`` of ``source``'s document of ``kinds`` (a live one first, else
        the latest), read on the journal's cursor; None without any."""
        with self.env["fiscal.device"]._journal() as env:
            documents = env["fiscal.document"].search(
                [
                    ("res_model", "=", source._name),
                    ("res_id", "=", source.id),
                    ("kind", "in", list(kinds)),
                ],
                order="id desc",
            )
            document = documents.filtered(lambda d: d.state in LIVE_STATES)[:1] or documents[:1]
            return JournalResult.from_document(document) if document else None

    def _pending_values(self):
        self.ensure_one()
        return {
            "id": self.id,
            "name": self.display_name,
            "state": self.state,
            "kind": self.kind,
            "request_json": self.request_json,
        }

    def _source_record(self):
        self.ensure_one()
        if not self.res_model or not self.res_id or self.res_model not in self.env:
            return None
        return self.env[self.res_model].browse(self.res_id).exists() or None

    def _write_result(self, result):
        self.write(self._result_values(result, self.is_test))

    @api.model
    def _result_values(self, result, is_test):
        """The values recording the device's ``result`` on a document (``is_test``: it was
        registered on an emulator)."""
        issued_at = result.issued_at
        if issued_at is not None and issued_at.tzinfo is not None:
            issued_at = issued_at.replace(tzinfo=None)
        values = {
            "state": "done",
            "answer_json": journal_json(to_jsonable(result.raw)),
            "document_id": result.document_id,
            "short_document_id": result.short_document_id,
            "document_number": result.document_number or 0,
            "shift_document_number": result.shift_document_number or 0,
            "device_number": result.number,
            "fiscal_memory_number": result.fiscal_memory_number,
            "issued_at": issued_at or False,
            "qr_payload": result.qr_payload,
            "qr_link": result.qr_link,
            "answered_at": fields.Datetime.now(),
            "error_code": False,
            "error_message": False,
            "error_hint": False,
        }
        if result.total is not None:
            values["amount_total"] = float(abs(result.total))
        if is_test and result.qr_link:
            # an emulator's QR never links to the tax authority's monitoring site
            values.update(
                qr_link=False, qr_payload=f"{TEST_DOCUMENT_TEXT}: {result.document_id or ''}"
            )
        return values

    def _write_report(self, report):
        self.write(
            {
                "state": "done",
                "report_number": report.number or 0,
                "totals_json": json.dumps(
                    to_jsonable({"totals": report.totals, "vat": report.vat}),
                    indent=2,
                    ensure_ascii=False,
                ),
                "answer_json": journal_json(to_jsonable(report.raw)),
                "answered_at": fields.Datetime.now(),
            }
        )

    def _next_step_text(self):
        self.ensure_one()
        if self.state == "sending":
            return _(
                "The document %(uuid)s is kept: run the operation again to resend it with the "
                "same UUID; the device returns the receipt it already made, never a second one.",
                uuid=self.uuid,
            )
        if self._can_print_again():
            return _(
                "The device registered the document but could not print it: fix the printer "
                "(paper), then use Print again on the fiscal document and resolve it with the "
                "receipt number on the paper."
            )
        if self.state == "unknown":
            return _(
                "The document is kept with an unknown outcome: a fiscal manager must check the "
                "device's journal and resolve it (enter the receipt number, or mark it not "
                "printed) before it can be sent again."
            )
        return _("Nothing was registered; correct the problem and try again.")
