import datetime
from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
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
        reliability = self.env["after_sales.reliability"]
        rows = self.env.execute_query(
            SQL(
                """
                SELECT req.equipment_id, sm.product_id,
                       SUM(CASE WHEN sm.product_uom_qty > 0
                                THEN sm.product_qty * sm.quantity / sm.product_uom_qty ELSE 0 END
                           * CASE WHEN sm.origin_returned_move_id IS NOT NULL
                                       OR sm.after_sales_move_kind = 'return' THEN -1 ELSE 1 END),
                       COUNT(DISTINCT req.id) FILTER (WHERE sm.origin_returned_move_id IS NULL
                                                       AND sm.after_sales_move_kind IS DISTINCT FROM 'return')
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
                fields.Datetime.to_datetime(date_from),
                fields.Datetime.to_datetime(date_to),
                tuple(self._companies().ids),
                reliability._sql_is_failure("req", "cause", "stage"),
            )
        )
        return {(unit_id, part_id): (qty, count) for unit_id, part_id, qty, count in rows}

    @api.model
    def _hours_band(self, hours):
        band = HOURS_BANDS[0][0]
        for code, _label, lower in HOURS_BANDS:
            if (hours or 0.0) >= lower:
                band = code
        return band

    @api.model
    def _get_fleet(self, as_of, life=None):
        """{unit id: {product_id, company_id, band, utilisation}}: units at risk on ``as_of``.

        ``utilisation``: operating hours per day over the last ``UTILISATION_DAYS`` (0 without
        readings). ``life``: the units' exposure over their service life up to ``as_of`` when the
        caller has it already.
        """
        reliability = self.env["after_sales.reliability"]
        if life is None:
            life = reliability._get_unit_exposure(None, as_of, self._unit_domain())
        recent = reliability._get_unit_exposure(
            as_of - datetime.timedelta(days=UTILISATION_DAYS - 1), as_of, self._unit_domain()
        )
        end = as_of + datetime.timedelta(days=1)
        fleet = {}
        for unit_id, row in life.items():
            if row["date_to"] != end:
                continue
            window = recent.get(unit_id)
            utilisation = 0.0
            if window and window["hours"] is not None and window["days"]:
                utilisation = window["hours"] / window["days"]
            fleet[unit_id] = {
                "product_id": row["product_id"],
                "company_id": row["company_id"],
                "band": self._hours_band(row["hours"]),
                "utilisation": utilisation,
            }
        return fleet

    @api.model
    def _get_rates(self, as_of):
        """The failure rates as of ``as_of`` (see the class), for ``_rate_of``.

        Returns {"fleet": _get_fleet(as_of), "parts": {product id: [part ids]}, "band", "product",
        "category": {key: (parts issued, failures, hours)}}.
        """
        reliability = self.env["after_sales.reliability"]
        date_from = as_of - datetime.timedelta(days=HISTORY_DAYS - 1)
        life = reliability._get_unit_exposure(None, as_of, self._unit_domain())
        fleet = self._get_fleet(as_of, life)
        window = reliability._get_unit_exposure(date_from, as_of, self._unit_domain())
        issued = self._get_issued(date_from, as_of + datetime.timedelta(days=1))
        band_sums = defaultdict(lambda: [0.0, 0, 0.0])
        product_sums = defaultdict(lambda: [0.0, 0, 0.0])
        category_sums = defaultdict(lambda: [0.0, set(), 0.0])
        hours_band, hours_product = defaultdict(float), defaultdict(float)
        band_of = {}
        for unit_id, row in window.items():
            if row["hours"] is None:
                continue
            band_of[unit_id] = self._hours_band(life.get(unit_id, row)["hours"])
            hours_band[row["product_id"], band_of[unit_id]] += row["hours"]
            hours_product[row["product_id"]] += row["hours"]
        parts = self.env["product.product"].browse({part_id for __, part_id in issued})
        category_of = {part.id: part.categ_id.id for part in parts}
        parts_of = defaultdict(set)
        for (unit_id, part_id), (qty, count) in issued.items():
            if unit_id not in band_of:
                continue
            product_id = window[unit_id]["product_id"]
            parts_of[product_id].add(part_id)
            for sums, key in (
                (band_sums, (product_id, part_id, band_of[unit_id])),
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
        return {
            "fleet": fleet,
            "parts": parts_of,
            "category_of": category_of,
            "band": band_sums,
            "product": product_sums,
            "category": category_sums,
        }

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
        (summed per product, band and company first: the rates are the same within them).
        """
        fleet = rates["fleet"]
        usage = defaultdict(float)
        for row in fleet.values():
            usage[row["product_id"], row["band"], row["company_id"]] += row["utilisation"]
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
    def _backtest(self, today):
        """{part id: {mape, naive_mape, bias, months}} of the last ``BACKTEST_MONTHS`` full months.

        For each month: the failures' forecast made the day before it began (data up to then)
        against the parts issued under failures in it; the naive forecast is the mean of the
        parts issued in the ``NAIVE_MONTHS`` months before. MAPE = mean of |F - A| / A × 100 over
        the months with A > 0; bias = mean of F - A over the months.
        """
        first = today.replace(day=1)
        starts = [first - relativedelta(months=i) for i in range(BACKTEST_MONTHS + NAIVE_MONTHS, 0, -1)]
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
                self._get_rates(start - datetime.timedelta(days=1)), days
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

    # ------------------------------------------------------------ the forecast

    @api.model
    def _get_forecast(self, today=None):
        """[values of ``after_sales.parts.forecast.line``]: per part, warehouse and horizon."""
        today = today or fields.Date.context_today(self)
        rates = self._get_rates(today - datetime.timedelta(days=1))
        open_demand = self._open_request_demand()
        backtest = self._backtest(today)
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
