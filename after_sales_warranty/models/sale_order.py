from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _action_cancel(self):
        res = super()._action_cancel()
        self.order_line._sync_warranty_extensions()
        return res

    def action_draft(self):
        res = super().action_draft()
        self.order_line._sync_warranty_extensions()
        return res
