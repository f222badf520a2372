from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    after_sales_sla_policy_id = fields.Many2one(
        related="company_id.after_sales_sla_policy_id",
        readonly=False,
        domain="[('company_id', '=', company_id)]",
    )
