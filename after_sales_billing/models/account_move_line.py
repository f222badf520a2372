from odoo import api, fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    after_sales_line_ids = fields.One2many(
        "after_sales.request.line", "invoice_line_id", string="Service Lines", readonly=True
    )
    after_sales_fee_ids = fields.One2many(
        "after_sales.contract.fee", "invoice_line_id", string="Subscription Fees", readonly=True
    )
    after_sales_origin_line_id = fields.Many2one(
        "account.move.line",
        string="Corrected Invoice Line",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help='Set on the lines of a new draft made by "Reverse and create a new draft": '
        "the service lines and fees of the original line move to it.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        pairs = [
            (line.after_sales_origin_line_id.id, line.id) for line in lines if line.after_sales_origin_line_id
        ]
        if pairs:
            self._after_sales_move_links(pairs)
        return lines

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        if self.env.context.get("after_sales_keep_links"):
            # the service lines and fees of the suite, read whatever the accountant's rights
            for line, vals in zip(self.sudo(), vals_list, strict=True):
                if line.after_sales_line_ids or line.after_sales_fee_ids:
                    vals["after_sales_origin_line_id"] = line.id
        return vals_list

    @api.model
    def _after_sales_move_links(self, pairs):
        """Service lines and fees billed by the first invoice line of each pair move to the second.

        Used when "Reverse and create a new draft" copies an invoice: the new draft bills the same
        service lines, so they stay invoiced (by the new draft) instead of being released.
        """
        origin_to_new = dict(pairs)
        domain = [("invoice_line_id", "in", list(origin_to_new))]
        service_lines = self.env["after_sales.request.line"].sudo().search(domain)
        service_lines._link_invoice_lines(
            [(line.id, origin_to_new[line.invoice_line_id.id]) for line in service_lines]
        )
        fees = self.env["after_sales.contract.fee"].sudo().search(domain)
        fees._link_invoice_lines([(fee.id, origin_to_new[fee.invoice_line_id.id]) for fee in fees])
