from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain


class AfterSalesLabourOperation(models.Model):
    _name = "after_sales.labour.operation"
    _description = "Labour Operation"
    _order = "code, id"
    _check_company_auto = True
    _rec_names_search = ["code", "name"]

    code = fields.Char(required=True, index=True)
    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        default=lambda self: self.env.company,
        help="Leave empty to share the operation between companies.",
    )
    product_id = fields.Many2one(
        "product.product",
        string="Unit Product",
        index="btree_not_null",
        check_company=True,
        help="The operation applies to units of this product only.",
    )
    categ_id = fields.Many2one(
        "product.category",
        string="Unit Category",
        index="btree_not_null",
        help="The operation applies to units of this category and its subcategories. Empty with "
        "no product: to every unit.",
    )
    norm_hours = fields.Float(
        digits=(16, 2),
        required=True,
        help="Standard time of the operation: claimed hours above it are flagged.",
    )
    description = fields.Text(translate=True)

    _code_company_uniq = models.Constraint(
        "UNIQUE(code, company_id)", "The code of a labour operation is unique per company."
    )

    @api.depends("code", "name")
    def _compute_display_name(self):
        for operation in self:
            operation.display_name = (
                f"[{operation.code}] {operation.name}" if operation.code else operation.name
            )

    @api.constrains("norm_hours")
    def _check_norm_hours(self):
        for operation in self:
            if operation.norm_hours <= 0:
                raise ValidationError(
                    self.env._("The norm hours of operation %s must be positive.", operation.display_name)
                )

    @api.model
    def _get_unit_domain(self, product):
        """Operations that apply to units of ``product``: its own, its category's, generic ones."""
        categ_ids = [int(cid) for cid in (product.categ_id.parent_path or "").split("/") if cid]
        return (
            (Domain("product_id", "=", product.id))
            | (Domain("product_id", "=", False) & Domain("categ_id", "in", categ_ids))
            | (Domain("product_id", "=", False) & Domain("categ_id", "=", False))
        )

    def _applies_to(self, product):
        """Whether this operation applies to units of ``product`` (no query: parent paths)."""
        self.ensure_one()
        if self.product_id:
            return self.product_id == product
        if not self.categ_id:
            return True
        return str(self.categ_id.id) in (product.categ_id.parent_path or "").split("/")
