from odoo import fields, models, tools
from odoo.tools import SQL

from .after_sales_dealer_claim import CLAIM_STATES
from .after_sales_dealer_claim_line import CLAIM_COVERAGE, DECISIONS, LINE_TYPES


class AfterSalesDealerClaimReport(models.Model):
    """Dealer Claims Analysis: one row per line of a submitted dealer claim.

    Amounts are in the company's currency, converted from the claim's at the rate of the
    repair day (the day the claim was priced). Approval figures count only lines of decided
    claims: the approval rate is the share of decided lines approved (in full or in part), the
    approved share of the amount is the approved amount over the claimed amount of the decided
    lines. Days are claim figures: averaged per claim, not per line (a claim counts once in each
    group it has lines in), so a claim of ten lines counts as much as a claim of one. Labour is compared
    with the norm hours of its operation, on labour lines that have a norm.
    Drafts are the dealer's until submitted: they are not claims yet and do not show.
    """

    _name = "after_sales.dealer.claim.report"
    _description = "Dealer Claims Analysis"
    _auto = False
    _order = "repair_date desc, name desc, id"
    _rec_name = "name"
    # flushed before the view is read: pending writes of these show at once
    _depends = {
        "after_sales.dealer.claim": [
            "name",
            "company_id",
            "currency_id",
            "dealer_id",
            "equipment_id",
            "unit_serial",
            "unit_product_id",
            "cause_id",
            "repair_date",
            "submit_date",
            "decision_date",
            "review_state",
            "state",
        ],
        "after_sales.dealer.claim.line": [
            "claim_id",
            "sequence",
            "name",
            "line_type",
            "operation_id",
            "product_id",
            "hours",
            "norm_hours",
            "norm_exceeded",
            "amount_claimed",
            "coverage",
            "decision",
            "approved_qty",
            "approved_amount",
        ],
        "after_sales.equipment": ["product_id", "lot_id"],
        "stock.lot": ["name"],
        "product.product": ["product_tmpl_id"],
        "product.template": ["categ_id"],
        "res.company": ["currency_id", "parent_path"],
        "res.currency.rate": ["currency_id", "company_id", "name", "rate"],
    }

    claim_line_id = fields.Many2one("after_sales.dealer.claim.line", readonly=True)
    claim_id = fields.Many2one("after_sales.dealer.claim", readonly=True)
    name = fields.Char(string="Claim Number", readonly=True)
    line_name = fields.Char(string="Line", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True, help="The company's currency.")
    claim_currency_id = fields.Many2one("res.currency", readonly=True)
    dealer_id = fields.Many2one("res.partner", readonly=True)
    equipment_id = fields.Many2one("after_sales.equipment", string="Unit", readonly=True)
    unit_serial = fields.Char(string="Serial Number", readonly=True)
    unit_product_id = fields.Many2one("product.product", readonly=True)
    unit_categ_id = fields.Many2one("product.category", readonly=True)
    part_id = fields.Many2one("product.product", readonly=True)
    line_type = fields.Selection(LINE_TYPES, string="Type", readonly=True)
    operation_id = fields.Many2one("after_sales.labour.operation", readonly=True)
    cause_id = fields.Many2one("after_sales.cause", readonly=True)
    repair_date = fields.Date(string="Repaired On", readonly=True)
    submit_date = fields.Date(string="Submitted On", readonly=True)
    decision_date = fields.Date(string="Decided On", readonly=True)
    state = fields.Selection(CLAIM_STATES, string="Claim Status", readonly=True)
    coverage = fields.Selection(CLAIM_COVERAGE, readonly=True)
    decision = fields.Selection(
        DECISIONS, readonly=True, help="The line's decision once its claim is decided."
    )
    is_decided = fields.Boolean(string="Decided", readonly=True)
    is_approved = fields.Boolean(
        string="Approved", readonly=True, help="Approved in full or in part on a decided claim."
    )
    norm_exceeded = fields.Boolean(string="Above Norm", readonly=True)
    nbr = fields.Integer(string="# of Lines", aggregator="sum", readonly=True)
    decided_count = fields.Integer(string="# of Decided Lines", aggregator="sum", readonly=True)
    approved_count = fields.Integer(string="# of Approved Lines", aggregator="sum", readonly=True)
    approval_rate = fields.Float(
        string="Approval Rate (%)",
        aggregator="avg",
        readonly=True,
        help="Share of the decided lines approved in full or in part; lines of claims not decided "
        "yet do not count.",
    )
    amount_claimed = fields.Monetary(currency_field="currency_id", aggregator="sum", readonly=True)
    amount_decided = fields.Monetary(
        string="Amount Claimed (Decided)",
        currency_field="currency_id",
        aggregator="sum",
        readonly=True,
        help="Amount claimed on the lines of decided claims.",
    )
    amount_approved = fields.Monetary(
        currency_field="currency_id",
        aggregator="sum",
        readonly=True,
        help="Amount approved on the lines of decided claims.",
    )
    amount_refused = fields.Monetary(
        currency_field="currency_id",
        aggregator="sum",
        readonly=True,
        help="Claimed but not approved, on the lines of decided claims (rejected or cut to the norm).",
    )
    amount_approval_rate = fields.Float(
        string="Approved Share of Amount (%)",
        aggregator="avg",
        readonly=True,
        help="Amount approved over the amount claimed on the lines of decided claims.",
    )
    amount_claimed_currency = fields.Monetary(
        string="Amount Claimed in Claim Currency",
        currency_field="claim_currency_id",
        aggregator=None,
        readonly=True,
    )
    amount_approved_currency = fields.Monetary(
        string="Amount Approved in Claim Currency",
        currency_field="claim_currency_id",
        aggregator=None,
        readonly=True,
    )
    hours = fields.Float(string="Hours Claimed", aggregator="sum", readonly=True)
    norm_hours = fields.Float(aggregator="sum", readonly=True, help="Norm hours of the labour claimed.")
    approved_hours = fields.Float(string="Hours Approved", aggregator="sum", readonly=True)
    hours_over_norm = fields.Float(
        string="Hours Above Norm",
        aggregator="sum",
        readonly=True,
        help="Hours claimed above the norm of their operation.",
    )
    hours_norm_ratio = fields.Float(
        string="Hours Claimed vs Norm (%)",
        aggregator="avg",
        readonly=True,
        help="Hours claimed over the norm hours, on labour lines whose operation has a norm.",
    )
    days_to_claim = fields.Float(
        string="Days Repair to Claim",
        aggregator="avg",
        readonly=True,
        help="Days from the repair to the submission of the claim, averaged per claim.",
    )
    days_to_decision = fields.Float(
        string="Days Claim to Decision",
        aggregator="avg",
        readonly=True,
        help="Days from the submission of the claim to its decision, averaged per decided claim.",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )

    def _query(self):
        return SQL("SELECT %s FROM %s WHERE %s", self._select(), self._from(), self._where())

    def _select(self):
        """Columns of the view (a hook for sibling modules: extend with ``super()``).

        Tables: ``l`` the claim line, ``c`` its claim, ``company``, ``unit``, ``lot``,
        ``unit_product``, ``unit_tmpl``, ``fx`` (see ``_select_currency_rate``).
        """
        decided = SQL("c.review_state = 'decided'")
        approved = SQL(
            "(%s AND l.decision IN ('approve', 'adjust') AND COALESCE(l.approved_qty, 0) > 0)", decided
        )
        labour = SQL("l.line_type = 'labour'")
        claimed = SQL("COALESCE(l.amount_claimed, 0)")
        granted = SQL("CASE WHEN %s THEN COALESCE(l.approved_amount, 0) ELSE 0 END", approved)
        rate = self._select_currency_rate()
        norm = SQL("CASE WHEN %s THEN COALESCE(l.norm_hours, 0) ELSE 0 END", labour)
        return SQL(
            """
                l.id AS id,
                l.id AS claim_line_id,
                c.id AS claim_id,
                c.name AS name,
                l.name AS line_name,
                c.company_id AS company_id,
                company.currency_id AS currency_id,
                COALESCE(c.currency_id, company.currency_id) AS claim_currency_id,
                c.dealer_id AS dealer_id,
                c.equipment_id AS equipment_id,
                COALESCE(lot.name, c.unit_serial) AS unit_serial,
                COALESCE(unit.product_id, c.unit_product_id) AS unit_product_id,
                unit_tmpl.categ_id AS unit_categ_id,
                CASE WHEN l.line_type = 'part' THEN l.product_id END AS part_id,
                l.line_type AS line_type,
                l.operation_id AS operation_id,
                c.cause_id AS cause_id,
                c.repair_date AS repair_date,
                c.submit_date AS submit_date,
                c.decision_date AS decision_date,
                c.state AS state,
                l.coverage AS coverage,
                CASE WHEN %(decided)s THEN l.decision END AS decision,
                %(decided)s AS is_decided,
                %(approved)s AS is_approved,
                COALESCE(l.norm_exceeded, FALSE) AS norm_exceeded,
                1 AS nbr,
                (%(decided)s)::int AS decided_count,
                (%(approved)s)::int AS approved_count,
                CASE WHEN %(decided)s THEN CASE WHEN %(approved)s THEN 100.0 ELSE 0.0 END END
                    AS approval_rate,
                %(claimed)s * %(rate)s AS amount_claimed,
                CASE WHEN %(decided)s THEN %(claimed)s * %(rate)s ELSE 0 END AS amount_decided,
                %(granted)s * %(rate)s AS amount_approved,
                CASE WHEN %(decided)s THEN (%(claimed)s - %(granted)s) * %(rate)s ELSE 0 END
                    AS amount_refused,
                CASE WHEN %(decided)s AND %(claimed)s > 0 THEN 100.0 * %(granted)s / %(claimed)s END
                    AS amount_approval_rate,
                %(claimed)s AS amount_claimed_currency,
                %(granted)s AS amount_approved_currency,
                CASE WHEN %(labour)s THEN COALESCE(l.hours, 0) ELSE 0 END AS hours,
                %(norm)s AS norm_hours,
                CASE WHEN %(labour)s AND %(approved)s THEN l.approved_qty ELSE 0 END AS approved_hours,
                CASE WHEN %(norm)s > 0 THEN GREATEST(COALESCE(l.hours, 0) - %(norm)s, 0) ELSE 0 END
                    AS hours_over_norm,
                CASE WHEN %(norm)s > 0 THEN 100.0 * COALESCE(l.hours, 0) / %(norm)s END AS hours_norm_ratio,
                c.submit_date - c.repair_date AS days_to_claim,
                CASE WHEN %(decided)s THEN c.decision_date - c.submit_date END AS days_to_decision
            """,
            decided=decided,
            approved=approved,
            labour=labour,
            claimed=claimed,
            granted=granted,
            rate=rate,
            norm=norm,
        )

    def _select_currency_rate(self):
        """Factor from the claim's currency to the company's on the repair day (Odoo's rates:
        the company's own, else the shared ones; the first known rate before any).

        Read from ``fx``, which holds only the claims in another currency than their company's:
        the rate lookups run (and are costed by the planner) for those alone, not per line.
        """
        return SQL("COALESCE(fx.factor, 1.0)")

    def _from_currency_rates(self):
        """``fx``: the repair day's factor of each claim in a foreign currency (see above)."""

        def rate_of(currency):
            rates = SQL(
                """
                    SELECT r.rate FROM res_currency_rate r
                     WHERE r.currency_id = %(currency)s
                       AND (r.company_id IS NULL
                            OR r.company_id = split_part(fx_company.parent_path, '/', 1)::int)
                """,
                currency=currency,
            )
            return SQL(
                """COALESCE(
                    (%(rates)s AND r.name <= fx_claim.repair_date ORDER BY r.company_id, r.name DESC LIMIT 1),
                    (%(rates)s ORDER BY r.company_id, r.name ASC LIMIT 1),
                    1.0)""",
                rates=rates,
            )

        return SQL(
            """
                SELECT fx_claim.id AS claim_id, %s / %s AS factor
                  FROM after_sales_dealer_claim fx_claim
                  JOIN res_company fx_company ON fx_company.id = fx_claim.company_id
                 WHERE fx_claim.currency_id != fx_company.currency_id
            """,
            rate_of(SQL("fx_company.currency_id")),
            rate_of(SQL("fx_claim.currency_id")),
        )

    def _from(self):
        """Tables of the view (a hook for sibling modules: extend with ``super()``)."""
        return SQL(
            """
                after_sales_dealer_claim_line l
                JOIN after_sales_dealer_claim c ON c.id = l.claim_id
                JOIN res_company company ON company.id = c.company_id
                LEFT JOIN after_sales_equipment unit ON unit.id = c.equipment_id
                LEFT JOIN stock_lot lot ON lot.id = unit.lot_id
                LEFT JOIN product_product unit_product
                    ON unit_product.id = COALESCE(unit.product_id, c.unit_product_id)
                LEFT JOIN product_template unit_tmpl ON unit_tmpl.id = unit_product.product_tmpl_id
                LEFT JOIN (%s) fx ON fx.claim_id = c.id
            """,
            self._from_currency_rates(),
        )

    def _where(self):
        """Rows of the view: lines of submitted claims (a hook for sibling modules)."""
        return SQL("c.review_state != 'draft'")

    def _get_claim_averaged_fields(self):
        """Figures of the claim on each of its lines, averaged per claim, not per line (a hook)."""
        return ("days_to_claim", "days_to_decision")

    def _read_group_select(self, aggregate_spec, query):
        """Ratios of sums where an average of the rows' ratios would mislead, and claim averages.

        ``amount_approval_rate``: approved over claimed amount of the decided lines;
        ``hours_norm_ratio``: hours claimed over norm hours of the labour lines with a norm;
        the fields of ``_get_claim_averaged_fields``: averaged over the claims that have lines in
        the group, each once.
        """
        fname, __, func = aggregate_spec.partition(":")
        if func != "avg":
            return super()._read_group_select(aggregate_spec, query)

        def column(name):
            return self._field_to_sql(self._table, name, query)

        if fname == "amount_approval_rate":
            return SQL(
                "100.0 * SUM(%s) / NULLIF(SUM(%s), 0)", column("amount_approved"), column("amount_decided")
            )
        if fname == "hours_norm_ratio":
            return SQL(
                "100.0 * SUM(CASE WHEN %(norm)s > 0 THEN %(hours)s END) / NULLIF(SUM(%(norm)s), 0)",
                norm=column("norm_hours"),
                hours=column("hours"),
            )
        if fname in self._get_claim_averaged_fields():
            # one value per claim of the group (the same on each of its lines), then their average
            return SQL(
                """(SELECT AVG(per_claim.value::float) FROM jsonb_each_text(
                    jsonb_object_agg(%(claim)s, %(value)s) FILTER (WHERE %(value)s IS NOT NULL)
                ) per_claim)""",
                claim=column("claim_id"),
                value=column(fname),
            )
        return super()._read_group_select(aggregate_spec, query)
