from datetime import datetime, time

import pytz

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.after_sales_service.models.after_sales_request import PRIORITIES

TIME_CONDITIONS = ("after_hours", "weekend", "holiday")


class AfterSalesRateRule(models.Model):
    _name = "after_sales.rate.rule"
    _description = "Service Rate Multiplier"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    contract_id = fields.Many2one(
        "after_sales.contract",
        index="btree_not_null",
        ondelete="cascade",
        check_company=True,
        help="Empty: a company rule, used for requests whose contract has no rules of its own.",
    )
    condition = fields.Selection(
        [
            ("priority", "Request Priority"),
            ("after_hours", "After Hours"),
            ("weekend", "Weekend"),
            ("holiday", "Public Holiday"),
        ],
        required=True,
        default="priority",
    )
    priority = fields.Selection(PRIORITIES, help="The priority this multiplier applies to.")
    multiplier = fields.Float(required=True, default=1.0, digits=(16, 4))
    line_type = fields.Selection(
        [("work", "Works"), ("all", "All Lines")],
        string="Applies To",
        required=True,
        default="work",
    )

    @api.constrains("multiplier", "condition", "priority")
    def _check_multiplier(self):
        for rule in self:
            if rule.multiplier <= 0:
                raise ValidationError(self.env._("A rate multiplier must be positive."))
            if rule.condition == "priority" and not rule.priority:
                raise ValidationError(self.env._("Choose the priority of rule %s.", rule.name))

    def _applies_to(self, line, calendar_info):
        """Does this rule apply to service ``line``? ``calendar_info`` from ``_calendar_info``."""
        self.ensure_one()
        if self.line_type == "work" and line.line_type != "work":
            return False
        if self.condition == "priority":
            return line.request_id.priority == self.priority
        holidays, work_days, attendances, tz = calendar_info
        if self.condition == "holiday":
            return line.date in holidays
        if self.condition == "weekend":
            return line.date.weekday() not in work_days
        # after hours: the work started outside the working hours of its day
        if line.date in holidays or line.date.weekday() not in work_days:
            return True
        if not line.work_start:
            return False
        local = pytz.utc.localize(line.work_start).astimezone(tz)
        hour = local.hour + local.minute / 60.0
        return not any(
            hour_from <= hour < hour_to
            for weekday, hour_from, hour_to in attendances
            if weekday == local.weekday()
        )

    @api.model
    def _calendar_info(self, calendar, date_from, date_to):
        """Holidays (dates), working weekdays, attendances and timezone of ``calendar``."""
        if not calendar:
            return set(), {0, 1, 2, 3, 4}, [], pytz.utc
        tz = pytz.timezone(calendar.tz or "UTC")
        start = datetime.combine(date_from, time.min)
        end = datetime.combine(date_to, time.max)
        holidays = set()
        for leave in calendar.global_leave_ids:
            if leave.date_to < start or leave.date_from > end:
                continue
            day = pytz.utc.localize(leave.date_from).astimezone(tz).date()
            last = pytz.utc.localize(leave.date_to).astimezone(tz).date()
            while day <= last:
                holidays.add(day)
                day = fields.Date.add(day, days=1)
        attendances = [
            (int(att.dayofweek), att.hour_from, att.hour_to)
            for att in calendar.attendance_ids
            if not att.display_type and att.day_period != "lunch"
        ]
        return holidays, {weekday for weekday, __, __ in attendances}, attendances, tz
