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
        paid = SQL(
            "CASE WHEN settle.state = 'posted' AND settle.payment_state IN ('paid', 'in_payment') "
            "THEN paid.paid_date END"
        )
        posted = SQL("CASE WHEN settle.state = 'posted' THEN settle.date END")
        return SQL(
            """%(columns)s,
                l.settlement_status AS settlement_status,
                settle.name AS settle_move_name,
                %(posted)s AS settle_date,
                %(paid)s AS payment_date,
                %(paid)s IS NOT NULL AS is_paid,
                %(posted)s - c.repair_date AS days_to_settlement,
                %(paid)s - c.repair_date AS days_to_payment
            """,
            columns=super()._select(),
            posted=posted,
            paid=paid,
        )

    def _from(self):
        """``settle``: the latest bill or credit note paying each settled line (as its
        ``settle_move_id``); ``paid``: the day each settlement document was paid in full, the
        last reconciliation of its payable (or receivable) lines, computed per document."""
        return SQL(
            """%(tables)s
                LEFT JOIN LATERAL (
                    SELECT move.id, move.name, move.state, move.date, move.payment_state
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
                LEFT JOIN (
                    SELECT reconciled.move_id, MAX(reconciled.max_date) AS paid_date
                      FROM (
                        SELECT term.move_id, partial.max_date
                          FROM account_move_line term
                          JOIN account_partial_reconcile partial ON partial.debit_move_id = term.id
                         WHERE term.display_type = 'payment_term' AND term.move_id IN (%(settle_moves)s)
                        UNION ALL
                        SELECT term.move_id, partial.max_date
                          FROM account_move_line term
                          JOIN account_partial_reconcile partial ON partial.credit_move_id = term.id
                         WHERE term.display_type = 'payment_term' AND term.move_id IN (%(settle_moves)s)
                      ) reconciled
                     GROUP BY reconciled.move_id
                ) paid ON paid.move_id = settle.id
            """,
            tables=super()._from(),
            settle_moves=SQL(
                "SELECT settle_line.move_id FROM after_sales_dealer_claim_line_bill_rel settle_rel "
                "JOIN account_move_line settle_line ON settle_line.id = settle_rel.move_line_id"
            ),
        )
