from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .after_sales_request import PRIORITIES


class AfterSalesSlaTarget(models.Model):
    _name = "after_sales.sla.target"
    _description = "SLA Target per Priority"
    _order = "policy_id, priority desc"

    policy_id = fields.Many2one("after_sales.sla.policy", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="policy_id.company_id", store=True, index=True)
    priority = fields.Selection(PRIORITIES, required=True, default="1")
    response_hours = fields.Float(
        string="Response (working hours)", required=True, help="Working hours to the first response."
    )
    resolution_hours = fields.Float(
        string="Resolution (working hours)", required=True, help="Working hours to the resolution."
    )
    warning_percent = fields.Integer(
        string="Warning at (%)",
        default=75,
        help="Share of each target's time after which the team leader is warned and the assigned "
        "user told (0: no warning). At the deadline itself the request is escalated in any case.",
    )
    breach_reassign = fields.Boolean(
        string="Reassign at Breach",
        help="When a target is breached, the request is reassigned to its team's leader.",
    )

    _policy_priority_uniq = models.Constraint(
        "UNIQUE(policy_id, priority)",
        "A policy has one target per priority.",
    )

    @api.constrains("warning_percent")
    def _check_warning_percent(self):
        for target in self:
            if not 0 <= target.warning_percent < 100:
                raise ValidationError(
                    self.env._("The SLA warning share is a percentage from 0 (no warning) to 99.")
                )

    @api.constrains("response_hours", "resolution_hours")
    def _check_hours(self):
        for target in self:
            if target.response_hours < 0 or target.resolution_hours < 0:
                raise ValidationError(self.env._("SLA targets cannot be negative."))
            if target.resolution_hours < target.response_hours:
                raise ValidationError(
                    self.env._("The resolution target cannot be shorter than the response target.")
                )
