from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain


class AfterSalesContract(models.Model):
    _name = "after_sales.contract"
    _description = "Service Contract"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "partner_id.name", "reference"]

    name = fields.Char(
        string="Number", required=True, readonly=True, copy=False, default="/", index="trigram"
    )
    reference = fields.Char(string="Customer Reference", tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        check_company=True,
        tracking=True,
        domain=[("is_company", "=", True)],
    )
    user_id = fields.Many2one(
        "res.users", string="Responsible", default=lambda self: self.env.user, tracking=True
    )
    date_start = fields.Date(required=True, default=fields.Date.context_today, tracking=True, index=True)
    date_end = fields.Date(tracking=True, index=True, help="Empty for an open-ended contract.")
    state = fields.Selection(
        [("draft", "Draft"), ("active", "Active"), ("expired", "Expired"), ("cancelled", "Cancelled")],
        default="draft",
        required=True,
        tracking=True,
        index=True,
        copy=False,
    )
    all_equipment = fields.Boolean(
        string="All Customer's Units", help="Covers every unit of the customer, present and future."
    )
    equipment_ids = fields.Many2many(
        "after_sales.equipment",
        string="Covered Units",
        check_company=True,
        domain="[('partner_id', 'child_of', partner_id)]",
    )
    sla_policy_id = fields.Many2one(
        "after_sales.sla.policy", string="SLA Policy", check_company=True, tracking=True
    )
    service_ids = fields.One2many(
        "after_sales.contract.service", "contract_id", string="Included Services", copy=True
    )
    previous_contract_id = fields.Many2one(
        "after_sales.contract", string="Renewal Of", readonly=True, copy=False, check_company=True
    )
    next_contract_ids = fields.One2many("after_sales.contract", "previous_contract_id", string="Renewals")
    next_contract_id = fields.Many2one(
        "after_sales.contract", compute="_compute_next_contract_id", string="Renewed By"
    )
    request_ids = fields.One2many("after_sales.request", "contract_id", string="Requests")
    request_count = fields.Integer(compute="_compute_request_count")
    note = fields.Html(string="Notes")
    timer_rounding_minutes = fields.Integer(
        string="Timer Rounding (min)",
        compute="_compute_timer_rounding",
        store=True,
        readonly=False,
        precompute=True,
        copy=True,
        help="Time logged by stopping a timer on the contract's requests is rounded up to this many "
        "minutes (0: to the minute).",
    )
    timer_minimum_minutes = fields.Integer(
        string="Timer Minimum (min)",
        compute="_compute_timer_rounding",
        store=True,
        readonly=False,
        precompute=True,
        copy=True,
        help="Time logged by stopping a timer on the contract's requests is at least this many minutes.",
    )

    _timer_rounding_check = models.Constraint(
        "CHECK(timer_rounding_minutes >= 0 AND timer_minimum_minutes >= 0)",
        "Timer rounding and minimum cannot be negative.",
    )

    @api.depends("next_contract_ids")
    def _compute_next_contract_id(self):
        for contract in self:
            contract.next_contract_id = contract.next_contract_ids[:1]

    @api.depends("company_id")
    def _compute_timer_rounding(self):
        for contract in self:
            contract.timer_rounding_minutes = contract.company_id.after_sales_timer_rounding_minutes
            contract.timer_minimum_minutes = contract.company_id.after_sales_timer_minimum_minutes

    def _compute_request_count(self):
        counts = dict(
            self.env["after_sales.request"]._read_group(
                [("contract_id", "in", self.ids)], ["contract_id"], ["__count"]
            )
        )
        for contract in self:
            contract.request_count = counts.get(contract, 0)

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for contract in self:
            if contract.date_end and contract.date_end < contract.date_start:
                raise ValidationError(self.env._("The contract cannot end before it starts."))

    @api.constrains("state", "date_start", "date_end", "equipment_ids", "all_equipment", "partner_id")
    def _check_overlap(self):
        active = self.filtered(lambda c: c.state == "active")
        if not active:
            return
        others = self.search(
            [
                ("state", "=", "active"),
                ("id", "not in", active.ids),
                ("partner_id", "in", active.partner_id.ids),
            ]
        )
        for contract in active:
            for other in others | (active - contract):
                if other.partner_id != contract.partner_id or other.company_id != contract.company_id:
                    continue
                if not contract._overlaps_in_time(other):
                    continue
                shared = (
                    contract.all_equipment
                    or other.all_equipment
                    or bool(contract.equipment_ids & other.equipment_ids)
                )
                if shared:
                    raise ValidationError(
                        self.env._(
                            "Contracts %(a)s and %(b)s would both cover the same units at the same time.",
                            a=contract.display_name,
                            b=other.display_name,
                        )
                    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                vals["name"] = (
                    self.env["ir.sequence"].with_company(company).next_by_code("after_sales.contract") or "/"
                )
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_active(self):
        if any(contract.state == "active" for contract in self):
            raise UserError(self.env._("Cancel an active contract before deleting it."))

    def action_activate(self):
        self._check_can_activate()
        self.write({"state": "active"})

    def action_cancel(self):
        self.write({"state": "cancelled"})

    def action_draft(self):
        self.write({"state": "draft"})

    def action_renew(self):
        """Create the next contract (draft), starting the day after this one ends."""
        self.ensure_one()
        if not self.date_end:
            raise UserError(self.env._("An open-ended contract has nothing to renew."))
        if self.next_contract_id:
            raise UserError(self.env._("%s is already renewed.", self.display_name))
        renewal = self.copy(self._prepare_renewal_vals())
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": renewal.id,
            "view_mode": "form",
        }

    @api.readonly
    def action_view_requests(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_service.after_sales_request_action"
        )
        action["domain"] = [("contract_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.partner_id.id}
        return action

    def _check_can_activate(self):
        for contract in self:
            if contract.state != "draft":
                raise UserError(self.env._("Only draft contracts can be activated."))
            if not contract.all_equipment and not contract.equipment_ids:
                raise UserError(
                    self.env._(
                        "Contract %s covers no unit: choose units or all the customer's units.", contract.name
                    )
                )
            if contract.date_end and contract.date_end < fields.Date.context_today(self):
                raise UserError(self.env._("Contract %s has already ended.", contract.name))

    def _prepare_renewal_vals(self):
        """Values of the renewal of this contract (a hook for sibling modules)."""
        start = self.date_end + relativedelta(days=1)
        length = relativedelta(self.date_end + relativedelta(days=1), self.date_start)
        return {
            "date_start": start,
            "date_end": start + length - relativedelta(days=1),
            "previous_contract_id": self.id,
            "equipment_ids": [fields.Command.set(self.equipment_ids.ids)],
        }

    def _overlaps_in_time(self, other):
        self.ensure_one()
        end_a = self.date_end or fields.Date.to_date("9999-12-31")
        end_b = other.date_end or fields.Date.to_date("9999-12-31")
        return self.date_start <= end_b and other.date_start <= end_a

    def _covers(self, equipment, day):
        """Does this contract cover ``equipment`` (may be empty: customer-level) on ``day``?"""
        self.ensure_one()
        if self.state != "active" or day < self.date_start or (self.date_end and day > self.date_end):
            return False
        return self.all_equipment or (bool(equipment) and equipment in self.equipment_ids)

    @api.model
    def _active_contracts_by_partner(self, partners, companies):
        """Active contracts of ``partners`` (commercial entities), read in one query."""
        if not partners:
            return {}
        contracts = self.sudo().search(
            Domain("state", "=", "active")
            & Domain("partner_id", "in", partners.ids)
            & Domain("company_id", "in", companies.ids),
            order="all_equipment, date_start desc",
        )
        result = defaultdict(list)
        for contract in contracts:
            result[contract.partner_id.id].append(contract.sudo(False))
        return result

    @api.model
    def _cron_expire(self):
        """Expire active contracts whose end date has passed."""
        today = fields.Date.context_today(self)
        self.search([("state", "=", "active"), ("date_end", "<", today)]).write({"state": "expired"})
