from odoo import fields, models


class StockMove(models.Model):
    _inherit = "stock.move"

    after_sales_line_id = fields.Many2one(
        "after_sales.request.line",
        string="Service Line",
        index="btree_not_null",
        copy=False,
        ondelete="set null",
    )
    after_sales_request_id = fields.Many2one(
        related="after_sales_line_id.request_id", string="Service Request", store=True, index="btree_not_null"
    )

    def _prepare_merge_moves_distinct_fields(self):
        # each service line keeps its own move: what it reserved, issued and returned
        return [*super()._prepare_merge_moves_distinct_fields(), "after_sales_line_id"]

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        service_moves = moves.filtered(lambda m: m.after_sales_line_id and m.state == "done")
        if service_moves:
            service_moves.after_sales_line_id.sudo()._after_sales_parts_moved(service_moves)
        return moves
