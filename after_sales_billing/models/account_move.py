from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    after_sales_billing_run_id = fields.Many2one(
        "after_sales.billing.run",
        string="Billing Run",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
    )

    def unlink(self):
        self._after_sales_release()
        return super().unlink()

    def button_cancel(self):
        res = super().button_cancel()
        self._after_sales_release()
        return res

    def _reverse_moves(self, default_values_list=None, cancel=False):
        reverses = super()._reverse_moves(default_values_list=default_values_list, cancel=cancel)
        self.filtered(lambda move: move.move_type == "out_invoice")._after_sales_release()
        return reverses

    def _after_sales_release(self):
        """Service lines and fees billed by these moves become billable again."""
        amls = self.line_ids
        if not amls:
            return
        lines = self.env["after_sales.request.line"].sudo().search([("invoice_line_id", "in", amls.ids)])
        fees = self.env["after_sales.contract.fee"].sudo().search([("invoice_line_id", "in", amls.ids)])
        if lines:
            lines._release_invoice_lines()
        if fees:
            fees.write({"invoice_line_id": False})
