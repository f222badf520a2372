from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import ValidationError

from .common import AfterSalesCommon


class TestSla(AfterSalesCommon):
    """Deadlines on a Mon-Fri 8-12/13-17 UTC calendar (8 working hours a day)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls._create_office_calendar("Service desk 8-17")
        cls.stage_new = cls.env.ref("after_sales_service.stage_new")
        cls.stage_progress = cls.env.ref("after_sales_service.stage_in_progress")
        cls.stage_waiting = cls.env.ref("after_sales_service.stage_waiting_customer")
        cls.stage_resolved = cls.env.ref("after_sales_service.stage_resolved")
        cls.policy = cls._create_policy("Standard test", response=4, resolution=16)
        cls.env.company.after_sales_sla_policy_id = cls.policy
        cls.unit = cls._create_unit()

    @classmethod
    def _create_policy(cls, name, response, resolution):
        return cls.env["after_sales.sla.policy"].create(
            {
                "name": name,
                "calendar_id": cls.calendar.id,
                "pause_stage_ids": [Command.set(cls.stage_waiting.ids)],
                "target_ids": [
                    Command.create(
                        {"priority": "1", "response_hours": response, "resolution_hours": resolution}
                    ),
                    Command.create({"priority": "3", "response_hours": 1, "resolution_hours": 4}),
                ],
            }
        )

    def _create_request(self, **vals):
        return (
            self.env["after_sales.request"]
            .with_user(self.as_user)
            .create({"title": "Generator stopped", "equipment_id": self.unit.id, **vals})
        )

    def assertDeadlines(self, request, response, resolution):
        self.assertEqual(fields.Datetime.to_string(request.sla_response_deadline), response)
        self.assertEqual(fields.Datetime.to_string(request.sla_resolution_deadline), resolution)

    def test_deadlines_skip_the_weekend(self):
        with freeze_time("2026-03-13 15:00:00"):  # a Friday
            request = self._create_request()
        self.assertEqual(request.sla_policy_id, self.policy)
        self.assertDeadlines(request, "2026-03-16 10:00:00", "2026-03-17 15:00:00")

    def test_public_holiday_is_not_working_time(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Holiday",
                "calendar_id": self.calendar.id,
                "date_from": "2026-03-16 00:00:00",
                "date_to": "2026-03-16 23:59:59",
            }
        )
        with freeze_time("2026-03-13 15:00:00"):
            request = self._create_request()
        self.assertDeadlines(request, "2026-03-17 10:00:00", "2026-03-18 15:00:00")

    def test_priority_change_recomputes(self):
        with freeze_time("2026-03-13 15:00:00"):
            request = self._create_request()
            request.priority = "3"
        self.assertDeadlines(request, "2026-03-13 16:00:00", "2026-03-16 10:00:00")

    def test_pause_while_waiting_for_customer(self):
        with freeze_time("2026-03-13 15:00:00"):
            request = self._create_request()
        with freeze_time("2026-03-16 09:00:00"):
            request.stage_id = self.stage_waiting
        self.assertEqual(fields.Datetime.to_string(request.sla_response_date), "2026-03-16 09:00:00")
        self.assertTrue(request.sla_paused_since)
        with freeze_time("2026-03-17 09:00:00"):
            request.stage_id = self.stage_progress
        # Mon 9-12 + 13-17 + Tue 8-9: 8 working hours paused.
        self.assertAlmostEqual(request.sla_paused_hours, 8.0, places=4)
        self.assertFalse(request.sla_paused_since)
        self.assertEqual(fields.Datetime.to_string(request.sla_resolution_deadline), "2026-03-18 15:00:00")
        with freeze_time("2026-03-18 14:00:00"):
            request.stage_id = self.stage_resolved
        self.assertRecordValues(
            request,
            [{"sla_response_breached": False, "sla_resolution_breached": False, "sla_compliance": 100.0}],
        )

    def test_pause_after_response_moves_only_the_resolution(self):
        with freeze_time("2026-03-13 15:00:00"):
            request = self._create_request()
        response_deadline = request.sla_response_deadline
        resolution_deadline = request.sla_resolution_deadline
        # answered late (Tue, past Mon's response deadline), then waiting for the customer a day
        with freeze_time("2026-03-17 09:00:00"):
            request.stage_id = self.stage_progress
        self.assertTrue(request.sla_response_breached)
        with freeze_time("2026-03-17 10:00:00"):
            request.stage_id = self.stage_waiting
        with freeze_time("2026-03-18 10:00:00"):
            request.stage_id = self.stage_progress
        self.assertAlmostEqual(request.sla_paused_hours, 8.0, places=4)
        self.assertEqual(request.sla_response_paused_hours, 0.0)
        self.assertEqual(request.sla_response_deadline, response_deadline, "the response was met: it stays")
        self.assertGreater(request.sla_resolution_deadline, resolution_deadline)
        self.assertTrue(request.sla_response_breached, "a breach once recorded stays")

    def test_pause_after_a_resolution_breach_keeps_it(self):
        with freeze_time("2026-03-13 15:00:00"):
            request = self._create_request()
            request.stage_id = self.stage_progress
        resolution_deadline = request.sla_resolution_deadline
        with freeze_time("2026-03-24 09:00:00"):
            request._cron_flag_sla_breaches()
            self.assertTrue(request.sla_resolution_breached)
            request.stage_id = self.stage_waiting
        with freeze_time("2026-03-25 09:00:00"):
            request.stage_id = self.stage_progress
        self.assertEqual(request.sla_resolution_deadline, resolution_deadline)
        self.assertTrue(request.sla_resolution_breached, "the pause came after the breach: it stays")

    def test_created_past_new_reaches_its_dates(self):
        stage_closed = self.env.ref("after_sales_service.stage_closed")
        with freeze_time("2026-03-16 09:00:00"):
            answered = self._create_request(stage_id=self.stage_resolved.id)
            started = self._create_request(stage_id=self.stage_progress.id)
            closed = self._create_request(stage_id=stage_closed.id, resolution="<p>Explained by phone.</p>")
        for request in answered | closed:
            self.assertRecordValues(
                request,
                [
                    {
                        "sla_response_date": fields.Datetime.to_datetime("2026-03-16 09:00:00"),
                        "sla_resolution_date": fields.Datetime.to_datetime("2026-03-16 09:00:00"),
                        "sla_compliance": 100.0,
                        "resolution_time": 0.0,
                    }
                ],
            )
        self.assertEqual(fields.Datetime.to_string(closed.date_closed), "2026-03-16 09:00:00")
        self.assertEqual(fields.Datetime.to_string(started.sla_response_date), "2026-03-16 09:00:00")
        self.assertFalse(started.sla_resolution_date)
        # closing needs a resolution, at creation too; nothing is created
        count = self.env["after_sales.request"].search_count([])
        with self.assertRaisesRegex(ValidationError, "resolution"):
            self._create_request(stage_id=stage_closed.id)
        self.assertEqual(self.env["after_sales.request"].search_count([]), count)

    def test_policy_from_contract(self):
        gold = self._create_policy("Gold test", response=1, resolution=4)
        contract = self.env["after_sales.contract"].create(
            {
                "partner_id": self.customer.id,
                "date_start": "2026-01-01",
                "date_end": "2026-12-31",
                "equipment_ids": [Command.set(self.unit.ids)],
                "sla_policy_id": gold.id,
            }
        )
        with freeze_time("2026-03-13 10:00:00"):
            contract.action_activate()
            request = self._create_request()
            uncovered = self._create_request(equipment_id=self._create_unit().id)
        self.assertEqual(request.contract_id, contract)
        self.assertEqual(request.sla_policy_id, gold)
        self.assertDeadlines(request, "2026-03-13 11:00:00", "2026-03-13 15:00:00")
        self.assertFalse(uncovered.contract_id)
        self.assertEqual(uncovered.sla_policy_id, self.policy)

    def test_cron_flags_only_passed_deadlines(self):
        with freeze_time("2026-03-13 15:00:00"):
            late = self._create_request()
            paused = self._create_request()
            paused.stage_id = self.stage_waiting
            cancelled = self._create_request()
            cancelled.stage_id = self.env.ref("after_sales_service.stage_cancelled")
        with freeze_time("2026-03-16 08:00:00"):
            on_time = self._create_request()
        Request = self.env["after_sales.request"]
        with freeze_time("2026-03-16 11:00:00"):
            # flagging reads only the late requests (escalating them: test_sla_escalation)
            with self.assertQueryCount(4):
                Request._flag_sla_breaches(fields.Datetime.now())
            Request._cron_flag_sla_breaches()
        self.assertTrue(late.sla_response_breached)
        self.assertFalse(late.sla_resolution_breached)
        self.assertFalse(paused.sla_response_breached, "a paused request has a response (left New)")
        self.assertFalse(paused.sla_resolution_breached)
        self.assertFalse(on_time.sla_response_breached)
        with freeze_time("2026-03-18 12:00:00"):
            Request._cron_flag_sla_breaches()
        self.assertTrue(late.sla_resolution_breached)
        self.assertFalse(paused.sla_resolution_breached, "the clock of a paused request is stopped")
        self.assertFalse(cancelled.sla_response_breached or cancelled.sla_resolution_breached)
        self.assertEqual(late.sla_status, "breached")
        self.assertEqual(late.sla_compliance, 0.0)
        filtered = Request.search(
            [("id", "in", (late | paused | on_time).ids), ("sla_resolution_breached", "=", True)]
        )
        self.assertEqual(filtered, late | on_time, "on_time's resolution deadline (Tue 17:00) has passed too")
