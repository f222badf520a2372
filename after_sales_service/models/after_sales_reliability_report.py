from odoo import fields, models, tools
from odoo.orm.models import regex_order_part_read_group
from odoo.tools import SQL

from .after_sales_reliability import AGE_BANDS, HOURS_BANDS
from .after_sales_request import REQUEST_TYPES


class AfterSalesReliabilityReport(models.Model):
    """Reliability Analysis: one row per failure of a unit (see ``after_sales.reliability``).

    The component is the first part replaced under the failure (its done part lines, by sequence);
    the age and the operating hours are the unit's on the day the failure was received.
    """

    _name = "after_sales.reliability.report"
    _description = "Reliability Analysis"
    _auto = False
    _order = "date_open desc, id desc"
    _rec_name = "name"
    _depends = {
        "after_sales.request": [
            "name",
            "date_open",
            "partner_id",
            "equipment_id",
            "cause_id",
            "request_type",
            "stage_id",
            "company_id",
            "resolution_time",
            "is_resolved",
            "sla_resolution_date",
            "equipment_hours",
            "equipment_hours_known",
            "reliability_earlier_open",
            "reliability_earlier_resolved",
            "reliability_next_open",
            "reliability_parts_qty",
        ],
        "after_sales.request.stage": ["is_cancel"],
        "after_sales.cause": ["is_failure"],
        "after_sales.request.line": ["request_id", "line_type", "product_id", "quantity", "done", "sequence"],
        "after_sales.visit": ["request_id", "state", "check_in", "check_out"],
        "after_sales.meter.reading": ["equipment_id", "date", "hours"],
        "after_sales.equipment": [
            "product_id",
            "site_partner_id",
            "commissioning_date",
            "delivery_date",
            "decommissioning_date",
            "state",
        ],
        "res.partner": ["state_id", "country_id"],
        "res.company": ["currency_id"],
    }

    request_id = fields.Many2one("after_sales.request", readonly=True)
    name = fields.Char(string="Number", readonly=True)
    date_open = fields.Datetime(string="Received", readonly=True)
    failure_date = fields.Date(readonly=True, help="The day the failure was received (UTC).")
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    equipment_id = fields.Many2one("after_sales.equipment", string="Unit", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    product_tmpl_id = fields.Many2one("product.template", string="Product Template", readonly=True)
    product_categ_id = fields.Many2one("product.category", string="Product Category", readonly=True)
    cause_id = fields.Many2one("after_sales.cause", readonly=True)
    request_type = fields.Selection(REQUEST_TYPES, string="Type", readonly=True)
    component_id = fields.Many2one(
        "product.product", readonly=True, help="The first part replaced under the failure."
    )
    component_categ_id = fields.Many2one("product.category", string="Component Category", readonly=True)
    state_id = fields.Many2one(
        "res.country.state", string="Region", readonly=True, help="Of the unit's site, else of the customer."
    )
    country_id = fields.Many2one("res.country", readonly=True)
    service_start_date = fields.Date(readonly=True)
    age_band = fields.Selection(
        AGE_BANDS, readonly=True, help="The unit's age when the failure was received."
    )
    hours_at_failure = fields.Float(
        string="Hours at Failure",
        aggregator="avg",
        readonly=True,
        help="The unit's operating hours on the day of the failure, from its readings.",
    )
    hours_band = fields.Selection(
        [(code, label) for code, label, _lower in HOURS_BANDS],
        readonly=True,
        help="Empty when the unit has no meter reading.",
    )
    has_hours = fields.Boolean(
        string="Hours Known",
        readonly=True,
        help="The unit has meter readings: its hours at failure are known.",
    )
    nbr = fields.Integer(string="# of Failures", aggregator="sum", readonly=True)
    parts_qty = fields.Float(
        string="Parts Replaced", aggregator="sum", readonly=True, help="Quantity of the done part lines."
    )
    repair_time = fields.Float(
        string="Repair Time (h)",
        aggregator="avg",
        readonly=True,
        help="Hours from reception to resolution (MTTR), averaged over resolved failures.",
    )
    onsite_hours = fields.Float(
        string="On-site Hours",
        aggregator="sum",
        readonly=True,
        help="Hours from check-in to check-out of the failure's visits.",
    )
    visit_count = fields.Integer(string="# of Visits", aggregator="sum", readonly=True)
    is_repeat_30 = fields.Boolean(
        string="Repeat within 30 Days",
        readonly=True,
        help="An earlier failure of the same unit and cause was resolved (or is open) less than "
        "30 days before this one was received.",
    )
    is_repeat_90 = fields.Boolean(string="Repeat within 90 Days", readonly=True)
    repeat_30_count = fields.Integer(string="# Repeats (30 Days)", aggregator="sum", readonly=True)
    repeat_90_count = fields.Integer(string="# Repeats (90 Days)", aggregator="sum", readonly=True)
    repeat_rate_30 = fields.Float(string="Repeat Rate 30 Days (%)", aggregator="avg", readonly=True)
    repeat_rate_90 = fields.Float(string="Repeat Rate 90 Days (%)", aggregator="avg", readonly=True)
    is_first_time_fix = fields.Boolean(
        string="First-time Fix",
        readonly=True,
        help="Resolved with at most one visit, and no failure of the same unit and cause received "
        "within 30 days of the resolution.",
    )
    first_time_fix_rate = fields.Float(
        string="First-time Fix Rate (%)",
        aggregator="avg",
        readonly=True,
        help="Share of the resolved failures fixed the first time.",
    )
    is_resolved = fields.Boolean(string="Resolved", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )

    def _read_group_orderby(self, order, groupby_terms, query):
        """Groups of a band (age, hours) in the band's order, not the text order of its code
        ("10000_20000" would come before "2500_5000")."""
        bands = [name for name in ("age_band", "hours_band") if name in groupby_terms]
        if not bands:
            return super()._read_group_orderby(order, groupby_terms, query)
        terms = []
        for part in (order or ",".join(groupby_terms)).split(","):
            match = regex_order_part_read_group.fullmatch(part)
            if not match or match["term"] not in bands:
                terms.append(super()._read_group_orderby(part, groupby_terms, query))
                continue
            codes = [code for code, _label in self._fields[match["term"]].selection]
            terms.append(
                SQL(
                    "array_position(%s::varchar[], %s::varchar) %s %s",
                    codes,
                    groupby_terms[match["term"]],
                    SQL("DESC" if (match["direction"] or "").upper() == "DESC" else "ASC"),
                    SQL(match["nulls"].upper()) if match["nulls"] else SQL(),
                )
            )
        return SQL(", ").join(term for term in terms if term)

    def _query(self):
        return SQL(
            "SELECT %s FROM %s WHERE %s",
            self._select(),
            self._from(),
            self.env["after_sales.reliability"]._sql_is_failure("r", "cause", "stage"),
        )

    def _sql_repeat(self, days):
        """The failure ``r`` repeats an earlier one of its unit and cause within ``days``: one of
        the earlier ones is still open, or the latest resolution of them is less than ``days``
        before it was received (stored on the request: ``after_sales.request.reliability.mixin``)."""
        return SQL(
            "(r.reliability_earlier_open IS TRUE "
            "OR COALESCE(r.reliability_earlier_resolved > r.date_open - %s * INTERVAL '1 day', FALSE))",
            days,
        )

    def _select(self):
        """Columns of the view (a hook for sibling modules: extend with ``super()``)."""
        age_band = SQL(
            """CASE
                WHEN dates.age_days < 365 THEN '0_1'
                WHEN dates.age_days < 730 THEN '1_2'
                WHEN dates.age_days < 1095 THEN '2_3'
                WHEN dates.age_days < 1825 THEN '3_5'
                ELSE '5_plus'
            END"""
        )
        hours_band = SQL(
            "CASE %s END",
            SQL(" ").join(
                SQL("WHEN hours.at_failure >= %s THEN %s", lower, code)
                for code, _label, lower in reversed(HOURS_BANDS)
            ),
        )
        # the next failure of the same unit and cause (stored on the request) gives the return
        first_time_fix = self.env["after_sales.reliability"]._sql_is_first_time_fix(
            "r", SQL("visits.nbr"), next_open=SQL("r.reliability_next_open")
        )
        return SQL(
            """
                r.id AS id,
                r.id AS request_id,
                r.name AS name,
                r.date_open AS date_open,
                dates.day AS failure_date,
                r.company_id AS company_id,
                company.currency_id AS currency_id,
                r.partner_id AS partner_id,
                r.equipment_id AS equipment_id,
                unit.product_id AS product_id,
                template.id AS product_tmpl_id,
                template.categ_id AS product_categ_id,
                r.cause_id AS cause_id,
                r.request_type AS request_type,
                component.product_id AS component_id,
                component_template.categ_id AS component_categ_id,
                COALESCE(site.state_id, customer.state_id) AS state_id,
                COALESCE(site.country_id, customer.country_id) AS country_id,
                dates.start_day AS service_start_date,
                %(age_band)s AS age_band,
                hours.at_failure AS hours_at_failure,
                %(hours_band)s AS hours_band,
                hours.at_failure IS NOT NULL AS has_hours,
                1 AS nbr,
                r.reliability_parts_qty AS parts_qty,
                CASE WHEN r.is_resolved IS TRUE AND r.sla_resolution_date IS NOT NULL
                    THEN r.resolution_time END AS repair_time,
                COALESCE(visits.onsite_hours, 0) AS onsite_hours,
                COALESCE(visits.nbr, 0) AS visit_count,
                repeats.in_30 AS is_repeat_30,
                repeats.in_90 AS is_repeat_90,
                repeats.in_30::int AS repeat_30_count,
                repeats.in_90::int AS repeat_90_count,
                CASE WHEN repeats.in_30 THEN 100.0 ELSE 0.0 END AS repeat_rate_30,
                CASE WHEN repeats.in_90 THEN 100.0 ELSE 0.0 END AS repeat_rate_90,
                (%(first_time_fix)s) AS is_first_time_fix,
                CASE WHEN r.is_resolved IS TRUE AND r.sla_resolution_date IS NOT NULL
                    THEN CASE WHEN %(first_time_fix)s THEN 100.0 ELSE 0.0 END
                END AS first_time_fix_rate,
                r.is_resolved IS TRUE AS is_resolved
            """,
            age_band=age_band,
            hours_band=hours_band,
            first_time_fix=first_time_fix,
        )

    def _from(self):
        """Tables of the view (a hook for sibling modules: extend with ``super()``)."""
        reliability = self.env["after_sales.reliability"]
        return SQL(
            """
                after_sales_request r
                JOIN after_sales_cause cause ON cause.id = r.cause_id
                JOIN after_sales_request_stage stage ON stage.id = r.stage_id
                -- the unit (a failure has one, see the WHERE clause), the company: columns with
                -- foreign keys, these always match; LEFT JOINs that a query not reading them leaves
                -- out (PostgreSQL's join removal), as the parts' component
                LEFT JOIN after_sales_equipment unit ON unit.id = r.equipment_id
                LEFT JOIN res_company company ON company.id = r.company_id
                LEFT JOIN product_product product ON product.id = unit.product_id
                LEFT JOIN product_template template ON template.id = product.product_tmpl_id
                LEFT JOIN res_partner customer ON customer.id = r.partner_id
                LEFT JOIN res_partner site ON site.id = unit.site_partner_id
                CROSS JOIN LATERAL (
                    SELECT %(start)s AS start_day, (r.date_open)::date AS day,
                           (r.date_open)::date - %(start)s AS age_days
                ) dates
                LEFT JOIN (
                    SELECT line.request_id,
                           (ARRAY_AGG(line.product_id ORDER BY line.sequence, line.id))[1] AS product_id
                      FROM after_sales_request_line line
                     WHERE line.line_type = 'part' AND line.done IS TRUE AND line.product_id IS NOT NULL
                     GROUP BY line.request_id
                ) component ON component.request_id = r.id
                LEFT JOIN product_product component_product ON component_product.id = component.product_id
                LEFT JOIN product_template component_template
                    ON component_template.id = component_product.product_tmpl_id
                LEFT JOIN (
                    SELECT visit.request_id, COUNT(*) AS nbr,
                           SUM(EXTRACT(EPOCH FROM visit.check_out - visit.check_in) / 3600.0)
                               AS onsite_hours
                      FROM after_sales_visit visit
                     WHERE visit.state != 'cancelled'
                     GROUP BY visit.request_id
                ) visits ON visits.request_id = r.id
                CROSS JOIN LATERAL (
                    SELECT CASE WHEN r.equipment_hours_known THEN r.equipment_hours END AS at_failure
                ) hours
                CROSS JOIN LATERAL (SELECT %(repeat_30)s AS in_30, %(repeat_90)s AS in_90) repeats
            """,
            start=reliability._sql_service_start("unit"),
            repeat_30=self._sql_repeat(30),
            repeat_90=self._sql_repeat(90),
        )
