from odoo import api, fields, models

# settlement documents, and the documents that reverse them
SETTLE_SIGNS = {"in_invoice": 1, "out_refund": 1, "in_refund": -1, "out_invoice": -1}


class AfterSalesDealerClaimLine(models.Model):
    _inherit = "after_sales.dealer.claim.line"

    settle_line_ids = fields.Many2many(
        "account.move.line",
        "after_sales_dealer_claim_line_bill_rel",
        "claim_line_id",
        "move_line_id",
        string="Settlement Lines",
        readonly=True,
        copy=False,
        help="The vendor bill or credit note lines settling this line, linked when they are made.",
    )
    settlement_status = fields.Selection(
        [
            ("no", "Nothing to Settle"),
            ("waiting_return", "Waiting for the Failed Part"),
            ("to_settle", "To Settle"),
            ("settled", "Settled"),
        ],
        compute="_compute_settlement_status",
        compute_sudo=True,
        store=True,
        index=True,
        help="Settled while a vendor bill or credit note (draft or posted, not cancelled, not "
        "reversed) pays it; released when that document is deleted, cancelled or reversed.",
    )
    settle_move_id = fields.Many2one(
        "account.move",
        string="Settled By",
        compute="_compute_settle_move_id",
        compute_sudo=True,
        help="The latest bill or credit note of this line that is not cancelled.",
    )

    @api.depends(
        "decision",
        "approved_amount",
        "return_state",
        "claim_id.review_state",
        "settle_line_ids.move_id.state",
        "settle_line_ids.move_id.move_type",
    )
    def _compute_settlement_status(self):
        for line in self:
            net = sum(
                SETTLE_SIGNS.get(aml.move_id.move_type, 0)
                for aml in line.settle_line_ids
                if aml.move_id.state != "cancel"
            )
            if net > 0:
                line.settlement_status = "settled"
            elif not line._is_settleable():
                line.settlement_status = "no"
            elif line.return_state in ("to_request", "requested"):
                line.settlement_status = "waiting_return"
            else:
                line.settlement_status = "to_settle"

    @api.depends("settle_line_ids.move_id.state")
    def _compute_settle_move_id(self):
        for line in self:
            line.settle_move_id = line.settle_line_ids._after_sales_latest_move()

    def _is_settleable(self):
        """Whether this line is owed to the dealer: approved (in part) on a decided claim."""
        self.ensure_one()
        return (
            self.claim_id.review_state == "decided"
            and self.decision in ("approve", "adjust")
            and self.approved_qty > 0
            and self.approved_amount > 0
        )

    def _prepare_settle_line_vals(self, move_type, position=None):
        """Values of the bill (or credit note) line settling this claim line (a hook).

        ``position``: the dealer's fiscal position, when the caller has it for a whole document.
        """
        self.ensure_one()
        claim = self.claim_id
        company = claim.company_id
        if self.line_type == "labour":
            product = company._get_dealer_labour_product()
        else:
            product = self.product_id
        taxes = product.supplier_taxes_id if move_type == "in_invoice" else product.taxes_id
        if position is None:
            position = (
                self.env["account.fiscal.position"]
                .with_company(company)
                ._get_fiscal_position(claim.dealer_id)
            )
        unit = claim.equipment_id.display_name or claim.unit_serial or ""
        return {
            "product_id": product.id,
            "name": self.env._(
                "%(claim)s: %(line)s (%(unit)s)",
                claim=claim.name,
                line=self.name or product.display_name,
                unit=unit,
            ),
            "quantity": self.approved_qty,
            "product_uom_id": product.uom_id.id,
            "price_unit": self.price_unit,
            "tax_ids": [fields.Command.set(position.map_tax(taxes._filter_taxes_by_company(company)).ids)],
            "after_sales_dealer_claim_line_ids": [fields.Command.link(self.id)],
        }
