from odoo import api, fields, models
from odoo.exceptions import ValidationError

START_BASIS = [
    ("delivery", "Delivery Date"),
    ("commissioning", "Commissioning Date"),
    ("invoice", "Invoice Date"),
]

# Terms a product inherits from its category and a unit copies from its product.
WARRANTY_TERM_FIELDS = (
    "warranty_parts_months",
    "warranty_labour_months",
    "warranty_hours_limit",
    "warranty_start_basis",
    "warranty_excluded_categ_ids",
    "service_life_years",
)


class ProductCategory(models.Model):
    _inherit = "product.category"

    warranty_parts_months = fields.Integer(string="Parts Warranty (Months)")
    warranty_labour_months = fields.Integer(string="Labour Warranty (Months)")
    warranty_hours_limit = fields.Float(
        help="Operating hours after which the warranty ends, whichever comes first. 0 means no limit.",
    )
    warranty_start_basis = fields.Selection(START_BASIS, default="delivery", required=True)
    warranty_excluded_categ_ids = fields.Many2many(
        "product.category",
        "product_category_warranty_excluded_rel",
        "categ_id",
        "excluded_categ_id",
        string="Parts Excluded from Warranty",
        help="Parts of these categories (and their subcategories), such as consumables and wear parts, "
        "are never covered by the warranty.",
    )
    service_life_years = fields.Integer(
        default=10, help="How long spare parts stay available after delivery."
    )

    @api.constrains(*WARRANTY_TERM_FIELDS[:3], "service_life_years")
    def _check_warranty_terms(self):
        for categ in self:
            if (
                min(
                    categ.warranty_parts_months,
                    categ.warranty_labour_months,
                    categ.warranty_hours_limit,
                    categ.service_life_years,
                )
                < 0
            ):
                raise ValidationError(self.env._("Warranty periods and limits cannot be negative."))
