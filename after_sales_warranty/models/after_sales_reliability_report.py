from odoo import fields, models
from odoo.tools import SQL


class AfterSalesReliabilityReport(models.Model):
    """The Reliability Analysis with the dealer of the unit and the warranty cost of the failure."""

    _inherit = "after_sales.reliability.report"
    _depends = {
        "after_sales.equipment": ["dealer_id"],
        "after_sales.request.line": ["coverage", "product_id", "quantity"],
        "product.product": ["standard_price"],
    }

    dealer_id = fields.Many2one(
        "res.partner",
        readonly=True,
        help="The authorized service partner that sold the unit.",
    )
    warranty_cost = fields.Monetary(
        currency_field="currency_id",
        aggregator="sum",
        readonly=True,
        help="The service lines covered by warranty at the cost of their product in the request's company.",
    )

    def _select(self):
        return SQL(
            "%s, unit.dealer_id AS dealer_id, COALESCE(warranty.cost, 0) AS warranty_cost", super()._select()
        )

    def _from(self):
        return SQL(
            """%s
                -- grouped per request, not a lateral per row: a query without the cost leaves it out
                LEFT JOIN (
                    SELECT line.request_id,
                           SUM(
                               line.quantity
                               * COALESCE(
                                   (line_product.standard_price -> (line_request.company_id)::text)::float, 0
                               )
                           ) AS cost
                      FROM after_sales_request_line line
                      JOIN after_sales_request line_request ON line_request.id = line.request_id
                      JOIN product_product line_product ON line_product.id = line.product_id
                     WHERE line.coverage = 'warranty'
                     GROUP BY line.request_id
                ) warranty ON warranty.request_id = r.id
            """,
            super()._from(),
        )
