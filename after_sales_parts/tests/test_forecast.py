import math
import random
from datetime import date, datetime, timedelta

from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.after_sales_service.tests.common import AfterSalesCommon

TODAY = date(2026, 7, 1)
AS_OF = TODAY - timedelta(days=1)
# the generated history: a part fails every 500 operating hours of a unit (2 per 1,000 h)
RATE = 2.0 / 1000
HOURS_PER_DAY = 8.0
# the generated Poisson history: 4 failures per 1,000 operating hours
POISSON_RATE = 4.0 / 1000


@tagged("post_install", "-at_install")
class TestPartsForecast(AfterSalesCommon):
    """The parts demand forecast, each in a company of its own (nothing else in it).

    Hand-computed company: product P with unit A (10 h/day) and unit B (5 h/day), both from
    2025-07-01, one meter reading each on 2026-06-30 (3,640 h and 1,820 h). Over the year up to
    2026-06-30, part Y was issued under 6 failures of A and 2 of B, part Z (Y's category) under one
    failure of B. A maintenance plan of unit A every 3 months with a kit of 2 Y, an open request
    with 3 Y not requested and one with 2 Y reserved.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cause = cls.env["after_sales.cause"].create({"name": "Forecast failure"})
        cls.stage_cancelled = cls.env.ref("after_sales_service.stage_cancelled")
        cls.category = cls.env["product.category"].create({"name": "Forecast filters"})
        cls.company = cls.env["res.company"].create({"name": "Forecast Hand Co"})
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)])
        cls.product = cls._create_serial_product("Forecast compressor")
        cls.part_y = cls._part("Filter Y")
        cls.part_z = cls._part("Filter Z")
        cls.unit_a = cls._unit(cls.company, cls.product, date(2025, 7, 1), 10.0)
        cls.unit_b = cls._unit(cls.company, cls.product, date(2025, 7, 1), 5.0)
        cls._stock(cls.warehouse, cls.part_y, 11)
        cls._stock(cls.warehouse, cls.part_z, 1)
        first = datetime(2025, 8, 10, 10)
        events = [(cls.unit_a, cls.part_y, first + timedelta(days=30 * i)) for i in range(6)]
        events += [
            (cls.unit_b, cls.part_y, datetime(2025, 9, 3, 10)),
            (cls.unit_b, cls.part_y, datetime(2026, 2, 3)),
        ]
        events += [(cls.unit_b, cls.part_z, datetime(2026, 3, 3, 10))]
        cls._history(cls.company, cls.warehouse, events)
        cls.env["after_sales.maintenance.plan"].create(
            {
                "name": "Quarterly filters",
                "company_id": cls.company.id,
                "equipment_id": cls.unit_a.id,
                "interval_months": 3,
                "line_ids": [
                    Command.create(
                        {"line_type": "part", "product_id": cls.part_y.id, "name": "Y", "quantity": 2}
                    )
                ],
            }
        )
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        Request = env["after_sales.request"].with_company(cls.company)
        cls.open_request = Request.create(cls._request_vals(cls.unit_b, cls.part_y, 3))
        cls.reserved_request = Request.create(cls._request_vals(cls.unit_b, cls.part_y, 2))
        cls.reserved_request.action_request_parts()
        cancelled = Request.create(cls._request_vals(cls.unit_b, cls.part_y, 4))
        cancelled.stage_id = cls.stage_cancelled
        cls.stock_manager = new_test_user(
            cls.env,
            login="fc_stock_manager",
            groups="stock.group_stock_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.service_manager = new_test_user(
            cls.env,
            login="fc_service_manager",
            groups="after_sales_service.group_after_sales_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.service_user = new_test_user(
            cls.env,
            login="fc_service_user",
            groups="after_sales_service.group_after_sales_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.env.flush_all()

    # ------------------------------------------------------------ fixtures

    @classmethod
    def _part(cls, name):
        return cls.env["product.product"].create(
            {"name": name, "type": "consu", "is_storable": True, "categ_id": cls.category.id}
        )

    @classmethod
    def _unit(cls, company, product, start, hours_per_day):
        unit = cls.env["after_sales.equipment"].create(
            {
                "product_id": product.id,
                "partner_id": cls.customer.id,
                "company_id": company.id,
                "commissioning_date": start,
            }
        )
        cls.env["after_sales.meter.reading"].create(
            {"equipment_id": unit.id, "date": AS_OF, "hours": hours_per_day * (AS_OF - start).days}
        )
        return unit

    @classmethod
    def _stock(cls, warehouse, product, quantity):
        cls.env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, quantity)

    @classmethod
    def _request_vals(cls, unit, part, quantity, **vals):
        return {
            "title": "Forecast request",
            "equipment_id": unit.id,
            "company_id": unit.company_id.id,
            "line_ids": [Command.create({"line_type": "part", "product_id": part.id, "quantity": quantity})],
            **vals,
        }

    @classmethod
    def _history(cls, company, warehouse, events):
        """Failure requests issuing one part each: ``[(unit, part, moment)]``, moved out of stock."""
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=[company.id], tracking_disable=True))
        requests = env["after_sales.request"].create(
            [cls._request_vals(unit, part, 1, cause_id=cls.cause.id) for unit, part, __ in events]
        )
        customers = cls.env.ref("stock.stock_location_customers")
        moves = env["stock.move"].create(
            [
                {
                    "product_id": request.line_ids.product_id.id,
                    "product_uom_qty": 1,
                    "product_uom": request.line_ids.product_id.uom_id.id,
                    "location_id": warehouse.lot_stock_id.id,
                    "location_dest_id": customers.id,
                    "company_id": company.id,
                    "after_sales_line_id": request.line_ids.id,
                    "after_sales_move_kind": "issue",
                }
                for request in requests
            ]
        )
        moves._action_confirm()
        moves._action_assign()
        for move in moves:
            move.quantity = 1
        moves.picked = True
        moves._action_done()
        for move, (__, __, moment) in zip(moves, events, strict=True):
            move.date = moment
        cls.env.flush_all()

    def _forecast(self, user=None, company=None):
        Line = self.env["after_sales.parts.forecast.line"]
        if user:
            Line = Line.with_user(user)
        Line = Line.with_context(allowed_company_ids=[(company or self.company).id])
        return Line._create_forecast(TODAY)

    def _line(self, lines, part, horizon):
        line = lines.filtered(lambda line: line.product_id == part and line.horizon == str(horizon))
        self.assertEqual(len(line), 1)
        return line

    # ------------------------------------------------------------ the hand-computed case

    def test_forecast_quantities_by_hand(self):
        lines = self._forecast()
        y_rate_a = 6 / 3650  # band 2,500-5,000 h: 6 failures over A's 3,650 h (enough: 5 or more)
        y_rate_b = 8 / (3650 + 1825)  # band 1,000-2,500 h holds 2 failures: the product's rate
        z_rate = 9 / (3650 + 1825) / 2  # 1 failure: the category's (9 parts, 2 parts of it) per part
        maintenance = {1: 2, 3: 2, 6: 4, 12: 8}  # overdue 2025-10-01 now, then 2026-10-01, 2027-01-01, ...
        for months, days in ((1, 31), (3, 92), (6, 184), (12, 365)):
            y = self._line(lines, self.part_y, months)
            failures = 10 * days * y_rate_a + 5 * days * y_rate_b
            self.assertAlmostEqual(y.qty_failures, failures, delta=0.005)  # stored to 0.01
            self.assertEqual(y.rate_source, "band")
            self.assertEqual(y.qty_maintenance, maintenance[months])
            # 3 not requested; the 2 reserved and the cancelled request's 4 are not demand
            self.assertEqual(y.qty_open_requests, 3)
            self.assertAlmostEqual(y.qty_demand, failures + maintenance[months] + 3, delta=0.01)
            # 11 in stock, 8 issued to failures: 3 on hand, 2 of them reserved
            self.assertRecordValues(y, [{"qty_available": 3, "qty_reserved": 2, "qty_incoming": 0}])
            self.assertEqual(y.shortfall, math.ceil(failures + maintenance[months] + 3 - 1))
            z = self._line(lines, self.part_z, months)
            self.assertAlmostEqual(z.qty_failures, 15 * days * z_rate, delta=0.005)
            self.assertEqual(z.rate_source, "category")
            self.assertEqual(z.warehouse_id, self.warehouse)

    def test_send_to_replenishment_as_stock_manager(self):
        """A storekeeper manager without After-Sales rights plans the parts: the shortfall becomes
        the warehouse orderpoint's quantity to order, and the Replenishment opens."""
        self.assertFalse(
            self.stock_manager.all_group_ids.filtered(
                lambda g: g.get_external_id()[g.id].startswith("after_sales_service.")
            ),
            "no After-Sales rights",
        )
        lines = self._forecast(self.stock_manager)
        y = self._line(lines, self.part_y, 3)
        self.assertEqual(y.shortfall, 7)  # 2.18 + 2 + 3 - (3 - 2)
        action = y.action_send_to_replenishment()
        self.assertEqual(action["res_model"], "stock.warehouse.orderpoint")
        orderpoint = self.env["stock.warehouse.orderpoint"].search(
            [("product_id", "=", self.part_y.id), ("location_id", "=", self.warehouse.lot_stock_id.id)]
        )
        self.assertRecordValues(
            orderpoint, [{"trigger": "manual", "qty_to_order": 7, "warehouse_id": self.warehouse.id}]
        )
        # sent again with a larger horizon: the same orderpoint, the new quantity
        y12 = self._line(lines, self.part_y, 12)
        y12.action_send_to_replenishment()
        self.assertEqual(orderpoint.qty_to_order, y12.shortfall)
        self.assertEqual(
            self.env["stock.warehouse.orderpoint"].search_count([("product_id", "=", self.part_y.id)]), 1
        )

    def test_backtest_says_when_naive_wins(self):
        Line = self.env["after_sales.parts.forecast.line"]
        vals = {"product_id": self.part_y.id, "warehouse_id": self.warehouse.id, "horizon": "1"}
        lines = Line.create(
            [
                dict(vals, mape=30, naive_mape=20, backtest_months=12),
                dict(vals, mape=10, naive_mape=20, backtest_months=12),
                dict(vals, mape=0, naive_mape=0, backtest_months=0),
            ]
        )
        self.assertRecordValues(
            lines,
            [
                {"beats_naive": False, "backtest_note": "Does not beat the naive forecast"},
                {"beats_naive": True, "backtest_note": "Beats the naive forecast"},
                {"beats_naive": False, "backtest_note": "No history to check"},
            ],
        )

    def test_send_nothing(self):
        """No line selected: a clear error, no orderpoint."""
        Line = self.env["after_sales.parts.forecast.line"].with_user(self.stock_manager)
        with self.assertRaisesRegex(UserError, "Select the forecast lines"):
            Line.browse().action_send_to_replenishment()
        self.assertFalse(self.env["stock.warehouse.orderpoint"].search([("product_id", "=", self.part_y.id)]))

    def test_service_users_cannot_replenish(self):
        """A service manager reads the forecast but Inventory does not let them order; a service
        user does not reach the page."""
        lines = self._forecast(self.service_manager)
        with self.assertRaises(AccessError):
            self._line(lines, self.part_y, 3).action_send_to_replenishment()
        self.assertFalse(self.env["stock.warehouse.orderpoint"].search([("product_id", "=", self.part_y.id)]))
        with self.assertRaises(AccessError):
            self._forecast(self.service_user)

    def test_forecast_page_action(self):
        action = (
            self.env["after_sales.parts.forecast.line"]
            .with_user(self.stock_manager)
            .with_context(allowed_company_ids=self.company.ids)
            .action_open_forecast()
        )
        self.assertEqual(action["res_model"], "after_sales.parts.forecast.line")
        lines = self.env["after_sales.parts.forecast.line"].browse(action["domain"][0][2])
        self.assertIn(self.part_y, lines.product_id)

    # ------------------------------------------------------------ the generated history

    def test_generated_history_rate_and_backtest(self):
        """A known failure process: each unit fails as a Poisson process in its operating hours,
        at ``POISSON_RATE`` (4 per 1,000 h), drawn by a seeded generator.

        50 units, each at a known utilisation of 4, 8, 12 or 16 h a day: 10 for two years, 40
        commissioned over the last year (a growing fleet). The failure rate read over the year up
        to the forecast is exactly the maximum-likelihood estimate n / H (failures over operating
        hours in the window) and lies within 3 standard errors (sqrt(n) / H, about 4 % here) of
        the true rate; the forecast of the next month is the units' hours over it at that rate
        within as much; the 12-month backtest's MAPE is below 20 % (the monthly counts' Poisson
        noise alone gives about 13 %) and beats the naive moving average, which lags behind the
        growing fleet.
        """
        rng = random.Random(25)
        company = self.env["res.company"].create({"name": "Forecast Fleet Co"})
        warehouse = self.env["stock.warehouse"].search([("company_id", "=", company.id)])
        product = self._create_serial_product("Forecast generator")
        part = self._part("Bearing X")
        starts = [date(2024, 7, 1)] * 10 + [date(2025, 7, 1) + timedelta(days=9 * i) for i in range(40)]
        usage = [4.0 * (1 + index % 4) for index in range(len(starts))]
        units = [
            self._unit(company, product, start, per_day) for start, per_day in zip(starts, usage, strict=True)
        ]
        events = []
        for unit, start, per_day in zip(units, starts, usage, strict=True):
            hours = rng.expovariate(POISSON_RATE)
            while (day := start + timedelta(days=int(hours // per_day))) <= AS_OF:
                events.append((unit, part, datetime.combine(day, datetime.min.time()).replace(hour=12)))
                hours += rng.expovariate(POISSON_RATE)
        self._stock(warehouse, part, len(events))
        self._history(company, warehouse, events)
        window_start = AS_OF - timedelta(days=364)
        failures = sum(1 for __, __, moment in events if moment.date() >= window_start)
        hours = sum(
            per_day * ((AS_OF - max(start, window_start)).days + 1)
            for start, per_day in zip(starts, usage, strict=True)
        )
        Forecast = self.env["after_sales.parts.forecast"].with_context(allowed_company_ids=company.ids).sudo()
        rates = Forecast._get_rates(AS_OF)
        qty, count, window_hours = rates["product"][product.id, part.id]
        self.assertEqual((qty, count), (failures, failures))
        self.assertAlmostEqual(window_hours, hours, delta=1e-6)
        error = 3 * math.sqrt(failures) / hours
        self.assertAlmostEqual(qty / window_hours, POISSON_RATE, delta=error)
        lines = self._forecast(company=company)
        line = self._line(lines, part, 1)
        self.assertAlmostEqual(
            line.qty_failures, sum(usage) * 31 * POISSON_RATE, delta=sum(usage) * 31 * error
        )
        self.assertEqual(line.backtest_months, 12)
        self.assertTrue(line.beats_naive, f"model {line.mape:.1f} % vs naive {line.naive_mape:.1f} %")
        self.assertLess(line.mape, 20)
        self.assertEqual(line.backtest_note, "Beats the naive forecast")

    def test_parts_issued_summed_once_for_all_units(self):
        """The backtest's one query sums the stock moves of each day's window once, in a step of
        its own, then meets the units: never once per unit and day. A full test run met this
        query for minutes: on young tables the planner estimated one unit and ran the stock moves'
        sums again for each of the 50 units × 13 days inside a nested loop."""
        Forecast = self.env["after_sales.parts.forecast"].with_context(allowed_company_ids=self.company.ids)
        days = [AS_OF - timedelta(days=30 * month) for month in range(13)]
        self.env.cr.execute(SQL("EXPLAIN %s", Forecast._sql_rate_sums(days)))
        plan = [row[0] for row in self.env.cr.fetchall()]
        self.assertEqual(sum("CTE issued" in line for line in plan), 1, "\n".join(plan))
        self.assertEqual(sum(" on stock_move " in line for line in plan), 1, "\n".join(plan))
        usage, __, issued = Forecast._read_rate_sums(days)
        self.assertEqual(
            sum(count for (as_of, __, __, __), (__, count) in issued.items() if as_of == AS_OF), 9
        )
        self.assertTrue(all(as_of in days for as_of, __, __, __ in usage))

    # ------------------------------------------------------------ found in the browser

    def test_no_history_is_no_score(self):
        """A part never issued in the backtest has no MAPE: the page leaves it blank and says there
        is no history to check, instead of a perfect 0 %."""
        part_w = self._part("Filter W")
        env = self.env(context=dict(self.env.context, allowed_company_ids=[self.company.id]))
        env["after_sales.request"].with_company(self.company).create(
            self._request_vals(self.unit_a, part_w, 2)
        )
        lines = self._forecast(self.stock_manager)
        w = self._line(lines, part_w, 3)
        self.assertRecordValues(
            w,
            [
                {
                    "qty_open_requests": 2,
                    "backtest_months": 0,
                    "beats_naive": False,
                    "backtest_note": "No history to check",
                }
            ],
        )
        self.assertGreater(self._line(lines, self.part_y, 3).backtest_months, 0)
        Line = self.env["after_sales.parts.forecast.line"].with_user(self.stock_manager)
        arch = Line.get_views([(False, "list")])["views"]["list"]["arch"]
        columns = {node.get("name"): node for node in etree.fromstring(arch).iter("field")}
        for name in ("mape", "naive_mape", "beats_naive"):
            self.assertEqual(columns[name].get("invisible"), "not backtest_months", name)
        # "does not beat naive" lists the parts checked and beaten, not those without history
        no_history = Line.search([("id", "in", lines.ids), ("backtest_months", "=", 0)])
        self.assertIn(w, no_history)

    def test_generated_history_naive_wins_on_rising_failures(self):
        """10 units at 8 h/day since 2024-07-01 issue one part a month, then ten a month from
        January 2026: the model's yearly rate lags behind, the naive 3-month mean catches up. The
        model does not beat it and the line says so."""
        company = self.env["res.company"].create({"name": "Forecast Ageing Co"})
        warehouse = self.env["stock.warehouse"].search([("company_id", "=", company.id)])
        product = self._create_serial_product("Forecast ageing pump")
        part = self._part("Ageing seal")
        units = [self._unit(company, product, date(2024, 7, 1), HOURS_PER_DAY) for __ in range(10)]
        events = []
        month = date(2024, 8, 1)
        while month <= date(2026, 6, 1):
            count = 10 if month >= date(2026, 1, 1) else 1
            events += [
                (units[i], part, datetime.combine(month, datetime.min.time()).replace(day=10 + i, hour=12))
                for i in range(count)
            ]
            month = (month + timedelta(days=32)).replace(day=1)
        self._stock(warehouse, part, len(events))
        self._history(company, warehouse, events)
        line = self._line(self._forecast(company=company), part, 1)
        self.assertEqual(line.backtest_months, 12)
        message = f"model {line.mape:.1f} % vs naive {line.naive_mape:.1f} %"
        self.assertLess(line.naive_mape, line.mape, message)
        self.assertRecordValues(
            line, [{"beats_naive": False, "backtest_note": "Does not beat the naive forecast"}]
        )
