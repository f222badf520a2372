from odoo import api, fields, models


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
    after_sales_move_kind = fields.Selection(
        [("issue", "Issue"), ("return", "Return"), ("consume", "Consumption")],
        string="Service Move Kind",
        copy=False,
        readonly=True,
        help="Issue: from stock to the service location or van; Return: unused parts back to stock; "
        "Consumption: parts built into the customer's unit when the request is closed.",
    )

    @api.depends("after_sales_line_id.request_id.name", "after_sales_move_kind")
    def _compute_reference(self):
        # consumption moves have no picking: like repair's part moves, they carry the request's number
        res = super()._compute_reference()
        for move in self:
            if not move.picking_id and move.after_sales_move_kind == "consume":
                # warehouse staff need no After-Sales rights to see the request's number
                move.reference = move.after_sales_line_id.sudo().request_id.name
        return res

    def _after_sales_issues(self):
        """Moves issuing parts to a service line (from stock to the service location or van)."""
        return self.filtered(
            lambda m: (
                m.after_sales_line_id
                and not m.origin_returned_move_id
                and m.after_sales_move_kind not in ("return", "consume")
            )
        )

    def _after_sales_returns(self):
        """Moves bringing unused parts of a service line back to stock."""
        return self.filtered(
            lambda m: (
                m.after_sales_line_id
                and (m.origin_returned_move_id or m.after_sales_move_kind == "return")
                and m.after_sales_move_kind != "consume"
            )
        )

    def _after_sales_consumptions(self):
        """Moves of parts built into the customer's unit when the request was closed."""
        return self.filtered(lambda m: m.after_sales_line_id and m.after_sales_move_kind == "consume")

    def _prepare_merge_moves_distinct_fields(self):
        # each service line keeps its own move: what it reserved, issued and returned
        return [*super()._prepare_merge_moves_distinct_fields(), "after_sales_line_id"]

    def _prepare_move_split_vals(self, qty):
        # a backorder of a partly issued part still belongs to its service line
        vals = super()._prepare_move_split_vals(qty)
        if self.after_sales_line_id:
            vals.update(
                after_sales_line_id=self.after_sales_line_id.id,
                after_sales_move_kind=self.after_sales_move_kind,
            )
        return vals

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        service_moves = moves.filtered(
            lambda m: m.after_sales_line_id and m.state == "done" and m.after_sales_move_kind != "consume"
        )
        if service_moves:
            service_moves.after_sales_line_id.sudo()._after_sales_parts_moved(service_moves)
        return moves

    def _action_cancel(self):
        returns = self.filtered(lambda m: m.state not in ("done", "cancel"))._after_sales_returns()
        res = super()._action_cancel()
        # a return cancelled after its request was closed: the parts stay in the customer's unit
        # (as the cancelling user: the consumption moves are stock moves like the others)
        returns.filtered(lambda m: m.state == "cancel").after_sales_line_id._consume_issued_parts_if_closed()
        return res
