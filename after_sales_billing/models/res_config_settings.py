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
    company_currency_id = fields.Many2one(
        "res.currency", related="company_id.currency_id", string="Company Currency", readonly=True
    )
    after_sales_estimate_threshold = fields.Monetary(
        related="company_id.after_sales_estimate_threshold",
        readonly=False,
        currency_field="company_currency_id",
    )
    after_sales_act_required = fields.Boolean(related="company_id.after_sales_act_required", readonly=False)
    after_sales_phone_product_id = fields.Many2one(
        related="company_id.after_sales_phone_product_id", readonly=False
    )
    after_sales_phone_rounding_minutes = fields.Integer(
        related="company_id.after_sales_phone_rounding_minutes", readonly=False
    )
    after_sales_phone_minimum_minutes = fields.Integer(
        related="company_id.after_sales_phone_minimum_minutes", readonly=False
    )
    after_sales_dealer_labour_product_id = fields.Many2one(
        related="company_id.after_sales_dealer_labour_product_id", readonly=False
    )
