import datetime

from odoo import api, models
from odoo.tools import SQL


class AfterSalesDemoHistory(models.AbstractModel):
    _inherit = "after_sales.demo.history"

    @api.model
    def _issue_history_parts(self):
        """Demo data only: issue from stock the parts of the generated history's requests.

        The part lines of the history (``after_sales_service.history_request_*``) not issued yet
        get their stock (an inventory adjustment) and a done issue move each, dated a few hours
        before their request was resolved; the closed requests consume them into the customer's
        unit, as closing does. The parts forecast reads these moves.
        """
        names = self.env["ir.model.data"].search_fetch(
            [("module", "=", "after_sales_service"), ("name", "=like", "history_request_%_demo")],
            ["res_id"],
        )
        requests = self.env["after_sales.request"].browse(names.mapped("res_id")).exists()
        lines = requests.line_ids.filtered(
            lambda line: line.line_type == "part" and line.product_id.is_storable and not line.part_move_ids
        )
        if not lines:
            return self.env["stock.move"]
        needed = {}
        for line in lines:
            warehouse = line.request_id.parts_warehouse_id
            key = (line.product_id, warehouse.lot_stock_id)
            needed[key] = needed.get(key, 0.0) + line.quantity
        Quant = self.env["stock.quant"].with_context(inventory_mode=True)
        quants = Quant.create(
            [
                {
                    "product_id": product.id,
                    "location_id": location.id,
                    "inventory_quantity": product.with_context(location=location.id).qty_available + qty,
                }
                for (product, location), qty in needed.items()
            ]
        )
        quants.action_apply_inventory()
        Move = self.env["stock.move"].with_context(tracking_disable=True)
        moves = Move.create(
            [
                {
                    "product_id": line.product_id.id,
                    "product_uom_qty": line.quantity,
                    "product_uom": line.uom_id.id or line.product_id.uom_id.id,
                    "location_id": line.request_id.parts_warehouse_id.lot_stock_id.id,
                    "location_dest_id": line.request_id.parts_warehouse_id.after_sales_service_loc_id.id,
                    "warehouse_id": line.request_id.parts_warehouse_id.id,
                    "company_id": line.request_id.company_id.id,
                    "after_sales_line_id": line.id,
                    "after_sales_move_kind": "issue",
                    "origin": line.request_id.name,
                }
                for line in lines
            ]
        )
        moves._action_confirm()
        moves._action_assign()
        for move in moves:
            move.quantity = move.product_uom_qty
        moves.picked = True
        moves._action_done()
        self.env.flush_all()
        # the history's dates: issued before the resolution, consumed at it
        issued = {
            line.id: line.request_id.sla_resolution_date - datetime.timedelta(hours=3) for line in lines
        }
        self.env.cr.execute(
            SQL(
                """
                WITH d AS (SELECT * FROM unnest(%s::int[], %s::timestamp[]) AS d(line_id, issued))
                UPDATE stock_move sm
                   SET date = CASE WHEN sm.after_sales_move_kind = 'consume'
                                   THEN d.issued + INTERVAL '3 hours' ELSE d.issued END
                  FROM d
                 WHERE sm.after_sales_line_id = d.line_id
                """,
                list(issued),
                list(issued.values()),
            )
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE stock_move_line sml SET date = sm.date
                  FROM stock_move sm
                 WHERE sml.move_id = sm.id AND sm.after_sales_line_id = ANY(%s)
                """,
                list(issued),
            )
        )
        self.env.invalidate_all()
        return moves
