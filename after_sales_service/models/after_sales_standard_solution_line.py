from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import check_finite_numbers

SOLUTION_LINE_TYPES = [("work", "Work"), ("part", "Part")]


class AfterSalesStandardSolutionLine(models.Model):
    """An operation or a part of a standard solution, added as a service line where it is applied."""

    _name = "after_sales.standard.solution.line"
    _description = "Standard Solution Line"
    _order = "solution_id, sequence, id"
    _check_company_auto = True

    solution_id = fields.Many2one(
        "after_sales.standard.solution", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="solution_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    line_type = fields.Selection(SOLUTION_LINE_TYPES, string="Type", required=True, default="work")
    product_id = fields.Many2one("product.product", required=True, check_company=True)
    quantity = fields.Float(digits="Product Unit", required=True, default=1.0)
    uom_id = fields.Many2one(related="product_id.uom_id", string="UoM")

    @api.constrains("quantity")
    def _check_quantity(self):
        for line in self:
            if line.quantity <= 0:
                raise ValidationError(
                    self.env._(
                        "Standard solution %(solution)s: the quantity of %(product)s must be positive.",
                        solution=line.solution_id.name,
                        product=line.product_id.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        check_finite_numbers(self, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        check_finite_numbers(self, [vals])
        return super().write(vals)
