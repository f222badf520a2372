from odoo import models


class StockReturnPicking(models.TransientModel):
    _inherit = "stock.return.picking"

    def _prepare_picking_default_values_based_on(self, picking):
        # a return of a service request's transfer still belongs to the request
        vals = super()._prepare_picking_default_values_based_on(picking)
        if picking.after_sales_request_id:
            vals["after_sales_request_id"] = picking.after_sales_request_id.id
        return vals
