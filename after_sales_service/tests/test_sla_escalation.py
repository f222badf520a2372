from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, new_test_user
from odoo.tools import html2plaintext, mute_logger

from odoo.addons.queue_job.job import identity_exact
from odoo.addons.queue_job.tests.common import trap_jobs

from .common import AfterSalesCommon

MONDAY_8 = "2026-03-16 08:00:00"


class TestSlaEscalation(AfterSalesCommon):
    """Warnings at 75 % of a target and escalations at its breach, sent by the SLA cron.

    Mon-Fri 8-12/13-17 UTC calendar; normal priority: response 4 h, resolution 16 h,
    so the resolution warning of a request received on Monday 8:00 falls at 12 working
    hours (Tuesday noon) and its deadline at 16 (Tuesday 17:00).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls._create_office_calendar("Escalation desk 8-17")
        cls.stage_progress = cls.env.ref("after_sales_service.stage_in_progress")
        cls.stage_waiting = cls.env.ref("after_sales_service.stage_waiting_customer")
        cls.stage_resolved = cls.env.ref("after_sales_service.stage_resolved")
        cls.policy = cls.env["after_sales.sla.policy"].create(
            {
                "name": "Escalation test",
                "calendar_id": cls.calendar.id,
                "pause_stage_ids": [Command.set(cls.stage_waiting.ids)],
                "target_ids": [
                    Command.create({"priority": "0", "response_hours": 8, "resolution_hours": 32}),
                    Command.create({"priority": "1", "response_hours": 4, "resolution_hours": 16}),
                ],
            }
        )
        cls.target = cls.policy._target_for("1")
        cls.env.company.after_sales_sla_policy_id = cls.policy
        cls.leader = new_test_user(
            cls.env, login="as_leader", groups="after_sales_service.group_after_sales_user"
        )
        cls.team = cls.env["after_sales.team"].create(
            {"name": "Field team", "user_id": cls.leader.id, "member_ids": [Command.set(cls.as_user.ids)]}
        )
        cls.unit = cls._create_unit()
        cls.Request = cls.env["after_sales.request"]
        cls.activity_type = cls.env.ref("after_sales_service.mail_activity_type_sla_escalation")

    def _create_request(self, started=True, **vals):
        """A request received now by the After-Sales user, answered at once unless ``started`` is False."""
        request = self.Request.with_user(self.as_user).create(
            {"title": "Compressor trips", "equipment_id": self.unit.id, "team_id": self.team.id, **vals}
        )
        if started:
            request.stage_id = self.stage_progress
        return request.sudo()

    def _at(self, request, hours):
        """``hours`` working hours after the request was received (plus a minute)."""
        return self.policy._add_working_hours(request.date_open, hours) + timedelta(minutes=1)

    def _escalations(self, request):
        activities = request.activity_ids.filtered(lambda a: a.activity_type_id == self.activity_type)
        notes = request.message_ids.filtered(
            lambda m: m.subtype_id == self.env.ref("mail.mt_note") and "SLA " in (m.body or "")
        )
        return activities, notes

    def _run_cron(self, when, Request=None):
        """The SLA cron at ``when``, then its enqueued escalation jobs, performed at once."""
        with freeze_time(when), trap_jobs() as trap:
            (Request or self.Request)._cron_flag_sla_breaches()
            trap.perform_enqueued_jobs()
        return trap

    def test_warning_at_75_percent_once_then_breach_once(self):
        with freeze_time(MONDAY_8):
            request = self._create_request()
        self.assertEqual(
            request.sla_resolution_warning_deadline, self._at(request, 12) - timedelta(minutes=1)
        )
        self.assertEqual(request.sla_escalation_next, request.sla_resolution_warning_deadline)
        self._run_cron(self._at(request, 11))
        self.assertFalse(any(self._escalations(request)), "not due before 75 %")

        self._run_cron(self._at(request, 12))
        activities, notes = self._escalations(request)
        self.assertEqual(len(activities), 1)
        self.assertEqual(activities.user_id, self.leader)
        self.assertIn("SLA warning", activities.summary)
        self.assertEqual(len(notes), 1)
        self.assertIn("75 %", notes.body)
        self.assertEqual(notes.partner_ids, self.as_user.partner_id, "the assigned user is addressed")
        self.assertTrue(request.sla_resolution_warned_at)
        self.assertEqual(request.sla_escalation_next, request.sla_resolution_deadline)

        self._run_cron(self._at(request, 13))
        self.assertEqual([len(r) for r in self._escalations(request)], [1, 1], "the warning is sent once")

        self._run_cron(self._at(request, 16))
        activities, notes = self._escalations(request)
        self.assertEqual(len(activities), 2)
        self.assertEqual(len(notes), 2)
        self.assertIn("SLA breached", notes[0].body)
        self.assertTrue(request.sla_resolution_breached)
        self.assertTrue(request.sla_resolution_escalated_at)
        self.assertFalse(request.sla_escalation_next, "nothing left to escalate")
        self.assertEqual(request.user_id, self.as_user, "no reassignment unless the target says so")

        self._run_cron(self._at(request, 30))
        self.assertEqual([len(r) for r in self._escalations(request)], [2, 2], "the breach is sent once")

        report = self.env["after_sales.request.report"].search([("request_id", "=", request.id)])
        self.assertRecordValues(
            report,
            [{"sla_warning_count": 1, "sla_escalation_count": 1, "sla_warned": True, "sla_escalated": True}],
        )
        groups = self.env["after_sales.request.report"]._read_group(
            [("request_id", "=", request.id)], ["sla_warned"], ["sla_warning_count:sum"]
        )
        self.assertEqual(groups, [(True, 1)])

    def test_response_warning_and_breach(self):
        with freeze_time(MONDAY_8):
            request = self._create_request(started=False)
        # response: warning at 3 h, deadline at 4 h; the resolution's are later
        self._run_cron(self._at(request, 3))
        self.assertTrue(request.sla_response_warned_at)
        self.assertFalse(request.sla_resolution_warned_at)
        self._run_cron(self._at(request, 4))
        self.assertTrue(request.sla_response_escalated_at)
        activities, notes = self._escalations(request)
        self.assertEqual(len(activities), 2)
        self.assertEqual(len(notes), 2)
        self.assertIn("response", activities[0].summary)
        self.assertEqual(request.sla_escalation_next, request.sla_resolution_warning_deadline)

    def test_cron_late_sends_only_the_breach(self):
        with freeze_time(MONDAY_8):
            request = self._create_request()
        self._run_cron(self._at(request, 20))
        activities, notes = self._escalations(request)
        self.assertEqual(len(activities), 1)
        self.assertEqual(len(notes), 1)
        self.assertIn("SLA breached", notes.body)
        self.assertFalse(request.sla_resolution_warned_at)
        self.assertFalse(request.sla_escalation_next)

    def test_paused_request_not_warned_while_paused(self):
        with freeze_time(MONDAY_8):
            request = self._create_request()
        warning = request.sla_resolution_warning_deadline
        with freeze_time("2026-03-16 10:00:00"):
            request.stage_id = self.stage_waiting
        self.assertFalse(request.sla_escalation_next, "a paused request is not due")
        self._run_cron("2026-03-18 10:00:00")
        self.assertFalse(any(self._escalations(request)))
        with freeze_time("2026-03-18 10:00:00"):
            request.stage_id = self.stage_progress
        # paused Mon 10-12, 13-17, Tue 8-12, 13-17, Wed 8-10: 16 working hours
        self.assertAlmostEqual(request.sla_paused_hours, 16.0, places=4)
        self.assertEqual(request.sla_resolution_warning_deadline, self.policy._add_working_hours(warning, 16))
        self.assertEqual(request.sla_escalation_next, request.sla_resolution_warning_deadline)
        self._run_cron(request.sla_resolution_warning_deadline - timedelta(minutes=1))
        self.assertFalse(any(self._escalations(request)))
        self._run_cron(request.sla_resolution_warning_deadline)
        self.assertEqual(len(self._escalations(request)[1]), 1)

    def test_pause_after_the_warning_does_not_send_it_again(self):
        with freeze_time(MONDAY_8):
            request = self._create_request()
        self._run_cron(self._at(request, 12))
        warned_at = request.sla_resolution_warned_at
        with freeze_time(self._at(request, 12) + timedelta(minutes=5)):
            request.stage_id = self.stage_waiting
        with freeze_time("2026-03-19 09:00:00"):
            request.stage_id = self.stage_progress
        self.assertGreater(request.sla_resolution_warning_deadline, warned_at)
        self.assertEqual(request.sla_resolution_warned_at, warned_at, "a pause keeps the warning sent")
        self.assertEqual(request.sla_escalation_next, request.sla_resolution_deadline)
        self._run_cron(request.sla_resolution_deadline - timedelta(minutes=1))
        self.assertEqual(len(self._escalations(request)[1]), 1)

    def test_correction_to_a_later_deadline_rearms_the_warning(self):
        with freeze_time(MONDAY_8):
            request = self._create_request()
        self._run_cron(self._at(request, 12))
        self.assertTrue(request.sla_resolution_warned_at)
        with freeze_time(self._at(request, 12)):
            request.with_user(self.as_user).priority = "0"  # low: 32 working hours to resolve
        self.assertFalse(request.sla_resolution_warned_at, "sent before the corrected warning time")
        self.assertEqual(request.sla_escalation_next, request.sla_resolution_warning_deadline)
        self._run_cron(self._at(request, 24))
        self.assertEqual(len(self._escalations(request)[1]), 2, "the old warning stays logged; a new one")
        self.assertTrue(request.sla_resolution_warned_at)

    def test_team_without_leader_falls_back_to_a_manager(self):
        team = self.env["after_sales.team"].create({"name": "No leader"})
        with freeze_time(MONDAY_8):
            request = self._create_request(team_id=team.id)
            no_team = self._create_request(team_id=False)
        self._run_cron(self._at(request, 12))
        for record in (request, no_team):
            activities, notes = self._escalations(record)
            self.assertEqual(len(activities), 1)
            self.assertTrue(activities.user_id.has_group("after_sales_service.group_after_sales_manager"))
            self.assertIn(record.company_id, activities.user_id.company_ids)
            self.assertEqual(len(notes), 1)

    def test_reassignment_to_the_leader_at_breach(self):
        self.target.breach_reassign = True
        with freeze_time(MONDAY_8):
            request = self._create_request()
        self._run_cron(self._at(request, 12))
        self.assertEqual(request.user_id, self.as_user, "a warning does not reassign")
        # as in the cron's own transaction, tracked as on a server (the test class turns tracking off)
        self.env.flush_all()
        self.env.cr.precommit.run()
        self._run_cron(
            self._at(request, 16), self.Request.with_context(tracking_disable=False, mail_notrack=False)
        )
        self.assertEqual(request.user_id, self.leader)
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking is written before the commit
        tracked = self.env["mail.tracking.value"].search(
            [
                ("mail_message_id.model", "=", request._name),
                ("mail_message_id.res_id", "=", request.id),
                ("field_id.name", "=", "user_id"),
                ("new_value_integer", "=", self.leader.id),
            ]
        )
        self.assertTrue(tracked, "the reassignment is tracked")

    def test_resolved_before_the_warning_gets_none(self):
        with freeze_time(MONDAY_8):
            request = self._create_request()
        with freeze_time("2026-03-16 10:00:00"):
            request.resolution = "<p>Reset the breaker.</p>"
            request.stage_id = self.stage_resolved
        self.assertFalse(request.sla_escalation_next)
        self._run_cron(self._at(request, 40))
        self.assertFalse(any(self._escalations(request)))
        self.assertFalse(request.sla_resolution_warned_at or request.sla_resolution_escalated_at)

    def test_no_warning_when_the_share_is_zero(self):
        self.target.warning_percent = 0
        with freeze_time(MONDAY_8):
            request = self._create_request()
        self.assertFalse(request.sla_resolution_warning_deadline)
        self.assertEqual(request.sla_escalation_next, request.sla_resolution_deadline)
        self._run_cron(self._at(request, 15))
        self.assertFalse(any(self._escalations(request)))
        with self.assertRaises(ValidationError):
            self.target.warning_percent = 100

    def test_a_failing_request_does_not_block_the_others(self):
        with freeze_time(MONDAY_8):
            broken = self._create_request(title="Broken")
            fine = self._create_request()
        Request = self.registry["after_sales.request"]
        original = Request._prepare_sla_escalation_message

        def prepare(record, kind, level):
            if record.title == "Broken":
                raise ValueError("cannot render")
            return original(record, kind, level)

        with (
            patch.object(Request, "_prepare_sla_escalation_message", prepare),
            mute_logger("odoo.addons.after_sales_service.models.after_sales_sla_mixin"),
        ):
            self._run_cron(self._at(fine, 12))
        self.assertTrue(fine.sla_resolution_warned_at)
        self.assertEqual(len(self._escalations(fine)[1]), 1)
        self.assertFalse(broken.sla_resolution_warned_at, "tried again by the next run")
        self.assertFalse(any(self._escalations(broken)))
        self._run_cron(self._at(fine, 13))
        self.assertTrue(broken.sla_resolution_warned_at)

    def test_cron_queries_do_not_grow_with_requests_not_due(self):
        def cron_queries(not_due):
            with freeze_time("2026-03-09 08:00:00"):
                due = self._create_request()
            with freeze_time("2026-03-10 13:00:00"):
                quiet = self.Request.browse()
                for _i in range(not_due):
                    quiet |= self._create_request()
            self.assertTrue(all(quiet.mapped("sla_escalation_next")), "not due, but in the index")
            self.env.flush_all()
            self.env.invalidate_all()
            with freeze_time("2026-03-10 13:00:00"), trap_jobs() as trap:
                before = self.env.cr.sql_log_count
                self.Request._cron_flag_sla_breaches()
                trap.perform_enqueued_jobs()
                self.env.flush_all()
                count = self.env.cr.sql_log_count - before
            self.assertTrue(due.sla_resolution_warned_at)
            self.assertFalse(any(quiet.mapped("sla_resolution_warned_at")))
            return count

        cron_queries(1)  # warm the caches
        self.assertEqual(cron_queries(5), cron_queries(50))

    def _due_requests(self, count):
        """``count`` requests received on Monday 8:00 (their resolution warning due at 12 h)."""
        with freeze_time(MONDAY_8):
            return self.Request.browse([self._create_request(title=f"Due {i}").id for i in range(count)])

    def test_cron_enqueues_one_job_per_batch_on_the_sla_channel(self):
        requests = self._due_requests(5)
        Request = self.registry["after_sales.request"]
        when = self._at(requests[0], 12)
        with (
            patch.object(Request, "_sla_escalation_batch_size", 2),
            freeze_time(when),
            trap_jobs() as trap,
        ):
            self.Request._cron_flag_sla_breaches()
            trap.assert_jobs_count(3)
            batches = [call.method.__self__ for call in trap.calls]
            self.assertEqual([len(batch) for batch in batches], [2, 2, 1])
            self.assertEqual(self.Request.union(*batches), requests)
            for batch in batches:
                trap.assert_enqueued_job(
                    batch._escalate_sla,
                    properties={"channel": "root.after_sales.sla", "identity_key": identity_exact},
                )
            self.assertFalse(any(self._escalations(requests)[1]), "nothing is sent before the jobs run")
            trap.perform_enqueued_jobs()
        self.assertTrue(all(requests.mapped("sla_resolution_warned_at")))
        self.assertEqual(len(self._escalations(requests)[1]), 5)

    def test_a_second_cron_does_not_enqueue_a_waiting_batch_again(self):
        requests = self._due_requests(3)
        Job = self.env["queue.job"]
        with freeze_time(self._at(requests[0], 12)):
            self.Request._cron_flag_sla_breaches()
            self.Request._cron_flag_sla_breaches()
        jobs = Job.search([("model_name", "=", "after_sales.request"), ("method_name", "=", "_escalate_sla")])
        self.assertEqual(len(jobs), 1, "the batch waits once, whatever the number of cron runs")
        self.assertRecordValues(jobs, [{"channel": "root.after_sales.sla", "state": "pending"}])
        self.assertEqual(jobs.records, requests)
        self.assertEqual(
            jobs.job_function_id,
            self.env.ref("after_sales_service.job_function_after_sales_request_escalate_sla"),
        )

    def test_performing_a_job_twice_escalates_once(self):
        requests = self._due_requests(2)
        with freeze_time(self._at(requests[0], 12)), trap_jobs() as trap:
            self.Request._cron_flag_sla_breaches()
            jobs = list(trap.enqueued_jobs)
            trap.perform_enqueued_jobs()
            for job in jobs:
                job.perform()  # queue_job runs a job again after a lost worker
        # and a late job of the same batch, once the deadline passed: only the breach is new
        with freeze_time(self._at(requests[0], 16)):
            requests._escalate_sla()
            requests._escalate_sla()
        for request in requests:
            activities, notes = self._escalations(request)
            self.assertEqual(len(activities), 2)
            self.assertEqual(len(notes), 2)
            self.assertIn("SLA warning", notes[1].body)
            self.assertIn("SLA breached", notes[0].body)

    def test_escalation_content_is_what_message_post_and_activities_give(self):
        """The batch posts what ``message_post`` posted, with the same notification, and the
        same activity: compared with a note posted the usual way on a twin request."""
        self.as_user.notification_type = "inbox"
        request, twin = self._due_requests(2)
        self._run_cron(self._at(request, 12))
        note = self._escalations(request)[1]
        deadline = request._format_datetime_tz(request.sla_resolution_deadline)
        self.assertEqual(
            note.body,
            f"<p>SLA warning: 75 % of the resolution time has passed; resolve by {deadline}.</p>",
        )
        with freeze_time(self._at(request, 12)):
            expected = twin.message_post(
                body=html2plaintext(note.body),
                subtype_xmlid="mail.mt_note",
                partner_ids=self.as_user.partner_id.ids,
            )
        compared = [
            "body",
            "author_id",
            "email_from",
            "message_type",
            "subtype_id",
            "partner_ids",
            "is_internal",
            "email_add_signature",
            "record_company_id",
            "record_alias_domain_id",
            "reply_to",
            "subject",
        ]
        self.assertEqual(note.read(compared)[0] | {"id": 0}, expected.read(compared)[0] | {"id": 0})
        self.assertEqual(note.parent_id, request.message_ids.sorted("id")[0], "threaded as message_post does")
        self.assertRecordValues(
            note.notification_ids,
            [{"res_partner_id": self.as_user.partner_id.id, "notification_type": "inbox", "is_read": False}],
        )
        activity = self._escalations(request)[0]
        self.assertRecordValues(
            activity,
            [
                {
                    "activity_type_id": self.activity_type.id,
                    "user_id": self.leader.id,
                    "summary": f"SLA warning: resolution of {request.name}",
                    "date_deadline": self._at(request, 12).date(),
                    "res_model": "after_sales.request",
                    "res_id": request.id,
                }
            ],
        )
        self.assertEqual(html2plaintext(activity.note), html2plaintext(note.body))
        self.assertIn(self.leader.partner_id, request.message_partner_ids, "the leader follows the request")

    def test_escalation_queries_per_request_stay_flat(self):
        def queries(count):
            requests = self._due_requests(count)
            self.env.flush_all()
            self.env.invalidate_all()
            with freeze_time(self._at(requests[0], 12)):
                before = self.env.cr.sql_log_count
                requests._escalate_sla()
                self.env.flush_all()
                used = self.env.cr.sql_log_count - before
            self.assertEqual(len(self._escalations(requests)[1]), count)
            return used

        queries(2)  # warm the caches
        small, large = queries(10), queries(20)
        # a batch reads what it needs once and creates the notes, the activities, their notices,
        # the e-mails and their notifications in one create each; what is left per request is
        # Odoo's per message work for its two messages (the note and the activity's notice):
        # the recipients query and the References header's search of the thread's last
        # messages (``_notify_by_email_get_base_mail_values``): 8 queries per request (61
        # before the batching, 21 with the notifications sent one message at a time)
        self.assertLessEqual(large - small, 8 * 10, f"{small} queries for 10, {large} for 20")

    def test_target_fields_on_the_policy_form(self):
        with Form(self.env["after_sales.sla.policy"]) as form:
            form.name = "Form policy"
            form.calendar_id = self.calendar
            with form.target_ids.new() as line:
                line.priority = "2"
                line.response_hours = 2
                line.resolution_hours = 8
                self.assertEqual(line.warning_percent, 75)
                line.warning_percent = 50
                line.breach_reassign = True
        target = form.record.target_ids
        self.assertRecordValues(target, [{"warning_percent": 50, "breach_reassign": True}])
