from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_datetime, is_html_empty

from ..tools import check_finite_numbers

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

CHANNELS = [
    ("phone", "Phone"),
    ("email", "E-mail"),
    ("portal", "Portal"),
    ("visit", "Visit"),
    ("qr", "QR Code"),
    ("telegram", "Telegram"),
]

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


class AfterSalesRequest(models.Model):
    """A customer's service request: its unit, stage, lines, repairs, visits and closing.

    Composed, as ``project.task`` is, of its concerns, each an abstract model in a file of its
    own: ``after_sales.sla.mixin`` (the SLA clock, breaches and escalation jobs),
    ``after_sales.mail.intake.mixin`` (requests created and updated by e-mail),
    ``after_sales.timer.mixin`` (timesheets and each user's timer) and
    ``after_sales.request.solution.mixin`` (suggestions from history, standard solutions).
    Sibling modules extend all of it through ``_inherit = "after_sales.request"``.
    """

    _name = "after_sales.request"
    _description = "Service Request"
    # the concerns that extend the mail thread come before it (the order is the MRO's)
    _inherit = [
        "portal.mixin",
        "rating.mixin",
        "after_sales.sla.mixin",
        "after_sales.mail.intake.mixin",
        "after_sales.timer.mixin",
        "after_sales.request.solution.mixin",
        "after_sales.request.reliability.mixin",
        "after_sales.customer.channel.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "after_sales.portal.mixin",
    ]
    _order = "priority desc, date_open desc, id desc"
    _check_company_auto = True
    # the SLA policy comes from the contract, else the company (see ``_sla_get_policy``)
    _sla_policy_depends = ("contract_id", "company_id")
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
    cause_id = fields.Many2one("after_sales.cause", index="btree_not_null", tracking=True)
    lifecycle_stage = fields.Selection(LIFECYCLE_STAGES, index=True)
    damage_amount = fields.Monetary(currency_field="currency_id", aggregator="sum")
    priority = fields.Selection(PRIORITIES, default="1", required=True, index=True, tracking=True)
    team_id = fields.Many2one("after_sales.team", check_company=True, index="btree_not_null")
    telegram_chat_id = fields.Many2one(
        "after_sales.telegram.chat",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The Telegram chat this request came from: what is sent to the customer from the "
        "chatter goes there, the chat's next messages come here while the request is open.",
    )
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
    is_review_manager = fields.Boolean(compute="_compute_is_review_manager")

    # Preventive maintenance
    maintenance_plan_id = fields.Many2one(
        "after_sales.maintenance.plan", index="btree_not_null", readonly=True, copy=False
    )
    maintenance_occurrence = fields.Integer(readonly=True, copy=False)
    maintenance_due_date = fields.Date(readonly=True, copy=False)
    maintenance_due_hours = fields.Float(readonly=True, copy=False)

    # Time tracking: timesheets (each one a work line) and the current user's timer
    amount_cost = fields.Monetary(
        string="Cost",
        compute="_compute_amount_cost",
        compute_sudo=True,
        currency_field="currency_id",
        groups="after_sales_service.group_after_sales_manager",
        help="What the request cost: the labour of its timesheets, and what the installed modules add "
        "(the parts used at their cost).",
    )
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

    @api.depends_context("uid")
    def _compute_is_review_manager(self):
        self.is_review_manager = self._is_manager()

    @api.depends("timesheet_cost")
    def _compute_amount_cost(self):
        """The labour of the timesheets (a hook: modules add the cost of what else was used)."""
        for request in self:
            request.amount_cost = request.timesheet_cost

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
        requests._sla_start_pause(now)
        for request in requests:
            if request.partner_id:
                request.message_subscribe(partner_ids=request.partner_id.ids)
        requests._notify_customer_created()
        self.env["after_sales.equipment.subscription"]._notify_units(requests.equipment_id, "opened")
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

    @api.readonly
    def action_view_repairs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("repair.action_repair_order_tree")
        action["domain"] = [("after_sales_request_id", "=", self.id)]
        action["context"] = {"default_after_sales_request_id": self.id}
        if self.repair_count == 1:
            action.update(view_mode="form", views=[(False, "form")], res_id=self.repair_ids.id)
        return action

    @api.readonly
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

    def _sla_get_policy(self):
        """The contract's SLA policy, else the company's default one."""
        self.ensure_one()
        return self.contract_id.sla_policy_id or self.company_id.after_sales_sla_policy_id

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

    def _on_stage_change(self, old_stages, new_stage, keep_open_lines=None):
        """SLA clock, reached dates and closing after a stage change."""
        now = fields.Datetime.now()
        resolved_units = self.env["after_sales.equipment"]
        for request in self:
            old_stage = old_stages[request.id]
            if old_stage == new_stage:
                continue
            vals = request._sla_prepare_stage_vals(old_stage, new_stage, now)
            resolved = new_stage.is_resolved or (new_stage.is_closed and not new_stage.is_cancel)
            was_resolved = old_stage.is_resolved or (old_stage.is_closed and not old_stage.is_cancel)
            if resolved and not was_resolved:
                request._complete_work_lines(keep_open_lines)
                resolved_units |= request.equipment_id
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
        self.env["after_sales.equipment.subscription"]._notify_units(resolved_units, "resolved")

    def _notify_customer_created(self):
        """Acknowledge the new requests to their customers: received, answered and resolved by
        the SLA's deadlines. Not those entered already resolved, closed or cancelled: records of
        what was done (a call answered at once, the history of a unit), nothing to acknowledge."""
        template = self.env.ref("after_sales_service.mail_template_request_created", raise_if_not_found=False)
        if not template:
            return
        received = self.filtered(
            lambda r: r.partner_id and not (r.stage_id.is_resolved or r.stage_id.is_closed)
        )
        # an automatic acknowledgement, never the first response (even when its author is staff)
        for request in received:
            request.message_post_with_source(
                template,
                message_type="auto_comment",
                subtype_xmlid="mail.mt_comment",
                email_layout_xmlid="mail.mail_notification_light",
            )

    def _notify_thread(self, message, msg_vals=False, **kwargs):
        """What the customer is told on a request opened from Telegram goes to its chat too."""
        recipients = super()._notify_thread(message, msg_vals=msg_vals, **kwargs)
        if self.telegram_chat_id and self._is_telegram_forwarded(message, msg_vals):
            self._send_to_telegram_chat(message)
        return recipients

    def _is_telegram_forwarded(self, message, msg_vals):
        """Messages to the customer: comments and automatic replies of a public subtype, not the
        chat's own messages (``gateway_type``)."""
        msg_vals = msg_vals or {}
        message = message.sudo()
        message_type = msg_vals.get("message_type", message.message_type)
        subtype = self.env["mail.message.subtype"].browse(msg_vals.get("subtype_id", message.subtype_id.id))
        gateway_type = msg_vals.get("gateway_type", message.gateway_type)
        return (
            message_type in ("comment", "auto_comment")
            and subtype
            and not subtype.internal
            and not gateway_type
        )

    def _send_to_telegram_chat(self, message):
        """Send ``message`` to the request's chat through OCA's gateway channel (once per chat)."""
        self.ensure_one()
        chat = self.telegram_chat_id.sudo()
        channel = chat.channel_id
        if not channel:
            return
        message = message.sudo()
        if message.notification_ids.filtered(lambda n: n.gateway_channel_id == channel):
            return  # the contact's own channel preference has sent it there already
        vals = message._get_gateway_thread_message_vals()
        posted = channel.with_context(no_gateway_notification=False).message_post(**vals)
        sent = posted.notification_ids.filtered(lambda n: n.gateway_channel_id == channel)[:1]
        self.env["mail.notification"].sudo().create(
            {
                "mail_message_id": message.id,
                "gateway_channel_id": channel.id,
                "notification_type": "gateway",
                "gateway_type": "telegram",
                "notification_status": sent.notification_status or "sent",
                "gateway_message_id": sent.gateway_message_id,
                "failure_type": sent.failure_type,
                "failure_reason": sent.failure_reason,
            }
        )

    def _on_customer_telegram_message(self):
        """The customer wrote in the chat: a request waiting for the customer goes back to work."""
        stage = self._get_customer_reply_stage()
        for request in self:
            if request.stage_id.is_waiting_customer and stage:
                request.write({"stage_id": stage.id})

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

    def _rating_get_operator(self):
        return self.user_id.partner_id

    @api.model
    def _create_from_public_page(self, unit, contact, title, description, request_type="repair"):
        """Create the request sent from ``unit``'s public page (its QR code) by ``contact``.

        The request is the unit's customer's; ``contact`` (the person who sent it, who may be
        nobody of that customer) is only named on it, and learns nothing of the customer.
        """
        if not (title or "").strip():
            raise UserError(self.env._("Describe the problem."))
        company = unit.company_id
        return self.sudo().create(
            {
                "title": title.strip(),
                "description": description,
                "contact_id": contact.id,
                "equipment_id": unit.id,
                "company_id": company.id,
                "team_id": company.after_sales_team_id.id,
                "channel": "qr",
                "request_type": request_type,
                "user_id": False,
            }
        )

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
