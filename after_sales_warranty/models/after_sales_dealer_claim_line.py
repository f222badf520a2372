from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools.translate import LazyTranslate

from odoo.addons.after_sales_service.locks import serialize_on_rows
from odoo.addons.after_sales_service.tools import check_finite_numbers

from ..tools import coverage_reason, coverage_reason_display

_lt = LazyTranslate(__name__)

LINE_TYPES = [("labour", "Labour"), ("part", "Part")]
CLAIM_COVERAGE = [("warranty", "Warranty"), ("not_covered", "Not Covered")]
DECISIONS = [("approve", "Approved"), ("adjust", "Adjusted"), ("reject", "Rejected")]
RETURN_STATES = [
    ("none", "Not Required"),
    ("to_request", "To Request"),
    ("requested", "Requested"),
    ("received", "Received"),
]

# what the dealer claims on a line: fixed once the claim is submitted
CLAIMED_LINE_FIELDS = (
    "claim_id",
    "line_type",
    "operation_id",
    "hours",
    "product_id",
    "quantity",
    "failed_serial",
)
# what the reviewer decides
DECISION_FIELDS = ("decision", "approved_qty", "decision_reason")


class AfterSalesDealerClaimLine(models.Model):
    _name = "after_sales.dealer.claim.line"
    _description = "Dealer Claim Line"
    _inherit = ["after_sales.portal.mixin"]
    _order = "claim_id, sequence, id"
    _check_company_auto = True
    # the dealer reads what it claimed and how each line was decided, and why
    _portal_fields = {
        "claim_id",
        "sequence",
        "line_type",
        "name",
        "operation_id",
        "hours",
        "norm_hours",
        "norm_exceeded",
        "product_id",
        "quantity",
        "failed_serial",
        "currency_id",
        "price_unit",
        "amount_claimed",
        "coverage",
        "coverage_reason",
        "coverage_reason_data",
        "coverage_reason_display",
        "decision",
        "approved_qty",
        "approved_amount",
        "decision_reason",
        "return_required",
        "return_state",
    }

    claim_id = fields.Many2one("after_sales.dealer.claim", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="claim_id.company_id", store=True, index=True)
    dealer_id = fields.Many2one(related="claim_id.dealer_id", store=True, index=True, string="Dealer")
    equipment_id = fields.Many2one(related="claim_id.equipment_id", store=True, index="btree_not_null")
    currency_id = fields.Many2one(related="claim_id.currency_id")
    sequence = fields.Integer(default=10)
    line_type = fields.Selection(LINE_TYPES, string="Type", required=True, default="labour")
    name = fields.Char(
        string="Description", compute="_compute_name", store=True, readonly=False, precompute=True
    )
    operation_id = fields.Many2one("after_sales.labour.operation", check_company=True)
    hours = fields.Float(digits=(16, 2), help="Hours of labour claimed.")
    norm_hours = fields.Float(
        digits=(16, 2),
        compute="_compute_norm_hours",
        store=True,
        precompute=True,
        help="Standard hours of the operation when the claim was submitted.",
    )
    norm_exceeded = fields.Boolean(
        string="Above Norm",
        compute="_compute_norm_hours",
        store=True,
        precompute=True,
        help="More hours claimed than the norm.",
    )
    product_id = fields.Many2one("product.product", string="Part", check_company=True, index="btree_not_null")
    quantity = fields.Float(digits="Product Unit", default=1.0)
    failed_serial = fields.Char(
        string="Failed Part Serial",
        index="btree_not_null",
        help="Serial of the failed part, for tracked parts.",
    )
    price_unit = fields.Monetary(
        string="Unit Price",
        compute="_compute_price_unit",
        store=True,
        precompute=True,
        currency_field="currency_id",
        help="The dealer's labour rate per hour, or the part's price by the dealer's reimbursement rule.",
    )
    amount_claimed = fields.Monetary(
        compute="_compute_amounts", store=True, precompute=True, currency_field="currency_id"
    )
    coverage = fields.Selection(
        CLAIM_COVERAGE,
        compute="_compute_coverage",
        store=True,
        precompute=True,
        index=True,
        help="Decided by the warranty of the unit on the repair date at its meter reading, as for "
        "our own service lines.",
    )
    coverage_reason = fields.Char(
        string="Coverage Reason as Recorded",
        compute="_compute_coverage",
        store=True,
        precompute=True,
        help="The reason as the engine recorded it; shown translated as Coverage Reason.",
    )
    coverage_reason_data = fields.Json(compute="_compute_coverage", store=True, precompute=True)
    coverage_reason_display = fields.Char(
        string="Coverage Reason", compute="_compute_coverage_reason_display"
    )
    decision = fields.Selection(DECISIONS, index=True, copy=False)
    approved_qty = fields.Float(
        string="Approved Quantity",
        digits=(16, 2),
        compute="_compute_approved_qty",
        store=True,
        precompute=True,
        readonly=False,
        copy=False,
        help="Hours or parts approved: what was claimed when approved, less when adjusted, none "
        "when rejected.",
    )
    approved_amount = fields.Monetary(
        compute="_compute_amounts", store=True, precompute=True, currency_field="currency_id"
    )
    decision_reason = fields.Char(copy=False)
    return_required = fields.Boolean(
        compute="_compute_return_required",
        store=True,
        precompute=True,
        readonly=False,
        help="The dealer sends the failed part back; the line is settled once it is received.",
    )
    return_move_ids = fields.One2many(
        "stock.move", "after_sales_dealer_claim_line_id", string="Return Moves", readonly=True
    )
    return_state = fields.Selection(
        RETURN_STATES, compute="_compute_return_state", store=True, index=True, string="Failed Part"
    )
    vendor_claim_line_ids = fields.One2many(
        "after_sales.vendor.claim.line", "dealer_claim_line_id", string="Vendor Claim Lines"
    )

    # ------------------------------------------------------------ computes

    @api.depends("operation_id", "product_id", "line_type")
    def _compute_name(self):
        for line in self:
            if line.line_type == "labour" and line.operation_id:
                line.name = line.operation_id.display_name
            elif line.line_type == "part" and line.product_id:
                line.name = line.product_id.display_name
            else:
                line.name = line.name or False

    def _is_locked(self):
        """Whether what was computed for this line when it was claimed stays (its claim is submitted)."""
        self.ensure_one()
        return bool(self._origin.id) and self.claim_id.review_state not in ("draft", False)

    @api.depends("operation_id.norm_hours", "hours", "line_type")
    def _compute_norm_hours(self):
        for line in self:
            if line._is_locked() and line.claim_id.review_state == "decided":
                line.norm_hours = line._origin.norm_hours
                line.norm_exceeded = line._origin.norm_exceeded
                continue
            norm = line.operation_id.norm_hours if line.line_type == "labour" else 0.0
            line.norm_hours = norm
            line.norm_exceeded = bool(norm) and line.hours > norm + 1e-6

    @api.depends(
        "line_type",
        "product_id",
        "quantity",
        "claim_id.dealer_id",
        "claim_id.currency_id",
        "claim_id.repair_date",
    )
    def _compute_price_unit(self):
        for line in self:
            if line._is_locked():
                line.price_unit = line._origin.price_unit
                continue
            line.price_unit = line._get_price_unit()

    @api.depends("line_type", "hours", "quantity", "price_unit", "decision", "approved_qty")
    def _compute_amounts(self):
        for line in self:
            line.amount_claimed = line._get_claimed_qty() * line.price_unit
            approved = line.decision in ("approve", "adjust")
            line.approved_amount = line.approved_qty * line.price_unit if approved else 0.0

    @api.depends(
        "line_type",
        "product_id",
        "claim_id.equipment_id",
        "claim_id.repair_date",
        "claim_id.meter_hours",
    )
    def _compute_coverage(self):
        """Decided by the suite's coverage engine while the claim is not decided; then kept."""
        todo = self.filtered(lambda line: not (line._is_locked() and line.claim_id.review_state == "decided"))
        decisions = todo._decide_coverage()
        for line in todo:
            line.coverage, line.coverage_reason = decisions[line.id]
            line.coverage_reason_data = getattr(decisions[line.id][1], "data", False) or False
        for line in self - todo:
            line.coverage, line.coverage_reason = line._origin.coverage, line._origin.coverage_reason
            line.coverage_reason_data = line._origin.coverage_reason_data

    @api.depends("coverage_reason", "coverage_reason_data")
    @api.depends_context("lang")
    def _compute_coverage_reason_display(self):
        for line in self:
            line.coverage_reason_display = coverage_reason_display(
                line.env, line.coverage_reason, line.coverage_reason_data
            )

    @api.depends("decision", "hours", "quantity", "line_type")
    def _compute_approved_qty(self):
        for line in self:
            if line.decision == "approve":
                line.approved_qty = line._get_claimed_qty()
            elif line.decision == "reject" or not line.decision:
                line.approved_qty = 0.0
            else:
                line.approved_qty = line.approved_qty or line._get_claimed_qty()

    @api.depends("line_type", "claim_id.dealer_id.service_return_failed_parts")
    def _compute_return_required(self):
        for line in self:
            if line._is_locked():
                line.return_required = line._origin.return_required
                continue
            line.return_required = (
                line.line_type == "part" and line.claim_id.dealer_id.service_return_failed_parts
            )

    @api.depends("return_required", "return_move_ids.state")
    def _compute_return_state(self):
        for line in self:
            moves = line.return_move_ids.filtered(lambda m: m.state != "cancel")
            if not line.return_required:
                line.return_state = "none"
            elif not moves:
                line.return_state = "to_request"
            elif any(move.state != "done" for move in moves):
                line.return_state = "requested"
            else:
                line.return_state = "received"

    @api.constrains(*DECISION_FIELDS, "coverage")
    def _check_decision(self):
        for line in self:
            if not line.decision:
                continue
            claimed = line._get_claimed_qty()
            if line.approved_qty < 0 or line.approved_qty > claimed + 1e-6:
                raise ValidationError(
                    self.env._(
                        "Line %(line)s: between 0 and the %(claimed)s claimed can be approved.",
                        line=line.name,
                        claimed=claimed,
                    )
                )
            reason = (line.decision_reason or "").strip()
            if line.decision in ("adjust", "reject") and not reason:
                raise ValidationError(
                    self.env._("Line %s: give the reason for adjusting or rejecting it.", line.name)
                )
            if line.decision == "approve" and line.coverage != "warranty" and not reason:
                raise ValidationError(
                    self.env._(
                        "Line %s is not covered by the warranty: give the reason for approving it anyway.",
                        line.name,
                    )
                )

    @api.constrains("hours", "quantity")
    def _check_quantities(self):
        for line in self:
            if line.hours < 0 or line.quantity < 0:
                raise ValidationError(self.env._("Claimed hours and quantities cannot be negative."))

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        check_finite_numbers(self, vals_list)
        claims = self.env["after_sales.dealer.claim"].browse(
            {vals.get("claim_id") for vals in vals_list} - {None}
        )
        if not self.env.su and any(claim.review_state != "draft" for claim in claims):
            raise UserError(self.env._("Lines can only be added to draft claims."))
        return super().create(vals_list)

    def write(self, vals):
        check_finite_numbers(self, [vals])
        if not self.env.su:
            if set(CLAIMED_LINE_FIELDS) & set(vals) and any(
                line.claim_id.review_state != "draft" for line in self
            ):
                raise UserError(
                    self.env._(
                        "A submitted claim keeps what the dealer claimed: reset it to draft to change it."
                    )
                )
            if set(DECISION_FIELDS) & set(vals):
                self.claim_id._check_reviewer()
                self.claim_id._check_review_state("submitted", "under_review")
        res = super().write(vals)
        if set(DECISION_FIELDS) & set(vals):
            # a reviewer deciding a line has started the review
            self.claim_id.filtered(lambda c: c.review_state == "submitted").write(
                {"review_state": "under_review", "reviewer_id": self.env.user.id}
            )
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_submitted(self):
        if any(line.claim_id.review_state != "draft" for line in self):
            raise UserError(self.env._("Lines of a submitted claim cannot be deleted."))

    # -------------------------------------------------------------- business

    def _get_claimed_qty(self):
        """Hours of a labour line, quantity of a part."""
        self.ensure_one()
        return self.hours if self.line_type == "labour" else self.quantity

    def _get_price_unit(self):
        """Labour at the dealer's rate, parts by its rule (price list, or cost + handling).

        In the claim's currency.
        """
        self.ensure_one()
        claim = self.claim_id
        dealer = claim.dealer_id
        currency = claim.currency_id or claim.company_id.currency_id or self.env.company.currency_id
        if self.line_type == "labour":
            rate = dealer.service_labour_rate
            dealer_currency = dealer.service_currency_id or currency
            return dealer_currency._convert(
                rate, currency, claim.company_id or self.env.company, claim.repair_date
            )
        if not self.product_id:
            return 0.0
        company = claim.company_id or self.env.company
        day = claim.repair_date or fields.Date.context_today(self)
        if dealer.service_parts_rule == "pricelist" and dealer.service_pricelist_id:
            return dealer.service_pricelist_id._get_product_price(
                self.product_id, self.quantity or 1.0, currency=currency, date=day
            )
        cost = self.product_id.with_company(company).standard_price
        cost *= 1 + (dealer.service_handling_percent or 0.0) / 100
        return company.currency_id._convert(cost, currency, company, day)

    def _decide_coverage(self):
        """{line.id: (coverage, reason)} by the unit's warranty on the repair day (the suite's engine)."""
        result = {}
        for line in self:
            claim = line.claim_id
            unit = claim.equipment_id
            if not unit:
                result[line.id] = (
                    "not_covered",
                    coverage_reason(
                        self.env, _lt("The unit is not in the installed base (registered on review).")
                    ),
                )
                continue
            day = claim.repair_date or fields.Date.context_today(self)
            covered, reason = unit._decide_warranty(
                day,
                "part" if line.line_type == "part" else "work",
                line.product_id,
                hours=claim.meter_hours or None,
            )
            result[line.id] = ("warranty" if covered else "not_covered", reason)
        return result

    def _get_suggested_decision(self):
        """(decision, approved quantity, reason) the engine suggests for this line."""
        self.ensure_one()
        claimed = self._get_claimed_qty()
        if self.coverage != "warranty":
            return "reject", 0.0, self.coverage_reason
        if self.norm_exceeded:
            return (
                "adjust",
                self.norm_hours,
                self.env._(
                    "Limited to the norm of %(norm)s hours (%(hours)s claimed).",
                    norm=self.norm_hours,
                    hours=claimed,
                ),
            )
        return "approve", claimed, False

    def _apply_suggested_decisions(self):
        """Decide these lines as the engine suggests, one write per distinct decision."""
        groups = defaultdict(list)
        for line in self:
            groups[line._get_suggested_decision()].append(line.id)
        for (decision, qty, reason), ids in groups.items():
            vals = {"decision": decision, "decision_reason": reason}
            if decision == "adjust":
                vals["approved_qty"] = qty
            self.browse(ids).write(vals)

    def _check_decisions(self):
        for line in self:
            if not line.decision:
                raise UserError(
                    self.env._(
                        "Line %(line)s of claim %(claim)s is not decided.",
                        line=line.name,
                        claim=line.claim_id.name,
                    )
                )

    def _check_can_submit(self, unit_product):
        """Refuse lines that are not complete or do not fit the unit of ``unit_product``."""
        for line in self:
            if line.line_type == "labour":
                if not line.operation_id:
                    raise UserError(self.env._("Labour line %s needs an operation.", line.name or ""))
                if line.hours <= 0:
                    raise UserError(self.env._("Labour line %s needs the hours worked.", line.name))
                if not line.operation_id._applies_to(unit_product):
                    raise UserError(
                        self.env._(
                            "Operation %(operation)s does not apply to %(product)s units.",
                            operation=line.operation_id.display_name,
                            product=unit_product.display_name,
                        )
                    )
            else:
                if not line.product_id:
                    raise UserError(self.env._("A part line needs the part."))
                if line.quantity <= 0:
                    raise UserError(self.env._("Part line %s needs a quantity.", line.name))
                dealer = line.claim_id.dealer_id
                if not dealer._is_authorized_part(line.product_id):
                    raise UserError(
                        self.env._(
                            "%(dealer)s is not authorized to claim %(part)s (category: %(categ)s): "
                            "its parts categories are %(categs)s.",
                            dealer=dealer.display_name,
                            part=line.product_id.display_name,
                            categ=line.product_id.categ_id.display_name or self.env._("none"),
                            categs=", ".join(dealer.service_parts_categ_ids.mapped("display_name"))
                            or self.env._("none"),
                        )
                    )
                if line.product_id.tracking != "none" and not (line.failed_serial or "").strip():
                    raise UserError(
                        self.env._(
                            "Part %s is tracked: give the serial of the failed part.",
                            line.product_id.display_name,
                        )
                    )

    def _lock_for_duplicates(self):
        """Serialize the duplicate checks of claims of the same parts (``_check_duplicates``).

        Two claims of the same failed serial submitted at the same moment would each find no
        other. The rows of their part products are updated (not only locked), in id order: the
        second submit waits for the first transaction, then fails with a serialization error and
        is retried (as Odoo retries any request), this time seeing the claim submitted first.
        """
        serialize_on_rows(self.product_id)

    def _check_duplicates(self):
        """Refuse a part claimed twice: the same failed serial, or the same part of the same unit
        within the company's duplicate window (claims not rejected, one query for all lines)."""
        parts = self.filtered(lambda line: line.line_type == "part")
        if not parts:
            return
        parts._lock_for_duplicates()
        seen = {}
        for line in parts.filtered("failed_serial"):
            key = (line.product_id.id, line.failed_serial.strip())
            if key in seen:
                raise UserError(
                    self.env._(
                        "Failed part %(product)s with serial %(serial)s is claimed twice.",
                        product=line.product_id.display_name,
                        serial=key[1],
                    )
                )
            seen[key] = line
        others_domain = (
            Domain("line_type", "=", "part")
            & Domain("id", "not in", self.ids)
            & Domain("claim_id", "not in", self.claim_id.ids)
            & Domain("claim_id.review_state", "!=", "draft")
            & Domain("claim_id.state", "!=", "rejected")
            & Domain("decision", "!=", "reject")
            & Domain("product_id", "in", parts.product_id.ids)
        )
        by_unit = Domain("equipment_id", "in", parts.claim_id.equipment_id.ids)
        by_serial = Domain("failed_serial", "in", [key[1] for key in seen])
        others = self.sudo().search(others_domain & (by_unit | by_serial))
        for other in others:
            if other.failed_serial and (other.product_id.id, other.failed_serial.strip()) in seen:
                raise UserError(
                    self.env._(
                        "Failed part %(product)s with serial %(serial)s was already claimed in %(claim)s.",
                        product=other.product_id.display_name,
                        serial=other.failed_serial,
                        claim=other.claim_id.name,
                    )
                )
        for line in parts:
            unit = line.claim_id.equipment_id
            if not unit:
                continue
            days = self.env["after_sales.dealer.claim"]._get_duplicate_days(line.company_id)
            for other in others:
                if (
                    other.equipment_id == unit
                    and other.product_id == line.product_id
                    and abs((other.claim_id.repair_date - line.claim_id.repair_date).days) <= days
                ):
                    raise UserError(
                        self.env._(
                            "%(product)s of unit %(unit)s was already claimed in %(claim)s, within "
                            "%(days)s days of this repair.",
                            product=line.product_id.display_name,
                            unit=unit.display_name,
                            claim=other.claim_id.name,
                            days=days,
                        )
                    )

    def _request_returns(self):
        """One receipt per claim of its failed parts to return, into the Failed Parts location."""
        for claim, lines in self.grouped("claim_id").items():
            company = claim.company_id
            warehouse = self.env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
            if not warehouse:
                raise UserError(
                    self.env._("Company %s has no warehouse to receive failed parts.", company.name)
                )
            picking_type = warehouse.in_type_id
            destination = warehouse._after_sales_failed_parts_location()
            source = picking_type.default_location_src_id or self.env.ref("stock.stock_location_customers")
            picking = (
                self.env["stock.picking"]
                .sudo()
                .with_company(company)
                .create(
                    {
                        "picking_type_id": picking_type.id,
                        "partner_id": claim.dealer_id.id,
                        "location_id": source.id,
                        "location_dest_id": destination.id,
                        "origin": claim.name,
                        "company_id": company.id,
                        "move_ids": [
                            fields.Command.create(
                                {
                                    "product_id": line.product_id.id,
                                    "product_uom_qty": line.quantity,
                                    "product_uom": line.product_id.uom_id.id,
                                    "location_id": source.id,
                                    "location_dest_id": destination.id,
                                    "after_sales_dealer_claim_line_id": line.id,
                                }
                            )
                            for line in lines
                        ],
                    }
                )
            )
            picking.action_confirm()
            claim.message_post(body=self.env._("Failed parts requested back: %s.", picking._get_html_link()))

    def _get_vendor_warranty(self):
        """(vendor, end) of the vendor warranty covering this line (as for service lines).

        (False, False) when none does.
        """
        self.ensure_one()
        unit = self.claim_id.equipment_id
        product = self.product_id if self.line_type == "part" else unit.product_id
        if not unit or not product:
            return False, False
        return unit._get_vendor_warranty(product, self.claim_id.repair_date, self.company_id)

    def _feed_vendor_claims(self):
        """Add these approved lines the vendors' warranty covers to the vendors' draft recourse claims."""
        lines = self.filtered(lambda line: not line.vendor_claim_line_ids)
        if lines:
            self.env["after_sales.vendor.claim"].sudo()._create_from_dealer_claim_lines(lines.sudo())
