from odoo import fields, models


class AfterSalesCause(models.Model):
    _name = "after_sales.cause"
    _description = "Service Request Cause"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char()
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
