from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    after_sales_sla_policy_id = fields.Many2one(
        "after_sales.sla.policy",
        string="Default SLA Policy",
        help="Applies to requests not covered by a contract with its own policy.",
    )
