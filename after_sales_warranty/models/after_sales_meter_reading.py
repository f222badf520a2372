from odoo import fields, models


class AfterSalesMeterReading(models.Model):
    _inherit = "after_sales.meter.reading"

    source = fields.Selection(selection_add=[("dealer", "Dealer Claim")], ondelete={"dealer": "set default"})
