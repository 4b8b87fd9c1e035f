"""The gross (undiscounted, tax-included) line total the receipt shows beside a discount: summed
without ``compute_all`` for plain percentage taxes, to the cent of what ``compute_all`` gives."""

from odoo import Command
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.tests import tagged

# (price_unit, quantity, discount %): the first two once differed by a cent when the tax was
# taken on the unrounded base
LINES = [
    (4.32, 1.333, 10.0),
    (131.79, 0.5, 5.0),
    (0.01, 7, 33.33),
    (499.995, 3, 12.5),
    (10.005, 1, 10.0),
    (1234.5678, 2.5, 1.0),
]


@tagged("post_install", "-at_install")
class TestFiscalGrossTotal(AccountTestInvoicingCommon):
    def _invoice(self, taxes):
        return self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.partner_a.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product_a.id,
                            "price_unit": price,
                            "quantity": quantity,
                            "discount": discount,
                            "tax_ids": [Command.set(taxes.ids)],
                        }
                    )
                    for price, quantity, discount in LINES
                ],
            }
        )

    def _assert_as_compute_all(self, invoice):
        values = list(invoice._fiscal_line_values())
        self.assertEqual(len(values), len(invoice.invoice_line_ids))
        for line, line_values in zip(invoice.invoice_line_ids, values, strict=True):
            expected = line.tax_ids.compute_all(
                line.price_unit,
                currency=line.currency_id,
                quantity=line.quantity,
                product=line.product_id,
                partner=line.partner_id,
            )["total_included"]
            self.assertEqual(line_values.gross_total(), expected, line.price_unit)

    def test_percentage_taxes_rounded_per_line_and_globally(self):
        other = self.tax_sale_a.copy({"amount": 18.0, "name": "18 %"})
        for method in ("round_per_line", "round_globally"):
            self.env.company.tax_calculation_rounding_method = method
            for taxes in (self.tax_sale_a, self.tax_sale_a | other, self.env["account.tax"]):
                self._assert_as_compute_all(self._invoice(taxes))

    def test_a_price_included_tax_goes_through_compute_all(self):
        included = self.tax_sale_a.copy({"price_include_override": "tax_included", "name": "inc"})
        self._assert_as_compute_all(self._invoice(included))

    def test_prices_the_company_includes_taxes_in_go_through_compute_all(self):
        # the company setting is locked once it has invoiced, as the test company has
        self.env.cr.execute(
            "UPDATE res_company SET account_price_include = 'tax_included' WHERE id = %s",
            [self.env.company.id],
        )
        self.env.invalidate_all()
        self._assert_as_compute_all(self._invoice(self.tax_sale_a))
        excluded = self.tax_sale_a.copy({"price_include_override": "tax_excluded", "name": "ex"})
        self._assert_as_compute_all(self._invoice(excluded))
