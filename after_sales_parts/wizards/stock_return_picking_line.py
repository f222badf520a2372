from odoo import models


class StockReturnPickingLine(models.TransientModel):
    _inherit = "stock.return.picking.line"

    def _prepare_move_default_values(self, new_picking):
        # parts issued to a service line and returned with Inventory's Return button come back
        # from that line, as a return made from the request does: its quantity follows
        vals = super()._prepare_move_default_values(new_picking)
        issue = self.move_id._after_sales_issues()
        if issue:
            vals.update(after_sales_line_id=issue.after_sales_line_id.id, after_sales_move_kind="return")
        return vals
