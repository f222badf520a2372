from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import check_finite_numbers
from .account_analytic_line import SYNC_KEY


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
    quantity = fields.Float(
        digits="Product Unit",
        required=True,
        compute="_compute_quantity",
        store=True,
        readonly=False,
        precompute=True,
        help="Planned, then done: the norm-hours of a work, what was issued from stock less what "
        "came back for a part, otherwise what is typed.",
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

    @api.depends("product_id", "line_type", "uom_id", "timesheet_ids")
    def _compute_quantity(self):
        """The hours of the timesheet a line records; else what is typed stays, one by default
        (modules add norm-hours, stock moves, ...)."""
        for line in self:
            if line.timesheet_ids:
                line.quantity = sum(ts._get_after_sales_hours_in(line.uom_id) for ts in line.timesheet_ids)
            else:
                line.quantity = line.quantity or 1.0

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
        return super().create(vals_list)

    def write(self, vals):
        check_finite_numbers(self, [vals])
        self._check_protected_fields(vals)
        return super().write(vals)

    def unlink(self):
        timesheets = self.sudo().timesheet_ids
        if timesheets and not self.env.context.get(SYNC_KEY):
            # removing the line removes the time it records, as removing that timesheet does
            # (its rules and locks apply); a timesheet removing its own line is already gone
            timesheets.with_env(self.env).with_context(after_sales_line_unlink=True).unlink()
        return super().unlink()

    def _get_protected_fields(self):
        """``{field name: why it cannot change}`` for this line now (a hook).

        The one edit policy of a service line: each module adds what it owns once a step is
        taken (a part requested from stock, an invoiced line, ...). Computed values follow
        their owner's method; only writes are refused. A line recording a timesheet takes its
        hours, date and engineer from it: only the timesheet changes them (its description
        follows the timesheet's too, and may be reworded on the line).
        """
        self.ensure_one()
        protected = {}
        if self._is_from_timesheet() and not self.env.context.get(SYNC_KEY):
            message = self.env._(
                "Line %s records a timesheet: change its time, date or engineer on the timesheet "
                "(Timesheets tab of the request).",
                self.name,
            )
            for fname in ("request_id", "line_type", "quantity", "date", "user_id", "done"):
                protected[fname] = message
        return protected

    def _is_from_timesheet(self):
        """Whether this line records a timesheet (which owns its hours)."""
        self.ensure_one()
        return bool(self.sudo().timesheet_ids)

    def _get_timesheet_lock_reason(self):
        """Why the timesheet this line records can no longer change nor be deleted, or False.

        A timesheet sets the request, hours, date, description and engineer of its line: it is
        frozen once the line protects any of them for another reason than the timesheet itself
        (``_get_protected_fields``: an invoiced line, ...).
        """
        if not self:
            return False
        self.ensure_one()
        protected = self.with_context(**{SYNC_KEY: True})._get_protected_fields()
        for fname in ("request_id", "quantity", "date", "name", "user_id"):
            if fname in protected:
                return protected[fname]
        return False

    def _check_protected_fields(self, vals):
        """Refuse ``vals`` where they would change a protected field of one of these lines."""
        if not vals:
            return
        for line in self:
            protected = line._get_protected_fields()
            for fname in protected.keys() & vals.keys():
                field = self._fields[fname]
                new = field.convert_to_record(field.convert_to_cache(vals[fname], line), line)
                if new != line[fname]:
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
