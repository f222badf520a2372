from odoo import api, fields, models

# figures of ``after_sales.reliability._get_fleet_figures`` shown on a line, by field name
FIGURES = (
    "units",
    "units_with_hours",
    "unit_years",
    "hours",
    "failures",
    "failures_with_hours",
    "resolved",
    "failures_per_1000_hours",
    "failures_per_unit_year",
    "mtbf_hours",
    "mtbf_days",
    "mttr_hours",
    "onsite_hours",
    "repeat_rate_30",
    "repeat_rate_90",
    "first_time_fix_rate",
)


class AfterSalesReliabilityFleetLine(models.TransientModel):
    """The figures of one product's fleet over the wizard's period.

    A figure undefined there (None in ``_get_fleet_figures``: no known hours, no failure, no
    resolved failure) is stored as 0 but shown blank: the views hide it on the count it divides
    by (``units_with_hours``, ``hours``, ``failures_with_hours``, ``failures``, ``resolved``).
    """

    _name = "after_sales.reliability.fleet.line"
    _description = "Fleet Reliability per Product"
    _order = "failures desc, id"

    wizard_id = fields.Many2one("after_sales.reliability.fleet.wizard", required=True, ondelete="cascade")
    product_id = fields.Many2one("product.product", readonly=True)
    units = fields.Integer(string="Units at Risk", help="Units in service for at least a day of the period.")
    units_with_hours = fields.Integer(
        string="Units with Hours", help="Units at risk with meter readings: their hours are known."
    )
    unit_years = fields.Float(
        string="Unit-years", digits=(16, 2), help="Days in service of the units in the period / 365."
    )
    hours = fields.Float(string="Operating Hours", digits=(16, 1), help="Of the units with meter readings.")
    failures = fields.Integer()
    failures_with_hours = fields.Integer(
        string="Failures with Hours",
        help="Failures of units with known hours: the figures per operating hour.",
    )
    resolved = fields.Integer(string="Resolved Failures")
    failures_per_1000_hours = fields.Float(string="Failures per 1,000 h", digits=(16, 3))
    failures_per_unit_year = fields.Float(string="Failures per Unit-year", digits=(16, 3))
    mtbf_hours = fields.Float(string="MTBF (h)", digits=(16, 1))
    mtbf_days = fields.Float(string="MTBF (days)", digits=(16, 1))
    mttr_hours = fields.Float(string="MTTR (h)", digits=(16, 1), help="Reception to resolution.")
    onsite_hours = fields.Float(string="On-site Hours per Failure", digits=(16, 2))
    repeat_rate_30 = fields.Float(string="Repeats 30 Days (%)", digits=(16, 1))
    repeat_rate_90 = fields.Float(string="Repeats 90 Days (%)", digits=(16, 1))
    first_time_fix_rate = fields.Float(string="First-time Fix (%)", digits=(16, 1))

    @api.model
    def _prepare_line_vals(self, product, figures):
        """Values of the line of ``product`` from its ``figures`` (a hook for sibling modules)."""
        return {"product_id": product.id, **{name: figures.get(name) or 0 for name in FIGURES}}
