from odoo import fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    after_sales_request_id = fields.Many2one(
        "after_sales.request",
        string="Service Request",
        index="btree_not_null",
        copy=False,
        check_company=True,
    )
