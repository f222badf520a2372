from dateutil.relativedelta import relativedelta
from psycopg2.errors import UniqueViolation

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.tools import mute_logger

from odoo.addons.after_sales_service.jobs import delay_in_batches

FEE_PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}


class AfterSalesContract(models.Model):
    _name = "after_sales.contract"
    _inherit = ["after_sales.contract", "analytic.mixin"]
    # subscriptions whose fees one background job of the fee cron records
    _fee_batch_size = 200

    pricelist_id = fields.Many2one(
        "product.pricelist",
        string="Price List",
        check_company=True,
        tracking=True,
        help="Prices the service lines of the requests under this contract.",
    )
    billing_model = fields.Selection(
        [
            ("pricelist", "Per Price List"),
            ("time_materials", "Time and Materials"),
            ("subscription", "Subscription"),
        ],
        required=True,
        default="pricelist",
        tracking=True,
        help="Per price list: works at norm-hours, every paid line billed.\n"
        "Time and materials: works at the hours logged, every paid line billed.\n"
        "Subscription: a fixed fee per period; lines beyond the included services are billed.",
    )
    fee_product_id = fields.Many2one("product.product", check_company=True, domain=[("sale_ok", "=", True)])
    fee_amount = fields.Monetary(string="Fee per Period", currency_field="fee_currency_id")
    fee_currency_id = fields.Many2one("res.currency", compute="_compute_fee_currency_id")
    fee_period = fields.Selection(
        [("month", "Monthly"), ("quarter", "Quarterly"), ("year", "Yearly")],
        default="month",
    )
    fee_timing = fields.Selection(
        [("advance", "In Advance"), ("arrears", "In Arrears")],
        string="Fee Billed",
        default="advance",
        help="In advance: a period is billed from its first day; in arrears: from its last day.",
    )
    auto_billing = fields.Boolean(
        string="Bill Monthly Automatically",
        help="The monthly billing cron invoices this contract's fees and lines of the past month.",
    )
    rate_rule_ids = fields.One2many(
        "after_sales.rate.rule", "contract_id", string="Rate Multipliers", copy=True
    )
    fee_ids = fields.One2many("after_sales.contract.fee", "contract_id", string="Fees", readonly=True)
    fee_count = fields.Integer(compute="_compute_fee_count")
    phone_rounding_minutes = fields.Integer(
        string="Phone Call Rounding (min)",
        compute="_compute_phone_rounding",
        store=True,
        readonly=False,
        precompute=True,
        copy=True,
        help="Phone support is billed rounded up to this many minutes (0: to the minute).",
    )
    phone_minimum_minutes = fields.Integer(
        string="Phone Call Minimum (min)",
        compute="_compute_phone_rounding",
        store=True,
        readonly=False,
        precompute=True,
        copy=True,
        help="Phone support is billed at least this many minutes.",
    )

    _phone_rounding_check = models.Constraint(
        "CHECK(phone_rounding_minutes >= 0 AND phone_minimum_minutes >= 0)",
        "Phone call rounding and minimum cannot be negative.",
    )

    @api.depends("pricelist_id", "company_id")
    def _compute_fee_currency_id(self):
        for contract in self:
            contract.fee_currency_id = contract.pricelist_id.currency_id or contract.company_id.currency_id

    def _compute_fee_count(self):
        counts = dict(
            self.env["after_sales.contract.fee"]._read_group(
                [("contract_id", "in", self.ids)], ["contract_id"], ["__count"]
            )
        )
        for contract in self:
            contract.fee_count = counts.get(contract, 0)

    @api.depends("company_id")
    def _compute_phone_rounding(self):
        for contract in self:
            contract.phone_rounding_minutes = contract.company_id.after_sales_phone_rounding_minutes
            contract.phone_minimum_minutes = contract.company_id.after_sales_phone_minimum_minutes

    @api.constrains("billing_model", "fee_product_id", "fee_amount", "fee_period", "fee_timing")
    def _check_subscription(self):
        for contract in self:
            if contract.fee_amount < 0:
                raise ValidationError(self.env._("A subscription fee cannot be negative."))
            if contract.billing_model == "subscription" and not (
                contract.fee_product_id and contract.fee_period and contract.fee_timing
            ):
                raise ValidationError(
                    self.env._(
                        "Subscription contract %s needs a fee product, a period and a billing timing.",
                        contract.display_name,
                    )
                )

    @api.readonly
    def action_view_fees(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_billing.after_sales_contract_fee_action"
        )
        action["domain"] = [("contract_id", "=", self.id)]
        return action

    def _prepare_renewal_vals(self):
        vals = super()._prepare_renewal_vals()
        vals["rate_rule_ids"] = [fields.Command.create(rule.copy_data()[0]) for rule in self.rate_rule_ids]
        return vals

    def _get_fee_periods(self, date_to):
        """Fee periods (start, end, due date) of this subscription due on or before ``date_to``.

        Periods are counted from the contract's start date; a period is due on its
        first day when billed in advance, on its last day when billed in arrears.
        """
        self.ensure_one()
        if self.billing_model != "subscription" or not self.fee_period:
            return []
        months = FEE_PERIOD_MONTHS[self.fee_period]
        periods = []
        index = 0
        while True:
            start = self.date_start + relativedelta(months=index * months)
            if self.date_end and start > self.date_end:
                break
            end = start + relativedelta(months=months, days=-1)
            if self.date_end:
                end = min(end, self.date_end)
            due = start if self.fee_timing == "advance" else end
            if due > date_to:
                break
            periods.append((start, end, due))
            index += 1
        return periods

    @api.model
    def _get_billable_subscriptions_domain(self, companies, date_to):
        return (
            Domain("billing_model", "=", "subscription")
            & Domain("state", "in", ["active", "expired"])
            & Domain("company_id", "in", companies.ids)
            & Domain("date_start", "<=", date_to)
        )

    def _ensure_fees(self, date_to):
        """Record the fees of these subscriptions due on or before ``date_to`` (once per period)."""
        Fee = self.env["after_sales.contract.fee"].sudo()
        existing = {
            (fee.contract_id.id, fee.period_start) for fee in Fee.search([("contract_id", "in", self.ids)])
        }
        vals_list = []
        for contract in self:
            for start, end, due in contract._get_fee_periods(date_to):
                if (contract.id, start) not in existing:
                    vals_list.append(contract._prepare_fee_vals(start, end, due))
        if not vals_list:
            return Fee
        # another run may record some of them at the same moment: the period's unique key
        # refuses the duplicate, an expected conflict that is skipped without logging an error
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                return Fee.create(vals_list)
        except UniqueViolation:
            fees = Fee
            for vals in vals_list:
                try:
                    with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                        fees |= Fee.create(vals)
                except UniqueViolation:
                    continue
            return fees

    @api.model
    def _cron_record_fees(self):
        """Enqueue the recording of the subscription fees due today.

        Only subscriptions with a period due and not recorded yet are enqueued, one job per batch
        of ``_fee_batch_size`` contracts (channel root.after_sales.billing); the billing run then
        finds their fees recorded.
        """
        today = fields.Date.context_today(self)
        contracts = self.search(
            self._get_billable_subscriptions_domain(self.env["res.company"].search([]), today)
        )
        delay_in_batches(
            contracts._filter_fees_due(today),
            "_record_fees",
            today,
            batch_size=self._fee_batch_size,
            description=self.env._("Record the subscription fees due"),
        )

    def _filter_fees_due(self, date_to):
        """These subscriptions with a fee period due on or before ``date_to`` not recorded yet."""
        counts = dict(
            self.env["after_sales.contract.fee"]
            .sudo()
            ._read_group([("contract_id", "in", self.ids)], ["contract_id"], ["__count"])
        )
        return self.filtered(lambda c: len(c._get_fee_periods(date_to)) > counts.get(c, 0))

    def _record_fees(self, date_to):
        """Record the fees of these subscriptions due on or before ``date_to`` (a job of the cron:
        the periods already recorded are skipped, so running it twice records nothing twice)."""
        contracts = self.exists().filtered_domain(
            self._get_billable_subscriptions_domain(self.company_id, date_to)
        )
        return contracts._ensure_fees(date_to)

    def _prepare_fee_vals(self, start, end, due):
        """Values of the fee of this subscription for the period ``start`` - ``end``."""
        self.ensure_one()
        return {
            "contract_id": self.id,
            "period_start": start,
            "period_end": end,
            "date_due": due,
            "product_id": self.fee_product_id.id,
            "amount": self.fee_amount,
            "currency_id": self.fee_currency_id.id,
        }
