from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tools import format_datetime

# How long a visit created at a time only (a double-click on the dispatch board) lasts.
DEFAULT_VISIT_HOURS = 2

VISIT_STATES = [
    ("planned", "Planned"),
    ("en_route", "En Route"),
    ("on_site", "On Site"),
    ("to_confirm", "Duration to Confirm"),
    ("done", "Done"),
    ("cancelled", "Cancelled"),
]


# what only the visit's steps write (with ``state``)
STEP_FIELDS = ("check_in", "check_out")


# What, changed on a planned visit, the customer is told again.
PLANNING_FIELDS = {"planned_start", "planned_end", "engineer_ids"}


class AfterSalesVisit(models.Model):
    """An on-site appointment of a service request: who goes where, when, and what happened."""

    _name = "after_sales.visit"
    _description = "On-site Visit"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "planned_start desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "request_id.name", "partner_id.name"]

    name = fields.Char(string="Number", readonly=True, copy=False, default="/", index="trigram")
    # No check_company: the visit's company is its request's. With it, a new visit (no request
    # yet, so no company) offered only requests without a company: none could be picked.
    request_id = fields.Many2one(
        "after_sales.request",
        required=True,
        index=True,
        ondelete="cascade",
        tracking=True,
    )
    company_id = fields.Many2one(related="request_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="request_id.partner_id", string="Customer", store=True)
    request_type = fields.Selection(related="request_id.request_type")
    engineer_ids = fields.Many2many(
        "res.users",
        "after_sales_visit_res_users_rel",
        "visit_id",
        "user_id",
        string="Engineers",
        domain=[("share", "=", False)],
        tracking=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Lead Engineer",
        compute="_compute_user_id",
        help="The first engineer of the visit (colours the dispatch calendar).",
    )
    planned_start = fields.Datetime(required=True, tracking=True, index=True)
    planned_end = fields.Datetime(required=True, tracking=True)
    site_partner_id = fields.Many2one(
        "res.partner",
        string="Site Address",
        compute="_compute_site_partner_id",
        store=True,
        readonly=False,
        tracking=True,
    )
    state = fields.Selection(
        VISIT_STATES,
        string="Status",
        required=True,
        default="planned",
        copy=False,
        tracking=True,
        index=True,
        readonly=True,
        help="Changed by the visit's steps only (travel, check-in, check-out, cancel), by its "
        "engineers or a manager. A visit longer than the company's longest plausible visit waits "
        "for a manager to confirm its duration before it bills.",
    )
    check_in = fields.Datetime(string="Checked In", copy=False, readonly=True, tracking=True)
    check_out = fields.Datetime(string="Checked Out", copy=False, readonly=True, tracking=True)
    duration_hours = fields.Float(
        string="Hours on Site",
        compute="_compute_duration_hours",
        help="From check-in to check-out.",
    )
    notes = fields.Html()
    line_ids = fields.One2many("after_sales.request.line", "visit_id", string="Service Line", readonly=True)
    warning = fields.Text(compute="_compute_warning")
    planned_today = fields.Boolean(
        compute="_compute_planned_today",
        search="_search_planned_today",
        help="Planned to start today, in the time zone of the current user.",
    )

    # ------------------------------------------------------------- compute

    # Not stored on purpose: a stored field computed from a many2many to res.users depends on
    # the users' ``active`` too, so creating any user would search the visits in the middle of
    # res.users.create (flushing a half-created user: Odoo's own tests failed on it).
    @api.depends("engineer_ids")
    def _compute_user_id(self):
        for visit in self:
            visit.user_id = visit.engineer_ids[:1]

    @api.depends("request_id")
    def _compute_site_partner_id(self):
        for visit in self:
            request = visit.request_id
            visit.site_partner_id = request.equipment_id.site_partner_id or request.partner_id

    @api.depends("engineer_ids", "planned_start", "planned_end", "state")
    def _compute_warning(self):
        overlaps = self._overlapping_visits()
        for visit in self:
            messages = []
            if visit.state != "cancelled" and visit.planned_start and visit.planned_end:
                for engineer in visit.engineer_ids:
                    others = overlaps.filtered(
                        lambda o, v=visit, e=engineer: (
                            o.id != v._origin.id
                            and e in o.engineer_ids
                            and o.planned_start < v.planned_end
                            and o.planned_end > v.planned_start
                        )
                    )
                    if others:
                        messages.append(
                            self.env._(
                                "%(engineer)s is also booked on %(visits)s at that time.",
                                engineer=engineer.name,
                                visits=", ".join(others.mapped("display_name")),
                            )
                        )
                for engineer in visit._engineers_off_duty():
                    messages.append(
                        self.env._(
                            "The visit is outside the working hours of %(engineer)s.",
                            engineer=engineer.name,
                        )
                    )
            visit.warning = "\n".join(messages) or False

    @api.depends("check_in", "check_out")
    def _compute_duration_hours(self):
        for visit in self:
            if visit.check_in and visit.check_out:
                visit.duration_hours = (visit.check_out - visit.check_in).total_seconds() / 3600
            else:
                visit.duration_hours = 0.0

    def _compute_planned_today(self):
        start, end = self._today_bounds()
        for visit in self:
            visit.planned_today = bool(visit.planned_start and start <= visit.planned_start < end)

    def _search_planned_today(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        start, end = self._today_bounds()
        today = Domain("planned_start", ">=", start) & Domain("planned_start", "<", end)
        return today if (operator == "=") == value else ~today

    # ------------------------------------------------------------- constrains

    @api.constrains("planned_start", "planned_end")
    def _check_planned_dates(self):
        for visit in self:
            if visit.planned_start and visit.planned_end and visit.planned_end <= visit.planned_start:
                raise ValidationError(
                    self.env._(
                        "A visit of %(request)s must end after it starts (planned %(start)s to %(end)s).",
                        request=visit.request_id.display_name,
                        start=format_datetime(self.env, visit.planned_start),
                        end=format_datetime(self.env, visit.planned_end),
                    )
                )

    @api.constrains("check_in", "check_out")
    def _check_check_out_after_check_in(self):
        for visit in self:
            if visit.check_in and visit.check_out and visit.check_out < visit.check_in:
                raise ValidationError(
                    self.env._(
                        "Visit %(visit)s cannot be checked out (%(end)s) before it was "
                        "checked in (%(start)s).",
                        visit=visit.display_name,
                        end=format_datetime(self.env, visit.check_out),
                        start=format_datetime(self.env, visit.check_in),
                    )
                )

    # ------------------------------------------------------------- CRUD

    @api.model
    def default_get(self, fields_list):
        # The dispatch board (a timeline grouped by engineer) gives the engineer of the row a
        # visit is created on as ``default_engineer_ids``: one user id, not a many2many value.
        # A double-click gives the time clicked only: the visit lasts two hours unless changed.
        visits = self
        engineer = self.env.context.get("default_engineer_ids")
        if isinstance(engineer, int) and not isinstance(engineer, bool):
            visits = self.with_context(default_engineer_ids=[Command.set([engineer])])
        defaults = super(AfterSalesVisit, visits).default_get(fields_list)
        start = defaults.get("planned_start")
        if start and "planned_end" in fields_list and not defaults.get("planned_end"):
            end = fields.Datetime.to_datetime(start) + timedelta(hours=DEFAULT_VISIT_HOURS)
            defaults["planned_end"] = fields.Datetime.to_string(end)
        return defaults

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                if vals.get("state", "planned") != "planned" or any(vals.get(f) for f in STEP_FIELDS):
                    raise UserError(
                        self.env._(
                            "A new visit is planned: its status and check-in/check-out times are "
                            "set by its steps (Check In, Check Out)."
                        )
                    )
        visits = super().create(vals_list)
        counts = {}
        for visit in visits.filtered(lambda v: v.name == "/"):
            request = visit.request_id
            if request not in counts:
                counts[request] = self.sudo().search_count(
                    [("request_id", "=", request.id), ("name", "!=", "/")]
                )
            counts[request] += 1
            visit.name = f"{request.name}-V{counts[request]}"
        visits._notify_customer_planned()
        return visits

    def write(self, vals):
        self._check_step_fields_write(vals)
        self._check_engineers_write(vals)
        before = {}
        if PLANNING_FIELDS & set(vals):
            before = {visit.id: visit._planning_key() for visit in self}
        res = super().write(vals)
        if before:
            self.filtered(lambda v: v._planning_key() != before[v.id])._notify_customer_planned()
        return res

    # ------------------------------------------------------------- actions

    def action_start_travel(self):
        """The engineers leave for the site."""
        self._check_actor()
        self._check_state({"planned"})
        self._write_step({"state": "en_route"})
        return True

    def action_check_in(self):
        """The engineers arrive on site: the check-in time is recorded."""
        self._check_actor()
        self._check_state({"planned", "en_route"})
        self._write_step({"state": "on_site", "check_in": fields.Datetime.now()})
        return True

    def action_check_out(self):
        """The engineers leave the site: the visit is done, the check-out time recorded.

        A visit longer than the company's longest plausible one waits for a manager to confirm
        its duration: it adds no service line until then.
        """
        self._check_actor()
        self._check_state({"on_site"})
        now = fields.Datetime.now()
        too_long = self.filtered(lambda v: v._is_too_long(now))
        (self - too_long)._write_step({"state": "done", "check_out": now})
        too_long._ask_duration_confirmation(now)
        (self - too_long)._create_service_lines()
        return True

    def action_confirm_duration(self):
        """A manager confirms (after correcting, if needed) the duration of a long visit: it bills."""
        self._check_manager()
        self._check_state({"to_confirm"})
        self._write_step({"state": "done"})
        for visit in self:
            visit.message_post(
                body=self.env._(
                    "Duration of %(hours)s h confirmed by %(user)s.",
                    hours=round(visit.duration_hours, 2),
                    user=self.env.user.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        self._create_service_lines()
        return True

    def action_cancel(self):
        """Cancel visits not done yet."""
        self._check_actor()
        self._check_state({"planned", "en_route", "on_site", "to_confirm"})
        self._write_step({"state": "cancelled"})
        return True

    def action_reset_to_planned(self):
        """Plan a cancelled visit again."""
        self._check_actor()
        self._check_state({"cancelled"})
        self._write_step({"state": "planned", "check_in": False, "check_out": False})
        return True

    # ------------------------------------------------------------- business

    def _create_service_lines(self):
        """Each done visit becomes one work line of its request (call-out, or hours on site)."""
        vals_list = [vals for visit in self if (vals := visit._prepare_service_line_vals())]
        return self.env["after_sales.request.line"].create(vals_list)

    def _prepare_service_line_vals(self):
        """Values of the visit's work line; empty without the company's visit product (a hook)."""
        self.ensure_one()
        product = self.company_id.after_sales_visit_product_id
        if not product or self.line_ids:
            return {}
        quantity = 1.0
        hour = self.env.ref("uom.product_uom_hour")
        if product.uom_id._has_common_reference(hour) and self.check_in and self.check_out:
            hours = (self.check_out - self.check_in).total_seconds() / 3600
            quantity = hour._compute_quantity(hours, product.uom_id)
        return {
            "request_id": self.request_id.id,
            "visit_id": self.id,
            "line_type": "work",
            "product_id": product.id,
            "name": self.env._("%(product)s: visit %(visit)s", product=product.display_name, visit=self.name),
            "quantity": product.uom_id.round(quantity),
            "uom_id": product.uom_id.id,
            "date": fields.Date.context_today(self, self.check_out),
            "user_id": self.user_id.id,
            "done": True,
        }

    def _check_engineers_write(self, vals):
        """Nobody puts themselves on a visit planned for others (then to check in and bill it):
        the dispatcher or a manager assigns the engineers; one's own new visit is one's own."""
        if "engineer_ids" not in vals or self._is_manager():
            return
        field = self._fields["engineer_ids"]
        for visit in self:
            engineers = field.convert_to_record(field.convert_to_cache(vals["engineer_ids"], visit), visit)
            if self.env.user in engineers and self.env.user not in visit.engineer_ids:
                raise UserError(
                    self.env._(
                        "You cannot add yourself to visit %(visit)s: its dispatcher or an After-Sales "
                        "manager assigns its engineers.",
                        visit=visit.display_name,
                    )
                )

    def _write_step(self, vals):
        """Write the status and check-in/check-out times of a step, after its checks."""
        return super().write(vals)

    def _is_manager(self):
        return self.env.su or self.env.user.has_group("after_sales_service.group_after_sales_manager")

    def _check_manager(self):
        if not self._is_manager():
            raise AccessError(self.env._("Only an After-Sales manager confirms the duration of a visit."))

    def _check_actor(self):
        """Only the visit's engineers (or a manager) take its steps: nobody checks in for another."""
        if self._is_manager():
            return
        for visit in self:
            if self.env.user not in visit.engineer_ids:
                raise UserError(
                    self.env._(
                        "You are not an engineer of visit %(visit)s: only %(engineers)s or an After-Sales "
                        "manager take its steps.",
                        visit=visit.display_name,
                        engineers=", ".join(visit.engineer_ids.mapped("name")) or self.env._("its engineers"),
                    )
                )

    def _check_step_fields_write(self, vals):
        """Status and check-in/check-out change through the visit's steps only.

        A manager may correct the check-in/check-out of a visit waiting for its duration to be
        confirmed (tracked in the chatter), then confirms it.
        """
        if self.env.su:
            return
        changed = [
            fname
            for fname in STEP_FIELDS + ("state",)
            if fname in vals
            and any(
                visit[fname]
                != self._fields[fname].convert_to_record(
                    self._fields[fname].convert_to_cache(vals[fname], visit), visit
                )
                for visit in self
            )
        ]
        if not changed:
            return
        correcting = (
            "state" not in changed
            and self._is_manager()
            and all(visit.state == "to_confirm" for visit in self)
        )
        if not correcting:
            raise UserError(
                self.env._(
                    "The status and the check-in/check-out times of a visit change through its steps "
                    "only (Start Travel, Check In, Check Out, Cancel); a manager corrects the times of a "
                    "visit whose duration waits for confirmation."
                )
            )

    def _is_too_long(self, check_out):
        """Whether this visit checked out at ``check_out`` lasted longer than its company's
        longest plausible visit."""
        self.ensure_one()
        hours = (check_out - self.check_in).total_seconds() / 3600
        return hours > self.company_id.after_sales_visit_max_hours

    def _ask_duration_confirmation(self, check_out):
        """Hold these long visits for a manager: no service line until the duration is confirmed."""
        if not self:
            return
        self._write_step({"state": "to_confirm", "check_out": check_out})
        for visit in self:
            visit.message_post(
                body=self.env._(
                    "Checked in for %(hours)s h, more than the longest plausible visit of %(max)s h: "
                    "an After-Sales manager confirms the duration (correcting the check-in or "
                    "check-out if one was forgotten) before the visit bills.",
                    hours=round(visit.duration_hours, 2),
                    max=visit.company_id.after_sales_visit_max_hours,
                ),
                subtype_xmlid="mail.mt_note",
            )

    def _planning_key(self):
        return (self.planned_start, self.planned_end, tuple(self.engineer_ids.ids))

    def _notify_customer_planned(self):
        """Tell the request's customer when the engineers come (on the channel the customer chose,
        in its language and time zone), on the request, where the portal shows it too."""
        for visit in self.filtered(lambda v: v.state == "planned" and v.request_id.partner_id):
            request = visit.request_id.sudo()
            customer = request.contact_id or request.partner_id
            request = request.with_context(lang=customer.lang or self.env.lang)
            body = request.env._(
                "Visit %(visit)s planned from %(start)s to %(end)s. Engineer: %(engineers)s.",
                visit=visit.name,
                start=request._format_datetime_tz(visit.planned_start, customer),
                end=request._format_datetime_tz(visit.planned_end, customer),
                engineers=", ".join(visit.engineer_ids.mapped("name")) or "-",
            )
            request.message_post(
                body=body,
                message_type="auto_comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=customer.ids,
            )

    def _check_state(self, allowed):
        labels = dict(self._fields["state"]._description_selection(self.env))
        for visit in self:
            if visit.state not in allowed:
                raise UserError(
                    self.env._(
                        "The visit %(visit)s is %(state)s: this step is not possible.",
                        visit=visit.display_name,
                        state=labels[visit.state],
                    )
                )

    def _today_bounds(self):
        """Start and end (naive UTC) of today in the current user's time zone."""
        tz = ZoneInfo(self.env.context.get("tz") or self.env.user.tz or "UTC")
        today = fields.Datetime.now().replace(tzinfo=UTC).astimezone(tz).date()
        start = datetime.combine(today, time.min, tzinfo=tz).astimezone(UTC).replace(tzinfo=None)
        end = datetime.combine(today + timedelta(days=1), time.min, tzinfo=tz)
        return start, end.astimezone(UTC).replace(tzinfo=None)

    def _overlapping_visits(self):
        """Other non-cancelled visits of the engineers of ``self`` overlapping ``self``'s span."""
        visits = self.filtered(
            lambda v: v.state != "cancelled" and v.planned_start and v.planned_end and v.engineer_ids
        )
        if not visits:
            return self.browse()
        domain = (
            Domain("engineer_ids", "in", visits.engineer_ids.ids)
            & Domain("state", "!=", "cancelled")
            & Domain("planned_start", "<", max(visits.mapped("planned_end")))
            & Domain("planned_end", ">", min(visits.mapped("planned_start")))
        )
        return self.search(domain)

    def _engineers_off_duty(self):
        """Engineers of the visit whose working calendar does not cover the planned span.

        The calendar is the engineer's own working hours (resource), else the company's.
        """
        self.ensure_one()
        result = self.env["res.users"]
        start = self.planned_start.replace(tzinfo=UTC)
        end = self.planned_end.replace(tzinfo=UTC)
        span = (end - start).total_seconds()
        company_calendar = (self.company_id or self.env.company).sudo().resource_calendar_id
        for engineer in self.engineer_ids:
            calendar = engineer.sudo().resource_calendar_id or company_calendar
            if not calendar:
                continue
            intervals = calendar._work_intervals_batch(start, end)[False]
            worked = sum((stop - begin).total_seconds() for begin, stop, _records in intervals)
            if worked < span - 1:
                result |= engineer
        return result
