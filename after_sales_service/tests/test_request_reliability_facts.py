from datetime import date, datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import new_test_user, tagged

from odoo.addons.after_sales_service.models import after_sales_request_reliability_mixin as reliability_mixin

from .common import AfterSalesCommon


@tagged("post_install", "-at_install")
class TestRequestReliabilityFacts(AfterSalesCommon):
    """What a request stores for the Reliability Analysis follows every change it is read from.

    Unit A, commissioned 2025-01-01, reads 1,000 h on 2026-01-01 and 3,000 h on 2026-12-01; unit B
    has no reading. A request on A received 2026-06-01 09:00 finds A at 1,000 + 2,000 x 151 / 334 h
    (151 of the 334 days between the readings).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.defect = cls.env["after_sales.cause"].create({"name": "Facts defect"})
        cls.wear = cls.env["after_sales.cause"].create({"name": "Facts wear"})
        cls.stage_resolved = cls.env.ref("after_sales_service.stage_resolved")
        cls.stage_cancelled = cls.env.ref("after_sales_service.stage_cancelled")
        cls.product = cls._create_serial_product("Facts Compressor")
        cls.unit_a = cls._create_unit(product=cls.product, commissioning_date=date(2025, 1, 1))
        cls.unit_b = cls._create_unit(product=cls.product, commissioning_date=date(2025, 1, 1))
        with freeze_time("2026-12-31 12:00:00"):
            cls.first_reading, cls.last_reading = cls.env["after_sales.meter.reading"].create(
                [
                    {"equipment_id": cls.unit_a.id, "date": "2026-01-01", "hours": 1000},
                    {"equipment_id": cls.unit_a.id, "date": "2026-12-01", "hours": 3000},
                ]
            )

    def _request(self, unit, moment, cause=None):
        with freeze_time(moment):
            return self.env["after_sales.request"].create(
                {"title": "Facts failure", "equipment_id": unit.id, "cause_id": (cause or self.defect).id}
            )

    def _resolve(self, request, moment, stage=None):
        with freeze_time(moment):
            request.stage_id = stage or self.stage_resolved

    def _row(self, request):
        # the analysis is a view over the requests: read it afresh, as a new page would
        self.env.flush_all()
        self.env["after_sales.reliability.report"].invalidate_model()
        return self.env["after_sales.reliability.report"].search([("request_id", "=", request.id)])

    def test_hours_follow_readings_unit_and_start(self):
        request = self._request(self.unit_a, "2026-06-01 09:00:00")
        self.assertTrue(request.equipment_hours_known)
        self.assertAlmostEqual(request.equipment_hours, 1000 + 2000 * 151 / 334)
        self.assertAlmostEqual(self._row(request).hours_at_failure, 1000 + 2000 * 151 / 334)
        # a reading corrected
        with freeze_time("2026-12-31 12:00:00"):
            self.last_reading.hours = 3334
        self.assertAlmostEqual(request.equipment_hours, 1000 + 2334 * 151 / 334)
        self.assertAlmostEqual(self._row(request).hours_at_failure, 1000 + 2334 * 151 / 334)
        # a reading added on the day, then removed
        with freeze_time("2026-12-31 12:00:00"):
            reading = self.env["after_sales.meter.reading"].create(
                {"equipment_id": self.unit_a.id, "date": "2026-06-01", "hours": 1500}
            )
        self.assertEqual(request.equipment_hours, 1500)
        reading.unlink()
        self.assertAlmostEqual(request.equipment_hours, 1000 + 2334 * 151 / 334)
        # moved to a unit without readings: hours unknown, in the analysis too
        request.equipment_id = self.unit_b
        self.assertRecordValues(request, [{"equipment_hours_known": False, "equipment_hours": 0.0}])
        self.assertRecordValues(self._row(request), [{"has_hours": False, "hours_band": False}])
        # before the first reading: linear from 0 h at the service start, which moves
        early = self._request(self.unit_a, "2025-07-02 09:00:00")
        self.assertAlmostEqual(early.equipment_hours, 1000 * 182 / 365)
        self.unit_a.commissioning_date = date(2025, 7, 2)
        self.assertEqual(early.equipment_hours, 0.0)
        self.assertTrue(early.equipment_hours_known)

    def test_repeats_follow_the_other_requests(self):
        first = self._request(self.unit_a, "2026-03-02 09:00:00")
        second = self._request(self.unit_a, "2026-03-20 09:00:00")
        # the first is still open: the second repeats it
        self.assertRecordValues(
            second,
            [
                {
                    "reliability_earlier_open": True,
                    "reliability_earlier_resolved": False,
                    "reliability_next_open": False,
                }
            ],
        )
        self.assertEqual(first.reliability_next_open, datetime(2026, 3, 20, 9))
        self.assertRecordValues(self._row(second), [{"is_repeat_30": True, "is_repeat_90": True}])
        # resolved 18 days before the second came: still a repeat; the first returned, no first-time fix
        self._resolve(first, "2026-03-02 13:00:00")
        resolved = datetime(2026, 3, 2, 13)
        self.assertRecordValues(
            second, [{"reliability_earlier_open": False, "reliability_earlier_resolved": resolved}]
        )
        self.assertRecordValues(self._row(second), [{"is_repeat_30": True}])
        self.assertRecordValues(self._row(first), [{"is_first_time_fix": False}])
        # the first's cause corrected: the second repeats nothing, the first was fixed the first time
        first.cause_id = self.wear
        self.assertRecordValues(
            second, [{"reliability_earlier_open": False, "reliability_earlier_resolved": False}]
        )
        self.assertFalse(first.reliability_next_open)
        self.assertRecordValues(self._row(second), [{"is_repeat_30": False, "is_repeat_90": False}])
        self.assertRecordValues(self._row(first), [{"is_first_time_fix": True}])
        # a third of the same cause as the second, then the second cancelled: the third repeats nothing
        third = self._request(self.unit_a, "2026-04-01 09:00:00")
        self.assertTrue(third.reliability_earlier_open)
        self._resolve(second, "2026-03-21 09:00:00", self.stage_cancelled)
        self.assertFalse(third.reliability_earlier_open)
        self.assertFalse(self._row(third).is_repeat_30)
        # moved to another unit: no earlier request there either
        third.equipment_id = self.unit_b
        self.assertRecordValues(
            third, [{"reliability_earlier_open": False, "reliability_earlier_resolved": False}]
        )

    def test_changes_serialize_on_the_units_once_per_batch(self):
        """Requests of one unit and cause changed at the same moment must see each other: what
        changes a request's facts first serializes on its units' rows, one statement per batch,
        without write access to the units (a portal user's sudo path); the race is tests/race.py's
        "two failures of one unit and cause"."""
        portal = new_test_user(self.env, login="facts_portal", groups="base.group_portal")
        Request = self.env["after_sales.request"].with_user(portal).sudo()
        with patch.object(
            reliability_mixin, "serialize_on_rows", wraps=reliability_mixin.serialize_on_rows
        ) as serialize:
            requests = Request.create(
                [
                    {"title": f"Facts batch {i}", "equipment_id": unit.id, "cause_id": self.defect.id}
                    for i, unit in enumerate([self.unit_a, self.unit_b, self.unit_a])
                ]
                + [{"title": "Facts no cause", "equipment_id": self.unit_a.id}]
            )
            self.assertEqual(serialize.call_count, 1)
            self.assertEqual(serialize.call_args.args[0], self.unit_a | self.unit_b)
            # a unit's row taken as a portal user, who may not write units
            self.assertFalse(self.unit_a.with_user(portal).has_access("write"))
            serialize.reset_mock()
            requests[:3].write({"title": "Facts renamed"})
            requests[3].cause_id = False
            serialize.assert_not_called()
            # moved: the unit left and the unit joined
            requests[0].equipment_id = self.unit_b
            self.assertEqual(serialize.call_args.args[0], self.unit_a | self.unit_b)
            # resolved: the batch's stage first (the resolution dates each request gets after it
            # are written request by request, each taking the rows this transaction holds again)
            serialize.reset_mock()
            requests[:3].stage_id = self.stage_resolved
            self.assertEqual(serialize.call_args_list[0].args[0], self.unit_a | self.unit_b)
            self.assertEqual(serialize.call_count, 4)

    def test_a_stage_cancelled_flag_flipped_serializes_on_its_units(self):
        """Flipping a stage's "cancelled" flag computes the facts of its requests again: their
        units' rows first, as a request's own change takes them; another flag does not."""
        stage = self.env["after_sales.request.stage"].create({"name": "Facts on hold"})
        on_hold = self._request(self.unit_a, "2026-06-01 09:00:00")
        later = self._request(self.unit_a, "2026-06-10 09:00:00")
        self._request(self.unit_b, "2026-06-05 09:00:00")
        on_hold.stage_id = stage
        self.assertTrue(later.reliability_earlier_open, "the request on hold is open")
        with patch(
            "odoo.addons.after_sales_service.models.after_sales_request_stage.serialize_on_rows",
            wraps=reliability_mixin.serialize_on_rows,
        ) as serialize:
            stage.fold = True
            stage.is_cancel = False  # not flipped
            serialize.assert_not_called()
            stage.is_cancel = True
            serialize.assert_called_once()
            self.assertEqual(serialize.call_args.args[0], self.unit_a)
        self.assertFalse(later.reliability_earlier_open, "a cancelled request is no failure")

    def test_parts_replaced_follow_lines(self):
        request = self._request(self.unit_a, "2026-06-01 09:00:00")
        seal = self.env["product.product"].create({"name": "Facts seal", "type": "consu"})
        Line = self.env["after_sales.request.line"]
        vals = {"request_id": request.id, "line_type": "part", "product_id": seal.id}
        done = Line.create(dict(vals, quantity=2, done=True))
        self.assertEqual(request.reliability_parts_qty, 2)
        self.assertRecordValues(self._row(request), [{"parts_qty": 2, "component_id": seal.id}])
        # a part not used and a work do not count
        Line.create(dict(vals, quantity=5, done=False))
        Line.create({"request_id": request.id, "line_type": "work", "name": "Facts work", "done": True})
        self.assertEqual(request.reliability_parts_qty, 2)
        done.unlink()
        self.assertEqual(request.reliability_parts_qty, 0)
        self.assertRecordValues(self._row(request), [{"parts_qty": 0, "component_id": False}])
