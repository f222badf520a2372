from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

from odoo.addons.after_sales_service.jobs import delay_in_batches


class AfterSalesExchange(models.Model):
    _name = "after_sales.exchange"
    _description = "Advance Exchange"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "core_due_date, id"
    _check_company_auto = True
    _rec_names_search = ["name", "replacement_lot_id.name", "core_lot_id.name"]
    # exchanges flagged by one background job of the overdue cores cron
    _overdue_batch_size = 200

    name = fields.Char(compute="_compute_name", store=True)
    request_id = fields.Many2one(
        "after_sales.request", required=True, index=True, check_company=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="request_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="request_id.partner_id", store=True, string="Customer")
    equipment_id = fields.Many2one(
        related="request_id.equipment_id", store=True, index="btree_not_null", string="Faulty Unit"
    )
    warehouse_id = fields.Many2one("stock.warehouse", required=True, check_company=True)
    product_id = fields.Many2one(related="equipment_id.product_id", store=True)
    core_lot_id = fields.Many2one(related="equipment_id.lot_id", store=True, string="Core Serial")
    replacement_lot_id = fields.Many2one(
        "stock.lot",
        string="Replacement Serial",
        required=True,
        check_company=True,
        domain="[('product_id', '=', product_id)]",
    )
    replacement_equipment_id = fields.Many2one(
        "after_sales.equipment", string="Replacement Unit", readonly=True
    )
    core_due_date = fields.Date(string="Core Due", required=True, tracking=True, index=True)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("delivered", "Replacement Delivered"),
            ("core_received", "Core Received"),
            ("in_pool", "Back in Pool"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        tracking=True,
        index=True,
        copy=False,
    )
    core_overdue = fields.Boolean(readonly=True, copy=False, index=True, tracking=True)
    picking_out_id = fields.Many2one(
        "stock.picking", string="Replacement Delivery", readonly=True, copy=False
    )
    picking_core_id = fields.Many2one("stock.picking", string="Core Receipt", readonly=True, copy=False)
    picking_pool_id = fields.Many2one("stock.picking", string="Back to Pool", readonly=True, copy=False)

    @api.depends("request_id.name", "replacement_lot_id.name")
    def _compute_name(self):
        for exchange in self:
            exchange.name = f"{exchange.request_id.name or ''} / {exchange.replacement_lot_id.name or ''}"

    def action_deliver(self):
        """Ship the refurbished replacement from the pool at once."""
        for exchange in self:
            if exchange.state != "draft":
                raise UserError(self.env._("The replacement of %s is already on its way.", exchange.name))
            if not exchange.core_lot_id:
                raise UserError(self.env._("The faulty unit needs a serial to be exchanged."))
            warehouse = exchange.warehouse_id
            exchange.picking_out_id = exchange.request_id._after_sales_move_serial(
                warehouse.out_type_id,
                exchange.replacement_lot_id,
                warehouse._after_sales_pool_location(),
                self.env.ref("stock.stock_location_customers"),
            )
        return True

    def action_expect_core(self):
        """Create the receipt of the faulty core from the customer."""
        for exchange in self:
            if exchange.state != "delivered":
                raise UserError(self.env._("Deliver the replacement first."))
            if not exchange.picking_core_id:
                warehouse = exchange.warehouse_id
                exchange.picking_core_id = exchange.request_id._after_sales_move_serial(
                    warehouse.in_type_id,
                    exchange.core_lot_id,
                    self.env.ref("stock.stock_location_customers"),
                    warehouse.lot_stock_id,
                )
        return True

    def action_back_to_pool(self):
        """The core is refurbished: move it into the exchange pool."""
        for exchange in self:
            if exchange.state != "core_received":
                raise UserError(self.env._("The core has not arrived yet."))
            warehouse = exchange.warehouse_id
            exchange.picking_pool_id = exchange.request_id._after_sales_move_serial(
                warehouse.after_sales_parts_type_id,
                exchange.core_lot_id,
                warehouse.lot_stock_id,
                warehouse._after_sales_pool_location(),
            )
        return True

    def _after_sales_picking_done(self, picking):
        for exchange in self:
            if picking == exchange.picking_out_id:
                exchange._register_replacement()
                exchange.state = "delivered"
            elif picking == exchange.picking_core_id:
                exchange.equipment_id.sudo().write(
                    {"state": "in_repair", "partner_id": exchange.partner_id.id}
                )
                exchange.write({"state": "core_received", "core_overdue": False})
            elif picking == exchange.picking_pool_id:
                exchange.equipment_id.sudo().write({"state": "returned", "parent_id": False})
                exchange.state = "in_pool"

    def _register_replacement(self):
        """The customer now runs the replacement: it takes the faulty unit's place in the installed base."""
        self.ensure_one()
        Equipment = self.env["after_sales.equipment"].sudo().with_context(active_test=False)
        unit = self.equipment_id.sudo()
        vals = {
            "partner_id": unit.partner_id.id,
            "site_partner_id": unit.site_partner_id.id,
            "parent_id": unit.parent_id.id,
            "state": "in_service",
            "active": True,
            "delivery_date": fields.Date.context_today(self),
        }
        replacement = Equipment.search([("lot_id", "=", self.replacement_lot_id.id)], limit=1)
        if replacement:
            replacement.write(vals)
        else:
            replacement = Equipment.create(
                vals
                | {
                    "product_id": self.product_id.id,
                    "lot_id": self.replacement_lot_id.id,
                    "company_id": self.company_id.id,
                }
            )
        self.replacement_equipment_id = replacement
        unit.message_post(
            body=self.env._("Exchanged against %s; the core is expected back.", replacement.display_name)
        )

    @api.model
    def _get_core_overdue_domain(self, today):
        """Exchanges whose core is not back by its due date on ``today`` and not flagged yet."""
        return (
            Domain("state", "=", "delivered")
            & Domain("core_overdue", "=", False)
            & Domain("core_due_date", "<", today)
        )

    @api.model
    def _cron_flag_overdue_cores(self):
        """Enqueue the flagging of the exchanges whose core is overdue, one job per batch of a company."""
        today = fields.Date.context_today(self)
        delay_in_batches(
            self.search(self._get_core_overdue_domain(today)),
            "_flag_overdue_cores",
            today,
            batch_size=self._overdue_batch_size,
            description=self.env._("Flag overdue exchange cores"),
        )

    def _flag_overdue_cores(self, today):
        """Flag those of these exchanges whose core is still overdue on ``today`` (a job: the
        second run finds them flagged and does nothing, no second message nor charge)."""
        # locked: a job over the same exchanges at the same moment skips them (they are its work)
        self.try_lock_for_update(allow_referencing=True).filtered_domain(
            self._get_core_overdue_domain(today)
        )._flag_core_overdue()

    def _flag_core_overdue(self):
        """These cores are not back by their due date (a hook: billing charges them)."""
        self.write({"core_overdue": True})
        for exchange in self:
            exchange.request_id.message_post(
                body=self.env._(
                    "The core %(serial)s was due back on %(date)s and has not arrived.",
                    serial=exchange.core_lot_id.name or exchange.equipment_id.display_name,
                    date=exchange.core_due_date,
                )
            )
