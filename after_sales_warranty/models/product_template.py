from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .product_category import START_BASIS, WARRANTY_TERM_FIELDS


class ProductTemplate(models.Model):
    _inherit = "product.template"

    warranty_custom = fields.Boolean(
        string="Product-Specific Warranty",
        help="Set this product's own warranty terms instead of its category's.",
    )
    warranty_parts_months = fields.Integer(
        string="Parts Warranty (Months)", compute="_compute_warranty_terms", store=True, readonly=False
    )
    warranty_labour_months = fields.Integer(
        string="Labour Warranty (Months)", compute="_compute_warranty_terms", store=True, readonly=False
    )
    warranty_hours_limit = fields.Float(
        compute="_compute_warranty_terms",
        store=True,
        readonly=False,
        help="Operating hours after which the warranty ends, whichever comes first. 0 means no limit.",
    )
    warranty_start_basis = fields.Selection(
        START_BASIS, compute="_compute_warranty_terms", store=True, readonly=False
    )
    warranty_excluded_categ_ids = fields.Many2many(
        "product.category",
        "product_template_warranty_excluded_rel",
        "product_tmpl_id",
        "excluded_categ_id",
        string="Parts Excluded from Warranty",
        compute="_compute_warranty_terms",
        store=True,
        readonly=False,
    )
    service_life_years = fields.Integer(
        compute="_compute_warranty_terms",
        store=True,
        readonly=False,
        help="How long spare parts stay available after delivery (10 years when not set).",
    )
    is_warranty_extension = fields.Boolean(
        string="Warranty Extension",
        help="Selling this product on a line linked to a unit extends the unit's warranty.",
    )
    warranty_extension_months = fields.Integer(string="Extension (Months)")
    warranty_extension_scope = fields.Selection(
        [("both", "Parts and Labour"), ("parts", "Parts Only"), ("labour", "Labour Only")],
        string="Extension Covers",
        default="both",
    )
    vendor_warranty_months = fields.Integer(
        string="Vendor Warranty (Months)",
        help="Default warranty the vendor gives us, used when the vendor line sets none.",
    )

    @api.depends(
        "warranty_custom",
        "categ_id",
        *(f"categ_id.{name}" for name in WARRANTY_TERM_FIELDS),
    )
    def _compute_warranty_terms(self):
        for template in self:
            if template.warranty_custom:
                # keep the product's own terms (assigning the value marks it computed)
                for name in WARRANTY_TERM_FIELDS:
                    template[name] = template[name]
                template.warranty_start_basis = template.warranty_start_basis or "delivery"
                continue
            categ = template.categ_id
            template.update(
                {
                    "warranty_parts_months": categ.warranty_parts_months,
                    "warranty_labour_months": categ.warranty_labour_months,
                    "warranty_hours_limit": categ.warranty_hours_limit,
                    "warranty_start_basis": categ.warranty_start_basis or "delivery",
                    "warranty_excluded_categ_ids": categ.warranty_excluded_categ_ids,
                    "service_life_years": categ.service_life_years or 10,
                }
            )

    @api.constrains(
        "warranty_parts_months",
        "warranty_labour_months",
        "warranty_hours_limit",
        "service_life_years",
        "warranty_extension_months",
        "vendor_warranty_months",
    )
    def _check_warranty_terms(self):
        for template in self:
            values = (
                template.warranty_parts_months,
                template.warranty_labour_months,
                template.warranty_hours_limit,
                template.service_life_years,
                template.warranty_extension_months,
                template.vendor_warranty_months,
            )
            if min(values) < 0:
                raise ValidationError(self.env._("Warranty periods and limits cannot be negative."))
            if template.is_warranty_extension and template.warranty_extension_months <= 0:
                raise ValidationError(
                    self.env._("Warranty extension %s needs a number of months.", template.display_name)
                )

    def _get_warranty_terms_vals(self):
        """Warranty terms a unit of this product copies at registration (a hook)."""
        self.ensure_one()
        return {
            "warranty_parts_months": self.warranty_parts_months,
            "warranty_labour_months": self.warranty_labour_months,
            "warranty_hours_limit": self.warranty_hours_limit,
            "warranty_start_basis": self.warranty_start_basis or "delivery",
            "warranty_excluded_categ_ids": [fields.Command.set(self.warranty_excluded_categ_ids.ids)],
            "service_life_years": self.service_life_years or 10,
        }
