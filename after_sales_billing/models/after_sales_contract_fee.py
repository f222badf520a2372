from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


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
    invoice_line_id = fields.Many2one(
        "account.move.line", readonly=True, copy=False, index="btree_not_null", ondelete="set null"
    )
    invoice_id = fields.Many2one(related="invoice_line_id.move_id", string="Invoice")

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

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced(self):
        if any(fee.invoice_line_id for fee in self):
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

    def _link_invoice_lines(self, pairs):
        """Store ``[(fee_id, invoice_line_id)]`` in one query."""
        if not pairs:
            return
        self.env.cr.execute(
            SQL(
                "UPDATE after_sales_contract_fee AS f SET invoice_line_id = v.aml "
                "FROM (VALUES %s) AS v(id, aml) WHERE f.id = v.id",
                SQL(", ").join(SQL("(%s, %s)", fee_id, aml_id) for fee_id, aml_id in pairs),
            )
        )
        self.invalidate_model(["invoice_line_id"])
