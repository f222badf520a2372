import logging
import re
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import format_datetime, html2plaintext, is_html_empty
from odoo.tools.mail import email_normalize, parse_contact_from_email

from ..locks import RETRY_ERRORS
from ..tools import check_finite_numbers

_logger = logging.getLogger(__name__)

PRIORITIES = [
    ("0", "Low"),
    ("1", "Normal"),
    ("2", "High"),
    ("3", "Urgent"),
]

REQUEST_TYPES = [
    ("consultation", "Consultation"),
    ("claim", "Claim"),
    ("repair", "Repair"),
    ("preventive", "Preventive Maintenance"),
    ("installation", "Installation Supervision"),
    ("commissioning", "Commissioning"),
    ("training", "Training"),
    ("modernization", "Modernization"),
]

CHANNELS = [("phone", "Phone"), ("email", "E-mail"), ("portal", "Portal"), ("visit", "Visit")]

LIFECYCLE_STAGES = [
    ("delivery", "Delivery"),
    ("installation", "Installation / Commissioning"),
    ("operation", "Operation"),
    ("storage", "Storage"),
]

# Fields of the claims review board: only managers decide.
REVIEW_FIELDS = {
    "review_findings",
    "review_justified",
    "review_root_cause",
    "review_corrective_action",
    "review_preventive_action",
    "review_decision",
    "review_decision_date",
}

# E-mail intake: the longest title taken from a subject, and what is read to find serials.
MAIL_TITLE_MAX = 120
MAIL_SERIAL_TEXT_MAX = 20000
MAIL_SERIAL_TOKENS_MAX = 500
MAIL_SERIAL_TOKEN_RE = re.compile(r"\w[\w./-]{1,62}\w")
# Headers of mails no person wrote (RFC 3834 and the usual non-standard ones).
MAIL_AUTO_PRECEDENCES = {"bulk", "auto_reply", "junk"}
MAIL_AUTO_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder")

# What anyone may still change on a closed or cancelled request.
CLOSED_WRITABLE_PREFIXES = ("message_", "activity_", "rating_", "website_message")
CLOSED_WRITABLE_FIELDS = {"sla_response_breached", "sla_resolution_breached", "access_token"}

# What a user may change that moves the SLA deadlines (directly or through the contract and policy).
SLA_DEADLINE_SOURCES = {
    "date_open",
    "priority",
    "sla_policy_id",
    "contract_id",
    "partner_id",
    "equipment_id",
    "company_id",
}

SLA_KINDS = ("response", "resolution")

_logger = logging.getLogger(__name__)


class AfterSalesRequest(models.Model):
    _name = "after_sales.request"
    _description = "Service Request"
    _inherit = [
        "portal.mixin",
        "rating.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "after_sales.portal.mixin",
    ]
    _order = "priority desc, date_open desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "title", "lot_id.name", "partner_id.name"]
    _mail_post_access = "read"
    # What a customer reads of its own requests (the portal pages, their link and chatter); every
    # other field is internal: team and user, SLA bookkeeping, contract, costs, the review board.
    # The priority is listed because the model's order starts with it: every search of requests,
    # and of lines (ordered by their request), reads it.
    _portal_fields = {
        "name",
        "title",
        "active",
        "priority",
        "partner_id",
        "equipment_id",
        "request_type",
        "stage_id",
        "is_closed",
        "is_resolved",
        "date_open",
        "sla_resolution_deadline",
        "scheduled_date",
        "description",
        "resolution",
        "line_ids",
        "access_url",
        "access_token",
        "website_message_ids",
    }

    name = fields.Char(
        string="Number", required=True, readonly=True, copy=False, default="/", index="trigram"
    )
    title = fields.Char(string="Subject", required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_open = fields.Datetime(
        string="Received", required=True, default=fields.Datetime.now, index=True, copy=False
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        index=True,
        check_company=True,
        tracking=True,
    )
    contact_id = fields.Many2one(
        "res.partner",
        check_company=True,
        domain="[('commercial_partner_id', '=', partner_id)]",
        help="The person who reported the request.",
    )
    equipment_id = fields.Many2one(
        "after_sales.equipment",
        index="btree_not_null",
        check_company=True,
        tracking=True,
        domain="[('partner_id', '=?', partner_id)]",
    )
    product_id = fields.Many2one(
        "product.product",
        compute="_compute_from_equipment",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        check_company=True,
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Serial Number",
        compute="_compute_from_equipment",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
    )
    product_categ_id = fields.Many2one(
        related="product_id.categ_id", string="Product Category", store=True, index=True
    )
    request_type = fields.Selection(
        REQUEST_TYPES, string="Type", required=True, default="repair", index=True, tracking=True
    )
    channel = fields.Selection(CHANNELS, default="phone", required=True, index=True)
    partner_needs_review = fields.Boolean(
        string="Check Customer",
        copy=False,
        tracking=True,
        groups="base.group_user",
        help="The customer was created from the address of an unknown e-mail sender: check it "
        "(or put the right customer on the request), then clear this flag.",
    )
    origin_request_id = fields.Many2one(
        "after_sales.request",
        string="Follow-up of",
        index="btree_not_null",
        copy=False,
        readonly=True,
        check_company=True,
        groups="base.group_user",
        help="The closed request the customer replied to by e-mail.",
    )
    cause_id = fields.Many2one("after_sales.cause", index="btree_not_null", tracking=True)
    lifecycle_stage = fields.Selection(LIFECYCLE_STAGES, index=True)
    damage_amount = fields.Monetary(currency_field="currency_id", aggregator="sum")
    priority = fields.Selection(PRIORITIES, default="1", required=True, index=True, tracking=True)
    team_id = fields.Many2one("after_sales.team", check_company=True, index="btree_not_null")
    user_id = fields.Many2one(
        "res.users",
        domain=[("share", "=", False)],
        index="btree_not_null",
        tracking=True,
        default=lambda self: self.env.user,
    )
    scheduled_date = fields.Datetime(string="Scheduled On", index="btree_not_null")
    scheduled_duration = fields.Float(string="Duration", help="Planned duration in hours.")
    scheduled_date_end = fields.Datetime(
        string="Scheduled End", compute="_compute_scheduled_date_end", store=True
    )
    description = fields.Html()
    resolution = fields.Html()
    stage_id = fields.Many2one(
        "after_sales.request.stage",
        required=True,
        index=True,
        tracking=True,
        copy=False,
        ondelete="restrict",
        default=lambda self: self._default_stage_id(),
        group_expand="_read_group_stage_ids",
    )
    is_closed = fields.Boolean(related="stage_id.is_closed", store=True, index=True)
    is_resolved = fields.Boolean(compute="_compute_is_resolved", store=True, index=True)
    date_closed = fields.Datetime(copy=False, readonly=True)
    resolution_time = fields.Float(
        string="Resolution Time (h)",
        compute="_compute_resolution_time",
        store=True,
        aggregator="avg",
        help="Calendar hours from reception to resolution.",
    )
    color = fields.Integer()
    kanban_state = fields.Selection(
        [("normal", "In Progress"), ("done", "Ready"), ("blocked", "Blocked")],
        default="normal",
        copy=False,
    )

    # Claims review board
    # the claims review board's work is internal: never readable by portal users
    review_findings = fields.Html(string="Findings", groups="base.group_user")
    review_justified = fields.Selection(
        [("yes", "Justified"), ("no", "Not Justified")],
        string="Claim Justified",
        tracking=True,
        groups="base.group_user",
    )
    review_root_cause = fields.Text(string="Root Cause", groups="base.group_user")
    review_corrective_action = fields.Text(string="Corrective Actions", groups="base.group_user")
    review_preventive_action = fields.Text(string="Preventive Actions", groups="base.group_user")
    review_decision = fields.Text(string="Board Decision", tracking=True, groups="base.group_user")
    review_decision_date = fields.Date(string="Decision Date", tracking=True, groups="base.group_user")

    # Repairs and lines
    repair_ids = fields.One2many("repair.order", "after_sales_request_id", string="Repair Orders")
    repair_count = fields.Integer(compute="_compute_repair_count")
    visit_ids = fields.One2many("after_sales.visit", "request_id", string="Visits")
    visit_count = fields.Integer(compute="_compute_visit_count")
    repair_state = fields.Char(compute="_compute_repair_count", string="Repair Status")
    line_ids = fields.One2many("after_sales.request.line", "request_id", string="Service Lines", copy=True)

    # Contract and SLA
    contract_id = fields.Many2one(
        "after_sales.contract",
        compute="_compute_contract_id",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        check_company=True,
        tracking=True,
    )
    sla_policy_id = fields.Many2one(
        "after_sales.sla.policy",
        string="SLA Policy",
        compute="_compute_sla_policy_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
        tracking=True,
    )
    sla_response_deadline = fields.Datetime(
        string="Response Deadline", compute="_compute_sla_deadlines", store=True, copy=False
    )
    sla_resolution_deadline = fields.Datetime(
        string="Resolution Deadline", compute="_compute_sla_deadlines", store=True, copy=False
    )
    sla_response_date = fields.Datetime(string="First Response", copy=False, readonly=True)
    sla_resolution_date = fields.Datetime(string="Resolved On", copy=False, readonly=True)
    sla_response_breached = fields.Boolean(
        string="Response Breached", compute="_compute_sla_breached", store=True, copy=False
    )
    sla_resolution_breached = fields.Boolean(
        string="Resolution Breached", compute="_compute_sla_breached", store=True, copy=False
    )
    sla_paused_hours = fields.Float(
        string="Paused (working hours)",
        copy=False,
        readonly=True,
        help="Working hours spent in pausing stages.",
    )
    sla_response_paused_hours = fields.Float(
        string="Paused before Response (working hours)",
        copy=False,
        readonly=True,
        help="Working hours paused while the first response was still due: only they move its deadline.",
    )
    sla_paused_since = fields.Datetime(string="Paused Since", copy=False, readonly=True)
    # SLA escalation: a warning at the target's share of the time, an escalation at the deadline
    sla_response_warning_deadline = fields.Datetime(
        string="Response Warning At",
        compute="_compute_sla_deadlines",
        store=True,
        copy=False,
        help="When the response target's warning share of working time has passed (pauses included).",
    )
    sla_resolution_warning_deadline = fields.Datetime(
        string="Resolution Warning At",
        compute="_compute_sla_deadlines",
        store=True,
        copy=False,
        help="When the resolution target's warning share of working time has passed (pauses included).",
    )
    sla_response_warned_at = fields.Datetime(string="Response Warning Sent", copy=False, readonly=True)
    sla_resolution_warned_at = fields.Datetime(string="Resolution Warning Sent", copy=False, readonly=True)
    sla_response_escalated_at = fields.Datetime(string="Response Breach Escalated", copy=False, readonly=True)
    sla_resolution_escalated_at = fields.Datetime(
        string="Resolution Breach Escalated", copy=False, readonly=True
    )
    sla_escalation_next = fields.Datetime(
        string="Next SLA Escalation",
        compute="_compute_sla_escalation_next",
        store=True,
        copy=False,
        index="btree_not_null",
        help="When the SLA cron next warns or escalates this request; empty when nothing is pending "
        "(no deadline, paused, target reached, closed or cancelled).",
    )
    sla_compliance = fields.Float(
        string="SLA Compliance (%)",
        compute="_compute_sla_compliance",
        store=True,
        aggregator="avg",
        help="100 for a request resolved within its deadlines, 0 when a deadline was breached.",
    )
    is_review_manager = fields.Boolean(compute="_compute_is_review_manager")
    sla_status = fields.Selection(
        [("ok", "On Track"), ("at_risk", "At Risk"), ("breached", "Breached"), ("met", "Met")],
        string="SLA Status",
        compute="_compute_sla_status",
    )

    # Preventive maintenance
    maintenance_plan_id = fields.Many2one(
        "after_sales.maintenance.plan", index="btree_not_null", readonly=True, copy=False
    )
    maintenance_occurrence = fields.Integer(readonly=True, copy=False)
    maintenance_due_date = fields.Date(readonly=True, copy=False)
    maintenance_due_hours = fields.Float(readonly=True, copy=False)

    # Time tracking: timesheets (each one a work line) and the current user's timer
    timesheet_ids = fields.One2many("account.analytic.line", "after_sales_request_id", string="Timesheets")
    timesheet_hours = fields.Float(
        string="Time Logged",
        compute="_compute_timesheet_totals",
        compute_sudo=True,
        help="Hours of all the timesheets of the request.",
    )
    timesheet_cost = fields.Monetary(
        string="Labour Cost",
        compute="_compute_timesheet_totals",
        compute_sudo=True,
        currency_field="currency_id",
        groups="after_sales_service.group_after_sales_manager",
        help="The timesheets at their employees' hourly cost.",
    )
    amount_cost = fields.Monetary(
        string="Cost",
        compute="_compute_amount_cost",
        compute_sudo=True,
        currency_field="currency_id",
        groups="after_sales_service.group_after_sales_manager",
        help="What the request cost: the labour of its timesheets, and what the installed modules add "
        "(the parts used at their cost).",
    )
    timer_running = fields.Boolean(string="My Timer Running", compute="_compute_timer")
    timer_start = fields.Datetime(string="My Timer Started", compute="_compute_timer")
    resolve_warning = fields.Text(
        compute="_compute_resolve_warning",
        help="What is still open on the request when it is resolved or closed (parts not issued...).",
    )

    _name_company_uniq = models.Constraint(
        "UNIQUE(name, company_id)", "The request number must be unique per company."
    )
    _maintenance_occurrence_uniq = models.Constraint(
        "UNIQUE(maintenance_plan_id, equipment_id, maintenance_occurrence)",
        "This maintenance occurrence already has a request.",
    )
    _sla_response_open_idx = models.Index(
        "(sla_response_deadline) WHERE sla_response_breached IS NOT TRUE AND sla_response_date IS NULL"
    )
    _sla_resolution_open_idx = models.Index(
        "(sla_resolution_deadline) WHERE sla_resolution_breached IS NOT TRUE AND sla_resolution_date IS NULL"
    )
    # the default list: the first page of open requests in the model's order
    _open_order_idx = models.Index(
        "(priority DESC, date_open DESC, id DESC) WHERE is_closed IS NOT TRUE AND active IS TRUE"
    )
    # the stage counts of the open requests (list groups, kanban columns): read from the index
    _open_stage_idx = models.Index("(company_id, stage_id) WHERE is_closed IS NOT TRUE AND active IS TRUE")

    # ------------------------------------------------------------ defaults

    def _default_stage_id(self):
        return self.env["after_sales.request.stage"].search([], limit=1)

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        return stages.search([], order=stages._order)

    # ------------------------------------------------------------ computes

    @api.depends("equipment_id")
    def _compute_partner_id(self):
        for request in self:
            if request.equipment_id:
                request.partner_id = request.equipment_id.partner_id

    @api.depends("equipment_id")
    def _compute_from_equipment(self):
        for request in self:
            if request.equipment_id:
                request.product_id = request.equipment_id.product_id
                request.lot_id = request.equipment_id.lot_id

    @api.depends("scheduled_date", "scheduled_duration")
    def _compute_scheduled_date_end(self):
        for request in self:
            request.scheduled_date_end = request.scheduled_date and request.scheduled_date + timedelta(
                hours=request.scheduled_duration or 1.0
            )

    @api.depends("line_ids")
    def _compute_resolve_warning(self):
        for request in self:
            request.resolve_warning = "\n".join(request._get_resolve_warnings()) or False

    @api.depends("stage_id.is_resolved", "stage_id.is_closed", "stage_id.is_cancel")
    def _compute_is_resolved(self):
        for request in self:
            stage = request.stage_id
            request.is_resolved = stage.is_resolved or (stage.is_closed and not stage.is_cancel)

    @api.depends("date_open", "sla_resolution_date")
    def _compute_resolution_time(self):
        for request in self:
            if request.sla_resolution_date and request.date_open:
                delta = request.sla_resolution_date - request.date_open
                request.resolution_time = delta.total_seconds() / 3600
            else:
                request.resolution_time = 0.0

    def _compute_repair_count(self):
        labels = dict(self.env["repair.order"]._fields["state"]._description_selection(self.env))
        for request in self:
            request.repair_count = len(request.repair_ids)
            request.repair_state = ", ".join(
                f"{repair.name}: {labels.get(repair.state, repair.state)}" for repair in request.repair_ids
            )

    @api.depends("visit_ids")
    def _compute_visit_count(self):
        for request in self:
            request.visit_count = len(request.visit_ids)

    @api.depends("partner_id", "equipment_id", "date_open", "company_id")
    def _compute_contract_id(self):
        contracts_by_partner = self.env["after_sales.contract"]._active_contracts_by_partner(
            self.partner_id.commercial_partner_id, self.company_id
        )
        for request in self:
            partner = request.partner_id.commercial_partner_id
            day = fields.Date.to_date(request.date_open or fields.Datetime.now())
            request.contract_id = next(
                (
                    contract
                    for contract in contracts_by_partner.get(partner.id, [])
                    if contract.company_id == request.company_id
                    and contract._covers(request.equipment_id, day)
                ),
                False,
            )

    @api.depends("contract_id", "company_id")
    def _compute_sla_policy_id(self):
        for request in self:
            request.sla_policy_id = (
                request.contract_id.sla_policy_id or request.company_id.after_sales_sla_policy_id
            )

    @api.depends("date_open", "priority", "sla_policy_id", "sla_paused_hours", "sla_response_paused_hours")
    def _compute_sla_deadlines(self):
        for request in self:
            policy = request.sla_policy_id
            target = policy._target_for(request.priority) if policy else False
            if not target or not request.date_open:
                request.sla_response_deadline = False
                request.sla_resolution_deadline = False
                request.sla_response_warning_deadline = False
                request.sla_resolution_warning_deadline = False
                continue
            # a pause moves only the targets not met when it started
            start = request.date_open
            share = target.warning_percent / 100.0
            for kind, hours, paused in (
                ("response", target.response_hours, request.sla_response_paused_hours),
                ("resolution", target.resolution_hours, request.sla_paused_hours),
            ):
                request[f"sla_{kind}_deadline"] = policy._add_working_hours(start, hours + paused)
                # the warning: the same share of working time, the same pauses added
                request[f"sla_{kind}_warning_deadline"] = (
                    share and hours and policy._add_working_hours(start, hours * share + paused)
                ) or False

    @api.depends(
        "sla_response_deadline",
        "sla_resolution_deadline",
        "sla_response_date",
        "sla_resolution_date",
        "stage_id.is_cancel",
    )
    def _compute_sla_breached(self):
        """Breached when reached late, or not reached and the deadline is past.

        The cron flags the open ones as their deadline passes; this compute
        keeps the flags right when a deadline or a reached date changes. A pause
        never moves a target already met or breached (``_on_stage_change``), so it
        does not undo a breach; a corrected priority or policy does. A cancelled
        request counts none.
        """
        now = fields.Datetime.now()
        for request in self:
            if request.stage_id.is_cancel:
                request.sla_response_breached = request.sla_resolution_breached = False
                continue
            request.sla_response_breached = bool(
                request.sla_response_deadline
                and (request.sla_response_date or now) > request.sla_response_deadline
            )
            request.sla_resolution_breached = bool(
                request.sla_resolution_deadline
                and (request.sla_resolution_date or now) > request.sla_resolution_deadline
            )

    @api.depends(
        "sla_response_deadline",
        "sla_resolution_deadline",
        "sla_response_warning_deadline",
        "sla_resolution_warning_deadline",
        "sla_response_date",
        "sla_resolution_date",
        "sla_response_warned_at",
        "sla_resolution_warned_at",
        "sla_response_escalated_at",
        "sla_resolution_escalated_at",
        "sla_paused_since",
        "is_closed",
        "active",
        "stage_id.is_cancel",
    )
    def _compute_sla_escalation_next(self):
        """The earliest pending escalation: what the SLA cron searches on (indexed, never a scan)."""
        for request in self:
            pending = request._get_sla_escalations_pending()
            request.sla_escalation_next = min(pending.values()) if pending else False

    @api.depends("is_resolved", "sla_response_breached", "sla_resolution_breached")
    def _compute_sla_compliance(self):
        for request in self:
            breached = request.sla_response_breached or request.sla_resolution_breached
            request.sla_compliance = 100.0 if request.is_resolved and not breached else 0.0

    @api.depends_context("uid")
    def _compute_is_review_manager(self):
        self.is_review_manager = self._is_manager()

    def _compute_sla_status(self):
        now = fields.Datetime.now()
        risk = timedelta(hours=self._sla_risk_hours())
        for request in self:
            if request.sla_response_breached or request.sla_resolution_breached:
                request.sla_status = "breached"
            elif request.sla_resolution_date or request.is_closed:
                request.sla_status = "met"
            elif (
                request.sla_resolution_deadline
                and not request.sla_paused_since
                and request.sla_resolution_deadline - now <= risk
            ):
                request.sla_status = "at_risk"
            else:
                request.sla_status = "ok"

    @api.model
    def _sla_risk_hours(self):
        """Hours before a deadline from which a request is "at risk" (the list filter uses one day too)."""
        return 24

    @api.depends("timesheet_ids.unit_amount", "timesheet_ids.product_uom_id", "timesheet_ids.amount")
    def _compute_timesheet_totals(self):
        # everyone's timesheets, read in the database: an engineer's form reads only their own
        hour = self.env.ref("uom.product_uom_hour")
        totals = defaultdict(lambda: [0.0, 0.0])
        for request, uom, unit_amount, amount in self.env["account.analytic.line"]._read_group(
            [("after_sales_request_id", "in", self._origin.ids)],
            ["after_sales_request_id", "product_uom_id"],
            ["unit_amount:sum", "amount:sum"],
        ):
            hours = uom._compute_quantity(unit_amount, hour, raise_if_failure=False) if uom else unit_amount
            totals[request.id][0] += hours
            totals[request.id][1] -= amount
        for request in self:
            request.timesheet_hours, request.timesheet_cost = totals[request._origin.id]

    @api.depends("timesheet_cost")
    def _compute_amount_cost(self):
        """The labour of the timesheets (a hook: modules add the cost of what else was used)."""
        for request in self:
            request.amount_cost = request.timesheet_cost

    @api.depends_context("uid")
    def _compute_timer(self):
        saved = self.filtered(lambda r: r._origin.id)
        timers = (
            self.env["after_sales.timer"]
            .sudo()
            .search([("user_id", "=", self.env.uid), ("request_id", "in", saved._origin.ids)])
        )
        start_by_request = {timer.request_id.id: timer.start for timer in timers}
        for request in self:
            start = start_by_request.get(request._origin.id)
            request.timer_running = bool(start)
            request.timer_start = start or False

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for request in self:
            request.access_url = f"/my/requests/{request.id}"
        return res

    # ---------------------------------------------------------- constraints

    @api.constrains("stage_id", "resolution")
    def _check_resolution_on_close(self):
        for request in self:
            stage = request.stage_id
            if stage.is_closed and not stage.is_cancel and is_html_empty(request.resolution):
                raise ValidationError(
                    self.env._("Write the resolution before closing request %s.", request.name)
                )

    @api.constrains("damage_amount", "scheduled_duration")
    def _check_amounts(self):
        for request in self:
            if request.damage_amount < 0 or request.scheduled_duration < 0:
                raise ValidationError(self.env._("Damage amount and duration cannot be negative."))

    @api.constrains("equipment_id", "partner_id")
    def _check_equipment_partner(self):
        for request in self:
            unit = request.equipment_id
            if unit and unit.partner_id.commercial_partner_id != request.partner_id.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "Unit %(unit)s belongs to %(owner)s, not to %(customer)s.",
                        unit=unit.display_name,
                        owner=unit.partner_id.display_name,
                        customer=request.partner_id.display_name,
                    )
                )

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        check_finite_numbers(self, vals_list)
        self._check_review_access(set().union(*vals_list) if vals_list else set())
        Stage = self.env["after_sales.request.stage"]
        for vals in vals_list:
            stage = Stage.browse(vals.get("stage_id") or self.env.context.get("default_stage_id"))
            if stage.is_closed and not stage.is_cancel and is_html_empty(vals.get("resolution")):
                raise ValidationError(
                    self.env._("Write the resolution before closing request %s.", vals.get("title") or "")
                )
            if vals.get("name", "/") == "/":
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                vals["name"] = (
                    self.env["ir.sequence"].with_company(company).next_by_code("after_sales.request") or "/"
                )
        requests = super().create(vals_list)
        now = fields.Datetime.now()
        for request in requests:
            if request.sla_policy_id and request.stage_id in request.sla_policy_id.pause_stage_ids:
                request.sla_paused_since = now
            if request.partner_id:
                request.message_subscribe(partner_ids=request.partner_id.ids)
        requests._notify_customer_created()
        # created past New (answered at once, entered afterwards): as if it had moved there from New
        started = requests.filtered(lambda r: r.stage_id and not r.stage_id.is_new)
        if started:
            new_stage = self.env["after_sales.request.stage"].search([("is_new", "=", True)], limit=1)
            for stage, group in started.grouped("stage_id").items():
                group._on_stage_change(dict.fromkeys(group.ids, new_stage), stage)
        return requests

    def write(self, vals):  # pylint: disable=method-required-super
        # the request's write is ``_write_request`` (it calls ``super().write``), which the resolve
        # step calls with the work lines it keeps open: an explicit parameter, not a context key
        return self._write_request(vals)

    def _write_request(self, vals, keep_open_lines=None):
        """The request's write, its checks and what a stage change does.

        ``keep_open_lines``: work lines the resolve step keeps open (not done) when this write
        resolves the request; an explicit parameter of the resolve step, never a context key.
        """
        check_finite_numbers(self, [vals])
        self._check_review_access(set(vals))
        self._check_closed_write(set(vals))
        warned = self.browse()
        if SLA_DEADLINE_SOURCES & set(vals):
            warned = self.filtered(lambda r: r.sla_response_warned_at or r.sla_resolution_warned_at)
        if "stage_id" not in vals:
            res = super().write(vals)
            warned._rearm_sla_warnings()
            return res
        new_stage = self.env["after_sales.request.stage"].browse(vals["stage_id"])
        self.filtered(lambda r: r.stage_id != new_stage)._check_can_change_stage(new_stage)
        if new_stage.is_closed and not new_stage.is_cancel:
            resolution = vals.get("resolution")
            for request in self:
                if is_html_empty(resolution if "resolution" in vals else request.resolution):
                    raise ValidationError(
                        self.env._("Write the resolution before closing request %s.", request.name)
                    )
        old_stages = {request.id: request.stage_id for request in self}
        res = super().write(vals)
        self._on_stage_change(old_stages, new_stage, keep_open_lines=keep_open_lines)
        warned._rearm_sla_warnings()
        return res

    def _check_can_change_stage(self, new_stage):
        """Refuse moving these requests to ``new_stage`` (a hook: nothing by default)."""

    @api.ondelete(at_uninstall=False)
    def _unlink_except_closed(self):
        if any(request.is_closed for request in self) and not self._is_manager():
            raise UserError(self.env._("Only managers can delete closed or cancelled requests."))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_timesheets(self):
        logged = (
            self.env["account.analytic.line"]
            .sudo()
            .search([("after_sales_request_id", "in", self.ids)], limit=1)
        )
        if logged:
            raise UserError(
                self.env._(
                    "Request %s has logged time: delete its timesheets first.",
                    logged.after_sales_request_id.name,
                )
            )

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        if default and "line_ids" in default:
            return vals_list
        for request, vals in zip(self, vals_list, strict=True):
            logged = request.line_ids.filtered(lambda line: line._is_from_timesheet())
            if logged and "line_ids" in vals:
                # logged time is not copied: its lines go with their timesheets
                vals["line_ids"] = [
                    fields.Command.create(line_vals) for line_vals in (request.line_ids - logged).copy_data()
                ]
        return vals_list

    # -------------------------------------------------------------- actions

    def action_create_repair(self):
        """Open a new repair order for the request's unit, linked both ways."""
        self.ensure_one()
        self._check_can_create_repair()
        repair = self.env["repair.order"].create(self._prepare_repair_vals())
        self.message_post(body=self.env._("Repair order %s created.", repair._get_html_link()))
        return {
            "type": "ir.actions.act_window",
            "res_model": "repair.order",
            "res_id": repair.id,
            "view_mode": "form",
        }

    def action_resolve(self):
        """Open the resolve step: the resolution and which pending work was done."""
        self.ensure_one()
        self._check_can_resolve()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Resolve %s", self.name),
            "res_model": "after_sales.request.resolve.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_request_id": self.id},
        }

    def action_close(self):
        """Close resolved requests (the customer is told and asked to rate, as the stage says)."""
        stage = self.env["after_sales.request.stage"].search(
            [("is_closed", "=", True), ("is_cancel", "=", False)], limit=1
        )
        if not stage:
            raise UserError(self.env._("No closing stage is configured."))
        self.filtered(lambda r: r.stage_id != stage).write({"stage_id": stage.id})
        return True

    def action_timer_start(self):
        """Start the current user's timer on this request."""
        self.ensure_one()
        employee = self._get_timer_employee()
        self._check_can_start_timer(employee)
        self.env["after_sales.timer"]._start(self, employee)
        self.invalidate_recordset(["timer_running", "timer_start"])
        return True

    def action_timer_stop(self):
        """Stop the current user's timer: its time, rounded, becomes a timesheet of the request."""
        self.ensure_one()
        self._get_user_timer()._stop()
        self.invalidate_recordset(["timer_running", "timer_start"])
        return True

    def action_timer_discard(self):
        """Stop the current user's timer without logging its time."""
        self.ensure_one()
        self._get_user_timer()._discard()
        self.invalidate_recordset(["timer_running", "timer_start"])
        return True

    def action_view_repairs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("repair.action_repair_order_tree")
        action["domain"] = [("after_sales_request_id", "=", self.id)]
        action["context"] = {"default_after_sales_request_id": self.id}
        if self.repair_count == 1:
            action.update(view_mode="form", views=[(False, "form")], res_id=self.repair_ids.id)
        return action

    def action_view_visits(self):
        """The on-site visits of the request."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("after_sales_service.after_sales_visit_action")
        action["domain"] = [("request_id", "=", self.id)]
        action["context"] = {"default_request_id": self.id}
        return action

    def action_plan_visit(self):
        """A new visit's form, prefilled with the request (the first one at its scheduled time)."""
        self.ensure_one()
        context = {"default_request_id": self.id}
        if self.scheduled_date and not self.visit_ids:
            context.update(
                default_planned_start=fields.Datetime.to_string(self.scheduled_date),
                default_planned_end=fields.Datetime.to_string(self.scheduled_date_end),
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Plan Visit"),
            "res_model": "after_sales.visit",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "context": context,
        }

    # ------------------------------------------------------------- business

    def _write_unchecked(self, vals):
        """Write computed bookkeeping (SLA dates, flags) without the user-edit guards."""
        return super().write(vals)

    def _is_manager(self):
        return self.env.su or self.env.user.has_group("after_sales_service.group_after_sales_manager")

    def _check_review_access(self, field_names):
        if field_names & REVIEW_FIELDS and not self._is_manager():
            raise AccessError(
                self.env._("Only the claims review board (After-Sales managers) decides on claims.")
            )

    def _check_closed_write(self, field_names):
        if self._is_manager() or not any(self.mapped("is_closed")):
            return
        blocked = {
            name
            for name in field_names
            if name not in CLOSED_WRITABLE_FIELDS and not name.startswith(CLOSED_WRITABLE_PREFIXES)
        }
        if blocked:
            raise UserError(self.env._("Closed and cancelled requests can only be changed by managers."))

    def _check_lines_editable(self):
        """Refuse adding or removing service lines of closed or cancelled requests, as the request
        itself refuses (``_check_closed_write``): only managers change them."""
        if self._is_manager() or not any(self.mapped("is_closed")):
            return
        raise UserError(self.env._("Closed and cancelled requests can only be changed by managers."))

    def _check_can_resolve(self):
        if self.is_closed:
            raise UserError(self.env._("Request %s is closed.", self.name))

    def _action_resolve(self, resolution, keep_open_lines=None):
        """Write the ``resolution`` and move to the Resolved stage (pending work becomes done,
        but ``keep_open_lines``)."""
        self.ensure_one()
        self._check_can_resolve()
        stage = self.env["after_sales.request.stage"].search([("is_resolved", "=", True)], limit=1)
        if not stage:
            raise UserError(self.env._("No Resolved stage is configured."))
        vals = {"resolution": resolution}
        if self.stage_id != stage and not self.is_resolved:
            vals["stage_id"] = stage.id
        self._write_request(vals, keep_open_lines=keep_open_lines)

    def _get_resolve_warnings(self):
        """What the back office should know before resolving or closing the request (a hook).

        A list of sentences, empty when nothing is left open; sibling modules add theirs with
        ``super()`` (parts not issued yet...). The resolve step and the request form show them.
        """
        self.ensure_one()
        return []

    def _get_display_tz(self, partner=None):
        """Time zone in which this request's dates and times are told to ``partner``.

        The partner's own time zone; else the service's: the SLA calendar's, the company's.
        """
        self.ensure_one()
        return (
            (partner and partner.tz)
            or self.sla_policy_id.calendar_id.tz
            or self.company_id.resource_calendar_id.tz
            or self.company_id.partner_id.tz
            or "UTC"
        )

    def _format_datetime_tz(self, value, partner=None):
        """``value`` (a UTC datetime) as text in ``partner``'s time zone (see ``_get_display_tz``),
        the time zone named: a deadline read in a message or on a page says which clock it is on."""
        self.ensure_one()
        if not value:
            return ""
        tz = self._get_display_tz(partner)
        return self.env._("%(datetime)s (%(tz)s)", datetime=format_datetime(self.env, value, tz=tz), tz=tz)

    def _get_pending_work_lines(self):
        """Work lines with a quantity that are not done yet."""
        return self.line_ids.filtered(
            lambda line: line.line_type == "work" and not line.done and line.quantity > 0
        )

    def _complete_work_lines(self, keep_open_lines=None):
        """On resolving, the work with a quantity is done, except ``keep_open_lines`` (what the
        resolve step kept open).

        A service desk resolves a request when the work is finished: its work lines are what is
        billed, so they must not stay "not done" by oversight. The request's chatter says which
        lines this marked done.
        """
        keep_open = set(keep_open_lines.ids) if keep_open_lines else set()
        for request in self:
            lines = request._get_pending_work_lines().filtered(lambda line: line.id not in keep_open)
            if not lines:
                continue
            lines.write({"done": True})
            request.message_post(
                body=self.env._(
                    "Resolved: work marked done: %s.",
                    ", ".join(
                        f"{line.product_id.display_name or line.name} ({line.quantity:g} {line.uom_id.name})"
                        for line in lines
                    ),
                ),
                subtype_xmlid="mail.mt_note",
            )

    def _check_can_create_repair(self):
        if not self.product_id:
            raise UserError(self.env._("Set the unit or the product to repair first."))
        if self.is_closed:
            raise UserError(self.env._("Request %s is closed.", self.name))

    def _prepare_repair_vals(self):
        """Values of the repair order created from this request (a hook for sibling modules)."""
        self.ensure_one()
        return {
            "product_id": self.product_id.id,
            "lot_id": self.lot_id.id,
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "after_sales_request_id": self.id,
            "internal_notes": self.description,
            "user_id": self.user_id.id,
        }

    def _check_can_log_time(self):
        """Refuse logging time on these requests where the user may not change them."""
        self.check_access("write")
        closed = self.filtered("is_closed")
        if closed and not self._is_manager():
            raise UserError(
                self.env._("Request %s is closed: time is no longer logged on it.", closed[0].name)
            )

    def _get_timesheet_project(self, create=True):
        """The project the timesheets of this request go to: its team's (without a team, the
        company's default team's), else the company's; made when missing unless not ``create``."""
        self.ensure_one()
        team = self.team_id or self.company_id.after_sales_team_id
        if team:
            return team._get_timesheet_project(create=create)
        return self.company_id._get_after_sales_timesheet_project(create=create)

    def _get_labour_product(self):
        """The product of the work lines recording this request's timesheets: the team's, else the
        company's labour product."""
        self.ensure_one()
        product = self.team_id.labour_product_id or self.company_id.after_sales_labour_product_id
        if not product:
            product = self.env.ref("after_sales_service.product_labour", raise_if_not_found=False)
        return product if product and product.active else self.env["product.product"]

    def _get_timer_employee(self):
        """The current user's employee in the request's company: time is logged in its name."""
        self.ensure_one()
        employee = (
            self.env["hr.employee"]
            .sudo()
            .search([("user_id", "=", self.env.uid), ("company_id", "=", self.company_id.id)], limit=1)
        )
        if not employee:
            raise UserError(
                self.env._(
                    "You are not an employee of %s: ask HR to link your user to an employee to log time.",
                    self.company_id.name,
                )
            )
        return employee.sudo(False)

    def _check_can_start_timer(self, employee):
        self._check_can_log_time()
        running = self.env["after_sales.timer"].sudo().search([("employee_id", "=", employee.id)], limit=1)
        if running.request_id == self:
            raise UserError(self.env._("Your timer already runs on request %s.", self.name))
        if running:
            raise UserError(
                self.env._(
                    "You already have a timer running on request %s: stop it first.", running.request_id.name
                )
            )

    def _get_user_timer(self):
        """The current user's running timer on this request."""
        self.ensure_one()
        timer = self.env["after_sales.timer"].search(
            [("request_id", "=", self.id), ("user_id", "=", self.env.uid)], limit=1
        )
        if not timer:
            raise UserError(self.env._("You have no timer running on request %s.", self.name))
        return timer

    def _on_stage_change(self, old_stages, new_stage, keep_open_lines=None):
        """SLA clock, reached dates and closing after a stage change."""
        now = fields.Datetime.now()
        for request in self:
            old_stage = old_stages[request.id]
            if old_stage == new_stage:
                continue
            policy = request.sla_policy_id
            vals = {}
            pausing = policy.pause_stage_ids if policy else self.env["after_sales.request.stage"]
            if request.sla_paused_since and new_stage not in pausing:
                paused = policy._working_hours_between(request.sla_paused_since, now)
                vals["sla_paused_since"] = False
                # a pause moves only the targets neither met nor breached when it started
                since = request.sla_paused_since
                resolved, deadline = request.sla_resolution_date, request.sla_resolution_deadline
                if not (resolved and resolved <= since) and not (deadline and deadline < since):
                    vals["sla_paused_hours"] = request.sla_paused_hours + paused
                response, deadline = request.sla_response_date, request.sla_response_deadline
                if (not response or response > since) and not (deadline and deadline < since):
                    vals["sla_response_paused_hours"] = request.sla_response_paused_hours + paused
            elif not request.sla_paused_since and new_stage in pausing:
                vals["sla_paused_since"] = now
            if old_stage.is_new and not new_stage.is_new and not request.sla_response_date:
                vals["sla_response_date"] = now
            resolved = new_stage.is_resolved or (new_stage.is_closed and not new_stage.is_cancel)
            if resolved and not request.sla_resolution_date:
                vals["sla_resolution_date"] = now
                vals.setdefault("sla_response_date", request.sla_response_date or now)
            elif not resolved and not new_stage.is_closed and request.sla_resolution_date:
                vals["sla_resolution_date"] = False
            was_resolved = old_stage.is_resolved or (old_stage.is_closed and not old_stage.is_cancel)
            if resolved and not was_resolved:
                request._complete_work_lines(keep_open_lines)
            if new_stage.is_closed and not old_stage.is_closed:
                vals["date_closed"] = now
            elif not new_stage.is_closed and old_stage.is_closed:
                vals["date_closed"] = False
            if vals:
                request._write_unchecked(vals)
            if new_stage.rating_template_id and not new_stage.is_cancel and request.partner_id:
                request.rating_send_request(
                    new_stage.rating_template_id, lang=request.partner_id.lang, force_send=False
                )

    def _notify_customer_created(self):
        template = self.env.ref("after_sales_service.mail_template_request_created", raise_if_not_found=False)
        if not template:
            return
        # an automatic acknowledgement, never the first response (even when its author is staff)
        for request in self.filtered("partner_id"):
            request.message_post_with_source(
                template,
                message_type="auto_comment",
                subtype_xmlid="mail.mt_comment",
                email_layout_xmlid="mail.mail_notification_light",
            )

    def _track_template(self, changes):
        res = super()._track_template(changes)
        request = self[0]
        stage = request.stage_id
        if "stage_id" in changes and stage.notify_customer and stage.mail_template_id:
            res["stage_id"] = (
                stage.mail_template_id,
                {
                    "auto_delete_keep_log": False,
                    "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment"),
                    "email_layout_xmlid": "mail.mail_notification_light",
                },
            )
        return res

    def _message_post_after_hook(self, message, msg_vals):
        """A public reply from staff to the customer is the first response."""
        if (
            not self.sla_response_date
            and message.message_type == "comment"
            and message.subtype_id == self.env.ref("mail.mt_comment")
            and message.author_id.user_ids.filtered(lambda u: not u.share)
        ):
            self.sudo()._write_unchecked({"sla_response_date": fields.Datetime.now()})
        return super()._message_post_after_hook(message, msg_vals)

    def _rating_get_operator(self):
        return self.user_id.partner_id

    def _get_sla_breach_domain(self, kind, now):
        """Open, running requests whose ``kind`` ("response"/"resolution") deadline is past."""
        return Domain(
            [
                (f"sla_{kind}_deadline", "<", now),
                (f"sla_{kind}_breached", "=", False),
                (f"sla_{kind}_date", "=", False),
                ("sla_paused_since", "=", False),
                ("is_closed", "=", False),
            ]
        )

    @api.model
    def _cron_flag_sla_breaches(self):
        """Flag requests whose deadline has passed, then escalate the due ones.

        Reads only those, by the indexed deadlines and the indexed next escalation.
        """
        now = fields.Datetime.now()
        self._flag_sla_breaches(now)
        self._cron_escalate_sla(now)

    @api.model
    def _flag_sla_breaches(self, now):
        """Flag the open, running requests whose deadline is past at ``now``."""
        for kind in SLA_KINDS:
            late = self.search(self._get_sla_breach_domain(kind, now))
            if late:
                late._write_unchecked({f"sla_{kind}_breached": True})

    # ------------------------------------------------------- SLA escalation
    #
    # Per target (response, resolution) two levels: a warning when the target's
    # warning share of working time has passed, a breach at the deadline. Each
    # level is sent once per request: its date is stored and never cleared,
    # except in one case below. A pause stops the clock and moves the pending
    # levels with the deadlines; a level already sent stays sent (the share of
    # time spent when it went out does not change). A correction of the request
    # (priority, policy, contract, received date) that moves a warning later than
    # the moment it was sent re-arms that warning: by the corrected target it was
    # sent too early and no longer applies, so it is sent again when due. A breach
    # escalation is never sent twice, even when a correction removes the breach.
    # A request whose deadline passes before its warning was sent (the cron did
    # not run in between) gets the breach escalation only.

    def _get_sla_escalations_pending(self):
        """{(kind, level): when} of the escalations not sent yet, ``level`` "warning" or "breach"."""
        self.ensure_one()
        if self.sla_paused_since or self.is_closed or not self.active or self.stage_id.is_cancel:
            return {}
        pending = {}
        for kind in SLA_KINDS:
            if self[f"sla_{kind}_date"] or self[f"sla_{kind}_escalated_at"]:
                continue
            if self[f"sla_{kind}_deadline"]:
                pending[(kind, "breach")] = self[f"sla_{kind}_deadline"]
            warning = self[f"sla_{kind}_warning_deadline"]
            if warning and not self[f"sla_{kind}_warned_at"]:
                pending[(kind, "warning")] = warning
        return pending

    def _rearm_sla_warnings(self):
        """Warnings sent before their corrected warning time no longer apply: send them again then."""
        for request in self:
            vals = {}
            for kind in SLA_KINDS:
                warned = request[f"sla_{kind}_warned_at"]
                warning = request[f"sla_{kind}_warning_deadline"]
                if warned and warning and warned < warning and not request[f"sla_{kind}_escalated_at"]:
                    vals[f"sla_{kind}_warned_at"] = False
            if vals:
                request._write_unchecked(vals)

    @api.model
    def _get_sla_escalation_domain(self, now):
        """Requests with an escalation due at ``now`` (by the indexed next escalation)."""
        return Domain("sla_escalation_next", "<=", now)

    @api.model
    def _cron_escalate_sla(self, now=None):
        """Warn and escalate the requests whose next escalation is due; reads only those."""
        now = now or fields.Datetime.now()
        due = self.search(self._get_sla_escalation_domain(now), order="sla_escalation_next, id")
        if due:
            due._escalate_sla(now)

    def _get_sla_escalation_users(self):
        """{request id: user} who is escalated to: the team leader, else an After-Sales manager.

        A request without a team, or whose team has no leader, goes to the first After-Sales
        manager of its company (one search per company).
        """
        managers = {}
        result = {}
        group = self.env.ref("after_sales_service.group_after_sales_manager")
        for request in self:
            leader = request.team_id.user_id
            if leader and leader.active:
                result[request.id] = leader
                continue
            company = request.company_id
            if company not in managers:
                managers[company] = self.env["res.users"].search(
                    [
                        ("group_ids", "in", group.ids),
                        ("company_ids", "in", company.ids),
                        ("share", "=", False),
                        ("id", "!=", self.env.ref("base.user_root").id),
                    ],
                    order="id",
                    limit=1,
                )
            result[request.id] = managers[company]
        return result

    def _prepare_sla_escalation_message(self, kind, level):
        """(activity summary, message body) of the ``level`` escalation of the ``kind`` target."""
        self.ensure_one()
        deadline = self._format_datetime_tz(self[f"sla_{kind}_deadline"])
        percent = self.sla_policy_id._target_for(self.priority).warning_percent
        if (kind, level) == ("response", "warning"):
            summary = self.env._("SLA warning: response to %s", self.name)
            body = self.env._(
                "SLA warning: %(percent)s %% of the response time has passed; respond by %(deadline)s.",
                percent=percent,
                deadline=deadline,
            )
        elif (kind, level) == ("resolution", "warning"):
            summary = self.env._("SLA warning: resolution of %s", self.name)
            body = self.env._(
                "SLA warning: %(percent)s %% of the resolution time has passed; resolve by %(deadline)s.",
                percent=percent,
                deadline=deadline,
            )
        elif kind == "response":
            summary = self.env._("SLA breached: response to %s", self.name)
            body = self.env._("SLA breached: the response was due by %s.", deadline)
        else:
            summary = self.env._("SLA breached: resolution of %s", self.name)
            body = self.env._("SLA breached: the resolution was due by %s.", deadline)
        return summary, body

    def _prepare_sla_escalation_activity_vals(self, user, summary, body):
        """Values of the activity that tells ``user`` (the team leader) of an escalation."""
        self.ensure_one()
        return {
            "res_model_id": self.env["ir.model"]._get_id(self._name),
            "res_id": self.id,
            "activity_type_id": self.env.ref("after_sales_service.mail_activity_type_sla_escalation").id,
            "summary": summary,
            "note": body,
            "user_id": user.id,
            "date_deadline": fields.Date.context_today(self.with_user(user)),
        }

    def _escalate_sla(self, now):
        """Send the escalations of these requests due at ``now``, each once.

        For each: an activity for the team leader (or the fallback manager), a note on the
        request addressed to the assigned user and, at a breach of a target that says so,
        the request reassigned to the team leader. Each request in its own savepoint: one
        that fails is logged and tried again by the next run, the others are escalated.
        """
        users = self._get_sla_escalation_users()
        for request in self:
            due = {key: when for key, when in request._get_sla_escalations_pending().items() if when <= now}
            if not due:
                continue
            try:
                with self.env.cr.savepoint():
                    request._send_sla_escalations(due, users[request.id], now)
            except RETRY_ERRORS:
                raise
            except Exception:  # logged, the other requests go on
                _logger.exception("SLA escalation of request %s failed", request.name)

    def _send_sla_escalations(self, due, leader, now):
        """Send the ``due`` escalations ({(kind, level): when}) of this request to ``leader``."""
        self.ensure_one()
        target = self.sla_policy_id._target_for(self.priority)
        activity_vals = []
        vals = {}
        for kind in SLA_KINDS:
            # a passed deadline escalates the breach; its warning, not sent in time, is left out
            level = "breach" if (kind, "breach") in due else "warning" if (kind, "warning") in due else None
            if not level:
                continue
            vals[f"sla_{kind}_escalated_at" if level == "breach" else f"sla_{kind}_warned_at"] = now
            summary, body = self._prepare_sla_escalation_message(kind, level)
            if leader:
                activity_vals.append(self._prepare_sla_escalation_activity_vals(leader, summary, body))
            self.message_post(
                body=body, subtype_xmlid="mail.mt_note", partner_ids=self.user_id.partner_id.ids
            )
            leader_of_team = self.team_id.user_id
            if (
                level == "breach"
                and target.breach_reassign
                and leader_of_team
                and self.user_id != leader_of_team
            ):
                vals["user_id"] = leader_of_team.id
        self._write_unchecked(vals)
        if activity_vals:
            self.env["mail.activity"].create(activity_vals)

    @api.model
    def _create_from_portal(self, partner, equipment, title, description):
        """Create a request submitted by ``partner`` on the portal for one of their units."""
        if equipment.partner_id.commercial_partner_id != partner.commercial_partner_id:
            raise AccessError(self.env._("This unit is not yours."))
        if not (title or "").strip():
            raise UserError(self.env._("Give the request a subject."))
        return self.sudo().create(
            {
                "title": title.strip(),
                "description": description,
                "partner_id": partner.commercial_partner_id.id,
                "contact_id": partner.id,
                "equipment_id": equipment.id,
                "company_id": equipment.company_id.id,
                "channel": "portal",
                "request_type": "repair",
                "user_id": False,
            }
        )

    # ---------------------------------------------------------- mail gateway

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """Create a request from an e-mail sent to a team's alias (``custom_values``: its defaults).

        The customer is the sender's partner (a new contact to check when the address is
        unknown), the unit one of that customer's units whose serial the mail names, the
        reception time the mail's Date. A reply to a closed request comes here too when the
        company opens follow-ups (``origin_request_id`` in ``custom_values``).
        """
        custom_values = dict(custom_values or {})
        values = self._prepare_mail_request_vals(msg_dict, custom_values)
        # "name" is the request number: mail would put the subject there
        values = {"name": "/", **values, **custom_values}
        request = super().message_new(msg_dict, custom_values=values)
        if request.contact_id and request.contact_id != request.partner_id:
            request.message_subscribe(partner_ids=request.contact_id.ids)
        if request.origin_request_id:
            request.origin_request_id.message_post(
                body=self.env._(
                    "The customer replied after closing: follow-up %s opened.", request._get_html_link()
                ),
                subtype_xmlid="mail.mt_note",
            )
        return request

    def message_update(self, msg_dict, update_vals=None):
        """A customer's e-mail reply: back to work from a stage waiting for the customer; a
        closed request is reopened when the company reopens (otherwise mail routing has made
        a follow-up, see ``_mail_route_replies``). Automatic replies change nothing."""
        if not self.env.context.get("after_sales_mail_automatic"):
            self._on_customer_mail_reply(msg_dict)
        return super().message_update(msg_dict, update_vals=update_vals)

    @api.model
    def _detect_loop_sender_domain(self, email_from_normalized):
        """Requests created by mail from this address (mail counts them to stop loops)."""
        return [
            ("channel", "=", "email"),
            "|",
            ("contact_id.email_normalized", "=", email_from_normalized),
            ("partner_id.email_normalized", "=", email_from_normalized),
        ]

    @api.model
    def _prepare_mail_request_vals(self, msg_dict, custom_values):
        """Values of a request created from the mail ``msg_dict`` (a hook for sibling modules)."""
        company = self.env["res.company"].browse(custom_values.get("company_id")) or self.env.company
        origin = self.browse(custom_values.get("origin_request_id")).exists()
        contact = self._mail_find_sender(msg_dict, company)
        needs_review = False
        if origin:
            partner = origin.partner_id
            if contact.commercial_partner_id != partner.commercial_partner_id:
                contact = origin.contact_id
        else:
            # a new contact, or one of the company's users (a forwarded mail): someone checks
            needs_review = not contact or not contact.partner_share
            if not contact:
                contact = self._mail_create_sender(msg_dict)
            partner = contact.commercial_partner_id
            # the incoming message is posted as written by this contact
            msg_dict["author_id"] = contact.id
        subject = msg_dict.get("subject") or ""
        body = msg_dict.get("body") or ""
        text = html2plaintext(body) if not is_html_empty(body) else ""
        equipment = self.env["after_sales.equipment"]
        if not needs_review:
            equipment = self._mail_find_equipment(partner, company, f"{subject}\n{text}")
        if not equipment and origin:
            equipment = origin.equipment_id
        values = {
            "title": self._mail_title(subject, text, contact or partner),
            "description": body if text.strip() else False,
            "partner_id": partner.id,
            "contact_id": contact.id if contact != partner else False,
            "equipment_id": equipment.id,
            "channel": "email",
            "date_open": self._mail_date(msg_dict),
            "company_id": company.id,
            "team_id": origin.team_id.id or company.after_sales_team_id.id,
            "user_id": False,
            "partner_needs_review": needs_review,
        }
        if origin:
            values.update(request_type=origin.request_type, priority=origin.priority)
        return values

    @api.model
    def _mail_find_sender(self, msg_dict, company):
        """The contact who sent the mail: a partner of ``company`` (or shared) with its address.

        Customers come first, then contacts with a parent company, then the oldest.
        """
        email = email_normalize(msg_dict.get("email_from") or "")
        if not email:
            return self.env["res.partner"]
        partners = (
            self.env["res.partner"]
            .sudo()
            .search([("email_normalized", "=", email), ("company_id", "in", [False, company.id])], order="id")
        )
        author_id = msg_dict.get("author_id")
        return partners.sorted(lambda p: (p.id != author_id, not p.partner_share, not p.parent_id, p.id))[:1]

    @api.model
    def _mail_create_sender(self, msg_dict):
        """A new contact for an unknown sender, named as the mail's From says."""
        name, email = parse_contact_from_email(msg_dict.get("email_from") or "")
        return (
            self.env["res.partner"]
            .sudo()
            .create({"name": name or email or self.env._("Unknown e-mail sender"), "email": email or False})
        )

    @api.model
    def _mail_find_equipment(self, partner, company, text):
        """The one unit of ``partner``'s whose serial number appears in ``text`` (none if several)."""
        if not partner:
            return self.env["after_sales.equipment"]
        tokens = set()
        for match in MAIL_SERIAL_TOKEN_RE.finditer(text[:MAIL_SERIAL_TEXT_MAX]):
            token = match.group().strip("./-")
            tokens.update((token, token.upper()))
            if len(tokens) >= MAIL_SERIAL_TOKENS_MAX:
                break
        if not tokens:
            return self.env["after_sales.equipment"]
        units = (
            self.env["after_sales.equipment"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "child_of", partner.commercial_partner_id.id),
                    ("lot_id.name", "in", list(tokens)),
                ],
                limit=2,
            )
        )
        return units if len(units) == 1 else units.browse()

    @api.model
    def _mail_title(self, subject, text, sender):
        """A one-line title from the subject (or the body's first line), cut at a word."""
        title = " ".join(subject.split())
        if not title:
            title = " ".join(next((line for line in text.splitlines() if line.strip()), "").split())
        if not title:
            return self.env._("E-mail from %s", sender.name or self.env._("unknown sender"))
        if len(title) > MAIL_TITLE_MAX:
            cut = title[: MAIL_TITLE_MAX - 1]
            if " " in cut[MAIL_TITLE_MAX // 2 :]:
                cut = cut.rsplit(" ", 1)[0]
            title = cut.rstrip(" ,;:-") + "…"
        return title

    @api.model
    def _mail_date(self, msg_dict):
        """When the mail was sent (its Date header), never in the future."""
        now = fields.Datetime.now()
        date = fields.Datetime.to_datetime(msg_dict.get("date")) if msg_dict.get("date") else None
        return min(date, now) if date else now

    @api.model
    def _mail_is_automatic(self, message):
        """Whether ``message`` (an ``email.message``) was sent by a program: an auto-reply,
        a vacation notice, a bulk mailing (RFC 3834 ``Auto-Submitted`` and usual headers)."""
        auto_submitted = (message.get("Auto-Submitted") or "").strip().lower()
        if auto_submitted and auto_submitted != "no":
            return True
        if any(message.get(header) for header in MAIL_AUTO_HEADERS):
            return True
        return (message.get("Precedence") or "").strip().lower() in MAIL_AUTO_PRECEDENCES

    @api.model
    def _mail_route_replies(self, message, message_dict, routes):
        """Routes of an incoming mail for requests, before mail processes them.

        An automatic mail creates no request (its replies to a request are still logged); a
        reply to a closed request opens a follow-up when the company says so.
        """
        automatic = self._mail_is_automatic(message)
        if self._mail_is_own_address(message_dict.get("email_from")):
            # our own alias, catchall or bounce address is never a customer: a loop or a spoof
            _logger.info(
                "Ignored mail from our own address %s with Message-Id %s: "
                "no service request created or updated",
                message_dict.get("email_from"),
                message_dict.get("message_id"),
            )
            return [route for route in routes if route[0] != self._name], automatic
        result = []
        for route in routes:
            model, thread_id, _custom_values, user_id, alias = route
            if model != self._name:
                result.append(route)
            elif not thread_id:
                if automatic:
                    _logger.info(
                        "Ignored automatic mail from %s with Message-Id %s: no service request created",
                        message_dict.get("email_from"),
                        message_dict.get("message_id"),
                    )
                else:
                    result.append(route)
            else:
                request = self.sudo().browse(thread_id)
                if (
                    not automatic
                    and request.is_closed
                    and request.company_id.after_sales_closed_reply == "followup"
                    and self._mail_is_customer(message_dict)
                ):
                    followup_values = {
                        "origin_request_id": request.id,
                        "company_id": request.company_id.id,
                    }
                    result.append((model, False, followup_values, user_id, alias))
                else:
                    result.append(route)
        return result, automatic

    @api.model
    def _mail_is_own_address(self, email_from):
        """Whether ``email_from`` is one of our own addresses: an alias of any team or document,
        or an alias domain's catchall, bounce or default sender address."""
        email = email_normalize(email_from or "")
        return bool(email and self.env["mail.alias.domain"].sudo()._find_aliases([email]))

    @api.model
    def _mail_is_customer(self, msg_dict):
        """Whether the mail comes from outside (not from a user of the company)."""
        author = self.env["res.partner"].sudo().browse(msg_dict.get("author_id")).exists()
        return not author or author.partner_share

    def _get_customer_reply_stage(self):
        """Where a customer's reply moves a request back to: the first working stage."""
        Stage = self.env["after_sales.request.stage"]
        return Stage.search(
            [
                ("is_new", "=", False),
                ("is_resolved", "=", False),
                ("is_closed", "=", False),
                ("is_waiting_customer", "=", False),
            ],
            limit=1,
        ) or Stage.search([("is_new", "=", True)], limit=1)

    def _on_customer_mail_reply(self, msg_dict):
        """Move requests waiting for the customer back to work; reopen closed ones if the company
        reopens (see ``res.company.after_sales_closed_reply``)."""
        if not self._mail_is_customer(msg_dict):
            return
        stage = self._get_customer_reply_stage()
        for request in self:
            if request.is_closed:
                if request.company_id.after_sales_closed_reply != "reopen" or not stage:
                    continue
                request.write({"stage_id": stage.id})
                request.message_post(
                    body=self.env._("Reopened: the customer replied by e-mail."),
                    subtype_xmlid="mail.mt_note",
                )
            elif request.stage_id.is_waiting_customer and stage:
                request.write({"stage_id": stage.id})
