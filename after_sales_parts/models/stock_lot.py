from odoo import fields, models

GRADES = [("new", "New"), ("refurbished", "Refurbished")]


class StockLot(models.Model):
    _inherit = "stock.lot"

    after_sales_grade = fields.Selection(
        GRADES,
        string="Grade",
        default="new",
        required=True,
        tracking=True,
        help="Refurbished parts (second category) can be priced differently.",
    )
