from odoo import fields, models
from odoo.exceptions import UserError


class AfterSalesVisit(models.Model):
    _inherit = "after_sales.visit"

    request_is_resolved = fields.Boolean(related="request_id.is_resolved", string="Request Resolved")
    act_signed_on = fields.Datetime(related="request_id.act_signed_on")

    def action_open_sign_act(self):
        """On site, at the end of the visit: the customer signs the request's act on the tablet."""
        self.ensure_one()
        request = self.request_id
        if not request.is_resolved:
            raise UserError(
                self.env._(
                    "Resolve request %s first (what was done, parts used): the customer signs the act "
                    "of completed work.",
                    request.name,
                )
            )
        return request.action_open_sign_act()
