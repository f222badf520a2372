from odoo import fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    after_sales_request_id = fields.Many2one(
        "after_sales.request",
        string="Service Request",
        index="btree_not_null",
        copy=False,
        check_company=True,
    )

    def _create_backorder_picking(self):
        # the rest of a service request's transfer still belongs to the request
        backorder = super()._create_backorder_picking()
        if self.after_sales_request_id:
            backorder.after_sales_request_id = self.after_sales_request_id
        return backorder

    def _action_done(self):
        res = super()._action_done()
        for picking in self.filtered(lambda p: p.state == "done" and p.after_sales_request_id):
            request = picking.after_sales_request_id.sudo()
            request.loan_ids._after_sales_picking_done(picking)
            request.exchange_ids._after_sales_picking_done(picking)
        return res
