from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

# a timer left running longer than this is not logged as it is: discard it and log the time by hand
MAX_TIMER_HOURS = 24


class AfterSalesTimer(models.Model):
    _name = "after_sales.timer"
    _description = "Running Timer"
    _order = "start desc, id desc"
    _check_company_auto = True

    employee_id = fields.Many2one(
        "hr.employee", required=True, readonly=True, index=True, ondelete="cascade", check_company=True
    )
    user_id = fields.Many2one(
        "res.users", required=True, readonly=True, index=True, default=lambda self: self.env.user
    )
    request_id = fields.Many2one(
        "after_sales.request",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(related="request_id.company_id", store=True, index=True)
    start = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)

    # one running timer per employee, whatever the transactions racing to start a second one
    _employee_uniq = models.Constraint(
        "UNIQUE(employee_id)", "An employee runs one timer at a time: stop the running one first."
    )

    @api.depends("employee_id", "request_id")
    def _compute_display_name(self):
        for timer in self:
            timer.display_name = f"{timer.employee_id.name} · {timer.request_id.display_name}"

    @api.constrains("employee_id", "user_id")
    def _check_employee_user(self):
        """A timer counts the time of its user's own employee: nobody runs one in another's name."""
        for timer in self:
            if timer.employee_id.user_id != timer.user_id:
                raise ValidationError(
                    self.env._(
                        "A timer runs for your own employee only: %(employee)s is not %(user)s's.",
                        employee=timer.employee_id.name,
                        user=timer.user_id.name,
                    )
                )

    # ------------------------------------------------------------- actions

    def action_stop(self):
        """Stop these timers (a manager stops a forgotten one): their time becomes timesheets."""
        self._stop()
        return True

    def action_discard(self):
        """Remove these timers without logging their time."""
        self._discard()
        return True

    # ------------------------------------------------------------- business

    def _check_actor(self):
        """Only a timer's own user stops or discards it, or an After-Sales manager."""
        if self.env.user.has_group("after_sales_service.group_after_sales_manager"):
            return
        for timer in self:
            if timer.user_id != self.env.user:
                raise UserError(
                    self.env._(
                        "The timer on %(request)s is %(user)s's: only they can stop it.",
                        request=timer.request_id.name,
                        user=timer.user_id.name,
                    )
                )

    @api.model
    def _start(self, request, employee):
        """Start the current user's timer on ``request`` for ``employee`` (the user's own).

        Users cannot create timers directly (RPC included): the request's action checks the
        request and the employee, then starts the timer here.
        """
        if employee.user_id != self.env.user:
            raise UserError(
                self.env._("You start a timer for your own employee only, not for %s.", employee.name)
            )
        return self.sudo().create({"request_id": request.id, "employee_id": employee.id}).sudo(False)

    def _discard(self):
        """Remove these timers without logging their time (their user, or a manager)."""
        self._check_actor()
        self.sudo().unlink()

    def _get_rounding(self):
        """``(step, minimum)`` in minutes: the request's contract, else its company."""
        self.ensure_one()
        contract = self.request_id.contract_id
        if contract:
            return contract.timer_rounding_minutes, contract.timer_minimum_minutes
        company = self.request_id.company_id
        return company.after_sales_timer_rounding_minutes, company.after_sales_timer_minimum_minutes

    @api.model
    def _round_minutes(self, seconds, step, minimum):
        """Minutes logged for ``seconds`` of work.

        Rounded up to the ``step`` (to the started minute when it is zero), at least one step,
        then raised to the ``minimum``.
        """
        step = step or 1
        periods = max(-(-int(seconds) // (step * 60)), 1)
        return max(periods * step, minimum)

    def _check_can_stop(self, now):
        self._check_actor()
        for timer in self:
            if (now - timer.start).total_seconds() > MAX_TIMER_HOURS * 3600:
                raise UserError(
                    self.env._(
                        "The timer on %(request)s has run for more than %(hours)s hours, since %(start)s: "
                        "discard it and log the time you worked by hand.",
                        request=timer.request_id.name,
                        hours=MAX_TIMER_HOURS,
                        start=fields.Datetime.context_timestamp(self, timer.start).strftime("%Y-%m-%d %H:%M"),
                    )
                )

    def _stop(self):
        """Log the time of these timers as timesheets of their requests, then remove them.

        Returns the timesheets created. A user logs their own time; a manager stopping another's
        timer logs it in that employee's name (checked above, so as superuser).
        """
        now = fields.Datetime.now()
        self._check_can_stop(now)
        Timesheet = self.env["account.analytic.line"]
        timesheets = Timesheet
        for timer in self:
            own = timer.user_id == self.env.user
            timesheets |= (Timesheet if own else Timesheet.sudo()).create(timer._prepare_timesheet_vals(now))
        self.sudo().unlink()
        return timesheets.sudo(False)

    def _prepare_timesheet_vals(self, now):
        """Values of the timesheet logging this timer stopped at ``now`` (a hook)."""
        self.ensure_one()
        step, minimum = self._get_rounding()
        minutes = self._round_minutes((now - self.start).total_seconds(), step, minimum)
        return {
            "after_sales_request_id": self.request_id.id,
            "employee_id": self.employee_id.id,
            "date": fields.Date.context_today(self, self.start),
            "unit_amount": minutes / 60.0,
            "name": "/",
        }
