from datetime import date

from freezegun import freeze_time

from odoo.tests import new_test_user, tagged

from .common import AfterSalesCommon


@tagged("post_install", "-at_install")
class TestMeterReadingSeries(AfterSalesCommon):
    """Each unit's readings as sorted arrays (``after_sales.meter.reading._refresh_series``): what
    the fleet figures and the parts forecast read the hours of a whole fleet from."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls._create_serial_product("Series Pump SP-3")
        cls.unit_a = cls._create_unit(product=cls.product, commissioning_date=date(2026, 1, 1))
        cls.unit_b = cls._create_unit(product=cls.product, commissioning_date=date(2026, 1, 1))
        cls.engineer = new_test_user(
            cls.env, login="as_series_engineer", groups="after_sales_service.group_after_sales_user"
        )

    def _series(self, unit):
        self.env.cr.execute(
            "SELECT dates, hours FROM after_sales_meter_reading_series WHERE equipment_id = %s", [unit.id]
        )
        return self.env.cr.fetchone()

    def _read(self, unit, day, hours, user=None):
        Reading = self.env["after_sales.meter.reading"].with_user(user or self.env.user)
        return Reading.create({"equipment_id": unit.id, "date": day, "hours": hours})

    @freeze_time("2026-12-31 12:00:00")
    def test_series_follows_every_change_of_the_readings(self):
        self.assertIsNone(self._series(self.unit_a), "a unit without readings has no series")
        # entered out of order, by an engineer of the service (no right on the series' table)
        march = self._read(self.unit_a, date(2026, 3, 1), 600.0, self.engineer)
        self._read(self.unit_a, date(2026, 1, 31), 300.0, self.engineer)
        june = self._read(self.unit_a, date(2026, 6, 1), 1200.0, self.engineer)
        self.assertEqual(
            self._series(self.unit_a),
            ([date(2026, 1, 31), date(2026, 3, 1), date(2026, 6, 1)], [300.0, 600.0, 1200.0]),
        )
        march.with_user(self.engineer).write({"hours": 650.0, "date": date(2026, 3, 2)})
        self.assertEqual(self._series(self.unit_a)[1], [300.0, 650.0, 1200.0])
        self.assertEqual(self._series(self.unit_a)[0][1], date(2026, 3, 2))
        # a note changes nothing the series holds (and writes no series)
        june.note = "read by the customer"
        self.assertEqual(self._series(self.unit_a)[1], [300.0, 650.0, 1200.0])
        # moved to another unit: both series follow
        june.equipment_id = self.unit_b
        self.assertEqual(self._series(self.unit_a)[1], [300.0, 650.0])
        self.assertEqual(self._series(self.unit_b), ([date(2026, 6, 1)], [1200.0]))
        june.with_env(self.env).unlink()  # a manager's right
        self.assertIsNone(self._series(self.unit_b), "a unit whose last reading is deleted has no series")
        self.unit_a.unlink()
        self.assertIsNone(self._series(self.unit_a), "a deleted unit takes its series with it")

    @freeze_time("2026-12-31 12:00:00")
    def test_fleet_figures_follow_a_new_reading(self):
        period = (date(2026, 1, 1), date(2026, 12, 30))
        reliability = self.env["after_sales.reliability"]
        domain = [("product_id", "=", self.product.id)]
        figures = reliability._get_fleet_figures(*period, domain)[self.product]
        self.assertIsNone(figures["hours"], "no unit has readings yet: the hours are unknown")
        self.assertEqual(figures["units_with_hours"], 0)
        # 10 h a day from the commissioning on: 3,640 h on 2026-12-31, the end of the period
        self._read(self.unit_a, date(2026, 7, 1), 1810.0, self.engineer)
        figures = reliability._get_fleet_figures(*period, domain)[self.product]
        self.assertEqual(figures["units"], 2)
        self.assertEqual(figures["units_with_hours"], 1)
        self.assertAlmostEqual(figures["hours"], 3640.0, places=6)
        # the figures per product are those of its units summed
        per_unit = reliability._get_unit_figures(*period, domain)
        self.assertAlmostEqual(per_unit[self.unit_a.id]["hours"], 3640.0, places=6)
        self.assertIsNone(per_unit[self.unit_b.id]["hours"])
        self.assertEqual(
            figures["unit_days"], sum(unit_figures["unit_days"] for unit_figures in per_unit.values())
        )
