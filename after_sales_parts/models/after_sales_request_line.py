from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare

from odoo.addons.after_sales_service.locks import serialize_on_rows

from .stock_lot import GRADES

PART_STATES = [
    ("draft", "To Request"),
    ("to_approve", "Waiting Approval"),
    ("refused", "Refused"),
    ("requested", "Requested"),
    ("issued", "Issued"),
]


class AfterSalesRequestLine(models.Model):
    _inherit = "after_sales.request.line"

    quantity_method = fields.Selection(
        selection_add=[("stock", "Stock Moves")], ondelete={"stock": "set manual"}
    )

    part_lot_id = fields.Many2one(
        "stock.lot",
        string="Part Lot/Serial",
        check_company=True,
        domain="[('product_id', '=', product_id)]",
        help="The lot or serial of the part used.",
    )
    part_grade = fields.Selection(
        GRADES,
        string="Grade",
        compute="_compute_part_grade",
        store=True,
        readonly=False,
        precompute=True,
        help="Taken from the part's lot; billing prices refurbished parts by their grade.",
    )
    part_state = fields.Selection(PART_STATES, string="Parts Status", default="draft", copy=False, index=True)
    part_refusal_reason = fields.Char(string="Refusal Reason", copy=False)
    part_move_ids = fields.One2many("stock.move", "after_sales_line_id", string="Stock Moves")
    part_qty_requested = fields.Float(string="Requested", digits="Product Unit", copy=False, readonly=True)
    part_qty_reserved = fields.Float(string="Reserved", digits="Product Unit", compute="_compute_part_stock")
    part_availability = fields.Selection(
        [
            ("none", "Not Requested"),
            ("waiting", "Not Available"),
            ("partially_available", "Partially Available"),
            ("assigned", "Available"),
            ("done", "Issued"),
        ],
        string="Availability",
        compute="_compute_part_stock",
    )
    part_expected_date = fields.Datetime(string="Expected", compute="_compute_part_stock")
    part_status = fields.Selection(
        [
            ("draft", "To Request"),
            ("to_approve", "Waiting Approval"),
            ("refused", "Refused"),
            ("waiting", "Not Available"),
            ("partially_available", "Partially Available"),
            ("assigned", "Available"),
            ("issued", "Issued"),
        ],
        compute="_compute_part_status",
        help="Where the part is: to request, waiting for approval, refused, requested and available "
        "(reserved) or not yet (expected on the date shown), or issued.",
    )
    part_qty_issued = fields.Float(string="Issued", digits="Product Unit", compute="_compute_part_stock")
    part_qty_returned = fields.Float(string="Returned", digits="Product Unit", compute="_compute_part_stock")
    part_qty_consumed = fields.Float(
        string="Consumed",
        digits="Product Unit",
        compute="_compute_part_stock",
        help="Issued parts built into the customer's unit: moved out of stock to the customer "
        "when the request was closed.",
    )

    @api.depends("part_lot_id.after_sales_grade", "line_type")
    def _compute_part_grade(self):
        for line in self:
            if line.line_type != "part":
                line.part_grade = False
            elif line.part_lot_id:
                line.part_grade = line.part_lot_id.after_sales_grade
            elif not line.part_grade:
                line.part_grade = "new"

    @api.depends(
        "part_move_ids.state",
        "part_move_ids.quantity",
        "part_move_ids.date",
        "part_move_ids.after_sales_move_kind",
    )
    def _compute_part_stock(self):
        for line in self:
            moves = line.part_move_ids.filtered(lambda m: m.state != "cancel")
            issues = moves._after_sales_issues()
            returns = moves._after_sales_returns().filtered(lambda m: m.state == "done")
            consumptions = moves._after_sales_consumptions().filtered(lambda m: m.state == "done")
            open_issues = issues.filtered(lambda m: m.state != "done")
            line.part_qty_issued = line._part_qty_of(issues.filtered(lambda m: m.state == "done"))
            line.part_qty_returned = line._part_qty_of(returns)
            line.part_qty_consumed = line._part_qty_of(consumptions)
            line.part_qty_reserved = line._part_qty_of(
                open_issues.filtered(lambda m: m.state in ("assigned", "partially_available"))
            )
            line.part_expected_date = min(open_issues.mapped("date")) if open_issues else False
            if not issues:
                line.part_availability = "none"
            elif not open_issues:
                line.part_availability = "done"
            elif all(m.state == "assigned" for m in open_issues):
                line.part_availability = "assigned"
            elif line.part_qty_reserved:
                line.part_availability = "partially_available"
            else:
                line.part_availability = "waiting"

    @api.depends("line_type", "part_state", "part_availability")
    def _compute_part_status(self):
        """A requested part says whether the stock holds it for the request: reserved or not yet."""
        for line in self:
            if line.line_type != "part":
                line.part_status = False
            elif line.part_state == "requested" and line.part_availability in (
                "waiting",
                "partially_available",
                "assigned",
            ):
                line.part_status = line.part_availability
            elif line.part_state == "requested":
                line.part_status = "issued" if line.part_availability == "done" else "waiting"
            else:
                line.part_status = line.part_state

    def _part_qty_of(self, moves, field="quantity"):
        """Sum of ``field`` of ``moves`` in the line's unit."""
        self.ensure_one()
        return sum(m.product_uom._compute_quantity(m[field], self.uom_id or m.product_uom) for m in moves)

    @api.depends("line_type", "part_move_ids.state", "part_move_ids.after_sales_move_kind")
    def _compute_quantity_method(self):
        """A part requested from stock: its stock moves own what was used (and so whether it is done)."""
        from_stock = self.filtered(lambda line: line._is_part_from_stock())
        from_stock.quantity_method = "stock"
        return super(AfterSalesRequestLine, self - from_stock)._compute_quantity_method()

    # a move's quantity is final when it becomes done: its state is the one trigger needed
    # (and keeps the quantity precomputed on create)
    @api.depends("part_move_ids.state")
    def _compute_quantity(self):
        """A part issued from stock: what stayed with the customer (issued less returned); while
        nothing is issued yet, the quantity requested (which its open issue move follows)."""
        from_stock = self.filtered(lambda line: line.quantity_method == "stock")
        for line in from_stock.filtered(lambda line: line._is_quantity_from_stock()):
            line.quantity = max(line.part_qty_issued - line.part_qty_returned, 0.0)
        for line in from_stock.filtered(lambda line: not line._is_quantity_from_stock()):
            line.quantity = line.quantity or 1.0
        return super(AfterSalesRequestLine, self - from_stock)._compute_quantity()

    def _allows_zero_quantity(self):
        # every issued unit came back: nothing was used, the stock moves say zero
        return super()._allows_zero_quantity() or self._is_quantity_from_stock()

    def _is_part_from_stock(self):
        """Whether this part line was requested from stock: it has issue moves not cancelled."""
        self.ensure_one()
        return self.line_type == "part" and bool(
            self.part_move_ids._after_sales_issues().filtered(lambda m: m.state != "cancel")
        )

    def _is_quantity_from_stock(self):
        """Whether the stock moves own this line's quantity: a part with issued moves done."""
        self.ensure_one()
        return (
            self.line_type == "part"
            and bool(self.part_move_ids)
            and any(m.state == "done" for m in self.part_move_ids._after_sales_issues())
        )

    def _get_protected_fields(self):
        protected = super()._get_protected_fields()
        if self.part_state in ("requested", "issued"):
            message = self.env._("A part already requested from stock cannot change product or type.")
            protected.update(dict.fromkeys(("product_id", "line_type"), message))
        return protected

    def _get_closed_protected_fields(self):
        # the stock moves may still issue or return the parts of a closed request's line
        return super()._get_closed_protected_fields() - {
            "part_state",
            "part_lot_id",
            "part_grade",
            "part_qty_requested",
        }

    def _get_owned_fields(self):
        owned = super()._get_owned_fields()
        if self.quantity_method == "stock":
            owned["done"] = self.env._(
                "%s is done when it is issued from stock, and stays done while it is not returned: "
                "return the unused parts instead.",
                self.product_id.display_name,
            )
            if self._is_quantity_from_stock():
                owned["quantity"] = self.env._(
                    "The quantity of %s follows what was issued from stock: request the additional "
                    "parts on a new part line, or return the unused parts.",
                    self.product_id.display_name,
                )
        return owned

    def _get_owner_values(self):
        values = super()._get_owner_values()
        if self.quantity_method == "stock":
            values["done"] = self.part_qty_issued - self.part_qty_returned > 0
        return values

    def write(self, vals):
        requested = self.browse()
        if "quantity" in vals:
            requested = self.filtered(
                lambda line: line.quantity_method == "stock" and not line._is_quantity_from_stock()
            )
            requested._check_part_quantity_change(vals["quantity"])
        res = super().write(vals)
        if requested:
            requested._update_part_moves_quantity()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_requested(self):
        if self.filtered(lambda line: line.part_state in ("requested", "issued")):
            raise UserError(
                self.env._("A part already requested from stock cannot be deleted; return it instead.")
            )

    # ------------------------------------------------------------- business

    def _check_can_request_parts(self):
        for line in self:
            if line.line_type != "part" or not line.product_id:
                raise UserError(self.env._("Only part lines with a product can be requested from stock."))
            if not line.product_id.is_storable:
                raise UserError(
                    self.env._(
                        "%s is not a stored product: only stored parts are requested from stock.",
                        line.product_id.display_name,
                    )
                )
            if float_compare(line.quantity, 0.0, precision_rounding=line.uom_id.rounding or 0.01) <= 0:
                raise UserError(self.env._("Give a positive quantity for %s.", line.product_id.display_name))

    def _check_part_quantity_change(self, quantity):
        """Refuse ``quantity`` for these requested parts where the stock cannot follow it."""
        for line in self:
            rounding = line.uom_id.rounding or 0.01
            if float_compare(quantity, line.quantity, precision_rounding=rounding) == 0:
                continue
            if float_compare(quantity, 0.0, precision_rounding=rounding) <= 0:
                raise UserError(
                    self.env._(
                        "%s is requested from stock: cancel its transfer instead of setting no quantity.",
                        line.product_id.display_name,
                    )
                )
            if not line._get_open_part_issue():
                raise UserError(
                    self.env._(
                        "The transfer of %s can no longer change: request the additional parts on a "
                        "new part line, or return the unused parts.",
                        line.product_id.display_name,
                    )
                )
            more = float_compare(quantity, line.quantity, precision_rounding=rounding) > 0
            if more and line._needs_parts_approval_at(quantity):
                raise UserError(
                    self.env._(
                        "%s over what was requested needs a manager's approval: request the additional "
                        "parts on a new part line.",
                        line.product_id.display_name,
                    )
                )

    def _get_open_part_issue(self):
        """The one open move issuing this requested part (none issued yet), or an empty recordset."""
        self.ensure_one()
        issues = self.sudo().part_move_ids._after_sales_issues().filtered(lambda m: m.state != "cancel")
        if len(issues) != 1 or issues.state == "done":
            return self.env["stock.move"]
        return issues

    def _update_part_moves_quantity(self):
        """The open issue move of these requested parts asks for their new quantity, reserved again."""
        for line in self:
            move = line._get_open_part_issue()
            if not move or move.product_uom_qty == line.quantity:
                continue
            move._do_unreserve()
            move.write({"product_uom_qty": line.quantity, "product_uom": line.uom_id.id})
            move._action_assign()
            line.part_qty_requested = line.quantity
            line.request_id.message_post(
                body=self.env._(
                    "%(part)s: the transfer now asks for %(qty)s %(uom)s.",
                    part=line.product_id.display_name,
                    qty=line.quantity,
                    uom=line.uom_id.name,
                )
            )

    def _needs_parts_approval_at(self, quantity):
        """Whether this part at ``quantity`` would need a manager's approval to be requested."""
        self.ensure_one()
        company = self.company_id or self.env.company
        threshold = company.after_sales_parts_approval_threshold
        cost = quantity * self.product_id.standard_price
        return self.product_id.after_sales_needs_approval or (threshold > 0 and cost > threshold)

    def _parts_cost(self):
        return sum(line.quantity * line.product_id.standard_price for line in self)

    def _needs_parts_approval(self):
        company = self.company_id[:1] or self.env.company
        threshold = company.after_sales_parts_approval_threshold
        flagged = any(self.product_id.mapped("after_sales_needs_approval"))
        return flagged or (threshold > 0 and self._parts_cost() > threshold)

    def _prepare_part_move_vals(self, picking):
        """Values of the stock move issuing this part line on ``picking`` (a hook)."""
        self.ensure_one()
        return {
            "product_id": self.product_id.id,
            "product_uom_qty": self.quantity,
            "product_uom": self.uom_id.id,
            "location_id": picking.location_id.id,
            "location_dest_id": picking.location_dest_id.id,
            "picking_id": picking.id,
            "picking_type_id": picking.picking_type_id.id,
            "warehouse_id": picking.picking_type_id.warehouse_id.id,
            "company_id": picking.company_id.id,
            "after_sales_line_id": self.id,
            "after_sales_move_kind": "issue",
            "origin": self.request_id.name,
            "description_picking": self.name,
        }

    def _after_sales_parts_moved(self, moves):
        """Issued or returned moves are done: the billable quantity is what stayed consumed.

        Parts issued after their request was closed are consumed at once: a closed request
        keeps nothing in the service location.
        """
        for line in self:
            consumed = line.part_qty_issued - line.part_qty_returned
            # the quantity follows the moves (_compute_quantity); all returned: nothing is done
            vals = {"part_state": "issued", "done": consumed > 0}
            issued_lots = (
                moves.filtered(lambda m, line=line: m.after_sales_line_id == line)
                ._after_sales_issues()
                .move_line_ids.lot_id
            )
            if issued_lots:
                vals["part_lot_id"] = issued_lots[:1].id
            line.write(vals)
            if issued_lots and line.product_id.tracking != "none" and line.equipment_id:
                line.equipment_id.sudo()._after_sales_install_components(
                    line.product_id, issued_lots, line.request_id
                )

        # consumed under the rights of whoever moved the parts (``moves``' user), like the moves
        (self & moves._after_sales_issues().after_sales_line_id).with_env(
            moves.env
        )._consume_issued_parts_if_closed()

    def _consume_issued_parts(self):
        """Build what is still issued to these part lines into the customer's unit.

        Like the part moves of Odoo's repair orders, these are plain moves without a picking,
        done at once: one per line and location the parts were issued to, from there to the
        customer, with the lots and serials that were issued. Returns the done moves.
        """
        # The lines and requests are read as superuser: a storekeeper validating a late issue has
        # no After-Sales rights. The moves are not: they are created and done under the rights of
        # the closing or validating user (After-Sales users are stock users, an implied group).
        lines = self.sudo().filtered(lambda line: line.line_type == "part" and line.part_state == "issued")
        # read every line's moves and move lines in a few queries, not per line
        lines.part_move_ids.move_line_ids.mapped("quantity_product_uom")
        vals_list = [vals for line in lines for vals in line._prepare_part_consumption_moves_vals()]
        if not vals_list:
            return self.env["stock.move"]
        moves = self.env["stock.move"].create(vals_list)
        moves._action_done()
        for request in moves.sudo().after_sales_request_id:
            request._notify_parts_consumed(moves.filtered(lambda m, r=request: m.after_sales_request_id == r))
        return moves

    def _consume_issued_parts_if_closed(self):
        """A closed request keeps nothing issued: consume what these lines hold if theirs is closed.

        For parts issued, or returns cancelled, after the request was closed.
        """
        # the request's stage is the suite's bookkeeping, read whatever the caller's rights
        return self.filtered(
            lambda line: line.sudo().request_id._is_parts_consuming_stage()
        )._consume_issued_parts()

    def _part_quantities_to_consume(self):
        """What this line issued and is still in place, in the product's unit.

        A list of ``(location, lot, package, owner, quantity)``: the issued move lines, less
        what was returned or consumed from the same place and lot, less returns on their way.
        """
        self.ensure_one()
        uom = self.product_id.uom_id
        moves = self.part_move_ids.filtered(lambda m: m.state != "cancel").sorted(lambda m: (m.date, m.id))
        issues = moves._after_sales_issues().filtered(lambda m: m.state == "done")
        outs = moves._after_sales_returns() | moves._after_sales_consumptions().filtered(
            lambda m: m.state == "done"
        )

        def qty(move):
            done = move.quantity if move.state == "done" else move.product_uom_qty
            return move.product_uom._compute_quantity(done, uom, round=False)

        left = sum(qty(m) for m in issues) - sum(qty(m) for m in outs)
        in_place = defaultdict(float)
        for ml in issues.move_line_ids:
            in_place[ml.location_dest_id, ml.lot_id, ml.result_package_id, ml.owner_id] += (
                ml.quantity_product_uom
            )
        for ml in outs.move_line_ids:
            in_place[ml.location_id, ml.lot_id, ml.package_id, ml.owner_id] -= ml.quantity_product_uom
        quantities = []
        for (location, lot, package, owner), quantity in in_place.items():
            if uom.compare(left, 0.0) <= 0:
                break
            if uom.compare(quantity, 0.0) > 0:
                taken = min(quantity, left)
                quantities.append((location, lot, package, owner, taken))
                left -= taken
        return quantities

    def _prepare_part_consumption_moves_vals(self):
        """Values of the consumption moves of this line: one per location its parts are in."""
        self.ensure_one()
        by_location = defaultdict(list)
        for location, *rest in self._part_quantities_to_consume():
            by_location[location].append(rest)
        destination = self.request_id._get_parts_consumption_location()
        return [
            self._prepare_part_consumption_move_vals(location, destination, quantities)
            for location, quantities in by_location.items()
        ]

    def _prepare_part_consumption_move_vals(self, source, destination, quantities):
        """Values of the done move consuming ``quantities`` (``[lot, package, owner, quantity]``
        in the product's unit) of this part from ``source`` into ``destination`` (a hook)."""
        self.ensure_one()
        request = self.request_id
        uom = self.product_id.uom_id
        return {
            "product_id": self.product_id.id,
            "product_uom": uom.id,
            "product_uom_qty": sum(quantity for *_, quantity in quantities),
            "location_id": source.id,
            "location_dest_id": destination.id,
            "partner_id": request.partner_id.id,
            "origin": request.name,
            "company_id": request.company_id.id,
            "after_sales_line_id": self.id,
            "after_sales_move_kind": "consume",
            "description_picking": self.name,
            "picked": True,
            "move_line_ids": [
                Command.create(
                    {
                        "product_id": self.product_id.id,
                        "product_uom_id": uom.id,
                        "lot_id": lot.id,
                        "package_id": package.id,
                        "owner_id": owner.id,
                        "quantity": quantity,
                        "location_id": source.id,
                        "location_dest_id": destination.id,
                        "company_id": request.company_id.id,
                        "picked": True,
                    }
                )
                for lot, package, owner, quantity in quantities
            ],
        }

    def _part_qty_returning(self):
        """Quantity on its way back to stock: return moves not done yet."""
        self.ensure_one()
        pending = self.part_move_ids._after_sales_returns().filtered(
            lambda m: m.state not in ("done", "cancel")
        )
        return self._part_qty_of(pending, "product_uom_qty")

    def _part_qty_returnable(self):
        """Issued units neither returned, nor consumed, nor already on their way back."""
        self.ensure_one()
        return (
            self.part_qty_issued
            - self.part_qty_returned
            - self.part_qty_consumed
            - self._part_qty_returning()
        )

    def _lock_for_return(self):
        """Serialize returns of this line: two at the same moment must not both take the last unit.

        The row is updated (not only locked): a concurrent return waits for this transaction, then
        fails with a serialization error and is retried, seeing the return made here.
        """
        self.ensure_one()
        serialize_on_rows(self)

    def _return_unused(self, quantity):
        """Create the return picking of ``quantity`` issued but unused units of this part."""
        self.ensure_one()
        self._lock_for_return()
        rounding = self.uom_id.rounding or 0.01
        if float_compare(quantity, 0.0, precision_rounding=rounding) <= 0:
            raise ValidationError(self.env._("Give a positive quantity to return."))
        returnable = self._part_qty_returnable()
        if float_compare(quantity, returnable, precision_rounding=rounding) > 0:
            if float_compare(self.part_qty_consumed, 0.0, precision_rounding=rounding) > 0:
                raise ValidationError(
                    self.env._(
                        "%(consumed)s %(uom)s of %(part)s were consumed into the customer's unit when "
                        "request %(request)s was closed: only %(qty)s %(uom)s can be returned.",
                        consumed=self.part_qty_consumed,
                        qty=max(returnable, 0.0),
                        uom=self.uom_id.name,
                        part=self.product_id.display_name,
                        request=self.request_id.name,
                    )
                )
            raise ValidationError(
                self.env._(
                    "Only %(qty)s %(uom)s of %(part)s can be returned.",
                    qty=returnable,
                    uom=self.uom_id.name,
                    part=self.product_id.display_name,
                )
            )
        issued = self.part_move_ids._after_sales_issues().filtered(lambda m: m.state == "done")
        origin = issued[:1]
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": origin.picking_type_id.id,
                "location_id": origin.location_dest_id.id,
                "location_dest_id": origin.location_id.id,
                "origin": self.env._("Return of %s", self.request_id.name),
                "after_sales_request_id": self.request_id.id,
                "partner_id": self.request_id.partner_id.id,
                "company_id": origin.company_id.id,
                "move_ids": [
                    fields.Command.create(
                        {
                            "product_id": self.product_id.id,
                            "product_uom_qty": quantity,
                            "product_uom": self.uom_id.id,
                            "location_id": origin.location_dest_id.id,
                            "location_dest_id": origin.location_id.id,
                            "origin_returned_move_id": origin.id,
                            "after_sales_line_id": self.id,
                            "after_sales_move_kind": "return",
                            "company_id": origin.company_id.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        return picking
