from odoo import fields, models
from odoo.tools import SQL


class AfterSalesDealerClaimReport(models.Model):
    """The Dealer Claims Analysis with the settlement of each line: the vendor bill (or credit
    note) that pays it, when that was posted and when it was paid, in days from the repair."""

    _inherit = "after_sales.dealer.claim.report"
    _depends = {
        "after_sales.dealer.claim.line": ["settlement_status", "settle_line_ids"],
        "account.move": ["name", "state", "move_type", "date", "payment_state"],
        "account.move.line": ["move_id", "display_type"],
        "account.partial.reconcile": ["debit_move_id", "credit_move_id", "max_date"],
    }

    settlement_status = fields.Selection(
        selection=lambda self: (
            self.env["after_sales.dealer.claim.line"]._fields["settlement_status"].selection
        ),
        readonly=True,
    )
    settle_move_name = fields.Char(
        string="Settled By", readonly=True, help="The vendor bill or credit note that pays the line."
    )
    settle_date = fields.Date(
        string="Settlement Posted On",
        readonly=True,
        help="Accounting date of the posted bill or credit note.",
    )
    payment_date = fields.Date(
        string="Paid On",
        readonly=True,
        help="The day the bill (or credit note) was paid in full: its last reconciliation.",
    )
    is_paid = fields.Boolean(string="Paid", readonly=True)
    days_to_settlement = fields.Float(
        string="Days Repair to Settlement",
        aggregator="avg",
        readonly=True,
        help="Days from the repair to the posting of the bill that pays it, averaged per claim.",
    )
    days_to_payment = fields.Float(
        string="Days Repair to Payment",
        aggregator="avg",
        readonly=True,
        help="Days from the repair to the payment of the bill that pays it, averaged per claim.",
    )

    def _get_claim_averaged_fields(self):
        return (*super()._get_claim_averaged_fields(), "days_to_settlement", "days_to_payment")

    def _select(self):
        return SQL(
            """%s,
                l.settlement_status AS settlement_status,
                settle.move_name AS settle_move_name,
                settle.posted_date AS settle_date,
                settle.payment_date AS payment_date,
                settle.payment_date IS NOT NULL AS is_paid,
                settle.posted_date - c.repair_date AS days_to_settlement,
                settle.payment_date - c.repair_date AS days_to_payment
            """,
            super()._select(),
        )

    def _from(self):
        """The latest bill or credit note paying each settled line (as ``settle_move_id``), its
        posting date and the date of its last reconciliation once it is paid in full."""
        return SQL(
            """%s
                LEFT JOIN LATERAL (
                    SELECT move.name AS move_name,
                           CASE WHEN move.state = 'posted' THEN move.date END AS posted_date,
                           CASE WHEN move.state = 'posted' AND move.payment_state IN ('paid', 'in_payment')
                               THEN GREATEST(
                                   (SELECT MAX(partial.max_date)
                                      FROM account_move_line term
                                      JOIN account_partial_reconcile partial
                                           ON partial.debit_move_id = term.id
                                     WHERE term.move_id = move.id AND term.display_type = 'payment_term'),
                                   (SELECT MAX(partial.max_date)
                                      FROM account_move_line term
                                      JOIN account_partial_reconcile partial
                                           ON partial.credit_move_id = term.id
                                     WHERE term.move_id = move.id AND term.display_type = 'payment_term'))
                           END AS payment_date
                      FROM after_sales_dealer_claim_line_bill_rel rel
                      JOIN account_move_line bill_line ON bill_line.id = rel.move_line_id
                      JOIN account_move move ON move.id = bill_line.move_id
                     WHERE rel.claim_line_id = l.id
                       AND l.settlement_status = 'settled'
                       AND move.state != 'cancel'
                       AND move.move_type IN ('in_invoice', 'out_refund')
                     ORDER BY move.id DESC
                     LIMIT 1
                ) settle ON TRUE
            """,
            super()._from(),
        )
