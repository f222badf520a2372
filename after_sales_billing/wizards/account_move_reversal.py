from odoo import models


class AccountMoveReversal(models.TransientModel):
    _inherit = "account.move.reversal"

    def reverse_moves(self, is_modify=False):
        """ "Reverse and create a new draft" keeps the service lines invoiced, by the new draft."""
        if not is_modify:
            return super().reverse_moves(is_modify=is_modify)
        action = super(AccountMoveReversal, self.with_context(after_sales_keep_links=True)).reverse_moves(
            is_modify=is_modify
        )
        # whatever the new drafts did not take over is billable again
        self.move_ids._after_sales_release()
        return action
