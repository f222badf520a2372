import logging
from collections import defaultdict
from datetime import timedelta
from typing import NamedTuple

from markupsafe import escape

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import clean_context, is_html_empty, split_every
from odoo.tools.mail import generate_tracking_message_id
from odoo.tools.misc import get_lang
from odoo.tools.translate import get_translation

from odoo.addons.queue_job.job import identity_exact

from ..locks import RETRY_ERRORS

_logger = logging.getLogger(__name__)

SLA_KINDS = ("response", "resolution")

# the channel of the escalation jobs (record after_sales_service.channel_after_sales_sla)
SLA_JOB_CHANNEL = "root.after_sales.sla"


class SlaFields(NamedTuple):
    """The names of one target's fields (see ``AfterSalesSlaMixin._sla_fields``)."""

    deadline: str
    warning_deadline: str
    date: str
    breached: str
    paused_hours: str
    warned_at: str
    escalated_at: str


SLA_FIELDS = {
    kind: SlaFields(
        deadline=f"sla_{kind}_deadline",
        warning_deadline=f"sla_{kind}_warning_deadline",
        date=f"sla_{kind}_date",
        breached=f"sla_{kind}_breached",
        # the resolution's pauses were counted before the response had its own
        paused_hours="sla_response_paused_hours" if kind == "response" else "sla_paused_hours",
        warned_at=f"sla_{kind}_warned_at",
        escalated_at=f"sla_{kind}_escalated_at",
    )
    for kind in SLA_KINDS
}


class AfterSalesSlaMixin(models.AbstractModel):
    """The SLA clock of a service request: deadlines, pauses, breaches and their escalation.

    Two targets ("kinds"): the first response and the resolution, each with a deadline on the
    policy's working calendar, a warning at a share of its time, a reached date and a breach
    flag, kept in paired columns ``sla_response_*`` / ``sla_resolution_*`` (read them through
    ``_sla_fields(kind)``). The SLA cron flags the breaches and enqueues the due escalations
    as ``queue_job`` jobs, one per batch of ``_sla_escalation_batch_size`` records, on the
    channel root.after_sales.sla; a job (``_escalate_sla``) sends each escalation once.

    The host (``after_sales.request``) provides ``date_open``, ``priority``, ``stage_id``
    (``is_new``, ``is_resolved``, ``is_closed``, ``is_cancel``), ``is_closed``, ``is_resolved``,
    ``active``, ``team_id``, ``user_id``, ``name`` and ``_format_datetime_tz``; it says which
    policy applies (``_sla_get_policy``, from the fields in ``_sla_policy_depends``), writes
    the SLA bookkeeping past its user-edit guards (``_write_unchecked``) and calls
    ``_sla_prepare_stage_vals`` when its stage changes. A ``mail.thread`` and a
    ``mail.activity.mixin`` itself (the escalation posts notes and creates activities; its
    ``_message_post_after_hook`` extends the thread's), it comes before them in the host's
    ``_inherit``, as ``mail.thread.cc`` does in ``project.task``'s.
    """

    _name = "after_sales.sla.mixin"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "SLA Clock and Escalation of a Service Request"

    # the host's fields from which ``_sla_get_policy`` decides (the dependencies of ``sla_policy_id``)
    _sla_policy_depends = ("company_id",)
    # how many due records one escalation job sends
    _sla_escalation_batch_size = 100

    # the host's company: where the SLA policy and the escalation managers are looked for
    company_id = fields.Many2one("res.company")
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
    sla_status = fields.Selection(
        [("ok", "On Track"), ("at_risk", "At Risk"), ("breached", "Breached"), ("met", "Met")],
        string="SLA Status",
        compute="_compute_sla_status",
    )

    _sla_response_open_idx = models.Index(
        "(sla_response_deadline) WHERE sla_response_breached IS NOT TRUE AND sla_response_date IS NULL"
    )
    _sla_resolution_open_idx = models.Index(
        "(sla_resolution_deadline) WHERE sla_resolution_breached IS NOT TRUE AND sla_resolution_date IS NULL"
    )

    # ------------------------------------------------------------- helpers

    @api.model
    def _sla_fields(self, kind):
        """The names of the ``kind`` target's fields ("response" or "resolution"): an ``SlaFields``
        (deadline, warning_deadline, date, breached, paused_hours, warned_at, escalated_at).

        The SLA state of each target is kept in paired columns (``sla_response_deadline`` and
        ``sla_resolution_deadline``...) that lists, filters, the analysis view and its indexes
        read directly; code that works on either target reads and writes them through these
        names, never through names built on the spot.
        """
        return SLA_FIELDS[kind]

    def _sla_get_policy(self):
        """The SLA policy that applies to this record (a hook the host implements; none here).

        ``sla_policy_id`` is computed from it when a field of ``_sla_policy_depends`` changes;
        users may still set another policy by hand.
        """
        self.ensure_one()
        return self.env["after_sales.sla.policy"]

    def _write_unchecked(self, vals):
        """Write the SLA bookkeeping (dates, flags) past the host's user-edit guards (the host
        overrides it when its ``write`` has such guards)."""
        return self.write(vals)

    # ------------------------------------------------------------ computes

    @api.depends(lambda self: self._sla_policy_depends)
    def _compute_sla_policy_id(self):
        for record in self:
            record.sla_policy_id = record._sla_get_policy()

    @api.depends("date_open", "priority", "sla_policy_id", "sla_paused_hours", "sla_response_paused_hours")
    def _compute_sla_deadlines(self):
        for record in self:
            policy = record.sla_policy_id
            target = policy._target_for(record.priority) if policy else False
            for kind in SLA_KINDS:
                names = self._sla_fields(kind)
                if not target or not record.date_open:
                    record[names.deadline] = record[names.warning_deadline] = False
                    continue
                # a pause moves only the targets not met when it started
                start = record.date_open
                share = target.warning_percent / 100.0
                hours = target.response_hours if kind == "response" else target.resolution_hours
                paused = record[names.paused_hours]
                record[names.deadline] = policy._add_working_hours(start, hours + paused)
                # the warning: the same share of working time, the same pauses added
                record[names.warning_deadline] = (
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
        never moves a target already met or breached (``_sla_prepare_stage_vals``), so
        it does not undo a breach; a corrected priority or policy does. A cancelled
        request counts none.
        """
        now = fields.Datetime.now()
        for record in self:
            for kind in SLA_KINDS:
                names = self._sla_fields(kind)
                deadline = record[names.deadline]
                record[names.breached] = bool(
                    not record.stage_id.is_cancel and deadline and (record[names.date] or now) > deadline
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
        for record in self:
            pending = record._get_sla_escalations_pending()
            record.sla_escalation_next = min(pending.values()) if pending else False

    @api.depends("is_resolved", "sla_response_breached", "sla_resolution_breached")
    def _compute_sla_compliance(self):
        for record in self:
            breached = record.sla_response_breached or record.sla_resolution_breached
            record.sla_compliance = 100.0 if record.is_resolved and not breached else 0.0

    def _compute_sla_status(self):
        now = fields.Datetime.now()
        risk = timedelta(hours=self._sla_risk_hours())
        for record in self:
            if record.sla_response_breached or record.sla_resolution_breached:
                record.sla_status = "breached"
            elif record.sla_resolution_date or record.is_closed:
                record.sla_status = "met"
            elif (
                record.sla_resolution_deadline
                and not record.sla_paused_since
                and record.sla_resolution_deadline - now <= risk
            ):
                record.sla_status = "at_risk"
            else:
                record.sla_status = "ok"

    @api.model
    def _sla_risk_hours(self):
        """Hours before a deadline from which a request is "at risk" (the list filter uses one day too)."""
        return 24

    # ------------------------------------------------------------ the clock

    def _sla_start_pause(self, now):
        """Stop the clock of the new records created in a pausing stage of their policy."""
        for record in self:
            if record.sla_policy_id and record.stage_id in record.sla_policy_id.pause_stage_ids:
                record.sla_paused_since = now

    def _sla_prepare_stage_vals(self, old_stage, new_stage, now):
        """The SLA values of this record moving from ``old_stage`` to ``new_stage`` at ``now``:
        the pause started or ended (its working hours added to the targets it moves), the first
        response and the resolution reached or undone."""
        self.ensure_one()
        policy = self.sla_policy_id
        vals = {}
        pausing = policy.pause_stage_ids if policy else self.env["after_sales.request.stage"]
        if self.sla_paused_since and new_stage not in pausing:
            paused = policy._working_hours_between(self.sla_paused_since, now)
            vals["sla_paused_since"] = False
            # a pause moves only the targets neither met nor breached when it started
            since = self.sla_paused_since
            resolved, deadline = self.sla_resolution_date, self.sla_resolution_deadline
            if not (resolved and resolved <= since) and not (deadline and deadline < since):
                vals["sla_paused_hours"] = self.sla_paused_hours + paused
            response, deadline = self.sla_response_date, self.sla_response_deadline
            if (not response or response > since) and not (deadline and deadline < since):
                vals["sla_response_paused_hours"] = self.sla_response_paused_hours + paused
        elif not self.sla_paused_since and new_stage in pausing:
            vals["sla_paused_since"] = now
        if old_stage.is_new and not new_stage.is_new and not self.sla_response_date:
            vals["sla_response_date"] = now
        resolved = new_stage.is_resolved or (new_stage.is_closed and not new_stage.is_cancel)
        if resolved and not self.sla_resolution_date:
            vals["sla_resolution_date"] = now
            vals.setdefault("sla_response_date", self.sla_response_date or now)
        elif not resolved and not new_stage.is_closed and self.sla_resolution_date:
            vals["sla_resolution_date"] = False
        return vals

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

    # ------------------------------------------------------------ breaches

    def _get_sla_breach_domain(self, kind, now):
        """Open, running records whose ``kind`` ("response"/"resolution") deadline is past."""
        names = self._sla_fields(kind)
        return Domain(
            [
                (names.deadline, "<", now),
                (names.breached, "=", False),
                (names.date, "=", False),
                ("sla_paused_since", "=", False),
                ("is_closed", "=", False),
            ]
        )

    @api.model
    def _cron_flag_sla_breaches(self):
        """Flag the records whose deadline has passed, then enqueue the due escalations.

        Reads only those, by the indexed deadlines and the indexed next escalation.
        """
        now = fields.Datetime.now()
        self._flag_sla_breaches(now)
        self._cron_escalate_sla(now)

    @api.model
    def _flag_sla_breaches(self, now):
        """Flag the open, running records whose deadline is past at ``now``."""
        for kind in SLA_KINDS:
            late = self.search(self._get_sla_breach_domain(kind, now))
            if late:
                late._write_unchecked({self._sla_fields(kind).breached: True})

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
            names = self._sla_fields(kind)
            if self[names.date] or self[names.escalated_at]:
                continue
            if self[names.deadline]:
                pending[(kind, "breach")] = self[names.deadline]
            warning = self[names.warning_deadline]
            if warning and not self[names.warned_at]:
                pending[(kind, "warning")] = warning
        return pending

    def _rearm_sla_warnings(self):
        """Warnings sent before their corrected warning time no longer apply: send them again then."""
        for record in self:
            vals = {}
            for kind in SLA_KINDS:
                names = self._sla_fields(kind)
                warned = record[names.warned_at]
                warning = record[names.warning_deadline]
                if warned and warning and warned < warning and not record[names.escalated_at]:
                    vals[names.warned_at] = False
            if vals:
                record._write_unchecked(vals)

    @api.model
    def _get_sla_escalation_domain(self, now):
        """Records with an escalation due at ``now`` (by the indexed next escalation)."""
        return Domain("sla_escalation_next", "<=", now)

    @api.model
    def _cron_escalate_sla(self, now=None):
        """Enqueue the escalation of the records whose next escalation is due at ``now``: one job
        per batch of ``_sla_escalation_batch_size``, on root.after_sales.sla.

        Each job is identified by its batch (``identity_exact``): a second cron run while a
        batch waits does not enqueue it again. Returns the jobs' delayables.
        """
        now = now or fields.Datetime.now()
        due = self.search(self._get_sla_escalation_domain(now), order="sla_escalation_next, id")
        return [
            self.browse(ids)
            .with_delay(
                channel=SLA_JOB_CHANNEL,
                identity_key=identity_exact,
                description=self.env._("SLA escalation of %s requests", len(ids)),
            )
            ._escalate_sla()
            for ids in split_every(self._sla_escalation_batch_size, due.ids)
        ]

    def _get_sla_escalation_users(self):
        """{record id: user} who is escalated to: the team leader, else an After-Sales manager.

        A record without a team, or whose team has no leader, goes to the first After-Sales
        manager of its company (one search per company).
        """
        managers = {}
        result = {}
        group = self.env.ref("after_sales_service.group_after_sales_manager")
        for record in self:
            leader = record.team_id.user_id
            if leader and leader.active:
                result[record.id] = leader
                continue
            company = record.company_id
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
            result[record.id] = managers[company]
        return result

    def _prepare_sla_escalation_message(self, kind, level):
        """(activity summary, message body) of the ``level`` escalation of the ``kind`` target."""
        self.ensure_one()
        deadline = self._format_datetime_tz(self[self._sla_fields(kind).deadline])
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

    def _escalate_sla(self, now=None):
        """Send the escalations of these records due at ``now`` (by default when it runs), each
        once: the job of one batch enqueued by ``_cron_escalate_sla``.

        For each: an activity for the team leader (or the fallback manager), a note on the
        record addressed to the assigned user and, at a breach of a target that says so, the
        record reassigned to the team leader. Idempotent: the records are locked, then what is
        still pending is read again, so a job performed twice (or two jobs sharing a record)
        escalates nothing twice; a record another job holds is left to that job. The batch
        is sent in one savepoint; when it fails, one record at a time, each in its own: one
        that fails is logged and tried again by the next run, the others are escalated.
        """
        now = now or fields.Datetime.now()
        # a record changed since this transaction began: PostgreSQL refuses the lock and
        # queue_job retries the job, which then reads the record as it is now
        records = self.try_lock_for_update(allow_referencing=True)
        due_by_record = {}
        for record in records:
            due = {key: when for key, when in record._get_sla_escalations_pending().items() if when <= now}
            if due:
                due_by_record[record.id] = due
        todo = self.browse(list(due_by_record))
        if not todo:
            return self.env._("No SLA escalation due.")
        users = todo._get_sla_escalation_users()
        try:
            with self.env.cr.savepoint():
                todo._send_sla_escalations(due_by_record, users, now)
            done = todo
        except RETRY_ERRORS:
            raise
        except Exception:  # noqa: BLE001 - one by one, so that one bad record holds no other
            done = self.browse()
            for record in todo:
                try:
                    with self.env.cr.savepoint():
                        record._send_sla_escalations(due_by_record, users, now)
                    done |= record
                except RETRY_ERRORS:
                    raise
                except Exception:  # logged, the other records go on
                    _logger.exception("SLA escalation of request %s failed", record.name)
        return self.env._(
            "SLA escalations sent for %(done)s of %(due)s requests.", done=len(done), due=len(todo)
        )

    def _send_sla_escalations(self, due_by_record, users, now):
        """Send the due escalations of these records in bulk.

        ``due_by_record``: {record id: {(kind, level): when}}; ``users``: {record id: user}
        (see ``_get_sla_escalation_users``). The notes go out in one ``mail.message`` create,
        the activities in one ``mail.activity`` create, the dates in one write per value set.
        """
        activity_vals = []
        notes = []
        writes = defaultdict(list)
        for record in self:
            due = due_by_record[record.id]
            leader = users[record.id]
            target = record.sla_policy_id._target_for(record.priority)
            vals = {}
            for kind in SLA_KINDS:
                # a passed deadline escalates the breach; its warning, not sent in time, is left out
                level = (
                    "breach" if (kind, "breach") in due else "warning" if (kind, "warning") in due else None
                )
                if not level:
                    continue
                names = self._sla_fields(kind)
                vals[names.escalated_at if level == "breach" else names.warned_at] = now
                summary, body = record._prepare_sla_escalation_message(kind, level)
                if leader:
                    activity_vals.append(record._prepare_sla_escalation_activity_vals(leader, summary, body))
                notes.append((record, body))
                leader_of_team = record.team_id.user_id
                if (
                    level == "breach"
                    and target.breach_reassign
                    and leader_of_team
                    and record.user_id != leader_of_team
                ):
                    vals["user_id"] = leader_of_team.id
            writes[tuple(sorted(vals.items()))].append(record.id)
        # addressed to the user assigned before a reassignment by this escalation
        posted = self._post_sla_escalation_notes(notes)
        for vals, ids in writes.items():
            self.browse(ids)._write_unchecked(dict(vals))
        if activity_vals:
            # their "assigned to you" notices go out below with the notes, in bulk, as
            # ``mail.activity.action_notify`` sends them one by one (Odoo's own key for it)
            activities = (
                self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(activity_vals)
            )
            posted += self._post_sla_activity_notices(activities)
        self._notify_sla_messages(posted)

    def _post_sla_escalation_notes(self, notes):
        """Post the escalation ``notes`` ([(record, body)]) as ``message_post`` posts a note
        addressed to the record's assigned user, in bulk: one ``mail.message`` create for all.
        Returns [(record, message, values, notify kwargs)] for ``_notify_sla_messages``."""
        if not notes:
            return []
        records = self.browse([record.id for record, _body in notes])
        author_id, email_from = records._message_compute_author()
        subtype_id = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        alias_domains = records.sudo()._mail_get_alias_domains(default_company=self.env.company)
        companies = records._mail_get_companies(default=self.env.company)
        reply_to = records._notify_get_reply_to(default=email_from, author_id=author_id)
        parents = records._get_sla_note_parents()
        values_list = [
            {
                "author_id": author_id,
                "email_from": email_from,
                "model": self._name,
                "res_id": record.id,
                "body": escape(body),
                "message_type": "notification",
                "subtype_id": subtype_id,
                "partner_ids": record.user_id.partner_id.ids,
                "parent_id": parents.get(record.id, False),
                "email_add_signature": True,
                "record_alias_domain_id": alias_domains[record.id].id,
                "record_company_id": companies[record.id].id,
                "reply_to": reply_to[record.id],
            }
            for record, body in notes
        ]
        messages = records._message_create(values_list)
        posted = []
        for (record, _body), message, msg_vals in zip(notes, messages, values_list, strict=True):
            record._message_post_after_hook(message, msg_vals)
            posted.append((record, message, msg_vals, {}))
        return posted

    def _post_sla_activity_notices(self, activities):
        """The "assigned to you" notices of the escalation ``activities``, as
        ``mail.activity.action_notify`` makes them with ``message_notify`` (the same body, subject
        and layout, in the assigned user's language), in one ``mail.message`` create.
        Returns [(record, message, values, notify kwargs)] for ``_notify_sla_messages``."""
        activities = activities.filtered(lambda act: act.user_id and act.user_id != self.env.user)
        if not activities:
            return []
        records = self.browse(activities.mapped("res_id"))
        author_id, email_from = records._message_compute_author()
        subtype_id = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        alias_domains = records.sudo()._mail_get_alias_domains(default_company=self.env.company)
        companies = records._mail_get_companies(default=self.env.company)
        reply_to = records._notify_get_reply_to(default=email_from, author_id=author_id)
        values_list, notify_kwargs = [], []
        for activity in activities:
            if activity.user_id.lang:
                activity = activity.with_context(lang=activity.user_id.lang)
            env = activity.env
            model_description = env["ir.model"]._get(activity.res_model).display_name
            body = env["ir.qweb"]._render(
                "mail.message_activity_assigned",
                {
                    "activity": activity,
                    "model_description": model_description,
                    "is_html_empty": is_html_empty,
                },
                minimal_qcontext=True,
            )
            type_name = activity.activity_type_id.name
            lang = env.lang or "en_US"

            def mail_text(source, *args, lang=lang, **kwargs):
                # the mail module's own words (and translations), as action_notify says them
                return get_translation("mail", lang, source, args or kwargs)

            values_list.append(
                {
                    "author_id": author_id,
                    "email_from": email_from,
                    "model": self._name,
                    "res_id": activity.res_id,
                    "body": escape(body),
                    "is_internal": True,
                    "message_type": "user_notification",
                    "subject": mail_text(
                        '"%(activity_name)s: %(summary)s" assigned to you',
                        activity_name=activity.res_name,
                        summary=activity.summary or type_name or "",
                    ),
                    "subtype_id": subtype_id,
                    "message_id": generate_tracking_message_id("message-notify"),
                    "partner_ids": activity.user_id.partner_id.ids,
                    "email_add_signature": True,
                    "email_layout_xmlid": "mail.mail_notification_layout",
                    "record_alias_domain_id": alias_domains[activity.res_id].id,
                    "record_company_id": companies[activity.res_id].id,
                    "reply_to": reply_to[activity.res_id],
                }
            )
            notify_kwargs.append(
                {
                    "model_description": model_description,
                    "subtitles": [
                        mail_text("Activity: %s", type_name or mail_text("Todo")),
                        mail_text("Deadline: %s", activity.date_deadline.strftime(get_lang(env).date_format)),
                    ],
                    "notify_author_mention": True,
                }
            )
        messages = records._message_create(values_list)
        return [
            (self.browse(vals["res_id"]), message, vals, kwargs)
            for message, vals, kwargs in zip(messages, values_list, notify_kwargs, strict=True)
        ]

    def _notify_sla_messages(self, posted):
        """Notify the escalation messages ``posted`` ([(record, message, values, notify kwargs)]) as
        ``mail.thread._notify_thread`` does for each (recipients, inbox, web push, out of office,
        e-mail), except that the e-mails of all of them are made in one ``mail.mail`` create and
        their notifications in one ``mail.notification`` create, then sent after the commit
        (Odoo sends one message's e-mails so, below ``mail.mail.force.send.limit``)."""
        mail_values, notification_values = [], []
        for record, message, msg_vals, kwargs in posted:
            record = record._fallback_lang()
            recipients = record._notify_get_recipients(message, msg_vals=msg_vals, **kwargs)
            uid2pid = {r["uid"]: r["id"] for r in recipients if r["id"] and r["uid"]}
            users = self.env["res.users"].browse(uid2pid)
            users._fields["partner_id"]._insert_cache(users, uid2pid.values())
            record._notify_thread_with_out_of_office(message, recipients, msg_vals=msg_vals, **kwargs)
            if not recipients:
                continue
            record._notify_thread_by_inbox(message, recipients, msg_vals=msg_vals, **kwargs)
            record._prepare_sla_notification_emails(
                message, recipients, msg_vals, kwargs, mail_values, notification_values
            )
            record._notify_thread_by_web_push(message, recipients, msg_vals=msg_vals, **kwargs)
        if not mail_values:
            return
        mails = self.env["mail.mail"].sudo().with_context(clean_context(self.env.context)).create(mail_values)
        self.env["mail.notification"].sudo().with_context(clean_context(self.env.context)).create(
            [{**values, "mail_mail_id": mails[index].id} for index, values in notification_values]
        )
        limit = int(self.env["ir.config_parameter"].sudo().get_param("mail.mail.force.send.limit", 100))
        if self.env.context.get("mail_notify_force_send", True) and len(mails) < limit:
            mails.send_after_commit()

    def _prepare_sla_notification_emails(
        self, message, recipients, msg_vals, kwargs, mail_values, notification_values
    ):
        """Add the e-mails of ``message`` to ``recipients`` who are notified by e-mail to
        ``mail_values`` and their notifications to ``notification_values`` ([(index of the e-mail in
        ``mail_values``, values)]), as ``mail.thread._notify_thread_by_email`` makes them."""
        self.ensure_one()
        partners_data = [r for r in recipients if r["notif"] == "email"]
        if not partners_data:
            return
        base_mail_values = self._notify_by_email_get_base_mail_values(
            message, partners_data, additional_values={"auto_delete": True}
        )
        base_notification_values = self._notify_by_email_get_base_notification_values(message)
        batch_size = int(self.env["ir.config_parameter"].sudo().get_param("mail.batch_size")) or 50
        for _lang, render_values, group in self._notify_get_classified_recipients_iterator(
            message,
            partners_data,
            msg_vals=msg_vals,
            model_description=kwargs.get("model_description"),
            subtitles=kwargs.get("subtitles"),
        ):
            body = self._notify_by_email_render_layout(
                message, group, msg_vals=msg_vals, render_values=render_values
            )
            for chunk in split_every(batch_size, group["recipients_ids"]):
                values = self._notify_by_email_get_final_mail_values(
                    chunk, base_mail_values, additional_values={"body_html": body}
                )
                mail_values.append(values)
                notification_values += [
                    (len(mail_values) - 1, {"res_partner_id": partner_id, **base_notification_values})
                    for partner_id in chunk
                ]
            if group["recipients_emails"]:
                values = self._notify_by_email_get_final_mail_values(
                    [], base_mail_values, additional_values={"body_html": body}
                )
                values["email_to"] = ",".join(group["recipients_emails"])
                mail_values.append(values)
                notification_values += [
                    (len(mail_values) - 1, {"mail_email_address": email, **base_notification_values})
                    for email in group["recipients_emails"]
                ]

    def _get_sla_note_parents(self):
        """{record id: message id} of the message a note posted now replies to, as
        ``_message_compute_parent_id`` finds it for a flat thread (the last comment or e-mail,
        else the last message), for all these records in one query."""
        if not self._mail_flat_thread or not self.ids:
            return {}
        self.env["mail.message"].flush_model(["model", "res_id", "message_type", "date"])
        self.env.cr.execute(
            """SELECT DISTINCT ON (res_id) res_id, id
                 FROM mail_message
                WHERE model = %s AND res_id = ANY(%s) AND message_type != 'user_notification'
             ORDER BY res_id, message_type IN ('comment', 'email') DESC, date DESC, id DESC""",
            [self._name, self.ids],
        )
        return dict(self.env.cr.fetchall())
