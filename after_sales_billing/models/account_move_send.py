from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _get_invoice_extra_attachments(self, move):
        """Invoices of after-sales work are sent with their act of completed work."""
        return super()._get_invoice_extra_attachments(move) | move._after_sales_get_act_attachment()
