import math

from odoo import api, fields, models
from odoo.exceptions import UserError


class AfterSalesPartsForecastLine(models.TransientModel):
    """A line of the Parts Demand Forecast page: a part's demand in a warehouse over a horizon.

    Built by ``action_open_forecast`` from ``after_sales.parts.forecast``; the shortfall goes to
    Odoo's replenishment (the warehouse's orderpoint of the part), never to a purchase of its own.
    """

    _name = "after_sales.parts.forecast.line"
    _description = "Parts Demand Forecast"
    _order = "horizon_months, shortfall desc, product_id, warehouse_id"

    product_id = fields.Many2one("product.product", string="Part", required=True, readonly=True)
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    warehouse_id = fields.Many2one("stock.warehouse", required=True, readonly=True)
    company_id = fields.Many2one(related="warehouse_id.company_id")
    horizon = fields.Selection(
        [("1", "1 month"), ("3", "3 months"), ("6", "6 months"), ("12", "12 months")],
        required=True,
        readonly=True,
    )
    horizon_months = fields.Integer(compute="_compute_horizon_months", store=True)
    qty_failures = fields.Float(
        string="Failures",
        digits="Product Unit",
        readonly=True,
        help="Expected from failures: each unit's daily utilisation × days × the part's rate per "
        "operating hour for the unit's product (and hours band).",
    )
    rate_source = fields.Selection(
        [("band", "Hours band"), ("product", "Product"), ("category", "Part category")],
        string="Rate From",
        readonly=True,
        help="Where the failure rate comes from: the units' hours band when it holds enough "
        "failures, else the product's fleet, else the part's category.",
    )
    qty_maintenance = fields.Float(
        string="Maintenance", digits="Product Unit", readonly=True, help="Kits of the maintenance due."
    )
    qty_open_requests = fields.Float(
        string="Open Requests",
        digits="Product Unit",
        readonly=True,
        help="Parts of open requests not reserved nor issued yet.",
    )
    qty_demand = fields.Float(string="Demand", digits="Product Unit", compute="_compute_stock", store=True)
    qty_available = fields.Float(
        string="On Hand", digits="Product Unit", compute="_compute_stock", store=True
    )
    qty_reserved = fields.Float(
        string="Reserved",
        digits="Product Unit",
        compute="_compute_stock",
        store=True,
        help="On hand but reserved for transfers (the open requests' reserved parts among them).",
    )
    qty_incoming = fields.Float(
        string="Incoming", digits="Product Unit", compute="_compute_stock", store=True
    )
    shortfall = fields.Float(
        digits="Product Unit",
        compute="_compute_stock",
        store=True,
        help="Demand less what is on hand and not reserved, less incoming, rounded up to a whole "
        "unit (0: covered).",
    )
    mape = fields.Float(
        string="MAPE (%)",
        digits=(16, 1),
        readonly=True,
        help="Mean absolute percentage error of the model's monthly forecast over the months of the "
        "last 12 with parts issued (blank: none, nothing to check; never a perfect 0).",
    )
    naive_mape = fields.Float(
        string="Naive MAPE (%)",
        digits=(16, 1),
        readonly=True,
        help="The same error of a naive forecast: the mean of the 3 months before (blank: no history).",
    )
    bias = fields.Float(
        digits=(16, 2), readonly=True, help="Mean of forecast less parts issued per month of the backtest."
    )
    backtest_months = fields.Integer(readonly=True, help="Months of the backtest with parts issued.")
    beats_naive = fields.Boolean(
        compute="_compute_beats_naive",
        store=True,
        help="The model's MAPE is below the naive forecast's; unchecked: use the model with care "
        "(blank: no history to check).",
    )
    backtest_note = fields.Char(string="Backtest", compute="_compute_beats_naive", store=True)

    @api.depends("horizon")
    def _compute_horizon_months(self):
        for line in self:
            line.horizon_months = int(line.horizon or 0)

    @api.depends("qty_failures", "qty_maintenance", "qty_open_requests", "product_id", "warehouse_id")
    def _compute_stock(self):
        # Odoo's quantities of all the parts of a warehouse at once (a context per warehouse)
        quantities = {}
        for warehouse in self.warehouse_id:
            lines = self.filtered(lambda line, w=warehouse: line.warehouse_id == w)
            for product in lines.product_id.with_context(warehouse_id=warehouse.id):
                quantities[product.id, warehouse.id] = (
                    product.qty_available,
                    product.free_qty,
                    product.incoming_qty,
                )
        for line in self:
            on_hand, free, incoming = quantities.get(
                (line.product_id.id, line.warehouse_id.id), (0.0, 0.0, 0.0)
            )
            line.qty_demand = line.qty_failures + line.qty_maintenance + line.qty_open_requests
            line.qty_available = on_hand
            line.qty_reserved = on_hand - free
            line.qty_incoming = incoming
            missing = line.qty_demand - free - incoming
            # parts are ordered whole: up to the next unit (a rounding of the part's unit off)
            line.shortfall = max(math.ceil(line.product_id.uom_id.round(missing)), 0)

    @api.depends("mape", "naive_mape", "backtest_months")
    def _compute_beats_naive(self):
        for line in self:
            line.beats_naive = bool(line.backtest_months) and line.mape < line.naive_mape
            if not line.backtest_months:
                # MAPE is undefined without parts issued: no score, perfect or not
                line.backtest_note = self.env._("No history to check")
            elif line.beats_naive:
                line.backtest_note = self.env._("Beats the naive forecast")
            else:
                line.backtest_note = self.env._("Does not beat the naive forecast")

    @api.model
    def action_open_forecast(self):
        """Compute the forecast of the current companies and open its lines."""
        lines = self._create_forecast()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "after_sales_parts.after_sales_parts_forecast_line_action"
        )
        action["domain"] = [("id", "in", lines.ids)]
        return action

    def action_send_to_replenishment(self):
        self._check_can_replenish()
        self._send_to_replenishment()
        return self.env["stock.warehouse.orderpoint"].action_open_orderpoints()

    def _create_forecast(self, today=None):
        """The forecast lines of the current companies, computed now."""
        self.check_access("create")
        # the forecast reads the installed base as a whole (figures, not records): stock managers
        # plan it without After-Sales rights; only the user's companies count
        vals_list = self.env["after_sales.parts.forecast"].sudo()._get_forecast(today)
        return self.create(vals_list)

    def _check_can_replenish(self):
        if not self:
            raise UserError(self.env._("Select the forecast lines to send to replenishment."))
        self.env["stock.warehouse.orderpoint"].check_access("create")
        self.env["stock.warehouse.orderpoint"].check_access("write")

    def _send_to_replenishment(self):
        """Each line's shortfall becomes its warehouse orderpoint's quantity to order (as the
        Replenishment report's To Order column), a manual orderpoint when there is none."""
        Orderpoint = self.env["stock.warehouse.orderpoint"]
        for line in self.filtered(lambda line: line.shortfall > 0):
            location = line.warehouse_id.lot_stock_id
            orderpoint = Orderpoint.with_context(active_test=False).search(
                [("product_id", "=", line.product_id.id), ("location_id", "=", location.id)], limit=1
            )
            if not orderpoint:
                orderpoint = Orderpoint.create(line._prepare_orderpoint_vals())
            elif not orderpoint.active:
                orderpoint.active = True
            orderpoint.qty_to_order = line.shortfall
        return True

    def _prepare_orderpoint_vals(self):
        """Values of the manual orderpoint created for this line (a hook)."""
        self.ensure_one()
        return {
            "product_id": self.product_id.id,
            "warehouse_id": self.warehouse_id.id,
            "location_id": self.warehouse_id.lot_stock_id.id,
            "company_id": self.warehouse_id.company_id.id,
            "trigger": "manual",
            "product_min_qty": 0.0,
            "product_max_qty": 0.0,
        }
