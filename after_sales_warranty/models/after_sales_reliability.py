from odoo import api, models
from odoo.tools import SQL


class AfterSalesReliability(models.AbstractModel):
    """The fleet figures with the warranty cost of the failures (``warranty_cost`` of the
    Reliability Analysis) and its cost per unit at risk: ``warranty_cost_per_unit`` =
    warranty_cost / units."""

    _inherit = "after_sales.reliability"

    @api.model
    def _empty_sums(self):
        return dict(super()._empty_sums(), warranty_cost=0.0)

    @api.model
    def _sql_failure_sums(self):
        return dict(super()._sql_failure_sums(), warranty_cost=SQL("COALESCE(SUM(warranty_cost), 0)"))

    @api.model
    def _extra_figures(self, units, sums):
        return dict(
            super()._extra_figures(units, sums),
            warranty_cost=sums["warranty_cost"],
            warranty_cost_per_unit=sums["warranty_cost"] / units if units else None,
        )
