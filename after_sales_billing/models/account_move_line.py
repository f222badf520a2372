from odoo import fields, models
from odoo.fields import Command


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    after_sales_line_ids = fields.Many2many(
        "after_sales.request.line",
        "after_sales_request_line_invoice_rel",
        "invoice_line_id",
        "service_line_id",
        string="Service Lines",
        readonly=True,
        copy=False,
    )
    after_sales_fee_ids = fields.Many2many(
        "after_sales.contract.fee",
        "after_sales_contract_fee_invoice_rel",
        "invoice_line_id",
        "fee_id",
        string="Subscription Fees",
        readonly=True,
        copy=False,
    )

    after_sales_dealer_claim_line_ids = fields.Many2many(
        "after_sales.dealer.claim.line",
        "after_sales_dealer_claim_line_bill_rel",
        "move_line_id",
        "claim_line_id",
        string="Dealer Claim Lines",
        readonly=True,
        copy=False,
    )

    def _after_sales_not_cancelled(self):
        """These invoice lines, less those of cancelled moves: what still bills a line or fee."""
        return self.filtered(lambda aml: aml.parent_state != "cancel")

    def _after_sales_latest_move(self):
        """The latest invoice or credit note of these lines that is not cancelled."""
        return self._after_sales_not_cancelled().move_id.sorted("id")[-1:]

    def _copy_data_extend_business_fields(self, values):
        # a credit note and "Reverse and create a new draft" bill the same service lines and
        # fees, as Odoo's sale does for its order lines: the lines' invoiced quantity follows
        res = super()._copy_data_extend_business_fields(values)
        line = self.sudo()  # the suite's records, whatever the accountant's rights
        if line.after_sales_line_ids:
            values["after_sales_line_ids"] = [Command.set(line.after_sales_line_ids.ids)]
        if line.after_sales_fee_ids:
            values["after_sales_fee_ids"] = [Command.set(line.after_sales_fee_ids.ids)]
        if line.after_sales_dealer_claim_line_ids:
            # a reversal pays back what the document paid: the claim lines are released
            values["after_sales_dealer_claim_line_ids"] = [
                Command.set(line.after_sales_dealer_claim_line_ids.ids)
            ]
        return res
