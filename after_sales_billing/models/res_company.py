from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    after_sales_pricelist_id = fields.Many2one(
        "product.pricelist",
        string="Default Service Price List",
        help="Prices service lines of customers without a contract or customer price list.",
    )
    after_sales_refurbished_factor = fields.Float(
        string="Refurbished Price Factor",
        default=0.7,
        digits=(16, 4),
        help="Refurbished parts cost this share of the price of a new part.",
    )
    after_sales_invoice_covered_lines = fields.Boolean(
        string="Show Covered Lines on Invoices",
        help="Warranty, contract and goodwill lines appear on the invoice at zero price.",
    )
    after_sales_estimate_threshold = fields.Monetary(
        string="Accepted Estimate Required Above",
        currency_field="currency_id",
        help="Work whose customer-paid amount exceeds this needs an estimate accepted by the customer "
        "before lines are done or the request is resolved. Zero: no estimate required.",
    )
