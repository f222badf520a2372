from odoo import api, fields, models

from .stock_lot import GRADES


class AfterSalesRequestLine(models.Model):
    _inherit = "after_sales.request.line"

    part_lot_id = fields.Many2one(
        "stock.lot",
        string="Part Lot/Serial",
        check_company=True,
        domain="[('product_id', '=', product_id)]",
        help="The lot or serial of the part used.",
    )
    part_grade = fields.Selection(
        GRADES,
        string="Grade",
        compute="_compute_part_grade",
        store=True,
        readonly=False,
        precompute=True,
        help="Taken from the part's lot; billing prices refurbished parts by their grade.",
    )

    @api.depends("part_lot_id.after_sales_grade", "line_type")
    def _compute_part_grade(self):
        for line in self:
            if line.line_type != "part":
                line.part_grade = False
            elif line.part_lot_id:
                line.part_grade = line.part_lot_id.after_sales_grade
            elif not line.part_grade:
                line.part_grade = "new"
