import ast

from odoo import fields, models


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

    def _alias_get_creation_values(self):
        """Mails to the team's alias create requests of the team, in the team's company."""
        values = super()._alias_get_creation_values()
        values["alias_model_id"] = self.env["ir.model"]._get_id("after_sales.request")
        if self.id:
            defaults = ast.literal_eval(self.alias_defaults or "{}")
            defaults.update(team_id=self.id, company_id=self.company_id.id)
            values["alias_defaults"] = defaults
        return values

    def write(self, vals):
        res = super().write(vals)
        if "company_id" in vals:
            # the alias' defaults carry the company
            for team in self:
                team.alias_id.sudo().write(team._alias_get_creation_values())
        return res
