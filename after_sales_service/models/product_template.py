from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    after_sales_registers_equipment = fields.Boolean(
        string="Registers Equipment",
        help="Delivering a serial of this product registers a unit of the customer's installed base.",
    )
