from odoo import fields, models


class RepairOrder(models.Model):
    _inherit = "repair.order"

    after_sales_coverage_status = fields.Selection(
        related="after_sales_request_id.coverage_status", string="Coverage"
    )
