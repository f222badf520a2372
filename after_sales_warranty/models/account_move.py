from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._after_sales_sync()
        return posted

    def button_draft(self):
        res = super().button_draft()
        self._after_sales_sync()
        return res

    def button_cancel(self):
        res = super().button_cancel()
        self._after_sales_sync()
        return res

    def _after_sales_sync(self):
        """Warranty extensions follow their invoices; posted vendor credit notes credit their claims."""
        # accountants need no After-Sales (nor Sales) rights to post, reset or cancel invoices
        sale_lines = self.sudo().filtered(lambda m: m.is_sale_document()).invoice_line_ids.sale_line_ids
        sale_lines._sync_warranty_extensions()
        refunds = self.filtered(lambda m: m.move_type == "in_refund" and m.state == "posted")
        if refunds:
            claims = (
                self.env["after_sales.vendor.claim"]
                .sudo()
                .search([("refund_move_id", "in", refunds.ids), ("state", "=", "accepted")])
            )
            claims._action_credited()
