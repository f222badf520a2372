from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    after_sales_dealer_duplicate_days = fields.Integer(
        string="Duplicate Claim Window (Days)",
        default=30,
        help="A dealer claim for the same part of the same unit within so many days of an earlier "
        "claim is refused as a duplicate.",
    )
