from odoo import api, fields, models


class AfterSalesReliabilityFleetLine(models.TransientModel):
    _inherit = "after_sales.reliability.fleet.line"

    currency_id = fields.Many2one("res.currency", default=lambda self: self.env.company.currency_id)
    warranty_cost = fields.Monetary(currency_field="currency_id")
    warranty_cost_per_unit = fields.Monetary(
        string="Warranty Cost per Unit", currency_field="currency_id", help="Warranty cost / units at risk."
    )

    @api.model
    def _prepare_line_vals(self, product, figures):
        return dict(
            super()._prepare_line_vals(product, figures),
            warranty_cost=figures.get("warranty_cost") or 0.0,
            warranty_cost_per_unit=figures.get("warranty_cost_per_unit") or 0.0,
        )
