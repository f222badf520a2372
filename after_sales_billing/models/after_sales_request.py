from odoo import api, fields, models
from odoo.exceptions import UserError


class AfterSalesRequest(models.Model):
    _inherit = "after_sales.request"

    amount_charged = fields.Monetary(
        string="Customer Pays", compute="_compute_billing_amounts", currency_field="currency_id"
    )
    amount_covered = fields.Monetary(
        string="Covered", compute="_compute_billing_amounts", currency_field="currency_id"
    )
    invoice_ids = fields.Many2many("account.move", compute="_compute_invoice_ids", string="Invoices")
    invoice_count = fields.Integer(compute="_compute_invoice_ids")

    @api.depends("line_ids.amount_charged", "line_ids.price_subtotal")
    def _compute_billing_amounts(self):
        for request in self:
            request.amount_charged = sum(request.line_ids.mapped("amount_charged"))
            request.amount_covered = sum(request.line_ids.mapped("price_subtotal")) - request.amount_charged

    @api.depends("line_ids.invoice_line_id")
    def _compute_invoice_ids(self):
        for request in self:
            request.invoice_ids = request.line_ids.invoice_line_id.move_id
            request.invoice_count = len(request.invoice_ids)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced(self):
        if any(request.line_ids.invoice_line_id for request in self):
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
