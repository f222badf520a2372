from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ProductTemplate(models.Model):
    _inherit = "product.template"

    after_sales_norm_hours = fields.Float(
        string="Norm-Hours",
        digits="Product Unit",
        help="Standard hours of this work: choosing it on a service line fills the quantity.",
    )

    @api.constrains("after_sales_norm_hours")
    def _check_after_sales_norm_hours(self):
        for template in self:
            if template.after_sales_norm_hours < 0:
                raise ValidationError(self.env._("Norm-hours cannot be negative."))
