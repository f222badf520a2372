import datetime
import random

from odoo import Command, api, fields, models

# the history's length: the forecast's backtest reads 12 months and 3 more for its naive forecast
HISTORY_DAYS = 460
# (product, cause, part or None, failures per 1,000 operating hours, work hours) by external id of
# after_sales_service; the rate grows with the unit's hours (wear: ``AGEING_HOURS``)
FAILURE_MODES = (
    ("product_generator_demo", "cause_wear", "product_part_injector_demo", 0.45, 3.0),
    ("product_generator_demo", "cause_defect", "product_part_starter_demo", 0.08, 4.0),
    ("product_generator_demo", "cause_wear", "product_part_filter_demo", 0.10, 1.0),
    ("product_generator_demo", "cause_misuse", None, 0.04, 2.0),
    ("product_compressor_demo", "cause_wear", "product_part_inlet_valve_demo", 0.40, 2.5),
    ("product_compressor_demo", "cause_defect", "product_part_pressure_sensor_demo", 0.06, 1.5),
    ("product_compressor_demo", "cause_installation", None, 0.02, 3.0),
    ("product_drive_demo", "cause_defect", "product_part_drive_fan_demo", 0.12, 1.0),
)
# (product, units, (lowest, highest) hours a day)
FLEET = (
    ("product_generator_demo", 20, (6.0, 12.0)),
    ("product_compressor_demo", 22, (10.0, 20.0)),
    ("product_drive_demo", 10, (14.0, 22.0)),
)
# the failure rate at H operating hours is the mode's rate × (1 + H / AGEING_HOURS)
AGEING_HOURS = 30000.0
QUESTIONS = 12
# demo content, like the demo XML's texts
RESOLUTION = "<p>Replaced the worn or faulty part; tested under load.</p>"


class AfterSalesDemoHistory(models.AbstractModel):
    """Demo data only: a year and more of an installed base's life, so that the reliability
    analyses and the parts forecast show something real.

    Called once by the demo data (``demo/after_sales_history_demo.xml``). Deterministic (a seeded
    random generator) with dates relative to today: units commissioned over the last four years
    with their daily utilisation, a meter reading a month, and failures drawn day by day as a
    Poisson process per operating hour (``FAILURE_MODES``), each a closed request with its cause,
    its repair work and the part replaced; plus a few questions. Sibling modules extend
    ``_generate_history`` (the parts module issues the parts from stock).
    """

    _name = "after_sales.demo.history"
    _description = "Demo History Generator"

    @api.model
    def _generate_history(self, seed=25):
        """Generate the history once (nothing when it exists); returns the requests made."""
        if self.env.ref("after_sales_service.history_unit_0000_demo", raise_if_not_found=False):
            return self.env["after_sales.request"]
        rng = random.Random(seed)
        today = fields.Date.context_today(self)
        units, plans = self._history_units(rng, today)
        self._history_readings(units, plans, today)
        return self._history_requests(rng, units, plans, today)

    # ------------------------------------------------------------ the fleet

    @api.model
    def _history_customers(self):
        return [
            self.env.ref(f"after_sales_service.{xmlid}")
            for xmlid in (
                "partner_baltic_food_demo",
                "partner_city_hospital_demo",
                "partner_ural_mining_demo",
                "partner_volga_logistics_demo",
                "partner_siberia_foods_demo",
                "partner_kama_water_demo",
            )
        ]

    @api.model
    def _history_units(self, rng, today):
        """The units and, per unit, its daily hours for each day of its service until today."""
        customers = self._history_customers()
        vals_list, plans = [], []
        for product_xmlid, count, (low, high) in FLEET:
            product = self.env.ref(f"after_sales_service.{product_xmlid}")
            for _i in range(count):
                # a growing fleet: a third commissioned within the last year
                age = rng.randint(30, 365) if rng.random() < 0.33 else rng.randint(366, 1460)
                start = today - datetime.timedelta(days=age)
                customer = rng.choice(customers)
                mean = rng.uniform(low, high)
                # a month's utilisation varies around the unit's mean
                monthly = [mean * rng.uniform(0.8, 1.2) for _m in range(age // 30 + 2)]
                plans.append({"product": product_xmlid, "start": start, "monthly": monthly})
                vals_list.append(
                    {
                        "product_id": product.id,
                        "partner_id": customer.id,
                        "delivery_date": start - datetime.timedelta(days=rng.randint(7, 40)),
                        "commissioning_date": start,
                    }
                )
        units = self.env["after_sales.equipment"].with_context(tracking_disable=True).create(vals_list)
        self.env["ir.model.data"]._update_xmlids(
            [
                {
                    "xml_id": f"after_sales_service.history_unit_{index:04d}_demo",
                    "record": unit,
                    "noupdate": True,
                }
                for index, unit in enumerate(units)
            ]
        )
        return units, plans

    @api.model
    def _daily_hours(self, plan, day):
        return plan["monthly"][(day - plan["start"]).days // 30]

    @api.model
    def _history_readings(self, units, plans, today):
        """A reading a month (the last one a few days ago) over the history, per unit."""
        first_day = today - datetime.timedelta(days=HISTORY_DAYS)
        vals_list = []
        for unit, plan in zip(units, plans, strict=True):
            hours, day = 0.0, plan["start"]
            plan["hours"] = {}
            while day < today:
                plan["hours"][day] = hours
                hours += self._daily_hours(plan, day)
                day += datetime.timedelta(days=1)
            plan["hours"][today] = hours
            for offset in range(0, HISTORY_DAYS + 30, 30):
                read_on = max(first_day, plan["start"]) + datetime.timedelta(days=offset + 3)
                read_on = min(today - datetime.timedelta(days=2), read_on)
                if read_on <= plan["start"]:
                    continue
                vals_list.append(
                    {
                        "equipment_id": unit.id,
                        "date": read_on,
                        "hours": round(plan["hours"][read_on]),
                        "source": "customer",
                    }
                )
                if read_on == today - datetime.timedelta(days=2):
                    break
        self.env["after_sales.meter.reading"].create(vals_list)

    # ------------------------------------------------------------ the requests

    @api.model
    def _history_failures(self, rng, units, plans, today):
        """[(unit, moment, mode)]: failures drawn day by day (Poisson per operating hour)."""
        first_day = today - datetime.timedelta(days=HISTORY_DAYS)
        failures = []
        for unit, plan in zip(units, plans, strict=True):
            modes = [mode for mode in FAILURE_MODES if mode[0] == plan["product"]]
            day = max(first_day, plan["start"])
            while day < today - datetime.timedelta(days=3):
                daily = self._daily_hours(plan, day)
                ageing = 1 + plan["hours"][day] / AGEING_HOURS
                for mode in modes:
                    if rng.random() < mode[3] / 1000 * daily * ageing:
                        moment = datetime.datetime.combine(
                            day, datetime.time(rng.randint(6, 16), rng.randint(0, 59))
                        )
                        failures.append((unit, moment, mode))
                day += datetime.timedelta(days=1)
        failures.sort(key=lambda failure: failure[1])
        return failures

    @api.model
    def _history_requests(self, rng, units, plans, today):
        ref = self.env.ref
        work = ref("after_sales_service.product_work_repair_demo")
        failures = self._history_failures(rng, units, plans, today)
        vals_list, closing = [], []
        # entered closed, as the records of the past they are: the customers are not told again
        # that they were received (the rating requests of their closing are sent, as they were)
        closed = {"stage_id": ref("after_sales_service.stage_closed").id, "resolution": RESOLUTION}
        for unit, moment, (_product, cause, part, _rate, work_hours) in failures:
            cause = ref(f"after_sales_service.{cause}")
            lines = [
                Command.create(
                    {"line_type": "work", "product_id": work.id, "quantity": work_hours, "done": True}
                )
            ]
            if part:
                part = ref(f"after_sales_service.{part}")
                lines.append(
                    Command.create({"line_type": "part", "product_id": part.id, "quantity": 1, "done": True})
                )
            vals_list.append(
                {
                    "title": f"{cause.name} / {unit.product_id.name}",
                    "equipment_id": unit.id,
                    "partner_id": unit.partner_id.id,
                    "cause_id": cause.id,
                    "request_type": "repair",
                    "date_open": moment,
                    "line_ids": lines,
                    **closed,
                }
            )
            # answered within hours, resolved within 1 to 5 days
            answered = moment + datetime.timedelta(hours=rng.uniform(0.5, 6))
            closing.append((answered, answered + datetime.timedelta(hours=rng.uniform(4, 110))))
        question = ref("after_sales_service.cause_question")
        for _i in range(QUESTIONS):
            unit = rng.choice(units)
            moment = datetime.datetime.combine(
                today - datetime.timedelta(days=rng.randint(5, HISTORY_DAYS)), datetime.time(10)
            )
            if moment.date() <= unit.commissioning_date:
                continue
            vals_list.append(
                {
                    "title": f"{question.name} / {unit.product_id.name}",
                    "equipment_id": unit.id,
                    "partner_id": unit.partner_id.id,
                    "cause_id": question.id,
                    "request_type": "consultation",
                    "date_open": moment,
                    **closed,
                }
            )
            closing.append((moment + datetime.timedelta(hours=1), moment + datetime.timedelta(hours=2)))
        Request = self.env["after_sales.request"].with_context(
            tracking_disable=True,
            mail_create_nolog=True,
            mail_notrack=True,
            mail_auto_subscribe_no_notify=True,
        )
        requests = Request.create(vals_list)
        self.env["ir.model.data"]._update_xmlids(
            [
                {
                    "xml_id": f"after_sales_service.history_request_{index:04d}_demo",
                    "record": request,
                    "noupdate": True,
                }
                for index, request in enumerate(requests)
            ]
        )
        for request, (answered, resolved) in zip(requests, closing, strict=True):
            request._write_unchecked(
                {"sla_response_date": answered, "sla_resolution_date": resolved, "date_closed": resolved}
            )
        return requests
