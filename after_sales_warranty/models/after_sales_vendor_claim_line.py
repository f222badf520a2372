from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class AfterSalesVendorClaimLine(models.Model):
    _name = "after_sales.vendor.claim.line"
    _description = "Vendor Claim Line"
    _order = "claim_id, id"
    _check_company_auto = True

    claim_id = fields.Many2one("after_sales.vendor.claim", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="claim_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="claim_id.currency_id")
    # what is claimed from the vendor: one of our service lines, or a dealer's claim line we paid
    request_line_id = fields.Many2one(
        "after_sales.request.line", string="Service Line", index="btree_not_null", check_company=True
    )
    dealer_claim_line_id = fields.Many2one(
        "after_sales.dealer.claim.line",
        index="btree_not_null",
        check_company=True,
    )
    request_id = fields.Many2one(
        related="request_line_id.request_id", store=True, index=True, string="Request"
    )
    dealer_claim_id = fields.Many2one(
        related="dealer_claim_line_id.claim_id", store=True, index="btree_not_null", string="Dealer Claim"
    )
    equipment_id = fields.Many2one("after_sales.equipment", compute="_compute_equipment_id")
    line_type = fields.Selection(related="request_line_id.line_type")
    product_id = fields.Many2one("product.product", check_company=True)
    name = fields.Text(string="Description", required=True)
    quantity = fields.Float(digits="Product Unit", required=True, default=1.0)
    unit_cost = fields.Monetary(currency_field="currency_id")
    amount = fields.Monetary(compute="_compute_amount", store=True, currency_field="currency_id")

    _request_line_claim_uniq = models.Constraint(
        "UNIQUE(request_line_id, claim_id)", "A service line is claimed once per vendor claim."
    )
    _dealer_claim_line_claim_uniq = models.Constraint(
        "UNIQUE(dealer_claim_line_id, claim_id)", "A dealer claim line is claimed once per vendor claim."
    )
    _one_source = models.Constraint(
        "CHECK((request_line_id IS NULL) != (dealer_claim_line_id IS NULL))",
        "A vendor claim line claims either a service line or a dealer claim line.",
    )

    @api.depends("request_line_id.equipment_id", "dealer_claim_line_id.equipment_id")
    def _compute_equipment_id(self):
        for line in self:
            line.equipment_id = line.request_line_id.equipment_id or line.dealer_claim_line_id.equipment_id

    @api.depends("quantity", "unit_cost")
    def _compute_amount(self):
        for line in self:
            line.amount = line.quantity * line.unit_cost

    @api.constrains("quantity", "unit_cost")
    def _check_amounts(self):
        for line in self:
            if line.quantity < 0 or line.unit_cost < 0:
                raise ValidationError(self.env._("Claimed quantities and costs cannot be negative."))

    @api.model_create_multi
    def create(self, vals_list):
        claims = self.env["after_sales.vendor.claim"].browse([vals.get("claim_id") for vals in vals_list])
        if any(claim.state != "draft" for claim in claims):
            raise UserError(self.env._("Lines can only be added to draft vendor claims."))
        return super().create(vals_list)

    def write(self, vals):
        if any(line.claim_id.state != "draft" for line in self):
            raise UserError(self.env._("Lines of a sent vendor claim cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent(self):
        if any(line.claim_id.state != "draft" for line in self):
            raise UserError(self.env._("Lines of a sent vendor claim cannot be deleted."))

    @api.model
    def _prepare_from_request_line_vals(self, claim, request_line):
        """Values of the line claiming ``request_line`` on ``claim`` (a hook): at cost."""
        product = request_line.product_id
        cost = product.with_company(claim.company_id).standard_price if product else 0.0
        return {
            "claim_id": claim.id,
            "request_line_id": request_line.id,
            "product_id": product.id,
            "name": request_line.name,
            "quantity": request_line.quantity,
            "unit_cost": cost,
        }

    @api.model
    def _prepare_from_dealer_claim_line_vals(self, claim, dealer_line):
        """Values of the line claiming the approved ``dealer_line`` on ``claim`` (a hook).

        What we pay the dealer is what we claim.
        """
        qty = dealer_line.approved_qty
        amount = dealer_line.claim_id.currency_id._convert(
            dealer_line.approved_amount, claim.currency_id, claim.company_id, dealer_line.claim_id.repair_date
        )
        return {
            "claim_id": claim.id,
            "dealer_claim_line_id": dealer_line.id,
            "product_id": dealer_line.product_id.id if dealer_line.line_type == "part" else False,
            "name": self.env._("%(claim)s: %(line)s", claim=dealer_line.claim_id.name, line=dealer_line.name),
            "quantity": qty,
            "unit_cost": amount / qty if qty else 0.0,
        }
