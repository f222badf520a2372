from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    after_sales_sla_policy_id = fields.Many2one(
        "after_sales.sla.policy",
        string="Default SLA Policy",
        help="Applies to requests not covered by a contract with its own policy.",
    )
    after_sales_team_id = fields.Many2one(
        "after_sales.team",
        string="Default Service Team",
        help="Its e-mail alias is the company's service address; requests received by e-mail "
        "without a team of their own go to this team.",
    )
    after_sales_closed_reply = fields.Selection(
        [
            ("reopen", "Reopen the request"),
            ("followup", "Create a follow-up request"),
        ],
        string="Reply to a Closed Request",
        default="followup",
        required=True,
        help="What a customer's e-mail reply to a closed request does: reopen it, or open a new "
        "request linked to it (the closed one keeps its dates and SLA results).",
    )
    after_sales_portal_upload_mb = fields.Integer(
        string="Portal Upload Limit (MB)",
        default=10,
        help="The largest file a customer or dealer may upload on the portal (photos and documents "
        "of requests and warranty claims); a larger one is refused.",
    )
    after_sales_public_form_limit = fields.Integer(
        string="Public Forms per Hour",
        default=5,
        help="How many forms (problem reports, call requests, follow requests) one address may send "
        "from the units' public pages (their QR codes) in an hour; more are refused.",
    )
    after_sales_visit_product_id = fields.Many2one(
        "product.product",
        string="Visit Product",
        domain=[("type", "=", "service")],
        help="A done on-site visit becomes one work line of its request with this product: one "
        "call-out, or the hours on site when the product is sold by the hour. Empty: visits add "
        "no line (the time is logged on the request).",
    )
    after_sales_visit_max_hours = fields.Float(
        string="Longest Plausible Visit (Hours)",
        default=16.0,
        help="A visit checked out longer than this after its check-in is not billed until an "
        "After-Sales manager confirms (or corrects) its duration.",
    )
    after_sales_project_id = fields.Many2one(
        "project.project",
        string="After-Sales Timesheet Project",
        help="The timesheets of requests without a service team go to this project (made with the "
        "first of them).",
    )
    after_sales_labour_product_id = fields.Many2one(
        "product.product",
        string="Labour Product",
        domain=[("type", "=", "service")],
        help="Product of the work lines recording the timesheets of service requests (teams may have "
        "their own).",
    )
    after_sales_timer_rounding_minutes = fields.Integer(
        string="Timer Rounding (min)",
        default=15,
        help="A stopped timer logs its time rounded up to this many minutes (0: to the minute). "
        "Applies outside a contract and is the default of new contracts.",
    )
    after_sales_timer_minimum_minutes = fields.Integer(
        string="Timer Minimum (min)",
        help="A stopped timer logs at least this many minutes. "
        "Applies outside a contract and is the default of new contracts.",
    )
    after_sales_registry_background_rows = fields.Integer(
        string="Registries in the Background Above (Rows)",
        default=5000,
        help="An XLSX registry (requests, dealer claims, billing) of more rows than this is built in "
        "the background: the user gets it in the inbox when it is ready instead of waiting for the "
        "download.",
    )
    after_sales_registry_keep_days = fields.Integer(
        string="Keep Background Registries (Days)",
        default=7,
        help="The XLSX registries built in the background are deleted this many days after they "
        "were built (their inbox message stays).",
    )

    _after_sales_timer_rounding_check = models.Constraint(
        "CHECK(after_sales_timer_rounding_minutes >= 0 AND after_sales_timer_minimum_minutes >= 0)",
        "Timer rounding and minimum cannot be negative.",
    )
    _after_sales_visit_max_hours_check = models.Constraint(
        "CHECK(after_sales_visit_max_hours > 0)",
        "The longest plausible visit must be more than zero hours.",
    )

    def _after_sales_telegram_gateway(self):
        """The company's service bot (``mail.gateway``): its default team's, else any of its teams'."""
        self.ensure_one()
        team = self.sudo().after_sales_team_id
        if team.telegram_gateway_id:
            return team.telegram_gateway_id
        return (
            self.env["after_sales.team"]
            .sudo()
            .search([("company_id", "=", self.id), ("telegram_gateway_id", "!=", False)], limit=1)
            .telegram_gateway_id
        )

    def _get_after_sales_timesheet_project(self, create=True):
        """The company's timesheet project of requests without a team, made when missing unless
        not ``create``."""
        self.ensure_one()
        if not self.after_sales_project_id and create:
            project = (
                self.env["project.project"]
                .sudo()
                .create(
                    {
                        "name": self.env._("After-Sales"),
                        "company_id": self.id,
                        "allow_timesheets": True,
                        "privacy_visibility": "employees",
                    }
                )
            )
            self.sudo().after_sales_project_id = project
        return self.after_sales_project_id

    @api.constrains("after_sales_registry_keep_days")
    def _check_after_sales_registry_keep_days(self):
        for company in self:
            if company.after_sales_registry_keep_days < 1:
                raise ValidationError(
                    self.env._("Registries built in the background are kept at least one day.")
                )

    @api.constrains("after_sales_registry_background_rows")
    def _check_after_sales_registry_background_rows(self):
        for company in self:
            if company.after_sales_registry_background_rows < 0:
                raise ValidationError(
                    self.env._(
                        "The number of rows above which registries are built in the background "
                        "cannot be negative."
                    )
                )

    @api.constrains("after_sales_public_form_limit")
    def _check_after_sales_public_form_limit(self):
        for company in self:
            if company.after_sales_public_form_limit < 1:
                raise ValidationError(self.env._("Allow at least one public form per hour."))

    @api.constrains("after_sales_portal_upload_mb")
    def _check_after_sales_portal_upload_mb(self):
        for company in self:
            if company.after_sales_portal_upload_mb < 1:
                raise ValidationError(self.env._("The portal upload limit must be at least 1 MB."))
