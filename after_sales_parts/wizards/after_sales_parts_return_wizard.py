from odoo import api, fields, models


class AfterSalesPartsReturnWizard(models.TransientModel):
    _name = "after_sales.parts.return.wizard"
    _description = "Return Unused Parts to Stock"

    line_id = fields.Many2one("after_sales.request.line", required=True, ondelete="cascade")
    product_id = fields.Many2one(related="line_id.product_id")
    quantity = fields.Float(digits="Product Unit", compute="_compute_quantity", store=True, readonly=False)

    @api.depends("line_id")
    def _compute_quantity(self):
        for wizard in self:
            # consumed parts are in the customer's unit: only what is still issued can go back
            wizard.quantity = max(wizard.line_id._part_qty_returnable(), 0.0) if wizard.line_id else 0.0

    def action_return(self):
        self.ensure_one()
        picking = self.line_id._return_unused(self.quantity)
        return {
            "type": "ir.actions.act_window",
            "res_model": "stock.picking",
            "res_id": picking.id,
            "view_mode": "form",
        }
