from odoo import fields, models


class AfterSalesEstimateLine(models.Model):
    _name = "after_sales.estimate.line"
    _description = "Service Estimate Line"
    _inherit = ["after_sales.portal.mixin"]
    _order = "estimate_id, sequence, id"
    # the lines of the customer's estimate page
    _portal_fields = {
        "estimate_id",
        "sequence",
        "name",
        "quantity",
        "price_unit",
        "price_subtotal",
        "coverage",
        "amount_charged",
        "currency_id",
    }

    estimate_id = fields.Many2one("after_sales.estimate", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="estimate_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="estimate_id.currency_id")
    sequence = fields.Integer(default=10)
    request_line_id = fields.Many2one("after_sales.request.line", index="btree_not_null", ondelete="set null")
    line_type = fields.Selection(
        [("work", "Work"), ("part", "Part"), ("other", "Other")], string="Type", readonly=True
    )
    product_id = fields.Many2one("product.product", readonly=True)
    name = fields.Text(string="Description", readonly=True)
    quantity = fields.Float(digits="Product Unit", readonly=True)
    price_unit = fields.Float(string="Unit Price", digits="Product Price", readonly=True)
    price_subtotal = fields.Monetary(string="Amount", readonly=True)
    coverage = fields.Selection(
        [("warranty", "Warranty"), ("contract", "Contract"), ("goodwill", "Goodwill"), ("paid", "Paid")],
        readonly=True,
    )
    amount_charged = fields.Monetary(string="Customer Pays", readonly=True)
