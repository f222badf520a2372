from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare

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
    part_qty_issued = fields.Float(string="Issued", digits="Product Unit", compute="_compute_part_stock")
    part_qty_returned = fields.Float(string="Returned", digits="Product Unit", compute="_compute_part_stock")

    @api.depends("part_lot_id.after_sales_grade", "line_type")
    def _compute_part_grade(self):
        for line in self:
            if line.line_type != "part":
                line.part_grade = False
            elif line.part_lot_id:
                line.part_grade = line.part_lot_id.after_sales_grade
            elif not line.part_grade:
                line.part_grade = "new"

    @api.depends("part_move_ids.state", "part_move_ids.quantity", "part_move_ids.date")
    def _compute_part_stock(self):
        for line in self:
            issues = line.part_move_ids.filtered(
                lambda m: not m.origin_returned_move_id and m.state != "cancel"
            )
            returns = line.part_move_ids.filtered(lambda m: m.origin_returned_move_id and m.state == "done")
            open_issues = issues.filtered(lambda m: m.state != "done")
            line.part_qty_issued = sum(issues.filtered(lambda m: m.state == "done").mapped("quantity"))
            line.part_qty_returned = sum(returns.mapped("quantity"))
            line.part_qty_reserved = sum(
                open_issues.filtered(lambda m: m.state in ("assigned", "partially_available")).mapped(
                    "quantity"
                )
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

    def write(self, vals):
        if {"product_id", "line_type"} & set(vals) and self.filtered(
            lambda line: line.part_state in ("requested", "issued")
        ):
            raise UserError(self.env._("A part already requested from stock cannot change product or type."))
        return super().write(vals)

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
            "origin": self.request_id.name,
            "description_picking": self.name,
        }

    def _after_sales_parts_moved(self, moves):
        """Issued or returned moves are done: the billable quantity is what stayed consumed."""
        for line in self:
            consumed = line.part_qty_issued - line.part_qty_returned
            vals = {"quantity": max(consumed, 0.0), "part_state": "issued", "done": True}
            issued_lots = moves.filtered(
                lambda m, line=line: m.after_sales_line_id == line and not m.origin_returned_move_id
            ).move_line_ids.lot_id
            if issued_lots:
                vals["part_lot_id"] = issued_lots[:1].id
            line._write_parts_progress(vals)
            if issued_lots and line.product_id.tracking != "none" and line.equipment_id:
                line.equipment_id.sudo()._after_sales_install_components(
                    line.product_id, issued_lots, line.request_id
                )

    def _write_parts_progress(self, vals):
        """Stock bookkeeping, written past the guard on requested parts."""
        return super().write(vals)

    def _return_unused(self, quantity):
        """Create the return picking of ``quantity`` issued but unused units of this part."""
        self.ensure_one()
        rounding = self.uom_id.rounding or 0.01
        if float_compare(quantity, 0.0, precision_rounding=rounding) <= 0:
            raise ValidationError(self.env._("Give a positive quantity to return."))
        pending = sum(
            self.part_move_ids.filtered(
                lambda m: m.origin_returned_move_id and m.state not in ("done", "cancel")
            ).mapped("product_uom_qty")
        )
        returnable = self.part_qty_issued - self.part_qty_returned - pending
        if float_compare(quantity, returnable, precision_rounding=rounding) > 0:
            raise ValidationError(
                self.env._(
                    "Only %(qty)s %(uom)s of %(part)s can be returned.",
                    qty=returnable,
                    uom=self.uom_id.name,
                    part=self.product_id.display_name,
                )
            )
        issued = self.part_move_ids.filtered(lambda m: not m.origin_returned_move_id and m.state == "done")
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
                            "company_id": origin.company_id.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        return picking
