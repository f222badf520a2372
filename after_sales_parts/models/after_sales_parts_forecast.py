import datetime
from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL

from odoo.addons.after_sales_service.models.after_sales_reliability import HOURS_BANDS

HORIZONS = (1, 3, 6, 12)
# the failure rates are read over this many days up to the forecast date
HISTORY_DAYS = 365
# a unit's daily utilisation is its operating hours over this many days up to the forecast date
UTILISATION_DAYS = 90
# failures issuing a part, in a product's hours band (or product), needed to use that band's rate
MIN_BAND_FAILURES = 5
BACKTEST_MONTHS = 12
NAIVE_MONTHS = 3


class AfterSalesPartsForecast(models.AbstractModel):
    """The demand for spare parts from the installed base: the model, its inputs and its backtest.

    Definitions (the reliability's: ``after_sales.reliability``):

    - parts *issued under failures*: the done stock moves issuing a part to a request line, less
      the done returns, where the request is a failure (a unit, a failure cause, not cancelled),
      dated by the move;
    - a unit's operating hours over a period, its days at risk and hours band: the reliability's
      (interpolated from its meter readings); the band is the one of the unit's hours on the
      forecast date, for the history as for the forecast;
    - a unit is forecast from its company's warehouse: the first warehouse of its company (by
      sequence), the one its requests draw parts from by default.

    The rate of part X for units of product P in band B over the history window (365 days up to
    the forecast date) is issued(P, X, B) / hours(P, B) when the parts were issued under at least
    ``MIN_BAND_FAILURES`` failures in that band; else issued(P, X) / hours(P) over every band with
    as many failures; else the rate of the part's category: issued(P, C) / hours(P) / n, C the
    part's product category and n the number of its parts issued to P's units.
    """

    _name = "after_sales.parts.forecast"
    _description = "Parts Demand Forecast Model"

    # ------------------------------------------------------------ inputs

    @api.model
    def _companies(self):
        return self.env.companies

    @api.model
    def _unit_domain(self):
        return [("company_id", "in", self._companies().ids)]

    @api.model
    def _get_issued(self, date_from, date_to):
        """{(unit id, part id): (quantity, failures)}: parts issued under failures in [date_from, date_to).

        Quantities in the part's unit of measure; failures: the requests that issued it.
        """
        rows = self.env.execute_query(
            self._sql_issued(fields.Datetime.to_datetime(date_from), fields.Datetime.to_datetime(date_to))
        )
        return {(unit_id, part_id): (qty, count) for unit_id, part_id, qty, count in rows}

    @api.model
    def _sql_issued(self, date_from, date_to):
        """SQL of ``_get_issued``'s rows (unit_id, part_id, qty, failures) between the datetimes
        (SQL or values) ``date_from`` and ``date_to``."""
        reliability = self.env["after_sales.reliability"]
        return SQL(
            """
            SELECT req.equipment_id AS unit_id, sm.product_id AS part_id,
                   SUM(CASE WHEN sm.product_uom_qty > 0
                            THEN sm.product_qty * sm.quantity / sm.product_uom_qty ELSE 0 END
                       * CASE WHEN sm.origin_returned_move_id IS NOT NULL
                                   OR sm.after_sales_move_kind = 'return' THEN -1 ELSE 1 END) AS qty,
                   COUNT(DISTINCT req.id) FILTER (WHERE sm.origin_returned_move_id IS NULL
                                                   AND sm.after_sales_move_kind IS DISTINCT FROM 'return')
                       AS failures
              FROM stock_move sm
              JOIN after_sales_request_line line ON line.id = sm.after_sales_line_id
              JOIN after_sales_request req ON req.id = line.request_id
              JOIN after_sales_cause cause ON cause.id = req.cause_id
              JOIN after_sales_request_stage stage ON stage.id = req.stage_id
             WHERE sm.state = 'done'
               AND sm.after_sales_move_kind IS DISTINCT FROM 'consume'
               AND sm.date >= %s AND sm.date < %s
               AND req.company_id IN %s
               AND %s
             GROUP BY req.equipment_id, sm.product_id
            """,
            date_from,
            date_to,
            tuple(self._companies().ids),
            reliability._sql_is_failure("req", "cause", "stage"),
        )

    @api.model
    def _hours_band(self, hours):
        band = HOURS_BANDS[0][0]
        for code, _label, lower in HOURS_BANDS:
            if (hours or 0.0) >= lower:
                band = code
        return band

    @api.model
    def _get_rates(self, as_of):
        """The failure rates as of ``as_of`` (see the class), for ``_rate_of``.

        Returns {"usage": {(product id, band, company id): utilisation}, the summed utilisation of
        the units at risk on ``as_of`` of each product, band and company (``_read_rate_sums``), "parts":
        {product id: {part ids}}, "category_of": {part id: category id}, "band", "product",
        "category": {key: (parts issued, failures, hours)}}.
        """
        return self._get_rates_many([as_of])[as_of]

    @api.model
    def _get_rates_many(self, days):
        """{as_of: ``_get_rates(as_of)``} for each of ``days``, read in one query: each unit's
        readings once (``_sql_readings_arrays``), its hours on every day the rates need from them
        (its service start, the end, the starts of the history and utilisation windows of each
        day), then summed per product, hours band and company in the database."""
        days = sorted(set(days))
        if not days:
            return {}
        usage, hours, issued = self._read_rate_sums(days)
        rates = {}
        parts = self.env["product.product"].browse({part_id for (__, __, part_id, __) in issued})
        category_of = {part.id: part.categ_id.id for part in parts}
        for as_of in days:
            hours_band, hours_product = defaultdict(float), defaultdict(float)
            for (day, product_id, band), value in hours.items():
                if day == as_of:
                    hours_band[product_id, band] += value
                    hours_product[product_id] += value
            band_sums = defaultdict(lambda: [0.0, 0, 0.0])
            product_sums = defaultdict(lambda: [0.0, 0, 0.0])
            category_sums = defaultdict(lambda: [0.0, set(), 0.0])
            parts_of = defaultdict(set)
            for (day, product_id, part_id, band), (qty, count) in issued.items():
                if day != as_of:
                    continue
                parts_of[product_id].add(part_id)
                for sums, key in (
                    (band_sums, (product_id, part_id, band)),
                    (product_sums, (product_id, part_id)),
                ):
                    sums[key][0] += qty
                    sums[key][1] += count
                category = category_sums[product_id, category_of[part_id]]
                category[0] += qty
                category[1].add(part_id)
            for key, sums in band_sums.items():
                sums[2] = hours_band[key[0], key[2]]
            for key, sums in product_sums.items():
                sums[2] = hours_product[key[0]]
            for key, sums in category_sums.items():
                sums[2] = hours_product[key[0]]
            rates[as_of] = {
                "usage": {key[1:]: value for key, value in usage.items() if key[0] == as_of},
                "parts": parts_of,
                "category_of": category_of,
                "band": band_sums,
                "product": product_sums,
                "category": category_sums,
            }
        return rates

    @api.model
    def _read_rate_sums(self, days):
        """(usage, hours, issued) of the rates of ``days`` (``_get_rates_many``), from the database:

        - usage {(as_of, product id, band, company id): utilisation}: the units at risk on as_of
          (their service covers it, through its end), each its hours per day over the
          ``UTILISATION_DAYS`` up to as_of (0 without readings), in the band of its hours over its
          service up to as_of;
        - hours {(as_of, product id, band): hours}: the operating hours of the units with readings
          over their days at risk of the history window (``HISTORY_DAYS`` up to as_of);
        - issued {(as_of, product id, part id, band): (quantity, failures)}: ``_get_issued`` over
          the history window, of those units.

        A unit's figures are the reliability's (``after_sales.reliability._get_unit_exposure``):
        its days at risk end the day after as_of (not after tomorrow), its hours are interpolated
        from its readings.
        """
        usage, hours, issued = {}, {}, {}
        for kind, as_of, product_id, band_code, other, value, count in self.env.execute_query(
            self._sql_rate_sums(days)
        ):
            if kind == "usage":
                usage[as_of, product_id, band_code, other] = value
            elif kind == "hours":
                hours[as_of, product_id, band_code] = value
            else:
                issued[as_of, product_id, other, band_code] = (value, count)
        return usage, hours, issued

    @api.model
    def _sql_rate_sums(self, days):
        """SQL of ``_read_rate_sums``'s rows (kind, as_of, product id, band, company or part id,
        value, failures), one query for all ``days``.

        Every part of it is computed once: the parts issued of each day's window (``issued``)
        are summed in their own step before they meet the units, so that the planner cannot
        compute them again for each unit and day (on a young table's statistics it estimates one
        row everywhere and would, running the stock moves' sums once per unit and day).
        """
        reliability = self.env["after_sales.reliability"]
        Unit = self.env["after_sales.equipment"].with_context(active_test=False)
        Unit.check_access("read")
        query = Unit._search(Domain(self._unit_domain()))
        table = SQL.identifier(query.table)
        units = query.select(
            SQL("%s.id AS id", table),
            SQL("%s.product_id AS product_id", table),
            SQL("%s.company_id AS company_id", table),
            SQL("%s AS start_day", reliability._sql_service_start(query.table)),
            SQL("%s AS end_day", reliability._sql_service_end(query.table)),
        )
        tomorrow = fields.Date.context_today(self) + datetime.timedelta(days=1)
        one_day = datetime.timedelta(days=1)
        window_from = [day - datetime.timedelta(days=HISTORY_DAYS - 1) for day in days]

        def hours_on(day, unit="unit"):
            return reliability._sql_hours_in_arrays(
                SQL("%s.dates", SQL.identifier(unit)),
                SQL("%s.hours", SQL.identifier(unit)),
                SQL("%s.start_day", SQL.identifier(unit)),
                day,
            )

        band = SQL(
            "CASE %s ELSE %s END",
            SQL(" ").join(
                SQL("WHEN COALESCE(at.life_hours, 0.0) >= %s THEN %s", lower, code)
                for code, _label, lower in reversed(HOURS_BANDS[1:])
            ),
            HOURS_BANDS[0][0],
        )
        issued_sql = self._sql_issued(SQL("period.date_from"), SQL("period.date_to"))
        return SQL(
            """
            WITH fleet_unit AS MATERIALIZED (%(units)s),
            read_unit AS MATERIALIZED (
                SELECT fleet_unit.*, readings.dates, readings.hours,
                       readings.dates IS NOT NULL AS has_readings
                  FROM fleet_unit
                  LEFT JOIN (%(readings)s) readings ON readings.equipment_id = fleet_unit.id
            ),
            unit AS MATERIALIZED (
                SELECT read_unit.*, %(at_start)s AS at_start FROM read_unit
            ),
            period AS (
                SELECT * FROM unnest(%(as_of)s::date[], %(end_limit)s::date[], %(fleet_end)s::date[],
                                     %(window_from)s::date[], %(recent_from)s::date[],
                                     %(history_from)s::timestamp[], %(history_to)s::timestamp[])
                    AS p(as_of, end_limit, fleet_end, window_from, recent_from, date_from, date_to)
            ),
            at AS MATERIALIZED (
                SELECT period.as_of, unit.id AS unit_id, unit.product_id, unit.company_id,
                       unit.has_readings, risk.hi = period.fleet_end AS in_fleet,
                       risk.hi > risk.window_lo AS in_window,
                       h.at_hi - unit.at_start AS life_hours,
                       h.at_hi - h.at_window AS window_hours,
                       CASE WHEN unit.has_readings AND risk.hi > risk.recent_lo
                            THEN (h.at_hi - h.at_recent) / (risk.hi - risk.recent_lo) ELSE 0.0
                       END AS utilisation
                  FROM unit
                 CROSS JOIN period
                 CROSS JOIN LATERAL (
                    SELECT LEAST(COALESCE(unit.end_day, 'infinity'::date), period.end_limit) AS hi,
                           GREATEST(unit.start_day, period.window_from) AS window_lo,
                           GREATEST(unit.start_day, period.recent_from) AS recent_lo
                 ) risk
                 CROSS JOIN LATERAL (
                    SELECT %(at_hi)s AS at_hi, %(at_window)s AS at_window, %(at_recent)s AS at_recent
                    OFFSET 0
                 ) h
                 WHERE risk.hi > unit.start_day
            ),
            banded AS MATERIALIZED (
                SELECT at.*, %(band)s AS band FROM at
            ),
            issued AS MATERIALIZED (
                SELECT period.as_of, issued.*
                  FROM period CROSS JOIN LATERAL (%(issued)s) issued
            )
            SELECT 'usage', as_of, product_id, band, company_id, SUM(utilisation), 0
              FROM banded WHERE in_fleet
             GROUP BY as_of, product_id, band, company_id
            UNION ALL
            SELECT 'hours', as_of, product_id, band, NULL, SUM(window_hours), 0
              FROM banded WHERE in_window AND has_readings
             GROUP BY as_of, product_id, band
            UNION ALL
            SELECT 'issued', banded.as_of, banded.product_id, banded.band, issued.part_id,
                   SUM(issued.qty), SUM(issued.failures)::int
              FROM issued
              JOIN banded ON banded.as_of = issued.as_of AND banded.unit_id = issued.unit_id
               AND banded.in_window AND banded.has_readings
             GROUP BY banded.as_of, banded.product_id, banded.band, issued.part_id
            """,
            units=units,
            readings=reliability._sql_readings_arrays(SQL("SELECT id FROM fleet_unit")),
            as_of=days,
            end_limit=[min(day + one_day, tomorrow) for day in days],
            fleet_end=[day + one_day for day in days],
            window_from=window_from,
            recent_from=[day - datetime.timedelta(days=UTILISATION_DAYS - 1) for day in days],
            history_from=[fields.Datetime.to_datetime(day) for day in window_from],
            history_to=[fields.Datetime.to_datetime(day + one_day) for day in days],
            at_start=hours_on(SQL("read_unit.start_day"), "read_unit"),
            at_hi=hours_on(SQL("risk.hi")),
            at_window=hours_on(SQL("risk.window_lo")),
            at_recent=hours_on(SQL("risk.recent_lo")),
            band=band,
            issued=issued_sql,
        )

    @api.model
    def _rate_of(self, rates, product_id, part_id, band):
        """(parts per operating hour, source) of ``part_id`` for a unit of ``product_id`` in ``band``."""
        qty, count, hours = rates["band"].get((product_id, part_id, band), (0.0, 0, 0.0))
        if count >= MIN_BAND_FAILURES and hours:
            return qty / hours, "band"
        qty, count, hours = rates["product"].get((product_id, part_id), (0.0, 0, 0.0))
        if count >= MIN_BAND_FAILURES and hours:
            return qty / hours, "product"
        category_id = rates["category_of"].get(part_id)
        qty, parts, hours = rates["category"].get((product_id, category_id), (0.0, (), 0.0))
        if parts and hours:
            return qty / hours / len(parts), "category"
        return 0.0, "category"

    @api.model
    def _warehouse_of_companies(self, company_ids):
        """{company id: its first warehouse} (the default warehouse of its requests' parts)."""
        warehouses = (
            self.env["stock.warehouse"]
            .sudo()
            .search([("company_id", "in", list(company_ids))], order="sequence, id")
        )
        result = {}
        for warehouse in warehouses:
            result.setdefault(warehouse.company_id.id, warehouse)
        return result

    # ------------------------------------------------------------ demand

    @api.model
    def _failure_demand(self, rates, days):
        """{(part id, warehouse id): (quantity, rate sources)} expected from failures over ``days``.

        Each unit at risk: its utilisation × ``days`` × the part's rate for its product and band
        (summed per product, band and company first, ``_get_rates``: the rates are the same within
        them).
        """
        usage = rates["usage"]
        warehouses = self._warehouse_of_companies({company_id for __, __, company_id in usage})
        demand = defaultdict(lambda: [0.0, set()])
        for (product_id, band, company_id), utilisation in usage.items():
            warehouse = warehouses.get(company_id)
            if not warehouse:
                continue
            for part_id in rates["parts"].get(product_id, ()):
                rate, source = self._rate_of(rates, product_id, part_id, band)
                entry = demand[part_id, warehouse.id]
                entry[0] += utilisation * days * rate
                entry[1].add(source)
        return demand

    @api.model
    def _maintenance_demand(self, today, horizons):
        """{months: {(part id, warehouse id): quantity}}: the maintenance plans' kits due before
        today + months, for each of ``horizons`` (months).

        The next occurrence of each plan and unit (due now when overdue), then the following
        ones from the later of its due date and today.
        """
        ends = {months: today + relativedelta(months=months) for months in horizons}
        last_end = max(ends.values())
        demand = {months: defaultdict(float) for months in horizons}
        plans = (
            self.env["after_sales.maintenance.plan"]
            .sudo()
            .search([("company_id", "in", self._companies().ids), ("line_ids.line_type", "=", "part")])
        )
        units = plans._get_units()
        if not units:
            return demand
        warehouses = self._warehouse_of_companies(set(units.company_id.ids))
        last_by_key = plans._last_occurrences(units)
        for plan in plans:
            kit = plan.line_ids.filtered(lambda line: line.line_type == "part" and line.product_id)
            for unit in plan._units_of(units):
                warehouse = warehouses.get(unit.company_id.id)
                if not warehouse:
                    continue
                last = last_by_key.get((plan.id, unit.id))
                # at most one occurrence a day over the longest horizon
                for _i in range((last_end - today).days + 1):
                    due = plan._next_due(unit, last, today)
                    if not due or due[1] >= last_end:
                        break
                    for months, end in ends.items():
                        if due[1] < end:
                            for line in kit:
                                demand[months][line.product_id.id, warehouse.id] += line.quantity
                    last = (due[0], max(due[1], today), due[2])
        return demand

    @api.model
    def _open_request_demand(self):
        """{(part id, warehouse id): quantity} of the open requests' part lines not yet reserved."""
        lines = (
            self.env["after_sales.request.line"]
            .sudo()
            .search(
                [
                    ("line_type", "=", "part"),
                    ("product_id", "!=", False),
                    ("part_state", "in", ("draft", "to_approve", "requested")),
                    ("request_id.is_closed", "=", False),
                    ("request_id.company_id", "in", self._companies().ids),
                ]
            )
        )
        warehouses = self._warehouse_of_companies(set(lines.request_id.company_id.ids))
        demand = defaultdict(float)
        for line in lines:
            # reserved and issued are in the line's unit, like its quantity
            missing = line.quantity - line.part_qty_reserved - line.part_qty_issued
            if line.uom_id:
                missing = line.uom_id._compute_quantity(missing, line.product_id.uom_id)
            warehouse = line.request_id.parts_warehouse_id or warehouses.get(line.request_id.company_id.id)
            if missing > 0 and warehouse:
                demand[line.product_id.id, warehouse.id] += missing
        return demand

    # ------------------------------------------------------------ backtest

    @api.model
    def _backtest(self, today, rates_by_day=None):
        """{part id: {mape, naive_mape, bias, months}} of the last ``BACKTEST_MONTHS`` full months.

        For each month: the failures' forecast made the day before it began (data up to then)
        against the parts issued under failures in it; the naive forecast is the mean of the
        parts issued in the ``NAIVE_MONTHS`` months before. MAPE = mean of |F - A| / A × 100 over
        the months with A > 0; bias = mean of F - A over the months. ``rates_by_day``: the rates of
        those days (``_backtest_days``) when the caller read them already.
        """
        starts = self._backtest_starts(today)
        if rates_by_day is None:
            rates_by_day = self._get_rates_many(self._backtest_days(today))
        actual = {}
        for start in starts:
            issued = defaultdict(float)
            for (__, part_id), (qty, __) in self._get_issued(start, start + relativedelta(months=1)).items():
                issued[part_id] += qty
            actual[start] = issued
        errors = defaultdict(lambda: {"model": [], "naive": [], "bias": []})
        for index in range(NAIVE_MONTHS, len(starts)):
            start = starts[index]
            days = (start + relativedelta(months=1) - start).days
            forecast = defaultdict(float)
            for (part_id, __), (qty, __) in self._failure_demand(
                rates_by_day[start - datetime.timedelta(days=1)], days
            ).items():
                forecast[part_id] += qty
            for part_id in set(forecast) | set(actual[start]):
                real = actual[start].get(part_id, 0.0)
                before = starts[index - NAIVE_MONTHS : index]
                naive = sum(actual[s].get(part_id, 0.0) for s in before) / NAIVE_MONTHS
                errors[part_id]["bias"].append(forecast.get(part_id, 0.0) - real)
                if real > 0:
                    errors[part_id]["model"].append(abs(forecast.get(part_id, 0.0) - real) / real * 100)
                    errors[part_id]["naive"].append(abs(naive - real) / real * 100)
        result = {}
        for part_id, error in errors.items():
            result[part_id] = {
                "months": len(error["model"]),
                "mape": sum(error["model"]) / len(error["model"]) if error["model"] else None,
                "naive_mape": sum(error["naive"]) / len(error["naive"]) if error["naive"] else None,
                "bias": sum(error["bias"]) / BACKTEST_MONTHS,
            }
        return result

    @api.model
    def _backtest_starts(self, today):
        """The first days of the months of the backtest, the naive forecast's months first."""
        first = today.replace(day=1)
        return [first - relativedelta(months=i) for i in range(BACKTEST_MONTHS + NAIVE_MONTHS, 0, -1)]

    @api.model
    def _backtest_days(self, today):
        """The days the backtest's forecasts are made (the eve of each month tested)."""
        return [start - datetime.timedelta(days=1) for start in self._backtest_starts(today)[NAIVE_MONTHS:]]

    # ------------------------------------------------------------ the forecast

    @api.model
    def _get_forecast(self, today=None):
        """[values of ``after_sales.parts.forecast.line``]: per part, warehouse and horizon."""
        today = today or fields.Date.context_today(self)
        eve = today - datetime.timedelta(days=1)
        # the rates of today and of the backtest's months in one read of the installed base
        rates_by_day = self._get_rates_many([eve, *self._backtest_days(today)])
        rates = rates_by_day[eve]
        open_demand = self._open_request_demand()
        backtest = self._backtest(today, rates_by_day)
        # the failures' demand is linear in the days: computed for one day, scaled
        per_day = self._failure_demand(rates, 1)
        maintenance_by_horizon = self._maintenance_demand(today, HORIZONS)
        vals_list = []
        for months in HORIZONS:
            days = (today + relativedelta(months=months) - today).days
            failures = {key: (qty * days, sources) for key, (qty, sources) in per_day.items()}
            maintenance = maintenance_by_horizon[months]
            for part_id, warehouse_id in set(failures) | set(maintenance) | set(open_demand):
                key = (part_id, warehouse_id)
                test = backtest.get(part_id, {})
                failure_qty, sources = failures.get(key, (0.0, set()))
                vals_list.append(
                    {
                        "product_id": part_id,
                        "warehouse_id": warehouse_id,
                        "horizon": str(months),
                        "qty_failures": failure_qty,
                        "rate_source": min(sources, key=("band", "product", "category").index)
                        if sources
                        else False,
                        "qty_maintenance": maintenance.get(key, 0.0),
                        "qty_open_requests": open_demand.get(key, 0.0),
                        "mape": test.get("mape") or 0.0,
                        "naive_mape": test.get("naive_mape") or 0.0,
                        "bias": test.get("bias") or 0.0,
                        "backtest_months": test.get("months", 0),
                    }
                )
        return vals_list
