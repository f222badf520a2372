from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tools import format_amount

from odoo.addons.after_sales_service.tools import check_finite_numbers

CLAIM_STATES = [
    ("draft", "Draft"),
    ("submitted", "Submitted"),
    ("under_review", "Under Review"),
    ("approved", "Approved"),
    ("partly_approved", "Partly Approved"),
    ("rejected", "Rejected"),
    ("settled", "Settled"),
]

REVIEW_STATES = [
    ("draft", "Draft"),
    ("submitted", "Submitted"),
    ("under_review", "Under Review"),
    ("decided", "Decided"),
]

# what the dealer states in its claim: fixed once it is submitted
CLAIMED_FIELDS = (
    "dealer_id",
    "company_id",
    "repair_date",
    "meter_hours",
    "unit_serial",
    "unit_product_id",
    "symptom",
    "description",
    "cause_id",
)

# what a dealer's portal user may give when it enters a claim (see _portal_create)
PORTAL_CLAIM_FIELDS = {
    "equipment_id",
    "unit_serial",
    "unit_product_id",
    "repair_date",
    "meter_hours",
    "cause_id",
    "symptom",
    "description",
}
PORTAL_LINE_FIELDS = {"line_type", "operation_id", "hours", "product_id", "quantity", "failed_serial", "name"}


class AfterSalesDealerClaim(models.Model):
    _name = "after_sales.dealer.claim"
    _description = "Dealer Warranty Claim"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin", "after_sales.portal.mixin"]
    _order = "repair_date desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "unit_serial", "equipment_id.name", "dealer_id.name"]
    _mail_post_access = "read"
    # what a dealer's portal user reads of its own claims: what it claimed and how each line was
    # decided, with the reviewer's note; not who reviewed, nor the internal bookkeeping
    _portal_fields = {
        "name",
        "dealer_id",
        "equipment_id",
        "unit_serial",
        "unit_product_id",
        "unit_to_register",
        "repair_date",
        "meter_hours",
        "cause_id",
        "symptom",
        "description",
        "state",
        "submit_date",
        "decision_date",
        "review_note",
        "currency_id",
        "amount_claimed",
        "amount_approved",
        "line_ids",
        "access_url",
        "access_token",
        "website_message_ids",
    }

    name = fields.Char(
        string="Number", required=True, readonly=True, copy=False, default="/", index="trigram"
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    dealer_id = fields.Many2one(
        "res.partner",
        required=True,
        index=True,
        check_company=True,
        tracking=True,
        domain="[('is_service_partner', '=', True)]",
        help="The authorized service partner claiming its warranty work.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        store=True,
        precompute=True,
        help="The dealer's claim currency, fixed when the claim is submitted.",
    )
    equipment_id = fields.Many2one(
        "after_sales.equipment",
        string="Unit",
        index="btree_not_null",
        check_company=True,
        tracking=True,
        help="The unit repaired, from the installed base.",
    )
    unit_serial = fields.Char(
        string="Serial Number",
        tracking=True,
        help="Serial of the unit repaired: finds it in the installed base, or registers a unit the "
        "dealer sold for review.",
    )
    unit_product_id = fields.Many2one(
        "product.product",
        check_company=True,
        help="Product of a unit not yet in the installed base, registered by its serial on review.",
    )
    unit_to_register = fields.Boolean(
        compute="_compute_unit_to_register",
        store=True,
        help="The unit is not in the installed base yet: the reviewer registers it.",
    )
    product_id = fields.Many2one(related="equipment_id.product_id", string="Product")
    repair_date = fields.Date(required=True, default=fields.Date.context_today, index=True, tracking=True)
    meter_hours = fields.Float(
        string="Meter Reading (Hours)",
        help="Operating hours of the unit at the repair: recorded on the unit when the claim is submitted "
        "(on a unit the dealer did not sell, when a reviewer accepts it), unless implausible.",
    )
    meter_reading_id = fields.Many2one(
        "after_sales.meter.reading", string="Recorded Reading", readonly=True, copy=False
    )
    proposed_equipment_id = fields.Many2one(
        "after_sales.equipment",
        string="Proposed Unit",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups="base.group_user",
        help="The unit of the installed base the dealer's serial matches, though the dealer did not "
        "sell it: linked to the claim (and its reading recorded) only when a reviewer accepts it.",
    )
    unit_proposal = fields.Char(
        compute="_compute_unit_proposal",
        groups="base.group_user",
        help="What the reviewer decides about the unit the dealer proposed by its serial.",
    )
    cause_id = fields.Many2one("after_sales.cause")
    symptom = fields.Char()
    description = fields.Text()
    review_state = fields.Selection(
        REVIEW_STATES, default="draft", required=True, readonly=True, copy=False, index=True
    )
    state = fields.Selection(
        CLAIM_STATES,
        compute="_compute_state",
        store=True,
        index=True,
        tracking=True,
        copy=False,
        string="Status",
    )
    submit_date = fields.Date(string="Submitted On", readonly=True, copy=False)
    submitted_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    decision_date = fields.Date(string="Decided On", readonly=True, copy=False, index=True)
    reviewer_id = fields.Many2one("res.users", readonly=True, copy=False, tracking=True)
    review_note = fields.Text(
        string="Reviewer's Note", tracking=True, help="Shown to the dealer; required to reject the claim."
    )
    line_ids = fields.One2many("after_sales.dealer.claim.line", "claim_id", string="Lines", copy=True)
    amount_claimed = fields.Monetary(compute="_compute_amounts", store=True, currency_field="currency_id")
    amount_approved = fields.Monetary(compute="_compute_amounts", store=True, currency_field="currency_id")
    norm_exceeded = fields.Boolean(
        string="Above Norm",
        compute="_compute_norm_exceeded",
        store=True,
        index=True,
        help="Hours above the norm of their operation are claimed.",
    )
    return_count = fields.Integer(string="Failed-Part Returns", compute="_compute_return_count")

    @api.depends("dealer_id.service_currency_id", "company_id")
    def _compute_currency_id(self):
        for claim in self:
            if claim.review_state != "draft" and claim._origin.currency_id:
                claim.currency_id = claim._origin.currency_id
                continue
            claim.currency_id = claim.dealer_id.service_currency_id or claim.company_id.currency_id

    @api.depends("equipment_id", "unit_serial")
    def _compute_unit_to_register(self):
        for claim in self:
            claim.unit_to_register = not claim.equipment_id and bool((claim.unit_serial or "").strip())

    @api.depends("proposed_equipment_id", "unit_serial")
    def _compute_unit_proposal(self):
        for claim in self:
            unit = claim.proposed_equipment_id.sudo()
            claim.unit_proposal = unit and self.env._(
                "Unit proposed: serial %(serial)s matches unit %(unit)s of customer %(customer)s.",
                serial=(claim.unit_serial or "").strip(),
                unit=unit.display_name,
                customer=unit.partner_id.display_name or self.env._("none"),
            )

    @api.depends("review_state", "line_ids.decision", "line_ids.approved_qty")
    def _compute_state(self):
        for claim in self:
            claim.state = claim._get_state()

    @api.depends("line_ids.amount_claimed", "line_ids.approved_amount")
    def _compute_amounts(self):
        for claim in self:
            claim.amount_claimed = sum(claim.line_ids.mapped("amount_claimed"))
            claim.amount_approved = sum(claim.line_ids.mapped("approved_amount"))

    @api.depends("line_ids.norm_exceeded")
    def _compute_norm_exceeded(self):
        for claim in self:
            claim.norm_exceeded = any(claim.line_ids.mapped("norm_exceeded"))

    def _compute_return_count(self):
        for claim in self:
            claim.return_count = len(claim.line_ids.return_move_ids.picking_id)

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for claim in self:
            claim.access_url = f"/my/warranty-claims/{claim.id}"
        return res

    @api.constrains("meter_hours", "repair_date")
    def _check_repair(self):
        today = fields.Date.context_today(self)
        for claim in self:
            if claim.meter_hours < 0:
                raise ValidationError(self.env._("Operating hours cannot be negative."))
            if claim.repair_date and claim.repair_date > today:
                raise ValidationError(
                    self.env._("The repair date cannot be in the future (%s).", claim.repair_date)
                )

    @api.constrains("dealer_id")
    def _check_dealer(self):
        for claim in self:
            if not claim.dealer_id.is_service_partner:
                raise ValidationError(
                    self.env._("%s is not an authorized service partner.", claim.dealer_id.display_name)
                )

    # ------------------------------------------------------------------ CRUD

    @api.model
    def _check_finite_numbers(self, vals_list):
        """Refuse NaN and infinite numbers in ``vals_list`` and in the lines they create or update."""
        check_finite_numbers(self, vals_list)
        line_vals = [
            command[2]
            for vals in vals_list
            for command in vals.get("line_ids") or []
            if isinstance(command, (list, tuple)) and len(command) == 3 and isinstance(command[2], dict)
        ]
        check_finite_numbers(self.env["after_sales.dealer.claim.line"], line_vals)

    @api.model_create_multi
    def create(self, vals_list):
        self._check_finite_numbers(vals_list)
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                vals["name"] = (
                    self.env["ir.sequence"].with_company(company).next_by_code("after_sales.dealer.claim")
                    or "/"
                )
        return super().create(vals_list)

    def write(self, vals):
        self._check_finite_numbers([vals])
        if not self.env.su:
            locked = set(CLAIMED_FIELDS) & set(vals)
            if locked and any(claim.review_state != "draft" for claim in self):
                raise UserError(
                    self.env._(
                        "A submitted claim keeps what the dealer claimed: reset it to draft to change it."
                    )
                )
            if "equipment_id" in vals and any(claim.review_state == "decided" for claim in self):
                raise UserError(self.env._("The unit of a decided claim cannot change."))
            if "review_note" in vals and any(claim.review_state != "draft" for claim in self):
                self._check_reviewer()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_submitted(self):
        if any(claim.review_state != "draft" for claim in self):
            raise UserError(self.env._("Only draft dealer claims can be deleted."))

    # --------------------------------------------------------------- actions

    def action_submit(self):
        """Submit the claim: checked, its unit's reading recorded, its lines decided."""
        self._check_can_submit()
        self._action_submit()
        return True

    def action_start_review(self):
        self._check_reviewer()
        self._check_review_state("submitted")
        self.write({"review_state": "under_review", "reviewer_id": self.env.user.id})
        return True

    def action_approve(self):
        """Decide the claim: lines not yet decided follow the engine (covered and within the norm)."""
        self._check_reviewer()
        self._check_review_state("submitted", "under_review")
        self._check_unit_known()
        for claim in self:
            pending = claim.line_ids.filtered(lambda line: not line.decision)
            pending._apply_suggested_decisions()
        self._action_decide()
        return True

    def action_reject(self):
        """Reject every line of the claim with the reviewer's note as the reason."""
        self._check_reviewer()
        self._check_review_state("submitted", "under_review")
        if any(not (claim.review_note or "").strip() for claim in self):
            raise UserError(
                self.env._("Write the reason for rejecting the claim in the reviewer's note first.")
            )
        for claim in self:
            claim.line_ids.write(
                {"decision": "reject", "approved_qty": 0.0, "decision_reason": claim.review_note.strip()}
            )
        self._action_decide()
        return True

    def action_reopen_review(self):
        """Back to review (managers): the decisions may change again while nothing is settled."""
        self._check_manager()
        self._check_review_state("decided")
        self._check_can_reopen()
        self.write({"review_state": "under_review", "decision_date": False})
        for claim in self:
            claim.message_post(body=self.env._("Claim reopened for review."))
        return True

    def action_reset_draft(self):
        """Back to the dealer (draft) before any decision: it may correct and submit it again."""
        self._check_reviewer()
        self._check_review_state("submitted", "under_review")
        self.line_ids.write({"decision": False, "approved_qty": 0.0, "decision_reason": False})
        self.write({"review_state": "draft", "submit_date": False, "proposed_equipment_id": False})
        for claim in self:
            claim.message_post(body=self.env._("Claim returned to the dealer for correction."))
        return True

    def action_register_unit(self):
        """Register the unit the dealer sold by its serial (reviewers), or link the registered one."""
        self._check_reviewer()
        self._check_review_state("submitted", "under_review")
        for claim in self:
            claim._register_unit()
        return True

    def action_accept_unit(self):
        """Accept the unit the dealer proposed by its serial (reviewers): linked, its reading recorded
        when plausible."""
        self._check_reviewer()
        self._check_review_state("submitted", "under_review")
        self._check_unit_proposed()
        for claim in self:
            claim._accept_proposed_unit()
        return True

    def action_reject_unit(self):
        """Refuse the unit the dealer proposed by its serial (reviewers): nothing is linked."""
        self._check_reviewer()
        self._check_review_state("submitted", "under_review")
        self._check_unit_proposed()
        for claim in self:
            unit = claim.proposed_equipment_id
            claim.proposed_equipment_id = False
            claim.message_post(
                body=self.env._(
                    "Unit proposal rejected: serial %(serial)s is not linked to unit %(unit)s.",
                    serial=claim.unit_serial,
                    unit=unit._get_html_link(),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_recheck_coverage(self):
        """Decide the coverage of the lines again (after the unit or its warranty changed)."""
        self._check_review_state("draft", "submitted", "under_review")
        lines = self.line_ids
        Line = self.env["after_sales.dealer.claim.line"]
        self.env.add_to_compute(Line._fields["coverage"], lines)
        self.env.add_to_compute(Line._fields["norm_hours"], lines)
        lines.flush_recordset()
        return True

    def action_request_returns(self):
        """Ask the dealer for the failed parts: one receipt per claim of its parts to return."""
        self._check_review_state("submitted", "under_review", "decided")
        lines = self.line_ids.filtered(
            lambda line: line.return_state == "to_request" and line.decision != "reject"
        )
        if not lines:
            raise UserError(self.env._("No failed part of these claims is waiting for a return request."))
        lines._request_returns()
        return True

    @api.readonly
    def action_view_returns(self):
        self.ensure_one()
        pickings = self.line_ids.return_move_ids.picking_id
        return pickings._get_records_action(name=self.env._("Failed-Part Returns"))

    # --------------------------------------------------------------- portal

    @api.model
    def _portal_get_dealer(self):
        """The service partner the current portal user claims for; refuses users who may not claim."""
        user = self.env.user
        dealer = user.partner_id.commercial_partner_id
        if not (
            user.share and dealer.sudo().is_service_partner and user in dealer.sudo().service_claim_user_ids
        ):
            raise AccessError(self.env._("You are not allowed to enter warranty claims."))
        return dealer

    @api.model
    def _portal_prepare_vals(self, vals):
        """(claim values, line commands) of what a dealer's portal user entered, checked.

        Only the fields a dealer fills are taken (``PORTAL_CLAIM_FIELDS``, lines with
        ``PORTAL_LINE_FIELDS``); a unit given by id must be one the user may read.
        """
        unknown = set(vals) - PORTAL_CLAIM_FIELDS - {"line_ids"}
        if unknown:
            raise AccessError(self.env._("You cannot set %s on a claim.", ", ".join(sorted(unknown))))
        claim_vals = {key: value for key, value in vals.items() if key in PORTAL_CLAIM_FIELDS}
        if claim_vals.get("equipment_id"):
            unit = self.env["after_sales.equipment"].browse(claim_vals["equipment_id"])
            unit.check_access("read")
        lines = []
        for line_vals in vals.get("line_ids") or []:
            unknown = set(line_vals) - PORTAL_LINE_FIELDS
            if unknown:
                raise AccessError(
                    self.env._("You cannot set %s on a claim line.", ", ".join(sorted(unknown)))
                )
            lines.append(Command.create(dict(line_vals)))
        return claim_vals, lines

    @api.model
    def _portal_create(self, vals):
        """Create a draft claim from what a dealer's portal user entered (the controller's one way in).

        Checked by ``_portal_prepare_vals``. Written as superuser once checked, as Odoo's portal
        does; the claim belongs to the user's dealer.
        """
        dealer = self._portal_get_dealer()
        claim_vals, lines = self._portal_prepare_vals(vals)
        company = self.env.company
        return (
            self.sudo()
            .with_company(company)
            .create(
                {
                    **claim_vals,
                    "dealer_id": dealer.id,
                    "company_id": company.id,
                    "line_ids": lines,
                }
            )
            .with_env(self.env)
        )

    def _portal_write(self, vals):
        """Change this draft claim of the current portal user's dealer; given lines replace its lines.

        Checked as ``_portal_create``; written as superuser once checked.
        """
        self.ensure_one()
        dealer = self._portal_get_dealer()
        self.check_access("read")
        claim = self.sudo()
        if claim.dealer_id != dealer:
            raise AccessError(self.env._("You can only change your own claims."))
        if claim.review_state != "draft":
            raise UserError(
                self.env._("A submitted claim keeps what the dealer claimed: reset it to draft to change it.")
            )
        claim_vals, lines = self._portal_prepare_vals(vals)
        if "line_ids" in vals:
            claim_vals["line_ids"] = [Command.clear(), *lines]
        claim.write(claim_vals)
        return True

    def _portal_submit(self):
        """Submit these draft claims of the current portal user's dealer."""
        dealer = self._portal_get_dealer()
        self.check_access("read")
        if any(claim.dealer_id != dealer for claim in self):
            raise AccessError(self.env._("You can only submit your own claims."))
        claims = self.sudo()
        claims._check_can_submit()
        claims._action_submit(user=self.env.user)
        return True

    # -------------------------------------------------------------- business

    def _get_state(self):
        """Status of this claim: its review step, then what its decided lines add up to (a hook)."""
        self.ensure_one()
        if self.review_state != "decided":
            return self.review_state
        approved = self.line_ids.filtered(
            lambda line: line.decision in ("approve", "adjust") and line.approved_qty
        )
        if not approved:
            return "rejected"
        if approved == self.line_ids and all(line.decision == "approve" for line in approved):
            return "approved"
        return "partly_approved"

    def _check_reviewer(self):
        if not (self.env.su or self.env.user.has_group("after_sales_warranty.group_warranty_officer")):
            raise AccessError(self.env._("Only warranty officers review dealer claims."))

    def _check_manager(self):
        if not (self.env.su or self.env.user.has_group("after_sales_service.group_after_sales_manager")):
            raise AccessError(self.env._("Only After-Sales managers can reopen a decided claim."))

    def _check_review_state(self, *states):
        labels = dict(self._fields["state"]._description_selection(self.env))
        for claim in self:
            if claim.review_state not in states:
                raise UserError(
                    self.env._(
                        "Claim %(claim)s is %(state)s: this step is not possible.",
                        claim=claim.name,
                        state=labels[claim.state],
                    )
                )

    def _check_can_reopen(self):
        """Raise when a decided claim may not be reviewed again (a hook: billing adds settled lines)."""
        return True

    def _check_unit_proposed(self):
        for claim in self:
            if not claim.proposed_equipment_id:
                raise UserError(self.env._("Claim %s proposes no unit of the installed base.", claim.name))

    def _check_unit_known(self):
        for claim in self:
            if claim.proposed_equipment_id:
                raise UserError(
                    self.env._(
                        "Claim %s: accept or reject the unit the dealer proposed before deciding the claim.",
                        claim.name,
                    )
                )
            if not claim.equipment_id:
                raise UserError(
                    self.env._(
                        "Claim %s: register the unit in the installed base before deciding the claim.",
                        claim.name,
                    )
                )

    def _resolve_unit(self):
        """Link the unit of the serial the dealer typed, when it is a unit the dealer sold.

        Any other unit of the installed base (a customer's, another dealer's) is only proposed: not
        linked (the dealer would read it), no reading recorded on it, until a reviewer accepts it.
        """
        todo = self.filtered(lambda c: not c.equipment_id and (c.unit_serial or "").strip())
        if not todo:
            return
        units = (
            self.env["after_sales.equipment"]
            .sudo()
            .search(
                [
                    ("lot_id.name", "in", [claim.unit_serial.strip() for claim in todo]),
                    ("company_id", "in", todo.company_id.ids),
                ]
            )
        )
        for claim in todo:
            unit = units.filtered(
                lambda u, c=claim: (
                    u.lot_id.name == c.unit_serial.strip()
                    and u.company_id == c.company_id
                    and (not c.unit_product_id or u.product_id == c.unit_product_id)
                )
            )[:1]
            if unit and unit.dealer_id == claim.dealer_id:
                claim.equipment_id = unit.id
            elif unit:
                claim.proposed_equipment_id = unit.id

    def _check_can_submit(self):
        """Refuse, before anything is written, a claim the rules do not let through."""
        self._check_review_state("draft")
        self._resolve_unit()
        today = fields.Date.context_today(self)
        for claim in self:
            dealer = claim.dealer_id
            if not dealer.is_service_partner:
                raise UserError(self.env._("%s is not an authorized service partner.", dealer.display_name))
            if not claim.line_ids:
                raise UserError(
                    self.env._("Claim %s has no lines: add the work and parts claimed.", claim.name)
                )
            product = (
                claim.equipment_id.product_id
                or claim.unit_product_id
                or claim.sudo().proposed_equipment_id.product_id
            )
            if not claim.equipment_id and (not (claim.unit_serial or "").strip() or not product):
                raise UserError(
                    self.env._(
                        "Claim %s: choose a unit of the installed base, or give the serial and "
                        "product of the unit you sold to have it registered.",
                        claim.name,
                    )
                )
            categ_path = set((product.categ_id.parent_path or "").split("/")) - {""}
            if not categ_path & {str(cid) for cid in dealer.service_categ_ids.ids}:
                raise UserError(
                    self.env._(
                        "%(dealer)s is not authorized for %(product)s units (category: %(categ)s).",
                        dealer=dealer.display_name,
                        product=product.display_name,
                        categ=product.categ_id.display_name or self.env._("none"),
                    )
                )
            if dealer.service_claim_deadline_days:
                deadline = claim.repair_date + timedelta(days=dealer.service_claim_deadline_days)
                if today > deadline:
                    raise UserError(
                        self.env._(
                            "The claim deadline of the repair of %(date)s passed on %(deadline)s "
                            "(%(days)s days after the repair).",
                            date=claim.repair_date,
                            deadline=deadline,
                            days=dealer.service_claim_deadline_days,
                        )
                    )
            claim.line_ids._check_can_submit(product)
        self.line_ids._check_duplicates()

    def _action_submit(self, user=None):
        user = user or self.env.user
        self._record_meter_readings()
        self.write(
            {
                "review_state": "submitted",
                "submit_date": fields.Date.context_today(self),
                "submitted_by_id": user.id,
            }
        )
        for claim in self.filtered("proposed_equipment_id"):
            # an internal note, by OdooBot: the dealer neither reads nor wrote it
            claim.message_post(
                body=claim.unit_proposal,
                subtype_xmlid="mail.mt_note",
                author_id=self.env.ref("base.partner_root").id,
            )
        for claim in self:
            # the dealer's claim users follow it: they are told how it is decided
            partners = claim.dealer_id.service_claim_user_ids.partner_id
            if user.share:
                partners |= user.partner_id
            claim.message_subscribe(partner_ids=partners.ids)
            claim.message_post(body=self.env._("Claim submitted for review."))

    def _record_meter_readings(self):
        """Record the meter reading of each claim on its unit (source: dealer claim).

        A reading ``_is_plausible_reading`` refuses is not recorded (the claim says why): a dealer's
        typo or guess never makes the unit's later, real readings look lower.
        """
        todo = self.filtered(lambda c: c.equipment_id and c.meter_hours and not c.meter_reading_id)
        implausible = todo.filtered(lambda c: not c._is_plausible_reading())
        for claim in implausible:
            claim.message_post(
                body=self.env._(
                    "The reading of %(hours)s h on %(date)s was not recorded on unit %(unit)s: "
                    "it does not follow the unit's readings and dates.",
                    hours=claim.meter_hours,
                    date=claim.repair_date,
                    unit=claim.equipment_id.display_name,
                ),
                subtype_xmlid="mail.mt_note",
                author_id=self.env.ref("base.partner_root").id,
            )
        todo -= implausible
        if not todo:
            return
        readings = (
            self.env["after_sales.meter.reading"]
            .sudo()
            .create(
                [
                    {
                        "equipment_id": claim.equipment_id.id,
                        "date": claim.repair_date,
                        "hours": claim.meter_hours,
                        "source": "dealer",
                        "note": claim.name,
                    }
                    for claim in todo
                ]
            )
        )
        for claim, reading in zip(todo, readings, strict=True):
            claim.meter_reading_id = reading

    def _is_plausible_reading(self):
        """Whether the dealer's reading of this claim fits its unit: dated when the unit was read
        no later, not below an earlier reading nor above a later one, and no more hours since the
        last reading (or the unit's delivery or commissioning) than days have passed."""
        self.ensure_one()
        unit = self.equipment_id.sudo()
        date, hours = self.repair_date, self.meter_hours
        if not date or date > fields.Date.context_today(self):
            return False
        readings = unit.meter_reading_ids
        before = readings.filtered(lambda r: r.date <= date)
        after = readings.filtered(lambda r: r.date > date)
        if after and min(after.mapped("hours")) < hours:
            return False
        last = before.sorted(lambda r: (r.date, r.hours))[-1:]
        if last:
            since, base = last.date, last.hours
        else:
            since = min((d for d in (unit.delivery_date, unit.commissioning_date) if d), default=None)
            base = 0.0
        if hours < base:
            return False
        return since is None or hours - base <= 24.0 * max((date - since).days, 1)

    def _accept_proposed_unit(self):
        """Link the unit this claim proposes (a reviewer accepted it), its reading when plausible."""
        self.ensure_one()
        unit = self.proposed_equipment_id
        self.write({"equipment_id": unit.id, "proposed_equipment_id": False})
        self._record_meter_readings()
        self.action_recheck_coverage()
        self.message_post(
            body=self.env._("Unit proposal accepted: unit %s linked to the claim.", unit._get_html_link()),
            subtype_xmlid="mail.mt_note",
        )
        return unit

    def _register_unit(self):
        """Register (or link) the unit of this claim from the serial the dealer gave."""
        self.ensure_one()
        if self.equipment_id:
            return self.equipment_id
        if self.proposed_equipment_id:
            return self._accept_proposed_unit()
        serial = (self.unit_serial or "").strip()
        product = self.unit_product_id
        if not serial or not product:
            raise UserError(self.env._("Claim %s gives no serial and product to register.", self.name))
        Lot = self.env["stock.lot"].sudo()
        lot = Lot.search(
            [
                ("name", "=", serial),
                ("product_id", "=", product.id),
                ("company_id", "in", [self.company_id.id, False]),
            ],
            limit=1,
        )
        unit = (
            self.env["after_sales.equipment"].sudo().search([("lot_id", "=", lot.id)], limit=1)
            if lot
            else False
        )
        if not unit:
            lot = lot or Lot.create(
                {"name": serial, "product_id": product.id, "company_id": self.company_id.id}
            )
            unit = (
                self.env["after_sales.equipment"]
                .sudo()
                .create(
                    {
                        "product_id": product.id,
                        "lot_id": lot.id,
                        "partner_id": self.dealer_id.id,
                        "dealer_id": self.dealer_id.id,
                        "company_id": self.company_id.id,
                    }
                )
            )
            unit.message_post(body=self.env._("Registered from dealer claim %s.", self._get_html_link()))
        self.equipment_id = unit
        self._record_meter_readings()
        self.action_recheck_coverage()
        self.message_post(body=self.env._("Unit %s linked to the claim.", unit._get_html_link()))
        return unit

    def _action_decide(self):
        """Close the review: decision date and reviewer, failed parts asked back, vendors claimed."""
        self.line_ids._check_decisions()
        self.write(
            {
                "review_state": "decided",
                "decision_date": fields.Date.context_today(self),
                "reviewer_id": self.env.user.id,
            }
        )
        approved = self.line_ids.filtered(
            lambda line: line.decision in ("approve", "adjust") and line.approved_qty
        )
        approved.filtered(lambda line: line.return_state == "to_request")._request_returns()
        approved._feed_vendor_claims()
        labels = dict(self._fields["state"]._description_selection(self.env))
        for claim in self:
            claim.message_post(
                body=self.env._(
                    "Claim decided: %(state)s, %(amount)s approved of %(claimed)s claimed.",
                    state=labels[claim.state],
                    amount=format_amount(self.env, claim.amount_approved, claim.currency_id),
                    claimed=format_amount(self.env, claim.amount_claimed, claim.currency_id),
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )

    @api.model
    def _get_duplicate_days(self, company):
        return company.after_sales_dealer_duplicate_days
