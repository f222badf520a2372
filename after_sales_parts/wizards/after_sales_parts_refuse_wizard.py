from odoo import fields, models


class AfterSalesPartsRefuseWizard(models.TransientModel):
    _name = "after_sales.parts.refuse.wizard"
    _description = "Refuse Parts of a Service Request"

    request_id = fields.Many2one("after_sales.request", required=True, ondelete="cascade")
    reason = fields.Text(required=True)

    def action_refuse(self):
        self.ensure_one()
        self.request_id.action_refuse_parts(self.reason)
        return {"type": "ir.actions.act_window_close"}
