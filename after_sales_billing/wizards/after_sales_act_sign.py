from odoo import fields, models


class AfterSalesActSign(models.TransientModel):
    _name = "after_sales.act.sign"
    _description = "Sign the Act of Completed Work"

    request_id = fields.Many2one("after_sales.request", required=True, readonly=True, ondelete="cascade")
    partner_id = fields.Many2one(related="request_id.partner_id", string="Customer")
    signed_by = fields.Char(string="Signer's Name")
    signature = fields.Binary()

    def action_sign(self):
        """Sign the request's act with what the customer drew and typed."""
        self.ensure_one()
        self.request_id.action_sign_act(self.signed_by, self.signature)
        return {"type": "ir.actions.act_window_close"}
