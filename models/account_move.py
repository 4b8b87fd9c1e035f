from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..fiscal_device_lib.core import (
    Buyer,
    Capability,
    CodeKind,
    IdentType,
    Line,
    Payment,
    PaymentKind,
    Receipt,
    StornoReason,
    StornoReference,
)
from ..fiscal_device_lib.core.money import (
    fit_unit_price,
    line_gross,
    round_money,
    round_quantity,
    to_decimal,
)
from ..fiscal_device_lib.core.validation import ean_is_valid

FISCAL_STATES = [
    ("none", "Not fiscalized"),
    ("sending", "Sending"),
    ("unknown", "Unknown outcome"),
    ("failed", "Failed"),
    ("done", "Fiscalized"),
]
MAIN_KINDS = {"out_invoice": ("sale", "invoice"), "out_refund": ("storno", "credit_note")}


class AccountMove(models.Model):
    _inherit = "account.move"

    fiscal_document_ids = fields.One2many(
        "fiscal.document",
        "res_id",
        domain=[("res_model", "=", "account.move")],
        string="Fiscal documents",
        groups="fiscal_device.group_fiscal_user",
    )
    fiscal_device_id = fields.Many2one(
        "fiscal.device", compute="_compute_fiscal_device_id", compute_sudo=True
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
    fiscal_document_count = fields.Integer(compute="_compute_fiscal_fields", compute_sudo=True)
    fiscal_origin_document_id = fields.Many2one(
        "fiscal.document",
        string="Fiscalized origin",
        compute="_compute_fiscal_fields",
        compute_sudo=True,
    )
    fiscal_can_fiscalize = fields.Boolean(compute="_compute_fiscal_fields", compute_sudo=True)
    fiscal_can_storno = fields.Boolean(compute="_compute_fiscal_fields", compute_sudo=True)

    @api.depends("journal_id", "company_id", "move_type")
    def _compute_fiscal_device_id(self):
        for move in self:
            move.fiscal_device_id = move._fiscal_device()

    @api.depends("reversed_entry_id", "state", "move_type")
    def _compute_fiscal_fields(self):
        Document = self.env["fiscal.document"]
        for move in self:
            documents = Document.search(
                [("res_model", "=", "account.move"), ("res_id", "=", move.id or 0)]
            )
            main = documents.filtered(lambda d, m=move: d.kind in MAIN_KINDS.get(m.move_type, ()))
            live = main.filtered(lambda d: d.state in ("sending", "unknown", "done"))
            document = live[:1] or main[:1]
            origin = move._fiscal_origin_document()
            move.fiscal_document_id = document
            move.fiscal_state = document.state if document else "none"
            done = document if document.state == "done" else Document
            move.fiscal_short_id = done.short_document_id
            move.fiscal_number = done.document_number
            move.fiscal_qr_value = done.qr_value
            move.fiscal_document_count = len(documents)
            move.fiscal_origin_document_id = origin
            posted_without = move.state == "posted" and not live
            move.fiscal_can_fiscalize = (
                posted_without and move.move_type == "out_invoice" and bool(move.fiscal_device_id)
            )
            move.fiscal_can_storno = (
                posted_without and move.move_type == "out_refund" and bool(origin)
            )

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        for move in posted.filtered(lambda m: m.move_type in MAIN_KINDS):
            device = move._fiscal_device()
            if not device.sudo().auto_fiscalize:
                continue
            if move.move_type == "out_invoice":
                move._fiscalize(device)
            elif move._fiscal_origin_document():
                move._fiscal_storno()
        return posted

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_fiscalize(self):
        for move in self:
            if move.move_type != "out_invoice" or move.state != "posted":
                raise UserError(
                    _(
                        "Only posted customer invoices can be fiscalized (%(move)s); a credit "
                        "note is sent as the storno of its invoice.",
                        move=move.display_name,
                    )
                )
            device = move._fiscal_device()
            if not device:
                raise UserError(
                    _(
                        "No fiscal device is set up for %(move)s: add one in Invoicing > "
                        "Configuration > Fiscal > Devices.",
                        move=move.display_name,
                    )
                )
            move._fiscalize(device)
        return True

    def action_fiscal_storno(self):
        for move in self:
            if move.move_type != "out_refund" or move.state != "posted":
                raise UserError(
                    _(
                        "Only a posted credit note can be sent as a storno (%(move)s).",
                        move=move.display_name,
                    )
                )
            move._fiscal_storno()
        return True

    def action_view_fiscal_documents(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fiscal_device.fiscal_document_action"
        )
        action["domain"] = [("res_model", "=", "account.move"), ("res_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _fiscal_device(self):
        """The device that fiscalizes this move, as the current user (empty if none)."""
        self.ensure_one()
        if self.move_type not in MAIN_KINDS:
            return self.env["fiscal.device"]
        device = self.sudo().journal_id.fiscal_device_id
        if not device and self.company_id:
            device = (
                self.env["fiscal.device"]
                .sudo()
                .search([("company_id", "=", self.company_id.id)], limit=1)
            )
        return device.with_env(self.env)

    def _fiscal_origin_document(self):
        """The done fiscal document of the invoice this credit note reverses."""
        self.ensure_one()
        origin = self.reversed_entry_id
        if self.move_type != "out_refund" or not origin:
            return self.env["fiscal.document"]
        return (
            self.env["fiscal.document"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "account.move"),
                    ("res_id", "=", origin.id),
                    ("kind", "in", MAIN_KINDS["out_invoice"]),
                    ("state", "=", "done"),
                ],
                limit=1,
            )
            .with_env(self.env)
        )

    def _fiscalize(self, device):
        self.ensure_one()
        return device._run_on_device(
            "sale",
            self,
            lambda driver, uuid: self._fiscal_receipt(device, driver, uuid),
        )

    def _fiscal_storno(self):
        self.ensure_one()
        parent = self._fiscal_origin_document()
        if not parent:
            raise UserError(
                _(
                    "Credit note %(move)s cannot be sent as a storno: its origin invoice "
                    "%(origin)s was not fiscalized.",
                    move=self.display_name,
                    origin=self.reversed_entry_id.display_name or "-",
                )
            )
        device = parent.sudo().device_id.with_env(self.env)
        return device._run_on_device(
            "storno",
            self,
            lambda driver, uuid: self._fiscal_receipt(device, driver, uuid, parent=parent.sudo()),
            parent=parent,
        )

    # ------------------------------------------------------------------
    # Serialisers: account.move -> device-neutral Receipt
    # ------------------------------------------------------------------

    def _fiscal_receipt(self, device, driver, uuid, parent=None):
        """The invoice (or, with ``parent``, the storno of it) as a core ``Receipt``."""
        self.ensure_one()
        if device.currency_id and self.currency_id != device.currency_id:
            raise UserError(
                _(
                    "%(move)s is in %(currency)s, but fiscal device %(device)s registers "
                    "%(device_currency)s only.",
                    move=self.display_name,
                    currency=self.currency_id.name,
                    device=device.display_name,
                    device_currency=device.currency_id.name,
                )
            )
        lines = self._fiscal_lines(device)
        total = sum((line.total for line in lines), Decimal(0))
        buyer = None
        if parent is not None:
            if parent.kind == "invoice":
                buyer = self._fiscal_buyer()
        elif (
            device.family == "n5"
            and device.n5_invoice_buyer
            and driver.supports(Capability.INVOICE)
            and self._fiscal_buyer_identity()
        ):
            buyer = self._fiscal_buyer()
        return Receipt(
            uuid=uuid,
            lines=lines,
            payments=[Payment(self._fiscal_payment_kind(device), total)] if total else [],
            operator=device._operator(),
            storno=self._fiscal_storno_reference(device, parent) if parent is not None else None,
            buyer=buyer,
            note=self.name or "",
            currency=self.currency_id.name,
        )

    def _fiscal_lines(self, device):
        vat_classes = {mapping.tax_id.id: mapping.vat_class for mapping in device.tax_map_ids}
        departments = {
            mapping.categ_id.id: mapping.department for mapping in device.category_map_ids
        }
        units = {mapping.uom_id.id: mapping.quantity_type for mapping in device.uom_map_ids}
        lines = []
        for line in self.invoice_line_ids.filtered(lambda ln: ln.display_type == "product"):
            quantity = round_quantity(to_decimal(line.quantity, "quantity"))
            total = round_money(to_decimal(line.price_total, "total"))
            if not quantity or not total:
                continue  # free and empty lines print nothing
            code, code_kind = self._fiscal_code(device, line.product_id)
            values = {
                "name": self._fiscal_line_name(line),
                "quantity": quantity,
                "vat_class": next(
                    (vat_classes[tax.id] for tax in line.tax_ids if tax.id in vat_classes), None
                ),
                "code": code,
                "code_kind": code_kind,
                "department": departments.get(line.product_id.categ_id.id),
                "unit": units.get(line.product_uom_id.id) if device.family == "caspos" else None,
            }
            unit_price, difference = fit_unit_price(quantity, total)
            values.update(unit_price=unit_price, line_total=total if difference else None)
            if line.discount:
                gross = round_money(to_decimal(self._fiscal_gross_total(line), "gross total"))
                gross_unit_price = round_money(gross / quantity)
                discount = line_gross(quantity, gross_unit_price) - total
                if discount > 0:
                    values.update(
                        unit_price=gross_unit_price, discount_amount=discount, line_total=None
                    )
            lines.append(Line(**values))
        return lines

    def _fiscal_line_name(self, line):
        text = (line.product_id.name or line.name or "").strip()
        return text.splitlines()[0] if text else ""

    def _fiscal_gross_total(self, line):
        """Tax-included total of ``line`` before its discount."""
        taxes = line.tax_ids.compute_all(
            line.price_unit,
            currency=line.currency_id,
            quantity=line.quantity,
            product=line.product_id,
            partner=line.partner_id,
            is_refund=self.move_type == "out_refund",
        )
        return taxes["total_included"]

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

    def _fiscal_payment_kind(self, device):
        """The payment kind of the journals that paid the move, or the device's default."""
        by_journal = {
            mapping.journal_id.id: mapping.payment_kind
            for mapping in device.payment_map_ids
            if mapping.journal_id
        }
        kinds = {
            by_journal[payment.journal_id.id]
            for payment in self.sudo()._get_reconciled_payments()
            if payment.journal_id.id in by_journal
        }
        if len(kinds) == 1:
            return PaymentKind(kinds.pop())
        return PaymentKind(device.invoice_payment_kind)

    def _fiscal_buyer_identity(self):
        partner = self.commercial_partner_id
        return "".join(ch for ch in (partner.vat or partner.company_registry or "") if ch.isdigit())

    def _fiscal_buyer(self):
        partner = self.commercial_partner_id
        address = ", ".join(part for part in (partner.street, partner.street2) if part)
        return Buyer(
            ident_type=IdentType.BULSTAT if partner.is_company else IdentType.EGN,
            ident_number=self._fiscal_buyer_identity(),
            name=partner.name or "",
            address=address,
            city=partner.city or "",
            vat_number=partner.vat or "",
        )

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
