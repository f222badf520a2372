from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain

from odoo.addons.after_sales_service.jobs import delay_in_batches


class AfterSalesLoan(models.Model):
    _name = "after_sales.loan"
    _description = "Loaner Unit"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_due, id"
    _check_company_auto = True
    _rec_names_search = ["name", "lot_id.name", "request_id.name"]
    # loans flagged by one background job of the overdue cron
    _overdue_batch_size = 500

    name = fields.Char(compute="_compute_name", store=True)
    request_id = fields.Many2one(
        "after_sales.request", required=True, index=True, check_company=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="request_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="request_id.partner_id", store=True, string="Customer")
    equipment_id = fields.Many2one(
        related="request_id.equipment_id", store=True, index="btree_not_null", string="Customer's Unit"
    )
    warehouse_id = fields.Many2one("stock.warehouse", required=True, check_company=True)
    product_id = fields.Many2one("product.product", string="Loaner", required=True, check_company=True)
    lot_id = fields.Many2one(
        "stock.lot",
        string="Loaner Serial",
        required=True,
        check_company=True,
        domain="[('product_id', '=', product_id)]",
    )
    date_out = fields.Date(string="Lent On", readonly=True, copy=False)
    date_due = fields.Date(string="Due Back", required=True, tracking=True, index=True)
    date_returned = fields.Date(string="Returned On", readonly=True, copy=False)
    state = fields.Selection(
        [("draft", "Draft"), ("out", "Lent"), ("returned", "Returned"), ("cancelled", "Cancelled")],
        default="draft",
        required=True,
        tracking=True,
        index=True,
        copy=False,
    )
    overdue = fields.Boolean(readonly=True, copy=False, index=True, tracking=True)
    picking_out_id = fields.Many2one("stock.picking", string="Delivery", readonly=True, copy=False)
    picking_in_id = fields.Many2one("stock.picking", string="Return Receipt", readonly=True, copy=False)

    @api.depends("request_id.name", "lot_id.name")
    def _compute_name(self):
        for loan in self:
            loan.name = f"{loan.request_id.name or ''} / {loan.lot_id.name or ''}"

    @api.constrains("lot_id", "state")
    def _check_lot_free(self):
        for loan in self.filtered(lambda loan: loan.state in ("draft", "out")):
            if self.search_count(
                [("lot_id", "=", loan.lot_id.id), ("state", "=", "out"), ("id", "!=", loan.id)]
            ):
                raise ValidationError(
                    self.env._("Serial %s is already lent to a customer.", loan.lot_id.name)
                )

    def action_lend(self):
        """Deliver the loaner to the loan location of the customer."""
        for loan in self:
            if loan.state != "draft":
                raise UserError(self.env._("Only a draft loan can be lent."))
            location = loan.warehouse_id._after_sales_loan_location()
            loan.picking_out_id = loan.request_id._after_sales_move_serial(
                loan.warehouse_id.out_type_id, loan.lot_id, loan.warehouse_id.lot_stock_id, location
            )
        return True

    def action_receive_back(self):
        """Create the return receipt of the loaner."""
        for loan in self:
            if loan.state != "out":
                raise UserError(self.env._("Only a lent unit can come back."))
            if loan.picking_in_id and loan.picking_in_id.state not in ("done", "cancel"):
                continue
            loan.picking_in_id = loan.request_id._after_sales_move_serial(
                loan.warehouse_id.in_type_id,
                loan.lot_id,
                loan.warehouse_id._after_sales_loan_location(),
                loan.warehouse_id.lot_stock_id,
            )
        return True

    def action_cancel(self):
        if self.filtered(lambda loan: loan.state == "out"):
            raise UserError(self.env._("A lent unit must come back before the loan is cancelled."))
        self.picking_out_id.filtered(lambda p: p.state not in ("done", "cancel")).action_cancel()
        self.write({"state": "cancelled"})

    def _after_sales_picking_done(self, picking):
        today = fields.Date.context_today(self)
        for loan in self:
            if picking == loan.picking_out_id:
                loan.write({"state": "out", "date_out": today})
            elif picking == loan.picking_in_id:
                loan.write({"state": "returned", "date_returned": today, "overdue": False})

    @api.model
    def _get_overdue_domain(self, today):
        """Lent units past their due date on ``today`` and not flagged yet (by the indexed date)."""
        return Domain("state", "=", "out") & Domain("overdue", "=", False) & Domain("date_due", "<", today)

    @api.model
    def _cron_flag_overdue(self):
        """Enqueue the flagging of the lent units past their due date, one job per batch of a company."""
        today = fields.Date.context_today(self)
        delay_in_batches(
            self.search(self._get_overdue_domain(today)),
            "_flag_overdue",
            today,
            batch_size=self._overdue_batch_size,
            description=self.env._("Flag overdue loaners"),
        )

    def _flag_overdue(self, today):
        """Flag those of these loans still overdue on ``today`` (a job: twice does nothing more;
        a job over the same loans at the same moment skips those it holds)."""
        locked = self.try_lock_for_update(allow_referencing=True)
        locked.filtered_domain(self._get_overdue_domain(today)).write({"overdue": True})
