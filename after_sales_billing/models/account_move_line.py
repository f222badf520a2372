from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    after_sales_line_ids = fields.One2many(
        "after_sales.request.line", "invoice_line_id", string="Service Lines", readonly=True
    )
    after_sales_fee_ids = fields.One2many(
        "after_sales.contract.fee", "invoice_line_id", string="Subscription Fees", readonly=True
    )
