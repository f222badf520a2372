from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    after_sales_billing_run_id = fields.Many2one(
        "after_sales.billing.run",
        string="Billing Run",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
    )
    after_sales_request_ids = fields.Many2many(
        "after_sales.request",
        string="Service Requests",
        compute="_compute_after_sales_request_ids",
        help="The service requests whose lines this invoice bills.",
    )
    after_sales_act_attachment_id = fields.Many2one(
        "ir.attachment",
        string="Act of Completed Work",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The act sent with the invoice, generated when the invoice is first sent.",
    )

    @api.depends("line_ids")
    def _compute_after_sales_request_ids(self):
        service_lines = (
            self.env["after_sales.request.line"]
            .sudo()
            .search_fetch([("invoice_line_id", "in", self.line_ids.ids)], ["invoice_line_id", "request_id"])
        )
        by_move = {}
        for line in service_lines:
            by_move.setdefault(line.invoice_line_id.move_id.id, set()).add(line.request_id.id)
        for move in self:
            move.after_sales_request_ids = self.env["after_sales.request"].browse(
                sorted(by_move.get(move.id, ()))
            )

    def unlink(self):
        self._after_sales_release()
        return super().unlink()

    def button_cancel(self):
        res = super().button_cancel()
        self._after_sales_release()
        return res

    def button_draft(self):
        res = super().button_draft()
        # the invoice may change: the act is generated again when it is sent
        self.filtered("after_sales_act_attachment_id").sudo().after_sales_act_attachment_id.unlink()
        return res

    def _reverse_moves(self, default_values_list=None, cancel=False):
        # the credit note is a copy too: it never takes over the service lines
        keep_links = self.env.context.get("after_sales_keep_links")
        reverses = super(AccountMove, self.with_context(after_sales_keep_links=False))._reverse_moves(
            default_values_list=default_values_list, cancel=cancel
        )
        if not keep_links:
            self.filtered(lambda move: move.move_type == "out_invoice")._after_sales_release()
        return reverses

    def _after_sales_release(self):
        """Service lines and fees billed by these moves become billable again."""
        amls = self.line_ids
        if not amls:
            return
        lines = self.env["after_sales.request.line"].sudo().search([("invoice_line_id", "in", amls.ids)])
        fees = self.env["after_sales.contract.fee"].sudo().search([("invoice_line_id", "in", amls.ids)])
        if lines:
            lines._release_invoice_lines()
        if fees:
            fees.write({"invoice_line_id": False})

    def _after_sales_get_act_attachment(self):
        """The act of completed work of this invoice's requests, as an attachment (made once)."""
        self.ensure_one()
        if self.after_sales_act_attachment_id or not self.after_sales_request_ids:
            return self.after_sales_act_attachment_id
        content, _report_type = self.env["ir.actions.report"]._render_qweb_pdf(
            "after_sales_billing.action_report_after_sales_act_invoice", self.ids
        )
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": self.env._("Act - %s.pdf", (self.name or str(self.id)).replace("/", "_")),
                    "raw": content,
                    "mimetype": "application/pdf",
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )
        self.sudo().after_sales_act_attachment_id = attachment
        return attachment
