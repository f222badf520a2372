from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.image import base64_to_image

ESTIMATE_STATES = [
    ("draft", "Draft"),
    ("sent", "Sent"),
    ("accepted", "Accepted"),
    ("declined", "Declined"),
    ("cancelled", "Cancelled"),
]


class AfterSalesEstimate(models.Model):
    _name = "after_sales.estimate"
    _description = "Service Estimate"
    _inherit = [
        "portal.mixin",
        "after_sales.customer.channel.mixin",
        "mail.thread",
        "after_sales.portal.mixin",
    ]
    _order = "id desc"
    # what the customer's estimate pages show; every other field is internal
    _portal_fields = {
        "name",
        "request_id",
        "partner_id",
        "state",
        "create_date",
        "currency_id",
        "line_ids",
        "amount_charged",
        "signed_by",
        "signed_on",
        "signature",
        "decline_reason",
        "access_url",
        "access_token",
    }

    name = fields.Char(required=True, readonly=True, copy=False, default="/")
    request_id = fields.Many2one(
        "after_sales.request", required=True, index=True, ondelete="cascade", readonly=True
    )
    partner_id = fields.Many2one(related="request_id.partner_id", store=True, index=True, string="Customer")
    company_id = fields.Many2one(related="request_id.company_id", store=True, index=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    state = fields.Selection(ESTIMATE_STATES, default="draft", required=True, readonly=True, tracking=True)
    line_ids = fields.One2many("after_sales.estimate.line", "estimate_id", string="Lines", readonly=True)
    amount_untaxed = fields.Monetary(string="Amount", compute="_compute_amounts", store=True)
    amount_charged = fields.Monetary(string="Customer Pays", compute="_compute_amounts", store=True)
    amount_covered = fields.Monetary(string="Covered", compute="_compute_amounts", store=True)
    signed_by = fields.Char(readonly=True, copy=False, tracking=True)
    signed_on = fields.Datetime(readonly=True, copy=False)
    signature = fields.Image(readonly=True, copy=False, attachment=True, max_width=1024, max_height=1024)
    decline_reason = fields.Text(readonly=True, copy=False)

    @api.depends("line_ids.price_subtotal", "line_ids.amount_charged")
    def _compute_amounts(self):
        for estimate in self:
            estimate.amount_untaxed = sum(estimate.line_ids.mapped("price_subtotal"))
            estimate.amount_charged = sum(estimate.line_ids.mapped("amount_charged"))
            estimate.amount_covered = estimate.amount_untaxed - estimate.amount_charged

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for estimate in self:
            estimate.access_url = f"/my/estimates/{estimate.id}"
        return res

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.env._("Estimate %s", self.name)

    # ------------------------------------------------------------ actions

    def action_send(self):
        """Open the composer with the estimate template (PDF and portal link)."""
        self.ensure_one()
        template = self.env.ref(
            "after_sales_billing.mail_template_after_sales_estimate", raise_if_not_found=False
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send Estimate %s", self.name),
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_template_id": template.id if template else False,
                "default_composition_mode": "comment",
                "default_email_layout_xmlid": "mail.mail_notification_layout_with_responsible_signature",
                "mark_estimate_as_sent": True,
                "force_email": True,
            },
        }

    def _send_by_template(self):
        """Send the estimate e-mail without the composer (used by tests and automation)."""
        template = self.env.ref("after_sales_billing.mail_template_after_sales_estimate")
        for estimate in self:
            composer = (
                self.env["mail.compose.message"]
                .with_context(mark_estimate_as_sent=True)
                .create(
                    {
                        "model": self._name,
                        "res_ids": estimate.ids,
                        "template_id": template.id,
                        "composition_mode": "comment",
                    }
                )
            )
            composer._action_send_mail()

    def message_post(self, **kwargs):
        # as Odoo's sale marks a quotation sent from its composer; only an internal user, who may
        # send the estimate anyway (not a customer posting on the portal with the key)
        if self.env.context.get("mark_estimate_as_sent") and self.env.user._is_internal():
            self.filtered(lambda e: e.state == "draft").write({"state": "sent"})
        return super().message_post(**kwargs)

    def _check_open(self):
        for estimate in self:
            if estimate.state not in ("draft", "sent"):
                raise UserError(
                    self.env._("Estimate %s has already been answered or cancelled.", estimate.name)
                )

    def action_accept(self, signed_by, signature=None):
        """The customer accepts: ``signed_by`` is mandatory, a drawn ``signature`` (base64 image) optional."""
        signed_by = (signed_by or "").strip()
        if not signed_by:
            raise UserError(self.env._("Type your name to accept the estimate."))
        self._check_open()
        vals = {"state": "accepted", "signed_by": signed_by, "signed_on": fields.Datetime.now()}
        if signature:
            base64_to_image(signature)  # a UserError when it is not an image
            vals["signature"] = signature
        self.write(vals)
        for estimate in self:
            estimate.request_id.message_post(
                body=self.env._("Estimate %(name)s accepted by %(who)s.", name=estimate.name, who=signed_by)
            )
        return True

    def action_decline(self, reason):
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give a reason to decline the estimate."))
        self._check_open()
        self.write({"state": "declined", "decline_reason": reason})
        for estimate in self:
            estimate.request_id.message_post(
                body=self.env._("Estimate %(name)s declined: %(reason)s", name=estimate.name, reason=reason)
            )
        return True

    def action_cancel(self):
        self.filtered(lambda e: e.state in ("draft", "sent")).write({"state": "cancelled"})
        return True
