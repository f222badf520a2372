from datetime import date, datetime

from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import AfterSalesCommon, read_workbook, table

TODAY = "2026-12-31 12:00:00"
PERIOD = (date(2026, 1, 1), date(2026, 11, 30))


@tagged("post_install", "-at_install")
class TestReliability(AfterSalesCommon):
    """Reliability of a hand-computed fleet of 20 units of one product; today is 2026-12-31.

    Period 2026-01-01 .. 2026-11-30: its days at risk end on 2026-12-01 (exclusive).

    - units 1-10 commissioned 2025-01-01: 334 days each in the period;
      1-5 read 1,000 h on 2026-01-01 and 3,000 h on 2026-12-01: 2,000 h each;
      6-10 read 800 h on 2025-12-22, 1,000 h on 2026-01-11 (900 h on 2026-01-01),
      2,700 h on 2026-11-21, 2,900 h on 2026-12-11 (2,800 h on 2026-12-01): 1,900 h each;
    - units 11-19 commissioned 2026-07-02 (152 days), one reading of 910 h on 2026-10-01
      (10 h a day since the start): 0 h on 2026-07-02, 910 + 910 x 61 / 91 = 1,520 h on
      2026-12-01: 1,520 h each;
    - unit 20 commissioned 2026-07-02, decommissioned 2026-10-01 (91 days), no reading.

    Unit-days 10 x 334 + 9 x 152 + 91 = 4,799; hours 5 x 2,000 + 5 x 1,900 + 9 x 1,520 = 33,180.

    Failures (cause "defect" unless said), received at 09:00:
      F1 unit 1, 2026-03-02, resolved after 4 h, one visit of 2 h on site;
      F2 unit 1, 2026-03-20, resolved after 24 h, no visit: repeats F1 within 30 days;
      F3 unit 1, 2026-06-01, resolved after 8 h, two visits (1.5 h on site, one never checked in):
         repeats F2 (resolved 72 days before) within 90 days only;
      F4 unit 2, 2026-05-04, "wear", resolved after 10 h, one visit;
      F5 unit 12, 2026-11-02, open;
      F6 unit 20, 2026-08-03, resolved after 2 h (a unit without hours);
      F8 unit 5, 2025-12-15, resolved 2025-12-20 (before the period);
      F9 unit 5, 2026-01-10, resolved after 6 h: repeats F8 within 30 days;
      F10 unit 11, 2026-05-01, before its commissioning: not at risk;
      F12 unit 13, 2026-12-05, resolved after 24 h; F11 unit 13, 2026-12-10, open: repeats F12
      (both after the period);
    not failures: a cancelled request on unit 3, a question on unit 4.

    In the period: F1 F2 F3 F4 F5 F6 F9 = 7 failures, 6 of units with hours; 6 resolved
    (4 + 24 + 8 + 10 + 2 + 6 = 54 h); repeats within 30 days F2 F9, within 90 days F2 F3 F9;
    first-time fixes F2 F4 F6 F9 (F1 returned as F2, F3 needed two visits).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.defect = cls.env["after_sales.cause"].create({"name": "Reliability defect"})
        cls.wear = cls.env["after_sales.cause"].create({"name": "Reliability wear"})
        cls.question = cls.env["after_sales.cause"].create(
            {"name": "Reliability question", "is_failure": False}
        )
        cls.stage_resolved = cls.env.ref("after_sales_service.stage_resolved")
        cls.stage_cancelled = cls.env.ref("after_sales_service.stage_cancelled")
        cls.product = cls._create_serial_product("Reliability Compressor RC-7")
        cls.bearing = cls.env["product.product"].create({"name": "RC bearing", "type": "consu"})
        cls.seal = cls.env["product.product"].create({"name": "RC seal", "type": "consu"})
        cls.engineer = new_test_user(
            cls.env, login="as_reliability_engineer", groups="after_sales_service.group_after_sales_user"
        )
        old, new = date(2025, 1, 1), date(2026, 7, 2)
        cls.unit = {
            number: cls._create_unit(product=cls.product, commissioning_date=old if number <= 10 else new)
            for number in range(1, 21)
        }
        with freeze_time("2026-10-01 08:00:00"):
            cls.unit[20].state = "decommissioned"
        readings = []
        for number in range(1, 6):
            readings += [(number, "2026-01-01", 1000), (number, "2026-12-01", 3000)]
        for number in range(6, 11):
            readings += [
                (number, "2025-12-22", 800),
                (number, "2026-01-11", 1000),
                (number, "2026-11-21", 2700),
                (number, "2026-12-11", 2900),
            ]
        readings += [(number, "2026-10-01", 910) for number in range(11, 20)]
        with freeze_time(TODAY):
            cls.env["after_sales.meter.reading"].create(
                [{"equipment_id": cls.unit[n].id, "date": day, "hours": hours} for n, day, hours in readings]
            )
        cls.f1 = cls._failure(1, "2026-03-02 09:00:00", resolved="2026-03-02 13:00:00", visits=[(2, True)])
        cls.f2 = cls._failure(1, "2026-03-20 09:00:00", resolved="2026-03-21 09:00:00")
        cls.f3 = cls._failure(
            1, "2026-06-01 09:00:00", resolved="2026-06-01 17:00:00", visits=[(1.5, True), (1, False)]
        )
        cls.f4 = cls._failure(
            2, "2026-05-04 09:00:00", cause=cls.wear, resolved="2026-05-04 19:00:00", visits=[(1, False)]
        )
        cls.f5 = cls._failure(12, "2026-11-02 09:00:00")
        cls.f6 = cls._failure(20, "2026-08-03 09:00:00", resolved="2026-08-03 11:00:00")
        cls.f8 = cls._failure(5, "2025-12-15 09:00:00", resolved="2025-12-20 09:00:00")
        cls.f9 = cls._failure(5, "2026-01-10 09:00:00", resolved="2026-01-10 15:00:00")
        cls.f10 = cls._failure(11, "2026-05-01 09:00:00", resolved="2026-05-01 10:00:00")
        cls.f12 = cls._failure(13, "2026-12-05 09:00:00", resolved="2026-12-06 09:00:00")
        cls.f11 = cls._failure(13, "2026-12-10 09:00:00")
        cls.cancelled = cls._failure(3, "2026-04-01 09:00:00")
        with freeze_time("2026-04-02 09:00:00"):
            cls.cancelled.stage_id = cls.stage_cancelled
        cls.asked = cls._failure(4, "2026-04-01 09:00:00", cause=cls.question, resolved="2026-04-01 10:00:00")
        # parts replaced under F3: the bearing first, then a seal; a part not used does not count
        cls.env["after_sales.request.line"].create(
            [
                {
                    "request_id": cls.f3.id,
                    "line_type": "part",
                    "product_id": cls.seal.id,
                    "quantity": 1,
                    "done": True,
                    "sequence": 20,
                },
                {
                    "request_id": cls.f3.id,
                    "line_type": "part",
                    "product_id": cls.bearing.id,
                    "quantity": 2,
                    "done": True,
                    "sequence": 10,
                },
                {
                    "request_id": cls.f3.id,
                    "line_type": "part",
                    "product_id": cls.bearing.id,
                    "quantity": 5,
                    "done": False,
                    "sequence": 5,
                },
            ]
        )
        cls.env.flush_all()

    @classmethod
    def _failure(cls, number, moment, cause=None, resolved=None, visits=()):
        """A request on unit ``number`` received at ``moment``; ``visits``: (hours on site, checked in)."""
        with freeze_time(moment):
            request = cls.env["after_sales.request"].create(
                {
                    "title": f"Failure of unit {number}",
                    "equipment_id": cls.unit[number].id,
                    "cause_id": (cause or cls.defect).id,
                }
            )
        start = datetime.fromisoformat(moment)
        for hours, checked in visits:
            visit = cls.env["after_sales.visit"].create(
                {
                    "request_id": request.id,
                    "planned_start": start,
                    "planned_end": start.replace(hour=start.hour + 3),
                    "engineer_ids": cls.engineer.ids,
                }
            )
            if checked:
                with freeze_time(start):
                    visit.with_user(cls.engineer).action_check_in()
                with freeze_time(start.replace(hour=start.hour + int(hours), minute=int(hours % 1 * 60))):
                    visit.with_user(cls.engineer).action_check_out()
            start = start.replace(hour=start.hour + 3)
        if resolved:
            with freeze_time(resolved):
                request.stage_id = cls.stage_resolved
        cls.env.flush_all()
        return request

    def _rows(self, user=None):
        Report = self.env["after_sales.reliability.report"].with_user(user or self.as_user)
        return Report.search([("product_id", "=", self.product.id)])

    def _fleet(self, user=None):
        reliability = self.env["after_sales.reliability"].with_user(user or self.as_user)
        with freeze_time(TODAY):
            figures = reliability._get_fleet_figures(*PERIOD, [("product_id", "=", self.product.id)])
        return figures.get(self.product.with_user(user or self.as_user))

    def test_failures_are_requests_with_a_failure_cause(self):
        rows = self._rows()
        failures = self.f1 | self.f2 | self.f3 | self.f4 | self.f5 | self.f6 | self.f8 | self.f9 | self.f10
        self.assertEqual(rows.request_id, failures | self.f11 | self.f12)

    def test_repeats_and_first_time_fixes(self):
        rows = {row.request_id: row for row in self._rows()}
        repeat_30 = {request for request, row in rows.items() if row.is_repeat_30}
        repeat_90 = {request for request, row in rows.items() if row.is_repeat_90}
        fixed = {request for request, row in rows.items() if row.is_first_time_fix}
        self.assertEqual(repeat_30, {self.f2, self.f9, self.f11})
        self.assertEqual(repeat_90, {self.f2, self.f3, self.f9, self.f11})
        # F8 returned as F9 (21 days after its resolution), F12 as F11; F5 and F11 are open
        self.assertEqual(fixed, {self.f2, self.f4, self.f6, self.f9, self.f10})

    def test_component_parts_visits_and_bands(self):
        rows = {row.request_id: row for row in self._rows()}
        self.assertRecordValues(
            rows[self.f3],
            [
                {
                    "component_id": self.bearing.id,
                    "parts_qty": 3.0,
                    "visit_count": 2,
                    "onsite_hours": 1.5,
                    "repair_time": 8.0,
                    "age_band": "1_2",
                }
            ],
        )
        self.assertRecordValues(
            rows[self.f1], [{"component_id": False, "parts_qty": 0.0, "onsite_hours": 2.0}]
        )
        # unit 1 between 1,000 h (2026-01-01) and 3,000 h (2026-12-01): 60 of 334 days on 2026-03-02
        self.assertAlmostEqual(rows[self.f1].hours_at_failure, 1000 + 2000 * 60 / 334, places=6)
        # unit 12: 910 h on 2026-10-01, 10 h a day since 2026-07-02: 1,230 h on 2026-11-02
        self.assertRecordValues(
            rows[self.f5], [{"hours_at_failure": 1230.0, "hours_band": "1000_2500", "age_band": "0_1"}]
        )
        self.assertRecordValues(rows[self.f6], [{"hours_at_failure": 0.0, "hours_band": False}])

    def test_fleet_figures(self):
        figures = self._fleet()
        expected = {
            "units": 20,
            "unit_days": 4799,
            "hours": 33180.0,
            "failures": 7,
            "failures_with_hours": 6,
            "mtbf_hours": 5530.0,
            "mttr_hours": 9.0,
            "onsite_hours": 0.5,
        }
        self.assertEqual({key: figures[key] for key in expected}, expected)
        self.assertAlmostEqual(figures["unit_years"], 4799 / 365)
        self.assertAlmostEqual(figures["failures_per_1000_hours"], 6 / 33180 * 1000)
        self.assertAlmostEqual(figures["failures_per_unit_year"], 7 / (4799 / 365))
        self.assertAlmostEqual(figures["mtbf_days"], 4799 / 7)
        self.assertAlmostEqual(figures["repeat_rate_30"], 200 / 7)
        self.assertAlmostEqual(figures["repeat_rate_90"], 300 / 7)
        self.assertAlmostEqual(figures["first_time_fix_rate"], 400 / 6)

    def test_fleet_of_a_customer_and_none_at_risk(self):
        other = self.env["res.partner"].create({"name": "Reliability second fleet"})
        self.unit[2].partner_id = other
        with freeze_time(TODAY):
            figures = self.env["after_sales.reliability"]._get_fleet_figures(
                *PERIOD, [("partner_id", "=", other.id)]
            )[self.product]
        self.assertEqual(
            {key: figures[key] for key in ("units", "unit_days", "hours", "failures", "first_time_fix_rate")},
            {"units": 1, "unit_days": 334, "hours": 2000.0, "failures": 1, "first_time_fix_rate": 100.0},
        )
        with freeze_time(TODAY):
            figures = self.env["after_sales.reliability"]._get_fleet_figures(
                date(2024, 1, 1), date(2024, 12, 31), [("product_id", "=", self.product.id)]
            )
        self.assertEqual(figures, {}, "no unit was in service in 2024")

    def test_fleet_wizard(self):
        with freeze_time(TODAY):
            form = Form(self.env["after_sales.reliability.fleet.wizard"].with_user(self.as_user))
            form.date_from, form.date_to = PERIOD
            form.product_ids.add(self.product)
            wizard = form.save()
            wizard.action_compute()
        self.assertEqual(wizard.display_name, "Fleet Reliability", "the page's title, not model,id")
        self.assertRecordValues(
            wizard.line_ids,
            [
                {
                    "product_id": self.product.id,
                    "units": 20,
                    "failures": 7,
                    "mtbf_hours": 5530.0,
                    "mttr_hours": 9.0,
                }
            ],
        )

    def test_period_must_be_in_order(self):
        form = Form(self.env["after_sales.reliability.fleet.wizard"].with_user(self.as_user))
        form.date_from, form.date_to = date(2026, 2, 1), date(2026, 1, 1)
        with self.assertRaises(ValidationError) as caught:
            form.save()
        self.assertEqual(str(caught.exception), "The period must start before it ends.")
        self.assertFalse(
            self.env["after_sales.reliability.fleet.wizard"].search([("date_from", "=", "2026-02-01")])
        )

    def test_unit_health(self):
        with freeze_time(TODAY):
            units = (self.unit[1] | self.unit[2] | self.unit[12] | self.unit[13]).with_user(self.as_user)
            lifetime = self.env["after_sales.reliability"]._get_fleet_figures(
                unit_domain=[("product_id", "=", self.product.id)]
            )[self.product]
            # unit 12: 183 days in service, 910 + 910 x 92 / 91 = 1,830 h, one failure
            self.assertEqual(units.mapped("reliability_failure_count"), [3, 1, 1, 2])
            self.assertEqual(units.mapped("reliability_attention"), [True, False, False, True])
            self.assertRecordValues(
                units[2], [{"reliability_mtbf_hours": 1830.0, "reliability_mtbf_days": 183.0}]
            )
            self.assertAlmostEqual(units[0].reliability_product_mtbf_hours, lifetime["mtbf_hours"], places=1)
            self.assertIn("repeats", units[3].reliability_attention_reason)
            self.assertIn("per 1,000 h", units[0].reliability_attention_reason)
            due = (
                self.env["after_sales.equipment"]
                .with_user(self.as_user)
                .search([("reliability_attention", "=", True), ("product_id", "=", self.product.id)])
            )
        # unit 5 failed twice too (F8, F9), at 2 / 3,133 h against the product's 9 / 47,064 h
        self.assertEqual(due, self.unit[1] | self.unit[5] | self.unit[13])

    def test_units_due_for_attention_searched_as_set_or_not(self):
        Unit = self.env["after_sales.equipment"].with_user(self.as_user)
        with freeze_time(TODAY):
            healthy = Unit.search(
                [("reliability_attention", "=", False), ("product_id", "=", self.product.id)]
            )
            due = Unit.search([("reliability_attention", "in", [True]), ("product_id", "=", self.product.id)])
        self.assertEqual(due, self.unit[1] | self.unit[5] | self.unit[13])
        self.assertEqual(healthy, Unit.search([("product_id", "=", self.product.id)]) - due)

    def test_decommissioning_date_follows_the_state(self):
        self.assertEqual(self.unit[20].decommissioning_date, date(2026, 10, 1))
        with freeze_time("2026-11-01"):
            self.unit[20].state = "decommissioned"
        self.assertEqual(self.unit[20].decommissioning_date, date(2026, 10, 1), "kept when set again")
        self.unit[20].state = "in_service"
        self.assertFalse(self.unit[20].decommissioning_date)

    def test_other_company_user_sees_nothing(self):
        other_company = self.env["res.company"].create({"name": "Reliability Other Co"})
        outsider = new_test_user(
            self.env,
            login="as_user_reliability_other",
            groups="after_sales_service.group_after_sales_user",
            company_id=other_company.id,
            company_ids=[other_company.id],
        )
        self.assertFalse(self.env["after_sales.reliability.report"].with_user(outsider).search([]))
        with freeze_time(TODAY):
            self.assertFalse(
                self.env["after_sales.reliability"].with_user(outsider)._get_fleet_figures(*PERIOD)
            )
        # the user of the fleet's company reads the same figures as the superuser
        self.assertEqual(self._fleet(self.as_user)["failures"], 7)

    def test_outsiders_read_no_failures(self):
        with self.assertRaises(AccessError):
            self.env["after_sales.reliability.report"].with_user(self.internal_user).search([])
        with self.assertRaises(AccessError), freeze_time(TODAY):
            self.env["after_sales.reliability"].with_user(self.internal_user)._get_fleet_figures(*PERIOD)

    # ------------------------------------------------------------ found in the browser

    def test_hours_bands_in_their_order(self):
        """The hours bands group in their numeric order (pivot, graph), not as text, where
        "10000_20000" comes before "2500_5000"."""
        product = self._create_serial_product("Reliability band pump")
        units = [self._create_unit(product=product, commissioning_date=date(2025, 1, 1)) for __ in range(3)]
        with freeze_time(TODAY):
            self.env["after_sales.meter.reading"].create(
                [
                    {"equipment_id": unit.id, "date": "2026-06-01", "hours": hours}
                    for unit, hours in zip(units, (12000, 3000, 500), strict=True)
                ]
            )
        for unit in units:
            with freeze_time("2026-06-01 10:00:00"):
                self.env["after_sales.request"].create(
                    {"title": "Band failure", "equipment_id": unit.id, "cause_id": self.defect.id}
                )
        self.env.flush_all()
        Report = self.env["after_sales.reliability.report"].with_user(self.as_user)
        domain = [("product_id", "=", product.id)]
        groups = Report.formatted_read_group(domain, ["hours_band"], ["__count"])
        self.assertEqual([g["hours_band"] for g in groups], ["0_1000", "2500_5000", "10000_20000"])
        groups = Report._read_group(domain, ["hours_band"], ["__count"], order="hours_band desc")
        self.assertEqual([band for band, __ in groups], ["10000_20000", "2500_5000", "0_1000"])
        # as the pivot asks: rows by product then band, the band in its order within the product
        groups = Report.formatted_read_group(
            domain, ["product_id", "hours_band"], ["__count"], order="product_id, hours_band"
        )
        self.assertEqual([g["hours_band"] for g in groups], ["0_1000", "2500_5000", "10000_20000"])

    def test_unknown_hours_are_blank_not_zero(self):
        """A unit without meter readings has no hours: its figures per operating hour are None
        (blank in the views), not 0, and averages leave them out."""
        rows = {row.request_id: row for row in self._rows()}
        self.assertRecordValues(rows[self.f6], [{"has_hours": False}])
        self.assertRecordValues(rows[self.f5], [{"has_hours": True}])
        Report = self.env["after_sales.reliability.report"].with_user(self.as_user)
        [[average]] = Report._read_group(
            [("request_id", "in", (self.f5 | self.f6).ids)], [], ["hours_at_failure:avg"]
        )
        self.assertEqual(average, 1230.0, "F6's unknown hours are not averaged as 0")
        # unit 20 alone: 91 days, one failure, no reading
        with freeze_time(TODAY):
            figures = (
                self.env["after_sales.reliability"]
                .with_user(self.as_user)
                ._get_fleet_figures(*PERIOD, [("id", "=", self.unit[20].id)])[
                    self.product.with_user(self.as_user)
                ]
            )
        self.assertEqual(
            {
                key: figures[key]
                for key in (
                    "units_with_hours",
                    "hours",
                    "failures",
                    "failures_with_hours",
                    "failures_per_1000_hours",
                    "mtbf_hours",
                    "mtbf_days",
                )
            },
            {
                "units_with_hours": 0,
                "hours": None,
                "failures": 1,
                "failures_with_hours": 0,
                "failures_per_1000_hours": None,
                "mtbf_hours": None,
                "mtbf_days": 91.0,
            },
        )
        # the Fleet Reliability page of its customer: the counts the view hides the figures on
        other = self.env["res.partner"].create({"name": "Reliability fleet without meters"})
        self.unit[20].partner_id = other
        with freeze_time(TODAY):
            form = Form(self.env["after_sales.reliability.fleet.wizard"].with_user(self.as_user))
            form.date_from, form.date_to = PERIOD
            form.partner_id = other
            wizard = form.save()
            wizard.action_compute()
        self.assertRecordValues(
            wizard.line_ids,
            [{"units": 1, "units_with_hours": 0, "hours": 0.0, "failures": 1, "failures_with_hours": 0}],
        )
        arch = etree.fromstring(wizard.get_views([(False, "form")])["views"]["form"]["arch"])
        for name, condition in (
            ("hours", "not units_with_hours"),
            ("failures_per_1000_hours", "not hours"),
            ("mtbf_hours", "not failures_with_hours"),
            ("mtbf_days", "not failures"),
            ("mttr_hours", "not resolved"),
            ("first_time_fix_rate", "not resolved"),
        ):
            [column] = arch.xpath(f"//field[@name='line_ids']/list/field[@name='{name}']")
            self.assertEqual(column.get("invisible"), condition, name)
        # a unit's health: MTBF in hours unknown without readings, in days unknown without failure
        with freeze_time(TODAY):
            unit_20, unit_3 = self.unit[20].with_user(self.as_user), self.unit[3].with_user(self.as_user)
            self.assertRecordValues(
                unit_20 | unit_3,
                [
                    {
                        "reliability_failure_count": 1,
                        "reliability_mtbf_hours_known": False,
                        "reliability_mtbf_days_known": True,
                        "reliability_product_mtbf_hours_known": True,
                    },
                    {
                        "reliability_failure_count": 0,
                        "reliability_mtbf_hours_known": False,
                        "reliability_mtbf_days_known": False,
                        "reliability_product_mtbf_hours_known": True,
                    },
                ],
            )

    # ------------------------------------------------------------ the XLSX export

    def _export_xlsx(self, **defaults):
        """Export from the Fleet Reliability page of the period (and ``defaults``), as a user."""
        with freeze_time(TODAY):
            page = Form(self.env["after_sales.reliability.fleet.wizard"].with_user(self.as_user))
            page.date_from, page.date_to = PERIOD
            page.product_ids.add(self.product)
            for name, value in defaults.items():
                setattr(page, name, value)
            action = page.save().action_export_xlsx()
            self.assertEqual(action["res_model"], "after_sales.reliability.xlsx.wizard")
            form = Form(
                self.env[action["res_model"]].with_user(self.as_user).with_context(**action["context"])
            )
            wizard = form.save()
            result = wizard.action_export()
        return wizard, result

    def _read_export(self, wizard, result):
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", wizard._name), ("res_id", "=", wizard.id)]
        )
        self.assertEqual(result["url"], f"/web/content/{attachment.id}?download=true")
        self.assertEqual(attachment.name, "reliability_2026-01-01_2026-11-30.xlsx")
        return read_workbook(attachment.raw)

    def test_xlsx_registry_of_the_fleet_page(self):
        wizard, result = self._export_xlsx()
        self.assertEqual((wizard.date_from, wizard.date_to), PERIOD)
        self.assertEqual(wizard.product_ids, self.product)
        book = self._read_export(wizard, result)
        self.assertEqual(
            list(book),
            [
                "Registry",
                "By Product",
                "By Component",
                "By Cause",
                "By Hours Band",
                "By Month",
                "Fleet by Product",
            ],
        )
        registry = {row["Number"]: row for row in table(book["Registry"]) if row["Number"] != "Total"}
        # the failures the fleet figures count: F10 came before its unit's service start
        failures = self.f1 | self.f2 | self.f3 | self.f4 | self.f5 | self.f6 | self.f9
        self.assertEqual(set(registry), set(failures.mapped("name")))
        self.assertNotIn("Hours at Failure", registry[self.f6.name], "unknown hours: blank, not 0")
        self.assertEqual(registry[self.f5.name]["Hours at Failure"], 1230.0)
        self.assertNotIn("Repair Time (h)", registry[self.f5.name], "open: no repair time")
        self.assertEqual(registry[self.f3.name]["Component"], self.bearing.display_name)
        self.assertEqual(registry[self.f3.name]["Parts Replaced"], 3.0)
        self.assertEqual(registry[self.f2.name]["Repeat within 30 Days"], "Yes")
        [product] = [row for row in table(book["By Product"]) if row["Product"] != "Total"]
        self.assertEqual(product["Product"], self.product.display_name)
        self.assertEqual(product["Failures"], 7)
        self.assertEqual(product["MTTR (h)"], 9.0)
        self.assertAlmostEqual(product["Repeats 30 Days (%)"], 200 / 7)
        self.assertAlmostEqual(product["First-time Fix (%)"], 400 / 6)
        by_cause = {row["Cause"]: row["Failures"] for row in table(book["By Cause"])}
        self.assertEqual(by_cause, {"Reliability defect": 6, "Reliability wear": 1, "Total": 7})
        bands = [row["Hours Band"] for row in table(book["By Hours Band"])]
        self.assertEqual(bands, ["1,000 to 2,500 h", "Undefined", "Total"])
        [fleet] = table(book["Fleet by Product"])
        self.assertEqual(
            {key: fleet.get(key) for key in ("Units at Risk", "Operating Hours", "Failures", "MTBF (h)")},
            {"Units at Risk": 20, "Operating Hours": 33180.0, "Failures": 7, "MTBF (h)": 5530.0},
        )
        self.assertAlmostEqual(fleet["Failures per 1,000 h"], 6 / 33180 * 1000)

    def test_xlsx_fleet_without_meters_leaves_hours_blank(self):
        other = self.env["res.partner"].create({"name": "Reliability export without meters"})
        self.unit[20].partner_id = other
        wizard, result = self._export_xlsx(partner_id=other)
        [fleet] = table(self._read_export(wizard, result)["Fleet by Product"])
        self.assertEqual(fleet["Failures"], 1)
        self.assertEqual(fleet["MTBF (days)"], 91.0)
        for blank in ("Operating Hours", "Failures per 1,000 h", "MTBF (h)"):
            self.assertNotIn(blank, fleet)

    def test_xlsx_large_registry_goes_to_the_background_job(self):
        self.env.company.after_sales_registry_background_rows = 6
        with trap_jobs() as trap:
            __, result = self._export_xlsx()
            self.assertEqual(result["tag"], "display_notification")
            self.assertIn("7", result["params"]["message"])
            trap.assert_jobs_count(1)
            (job,) = trap.enqueued_jobs
            self.assertEqual(job.channel, "root.after_sales.report")
            self.assertEqual(job.user_id, self.as_user.id)
            with freeze_time(TODAY):
                trap.perform_enqueued_jobs()
        self.assertEqual(job.result.name, "reliability_2026-01-01_2026-11-30.xlsx")
        self.assertEqual(len(table(read_workbook(job.result.raw)["Registry"])), 8, "7 failures and the total")
