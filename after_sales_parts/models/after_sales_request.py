from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.after_sales_service.locks import wait_for_rows


class AfterSalesRequest(models.Model):
    _inherit = "after_sales.request"

    parts_warehouse_id = fields.Many2one(
        "stock.warehouse",
        check_company=True,
        compute="_compute_parts_warehouse_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    parts_location_dest_id = fields.Many2one(
        "stock.location",
        string="Engineer's Van",
        check_company=True,
        domain="[('usage', '=', 'internal')]",
        help="Issue the parts to this location instead of the warehouse's service location.",
    )
    parts_approval_state = fields.Selection(
        [
            ("none", "No Approval Needed"),
            ("to_approve", "Waiting Approval"),
            ("approved", "Approved"),
            ("refused", "Refused"),
        ],
        string="Parts Approval",
        default="none",
        copy=False,
        tracking=True,
        index=True,
    )
    parts_picking_ids = fields.One2many("stock.picking", "after_sales_request_id", string="Parts Transfers")
    parts_picking_count = fields.Integer(compute="_compute_parts_picking_count")
    parts_to_request = fields.Boolean(
        compute="_compute_parts_to_request", help="Part lines wait to be requested from stock."
    )
    loan_ids = fields.One2many("after_sales.loan", "request_id", string="Loaner Units")
    exchange_ids = fields.One2many("after_sales.exchange", "request_id", string="Advance Exchanges")

    @api.depends("company_id")
    def _compute_parts_warehouse_id(self):
        warehouses = self.env["stock.warehouse"].search(
            [("company_id", "in", self.company_id.ids)], order="sequence, id"
        )
        for request in self:
            if request.parts_warehouse_id.company_id != request.company_id:
                request.parts_warehouse_id = warehouses.filtered(
                    lambda w, r=request: w.company_id == r.company_id
                )[:1]

    @api.depends("line_ids.line_type", "line_ids.done", "line_ids.quantity", "line_ids.product_id")
    def _compute_amount_cost(self):
        """The parts used (done part lines) at their cost, beside the labour."""
        res = super()._compute_amount_cost()
        for request in self:
            parts = request.line_ids.filtered(lambda line: line.line_type == "part" and line.done)
            request.amount_cost += parts.with_company(request.company_id)._parts_cost()
        return res

    @api.depends("line_ids.line_type", "line_ids.part_state")
    def _compute_parts_to_request(self):
        for request in self:
            request.parts_to_request = any(
                line.line_type == "part" and line.part_state in ("draft", "refused")
                for line in request.line_ids
            )

    @api.depends("line_ids.part_state", "line_ids.part_move_ids.state")
    def _compute_resolve_warning(self):
        return super()._compute_resolve_warning()

    def _compute_parts_picking_count(self):
        for request in self:
            request.parts_picking_count = len(request.parts_picking_ids)

    # -------------------------------------------------------------- actions

    def action_request_parts(self):
        """Request the part lines not requested yet: a picking, or an approval first."""
        self.ensure_one()
        lines = self._get_parts_to_request()
        lines._check_can_request_parts()
        self._check_parts_warehouse()
        if lines._needs_parts_approval():
            lines.write({"part_state": "to_approve"})
            self.parts_approval_state = "to_approve"
            self.message_post(
                body=self.env._(
                    "Parts worth %(cost)s %(currency)s wait for a manager's approval.",
                    cost=round(lines._parts_cost(), 2),
                    currency=self.company_id.currency_id.name,
                )
            )
            return True
        return self._action_issue_parts(lines)

    def action_approve_parts(self):
        self.ensure_one()
        self._check_parts_manager()
        lines = self.line_ids.filtered(lambda line: line.part_state == "to_approve")
        if not lines:
            raise UserError(self.env._("No part waits for approval on %s.", self.name))
        self.parts_approval_state = "approved"
        self.message_post(body=self.env._("Parts approved."))
        return self._action_issue_parts(lines)

    def action_refuse_parts(self, reason):
        self.ensure_one()
        self._check_parts_manager()
        if not (reason or "").strip():
            raise UserError(self.env._("Give the reason of the refusal."))
        lines = self.line_ids.filtered(lambda line: line.part_state == "to_approve")
        if not lines:
            raise UserError(self.env._("No part waits for approval on %s.", self.name))
        lines.write({"part_state": "refused", "part_refusal_reason": reason.strip()})
        self.parts_approval_state = "refused"
        self.message_post(body=self.env._("Parts refused: %s", reason.strip()))
        return True

    def action_view_parts_pickings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("stock.action_picking_tree_all")
        action["domain"] = [("after_sales_request_id", "=", self.id)]
        action["context"] = {"create": False}
        if len(self.parts_picking_ids) == 1:
            action.update(view_mode="form", views=[(False, "form")], res_id=self.parts_picking_ids.id)
        return action

    # ------------------------------------------------------------- business

    def _get_resolve_warnings(self):
        """Parts of the request not issued yet: the back office sees them before resolving or closing."""
        warnings = super()._get_resolve_warnings()
        pending = self.line_ids.filtered(
            lambda line: (
                line.line_type == "part"
                and line.quantity > 0
                and line.part_state in ("draft", "to_approve", "requested")
            )
        )
        if pending:
            statuses = dict(pending._fields["part_status"]._description_selection(self.env))
            warnings.append(
                self.env._(
                    "Parts not issued yet: %s. They are not built into the unit until the warehouse "
                    "issues them.",
                    ", ".join(
                        self.env._(
                            "%(part)s (%(qty)s %(uom)s, %(status)s)",
                            part=line.product_id.display_name or line.name,
                            qty=f"{line.quantity:g}",
                            uom=line.uom_id.name or "",
                            status=statuses.get(line.part_status, ""),
                        )
                        for line in pending
                    ),
                )
            )
        return warnings

    def _get_parts_to_request(self):
        lines = self.line_ids.filtered(
            lambda line: line.line_type == "part" and line.part_state in ("draft", "refused")
        )
        if not lines:
            raise UserError(self.env._("Request %s has no part line left to request.", self.name))
        return lines

    def _check_parts_warehouse(self):
        warehouse = self.parts_warehouse_id
        if not warehouse:
            raise UserError(self.env._("Choose the warehouse the parts come from."))
        if not warehouse.after_sales_parts_type_id:
            warehouse.sudo()._after_sales_ensure_parts_setup()

    def _check_parts_manager(self):
        if not (self.env.su or self.env.user.has_group("after_sales_service.group_after_sales_manager")):
            raise AccessError(self.env._("Only After-Sales managers approve or refuse parts."))

    def _get_open_parts_picking(self):
        picking_type = self.parts_warehouse_id.after_sales_parts_type_id
        return self.parts_picking_ids.filtered(
            lambda p: (
                p.picking_type_id == picking_type
                and p.state not in ("done", "cancel")
                and p.location_id == self.parts_warehouse_id.lot_stock_id
            )
        )[:1]

    def _prepare_parts_picking_vals(self):
        """Values of the request's parts picking (a hook for sibling modules)."""
        warehouse = self.parts_warehouse_id
        picking_type = warehouse.after_sales_parts_type_id
        return {
            "picking_type_id": picking_type.id,
            "location_id": warehouse.lot_stock_id.id,
            "location_dest_id": (self.parts_location_dest_id or warehouse.after_sales_service_loc_id).id,
            "partner_id": self.partner_id.id,
            "origin": self.name,
            "after_sales_request_id": self.id,
            "company_id": self.company_id.id,
            "scheduled_date": self.scheduled_date or fields.Datetime.now(),
        }

    def _action_issue_parts(self, lines):
        """One picking per request and warehouse: reuse the open one, reserve with Odoo's rules."""
        Picking = self.env["stock.picking"].sudo()
        picking = self._get_open_parts_picking().sudo() or Picking.create(self._prepare_parts_picking_vals())
        moves = (
            self.env["stock.move"].sudo().create([line._prepare_part_move_vals(picking) for line in lines])
        )
        for line in lines:
            line.part_qty_requested = line.quantity
        lines.write({"part_state": "requested", "part_refusal_reason": False})
        if picking.state == "draft":
            picking.action_confirm()
        else:
            moves._action_confirm()
        self._lock_parts_stock(lines.product_id, picking.location_id)
        picking.action_assign()
        return picking

    def _lock_parts_stock(self, products, location):
        """Wait for other transactions reserving ``products`` in ``location``, then see their result.

        Odoo's reservation skips quants another transaction holds, so two requests reserving the
        last unit at the same moment could both get it. Locking the quants first (not skipping
        them) makes the second wait; once the first commits, the second transaction, whose snapshot
        predates it, fails with a serialization error and is retried (as Odoo retries any request),
        this time seeing what is left.
        """
        if not products:
            return
        quants = (
            self.env["stock.quant"]
            .sudo()
            .search([("product_id", "in", products.ids), ("location_id", "child_of", location.id)])
        )
        wait_for_rows(quants)

    def _on_stage_change(self, old_stages, new_stage, keep_open_lines=None):
        """Closing a request (not cancelling it) consumes the parts still issued to it."""
        res = super()._on_stage_change(old_stages, new_stage, keep_open_lines=keep_open_lines)
        self.filtered(
            lambda r: old_stages[r.id] != new_stage and r._is_parts_consuming_stage()
        ).line_ids._consume_issued_parts()
        return res

    def _is_parts_consuming_stage(self):
        """Whether parts issued to this request are built into the customer's unit."""
        self.ensure_one()
        return self.stage_id.is_closed and not self.stage_id.is_cancel

    def _get_parts_consumption_location(self):
        """Where consumed parts go: the customer's location, as parts sold to them (a hook).

        The parts are built into the customer's unit and stay with it: their serials show at the
        customer, like the units themselves, and come back from there as exchange cores.
        """
        self.ensure_one()
        partner = self.partner_id.with_company(self.company_id)
        return partner.property_stock_customer or self.env.ref("stock.stock_location_customers")

    def _notify_parts_consumed(self, moves):
        """Log on the request which parts left the stock into the customer's unit."""
        self.ensure_one()
        parts = ", ".join(
            self.env._(
                "%(qty)s %(uom)s of %(part)s",
                qty=move.quantity,
                uom=move.product_uom.name,
                part=move.product_id.display_name,
            )
            for move in moves
        )
        self.message_post(body=self.env._("Parts consumed into the customer's unit: %s", parts))

    def _after_sales_move_serial(self, picking_type, lot, source, destination):
        """A ready picking moving the one serial ``lot`` from ``source`` to ``destination``."""
        self.ensure_one()
        picking = (
            self.env["stock.picking"]
            .sudo()
            .create(
                {
                    "picking_type_id": picking_type.id,
                    "location_id": source.id,
                    "location_dest_id": destination.id,
                    "partner_id": self.partner_id.id,
                    "origin": self.name,
                    "after_sales_request_id": self.id,
                    "company_id": self.company_id.id,
                    "move_ids": [
                        fields.Command.create(
                            {
                                "product_id": lot.product_id.id,
                                "product_uom_qty": 1,
                                "product_uom": lot.product_id.uom_id.id,
                                "location_id": source.id,
                                "location_dest_id": destination.id,
                                "company_id": self.company_id.id,
                            }
                        )
                    ],
                }
            )
        )
        picking.action_confirm()
        move = picking.move_ids
        move.move_line_ids.unlink()
        self.env["stock.move.line"].sudo().create(
            {
                "move_id": move.id,
                "picking_id": picking.id,
                "product_id": lot.product_id.id,
                "lot_id": lot.id,
                "quantity": 1,
                "location_id": source.id,
                "location_dest_id": destination.id,
            }
        )
        return picking
