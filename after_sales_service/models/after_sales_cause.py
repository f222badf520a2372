from odoo import fields, models


class AfterSalesCause(models.Model):
    _name = "after_sales.cause"
    _description = "Service Request Cause"
    _inherit = ["after_sales.portal.mixin"]
    _order = "sequence, name"
    # a customer may read a cause's name; its code and description are internal guidance
    _portal_fields = {"name", "sequence", "active"}

    name = fields.Char(required=True, translate=True)
    code = fields.Char()
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    is_failure = fields.Boolean(
        string="Failure",
        default=True,
        help="Requests with this cause on a unit are failures of the unit in the reliability "
        "analysis (not when cancelled). Clear it for questions, consultations and other causes "
        "where nothing failed.",
    )
