"""Resolve a fiscal document whose outcome is unknown: printed (with what a later storno needs,
read from the device or from the receipt's printed reference) or not printed (sent again)."""

import contextlib
from datetime import datetime
from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..fiscal_device_lib.core import Capability, FiscalError


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
        help="Best: the text of the receipt's QR code (scanned). It gives the receipt number, "
        "the fiscal memory number and the device's print time, which a later storno quotes.",
    )
    issued_at = fields.Datetime(
        string="Printed at",
        help="The date and time printed on the receipt (the device's clock): a later storno "
        "quotes it. Not needed with the QR text, or where the device reports it.",
    )
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
        """The done document's values: from the printed reference where given, the rest read
        from the device, so that a storno of it can always be sent."""
        qr = (self.qr_payload or "").strip()
        values = {
            "number": self.receipt_number,
            "fiscal_memory_number": "",
            "issued_at": self.issued_at or document.sent_at,
            "document_id": document.document_id or "",
            "short_document_id": document.short_document_id or "",
        }
        if qr:
            values.update(self._reference_values(document, qr))
        if values["number"] <= 0:
            raise UserError(
                _(
                    "Enter the receipt number read from the device's journal (a number greater "
                    "than 0), or mark the document not printed."
                )
            )
        if not values["fiscal_memory_number"] or not qr:
            values.update(self._device_values(document, values))
        if not (values["document_id"] or (values["fiscal_memory_number"] and values["issued_at"])):
            raise UserError(
                _(
                    "Fiscal device %(device)s cannot tell what a storno of receipt %(number)s "
                    "needs (its fiscal memory number and print time, or its document id): "
                    "enter the QR text printed on the receipt.",
                    device=document.device_id.display_name,
                    number=values["number"],
                )
            )
        number = values.pop("number")
        return {
            **values,
            "state": "done",
            "document_number": number,
            "qr_payload": qr or document.qr_payload,
            "short_document_id": values["short_document_id"] or str(number),
            "answered_at": fields.Datetime.now(),
        }

    def _reference_values(self, document, qr):
        """The parts of a printed reference (the N5 QR text), read by the device family."""
        parse = document.device_id._family().parse_reference
        if parse is None:
            raise UserError(
                _(
                    "Documents of fiscal device %(device)s carry no QR text to read: enter the "
                    "receipt number.",
                    device=document.device_id.display_name,
                )
            )
        try:
            reference = parse(qr)
        except (FiscalError, ValueError) as error:
            raise UserError(
                _("The QR text %(qr)s cannot be read: %(error)s", qr=qr, error=error)
            ) from None
        total = Decimal(str(document.amount_total or 0)).quantize(Decimal("0.01"))
        if document.amount_total and abs(reference.total) != total:
            raise UserError(
                _(
                    "The QR text is of a receipt of %(qr_total)s, but %(document)s is of "
                    "%(total)s: it belongs to another receipt.",
                    qr_total=reference.total,
                    document=document.display_name,
                    total=total,
                )
            )
        return {
            "number": reference.receipt_number,
            "fiscal_memory_number": reference.fiscal_memory_number,
            "issued_at": _device_time(reference.issued_at),
            "document_id": qr,
        }

    def _device_values(self, document, values):
        """What the device itself tells of receipt ``values["number"]``: its fiscal memory
        number, and, where it lists its documents (control tape), its id and print time."""
        device = document.device_id.with_env(self.env)
        found = {}
        with device._driver() as driver:
            if not values["fiscal_memory_number"]:
                if driver.supports(Capability.DEVICE_NUMBERS):
                    fiscal_memory = device._call(driver, driver.numbers)[1]
                else:
                    fiscal_memory = device._call(driver, driver.info).fiscal_memory_number
                found["fiscal_memory_number"] = fiscal_memory or ""
                if fiscal_memory and not device.fiscal_memory_number:
                    device.sudo().fiscal_memory_number = fiscal_memory
            if driver.supports(Capability.CONTROL_TAPE):
                found.update(self._tape_values(device, driver, values["number"]))
        return found

    def _tape_values(self, device, driver, number):
        try:
            tape = driver.control_tape()
        except NotImplementedError:
            # a driver that lists the capability before implementing the neutral method
            return {}
        except FiscalError as error:
            raise device._fiscal_user_error(error) from error
        entry = next((entry for entry in tape.documents if entry.number == number), None)
        if entry is None:
            return {}
        found = {"document_id": entry.document_id, "short_document_id": entry.short_document_id}
        # an unreadable time leaves the one entered
        with contextlib.suppress(ValueError):
            found["issued_at"] = _device_time(datetime.fromisoformat(entry.created_at))
        return {key: value for key, value in found.items() if value}


def _device_time(moment):
    """A device's print time as stored on done documents (see ``_write_result``): naive, on
    the device's own clock, because a storno quotes it back to that device unchanged."""
    return moment.replace(tzinfo=None) if moment.tzinfo is not None else moment
