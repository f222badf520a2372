from odoo import api, fields, models
from odoo.exceptions import ValidationError


class AfterSalesWarrantyExtension(models.Model):
    _name = "after_sales.warranty.extension"
    _description = "Warranty Extension"
    _order = "equipment_id, date, id"
    _check_company_auto = True

    equipment_id = fields.Many2one(
        "after_sales.equipment", required=True, index=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one(related="equipment_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="equipment_id.partner_id", string="Customer")
    product_id = fields.Many2one("product.product", string="Extension Product", check_company=True)
    months = fields.Integer(required=True)
    scope = fields.Selection(
        [("both", "Parts and Labour"), ("parts", "Parts Only"), ("labour", "Labour Only")],
        string="Covers",
        required=True,
        default="both",
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    sale_line_id = fields.Many2one(
        "sale.order.line", string="Sale Order Line", readonly=True, index="btree_not_null", copy=False
    )
    sale_order_id = fields.Many2one(related="sale_line_id.order_id", string="Sale Order")
    note = fields.Char()

    _sale_line_uniq = models.Constraint(
        "UNIQUE(sale_line_id)", "A sale order line extends the warranty of one unit once."
    )

    @api.constrains("months")
    def _check_months(self):
        if any(extension.months <= 0 for extension in self):
            raise ValidationError(self.env._("A warranty extension needs a positive number of months."))

    @api.model_create_multi
    def create(self, vals_list):
        extensions = super().create(vals_list)
        for extension in extensions:
            extension.equipment_id.message_post(
                body=self.env._(
                    "Warranty extended by %(months)s months (%(scope)s).",
                    months=extension.months,
                    scope=dict(extension._fields["scope"]._description_selection(self.env))[extension.scope],
                )
            )
        return extensions

    @api.ondelete(at_uninstall=False)
    def _unlink_post_message(self):
        for extension in self:
            extension.equipment_id.message_post(
                body=self.env._("Warranty extension of %s months removed.", extension.months)
            )
