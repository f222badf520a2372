from odoo import api, fields, models

COVERAGE_STATUS = [("full", "Fully Covered"), ("partial", "Partly Covered"), ("none", "Not Covered")]


class AfterSalesRequest(models.Model):
    _inherit = "after_sales.request"

    coverage_status = fields.Selection(
        COVERAGE_STATUS,
        compute="_compute_coverage_status",
        store=True,
        index=True,
        help="Whether the customer pays nothing (fully covered), some lines or every line.",
    )
    warranty_state = fields.Selection(related="equipment_id.warranty_state", string="Unit Warranty")
    vendor_claim_count = fields.Integer(compute="_compute_vendor_claim_count")

    @api.depends("line_ids.coverage")
    def _compute_coverage_status(self):
        for request in self:
            coverages = {line.coverage or "paid" for line in request.line_ids}
            if not coverages:
                request.coverage_status = False
            elif coverages == {"paid"}:
                request.coverage_status = "none"
            elif "paid" in coverages:
                request.coverage_status = "partial"
            else:
                request.coverage_status = "full"

    def _compute_vendor_claim_count(self):
        counts = dict(
            self.env["after_sales.vendor.claim.line"]._read_group(
                [("request_id", "in", self.ids)], ["request_id"], ["claim_id:count_distinct"]
            )
        )
        for request in self:
            request.vendor_claim_count = counts.get(request, 0)

    def action_decide_coverage(self):
        """Decide again the coverage of the lines not overridden by hand."""
        lines = self.line_ids.filtered(lambda line: not line._is_coverage_locked())
        lines._redecide_coverage()
        return True

    def action_create_vendor_claims(self):
        """Claim the warranty lines of these requests from their vendors, one claim per vendor."""
        claims = self.env["after_sales.vendor.claim"]._create_from_request_lines(self.line_ids)
        return claims._get_records_action(name=self.env._("Vendor Claims"))

    @api.readonly
    def action_view_vendor_claims(self):
        self.ensure_one()
        claims = self.env["after_sales.vendor.claim.line"].search([("request_id", "=", self.id)]).claim_id
        return claims._get_records_action(name=self.env._("Vendor Claims"))

    def _prepare_repair_vals(self):
        vals = super()._prepare_repair_vals()
        vals["under_warranty"] = self._get_under_warranty()
        return vals

    def _get_under_warranty(self):
        """Value of Odoo's ``repair.order.under_warranty`` for this request's repairs:
        every line covered (no paid line); before any line, the unit in warranty today."""
        self.ensure_one()
        if self.line_ids:
            return self.coverage_status == "full"
        return self.equipment_id.warranty_state == "in_warranty"

    def _sync_repair_under_warranty(self):
        """Keep the open repair orders of these requests consistent with the coverage."""
        repairs = self.repair_ids.filtered(lambda r: r.state not in ("done", "cancel"))
        for value in (True, False):
            todo = repairs.filtered(
                lambda r, v=value: (
                    r.under_warranty != v and r.after_sales_request_id._get_under_warranty() == v
                )
            )
            if todo:
                todo.write({"under_warranty": value})
