from datetime import datetime

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

# N5 receipts print their QR as FMNUMBER*RECEIPTNO*YYYY-MM-DD*HH:MM:SS*TOTAL
QR_PARTS = 5


class FiscalDocumentResolve(models.TransientModel):
    _name = "fiscal.document.resolve"
    _description = "Resolve a Fiscal Document of Unknown Outcome"

    document_id = fields.Many2one("fiscal.document", required=True, readonly=True)
    device_id = fields.Many2one(related="document_id.device_id")
    outcome = fields.Selection(
        [
            ("printed", "The device printed it"),
            ("not_printed", "The device did not print it"),
        ],
        required=True,
        default="printed",
    )
    receipt_number = fields.Integer(
        help="The receipt number printed on the receipt, or read from the device's journal."
    )
    qr_payload = fields.Char(
        string="QR text",
        help="Optional: the text of the receipt's QR code (FM number*receipt number*date*time*"
        "total); it fills the receipt number, fiscal memory number and time.",
    )
    issued_at = fields.Datetime(string="Printed at")
    note = fields.Text()

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        document = self.env["fiscal.document"].browse(values.get("document_id"))
        if document and "issued_at" in fields_list:
            values["issued_at"] = document.sent_at
        return values

    def action_confirm(self):
        self.ensure_one()
        if not self.env.user.has_group("fiscal_device.group_fiscal_manager"):
            raise AccessError(_("Only a fiscal manager may resolve a fiscal document."))
        document = self.document_id.sudo()
        if document.state not in ("unknown", "sending"):
            raise UserError(
                _(
                    "Fiscal document %(document)s is %(state)s: only a document of unknown "
                    "outcome is resolved.",
                    document=document.display_name,
                    state=document.state,
                )
            )
        who = self.env.user.name
        if self.outcome == "not_printed":
            document.write(
                {
                    "state": "failed",
                    "resolution_note": _(
                        "Marked not printed by %(user)s. %(note)s", user=who, note=self.note or ""
                    ).strip(),
                }
            )
            return {"type": "ir.actions.act_window_close"}
        values = self._printed_values(document)
        values["resolution_note"] = _(
            "Resolved as printed, receipt number %(number)s, by %(user)s. %(note)s",
            number=values["document_number"],
            user=who,
            note=self.note or "",
        ).strip()
        document.write(values)
        return {"type": "ir.actions.act_window_close"}

    def _printed_values(self, document):
        number = self.receipt_number
        fiscal_memory = document.device_id.fiscal_memory_number or ""
        issued_at = self.issued_at or document.sent_at
        qr = (self.qr_payload or "").strip()
        if qr:
            parts = qr.split("*")
            try:
                if len(parts) != QR_PARTS:
                    raise ValueError
                fiscal_memory = parts[0]
                number = int(parts[1])
                issued_at = datetime.strptime(f"{parts[2]} {parts[3]}", "%Y-%m-%d %H:%M:%S")
            except ValueError:
                raise UserError(
                    _(
                        "The QR text %(qr)s is not of the form "
                        "FMNUMBER*RECEIPTNO*YYYY-MM-DD*HH:MM:SS*TOTAL.",
                        qr=qr,
                    )
                ) from None
        if number <= 0:
            raise UserError(
                _(
                    "Enter the receipt number read from the device's journal (a number greater "
                    "than 0), or mark the document not printed."
                )
            )
        return {
            "state": "done",
            "document_number": number,
            "fiscal_memory_number": fiscal_memory,
            "issued_at": issued_at,
            "qr_payload": qr or document.qr_payload,
            "document_id": qr or document.document_id,
            "short_document_id": document.short_document_id or str(number),
            "answered_at": fields.Datetime.now(),
        }
