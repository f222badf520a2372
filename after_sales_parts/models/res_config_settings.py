from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    after_sales_parts_approval_threshold = fields.Monetary(
        related="company_id.after_sales_parts_approval_threshold", readonly=False
    )
