from odoo import api, models
from odoo.exceptions import UserError
from odoo.fields import Command


class AfterSalesDealerClaim(models.Model):
    _inherit = "after_sales.dealer.claim"

    @api.depends("line_ids.settlement_status")
    def _compute_state(self):
        return super()._compute_state()

    def _get_state(self):
        """Settled once every line owed to the dealer is settled."""
        state = super()._get_state()
        if state in ("approved", "partly_approved"):
            statuses = set(self.line_ids.mapped("settlement_status"))
            if "settled" in statuses and not statuses & {"to_settle", "waiting_return"}:
                return "settled"
        return state

    def _check_can_reopen(self):
        res = super()._check_can_reopen()
        settled = self.filtered(lambda c: "settled" in c.line_ids.mapped("settlement_status"))
        if settled:
            raise UserError(
                self.env._(
                    "Claim %s is settled (in part): its decisions can no longer change.", settled[0].name
                )
            )
        return res

    def action_settle(self):
        """Settle these approved claims now: a settlement of just them, run at once."""
        claims = self.filtered(lambda c: c.state in ("approved", "partly_approved"))
        if not claims:
            raise UserError(self.env._("Only approved claims not yet settled can be settled."))
        Settlement = self.env["after_sales.dealer.settlement"]
        Settlement._check_can_settle()
        settlement = Settlement.create(
            {
                "company_id": claims.company_id[:1].id,
                "date_from": min(claims.mapped("decision_date")),
                "date_to": max(claims.mapped("decision_date")),
                "claim_ids": [Command.set(claims.ids)],
                "grouping": "claim",
            }
        )
        settlement._run()
        return settlement._get_records_action()

    def action_view_settlement_moves(self):
        self.ensure_one()
        moves = self.sudo().line_ids.settle_line_ids.move_id
        return self.env["account.move"].browse(moves.ids)._get_records_action(name=self.env._("Settlement"))
