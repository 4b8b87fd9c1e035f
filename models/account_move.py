from decimal import Decimal

from odoo import _, api, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..fiscal_device_lib.core import (
    Buyer,
    Capability,
    IdentType,
    Payment,
    PaymentKind,
    Receipt,
)
from .fiscal_source_mixin import FiscalLineValues

MAIN_KINDS = {"out_invoice": ("sale", "invoice"), "out_refund": ("storno", "credit_note")}
# What the receipt shows of a posted invoice and its lines: frozen once it is registered.
# what a Fiscalize reads of the move itself: fetched alone, not with the move's 80 other columns
FISCAL_READ_FIELDS = [
    "move_type",
    "state",
    "name",
    "ref",
    "journal_id",
    "company_id",
    "currency_id",
    "partner_id",
    "payment_state",
]
FISCAL_MOVE_FIELDS = {"invoice_line_ids", "currency_id", "partner_id", "commercial_partner_id"}
FISCAL_LINE_FIELDS = {
    "quantity",
    "price_unit",
    "discount",
    "tax_ids",
    "product_id",
    "product_uom_id",
    "currency_id",
    "move_id",
}


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "fiscal.source.mixin"]

    @api.depends("journal_id", "company_id", "move_type", "currency_id", "reversed_entry_id")
    def _compute_fiscal_device_id(self):
        for move in self:
            move.fiscal_device_id = (
                move._fiscal_target_device() if move.move_type in MAIN_KINDS else False
            )

    @api.depends("reversed_entry_id", "state", "move_type")
    def _compute_fiscal_fields(self):
        return super()._compute_fiscal_fields()

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        for move in posted.filtered(lambda m: m.move_type in MAIN_KINDS):
            device = move._fiscal_target_device()
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
        self.fetch(FISCAL_READ_FIELDS)
        results = []
        for move in self:
            if move.move_type != "out_invoice" or move.state != "posted":
                raise UserError(
                    _(
                        "Only posted customer invoices can be fiscalized (%(move)s); a credit "
                        "note is sent as the storno of its invoice.",
                        move=move.display_name,
                    )
                )
            device = move._fiscal_target_device()
            if not device:
                raise UserError(move._fiscal_no_device_message())
            results.append(move._fiscalize(device))
        return self._fiscal_confirmation(results)

    def write(self, vals):
        leaves_posted = "state" in vals and vals["state"] != "posted"
        if leaves_posted or FISCAL_MOVE_FIELDS & set(vals):
            self.filtered(
                lambda m: m.state == "posted" and m.move_type in MAIN_KINDS
            )._fiscal_check_unchanged(_("reset to draft") if leaves_posted else _("changed"))
        return super().write(vals)

    def button_draft(self):
        self.filtered(lambda m: m.move_type in MAIN_KINDS)._fiscal_check_unchanged(
            _("reset to draft")
        )
        return super().button_draft()

    def button_cancel(self):
        self.filtered(lambda m: m.move_type in MAIN_KINDS)._fiscal_check_unchanged(_("cancelled"))
        return super().button_cancel()

    @api.depends("move_type")
    def _compute_show_reset_to_draft_button(self):
        result = super()._compute_show_reset_to_draft_button()
        for move in self.filtered("show_reset_to_draft_button"):
            if move.move_type in MAIN_KINDS and move.sudo()._fiscal_registered_document():
                move.show_reset_to_draft_button = False
        return result

    def action_fiscal_storno(self):
        self.fetch(FISCAL_READ_FIELDS)
        results = []
        for move in self:
            if move.move_type != "out_refund" or move.state != "posted":
                raise UserError(
                    _(
                        "Only a posted credit note can be sent as a storno (%(move)s).",
                        move=move.display_name,
                    )
                )
            results.append(move._fiscal_storno())
        return self._fiscal_confirmation(results)

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _fiscal_main_kinds(self):
        return MAIN_KINDS.get(self.move_type, ())

    def _fiscal_can_send(self):
        return self.state == "posted" and self.move_type in MAIN_KINDS

    def _fiscal_is_storno(self):
        return self.move_type == "out_refund"

    def _fiscal_device(self):
        """The device that fiscalizes this move, as the current user (empty if none)."""
        self.ensure_one()
        if self.move_type not in MAIN_KINDS:
            return self.env["fiscal.device"]
        return self._fiscal_routed_device().with_env(self.env)

    def _fiscal_routed_device(self):
        """The journal's device; without one, the company's only device that registers the
        move's currency. With several such devices none is guessed: a device added later
        must not silently take over the invoices of the one in use."""
        self.ensure_one()
        device = self.sudo().journal_id.fiscal_device_id
        if not device and self.company_id:
            able = self._fiscal_able_devices()
            device = able if len(able) == 1 else able.browse()
        return device

    def _fiscal_able_devices(self):
        """The company's devices that can register this move's currency."""
        devices = self.env["fiscal.device"].sudo().search([("company_id", "=", self.company_id.id)])
        return devices.filtered(lambda d: not d.currency_id or d.currency_id == self.currency_id)

    def _fiscal_no_device_message(self):
        able = self._fiscal_able_devices()
        if len(able) > 1:
            return _(
                "Several fiscal devices can register %(move)s in %(currency)s (%(devices)s): "
                "choose the one for journal %(journal)s in the journal's settings (Fiscal "
                "device).",
                move=self.display_name,
                currency=self.currency_id.name,
                devices=", ".join(able.mapped("display_name")),
                journal=self.journal_id.display_name,
            )
        return _(
            "No fiscal device is set up for %(move)s: add one in Invoicing > "
            "Configuration > Fiscal > Devices.",
            move=self.display_name,
        )

    def _fiscal_registered_message(self, document, operation):
        if self.move_type == "out_refund":
            way_out = _("Correct it with a new invoice, which is fiscalized as a new receipt.")
        else:
            way_out = _(
                "To correct it, issue a credit note (Reverse): it is sent to the device as the "
                "storno of this receipt; then invoice again."
            )
        return _(
            "%(move)s is registered on fiscal device %(device)s (%(document)s, %(state)s): it "
            "cannot be %(operation)s, or it would no longer match the receipt. "
            "%(way_out)s",
            move=self.display_name,
            device=document.device_id.display_name,
            document=document.display_name,
            state=dict(document._fields["state"]._description_selection(self.env)).get(
                document.state
            ),
            operation=operation,
            way_out=way_out,
        )

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

    def _fiscal_no_origin_message(self):
        return _(
            "Credit note %(move)s cannot be sent as a storno: its origin invoice "
            "%(origin)s was not fiscalized.",
            move=self.display_name,
            origin=self.reversed_entry_id.display_name or "-",
        )

    # ------------------------------------------------------------------
    # Serialisers: account.move -> device-neutral Receipt
    # ------------------------------------------------------------------

    def _fiscal_receipt(self, device, driver, uuid, parent=None):
        """The invoice (or, with ``parent``, the storno of it) as a core ``Receipt``."""
        self.ensure_one()
        self._fiscal_check_currency(device, self.currency_id)
        maps = self._fiscal_maps(device)
        lines = self._fiscal_lines(device, maps)
        total = sum((line.total for line in lines), Decimal(0))
        buyer = None
        if parent is not None:
            if parent.kind == "invoice":
                buyer = self._fiscal_buyer()
        elif (
            # only a device that registers invoices with the buyer's identity (the N5)
            device.n5_invoice_buyer
            and driver.supports(Capability.INVOICE)
            and self._fiscal_buyer_identity()
        ):
            buyer = self._fiscal_buyer()
        return Receipt(
            uuid=uuid,
            lines=lines,
            payments=[Payment(self._fiscal_payment_kind(device, maps), total)] if total else [],
            operator=device._operator(),
            storno=self._fiscal_storno_reference(device, parent) if parent is not None else None,
            buyer=buyer,
            note=(self.name or "") if device._family().prints_note else "",
            currency=self.currency_id.name,
            sale_number=self._fiscal_sale_number(device, parent),
        )

    def _fiscal_line_values(self):
        """The invoice's product lines in the invoice's order, read in one query (products,
        their templates and taxes joined): the ORM read every column of each and computed
        the product's name, a third of a Fiscalize's time."""
        self.ensure_one()
        for model in (
            "account.move.line",
            "product.product",
            "product.template",
            "account.tax",
            "res.company",
        ):
            self.env[model].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT line.id, line.name, line.quantity, line.price_unit, line.price_total,
                       line.discount, line.product_uom_id, template.categ_id, product.barcode,
                       product.default_code, template.type = 'service',
                       COALESCE(template.name->>%(lang)s, template.name->>'en_US'),
                       ARRAY(SELECT rel.account_tax_id
                               FROM account_move_line_account_tax_rel rel
                               JOIN account_tax tax ON tax.id = rel.account_tax_id
                              WHERE rel.account_move_line_id = line.id
                              ORDER BY tax.sequence, tax.id),
                       -- each tax's percent when it is one added to the price, else NULL:
                       -- account.tax's price_include, from its company when not overridden
                       ARRAY(SELECT CASE WHEN tax.amount_type = 'percent'
                                          AND NOT COALESCE(tax.include_base_amount, FALSE)
                                          AND COALESCE(tax.price_include_override,
                                                       tax_company.account_price_include)
                                              IS DISTINCT FROM 'tax_included'
                                         THEN tax.amount END
                               FROM account_move_line_account_tax_rel rel
                               JOIN account_tax tax ON tax.id = rel.account_tax_id
                               JOIN res_company tax_company ON tax_company.id = tax.company_id
                              WHERE rel.account_move_line_id = line.id
                              ORDER BY tax.sequence, tax.id),
                       (SELECT tax_calculation_rounding_method = 'round_per_line'
                          FROM res_company WHERE id = %(company)s)
                  FROM account_move_line line
                  LEFT JOIN product_product product ON product.id = line.product_id
                  LEFT JOIN product_template template ON template.id = product.product_tmpl_id
                 WHERE line.move_id = %(move)s AND line.display_type = 'product'
                 ORDER BY line.sequence, line.id
                """,
                lang=self.env.lang or "en_US",
                move=self.id,
                company=self.company_id.id,
            )
        )
        for row in self.env.cr.fetchall():
            (line_id, label, quantity, price_unit, total, discount, uom_id, categ_id) = row[:8]
            barcode, default_code, is_service, product_name, tax_ids, percents, per_line = row[8:]
            yield FiscalLineValues(
                name=self._fiscal_line_name(product_name, label),
                quantity=quantity,
                total=total,
                discount=discount,
                gross_total=lambda line=(line_id, price_unit, quantity, percents, per_line): (
                    self._fiscal_line_gross_total(*line)
                ),
                tax_ids=tuple(tax_ids),
                categ_id=categ_id,
                uom_id=uom_id,
                barcode=barcode or "",
                default_code=default_code or "",
                is_service=bool(is_service),
            )

    def _fiscal_line_name(self, product_name, label):
        text = (product_name or label or "").strip()
        return text.splitlines()[0] if text else ""

    def _fiscal_line_gross_total(self, line_id, price_unit, quantity, percents, per_line):
        """Tax-included total of invoice line ``line_id`` before its discount, from the values
        read with it: ``percents`` of its taxes (None for a tax that is not a percentage added
        to the price), ``per_line`` when the company rounds per line."""
        if None not in percents:
            return self._fiscal_percent_gross(price_unit, quantity, percents, per_line)
        return self._fiscal_gross_total(self.env["account.move.line"].browse(line_id))

    def _fiscal_gross_total(self, line):
        """Tax-included total of ``line`` before its discount, by ``compute_all``: for the taxes
        ``_fiscal_percent_gross`` does not sum (its per-line set-up costs eight queries)."""
        taxes = line.tax_ids.compute_all(
            line.price_unit,
            currency=line.currency_id,
            quantity=line.quantity,
            product=line.product_id,
            partner=line.partner_id,
            is_refund=self.move_type == "out_refund",
        )
        return taxes["total_included"]

    def _fiscal_percent_gross(self, price_unit, quantity, percents, per_line):
        """``price_unit`` × ``quantity`` with taxes of ``percents`` added as ``compute_all``
        adds them: rounded per line when ``per_line`` (the base, then each tax amount on it),
        the total rounded once."""
        currency = self.currency_id
        base = price_unit * quantity
        if per_line:
            base = currency.round(base)
        amounts = [base * percent / 100 for percent in percents]
        if per_line:
            amounts = [currency.round(amount) for amount in amounts]
        total = base
        for amount in amounts:
            total += amount
        return currency.round(total)

    def _fiscal_payment_kind(self, device, maps):
        """The payment kind of the journals that paid the move, or the device's default."""
        by_journal = maps.journal_payment_kinds
        if not by_journal or self.payment_state in ("not_paid", "invoicing_legacy"):
            # no payment to read (an invoice fiscalized when posted is not paid yet): the
            # reconciliation walk costs seven queries
            return PaymentKind(device.invoice_payment_kind)
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


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def write(self, vals):
        if FISCAL_LINE_FIELDS & set(vals):
            self.move_id.filtered(
                lambda m: m.state == "posted" and m.move_type in MAIN_KINDS
            )._fiscal_check_unchanged(_("changed"))
        return super().write(vals)
