from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    after_sales_needs_approval = fields.Boolean(
        string="Service Use Needs Approval",
        help="Requesting this part for a service request waits for a manager's approval.",
    )
