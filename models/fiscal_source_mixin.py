from collections.abc import Callable
from dataclasses import dataclass, field

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

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

# the device's mapping tables, read by ``_fiscal_maps``
MAP_MODELS = (
    "fiscal.device.tax",
    "fiscal.device.category",
    "fiscal.device.uom",
    "fiscal.device.payment",
)

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
    """A device's mappings, read once per document in one query: tax → VAT class, category →
    department, unit of measure → Caspos quantity type, journal and POS payment method →
    payment kind."""

    vat_classes: dict
    departments: dict
    units: dict
    journal_payment_kinds: dict = field(default_factory=dict)
    method_payment_kinds: dict = field(default_factory=dict)


@dataclass(frozen=True)
class FiscalLineValues:
    """One sold line of a source in plain values (ids, not records), as ``_fiscal_line_values``
    yields it: ``quantity`` and ``total`` (tax included, after ``discount`` %) are positive;
    ``gross_total()`` is the tax-included total before the discount, asked for only when the
    line is discounted."""

    name: str
    quantity: float
    total: float
    discount: float
    gross_total: Callable[[], float]
    tax_ids: tuple = ()
    categ_id: int | None = None
    uom_id: int | None = None
    barcode: str = ""
    default_code: str = ""
    is_service: bool = False


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
        self.ensure_one()
        self.env["fiscal.document"].flush_model(["res_model", "res_id", "kind", "state"])
        # one query where the ORM searched, then filtered twice
        self.env.cr.execute(
            SQL(
                "SELECT device_id FROM fiscal_document"
                " WHERE res_model = %(model)s AND res_id = %(id)s AND kind IN %(kinds)s"
                " AND state IN %(states)s"
                " ORDER BY state IN %(live)s DESC, id DESC LIMIT 1",
                model=self._name,
                id=self.id or 0,
                kinds=tuple(self._fiscal_main_kinds()) or ("",),
                states=(*LIVE_STATES, "failed"),
                live=tuple(LIVE_STATES),
            )
        )
        row = self.env.cr.fetchone()
        return self.env["fiscal.device"].sudo().browse(row[0] if row else ())

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
        """The device's mappings in one query (the ORM reads each One2many in two)."""
        for model in MAP_MODELS:
            self.env[model].flush_model()
        self.env.cr.execute(
            SQL(
                "SELECT (SELECT json_object_agg(tax_id, vat_class) FROM fiscal_device_tax"
                "        WHERE device_id = %(device)s),"
                "       (SELECT json_object_agg(categ_id, department) FROM fiscal_device_category"
                "        WHERE device_id = %(device)s),"
                "       (SELECT json_object_agg(uom_id, quantity_type) FROM fiscal_device_uom"
                "        WHERE device_id = %(device)s),"
                "       (SELECT json_object_agg(journal_id, payment_kind)"
                "          FROM fiscal_device_payment"
                "        WHERE device_id = %(device)s AND journal_id IS NOT NULL),"
                "       (SELECT json_object_agg(pos_payment_method_id, payment_kind)"
                "          FROM fiscal_device_payment"
                "        WHERE device_id = %(device)s AND pos_payment_method_id IS NOT NULL)",
                device=device.id,
            )
        )
        return FiscalMaps(
            *(
                {int(key): value for key, value in (found or {}).items()}
                for found in self.env.cr.fetchone()
            )
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

    def _fiscal_lines(self, device, maps=None):
        """The source's sold lines as core ``Line``s (free and empty lines left out), in one
        pass: a line whose taxes have no VAT class on ``device`` is refused first."""
        maps = maps or self._fiscal_maps(device)
        values = [self._fiscal_plain_line(found) for found in self._fiscal_line_values()]
        self._fiscal_check_tax_mapping(device, maps, values)
        lines = (self._fiscal_line(device, maps, line) for line in values)
        return [line for line in lines if line]

    def _fiscal_plain_line(self, values):
        """``values`` as ``FiscalLineValues``: a source may yield the line's records instead
        (keys ``product``, ``uom``, ``taxes`` beside the plain ones)."""
        if isinstance(values, FiscalLineValues):
            return values
        values = dict(values)
        product, uom, taxes = values.pop("product"), values.pop("uom"), values.pop("taxes")
        return FiscalLineValues(
            **values,
            tax_ids=tuple(taxes.ids),
            categ_id=product.categ_id.id or None,
            uom_id=uom.id or None,
            barcode=product.barcode or "",
            default_code=product.default_code or "",
            is_service=product.type == "service",
        )

    def _fiscal_line(self, device, maps, values):
        """One sold item (``FiscalLineValues``) as a core ``Line``; None for a free or empty
        line."""
        quantity = round_quantity(to_decimal(values.quantity, "quantity"))
        total = to_money(values.total, "total")
        if not quantity or not total:
            return None  # free and empty lines print nothing
        code, code_kind = self._fiscal_code(device, values)
        line = {
            "name": values.name,
            "quantity": quantity,
            "vat_class": next(
                (maps.vat_classes[tax] for tax in values.tax_ids if tax in maps.vat_classes),
                None,
            ),
            "code": code,
            "code_kind": code_kind,
            "department": maps.departments.get(values.categ_id),
            # a unit is mapped only on a device whose family has units (see fiscal.device.uom)
            "unit": maps.units.get(values.uom_id),
        }
        unit_price, difference = fit_unit_price(quantity, total)
        line.update(unit_price=unit_price, line_total=total if difference else None)
        if values.discount:
            gross = to_money(values.gross_total(), "gross total")
            gross_unit_price = round_money(gross / quantity)
            discount = line_gross(quantity, gross_unit_price) - total
            if discount > 0:
                line.update(unit_price=gross_unit_price, discount_amount=discount, line_total=None)
        return Line(**line)

    def _fiscal_code(self, device, values):
        code = ""
        if device.line_code == "barcode":
            code = values.barcode
        elif device.line_code == "default_code":
            code = values.default_code
        if not code:
            return "", CodeKind.PLAIN
        if ean_is_valid(code, 13):
            return code, CodeKind.EAN13
        if ean_is_valid(code, 8):
            return code, CodeKind.EAN8
        if values.is_service:
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
