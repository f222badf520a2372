from odoo import fields, models

from ..models.after_sales_request_line import COVERAGE


class AfterSalesCoverageOverrideWizard(models.TransientModel):
    _name = "after_sales.coverage.override.wizard"
    _description = "Override Coverage"

    line_ids = fields.Many2many(
        "after_sales.request.line",
        "after_sales_coverage_override_line_rel",
        "wizard_id",
        "line_id",
        string="Service Lines",
        default=lambda self: self.env.context.get("active_ids", []),
    )
    coverage = fields.Selection(COVERAGE, required=True)
    reason = fields.Char(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.line_ids._override_coverage(self.coverage, self.reason)
        return {"type": "ir.actions.act_window_close"}
