from dataclasses import dataclass

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..fiscal_device_lib.core import CodeKind, Line, StornoReason, StornoReference
from ..fiscal_device_lib.core.money import (
    fit_unit_price,
    line_gross,
    round_money,
    round_quantity,
    to_decimal,
    to_money,
)
from ..fiscal_device_lib.core.validation import ean_is_valid
from .fiscal_document import LIVE_STATES

FISCAL_STATES = [
    ("none", "Not fiscalized"),
    ("pending", "Waiting to be registered"),
    ("sending", "Sending"),
    ("unknown", "Unknown outcome"),
    ("failed", "Failed"),
    ("done", "Fiscalized"),
]


@dataclass(frozen=True)
class FiscalMaps:
    """A device's mappings, read once per document: tax → VAT class, category → department,
    unit of measure → Caspos quantity type."""

    vat_classes: dict
    departments: dict
    units: dict


class FiscalSourceMixin(models.AbstractModel):
    """A record sent to a fiscal device (invoice, POS order): its fiscal state read from the
    journal, and the serialisers that turn it into a core ``Receipt``.

    Inheriting models give ``_compute_fiscal_device_id`` and ``_compute_fiscal_fields`` their
    ``@api.depends``, and implement ``_fiscal_main_kinds``, ``_fiscal_can_send``,
    ``_fiscal_is_storno``, ``_fiscal_origin_document``, ``_fiscal_no_origin_message``,
    ``_fiscal_routed_device``, ``_fiscal_registered_message`` and ``_fiscal_line_values``.
    """

    _name = "fiscal.source.mixin"
    _description = "Record Sent to a Fiscal Device"

    fiscal_device_id = fields.Many2one(
        "fiscal.device", compute="_compute_fiscal_device_id", compute_sudo=True
    )
    # as mail.thread's message_ids: documents point at their source by model name and id
    fiscal_document_ids = fields.One2many(
        "fiscal.document",
        "res_id",
        domain=lambda self: [("res_model", "=", self._name)],
        string="Fiscal documents",
        groups="fiscal_device.group_fiscal_user",
    )
    fiscal_document_id = fields.Many2one(
        "fiscal.document", compute="_compute_fiscal_fields", compute_sudo=True
    )
    fiscal_state = fields.Selection(
        FISCAL_STATES, compute="_compute_fiscal_fields", compute_sudo=True
    )
    fiscal_short_id = fields.Char(
        string="Fiscal id", compute="_compute_fiscal_fields", compute_sudo=True
    )
    fiscal_number = fields.Integer(
        string="Fiscal receipt number", compute="_compute_fiscal_fields", compute_sudo=True
    )
    fiscal_qr_value = fields.Char(
        string="Fiscal QR code", compute="_compute_fiscal_fields", compute_sudo=True
    )
    fiscal_is_test = fields.Boolean(
        string="Test document", compute="_compute_fiscal_fields", compute_sudo=True
    )
    fiscal_error = fields.Text(
        string="Fiscal error", compute="_compute_fiscal_fields", compute_sudo=True
    )
    fiscal_document_count = fields.Integer(compute="_compute_fiscal_fields", compute_sudo=True)
    fiscal_origin_document_id = fields.Many2one(
        "fiscal.document",
        string="Fiscalized origin",
        compute="_compute_fiscal_fields",
        compute_sudo=True,
    )
    fiscal_sale_number = fields.Char(
        string="Unique sale number",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Naredba N-18's unique sale number (УНП) of this sale, given on its first send to "
        "the fiscal device; its resends and its storno carry the same number.",
    )
    fiscal_can_fiscalize = fields.Boolean(compute="_compute_fiscal_fields", compute_sudo=True)
    fiscal_can_storno = fields.Boolean(compute="_compute_fiscal_fields", compute_sudo=True)

    def _compute_fiscal_fields(self):
        Document = self.env["fiscal.document"]
        for record in self:
            documents = Document.search(
                [("res_model", "=", record._name), ("res_id", "=", record.id or 0)]
            )
            main = documents.filtered(lambda d, r=record: d.kind in r._fiscal_main_kinds())
            live = main.filtered(lambda d: d.state in LIVE_STATES)
            document = live[:1] or main[:1]
            done = document if document.state == "done" else Document
            origin = record._fiscal_origin_document()
            # a document still "sending" (answer lost) is finished by pressing the same button
            # again: it resends the stored request under its uuid, or asks for a resolution
            resendable = bool(live) and set(live.mapped("state")) == {"sending"}
            can_send = record._fiscal_can_send() and (not live or resendable)
            is_storno = record._fiscal_is_storno()
            record.fiscal_document_id = document
            record.fiscal_state = document.state if document else "none"
            record.fiscal_short_id = done.short_document_id
            record.fiscal_number = done.document_number
            record.fiscal_qr_value = done.qr_value
            record.fiscal_is_test = document.is_test
            record.fiscal_error = document.error_message if not done else False
            record.fiscal_document_count = len(documents)
            record.fiscal_origin_document_id = origin
            record.fiscal_can_fiscalize = (
                can_send and not is_storno and bool(record.fiscal_device_id)
            )
            record.fiscal_can_storno = can_send and is_storno and bool(origin)

    def _fiscal_main_documents(self):
        """This record's sale or storno documents (not reports, not cash moves), newest first."""
        self.ensure_one()
        return (
            self.env["fiscal.document"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "=", self.id or 0),
                    ("kind", "in", self._fiscal_main_kinds()),
                ],
                order="id desc",
            )
        )

    def _fiscal_registered_document(self):
        """The done or pending (possibly registered) main document, empty if none."""
        documents = self._fiscal_main_documents()
        return documents.filtered(lambda d: d.state in LIVE_STATES)[:1]

    def _fiscal_bound_device(self):
        """The device that holds this record's fiscal documents: the one of its live document,
        else of its last failed one. Resends and retries go there, never to a device chosen
        since (a POS's new device, a journal's new device)."""
        documents = self._fiscal_main_documents()
        live = documents.filtered(lambda d: d.state in LIVE_STATES)
        failed = documents.filtered(lambda d: d.state == "failed")
        return (live[:1] or failed[:1]).device_id

    def _fiscal_target_device(self):
        """The device this record is (or would be) registered on, as the current user: its
        bound device, for a storno the device of the original receipt, else the one its
        configuration routes it to (``_fiscal_routed_device``)."""
        self.ensure_one()
        device = self._fiscal_bound_device()
        if not device and self._fiscal_is_storno():
            device = self._fiscal_origin_document().sudo().device_id
        if not device:
            device = self._fiscal_routed_device().sudo()
        return device.with_env(self.env)

    def _fiscal_check_unchanged(self, operation):
        """Refuse ``operation`` (a short text such as "reset to draft") on a record registered
        on a fiscal device: the ERP record may not diverge from the device's receipt."""
        for record in self:
            document = record._fiscal_registered_document()
            if document:
                raise UserError(record._fiscal_registered_message(document, operation))

    def action_view_fiscal_documents(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fiscal_device.fiscal_document_action"
        )
        action["domain"] = [("res_model", "=", self._name), ("res_id", "=", self.id)]
        action["context"] = {}
        return action

    def _fiscal_storno(self):
        """Send this refund as the storno of its origin's done fiscal document, on that device."""
        self.ensure_one()
        parent = self._fiscal_origin_document()
        if not parent:
            raise UserError(self._fiscal_no_origin_message())
        device = parent.sudo().device_id.with_env(self.env)
        return device._run_on_device(
            "storno",
            self,
            lambda driver, uuid: self._fiscal_receipt(device, driver, uuid, parent=parent.sudo()),
            parent=parent,
        )

    def _fiscal_sale_number(self, device, parent=None):
        """The N-18 unique sale number this record's receipt carries on ``device``: a storno
        names its sale's (``parent``), a sale keeps the one of its first send; "" when the sale
        has none yet (the journal takes the device's next one) or needs none."""
        self.ensure_one()
        if parent is not None:
            return parent.sale_number or ""
        if not device._sale_number_applies():
            return ""
        # refused here, before anything is journaled, when the device's number is unknown
        individual_number = device._sale_number_prefix()[:9]
        known = self.sudo().fiscal_sale_number or next(
            (number for number in self._fiscal_main_documents().mapped("sale_number") if number),
            "",
        )
        return known if known.startswith(individual_number) else ""

    def _fiscal_maps(self, device):
        return FiscalMaps(
            vat_classes={mapping.tax_id.id: mapping.vat_class for mapping in device.tax_map_ids},
            departments={
                mapping.categ_id.id: mapping.department for mapping in device.category_map_ids
            },
            units={mapping.uom_id.id: mapping.quantity_type for mapping in device.uom_map_ids},
        )

    def _fiscal_check_currency(self, device, currency):
        if device.currency_id and currency != device.currency_id:
            raise UserError(
                _(
                    "%(record)s is in %(currency)s, but fiscal device %(device)s registers "
                    "%(device_currency)s only.",
                    record=self.display_name,
                    currency=currency.name,
                    device=device.display_name,
                    device_currency=device.currency_id.name,
                )
            )

    def _fiscal_lines(self, device):
        maps = self._fiscal_maps(device)
        lines = (self._fiscal_line(device, maps, **values) for values in self._fiscal_line_values())
        return [line for line in lines if line]

    def _fiscal_line(
        self, device, maps, *, product, uom, taxes, name, quantity, total, discount, gross_total
    ):
        """One sold item as a core ``Line``; None for a free or empty line.

        ``quantity`` and ``total`` (tax included, after the ``discount`` percentage) are
        positive; ``gross_total()`` is the tax-included total before the discount.
        """
        quantity = round_quantity(to_decimal(quantity, "quantity"))
        total = to_money(total, "total")
        if not quantity or not total:
            return None  # free and empty lines print nothing
        code, code_kind = self._fiscal_code(device, product)
        values = {
            "name": name,
            "quantity": quantity,
            "vat_class": next(
                (maps.vat_classes[tax.id] for tax in taxes if tax.id in maps.vat_classes), None
            ),
            "code": code,
            "code_kind": code_kind,
            "department": maps.departments.get(product.categ_id.id),
            # a unit is mapped only on a device whose family has units (see fiscal.device.uom)
            "unit": maps.units.get(uom.id),
        }
        unit_price, difference = fit_unit_price(quantity, total)
        values.update(unit_price=unit_price, line_total=total if difference else None)
        if discount:
            gross = to_money(gross_total(), "gross total")
            gross_unit_price = round_money(gross / quantity)
            discount = line_gross(quantity, gross_unit_price) - total
            if discount > 0:
                values.update(
                    unit_price=gross_unit_price, discount_amount=discount, line_total=None
                )
        return Line(**values)

    def _fiscal_code(self, device, product):
        code = ""
        if device.line_code == "barcode":
            code = product.barcode or ""
        elif device.line_code == "default_code":
            code = product.default_code or ""
        if not code:
            return "", CodeKind.PLAIN
        if ean_is_valid(code, 13):
            return code, CodeKind.EAN13
        if ean_is_valid(code, 8):
            return code, CodeKind.EAN8
        if product.type == "service":
            return code, CodeKind.SERVICE
        return code, CodeKind.PLAIN

    def _fiscal_storno_reference(self, device, parent):
        issued_at = parent.issued_at
        return StornoReference(
            reason=StornoReason(device.storno_reason),
            parent_document_id=parent.document_id or "",
            fiscal_memory_number=parent.fiscal_memory_number or "",
            receipt_number=parent.document_number or None,
            receipt_datetime=fields.Datetime.to_datetime(issued_at) if issued_at else None,
            invoice_number=parent.device_number or "",
        )
