from odoo import fields, models


class StockMove(models.Model):
    _inherit = "stock.move"

    after_sales_dealer_claim_line_id = fields.Many2one(
        "after_sales.dealer.claim.line",
        string="Dealer Claim Line",
        index="btree_not_null",
        readonly=True,
        help="The failed part of a dealer warranty claim this move receives back.",
    )
