from odoo import api, fields, models
from odoo.exceptions import ValidationError


class AfterSalesMaintenancePlanLine(models.Model):
    _name = "after_sales.maintenance.plan.line"
    _description = "Work Template of a Maintenance Plan"
    _order = "plan_id, sequence, id"

    plan_id = fields.Many2one("after_sales.maintenance.plan", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="plan_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    line_type = fields.Selection(
        [("work", "Work"), ("part", "Part"), ("other", "Other")], string="Type", required=True, default="work"
    )
    product_id = fields.Many2one("product.product")
    name = fields.Char(string="Description", required=True)
    quantity = fields.Float(default=1.0, digits="Product Unit")

    @api.constrains("quantity")
    def _check_quantity(self):
        for line in self:
            if line.quantity < 0:
                raise ValidationError(self.env._("The quantity of a service line cannot be negative."))

    def _prepare_request_line_vals(self):
        self.ensure_one()
        return {
            "line_type": self.line_type,
            "product_id": self.product_id.id,
            "name": self.name,
            "quantity": self.quantity,
        }
