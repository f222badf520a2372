from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import is_html_empty


class AfterSalesRequestResolveWizard(models.TransientModel):
    _name = "after_sales.request.resolve.wizard"
    _description = "Resolve a Service Request"

    request_id = fields.Many2one("after_sales.request", required=True, readonly=True, ondelete="cascade")
    resolution = fields.Html(
        compute="_compute_resolution", store=True, readonly=False, help="What was done and why."
    )
    warning = fields.Text(related="request_id.resolve_warning")
    line_ids = fields.One2many(
        "after_sales.request.resolve.wizard.line",
        "wizard_id",
        string="Work Lines",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
    )

    @api.depends("request_id")
    def _compute_resolution(self):
        for wizard in self:
            wizard.resolution = wizard.request_id.resolution

    @api.depends("request_id")
    def _compute_line_ids(self):
        for wizard in self:
            pending = wizard.request_id._get_pending_work_lines()
            wizard.line_ids = [Command.clear()] + [
                Command.create({"request_line_id": line.id, "done": True}) for line in pending
            ]

    def action_resolve(self):
        """Tick the work done, keep the rest open, write the resolution, move to Resolved."""
        self.ensure_one()
        if is_html_empty(self.resolution):
            raise UserError(self.env._("Write the resolution: what was done and why."))
        keep_open = self.line_ids.filtered(lambda line: not line.done).request_line_id
        self.request_id._action_resolve(self.resolution, keep_open_lines=keep_open)
        return {"type": "ir.actions.act_window_close"}


class AfterSalesRequestResolveWizardLine(models.TransientModel):
    _name = "after_sales.request.resolve.wizard.line"
    _description = "Work Line to Resolve"

    wizard_id = fields.Many2one("after_sales.request.resolve.wizard", required=True, ondelete="cascade")
    request_line_id = fields.Many2one("after_sales.request.line", string="Work", required=True, readonly=True)
    name = fields.Text(related="request_line_id.name")
    product_id = fields.Many2one(related="request_line_id.product_id")
    quantity = fields.Float(related="request_line_id.quantity")
    uom_id = fields.Many2one(related="request_line_id.uom_id")
    done = fields.Boolean(help="Untick work that was not done: it stays open and is not billed.")
