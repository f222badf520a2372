from odoo import api, fields, models


class RepairOrder(models.Model):
    _inherit = "repair.order"

    after_sales_request_id = fields.Many2one(
        "after_sales.request",
        string="Service Request",
        index="btree_not_null",
        check_company=True,
        copy=False,
        tracking=True,
    )

    @api.model_create_multi
    def create(self, vals_list):
        repairs = super().create(vals_list)
        # repair users need no After-Sales rights: the unit's state is the suite's own
        repairs.sudo().after_sales_request_id.equipment_id.filtered(lambda u: u.state == "in_service").write(
            {"state": "in_repair"}
        )
        return repairs

    def action_repair_done(self):
        res = super().action_repair_done()
        self._after_sales_record_parts()
        self._after_sales_release_units()
        return res

    def _after_sales_record_parts(self):
        """Consumed parts become service lines of the request, exactly once per move."""
        linked = self.sudo().filtered(lambda r: r.state == "done" and r.after_sales_request_id)
        moves = linked.move_ids.filtered(lambda m: m.repair_line_type == "add" and m.state == "done")
        if not moves:
            return
        Line = self.env["after_sales.request.line"].sudo()
        recorded = Line.search([("repair_move_id", "in", moves.ids)]).repair_move_id
        Line.create([Line._prepare_from_repair_move_vals(move) for move in moves - recorded])

    def _after_sales_release_units(self):
        units = self.sudo().filtered(lambda r: r.state == "done").after_sales_request_id.equipment_id
        units.filtered(lambda u: u.state == "in_repair").write({"state": "in_service"})
