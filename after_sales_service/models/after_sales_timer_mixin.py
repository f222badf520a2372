from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError


class AfterSalesTimerMixin(models.AbstractModel):
    """Time on a document: its timesheets (``account.analytic.line``) and each user's timer.

    The timer itself is ``after_sales.timer`` (one running per employee); stopping it logs its
    time, rounded, as a timesheet of the document. The host (``after_sales.request``) provides
    ``company_id``, ``team_id``, ``currency_id``, ``is_closed``, ``_is_manager()`` and the
    ``after_sales_request_id`` link of the timesheets; it may override
    ``_get_timesheet_project`` and ``_get_labour_product``.
    """

    _name = "after_sales.timer.mixin"
    _description = "Timesheets and Timer of a Service Request"

    # the host's currency (the request's is its company's): what the labour cost is counted in
    currency_id = fields.Many2one("res.currency")
    timesheet_ids = fields.One2many("account.analytic.line", "after_sales_request_id", string="Timesheets")
    timesheet_hours = fields.Float(
        string="Time Logged",
        compute="_compute_timesheet_totals",
        compute_sudo=True,
        help="Hours of all the timesheets of the request.",
    )
    timesheet_cost = fields.Monetary(
        string="Labour Cost",
        compute="_compute_timesheet_totals",
        compute_sudo=True,
        currency_field="currency_id",
        groups="after_sales_service.group_after_sales_manager",
        help="The timesheets at their employees' hourly cost.",
    )
    timer_running = fields.Boolean(string="My Timer Running", compute="_compute_timer")
    timer_start = fields.Datetime(string="My Timer Started", compute="_compute_timer")

    # ------------------------------------------------------------ computes

    @api.depends("timesheet_ids.unit_amount", "timesheet_ids.product_uom_id", "timesheet_ids.amount")
    def _compute_timesheet_totals(self):
        # everyone's timesheets, read in the database: an engineer's form reads only their own
        hour = self.env.ref("uom.product_uom_hour")
        totals = defaultdict(lambda: [0.0, 0.0])
        for request, uom, unit_amount, amount in self.env["account.analytic.line"]._read_group(
            [("after_sales_request_id", "in", self._origin.ids)],
            ["after_sales_request_id", "product_uom_id"],
            ["unit_amount:sum", "amount:sum"],
        ):
            hours = uom._compute_quantity(unit_amount, hour, raise_if_failure=False) if uom else unit_amount
            totals[request.id][0] += hours
            totals[request.id][1] -= amount
        for request in self:
            request.timesheet_hours, request.timesheet_cost = totals[request._origin.id]

    @api.depends_context("uid")
    def _compute_timer(self):
        saved = self.filtered(lambda r: r._origin.id)
        timers = (
            self.env["after_sales.timer"]
            .sudo()
            .search([("user_id", "=", self.env.uid), ("request_id", "in", saved._origin.ids)])
        )
        start_by_request = {timer.request_id.id: timer.start for timer in timers}
        for request in self:
            start = start_by_request.get(request._origin.id)
            request.timer_running = bool(start)
            request.timer_start = start or False

    # ------------------------------------------------------------------ CRUD

    @api.ondelete(at_uninstall=False)
    def _unlink_except_timesheets(self):
        logged = (
            self.env["account.analytic.line"]
            .sudo()
            .search([("after_sales_request_id", "in", self.ids)], limit=1)
        )
        if logged:
            raise UserError(
                self.env._(
                    "Request %s has logged time: delete its timesheets first.",
                    logged.after_sales_request_id.name,
                )
            )

    # -------------------------------------------------------------- actions

    def action_timer_start(self):
        """Start the current user's timer on this request."""
        self.ensure_one()
        employee = self._get_timer_employee()
        self._check_can_start_timer(employee)
        self.env["after_sales.timer"]._start(self, employee)
        self.invalidate_recordset(["timer_running", "timer_start"])
        return True

    def action_timer_stop(self):
        """Stop the current user's timer: its time, rounded, becomes a timesheet of the request."""
        self.ensure_one()
        self._get_user_timer()._stop()
        self.invalidate_recordset(["timer_running", "timer_start"])
        return True

    def action_timer_discard(self):
        """Stop the current user's timer without logging its time."""
        self.ensure_one()
        self._get_user_timer()._discard()
        self.invalidate_recordset(["timer_running", "timer_start"])
        return True

    # ------------------------------------------------------------- business

    def _check_can_log_time(self):
        """Refuse logging time on these requests where the user may not change them."""
        self.check_access("write")
        closed = self.filtered("is_closed")
        if closed and not self._is_manager():
            raise UserError(
                self.env._("Request %s is closed: time is no longer logged on it.", closed[0].name)
            )

    def _get_timesheet_project(self, create=True):
        """The project the timesheets of this request go to: its team's (without a team, the
        company's default team's), else the company's; made when missing unless not ``create``."""
        self.ensure_one()
        team = self.team_id or self.company_id.after_sales_team_id
        if team:
            return team._get_timesheet_project(create=create)
        return self.company_id._get_after_sales_timesheet_project(create=create)

    def _get_labour_product(self):
        """The product of the work lines recording this request's timesheets: the team's, else the
        company's labour product."""
        self.ensure_one()
        product = self.team_id.labour_product_id or self.company_id.after_sales_labour_product_id
        if not product:
            product = self.env.ref("after_sales_service.product_labour", raise_if_not_found=False)
        return product if product and product.active else self.env["product.product"]

    def _get_timer_employee(self):
        """The current user's employee in the request's company: time is logged in its name."""
        self.ensure_one()
        employee = (
            self.env["hr.employee"]
            .sudo()
            .search([("user_id", "=", self.env.uid), ("company_id", "=", self.company_id.id)], limit=1)
        )
        if not employee:
            raise UserError(
                self.env._(
                    "You are not an employee of %s: ask HR to link your user to an employee to log time.",
                    self.company_id.name,
                )
            )
        return employee.sudo(False)

    def _check_can_start_timer(self, employee):
        self._check_can_log_time()
        running = self.env["after_sales.timer"].sudo().search([("employee_id", "=", employee.id)], limit=1)
        if running.request_id == self:
            raise UserError(self.env._("Your timer already runs on request %s.", self.name))
        if running:
            raise UserError(
                self.env._(
                    "You already have a timer running on request %s: stop it first.", running.request_id.name
                )
            )

    def _get_user_timer(self):
        """The current user's running timer on this request."""
        self.ensure_one()
        timer = self.env["after_sales.timer"].search(
            [("request_id", "=", self.id), ("user_id", "=", self.env.uid)], limit=1
        )
        if not timer:
            raise UserError(self.env._("You have no timer running on request %s.", self.name))
        return timer
