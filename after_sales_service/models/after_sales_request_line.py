from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import check_finite_numbers


class AfterSalesRequestLine(models.Model):
    _name = "after_sales.request.line"
    _description = "Service Line"
    _inherit = ["after_sales.portal.mixin"]
    _order = "request_id, sequence, id"
    _check_company_auto = True
    # a customer reads the works and parts of its request (the lines shown to it), not their
    # prices, stock or coverage bookkeeping
    _portal_fields = {"request_id", "sequence", "name", "quantity", "uom_id"}

    request_id = fields.Many2one("after_sales.request", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="request_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="request_id.partner_id", store=True, index=True, string="Customer")
    equipment_id = fields.Many2one(related="request_id.equipment_id", store=True, string="Equipment")
    sequence = fields.Integer(default=10)
    line_type = fields.Selection(
        [("work", "Work"), ("part", "Part"), ("other", "Other")],
        string="Type",
        required=True,
        default="work",
    )
    product_id = fields.Many2one("product.product", check_company=True, index="btree_not_null")
    name = fields.Text(
        string="Description",
        compute="_compute_name",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
    )
    quantity_method = fields.Selection(
        [
            ("manual", "Manual"),
            ("timesheet", "Timesheet"),
            ("visit", "On-site Visit"),
            ("repair", "Repair Order"),
        ],
        string="Quantity From",
        compute="_compute_quantity_method",
        store=True,
        precompute=True,
        help="Who sets the quantity of this line and whether it is done: typed by hand (manual), "
        "or its owner (a timesheet, a visit, a repair order, stock moves, norm hours...), which "
        "alone changes them.",
    )
    quantity = fields.Float(
        digits="Product Unit",
        required=True,
        compute="_compute_quantity",
        store=True,
        readonly=False,
        precompute=True,
        help="Planned, then done: the norm-hours of a work, what was issued from stock less what "
        "came back for a part, the hours of a timesheet, otherwise what is typed.",
    )
    uom_id = fields.Many2one(
        "uom.uom",
        string="UoM",
        compute="_compute_uom_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    date = fields.Date(default=fields.Date.context_today, required=True)
    user_id = fields.Many2one("res.users", string="Done by", domain=[("share", "=", False)])
    done = fields.Boolean(copy=False)
    customer_visible = fields.Boolean(default=True, help="Shown to the customer on the portal and documents.")
    repair_move_id = fields.Many2one(
        "stock.move",
        string="Repair Part Move",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The consumed part of the linked repair order this line records.",
    )

    visit_id = fields.Many2one(
        "after_sales.visit",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The on-site visit this line records (its call-out or hours on site).",
    )

    timesheet_ids = fields.One2many(
        "account.analytic.line",
        "after_sales_line_id",
        readonly=True,
        help="The timesheet this work line records: its hours, date, description and engineer.",
    )
    from_timesheet = fields.Boolean(
        compute="_compute_from_timesheet",
        compute_sudo=True,
        help="The line records a timesheet, which owns its hours, date and engineer.",
    )

    _visit_uniq = models.Constraint("UNIQUE(visit_id)", "An on-site visit becomes one service line only.")
    _repair_move_uniq = models.Constraint(
        "UNIQUE(repair_move_id)", "A repair part becomes one service line only."
    )

    # a line recording a timesheet: its sync recomputes the description and the hours when the
    # timesheet's change (not a dependency on them: a form editing both would resend the line)
    @api.depends("product_id", "timesheet_ids")
    def _compute_name(self):
        for line in self:
            if line.timesheet_ids:
                line.name = line.timesheet_ids[:1]._get_after_sales_line_name(line.product_id)
            elif line.product_id:
                line.name = line.product_id.get_product_multiline_description_sale()
            elif not line.name:
                line.name = False

    @api.depends("timesheet_ids", "visit_id", "repair_move_id")
    def _compute_quantity_method(self):
        """The owner of the quantity, from what the line records (modules add theirs with
        ``selection_add`` and extend this with ``super()``: their sources come first)."""
        for line in self:
            if line.timesheet_ids:
                line.quantity_method = "timesheet"
            elif line.visit_id:
                line.quantity_method = "visit"
            elif line.repair_move_id:
                line.quantity_method = "repair"
            else:
                line.quantity_method = "manual"

    # the timesheet's hours are a dependency: what depends on the quantity (amounts, to invoice)
    # follows a corrected timesheet
    @api.depends(
        "quantity_method",
        "product_id",
        "line_type",
        "uom_id",
        "timesheet_ids.unit_amount",
        "timesheet_ids.product_uom_id",
    )
    def _compute_quantity(self):
        """Dispatched on ``quantity_method``: each module computes its own method's quantity and
        leaves the rest to ``super()``. Here the hours of a timesheet; what was typed or copied
        once at creation stays (one by default)."""
        for line in self:
            if line.quantity_method == "timesheet":
                line.quantity = line._get_timesheet_quantity()
            else:
                line.quantity = line.quantity or 1.0

    def _get_timesheet_quantity(self):
        """The hours of the timesheets this line records, in its unit."""
        self.ensure_one()
        return sum(ts._get_after_sales_hours_in(self.uom_id) for ts in self.sudo().timesheet_ids)

    @api.depends("product_id", "line_type")
    def _compute_uom_id(self):
        hour = self.env.ref("uom.product_uom_hour")
        for line in self:
            if line.product_id:
                line.uom_id = line.product_id.uom_id
            elif line.line_type == "work":
                line.uom_id = hour
            elif not line.uom_id:
                line.uom_id = self.env.ref("uom.product_uom_unit")

    @api.depends("timesheet_ids")
    def _compute_from_timesheet(self):
        for line in self:
            line.from_timesheet = bool(line.timesheet_ids)

    @api.constrains("quantity", "done")
    def _check_quantity(self):
        for line in self:
            if line.quantity < 0:
                raise ValidationError(self.env._("The quantity of a service line cannot be negative."))
            if line.done and not line.quantity:
                raise ValidationError(
                    self.env._("Line %s is done but has no quantity: give the quantity done.", line.name)
                )

    @api.constrains("quantity", "done")
    def _check_planned_quantity(self):
        """A planned work or part of nothing plans nothing: it has a quantity too (unless its
        owner computes zero, e.g. a part whose issued units all came back)."""
        for line in self:
            if not line.done and not line.quantity and not line._allows_zero_quantity():
                raise ValidationError(
                    self.env._(
                        "Line %s plans a quantity of zero: give the quantity to do or use, "
                        "or remove the line.",
                        line.name,
                    )
                )

    def _allows_zero_quantity(self):
        """Whether this line's owner legitimately computes a zero quantity (a hook)."""
        self.ensure_one()
        return False

    @api.model_create_multi
    def create(self, vals_list):
        check_finite_numbers(self, vals_list)
        # the owner of the quantity follows from what the line records, never from a value sent
        vals_list = [{k: v for k, v in vals.items() if k != "quantity_method"} for vals in vals_list]
        request_ids = {vals["request_id"] for vals in vals_list if vals.get("request_id")}
        self.env["after_sales.request"].browse(request_ids)._check_lines_editable()
        return super().create(vals_list)

    def write(self, vals):
        check_finite_numbers(self, [vals])
        self._check_protected_fields(vals)
        return super().write(vals)

    def unlink(self):
        self.request_id._check_lines_editable()
        timesheets = self.sudo().timesheet_ids
        if timesheets:
            # removing the line removes the time it records, as removing that timesheet does
            # (its rules and locks apply); the timesheet then removes its line
            timesheets.with_env(self.env).unlink()
        return super(AfterSalesRequestLine, self.exists()).unlink()

    def _get_protected_fields(self):
        """``{field name: why it cannot change}`` for this line now (a hook).

        The steps of the edit policy of a service line: each module adds what a step freezes
        (a part requested from stock, an invoiced line, ...). What the owner of the quantity
        sets is ``_get_owned_fields``'s. Computed values follow their owner; only writes are
        refused.
        """
        self.ensure_one()
        request = self.sudo().request_id
        if request.is_closed and not request.with_env(self.env)._is_manager():
            # a write on the line itself is refused as one through its request
            message = self.env._("Closed and cancelled requests can only be changed by managers.")
            return dict.fromkeys(self._get_closed_protected_fields(), message)
        return {}

    def _get_closed_protected_fields(self):
        """Fields of a line frozen with its closed request (a hook): every stored field, but the
        bookkeeping of an owner that may still move (stock issued or returned after closing)."""
        return {
            fname
            for fname, field in self._fields.items()
            if field.store and fname not in models.MAGIC_COLUMNS and fname not in ("write_date", "write_uid")
        }

    def _get_owned_fields(self):
        """``{field name: why it cannot change}``: what the owner of this line's quantity sets
        (a hook dispatching on ``quantity_method``; modules add their methods').

        The quantity and ``done`` of every line that is not manual; a timesheet also owns the
        request, type, date and engineer of its line (its description follows the timesheet's
        too, and may be reworded on the line).
        """
        self.ensure_one()
        method = self.quantity_method
        if method == "timesheet":
            message = self.env._(
                "Line %s records a timesheet: change its time, date or engineer on the timesheet "
                "(Timesheets tab of the request).",
                self.name,
            )
            return dict.fromkeys(("request_id", "line_type", "quantity", "date", "user_id", "done"), message)
        if method == "visit":
            message = self.env._(
                "Line %(line)s records visit %(visit)s: its quantity and whether it is done come "
                "from the visit.",
                line=self.name,
                visit=self.visit_id.display_name,
            )
            return dict.fromkeys(("quantity", "done"), message)
        if method == "repair":
            message = self.env._(
                "Line %(line)s records a part consumed by repair order %(repair)s: its quantity and "
                "whether it is done come from the repair order.",
                line=self.name,
                repair=self.sudo().repair_move_id.repair_id.display_name,
            )
            return dict.fromkeys(("quantity", "done"), message)
        return {}

    def _get_owner_values(self):
        """``{field name: value}`` the owner of this line's quantity states now for the fields
        it writes after creation (a hook dispatching on ``quantity_method``).

        An owned field changes only to its owner's value: the owner's own writes pass, nobody
        else's do. A timesheet states its request, date and engineer; what is computed (the
        hours) or copied once at creation (a visit, a repair part) is never written again.
        """
        self.ensure_one()
        if self.quantity_method == "timesheet":
            timesheet = self.sudo().timesheet_ids[:1]
            return timesheet._prepare_after_sales_line_vals()
        return {}

    def _is_from_timesheet(self):
        """Whether this line records a timesheet (which owns its hours)."""
        self.ensure_one()
        return bool(self.sudo().timesheet_ids)

    def _get_timesheet_lock_reason(self):
        """Why the timesheet this line records can no longer change nor be deleted, or False.

        A timesheet sets the request, hours, date, description and engineer of its line: it is
        frozen once a step of the line's edit policy protects any of them (``_get_protected_fields``:
        an invoiced line, ...).
        """
        if not self:
            return False
        self.ensure_one()
        protected = self._get_protected_fields()
        for fname in ("request_id", "quantity", "date", "name", "user_id"):
            if fname in protected:
                return protected[fname]
        return False

    def _check_protected_fields(self, vals):
        """Refuse ``vals`` where they would change a protected field of one of these lines.

        The one edit policy of a line, whoever writes and whatever the context: a field frozen by
        a step (``_get_protected_fields``) or owned by the line's quantity owner
        (``_get_owned_fields``) keeps its value, except where the owner states the new one
        (``_get_owner_values``: the owner's own write).
        """
        vals = {fname: value for fname, value in vals.items() if fname in self._fields}
        if not vals:
            return
        if "quantity_method" in vals:
            for line in self:
                if vals["quantity_method"] != line.quantity_method:
                    raise UserError(
                        self.env._(
                            "Line %s: who sets its quantity follows from what it records, it is not chosen.",
                            line.name,
                        )
                    )
        for line in self:
            protected = {**line._get_protected_fields(), **line._get_owned_fields()}
            fnames = protected.keys() & vals.keys()
            if not fnames:
                continue
            owner_values = line._get_owner_values()
            for fname in fnames:
                field = self._fields[fname]
                new = field.convert_to_record(field.convert_to_cache(vals[fname], line), line)
                if new == line[fname]:
                    continue
                if fname in owner_values:
                    owner = field.convert_to_record(field.convert_to_cache(owner_values[fname], line), line)
                    if new == owner:
                        continue
                raise UserError(protected[fname])

    @api.constrains("line_type", "product_id")
    def _check_part_product(self):
        for line in self:
            if line.line_type == "part" and not line.product_id:
                raise ValidationError(self.env._("A part line needs a product."))

    def _prepare_from_repair_move_vals(self, move):
        """Values of the service line recording the repair part ``move``."""
        return {
            "request_id": move.repair_id.after_sales_request_id.id,
            "line_type": "part",
            "product_id": move.product_id.id,
            "name": move.product_id.get_product_multiline_description_sale(),
            "quantity": move.quantity,
            "uom_id": move.product_uom.id,
            "done": True,
            "date": fields.Date.context_today(self, move.date),
            "repair_move_id": move.id,
        }
