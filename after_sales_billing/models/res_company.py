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
    after_sales_act_required = fields.Boolean(
        string="Signed Act Required Before Billing",
        help="Paid on-site work (the work lines of repair, maintenance, installation, commissioning, "
        "training and modernization requests) is billed only once the customer signed the act of "
        'completed work. Billing runs leave the other requests out, as "Act not signed".',
    )
    after_sales_phone_product_id = fields.Many2one(
        "product.product",
        string="Phone Support Product",
        domain=[("type", "=", "service")],
        help="Product of the work lines of phone calls registered by the telephony system.",
    )
    after_sales_phone_rounding_minutes = fields.Integer(
        string="Phone Call Rounding (min)",
        default=15,
        help="Phone support is billed rounded up to this many minutes (0: to the minute). "
        "Applies to calls outside a contract and is the default of new contracts.",
    )
    after_sales_phone_minimum_minutes = fields.Integer(
        string="Phone Call Minimum (min)",
        help="Phone support is billed at least this many minutes. "
        "Applies to calls outside a contract and is the default of new contracts.",
    )

    _after_sales_phone_rounding_check = models.Constraint(
        "CHECK(after_sales_phone_rounding_minutes >= 0 AND after_sales_phone_minimum_minutes >= 0)",
        "Phone call rounding and minimum cannot be negative.",
    )
    after_sales_dealer_labour_product_id = fields.Many2one(
        "product.product",
        string="Dealer Labour Product",
        domain=[("type", "=", "service")],
        help="Product of the warranty labour of dealers on their settlement bills and credit notes "
        "(its accounts and taxes apply).",
    )

    def _get_dealer_labour_product(self):
        """The product dealers' warranty labour is settled with: the company's, else the suite's."""
        self.ensure_one()
        if self.after_sales_dealer_labour_product_id:
            return self.after_sales_dealer_labour_product_id
        # resolved through the (cached) XML id, not env.ref: its exists() is a query per call,
        # and the settlement asks for the product on every labour line
        product_id = self.env["ir.model.data"]._xmlid_to_res_id(
            "after_sales_billing.product_dealer_warranty_labour", raise_if_not_found=False
        )
        return self.env["product.product"].browse(product_id or ())
