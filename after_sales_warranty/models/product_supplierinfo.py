from odoo import fields, models


class ProductSupplierinfo(models.Model):
    _inherit = "product.supplierinfo"

    warranty_months = fields.Integer(
        string="Vendor Warranty (Months)",
        help="Warranty this vendor gives on the product; warranty work within it is claimed from the vendor.",
    )
