from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    after_sales_parts_approval_threshold = fields.Monetary(
        string="Parts Approval Threshold",
        currency_field="currency_id",
        help="Parts requests of a higher cost wait for a manager's approval (0: never).",
    )
