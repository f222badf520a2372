import datetime

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL

DAYS_PER_YEAR = 365
REPEAT_WINDOWS = (30, 90)
FIRST_TIME_FIX_DAYS = 30
# up to this many units, the failures of a fleet are read by the units' ids
SMALL_FLEET = 10000

AGE_BANDS = [
    ("0_1", "Under 1 year"),
    ("1_2", "1 to 2 years"),
    ("2_3", "2 to 3 years"),
    ("3_5", "3 to 5 years"),
    ("5_plus", "5 years and more"),
]
# (code, label, lower bound in hours); the last band has no upper bound
HOURS_BANDS = [
    ("0_1000", "Under 1,000 h", 0),
    ("1000_2500", "1,000 to 2,500 h", 1000),
    ("2500_5000", "2,500 to 5,000 h", 2500),
    ("5000_10000", "5,000 to 10,000 h", 5000),
    ("10000_20000", "10,000 to 20,000 h", 10000),
    ("20000_plus", "20,000 h and more", 20000),
]


class AfterSalesReliability(models.AbstractModel):
    """Reliability of the installed base: the definitions and the fleet figures.

    Definitions (the same in the Reliability Analysis view, the fleet figures and a unit's health):

    - A *failure* is a request on a unit whose cause is a failure cause (``is_failure``), unless
      the request is cancelled. Archived requests count, as in the Request Analysis.
    - A unit is *at risk* (in service) from its service start, the commissioning date, else the
      delivery date, else the day it was registered, to its decommissioning date (a decommissioned
      unit without one: the day it was last written). A period ``[date_from, date_to]`` counts the
      days of ``[max(start, date_from), min(end, date_to + 1, today + 1))``, days at risk; a
      unit-year is 365 unit-days.
    - The operating hours ``H(d)`` of a unit on day ``d`` come from its meter readings: linear
      between the readings around ``d`` (a reading dated ``d`` holds on ``d``); before the first
      reading, linear from 0 h on the service start to the first reading; after the last reading,
      at the unit's average daily hours (last reading's hours / days from the service start to it).
      A unit without readings has no known hours: it and its failures stay out of the figures per
      operating hour. The hours in a period are ``H(end) - H(start)`` of its days at risk.
    - A failure is a *repeat* within N days (30, 90) when an earlier failure of the same unit with
      the same cause was resolved (or is still open) less than N days before it was opened.
    - A failure is a *first-time fix* when it is resolved with at most one on-site visit (cancelled
      visits do not count) and no failure of the same unit and cause opened within 30 days of its
      resolution.
    """

    _name = "after_sales.reliability"
    _description = "Reliability Figures"

    # ------------------------------------------------------------ SQL building blocks

    @api.model
    def _sql_is_failure(self, request, cause, stage):
        """Condition on the aliases of a request, its cause and stage: the request is a failure."""
        return SQL(
            "%s.equipment_id IS NOT NULL AND %s.is_failure IS TRUE AND %s.is_cancel IS NOT TRUE",
            SQL.identifier(request),
            SQL.identifier(cause),
            SQL.identifier(stage),
        )

    @api.model
    def _sql_visit_count(self, request):
        """The number of on-site visits (not cancelled) of the request aliased ``request``."""
        return SQL(
            "(SELECT COUNT(*) FROM after_sales_visit visit "
            "WHERE visit.request_id = %s.id AND visit.state != 'cancelled')",
            SQL.identifier(request),
        )

    @api.model
    def _sql_is_first_time_fix(self, request, visit_count=None, next_open=None):
        """Condition on the request aliased ``request``: it is a first-time fix (see the class).

        ``visit_count``: the SQL of its visits' number, when the query has it already (else
        ``_sql_visit_count``); ``next_open``: the SQL of when the next request of the same unit and
        cause (not cancelled, in the order received) came, when the query has it already (a window
        over the requests; else a subquery looks for one). The one definition of the Reliability
        Analysis, the fleet figures and the suggestions of standard solutions.
        """
        if next_open is not None:
            returned = SQL(
                "COALESCE(%(next)s < %(r)s.sla_resolution_date + %(days)s * INTERVAL '1 day', FALSE)",
                next=next_open,
                r=SQL.identifier(request),
                days=FIRST_TIME_FIX_DAYS,
            )
        else:
            returned = SQL(
                """EXISTS (
                    SELECT 1 FROM after_sales_request n
                      JOIN after_sales_request_stage n_stage ON n_stage.id = n.stage_id
                     WHERE n.equipment_id = %(r)s.equipment_id AND n.cause_id = %(r)s.cause_id
                       AND n_stage.is_cancel IS NOT TRUE
                       AND (n.date_open > %(r)s.date_open
                            OR (n.date_open = %(r)s.date_open AND n.id > %(r)s.id))
                       AND n.date_open < %(r)s.sla_resolution_date + %(days)s * INTERVAL '1 day'
                )""",
                r=SQL.identifier(request),
                days=FIRST_TIME_FIX_DAYS,
            )
        return SQL(
            """%(r)s.is_resolved IS TRUE AND %(r)s.sla_resolution_date IS NOT NULL
                AND COALESCE(%(visits)s, 0) <= 1
                AND NOT %(returned)s""",
            r=SQL.identifier(request),
            visits=visit_count if visit_count is not None else self._sql_visit_count(request),
            returned=returned,
        )

    @api.model
    def _sql_service_start(self, unit):
        """The service start date of the unit aliased ``unit``."""
        return SQL(
            "COALESCE(%(u)s.commissioning_date, %(u)s.delivery_date, (%(u)s.create_date)::date)",
            u=SQL.identifier(unit),
        )

    @api.model
    def _sql_service_end(self, unit):
        """The end of service of the unit aliased ``unit`` (NULL: still in service)."""
        return SQL(
            "COALESCE(%(u)s.decommissioning_date, "
            "CASE WHEN %(u)s.state = 'decommissioned' THEN (%(u)s.write_date)::date END)",
            u=SQL.identifier(unit),
        )

    @api.model
    def _sql_hours_at(self, alias, unit_id, start, day):
        """(joins, expression): the operating hours of unit ``unit_id`` on ``day``, see the class.

        ``alias`` prefixes the two lateral joins (the readings before and after ``day``); the
        joins must follow the tables that ``unit_id``, ``start`` and ``day`` refer to.
        """
        prev, nxt = SQL.identifier(f"{alias}_prev"), SQL.identifier(f"{alias}_next")
        joins = SQL(
            """
            LEFT JOIN LATERAL (
                SELECT rd.date, rd.hours FROM after_sales_meter_reading rd
                 WHERE rd.equipment_id = %(unit)s AND rd.date <= %(day)s
                 ORDER BY rd.date DESC, rd.hours DESC LIMIT 1
            ) %(prev)s ON TRUE
            LEFT JOIN LATERAL (
                SELECT rd.date, rd.hours FROM after_sales_meter_reading rd
                 WHERE rd.equipment_id = %(unit)s AND rd.date > %(day)s
                 ORDER BY rd.date, rd.hours LIMIT 1
            ) %(next)s ON TRUE
            """,
            unit=unit_id,
            day=day,
            prev=prev,
            next=nxt,
        )
        expression = self._sql_hours_between(
            SQL("%s.date", prev), SQL("%s.hours", prev), SQL("%s.date", nxt), SQL("%s.hours", nxt), start, day
        )
        return joins, expression

    @api.model
    def _sql_hours_between(self, prev_date, prev_hours, next_date, next_hours, start, day):
        """The operating hours on ``day`` (see the class) from the readings around it: the last one
        dated on or before ``day`` and the first one after it (their dates NULL when there is none);
        ``start``: the unit's service start."""
        return SQL(
            """
            CASE
                WHEN %(prev_date)s IS NOT NULL AND %(next_date)s IS NOT NULL
                    THEN %(prev_hours)s + (%(next_hours)s - %(prev_hours)s)
                        * (%(day)s - %(prev_date)s) / (%(next_date)s - %(prev_date)s)
                WHEN %(prev_date)s IS NOT NULL AND %(prev_date)s > %(start)s
                    THEN %(prev_hours)s
                        + %(prev_hours)s * (%(day)s - %(prev_date)s) / (%(prev_date)s - %(start)s)
                WHEN %(prev_date)s IS NOT NULL THEN %(prev_hours)s
                WHEN %(next_date)s IS NOT NULL AND %(next_date)s > %(start)s
                    THEN %(next_hours)s * GREATEST(%(day)s - %(start)s, 0) / (%(next_date)s - %(start)s)
                WHEN %(next_date)s IS NOT NULL THEN 0.0
            END
            """,
            prev_date=prev_date,
            prev_hours=prev_hours,
            next_date=next_date,
            next_hours=next_hours,
            day=day,
            start=start,
        )

    @api.model
    def _sql_readings_arrays(self, unit_ids):
        """SQL of a table (equipment_id, dates, hours): each unit's readings as two arrays sorted by
        date then hours, for the units of the SQL ``unit_ids`` (a subquery), as the readings keep
        them (``after_sales.meter.reading._refresh_series``): ``_sql_hours_in_arrays`` gives the
        hours on any number of days from them. A unit without readings has no row."""
        return SQL(
            "SELECT series.equipment_id, series.dates, series.hours FROM %s series "
            "WHERE series.equipment_id IN (%s)",
            SQL.identifier(self.env["after_sales.meter.reading"]._series_table),
            unit_ids,
        )

    @api.model
    def _sql_hours_in_arrays(self, dates, hours, start, day):
        """The operating hours on ``day`` (see the class) from a unit's readings as arrays
        (``_sql_readings_arrays``; NULL arrays: no reading, no hours). The reading before is the last
        one dated on or before ``day``, of the highest hours among that date's (``width_bucket``: a
        binary search of the sorted dates), the one after is the next (the lowest hours of the next
        date): the same readings as ``_sql_hours_at``'s. An array read out of its bounds is NULL."""
        bucket = SQL("width_bucket(%s, %s)", day, dates)
        return SQL(
            "(SELECT %s FROM (SELECT %s AS k OFFSET 0) bucket)",
            self._sql_hours_between(
                SQL("(%s)[bucket.k]", dates),
                SQL("(%s)[bucket.k]", hours),
                SQL("(%s)[bucket.k + 1]", dates),
                SQL("(%s)[bucket.k + 1]", hours),
                start,
                day,
            ),
            bucket,
        )

    # ------------------------------------------------------------ fleet figures

    @api.model
    def _get_fleet_figures(self, date_from=None, date_to=None, unit_domain=None):
        """The reliability figures of the fleet per product over ``[date_from, date_to]``.

        ``date_from`` empty: from each unit's service start; ``date_to`` empty: today. Only the
        units (``unit_domain``, read with the current user's rights) and failures the user may
        read count. Returns ``{product: {figure: value}}``, a figure None when undefined
        (nothing to divide by, or no known hours): never 0 in its place, so that nothing averages
        or shows an unknown figure as a zero.

        - ``units``: units at risk for at least one day of the period; ``units_with_hours``: those
          with meter readings;
        - ``unit_days``, ``unit_years`` (unit_days / 365), ``hours``: the operating hours of the
          units with readings (None when none has any);
        - ``failures``; ``failures_with_hours``: those of units with known hours; ``resolved``;
        - ``failures_per_1000_hours`` = failures_with_hours / hours × 1000;
        - ``failures_per_unit_year`` = failures / unit_years;
        - ``mtbf_hours`` = hours / failures_with_hours; ``mtbf_days`` = unit_days / failures;
        - ``mttr_hours``: mean hours from reception to resolution of the resolved failures;
        - ``onsite_hours``: mean on-site hours (checked-in visits) per failure;
        - ``repeat_rate_30``, ``repeat_rate_90`` = repeats within 30/90 days / failures (%);
        - ``first_time_fix_rate`` = first-time fixes / resolved failures (%);
        - ``availability`` = (unit_days × 24 - hours from reception to resolution of the resolved
          failures) / (unit_days × 24) (%): the share of the units' time in service not spent
          waiting for a repair;
        - plus what ``_get_failure_sums`` adds (the warranty module: ``warranty_cost`` and
          ``warranty_cost_per_unit`` = warranty_cost / units).

        Failures count in the days of their unit's service within the period.
        """
        windows = self._sql_unit_windows(date_from, date_to, unit_domain)
        # summed per product in the database: a whole fleet's units are not sent back one by one
        exposure = self.env.execute_query(
            SQL(
                """
                SELECT exposure.product_id, COUNT(*), SUM(exposure.hi - exposure.lo),
                       COUNT(*) FILTER (WHERE exposure.has_readings),
                       SUM(exposure.hi_hours - exposure.lo_hours),
                       CASE WHEN SUM(COUNT(*)) OVER () <= %s THEN ARRAY_AGG(exposure.unit_id) END
                  FROM (%s) exposure
                 GROUP BY exposure.product_id
                """,
                SMALL_FLEET,
                self._sql_unit_exposure(windows),
            )
        )
        # a few units (a customer's fleet, a product's): their ids let PostgreSQL read only their
        # failures by index; a whole fleet is joined to its windows
        small = bool(exposure) and exposure[0][5] is not None
        unit_ids = [unit_id for row in exposure for unit_id in row[5]] if small else None
        sums = self._get_failure_sums_by_product(windows, unit_ids)
        products = self.env["product.product"].browse([row[0] for row in exposure])
        figures = {}
        for product, (_product_id, units, unit_days, units_with_hours, hours, _ids) in zip(
            products, exposure, strict=True
        ):
            totals = self._empty_sums()
            totals.update(sums.get(product.id, {}))
            # no unit with readings: the hours are unknown (None), not 0
            hours = hours if units_with_hours else None
            figures[product] = self._figures_from(units, unit_days, hours, totals)
            figures[product]["units_with_hours"] = units_with_hours
        return figures

    @api.model
    def _get_unit_figures(self, date_from=None, date_to=None, unit_domain=None):
        """``{unit id: figures}``: the figures of ``_get_fleet_figures`` for each unit alone."""
        windows = self._sql_unit_windows(date_from, date_to, unit_domain)
        exposure = self._get_unit_exposure(windows=windows)
        sums = self._get_failure_sums(exposure, windows)
        figures = {}
        for uid, row in exposure.items():
            totals = self._empty_sums()
            totals.update(sums.get(uid, {}))
            totals["failures_with_hours"] = totals["failures"] if row["hours"] is not None else 0
            figures[uid] = self._figures_from(1, row["days"], row["hours"], totals)
            figures[uid]["units_with_hours"] = int(row["hours"] is not None)
        return figures

    @api.model
    def _figures_from(self, units, unit_days, hours, sums):
        """The figures (see ``_get_fleet_figures``) from the totals of a set of units."""

        def ratio(num, den, factor=1.0):
            return num * factor / den if den and num is not None else None

        failures = sums["failures"]
        return {
            "units": units,
            "unit_days": unit_days,
            "unit_years": unit_days / DAYS_PER_YEAR,
            "hours": hours,
            "failures": failures,
            "failures_with_hours": sums["failures_with_hours"],
            "resolved": sums["resolved"],
            "failures_per_1000_hours": ratio(sums["failures_with_hours"], hours, 1000.0),
            "failures_per_unit_year": ratio(failures, unit_days / DAYS_PER_YEAR),
            "mtbf_hours": ratio(hours, sums["failures_with_hours"]),
            "mtbf_days": ratio(unit_days, failures),
            "mttr_hours": ratio(sums["repair_time"], sums["resolved"]),
            "onsite_hours": ratio(sums["onsite_hours"], failures),
            "repeat_rate_30": ratio(sums["repeats_30"], failures, 100.0),
            "repeat_rate_90": ratio(sums["repeats_90"], failures, 100.0),
            "first_time_fix_rate": ratio(sums["first_time_fixes"], sums["resolved"], 100.0),
            "availability": ratio(unit_days * 24 - sums["repair_time"], unit_days * 24, 100.0),
            **self._extra_figures(units, sums),
        }

    @api.model
    def _extra_figures(self, units, sums):
        """Figures sibling modules add from their sums (hook, extend with ``super()``)."""
        return {}

    @api.model
    def _empty_sums(self):
        """The failure sums per unit, at zero (hook: sibling modules add theirs)."""
        return dict.fromkeys(
            (
                "failures",
                "failures_with_hours",
                "resolved",
                "repair_time",
                "onsite_hours",
                "repeats_30",
                "repeats_90",
                "first_time_fixes",
            ),
            0,
        )

    @api.model
    def _sql_failure_sums(self):
        """Aggregates of the Reliability Analysis rows summed per unit (hook, extend with ``super()``)."""
        return {
            "failures": SQL("COUNT(*)"),
            "resolved": SQL("COUNT(*) FILTER (WHERE is_resolved)"),
            "repair_time": SQL("COALESCE(SUM(repair_time), 0)"),
            "onsite_hours": SQL("COALESCE(SUM(onsite_hours), 0)"),
            "repeats_30": SQL("COUNT(*) FILTER (WHERE is_repeat_30)"),
            "repeats_90": SQL("COUNT(*) FILTER (WHERE is_repeat_90)"),
            "first_time_fixes": SQL("COUNT(*) FILTER (WHERE is_first_time_fix)"),
        }

    @api.model
    def _get_failure_sums(self, exposure, windows=None):
        """{unit id: sums} of the failures opened in each unit's days at risk of ``exposure``.

        ``windows``: the SQL of the units' days at risk the exposure was read from
        (``_sql_unit_windows``), joined to the failures in the database instead of the exposure's
        ids and dates sent back to it.
        """
        if not exposure:
            return {}
        # a few units (a unit's health, a customer's fleet): their ids let PostgreSQL read only
        # their failures by index; the whole fleet is joined to its windows
        domain = [("equipment_id", "in", list(exposure))] if len(exposure) <= SMALL_FLEET else []
        if windows is None:
            windows = SQL(
                "SELECT * FROM unnest(%s::int[], %s::date[], %s::date[]) AS u(unit_id, lo, hi)",
                list(exposure),
                [row["date_from"] for row in exposure.values()],
                [row["date_to"] for row in exposure.values()],
            )
        sums = self._sum_failures_at_risk(windows, domain, SQL("risk.unit_id"), self._sql_failure_sums())
        return {unit_id: unit_sums for unit_id, unit_sums in sums.items() if unit_id in exposure}

    @api.model
    def _get_failure_sums_by_product(self, windows, unit_ids=None):
        """{product id: sums} of the failures opened in the days at risk of the units of
        ``windows`` (``_sql_unit_windows``), summed per product of the unit: the sums of
        ``_sql_failure_sums`` and ``failures_with_hours`` (those of units with meter readings).
        ``unit_ids``: the units of the windows, when they are few (read by index)."""
        domain = [("equipment_id", "in", unit_ids)] if unit_ids is not None else []
        aggregates = dict(
            self._sql_failure_sums(), failures_with_hours=SQL("COUNT(*) FILTER (WHERE has_hours)")
        )
        return self._sum_failures_at_risk(windows, domain, SQL("risk.product_id"), aggregates)

    @api.model
    def _sum_failures_at_risk(self, windows, domain, key, aggregates):
        """{key: {name: value}}: the ``aggregates`` ({name: SQL}) of the Reliability Analysis rows
        (``domain``, read with the current user's rights) opened in the days at risk of their unit
        in ``windows`` (joined as ``risk``), grouped by the SQL ``key``."""
        Report = self.env["after_sales.reliability.report"]
        Report.check_access("read")
        query = Report._search(domain)
        query.add_join(
            "JOIN",
            "risk",
            SQL("(%s)", windows),
            SQL(
                "risk.unit_id = %(t)s.equipment_id AND %(t)s.failure_date >= risk.lo "
                "AND %(t)s.failure_date < risk.hi",
                t=SQL.identifier(query.table),
            ),
        )
        query.groupby = key
        names = list(aggregates)
        sql = query.select(key, *(SQL("%s AS %s", aggregates[name], SQL.identifier(name)) for name in names))
        return {row[0]: dict(zip(names, row[1:], strict=True)) for row in self.env.execute_query(sql)}

    @api.model
    def _sql_unit_windows(self, date_from=None, date_to=None, unit_domain=None):
        """SQL of the units (``unit_domain``, read with the current user's rights) at risk in
        ``[date_from, date_to]``: (unit_id, product_id, company_id, start_day, lo, hi), ``lo`` the
        first day at risk, ``hi`` the day after the last (see the class)."""
        today = fields.Date.context_today(self)
        end_limit = today + datetime.timedelta(days=1)
        if date_to:
            end_limit = min(end_limit, fields.Date.to_date(date_to) + datetime.timedelta(days=1))
        begin = fields.Date.to_date(date_from) if date_from else None
        Unit = self.env["after_sales.equipment"].with_context(active_test=False)
        Unit.check_access("read")
        query = Unit._search(Domain(unit_domain or Domain.TRUE))
        unit = SQL.identifier(query.table)
        start, end = self._sql_service_start(query.table), self._sql_service_end(query.table)
        lo = SQL("GREATEST(%s, %s::date)", start, begin) if begin else start
        hi = SQL("LEAST(COALESCE(%s, 'infinity'::date), %s::date)", end, end_limit)
        return SQL(
            "SELECT * FROM (%s) AS unit_window WHERE unit_window.hi > unit_window.lo",
            query.select(
                SQL("%s.id AS unit_id", unit),
                SQL("%s.product_id AS product_id", unit),
                SQL("%s.company_id AS company_id", unit),
                SQL("%s AS start_day", start),
                SQL("%s AS lo", lo),
                SQL("%s AS hi", hi),
            ),
        )

    @api.model
    def _get_unit_exposure(self, date_from=None, date_to=None, unit_domain=None, windows=None):
        """{unit id: {product_id, company_id, date_from, date_to, days, hours}}: each unit's days at risk.

        ``date_from``/``date_to`` of a unit are its first day at risk and the day after its last;
        ``hours`` its operating hours over them (None without any reading). See the class.
        ``windows``: the SQL of ``_sql_unit_windows`` when the caller has it already. Each unit's
        readings are read once (``_sql_readings_arrays``) for its hours on both days.
        """
        if windows is None:
            windows = self._sql_unit_windows(date_from, date_to, unit_domain)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT exposure.unit_id, exposure.product_id, exposure.company_id, exposure.lo,
                       exposure.hi, exposure.has_readings, exposure.lo_hours, exposure.hi_hours
                  FROM (%s) exposure
                """,
                self._sql_unit_exposure(windows),
            )
        )
        return {
            unit_id: {
                "product_id": product_id,
                "company_id": company_id,
                "date_from": day_from,
                "date_to": day_to,
                "days": (day_to - day_from).days,
                "hours": (hi_value - lo_value) if has_readings else None,
            }
            for unit_id, product_id, company_id, day_from, day_to, has_readings, lo_value, hi_value in rows
        }

    @api.model
    def _sql_unit_exposure(self, windows):
        """SQL of the units of ``windows`` (``_sql_unit_windows``) with their hours: (unit_id,
        product_id, company_id, lo, hi, has_readings, lo_hours, hi_hours), the hours on their first
        day at risk and on the day after their last (NULL without readings), from each unit's
        readings read once (``_sql_readings_arrays``)."""
        lo_hours = self._sql_hours_in_arrays(
            SQL("readings.dates"), SQL("readings.hours"), SQL("window_unit.start_day"), SQL("window_unit.lo")
        )
        hi_hours = self._sql_hours_in_arrays(
            SQL("readings.dates"), SQL("readings.hours"), SQL("window_unit.start_day"), SQL("window_unit.hi")
        )
        # the windows twice rather than a CTE: the planner knows the units' ids are unique (no
        # estimate of millions of rows, no JIT compilation for a query of a second)
        return SQL(
            """
            SELECT window_unit.unit_id, window_unit.product_id, window_unit.company_id,
                   window_unit.lo, window_unit.hi, readings.dates IS NOT NULL AS has_readings,
                   %s AS lo_hours, %s AS hi_hours
              FROM (%s) window_unit
              LEFT JOIN (%s) readings ON readings.equipment_id = window_unit.unit_id
            """,
            lo_hours,
            hi_hours,
            windows,
            self._sql_readings_arrays(SQL("SELECT asked.unit_id FROM (%s) asked", windows)),
        )
