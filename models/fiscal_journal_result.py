"""What the fiscal journal hands back: plain values read inside the journal's own transaction.

The journal commits a fiscal document on its own cursor; the caller's cursor runs in a
REPEATABLE READ snapshot taken before that commit and cannot see the row (browsing it raises
``MissingError``). So the journal never returns a record: it returns a ``JournalResult``, frozen
values read where the document is visible. Callers show them, store them, or return an action
that the client opens in a new request.
"""

from dataclasses import asdict, dataclass

# Document states after which the same operation may be run again: "sending" resends the same
# uuid (the device deduplicates), "failed" registered nothing.
RETRY_STATES = ("sending", "failed")


@dataclass(frozen=True)
class JournalResult:
    """One fiscal document as the journal left it (see the module docstring)."""

    document_id: int
    name: str
    state: str
    kind: str
    uuid: str = ""
    device_id: int = 0
    device_name: str = ""
    is_test: bool = False  # the document was registered on a built-in emulator
    report_number: int = 0
    fiscal_id: str = ""  # the device's document id (Caspos document_id, N5 QR text)
    short_id: str = ""
    number: int = 0  # the device's document / receipt number
    device_number: str = ""  # Caspos barcode number / N5 invoice number
    qr_payload: str = ""
    qr_link: str = ""
    summary: str = ""
    error_code: str = ""
    error_message: str = ""
    error_hint: str = ""
    next_step: str = ""
    can_print_again: bool = False

    @classmethod
    def from_document(cls, document):
        """Read ``document`` (a fiscal.document visible to its own cursor) into values."""
        document.ensure_one()
        device = document.device_id
        return cls(
            document_id=document.id,
            name=document.display_name or "",
            state=document.state,
            kind=document.kind,
            uuid=document.uuid or "",
            device_id=device.id,
            device_name=device.display_name or "",
            is_test=bool(device.is_emulator),
            report_number=document.report_number or 0,
            fiscal_id=document.document_id or "",
            short_id=document.short_document_id or "",
            number=document.document_number or 0,
            device_number=document.device_number or "",
            qr_payload=document.qr_payload or "",
            qr_link=document.qr_link or "",
            summary=getattr(document, "summary", "") or "",
            error_code=document.error_code or "",
            error_message=document.error_message or "",
            error_hint=document.error_hint or "",
            next_step="" if document.state == "done" else document._next_step_text(),
            can_print_again=bool(document._can_print_again()),
        )

    @property
    def done(self):
        return self.state == "done"

    @property
    def can_retry(self):
        """Running the operation again is safe: it resends the same uuid or nothing was
        registered."""
        return self.state in RETRY_STATES

    @property
    def qr_value(self):
        """What the QR code encodes: the monitoring link where there is one, else the text."""
        return self.qr_link or self.qr_payload

    def as_dict(self):
        values = asdict(self)
        values.update(done=self.done, can_retry=self.can_retry, qr_value=self.qr_value)
        return values

    def action_open(self):
        """The window action that opens the document; the client reads it in a new request,
        whose snapshot sees the committed journal."""
        return {
            "type": "ir.actions.act_window",
            "res_model": "fiscal.document",
            "res_id": self.document_id,
            "view_mode": "form",
            "target": "current",
        }
