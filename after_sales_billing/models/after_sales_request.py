from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from .after_sales_estimate import ESTIMATE_STATES


class AfterSalesRequest(models.Model):
    _inherit = "after_sales.request"
    # the customer's request page links its estimates (see after_sales.portal.mixin)
    _portal_fields = {"estimate_ids"}

    amount_charged = fields.Monetary(
        string="Customer Pays", compute="_compute_billing_amounts", currency_field="currency_id"
    )
    amount_covered = fields.Monetary(
        string="Covered", compute="_compute_billing_amounts", currency_field="currency_id"
    )
    invoice_ids = fields.Many2many("account.move", compute="_compute_invoice_ids", string="Invoices")
    invoice_count = fields.Integer(compute="_compute_invoice_ids")
    estimate_ids = fields.One2many("after_sales.estimate", "request_id", string="Estimates")
    estimate_state = fields.Selection(
        ESTIMATE_STATES + [("none", "No Estimate")],
        compute="_compute_estimate_state",
        string="Estimate Status",
    )
    phone_call_ids = fields.One2many("after_sales.phone.call", "request_id", string="Phone Calls")

    @api.depends("line_ids.amount_charged", "line_ids.price_subtotal")
    def _compute_billing_amounts(self):
        for request in self:
            request.amount_charged = sum(request.line_ids.mapped("amount_charged"))
            request.amount_covered = sum(request.line_ids.mapped("price_subtotal")) - request.amount_charged

    @api.depends("line_ids.invoice_line_ids")
    def _compute_invoice_ids(self):
        for request in self:
            request.invoice_ids = request.sudo().line_ids.invoice_line_ids.move_id
            request.invoice_count = len(request.invoice_ids)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced(self):
        if self.sudo().line_ids.invoice_line_ids.filtered(lambda aml: aml.parent_state != "cancel"):
            raise UserError(self.env._("A request with invoiced lines cannot be deleted."))

    def action_invoice_now(self):
        """Invoice the done, charged lines of these requests now, through a billing run."""
        runs = self.env["after_sales.billing.run"]
        today = fields.Date.context_today(self)
        for company, requests in self.grouped("company_id").items():
            if requests.filtered(lambda r: r.stage_id.is_cancel):
                raise UserError(self.env._("Cancelled requests are not invoiced."))
            run = runs.create(
                {
                    "company_id": company.id,
                    "date_from": today,
                    "date_to": today,
                    "grouping": "request",
                    "include_fees": False,
                    "request_ids": [fields.Command.set(requests.ids)],
                }
            )
            run._check_can_run()
            run._run(commit=False)
            if run.failure_ids:
                raise UserError("\n".join(run.failure_ids.mapped("reason")))
            runs |= run
        invoices = runs.invoice_ids
        if not invoices:
            raise UserError(self.env._("Nothing to invoice: no done, charged line is left."))
        return self.action_view_invoices(invoices)

    def action_view_invoices(self, invoices=None):
        invoices = invoices if invoices is not None else self.invoice_ids
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action["domain"] = [("id", "in", invoices.ids)]
        action["context"] = {"default_move_type": "out_invoice", "create": False}
        if len(invoices) == 1:
            action.update(views=[(False, "form")], view_mode="form", res_id=invoices.id)
        return action

    @api.depends("estimate_ids.state")
    def _compute_estimate_state(self):
        for request in self:
            estimates = request.estimate_ids.filtered(lambda e: e.state != "cancelled").sorted("id")
            if estimates.filtered(lambda e: e.state == "accepted"):
                request.estimate_state = "accepted"
            else:
                request.estimate_state = estimates[-1:].state or "none"

    def _prepare_estimate_line_vals(self, line):
        """Snapshot of one planned service line on the estimate (a hook)."""
        return {
            "request_line_id": line.id,
            "sequence": line.sequence,
            "line_type": line.line_type,
            "product_id": line.product_id.id,
            "name": line.name,
            "quantity": line.quantity,
            "price_unit": line.price_unit,
            "price_subtotal": line.price_subtotal,
            "coverage": line.coverage or "paid",
            "amount_charged": line.amount_charged,
        }

    def _create_estimate(self):
        """A new estimate of the planned (not done) lines; open estimates are cancelled."""
        self.ensure_one()
        # what the customer is shown: lines kept internal stay off the estimate, as off the act
        lines = self.line_ids.filtered(lambda ln: not ln.done and ln.customer_visible)
        if not lines:
            raise UserError(self.env._("The request has no planned line to estimate."))
        self.estimate_ids.action_cancel()
        estimate = self.env["after_sales.estimate"].create(
            {
                "name": f"{self.name}-E{len(self.estimate_ids) + 1}",
                "request_id": self.id,
                "currency_id": (lines.currency_id[:1] or self.currency_id or self.company_id.currency_id).id,
                "line_ids": [fields.Command.create(self._prepare_estimate_line_vals(line)) for line in lines],
            }
        )
        estimate._portal_ensure_token()
        return estimate

    def action_send_estimate(self):
        return self._create_estimate().action_send()

    def action_view_estimates(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_billing.after_sales_estimate_action"
        )
        action["domain"] = [("request_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def _check_estimate_accepted(self):
        """Work above the company's threshold needs an accepted estimate."""
        if self.env.context.get("after_sales_skip_estimate_check"):
            return
        for request in self:
            threshold = request.company_id.after_sales_estimate_threshold
            if not threshold or "accepted" in request.estimate_ids.mapped("state"):
                continue
            amount = sum(request.line_ids.mapped("amount_charged"))
            if float_compare(amount, threshold, precision_digits=2) > 0:
                raise UserError(
                    self.env._(
                        "Request %(request)s: the customer pays %(amount)s, above %(threshold)s, "
                        "so an accepted estimate is required first. Send an estimate to the customer.",
                        request=request.name,
                        amount=amount,
                        threshold=threshold,
                    )
                )

    def write(self, vals):
        if vals.get("stage_id"):
            stage = self.env["after_sales.request.stage"].browse(vals["stage_id"])
            if (stage.is_resolved or stage.is_closed) and not stage.is_cancel:
                self.filtered(lambda r: r.stage_id != stage)._check_estimate_accepted()
        return super().write(vals)
