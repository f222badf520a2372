from odoo import api, fields, models
from odoo.exceptions import UserError


class AfterSalesContractFee(models.Model):
    _name = "after_sales.contract.fee"
    _description = "Subscription Fee of a Contract Period"
    _order = "period_start desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["contract_id.name", "contract_id.partner_id.name"]

    contract_id = fields.Many2one(
        "after_sales.contract", required=True, index=True, ondelete="restrict", readonly=True
    )
    company_id = fields.Many2one(related="contract_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="contract_id.partner_id", store=True, index=True, string="Customer")
    period_start = fields.Date(required=True, readonly=True)
    period_end = fields.Date(required=True, readonly=True)
    date_due = fields.Date(string="Due On", required=True, readonly=True, index=True)
    product_id = fields.Many2one("product.product", required=True, readonly=True)
    amount = fields.Monetary(currency_field="currency_id", readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    invoice_line_ids = fields.Many2many(
        "account.move.line",
        "after_sales_contract_fee_invoice_rel",
        "fee_id",
        "invoice_line_id",
        string="Invoice Lines",
        readonly=True,
        copy=False,
    )
    is_invoiced = fields.Boolean(
        string="Invoiced",
        compute="_compute_is_invoiced",
        compute_sudo=True,
        store=True,
        index=True,
        help="Invoiced and not credited: drafts and posted invoices count, cancelled do not.",
    )
    invoice_id = fields.Many2one("account.move", compute="_compute_invoice_id", compute_sudo=True)

    _period_uniq = models.Constraint("UNIQUE(contract_id, period_start)", "A contract period is billed once.")

    @api.depends("contract_id", "period_start", "period_end")
    def _compute_display_name(self):
        for fee in self:
            fee.display_name = self.env._(
                "%(contract)s: %(start)s - %(end)s",
                contract=fee.contract_id.name,
                start=fee.period_start,
                end=fee.period_end,
            )

    @api.depends("invoice_line_ids.move_id.state", "invoice_line_ids.move_id.move_type")
    def _compute_is_invoiced(self):
        for fee in self:
            amls = fee.invoice_line_ids.filtered(lambda aml: aml.move_id.state != "cancel")
            billed = sum(
                -aml.quantity if aml.move_id.move_type == "out_refund" else aml.quantity for aml in amls
            )
            fee.is_invoiced = billed > 0

    @api.depends("invoice_line_ids.move_id.state")
    def _compute_invoice_id(self):
        for fee in self:
            fee.invoice_id = fee.invoice_line_ids._after_sales_latest_move()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced(self):
        if any(fee.sudo().invoice_line_ids._after_sales_not_cancelled() for fee in self):
            raise UserError(self.env._("An invoiced fee cannot be deleted."))

    def _get_invoice_label(self):
        self.ensure_one()
        return self.env._(
            "%(product)s, contract %(contract)s, %(start)s - %(end)s",
            product=self.product_id.display_name,
            contract=self.contract_id.name,
            start=fields.Date.to_string(self.period_start),
            end=fields.Date.to_string(self.period_end),
        )
