from odoo import fields, models


class AfterSalesDealerSettlementFailure(models.Model):
    _name = "after_sales.dealer.settlement.failure"
    _description = "Dealer Settlement Failure"
    _order = "settlement_id, id"
    _check_company_auto = True

    settlement_id = fields.Many2one(
        "after_sales.dealer.settlement", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="settlement_id.company_id", store=True, index=True)
    dealer_id = fields.Many2one("res.partner", readonly=True)
    claim_id = fields.Many2one("after_sales.dealer.claim", readonly=True)
    line_count = fields.Integer(string="Lines", readonly=True)
    reason = fields.Text(readonly=True)
