from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    after_sales_pricelist_id = fields.Many2one(related="company_id.after_sales_pricelist_id", readonly=False)
    after_sales_refurbished_factor = fields.Float(
        related="company_id.after_sales_refurbished_factor", readonly=False
    )
    after_sales_invoice_covered_lines = fields.Boolean(
        related="company_id.after_sales_invoice_covered_lines", readonly=False
    )
