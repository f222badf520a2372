from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain

from ..jobs import delay_in_batches
from .after_sales_request import REQUEST_TYPES


class AfterSalesMaintenancePlan(models.Model):
    _name = "after_sales.maintenance.plan"
    _description = "Preventive Maintenance Plan"
    _inherit = ["mail.thread"]
    _order = "name, id"
    _check_company_auto = True
    # units planned by one background job of the maintenance cron
    _planning_batch_size = 100

    name = fields.Char(required=True, translate=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    product_id = fields.Many2one(
        "product.product",
        check_company=True,
        index="btree_not_null",
        tracking=True,
        help="The plan applies to every unit of this product.",
    )
    equipment_id = fields.Many2one(
        "after_sales.equipment",
        check_company=True,
        index="btree_not_null",
        tracking=True,
        help="The plan applies to this unit only.",
    )
    interval_months = fields.Integer(string="Every (months)", tracking=True)
    interval_hours = fields.Float(string="Every (operating hours)", tracking=True)
    horizon_days = fields.Integer(
        string="Plan Ahead (days)",
        default=14,
        help="The request is created this many days before the maintenance is due.",
    )
    request_type = fields.Selection(REQUEST_TYPES, required=True, default="preventive")
    team_id = fields.Many2one("after_sales.team", check_company=True)
    visit_hours = fields.Float(
        string="Visit Duration (hours)",
        help="When set, each planned request carries a proposed on-site visit of this length on its "
        "scheduled date, for the engineers below (dispatch moves it on the board).",
    )
    visit_engineer_ids = fields.Many2many(
        "res.users",
        "after_sales_maintenance_plan_engineer_rel",
        "plan_id",
        "user_id",
        string="Visit Engineers",
        domain=[("share", "=", False)],
    )
    line_ids = fields.One2many(
        "after_sales.maintenance.plan.line", "plan_id", string="Works to Plan", copy=True
    )
    request_ids = fields.One2many("after_sales.request", "maintenance_plan_id", string="Requests")
    request_count = fields.Integer(compute="_compute_request_count")

    def _compute_request_count(self):
        counts = dict(
            self.env["after_sales.request"]._read_group(
                [("maintenance_plan_id", "in", self.ids)], ["maintenance_plan_id"], ["__count"]
            )
        )
        for plan in self:
            plan.request_count = counts.get(plan, 0)

    @api.constrains(
        "product_id", "equipment_id", "interval_months", "interval_hours", "horizon_days", "visit_hours"
    )
    def _check_plan(self):
        for plan in self:
            if bool(plan.product_id) == bool(plan.equipment_id):
                raise ValidationError(self.env._("A maintenance plan applies to a product or to one unit."))
            if min(plan.interval_months, plan.interval_hours, plan.horizon_days, plan.visit_hours) < 0:
                raise ValidationError(self.env._("Intervals, horizon and visit duration cannot be negative."))
            if not plan.interval_months and not plan.interval_hours:
                raise ValidationError(self.env._("Give an interval in months, in operating hours, or both."))

    @api.readonly
    def action_view_requests(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_service.after_sales_request_action"
        )
        action["domain"] = [("maintenance_plan_id", "=", self.id)]
        return action

    # ------------------------------------------------------------- business

    def _get_units(self):
        """Units in service the plan applies to, for all plans of ``self`` at once."""
        by_product = self.filtered("product_id")
        units = self.equipment_id.filtered(lambda u: u.state == "in_service")
        if by_product:
            units |= self.env["after_sales.equipment"].search(
                [
                    ("product_id", "in", by_product.product_id.ids),
                    ("state", "=", "in_service"),
                    ("company_id", "in", by_product.company_id.ids),
                ]
            )
        return units

    def _units_of(self, units):
        self.ensure_one()
        if self.equipment_id:
            return units & self.equipment_id
        return units.filtered(lambda u: u.product_id == self.product_id and u.company_id == self.company_id)

    def _last_occurrences(self, units):
        """{(plan id, unit id): (occurrence, due date, due hours)} of the last planned request."""
        requests = (
            self.env["after_sales.request"]
            .with_context(active_test=False)
            .search_read(
                Domain("maintenance_plan_id", "in", self.ids) & Domain("equipment_id", "in", units.ids),
                [
                    "maintenance_plan_id",
                    "equipment_id",
                    "maintenance_occurrence",
                    "maintenance_due_date",
                    "maintenance_due_hours",
                ],
                order="maintenance_occurrence",
            )
        )
        return {
            (row["maintenance_plan_id"][0], row["equipment_id"][0]): (
                row["maintenance_occurrence"],
                row["maintenance_due_date"],
                row["maintenance_due_hours"],
            )
            for row in requests
        }

    def _next_due(self, unit, last, today):
        """(occurrence, due date, due hours) of the next maintenance of ``unit`` under this plan.

        Months count from the last occurrence's due date (the unit's start date
        for the first one); hours from the last occurrence's due hours. The hours
        due date is estimated from the unit's average hours per day; the earlier
        of the two dates wins.
        """
        self.ensure_one()
        occurrence, last_date, last_hours = last or (0, unit._get_service_start_date(), 0.0)
        candidates = []
        if self.interval_months:
            candidates.append(last_date + relativedelta(months=self.interval_months))
        due_hours = 0.0
        if self.interval_hours:
            due_hours = last_hours + self.interval_hours
            remaining = due_hours - unit.current_hours
            if remaining <= 0:
                candidates.append(today)
            elif unit.average_hours_per_day > 0:
                candidates.append(today + timedelta(days=int(remaining / unit.average_hours_per_day)))
        if not candidates:
            return False
        return occurrence + 1, min(candidates), due_hours

    @api.model
    def _cron_plan_maintenance(self):
        """Enqueue the planning of the units with a maintenance due within a plan's horizon.

        One job per batch of ``_planning_batch_size`` units of a company (channel
        root.after_sales.planning); the job plans each due occurrence once.
        """
        today = fields.Date.context_today(self)
        unit_ids = set()
        for company in self.env["res.company"].search([]):
            plans = self.with_company(company).search([("company_id", "=", company.id)])
            unit_ids.update(unit.id for __, unit, __ in plans._get_due_occurrences(today))
        delay_in_batches(
            self.env["after_sales.equipment"].browse(sorted(unit_ids)),
            "_plan_maintenance",
            today,
            batch_size=self._planning_batch_size,
            description=self.env._("Plan preventive maintenance"),
        )

    def _get_due_occurrences(self, today, units=None):
        """[(plan, unit, (occurrence, due date, due hours))] due within the plans' horizons.

        ``units``: only these units (default: every unit in service the plans apply to).
        """
        units = self._get_units() if units is None else units
        if not units:
            return []
        last_by_key = self._last_occurrences(units)
        due_list = []
        for plan in self:
            for unit in plan._units_of(units):
                due = plan._next_due(unit, last_by_key.get((plan.id, unit.id)), today)
                if due and due[1] <= today + timedelta(days=plan.horizon_days):
                    due_list.append((plan, unit, due))
        return due_list

    def _plan_requests(self, today, units=None):
        """Create the maintenance requests due on ``today`` (of ``units`` only, when given)."""
        due_list = self._get_due_occurrences(today, units)
        vals_list = [plan._prepare_request_vals(unit, *due) for plan, unit, due in due_list]
        return self.env["after_sales.request"].create(vals_list)

    def _prepare_request_vals(self, unit, occurrence, due_date, due_hours):
        """Values of the maintenance request for ``unit`` (a hook for sibling modules)."""
        self.ensure_one()
        scheduled = fields.Datetime.to_datetime(due_date) + timedelta(hours=9)
        return {
            "title": self.env._("%(plan)s #%(n)s", plan=self.name, n=occurrence),
            "request_type": self.request_type,
            "channel": "visit",
            "equipment_id": unit.id,
            "partner_id": unit.partner_id.id,
            "company_id": unit.company_id.id,
            "team_id": self.team_id.id,
            "user_id": False,
            "scheduled_date": scheduled,
            "maintenance_plan_id": self.id,
            "maintenance_occurrence": occurrence,
            "maintenance_due_date": due_date,
            "maintenance_due_hours": due_hours,
            "line_ids": [fields.Command.create(line._prepare_request_line_vals()) for line in self.line_ids],
            "visit_ids": [fields.Command.create(vals) for vals in self._prepare_visit_vals(scheduled)],
        }

    def _prepare_visit_vals(self, start):
        """The proposed on-site visit of a planned request starting at ``start`` (none without a duration)."""
        self.ensure_one()
        if not self.visit_hours:
            return []
        return [
            {
                "planned_start": start,
                "planned_end": start + timedelta(hours=self.visit_hours),
                "engineer_ids": [fields.Command.set(self.visit_engineer_ids.ids)],
            }
        ]
