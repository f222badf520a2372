from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import check_finite_numbers

# what a timesheet states about the work line recording it: frozen with that line (once invoiced)
LINE_SOURCE_FIELDS = (
    "unit_amount",
    "product_uom_id",
    "date",
    "name",
    "employee_id",
    "user_id",
    "after_sales_request_id",
)
MAX_TIMESHEET_HOURS = 24


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"

    after_sales_request_id = fields.Many2one(
        "after_sales.request",
        string="Service Request",
        index="btree_not_null",
        check_company=True,
        ondelete="restrict",
        domain="[('is_closed', '=', False)]",
        help="The service request this time was spent on: each timesheet of a request is one work "
        "line of it, created, changed and removed with the timesheet.",
    )
    after_sales_line_id = fields.Many2one(
        "after_sales.request.line",
        string="Service Line",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        help="The work line of the request recording this timesheet.",
    )

    _after_sales_line_uniq = models.Constraint(
        "UNIQUE(after_sales_line_id)", "A service line records one timesheet only."
    )

    # ------------------------------------------------------------ computes

    @api.depends("after_sales_request_id")
    def _compute_project_id(self):
        """A timesheet of a request goes to the project of the request's team (a task's project wins)."""
        res = super()._compute_project_id()
        for line in self.filtered(lambda ln: ln.after_sales_request_id and not ln.task_id):
            project = line.after_sales_request_id._get_timesheet_project(create=False)
            if project:
                line.project_id = project
        return res

    @api.depends("after_sales_request_id.partner_id")
    def _compute_partner_id(self):
        res = super()._compute_partner_id()
        for line in self.filtered("after_sales_request_id"):
            line.partner_id = line.after_sales_request_id.partner_id.commercial_partner_id
        return res

    def _is_readonly(self):
        # hr_timesheet's hook: the lists show a timesheet whose work line is frozen as read-only
        return super()._is_readonly() or bool(self.sudo().after_sales_line_id._get_timesheet_lock_reason())

    # ---------------------------------------------------------- constraints

    @api.constrains("unit_amount", "product_uom_id", "after_sales_request_id")
    def _check_after_sales_hours(self):
        hour = self.env.ref("uom.product_uom_hour")
        for line in self.filtered("after_sales_request_id"):
            hours = line.unit_amount
            if line.product_uom_id and line.product_uom_id != hour:
                hours = line.product_uom_id._compute_quantity(hours, hour, raise_if_failure=False)
            if not 0 < hours <= MAX_TIMESHEET_HOURS:
                raise ValidationError(
                    self.env._(
                        "Time logged on request %(request)s must be more than zero and at most "
                        "%(max)s hours a line.",
                        request=line.after_sales_request_id.name,
                        max=MAX_TIMESHEET_HOURS,
                    )
                )

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        on_requests = [vals for vals in vals_list if vals.get("after_sales_request_id")]
        if on_requests:
            check_finite_numbers(self, on_requests)
            Request = self.env["after_sales.request"]
            requests = Request.browse({vals["after_sales_request_id"] for vals in on_requests})
            requests._check_can_log_time()
            for vals in on_requests:
                if not vals.get("project_id") and not vals.get("task_id"):
                    # hr_timesheet tells a timesheet by its project: give it the request's
                    request = Request.browse(vals["after_sales_request_id"])
                    vals["project_id"] = request._get_timesheet_project().id
        timesheets = super().create(vals_list)
        timesheets.filtered("after_sales_request_id")._sync_after_sales_lines()
        return timesheets

    def write(self, vals):
        source_fields = set(vals) & set(LINE_SOURCE_FIELDS)
        if source_fields and (vals.get("after_sales_request_id") or self.after_sales_request_id):
            check_finite_numbers(self, [vals])
            self._check_after_sales_line_unlocked(vals)
            self.sudo().after_sales_request_id.with_env(self.env)._check_can_log_time()
            if vals.get("after_sales_request_id"):
                request = self.env["after_sales.request"].browse(vals["after_sales_request_id"])
                request._check_can_log_time()
                if "project_id" not in vals and "task_id" not in vals:
                    vals = dict(vals, project_id=request._get_timesheet_project().id)
        res = super().write(vals)
        if source_fields:
            self._sync_after_sales_lines(source_fields)
        return res

    def unlink(self):
        lines = self.sudo().after_sales_line_id
        if lines:
            self._check_after_sales_line_unlocked()
            self.sudo().after_sales_request_id.with_env(self.env)._check_can_log_time()
        res = super().unlink()
        if lines:
            # the work line goes with the time it records (a line deleting its timesheet is
            # deleted here too: it no longer records anything)
            lines.exists().with_env(self.env).unlink()
        return res

    # ------------------------------------------------------------- business

    def _check_after_sales_line_unlocked(self, vals=None):
        """Refuse changing ``vals`` of these timesheets (deleting them without ``vals``) where
        their work line is frozen (``_get_timesheet_lock_reason``); nothing is written before."""
        for timesheet in self.sudo().filtered("after_sales_line_id"):
            if vals is not None and not timesheet._after_sales_source_changes(vals):
                continue
            reason = timesheet.after_sales_line_id._get_timesheet_lock_reason()
            if reason:
                raise UserError(
                    self.env._(
                        "The time %(employee)s logged on %(date)s on request %(request)s can no longer "
                        "be changed or deleted: %(reason)s",
                        employee=timesheet.employee_id.name,
                        date=timesheet.date,
                        request=timesheet.after_sales_request_id.name,
                        reason=reason,
                    )
                )

    def _after_sales_source_changes(self, vals):
        """Whether ``vals`` change what this timesheet states about its work line."""
        self.ensure_one()
        for fname in set(vals) & set(LINE_SOURCE_FIELDS):
            field = self._fields[fname]
            if field.convert_to_record(field.convert_to_cache(vals[fname], self), self) != self[fname]:
                return True
        return False

    def _sync_after_sales_lines(self, fnames=LINE_SOURCE_FIELDS):
        """Create, update or remove the work line each of these timesheets records, after their
        fields ``fnames`` changed.

        The line is the timesheet's bookkeeping, written whoever logs the time (an engineer's
        rights on service lines are not needed); the checks of the line still apply. Its hours
        and description are its computes' (``_compute_quantity``, ``_compute_name``).
        """
        timesheets = self.sudo()
        # the time is already spent and recorded: the line's owner is the timesheet (the
        # estimate check is for planned work), its request, date and engineer are the ones it
        # states (``_get_owner_values``); the hours follow by the line's dependency on them
        Line = self.env["after_sales.request.line"].sudo()
        to_create = timesheets.filtered(lambda t: t.after_sales_request_id and not t.after_sales_line_id)
        to_remove = timesheets.filtered(lambda t: t.after_sales_line_id and not t.after_sales_request_id)
        to_rename = Line.browse()
        for timesheet in timesheets - to_create - to_remove:
            line = timesheet.after_sales_line_id.with_env(Line.env)
            if not line:
                continue
            vals = {
                fname: value
                for fname, value in timesheet._prepare_after_sales_line_vals().items()
                if line._fields[fname].convert_to_record(
                    line._fields[fname].convert_to_cache(value, line), line
                )
                != line[fname]
            }
            if vals:
                line.write(vals)
            to_rename |= line
        if "name" in fnames and to_rename:
            # the description follows the timesheet's (not a dependency: it may be reworded on the line)
            to_rename.modified(["name"])
            self.env.add_to_compute(Line._fields["name"], to_rename)
        if to_remove:
            lines = to_remove.after_sales_line_id.with_env(Line.env)
            to_remove.write({"after_sales_line_id": False})
            lines.unlink()
        if to_create:
            Line.create([timesheet._prepare_after_sales_line_create_vals() for timesheet in to_create])

    def _prepare_after_sales_line_vals(self):
        """What this timesheet states about the work line recording it (a hook).

        The hours and the description follow by the line's computes (``_compute_quantity``,
        ``_compute_name``).
        """
        self.ensure_one()
        return {
            "request_id": self.after_sales_request_id.id,
            "date": self.date,
            "user_id": self.user_id.id,
        }

    def _prepare_after_sales_line_create_vals(self):
        """Values of the done work line recording this timesheet (a hook)."""
        self.ensure_one()
        request = self.after_sales_request_id
        product = request._get_labour_product()
        vals = {
            **self._prepare_after_sales_line_vals(),
            "line_type": "work",
            "done": True,
            # linked at creation: the line is the timesheet's from its first value on
            "timesheet_ids": [Command.link(self.id)],
        }
        if product:
            vals["product_id"] = product.id
        line = self.env["after_sales.request.line"].new(
            {key: value for key, value in vals.items() if key != "timesheet_ids"}
        )
        # what the computes will give once the line records this timesheet
        vals["uom_id"] = line.uom_id.id
        vals["name"] = self._get_after_sales_line_name(product)
        vals["quantity"] = self._get_after_sales_hours_in(line.uom_id)
        return vals

    def _get_after_sales_line_name(self, product):
        """The description of the work line: the timesheet's, else the product's."""
        self.ensure_one()
        if self.name and self.name.strip() not in ("", "/"):
            return self.name
        if product:
            return product.get_product_multiline_description_sale()
        return self.env._("Work of %s", self.employee_id.name)

    def _get_after_sales_hours_in(self, uom):
        """This timesheet's time in ``uom`` (as it is when either unit is missing)."""
        self.ensure_one()
        if not uom or not self.product_uom_id or uom == self.product_uom_id:
            return self.unit_amount
        return self.product_uom_id._compute_quantity(self.unit_amount, uom, raise_if_failure=False)
