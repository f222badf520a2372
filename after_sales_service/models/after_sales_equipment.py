from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain


class AfterSalesEquipment(models.Model):
    _name = "after_sales.equipment"
    _description = "Equipment Unit"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "after_sales.portal.mixin",
        "after_sales.equipment.reliability.mixin",
        "after_sales.equipment.public.mixin",
    ]
    _order = "partner_id, product_id, id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "lot_id.name", "product_id.default_code"]
    # what a customer reads of its own units (the portal pages); every other field is internal
    _portal_fields = {
        "name",
        "active",
        "product_id",
        "lot_id",
        "partner_id",
        "site_partner_id",
        "state",
        "delivery_date",
        "commissioning_date",
        "current_hours",
    }

    name = fields.Char(
        compute="_compute_name",
        store=True,
        readonly=False,
        required=True,
        precompute=True,
        index="trigram",
        tracking=True,
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    product_id = fields.Many2one(
        "product.product",
        required=True,
        index=True,
        check_company=True,
        tracking=True,
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Serial Number",
        index="btree_not_null",
        check_company=True,
        tracking=True,
        domain="[('product_id', '=', product_id)]",
        help="Empty for units the customer bought elsewhere without a known serial.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        check_company=True,
        tracking=True,
    )
    site_partner_id = fields.Many2one(
        "res.partner",
        string="Site Address",
        check_company=True,
        tracking=True,
        help="Where the unit is installed: a contact or delivery address of the customer.",
    )
    state = fields.Selection(
        [
            ("in_service", "In Service"),
            ("in_repair", "In Repair"),
            ("returned", "Returned"),
            ("decommissioned", "Decommissioned"),
        ],
        default="in_service",
        required=True,
        index=True,
        tracking=True,
    )
    sale_date = fields.Date()
    delivery_date = fields.Date(index=True, tracking=True)
    commissioning_date = fields.Date(tracking=True)
    decommissioning_date = fields.Date(
        tracking=True,
        copy=False,
        help="End of the unit's service life: set when the unit is decommissioned (today unless "
        "typed), cleared when it is put back in service. The reliability analysis counts the unit "
        "at risk from commissioning (else delivery) to this date.",
    )
    note = fields.Html(string="Notes", groups="base.group_user")
    parent_id = fields.Many2one(
        "after_sales.equipment",
        string="Parent Unit",
        index="btree_not_null",
        check_company=True,
        tracking=True,
        help="The unit this one is a component of.",
    )
    child_ids = fields.One2many("after_sales.equipment", "parent_id", string="Components")
    request_ids = fields.One2many("after_sales.request", "equipment_id", string="Requests")
    request_count = fields.Integer(compute="_compute_counts")
    repair_count = fields.Integer(compute="_compute_counts")
    meter_reading_ids = fields.One2many("after_sales.meter.reading", "equipment_id", string="Meter Readings")
    current_hours = fields.Float(
        string="Operating Hours", compute="_compute_current_hours", store=True, help="Last meter reading."
    )
    current_hours_date = fields.Date(string="Read On", compute="_compute_current_hours", store=True)
    average_hours_per_day = fields.Float(
        string="Average Hours per Day", compute="_compute_average_hours_per_day", digits=(16, 2)
    )
    next_maintenance_date = fields.Date(compute="_compute_next_maintenance")
    next_maintenance_hours = fields.Float(compute="_compute_next_maintenance")

    _lot_company_uniq = models.Constraint(
        "UNIQUE(lot_id, company_id)",
        "This serial number is already registered as a unit of this company.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_lots_free([vals["lot_id"] for vals in vals_list if vals.get("lot_id")])
        vals_list = [self._with_decommissioning_date(vals) for vals in vals_list]
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("lot_id"):
            self._check_lots_free([vals["lot_id"]] * len(self))
        if "state" not in vals or "decommissioning_date" in vals:
            return super().write(vals)
        # the state moves the end of the service life: today when decommissioned, none otherwise
        if vals["state"] == "decommissioned":
            moved = self.filtered(lambda unit: unit.state != "decommissioned")
        else:
            moved = self.filtered("decommissioning_date")
        res = super().write(vals)
        if moved:
            end = vals["state"] == "decommissioned" and fields.Date.context_today(self)
            super(AfterSalesEquipment, moved).write({"decommissioning_date": end})
        return res

    def _with_decommissioning_date(self, vals):
        """``vals`` of a new unit with the decommissioning date its state implies (kept when typed)."""
        if vals.get("state") != "decommissioned" or vals.get("decommissioning_date"):
            return vals
        return dict(vals, decommissioning_date=fields.Date.context_today(self))

    def _check_lots_free(self, lot_ids):
        """Refuse, before anything is written, serials already registered in this company."""
        if not lot_ids:
            return
        if len(set(lot_ids)) < len(lot_ids):
            raise ValidationError(self.env._("The same serial number appears twice."))
        taken = (
            self.sudo()
            .with_context(active_test=False)
            .search([("lot_id", "in", lot_ids), ("id", "not in", self.ids)], limit=1)
        )
        if taken:
            raise ValidationError(
                self.env._(
                    "Serial number %(serial)s is already registered as unit %(unit)s.",
                    serial=taken.lot_id.name,
                    unit=taken.display_name,
                )
            )

    @api.depends("meter_reading_ids.hours", "meter_reading_ids.date")
    def _compute_current_hours(self):
        for unit in self:
            last = unit.meter_reading_ids.sorted(lambda r: (r.date, r.hours))[-1:]
            unit.current_hours = last.hours
            unit.current_hours_date = last.date

    @api.depends("current_hours", "current_hours_date", "commissioning_date", "delivery_date")
    def _compute_average_hours_per_day(self):
        for unit in self:
            start = unit._get_service_start_date()
            days = (unit.current_hours_date - start).days if unit.current_hours_date else 0
            unit.average_hours_per_day = unit.current_hours / days if days > 0 else 0.0

    def _compute_counts(self):
        request_counts = dict(
            self.env["after_sales.request"]._read_group(
                [("equipment_id", "in", self.ids)], ["equipment_id"], ["__count"]
            )
        )
        repairs = dict(
            self.env["repair.order"]._read_group(
                [("after_sales_request_id.equipment_id", "in", self.ids)],
                ["after_sales_request_id"],
                ["__count"],
            )
        )
        repairs_by_unit = {}
        for request, count in repairs.items():
            repairs_by_unit[request.equipment_id.id] = repairs_by_unit.get(request.equipment_id.id, 0) + count
        for unit in self:
            unit.request_count = request_counts.get(unit, 0)
            unit.repair_count = repairs_by_unit.get(unit.id, 0)

    def _compute_next_maintenance(self):
        plans = self.env["after_sales.maintenance.plan"].search(
            ["|", ("equipment_id", "in", self.ids), ("product_id", "in", self.product_id.ids)]
        )
        units = self.filtered("id")
        last = plans._last_occurrences(units) if plans and units else {}
        today = fields.Date.context_today(self)
        for unit in self:
            dues = [
                plan._next_due(unit, last.get((plan.id, unit.id)), today)
                for plan in plans
                if unit.id and plan._units_of(unit)
            ]
            dues = [due for due in dues if due]
            first = min(dues, key=lambda due: due[1]) if dues else False
            unit.next_maintenance_date = first and first[1]
            unit.next_maintenance_hours = first and first[2]

    @api.depends("product_id", "lot_id")
    def _compute_name(self):
        for unit in self:
            if not unit.product_id:
                unit.name = unit.name or False
                continue
            product = unit.product_id.display_name
            unit.name = f"{product} / {unit.lot_id.name}" if unit.lot_id else product

    @api.constrains("parent_id")
    def _check_parent_id(self):
        if self._has_cycle():
            raise ValidationError(self.env._("A unit cannot be a component of itself."))

    @api.constrains("lot_id", "company_id")
    def _check_lot_unique(self):
        registered = self.filtered("lot_id")
        if not registered:
            return
        duplicates = (
            self.sudo()
            .with_context(active_test=False)
            ._read_group(
                [("lot_id", "in", registered.lot_id.ids)],
                ["lot_id", "company_id"],
                having=[("__count", ">", 1)],
            )
        )
        if duplicates:
            raise ValidationError(
                self.env._(
                    "Serial number %s is already registered as a unit of this company.",
                    duplicates[0][0].name,
                )
            )

    @api.constrains("lot_id", "product_id")
    def _check_lot_product(self):
        for unit in self:
            if unit.lot_id and unit.lot_id.product_id != unit.product_id:
                raise ValidationError(
                    self.env._("Serial %s is not a serial of this product.", unit.lot_id.name)
                )

    @api.readonly
    def action_view_requests(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_service.after_sales_request_action"
        )
        action["domain"] = [("equipment_id", "=", self.id)]
        action["context"] = {"default_equipment_id": self.id}
        return action

    @api.readonly
    def action_view_repairs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("repair.action_repair_order_tree")
        action["domain"] = [("after_sales_request_id.equipment_id", "=", self.id)]
        return action

    def _get_service_start_date(self):
        """Date the unit started its service life: commissioning, else delivery, else registration."""
        self.ensure_one()
        return (
            self.commissioning_date
            or self.delivery_date
            or fields.Date.to_date(self.create_date or fields.Date.context_today(self))
        )

    def _prepare_from_move_line_vals(self, move_line):
        """Values of the unit registered by the delivered serial ``move_line``."""
        picking = move_line.picking_id
        partner = picking.partner_id
        sale = picking.sale_id if "sale_id" in picking._fields else False
        return {
            "product_id": move_line.product_id.id,
            "lot_id": move_line.lot_id.id,
            "company_id": move_line.company_id.id,
            "partner_id": partner.commercial_partner_id.id,
            "site_partner_id": partner.id,
            "delivery_date": fields.Date.context_today(self, picking.date_done),
            "sale_date": sale and fields.Date.context_today(self, sale.date_order),
            "state": "in_service",
        }

    def _plan_maintenance(self, today):
        """Plan the preventive maintenance due of these units on ``today`` (a job of the cron).

        Reads again what is due: a unit planned since (by this job run before, or by another),
        taken out of service or archived is left alone, so running the job twice plans nothing twice.
        """
        # locked: a job over the same units at the same moment skips them (they are its work)
        units = self.try_lock_for_update(allow_referencing=True).filtered(
            lambda unit: unit.active and unit.state == "in_service"
        )
        if not units:
            return self.env["after_sales.request"]
        plans = self.env["after_sales.maintenance.plan"].search(
            Domain("company_id", "in", units.company_id.ids)
            & (Domain("equipment_id", "in", units.ids) | Domain("product_id", "in", units.product_id.ids))
        )
        return plans._plan_requests(today, units)
