import math
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import new_test_user

from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import JobCounter, trap_jobs

from .common import AfterSalesCommon


class TestMaintenancePlan(AfterSalesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.unit = cls._create_unit(delivery_date="2026-01-01")
        cls.Request = cls.env["after_sales.request"]

    def _requests(self, plan):
        return self.Request.search([("maintenance_plan_id", "=", plan.id)], order="maintenance_occurrence")

    def test_by_date_once_per_occurrence(self):
        plan = self.env["after_sales.maintenance.plan"].create(
            {
                "name": "Half-yearly service",
                "product_id": self.product_unit.id,
                "interval_months": 6,
                "horizon_days": 14,
                "line_ids": [
                    Command.create({"line_type": "work", "name": "Change oil filter", "quantity": 2})
                ],
            }
        )
        with freeze_time("2026-06-16"):
            self._run_cron("after_sales.maintenance.plan", "_cron_plan_maintenance")
            self.assertFalse(self._requests(plan), "not yet within the horizon")
            self.assertEqual(str(self.unit.next_maintenance_date), "2026-07-01")
        with freeze_time("2026-06-20"):
            self._run_cron("after_sales.maintenance.plan", "_cron_plan_maintenance")
            self._run_cron("after_sales.maintenance.plan", "_cron_plan_maintenance")
        first = self._requests(plan)
        self.assertEqual(len(first), 1, "one request per due occurrence, never a duplicate")
        self.assertRecordValues(
            first,
            [
                {
                    "equipment_id": self.unit.id,
                    "partner_id": self.customer.id,
                    "request_type": "preventive",
                    "maintenance_occurrence": 1,
                }
            ],
        )
        self.assertEqual(str(first.maintenance_due_date), "2026-07-01")
        self.assertEqual(first.line_ids.mapped("name"), ["Change oil filter"])
        with freeze_time("2026-12-20"):
            self._run_cron("after_sales.maintenance.plan", "_cron_plan_maintenance")
            self.unit.invalidate_recordset(["next_maintenance_date"])
            self.assertEqual(str(self.unit.next_maintenance_date), "2027-07-01")
        requests = self._requests(plan)
        self.assertEqual(requests.mapped("maintenance_occurrence"), [1, 2])
        self.assertEqual(str(requests[1].maintenance_due_date), "2027-01-01")

    def test_by_hours_whichever_first(self):
        plan = self.env["after_sales.maintenance.plan"].create(
            {
                "name": "500-hour service",
                "equipment_id": self.unit.id,
                "interval_months": 12,
                "interval_hours": 500,
                "horizon_days": 7,
            }
        )
        Reading = self.env["after_sales.meter.reading"]
        with freeze_time("2026-03-01"):
            Reading.create({"equipment_id": self.unit.id, "date": "2026-03-01", "hours": 400})
            plan._plan_requests(self.unit._fields["delivery_date"].to_date("2026-03-01"))
            self.assertFalse(self._requests(plan), "500 h estimated ~14 days away, beyond the horizon")
        with freeze_time("2026-03-10"):
            Reading.create({"equipment_id": self.unit.id, "date": "2026-03-10", "hours": 480})
            self._run_cron("after_sales.maintenance.plan", "_cron_plan_maintenance")
            self._run_cron("after_sales.maintenance.plan", "_cron_plan_maintenance")
        request = self._requests(plan)
        self.assertEqual(len(request), 1)
        self.assertEqual(request.maintenance_due_hours, 500)
        self.assertEqual(str(request.maintenance_due_date), "2026-03-12")
        self.assertEqual(self.unit.next_maintenance_hours, 1000)

    def test_plan_needs_a_target_and_an_interval(self):
        with self.assertRaises(ValidationError):
            self.env["after_sales.maintenance.plan"].create({"name": "Bad", "interval_months": 6})
        with self.assertRaises(ValidationError):
            self.env["after_sales.maintenance.plan"].create({"name": "Bad", "equipment_id": self.unit.id})

    def test_planned_request_carries_a_proposed_visit(self):
        engineer = new_test_user(
            self.env, login="as_plan_engineer", groups="after_sales_service.group_after_sales_user"
        )
        plan = self.env["after_sales.maintenance.plan"].create(
            {
                "name": "Yearly inspection",
                "equipment_id": self.unit.id,
                "interval_months": 12,
                "visit_hours": 2.5,
                "visit_engineer_ids": [Command.set(engineer.ids)],
            }
        )
        with freeze_time("2026-12-20"):
            self._run_cron("after_sales.maintenance.plan", "_cron_plan_maintenance")
        request = self._requests(plan)
        self.assertEqual(len(request), 1)
        visit = request.visit_ids
        self.assertEqual(len(visit), 1, "the planned request carries one proposed visit")
        self.assertRecordValues(
            visit,
            [{"state": "planned", "planned_start": request.scheduled_date, "engineer_ids": engineer.ids}],
        )
        self.assertEqual((visit.planned_end - visit.planned_start).total_seconds(), 2.5 * 3600)
        # without a duration: no visit
        plan.visit_hours = 0
        with freeze_time("2027-12-20"):
            self._run_cron("after_sales.maintenance.plan", "_cron_plan_maintenance")
        self.assertFalse(self._requests(plan)[1:].visit_ids)

    def test_negative_visit_duration_refused(self):
        with self.assertRaises(ValidationError):
            self.env["after_sales.maintenance.plan"].create(
                {"name": "Bad", "equipment_id": self.unit.id, "interval_months": 12, "visit_hours": -1}
            )


class TestMaintenancePlanningJobs(AfterSalesCommon):
    """The maintenance cron enqueues one job per batch of due units; a job plans each unit once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a company of its own: its batches hold only the units of this test
        cls.company_b = cls.env["res.company"].create({"name": "Planning Test Co"})
        cls.units = cls.env["after_sales.equipment"].union(
            *(cls._create_unit(delivery_date="2026-01-01", company_id=cls.company_b.id) for __ in range(5))
        )
        cls.plan = cls.env["after_sales.maintenance.plan"].create(
            {
                "name": "Half-yearly service",
                "company_id": cls.company_b.id,
                "product_id": cls.product_unit.id,
                "interval_months": 6,
                "horizon_days": 14,
                "visit_hours": 2.0,
                "line_ids": [Command.create({"line_type": "work", "name": "Change oil filter"})],
            }
        )
        cls.Plan = cls.env["after_sales.maintenance.plan"]

    def _requests(self):
        return self.env["after_sales.request"].search([("maintenance_plan_id", "=", self.plan.id)])

    def _jobs_of_test(self, jobs):
        return [job for job in jobs if job.recordset.company_id == self.company_b]

    def test_cron_enqueues_batches_once_and_jobs_plan_once(self):
        with patch.object(type(self.Plan), "_planning_batch_size", 2), freeze_time("2026-06-20"):
            with trap_jobs() as trap:
                self.Plan._cron_plan_maintenance()
                jobs = self._jobs_of_test(trap.enqueued_jobs)
                self.assertEqual(len(jobs), math.ceil(5 / 2), "5 due units in batches of 2")
                self.assertEqual({job.channel for job in jobs}, {"root.after_sales.planning"})
                self.assertEqual({job.method_name for job in jobs}, {"_plan_maintenance"})
                self.assertEqual(
                    sorted(unit_id for job in jobs for unit_id in job.recordset.ids), sorted(self.units.ids)
                )
                self.assertFalse(self._requests(), "the cron itself plans nothing")
                enqueued = trap.jobs_count()
                self.Plan._cron_plan_maintenance()
                trap.assert_jobs_count(enqueued)  # run again before the jobs ran: nothing more
                trap.perform_enqueued_jobs()
            requests = self._requests()
            self.assertEqual(requests.equipment_id, self.units, "one request per due unit")
            self.assertEqual(len(requests), 5)
            self.assertEqual(set(requests.mapped("maintenance_occurrence")), {1})
            self.assertEqual({str(day) for day in requests.mapped("maintenance_due_date")}, {"2026-07-01"})
            self.assertEqual(len(requests.visit_ids), 5)
            self.assertEqual(len(requests.line_ids), 5)
            # a job performed again (retried after its worker was lost) plans nothing twice
            for job in jobs:
                job.perform()
            self.assertEqual(self._requests(), requests)
            self.assertEqual(len(requests.visit_ids), 5)
            with trap_jobs() as trap:
                self.Plan._cron_plan_maintenance()
                self.assertFalse(self._jobs_of_test(trap.enqueued_jobs), "nothing is due any more")

    def test_identity_key_in_the_job_queue(self):
        """Through the real job queue: a second cron run stores no second job of a waiting batch."""
        with freeze_time("2026-06-20"):
            counter = JobCounter(self.env)
            self.Plan._cron_plan_maintenance()
            created = counter.search_created()
            ours = created.filtered(lambda job: job.records.company_id == self.company_b)
            self.assertEqual(len(ours), 1, "5 units in one batch of 100")
            self.assertRecordValues(
                ours,
                [
                    {
                        "state": "pending",
                        "channel": "root.after_sales.planning",
                        "model_name": "after_sales.equipment",
                        "method_name": "_plan_maintenance",
                    }
                ],
            )
            self.Plan._cron_plan_maintenance()
            self.assertEqual(counter.search_created(), created, "the waiting batches are not enqueued twice")
            Job.load(self.env, ours.uuid).perform()
        self.assertEqual(self._requests().equipment_id, self.units)
