import ast

from odoo import api, fields, models


class AfterSalesTeam(models.Model):
    _name = "after_sales.team"
    _description = "Service Team"
    _inherit = ["mail.alias.mixin"]
    _order = "sequence, name"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    user_id = fields.Many2one("res.users", string="Team Leader", domain=[("share", "=", False)])
    member_ids = fields.Many2many("res.users", string="Members", domain=[("share", "=", False)])
    color = fields.Integer()
    alias_id = fields.Many2one(
        help="E-mails sent to this address create service requests of the team; "
        "replies to a request's e-mails are added to that request."
    )
    project_id = fields.Many2one(
        "project.project",
        string="Timesheet Project",
        check_company=True,
        domain="[('allow_timesheets', '=', True)]",
        help="The project the timesheets of the team's requests go to (made with the team).",
    )
    telegram_gateway_id = fields.Many2one(
        "mail.gateway",
        string="Telegram Bot",
        check_company=True,
        domain=[("gateway_type", "=", "telegram")],
        help="Messages to this bot open requests of the team (or continue the chat's open one); "
        "what the team sends the customer from a request goes back to the chat.",
    )
    labour_product_id = fields.Many2one(
        "product.product",
        check_company=True,
        domain=[("type", "=", "service")],
        help="Product of the work lines recording the timesheets of the team's requests "
        "(default: the company's).",
    )

    _telegram_gateway_uniq = models.Constraint(
        "UNIQUE(telegram_gateway_id)", "A Telegram bot serves one service team."
    )

    def _alias_get_creation_values(self):
        """Mails to the team's alias create requests of the team, in the team's company."""
        values = super()._alias_get_creation_values()
        values["alias_model_id"] = self.env["ir.model"]._get_id("after_sales.request")
        if self.id:
            defaults = ast.literal_eval(self.alias_defaults or "{}")
            defaults.update(team_id=self.id, company_id=self.company_id.id)
            values["alias_defaults"] = defaults
        return values

    @api.model_create_multi
    def create(self, vals_list):
        teams = super().create(vals_list)
        for team in teams:
            team._get_timesheet_project()
        return teams

    def write(self, vals):
        if "company_id" in vals and "project_id" not in vals:
            # the timesheet project belongs to the company: another one is made for the new company
            vals = dict(vals, project_id=False)
        res = super().write(vals)
        if "company_id" in vals:
            # the alias' defaults carry the company
            for team in self:
                team.alias_id.sudo().write(team._alias_get_creation_values())
                team._get_timesheet_project()
        return res

    def _get_timesheet_project(self, create=True):
        """The team's timesheet project, made when missing unless not ``create``."""
        self.ensure_one()
        if not self.project_id and create:
            project = self.env["project.project"].sudo().create(self._prepare_timesheet_project_vals())
            self.sudo().project_id = project
        return self.project_id

    def _prepare_timesheet_project_vals(self):
        """Values of the timesheet project of the team (a hook)."""
        self.ensure_one()
        return {
            "name": self.env._("After-Sales: %s", self.name),
            "company_id": self.company_id.id,
            "allow_timesheets": True,
            "privacy_visibility": "employees",
        }
