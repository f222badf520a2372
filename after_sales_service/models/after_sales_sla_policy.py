from odoo import fields, models


class AfterSalesSlaPolicy(models.Model):
    _name = "after_sales.sla.policy"
    _description = "SLA Policy"
    _order = "sequence, name"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Hours",
        required=True,
        check_company=True,
        default=lambda self: self.env.company.resource_calendar_id,
        help="Targets count working hours of this calendar, public holidays excluded.",
    )
    target_ids = fields.One2many("after_sales.sla.target", "policy_id", string="Targets", copy=True)
    pause_stage_ids = fields.Many2many(
        "after_sales.request.stage",
        string="Pausing Stages",
        help="While a request is in one of these stages, its SLA clock stops.",
    )
    description = fields.Text(translate=True)

    def _target_for(self, priority):
        """The target of this policy for ``priority`` (empty when none)."""
        self.ensure_one()
        return self.target_ids.filtered(lambda t: t.priority == priority)[:1]

    def _add_working_hours(self, start, hours):
        """``start`` plus ``hours`` working hours on the policy's calendar (naive UTC)."""
        self.ensure_one()
        return self.calendar_id.plan_hours(hours, start, compute_leaves=True)

    def _working_hours_between(self, start, end):
        """Working hours of the policy's calendar between two naive UTC datetimes."""
        self.ensure_one()
        if not start or not end or end <= start:
            return 0.0
        return self.calendar_id.get_work_hours_count(start, end, compute_leaves=True)
