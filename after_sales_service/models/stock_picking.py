from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        res = super()._action_done()
        self._after_sales_register_equipment()
        self._after_sales_mark_returned()
        return res

    def _after_sales_registering_move_lines(self, picking_type_code):
        return self.filtered(
            lambda p: p.picking_type_code == picking_type_code and p.state == "done"
        ).move_line_ids.filtered(
            lambda ml: ml.lot_id and ml.quantity and ml.product_id.after_sales_registers_equipment
        )

    def _after_sales_register_equipment(self):
        """One unit per delivered serial of a product that registers equipment.

        A serial already registered for the company and returned earlier is
        delivered again: the same unit moves to the new customer. A serial that
        is still in service at a customer is not registered twice; the
        delivery's chatter says so.
        """
        move_lines = self._after_sales_registering_move_lines("outgoing").filtered(
            lambda ml: ml.location_dest_id.usage == "customer"
        )
        if not move_lines:
            return
        Equipment = self.env["after_sales.equipment"].sudo().with_context(active_test=False)
        existing = {
            (unit.lot_id.id, unit.company_id.id): unit
            for unit in Equipment.search([("lot_id", "in", move_lines.lot_id.ids)])
        }
        to_create = []
        for move_line in move_lines:
            # the unit's values come from the delivery and its sale order, read as superuser:
            # the storekeeper who validates needs no Sales, Accounting or After-Sales rights
            vals = Equipment._prepare_from_move_line_vals(move_line.sudo())
            unit = existing.get((move_line.lot_id.id, move_line.company_id.id))
            if not unit:
                to_create.append(vals)
            elif unit.state == "returned":
                unit.write(vals | {"active": True})
            else:
                move_line.picking_id.message_post(
                    body=self.env._(
                        "Serial %(serial)s is already registered as unit %(unit)s of %(customer)s; "
                        "no new unit was registered.",
                        serial=move_line.lot_id.name,
                        unit=unit.display_name,
                        customer=unit.partner_id.display_name,
                    )
                )
        Equipment.create(to_create)

    def _after_sales_mark_returned(self):
        """A receipt of a registered serial from a customer marks the unit returned."""
        move_lines = self._after_sales_registering_move_lines("incoming").filtered(
            lambda ml: ml.location_id.usage == "customer"
        )
        if not move_lines:
            return
        units = (
            self.env["after_sales.equipment"]
            .sudo()
            .search(
                [("lot_id", "in", move_lines.lot_id.ids), ("company_id", "in", move_lines.company_id.ids)]
            )
        )
        units.filtered(lambda u: u.state != "returned").write({"state": "returned"})
