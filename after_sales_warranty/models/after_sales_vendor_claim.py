from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError


class AfterSalesVendorClaim(models.Model):
    _name = "after_sales.vendor.claim"
    _description = "Vendor Warranty Claim"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "partner_id.name", "vendor_reference"]

    name = fields.Char(
        string="Number", required=True, readonly=True, copy=False, default="/", index="trigram"
    )
    partner_id = fields.Many2one(
        "res.partner", string="Vendor", required=True, index=True, check_company=True, tracking=True
    )
    vendor_reference = fields.Char(tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        "res.users", string="Responsible", default=lambda self: self.env.user, tracking=True
    )
    date = fields.Date(required=True, default=fields.Date.context_today, tracking=True)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("sent", "Sent"),
            ("accepted", "Accepted"),
            ("rejected", "Rejected"),
            ("credited", "Credited"),
        ],
        default="draft",
        required=True,
        index=True,
        tracking=True,
        copy=False,
    )
    line_ids = fields.One2many(
        "after_sales.vendor.claim.line", "claim_id", string="Claimed Lines", copy=False
    )
    amount_total = fields.Monetary(
        string="Claimed Amount", compute="_compute_amount_total", store=True, currency_field="currency_id"
    )
    request_ids = fields.Many2many("after_sales.request", compute="_compute_request_ids", string="Requests")
    request_count = fields.Integer(compute="_compute_request_ids")
    refund_move_id = fields.Many2one(
        "account.move",
        string="Vendor Credit Note",
        readonly=True,
        copy=False,
        check_company=True,
        tracking=True,
    )
    reject_reason = fields.Text(string="Rejection Reason", tracking=True)
    note = fields.Html(string="Notes")

    @api.depends("line_ids.amount")
    def _compute_amount_total(self):
        for claim in self:
            claim.amount_total = sum(claim.line_ids.mapped("amount"))

    @api.depends("line_ids.request_id")
    def _compute_request_ids(self):
        for claim in self:
            claim.request_ids = claim.line_ids.request_id
            claim.request_count = len(claim.request_ids)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                vals["name"] = (
                    self.env["ir.sequence"].with_company(company).next_by_code("after_sales.vendor.claim")
                    or "/"
                )
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_draft(self):
        if any(claim.state not in ("draft", "rejected") for claim in self):
            raise UserError(self.env._("Only draft or rejected vendor claims can be deleted."))

    # --------------------------------------------------------------- actions

    def action_send(self):
        self._check_state("draft")
        if any(not claim.line_ids for claim in self):
            raise UserError(self.env._("A vendor claim needs at least one line."))
        self.write({"state": "sent"})
        return True

    def action_accept(self):
        """The vendor accepts: a draft vendor credit note is created for the claimed amount."""
        self._check_state("sent")
        for claim in self:
            claim.refund_move_id = claim._create_refund()
        self.write({"state": "accepted"})
        return True

    def action_reject(self):
        self._check_state("sent")
        if any(not (claim.reject_reason or "").strip() for claim in self):
            raise UserError(self.env._("Write the vendor's reason for rejecting the claim first."))
        self.write({"state": "rejected"})
        return True

    def action_credit(self):
        """Post the vendor credit note; posting it marks the claim credited."""
        self._check_state("accepted")
        self.refund_move_id.filtered(lambda m: m.state == "draft").action_post()
        self._action_credited()
        return True

    def action_draft(self):
        self._check_state("sent", "rejected")
        self.write({"state": "draft", "reject_reason": False})
        return True

    @api.readonly
    def action_view_refund(self):
        self.ensure_one()
        return self.refund_move_id._get_records_action()

    @api.readonly
    def action_view_requests(self):
        self.ensure_one()
        return self.request_ids._get_records_action(name=self.env._("Requests"))

    # -------------------------------------------------------------- business

    def _check_state(self, *states):
        labels = dict(self._fields["state"]._description_selection(self.env))
        for claim in self:
            if claim.state not in states:
                raise UserError(
                    self.env._(
                        "Vendor claim %(claim)s is %(state)s: this step is not possible.",
                        claim=claim.name,
                        state=labels[claim.state],
                    )
                )

    def _action_credited(self):
        claims = self.filtered(lambda c: c.state == "accepted" and c.refund_move_id.state == "posted")
        if claims:
            claims.write({"state": "credited"})

    def _prepare_refund_vals(self):
        """Values of the vendor credit note of this claim (a hook)."""
        self.ensure_one()
        return {
            "move_type": "in_refund",
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "invoice_date": fields.Date.context_today(self),
            "ref": self.vendor_reference or self.name,
            "invoice_origin": self.name,
            "invoice_line_ids": [
                fields.Command.create(
                    {
                        "product_id": line.product_id.id,
                        "name": line.name,
                        "quantity": line.quantity,
                        "price_unit": line.unit_cost,
                        "tax_ids": [fields.Command.clear()],
                    }
                )
                for line in self.line_ids
            ],
        }

    def _create_refund(self):
        self.ensure_one()
        move = self.env["account.move"].with_company(self.company_id).create(self._prepare_refund_vals())
        move.message_post(body=self.env._("Credit note for vendor claim %s.", self._get_html_link()))
        return move

    @api.model
    def _create_from_dealer_claim_lines(self, dealer_lines):
        """Claim the approved ``dealer_lines`` a vendor's warranty covers, grouped per vendor.

        What we pay the dealer is claimed back: added to the vendor's draft claim of the company
        when there is one, else to a new claim. Lines no vendor warranty covers are left alone.
        """
        claimed = (
            self.env["after_sales.vendor.claim.line"]
            .search([("dealer_claim_line_id", "in", dealer_lines.ids), ("claim_id.state", "!=", "rejected")])
            .dealer_claim_line_id
        )
        by_vendor = defaultdict(list)
        for line in dealer_lines - claimed:
            if line.decision not in ("approve", "adjust") or not line.approved_qty:
                continue
            vendor, _end = line._get_vendor_warranty()
            if vendor:
                by_vendor[(vendor, line.company_id)].append(line)
        return self._add_to_draft_claims(
            by_vendor, self.env["after_sales.vendor.claim.line"]._prepare_from_dealer_claim_line_vals
        )

    def _add_to_draft_claims(self, by_vendor, prepare):
        """Lines of ``by_vendor`` ({(vendor, company): lines}) onto each vendor's draft claim.

        A vendor without a draft claim of the company gets a new one.
        """
        if not by_vendor:
            return self.browse()
        drafts = self.search(
            [
                ("state", "=", "draft"),
                ("partner_id", "in", [vendor.id for vendor, _company in by_vendor]),
                ("company_id", "in", [company.id for _vendor, company in by_vendor]),
            ]
        )
        claims = self.browse()
        ClaimLine = self.env["after_sales.vendor.claim.line"]
        for (vendor, company), lines in by_vendor.items():
            claim = drafts.filtered(lambda c, v=vendor, co=company: c.partner_id == v and c.company_id == co)[
                :1
            ]
            if not claim:
                claim = self.create({"partner_id": vendor.id, "company_id": company.id})
            ClaimLine.create([prepare(claim, line) for line in lines])
            claims |= claim
        return claims

    @api.model
    def _create_from_request_lines(self, request_lines):
        """Claim the warranty ``request_lines`` the vendors' warranty covers, grouped per vendor.

        Lines go to the vendor's draft claim of the company when there is one, else to a new claim.
        """
        claimed = (
            self.env["after_sales.vendor.claim.line"]
            .search([("request_line_id", "in", request_lines.ids), ("claim_id.state", "!=", "rejected")])
            .request_line_id
        )
        by_vendor = defaultdict(list)
        for line in request_lines - claimed:
            if line.coverage != "warranty":
                continue
            vendor, _end = line._get_vendor_warranty()
            if vendor:
                by_vendor[(vendor, line.company_id)].append(line)
        if not by_vendor:
            raise UserError(
                self.env._("No warranty line of these requests is covered by a vendor's warranty.")
            )
        return self._add_to_draft_claims(
            by_vendor, self.env["after_sales.vendor.claim.line"]._prepare_from_request_line_vals
        )
