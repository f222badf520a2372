from odoo import api, fields, models

from ..locks import serialize_on_rows


class AfterSalesRequestStage(models.Model):
    _name = "after_sales.request.stage"
    _description = "Service Request Stage"
    _inherit = ["after_sales.portal.mixin"]
    _order = "sequence, id"
    # the stage's name is shown on the customer's requests; its settings are internal
    _portal_fields = {"name", "sequence", "active"}

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    fold = fields.Boolean(string="Folded in Kanban")
    is_new = fields.Boolean(
        string="Initial Stage",
        help="Requests in this stage have had no response yet: leaving it reaches the SLA response.",
    )
    is_resolved = fields.Boolean(
        string="Resolved Stage",
        help="Reaching this stage reaches the SLA resolution.",
    )
    is_closed = fields.Boolean(
        string="Closed Stage",
        help="Requests in this stage are finished and read-only except for managers.",
    )
    is_cancel = fields.Boolean(string="Cancelled Stage")
    is_waiting_customer = fields.Boolean(
        string="Waiting for the Customer",
        help="A reply from the customer by e-mail moves a request in this stage back to work.",
    )
    notify_customer = fields.Boolean(
        help="Send the stage's e-mail template to the customer when a request reaches this stage.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Customer E-mail",
        domain=[("model", "=", "after_sales.request")],
    )
    rating_template_id = fields.Many2one(
        "mail.template",
        string="Rating Request",
        domain=[("model", "=", "after_sales.request")],
        help="Ask the customer to rate the service when a request reaches this stage.",
    )
    description = fields.Text(translate=True)

    def write(self, vals):
        if "is_cancel" in vals:
            # the reliability facts of the requests in a stage whose "cancelled" flag flips are
            # computed again (a cancelled request is no failure): first their units' rows, as a
            # request's own change takes them (after_sales.request.reliability.mixin), so that a
            # failure of one of those units recorded at the same moment is replayed after this
            flipped = self.filtered(lambda stage: stage.is_cancel != bool(vals["is_cancel"]))
            if flipped:
                domain = [
                    ("stage_id", "in", flipped.ids),
                    ("cause_id", "!=", False),
                    ("equipment_id", "!=", False),
                ]
                Request = self.env["after_sales.request"].sudo().with_context(active_test=False)
                serialize_on_rows(Request.search(domain).equipment_id)
        return super().write(vals)

    @api.onchange("is_cancel")
    def _onchange_is_cancel(self):
        if self.is_cancel:
            self.is_closed = True
