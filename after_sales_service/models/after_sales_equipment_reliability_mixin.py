import datetime

from odoo import api, fields, models
from odoo.exceptions import UserError

# a unit is due for attention when its failure rate is above this many times its product's...
ATTENTION_RATE_FACTOR = 2.0
# ... over at least this many failures,
ATTENTION_MIN_FAILURES = 2
# or when a failure received in this many days repeats an earlier one within as many days
ATTENTION_REPEAT_DAYS = 90


class AfterSalesEquipmentReliabilityMixin(models.AbstractModel):
    """The health of a unit: its failures over its service life against its product's fleet.

    Figures over the whole service life up to today (``after_sales.reliability``). A unit is *due
    for attention* when a failure received in the last 90 days repeats an earlier one of the same
    cause within 90 days, or when it failed at least twice and its failures per 1,000 operating
    hours (per unit-year when its hours or its product's are unknown) are more than twice its
    product's.
    """

    _name = "after_sales.equipment.reliability.mixin"
    _description = "Unit Reliability"

    reliability_failure_count = fields.Integer(
        string="Failures", compute="_compute_reliability", help="Failures of the unit over its service life."
    )
    reliability_mtbf_hours = fields.Float(
        string="MTBF (h)",
        compute="_compute_reliability",
        digits=(16, 1),
        help="The unit's operating hours per failure over its service life (blank: no failure or "
        "no meter reading).",
    )
    reliability_mtbf_days = fields.Float(
        string="MTBF (days)",
        compute="_compute_reliability",
        digits=(16, 1),
        help="The unit's days in service per failure (blank: no failure).",
    )
    reliability_product_mtbf_hours = fields.Float(
        string="Product MTBF (h)",
        compute="_compute_reliability",
        digits=(16, 1),
        help="Operating hours per failure of all the units of the product over their service life "
        "(blank: no failure of a unit with meter readings).",
    )
    reliability_product_mtbf_days = fields.Float(
        string="Product MTBF (days)", compute="_compute_reliability", digits=(16, 1)
    )
    # a float field cannot be empty: these say whether the figure above is defined (else blank)
    reliability_mtbf_hours_known = fields.Boolean(compute="_compute_reliability")
    reliability_mtbf_days_known = fields.Boolean(compute="_compute_reliability")
    reliability_product_mtbf_hours_known = fields.Boolean(compute="_compute_reliability")
    reliability_product_mtbf_days_known = fields.Boolean(compute="_compute_reliability")
    reliability_attention = fields.Boolean(
        string="Due for Attention",
        compute="_compute_reliability",
        search="_search_reliability_attention",
        help="A failure in the last 90 days repeats an earlier one of the same cause within 90 "
        "days, or the unit failed at least twice and more than twice as often as its product's "
        "fleet (per 1,000 operating hours, else per unit-year).",
    )
    reliability_attention_reason = fields.Char(string="Why", compute="_compute_reliability")

    def _compute_reliability(self):
        units = self.filtered("id")
        reliability = self.env["after_sales.reliability"]
        unit_figures = reliability._get_unit_figures(unit_domain=[("id", "in", units.ids)]) if units else {}
        product_figures = (
            reliability._get_fleet_figures(unit_domain=[("product_id", "in", units.product_id.ids)])
            if units
            else {}
        )
        repeating = self._reliability_recent_repeats(units)
        for unit in self:
            mine = unit_figures.get(unit.id) or {}
            fleet = product_figures.get(unit.product_id) or {}
            unit.reliability_failure_count = mine.get("failures") or 0
            for field, figures, key in (
                ("reliability_mtbf_hours", mine, "mtbf_hours"),
                ("reliability_mtbf_days", mine, "mtbf_days"),
                ("reliability_product_mtbf_hours", fleet, "mtbf_hours"),
                ("reliability_product_mtbf_days", fleet, "mtbf_days"),
            ):
                unit[field] = figures.get(key) or 0.0
                unit[f"{field}_known"] = figures.get(key) is not None
            reason = unit._reliability_attention_reason(mine, fleet, unit.id in repeating)
            unit.reliability_attention = bool(reason)
            unit.reliability_attention_reason = reason

    def _search_reliability_attention(self, operator, value):
        if operator in ("=", "!=") and isinstance(value, bool):
            positive = (operator == "=") == value
        elif operator in ("in", "not in") and list(value) == [True]:
            positive = operator == "in"
        else:
            raise UserError(self.env._("Units due for attention can only be searched as set or not set."))
        # only units with failures may be due: compute those
        failed = self.env["after_sales.reliability.report"]._read_group([], ["equipment_id"])
        units = self.env["after_sales.equipment"].browse([unit.id for (unit,) in failed])
        due = units.filtered("reliability_attention")
        if positive:
            return [("id", "in", due.ids)]
        return [("id", "not in", due.ids)]

    def _reliability_attention_reason(self, mine, fleet, repeating):
        """Why the unit is due for attention (empty: it is not), from its and its product's figures."""
        self.ensure_one()
        if repeating:
            return self.env._("A failure of the last %s days repeats an earlier one.", ATTENTION_REPEAT_DAYS)
        if (mine.get("failures") or 0) < ATTENTION_MIN_FAILURES:
            return ""
        per_hours = self.env._("failures per 1,000 h")
        per_year = self.env._("failures per unit-year")
        for key, label in [("failures_per_1000_hours", per_hours), ("failures_per_unit_year", per_year)]:
            own, product = mine.get(key), fleet.get(key)
            if own is None or product is None:
                continue
            if own > ATTENTION_RATE_FACTOR * product:
                return self.env._(
                    "%(own)s %(label)s against %(product)s for the product.",
                    own=round(own, 2),
                    label=label,
                    product=round(product, 2),
                )
            return ""
        return ""

    @api.model
    def _reliability_recent_repeats(self, units):
        """Ids of ``units`` with a failure received in the last 90 days that repeats within 90 days."""
        if not units:
            return set()
        since = fields.Datetime.now() - datetime.timedelta(days=ATTENTION_REPEAT_DAYS)
        groups = self.env["after_sales.reliability.report"]._read_group(
            [
                ("equipment_id", "in", units.ids),
                ("is_repeat_90", "=", True),
                ("date_open", ">=", since),
            ],
            ["equipment_id"],
        )
        return {unit.id for (unit,) in groups}

    def action_view_reliability(self):
        """The unit's failures in the Reliability Analysis."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_service.after_sales_reliability_report_action"
        )
        action["domain"] = [("equipment_id", "=", self.id)]
        action["context"] = {}
        action["view_mode"] = "list,pivot,graph"
        action["views"] = [(False, "list"), (False, "pivot"), (False, "graph")]
        return action
