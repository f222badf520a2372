from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _get_invoice_extra_attachments(self, move):
        """Invoices of after-sales work are sent with their act of completed work.

        Odoo also calls this when the invoice's chatter loads: it only returns the act made
        when the invoice was sent, and never renders one.
        """
        return super()._get_invoice_extra_attachments(move) | move.after_sales_act_attachment_id

    def _generate_invoice_documents(self, invoices_data, allow_fallback_pdf=False):
        """The act of completed work is made with the invoice's PDF, when the invoice is sent."""
        res = super()._generate_invoice_documents(invoices_data, allow_fallback_pdf=allow_fallback_pdf)
        for invoice, invoice_data in invoices_data.items():
            # an act states work done: credit notes go without one
            if (
                not invoice_data.get("error")
                and invoice.state == "posted"
                and invoice.move_type == "out_invoice"
            ):
                invoice._after_sales_get_act_attachment()
        return res
