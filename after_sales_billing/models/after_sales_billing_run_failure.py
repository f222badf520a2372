from odoo import fields, models


class AfterSalesBillingRunFailure(models.Model):
    _name = "after_sales.billing.run.failure"
    _description = "Billing Run Failure"
    _order = "run_id, id"
    _check_company_auto = True

    run_id = fields.Many2one("after_sales.billing.run", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="run_id.company_id", store=True, index=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    contract_id = fields.Many2one("after_sales.contract", readonly=True)
    request_id = fields.Many2one("after_sales.request", readonly=True)
    line_count = fields.Integer(string="Lines", readonly=True)
    fee_count = fields.Integer(string="Fees", readonly=True)
    reason = fields.Text(readonly=True)
