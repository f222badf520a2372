from odoo import fields, models

SKIP_REASONS = [
    ("open", "Request not resolved"),
    ("not_done", "Work or part not done"),
    ("later", "Dated after the period"),
    ("covered", "Covered (not charged)"),
    ("no_price", "No price"),
    ("act_unsigned", "Act not signed"),
    ("failed", "Invoice failed (see Failures)"),
]


class AfterSalesBillingRunSkip(models.Model):
    _name = "after_sales.billing.run.skip"
    _description = "Request Left Out of a Billing Run"
    _order = "run_id, reason, request_id"
    _check_company_auto = True

    run_id = fields.Many2one("after_sales.billing.run", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="run_id.company_id", store=True, index=True)
    request_id = fields.Many2one("after_sales.request", required=True, readonly=True, ondelete="cascade")
    partner_id = fields.Many2one(related="request_id.partner_id", string="Customer")
    reason = fields.Selection(SKIP_REASONS, required=True, readonly=True)
    line_count = fields.Integer(string="Lines", readonly=True)
