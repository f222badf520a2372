from odoo import fields, models

from ..models.after_sales_equipment import VOID_REASONS


class AfterSalesWarrantyVoidWizard(models.TransientModel):
    _name = "after_sales.warranty.void.wizard"
    _description = "Void Warranty"

    equipment_ids = fields.Many2many(
        "after_sales.equipment",
        "after_sales_warranty_void_equipment_rel",
        "wizard_id",
        "equipment_id",
        string="Units",
        default=lambda self: self.env.context.get("active_ids", []),
    )
    reason = fields.Selection(VOID_REASONS, required=True)
    note = fields.Char(string="Details")

    def action_confirm(self):
        self.ensure_one()
        self.equipment_ids._void_warranty(self.reason, self.note)
        return {"type": "ir.actions.act_window_close"}
