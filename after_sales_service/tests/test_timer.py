from functools import partial

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import SUPERUSER_ID, api
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import TimesheetCommon, run_together


class TestTimer(TimesheetCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"after_sales_timer_rounding_minutes": 15, "after_sales_timer_minimum_minutes": 0})

    def _run_timer(self, request, start, stop, user=None):
        """Start the timer of ``user`` on ``request`` at ``start``, stop it at ``stop``: the timesheet."""
        request = request.with_user(user or self.as_user)
        with freeze_time(start):
            request.action_timer_start()
        with freeze_time(stop):
            self.assertTrue(request.timer_running)
            before = request.timesheet_ids
            request.action_timer_stop()
        request.invalidate_recordset()
        self.assertFalse(request.timer_running)
        return request.sudo().timesheet_ids - before

    def test_stop_logs_the_time_rounded_up_to_the_company_step(self):
        request = self._create_request()
        timesheet = self._run_timer(request, "2026-03-10 09:00:00", "2026-03-10 09:21:10")
        self.assertRecordValues(
            timesheet,
            [{"unit_amount": 0.5, "employee_id": self.employee.id, "after_sales_request_id": request.id}],
        )
        self.assertEqual(str(timesheet.date), "2026-03-10")
        self.assertEqual(timesheet.after_sales_line_id.quantity, 0.5)
        self.assertFalse(self.env["after_sales.timer"].search([("employee_id", "=", self.employee.id)]))
        # a started step counts whole, even a few seconds of it
        timesheet = self._run_timer(request, "2026-03-10 10:00:00", "2026-03-10 10:00:03")
        self.assertEqual(timesheet.unit_amount, 0.25)

    def test_the_contract_rounds_its_requests_time(self):
        self.company.write(
            {"after_sales_timer_rounding_minutes": 30, "after_sales_timer_minimum_minutes": 60}
        )
        form = Form(self.env["after_sales.contract"].with_user(self.as_manager))
        form.partner_id = self.customer
        form.all_equipment = True
        self.assertEqual(
            (form.timer_rounding_minutes, form.timer_minimum_minutes), (30, 60), "company default"
        )
        form.timer_rounding_minutes = 6
        form.timer_minimum_minutes = 30
        contract = form.save()
        contract.action_activate()
        request = self._create_request()
        self.assertEqual(request.contract_id, contract)
        # 10 minutes: at least the contract's 30
        self.assertEqual(
            self._run_timer(request, "2026-03-10 09:00:00", "2026-03-10 09:10:00").unit_amount, 0.5
        )
        # 37 minutes: up to the next 6
        self.assertEqual(
            self._run_timer(request, "2026-03-10 11:00:00", "2026-03-10 11:37:00").unit_amount, 0.7
        )
        # without a contract: the company's rule
        other = self._create_request(partner_id=self._other_customer().id, equipment_id=False)
        self.assertEqual(
            self._run_timer(other, "2026-03-10 13:00:00", "2026-03-10 13:10:00").unit_amount, 1.0
        )

    def _other_customer(self):
        return self.env["res.partner"].create({"name": "No Contract Customer", "is_company": True})

    def test_step_zero_rounds_to_the_started_minute(self):
        self.company.after_sales_timer_rounding_minutes = 0
        request = self._create_request()
        timesheet = self._run_timer(request, "2026-03-10 09:00:00", "2026-03-10 09:44:01")
        self.assertAlmostEqual(timesheet.unit_amount, 45 / 60)
        Timer = self.env["after_sales.timer"]
        self.assertEqual(Timer._round_minutes(1, 0, 0), 1)
        self.assertEqual(Timer._round_minutes(900, 15, 0), 15)
        self.assertEqual(Timer._round_minutes(901, 15, 0), 30)
        self.assertEqual(Timer._round_minutes(60, 15, 45), 45)

    def test_one_running_timer_per_employee(self):
        first = self._create_request(title="First")
        second = self._create_request(title="Second")
        first.with_user(self.as_user).action_timer_start()
        with self.assertRaisesRegex(UserError, f"timer running on request {first.name}"):
            second.with_user(self.as_user).action_timer_start()
        with self.assertRaisesRegex(UserError, "already runs"):
            first.with_user(self.as_user).action_timer_start()
        # another engineer runs their own
        second.with_user(self.as_user2).action_timer_start()
        self.assertEqual(self.env["after_sales.timer"].search_count([]), 2)
        # the database refuses a second one whatever the code checked
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.env["after_sales.timer"].create(
                {"employee_id": self.employee.id, "user_id": self.as_user.id, "request_id": second.id}
            )

    def test_timer_of_a_user_without_employee_is_refused(self):
        request = self._create_request()
        nobody = new_test_user(
            self.env, login="as_noemployee", groups="after_sales_service.group_after_sales_user"
        )
        with self.assertRaisesRegex(UserError, "not an employee"):
            request.with_user(nobody).action_timer_start()
        self.assertFalse(self.env["after_sales.timer"].search([]))

    def test_only_its_user_stops_a_timer(self):
        request = self._create_request()
        request.with_user(self.as_user).action_timer_start()
        timer = self.env["after_sales.timer"].search([("request_id", "=", request.id)])
        with self.assertRaisesRegex(UserError, "no timer running"):
            request.with_user(self.as_user2).action_timer_stop()
        self.assertFalse(request.with_user(self.as_user2).timer_running)
        with self.assertRaises(AccessError):
            timer.with_user(self.as_user2).unlink()
        # another engineer does not even see it
        with self.assertRaises(AccessError):
            timer.with_user(self.as_user2).action_stop()
        with self.assertRaises(AccessError):
            timer.with_user(self.as_user2).action_discard()
        # and is refused by name when the timer is handed over all the same
        with self.assertRaisesRegex(UserError, "only they can stop it"):
            timer.with_user(self.as_user2).sudo()._check_actor()
        self.assertTrue(timer.exists())
        self.assertFalse(request.timesheet_ids)
        # a manager discards a forgotten timer from the list of running timers
        timer.with_user(self.as_manager).action_discard()
        self.assertFalse(timer.exists())

    def test_a_manager_stops_another_engineers_timer(self):
        request = self._create_request()
        with freeze_time("2026-03-10 09:00:00"):
            request.with_user(self.as_user).action_timer_start()
        timer = self.env["after_sales.timer"].search([("request_id", "=", request.id)])
        with freeze_time("2026-03-10 09:10:00"):
            timer.with_user(self.as_manager).action_stop()
        self.assertFalse(timer.exists())
        self.assertRecordValues(
            request.timesheet_ids, [{"employee_id": self.employee.id, "unit_amount": 0.25}]
        )

    def test_nobody_creates_a_timer_in_another_name(self):
        """Engineer B over RPC: a timer for A's employee, or A's timer changed or removed."""
        request = self._create_request()
        Timer = self.env["after_sales.timer"]
        for user in (self.as_user2, self.as_manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                Timer.with_user(user).create({"request_id": request.id, "employee_id": self.employee.id})
        with self.assertRaises(AccessError):
            Timer.with_user(self.as_user2).create(
                {"request_id": request.id, "employee_id": self.employee.id, "user_id": self.as_user.id}
            )
        self.assertFalse(Timer.search([]))
        # A still starts their own timer; B cannot move it to B's name, nor stop or remove it
        request.with_user(self.as_user).action_timer_start()
        timer = Timer.search([("employee_id", "=", self.employee.id)])
        self.assertEqual(timer.user_id, self.as_user)
        for vals in (
            {"employee_id": self.employee2.id},
            {"user_id": self.as_user2.id},
            {"start": "2020-01-01"},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                timer.with_user(self.as_user2).write(vals)
        with self.assertRaises(AccessError):
            timer.with_user(self.as_user2).unlink()
        with self.assertRaises(AccessError):
            timer.with_user(self.as_user).unlink()
        self.assertRecordValues(timer, [{"employee_id": self.employee.id, "user_id": self.as_user.id}])
        # A stops it through the request's action
        request.with_user(self.as_user).action_timer_stop()
        self.assertFalse(timer.exists())
        self.assertEqual(request.timesheet_ids.employee_id, self.employee)
        # the model itself refuses a timer whose employee is not its user's
        with self.assertRaisesRegex(ValidationError, "your own employee"), self.cr.savepoint():
            Timer.create(
                {"request_id": request.id, "employee_id": self.employee.id, "user_id": self.as_user2.id}
            )
        with self.assertRaisesRegex(UserError, "your own employee"):
            Timer.with_user(self.as_user2)._start(request, self.employee)
        self.assertFalse(Timer.search([]))
        # B's own timer still starts
        request.with_user(self.as_user2).action_timer_start()
        self.assertEqual(Timer.search([]).employee_id, self.employee2)

    def test_discard_and_forgotten_timer(self):
        request = self._create_request()
        with freeze_time("2026-03-10 09:00:00"):
            request.with_user(self.as_user).action_timer_start()
        with freeze_time("2026-03-11 09:30:00"), self.assertRaisesRegex(UserError, "more than 24 hours"):
            request.with_user(self.as_user).action_timer_stop()
        request.with_user(self.as_user).action_timer_discard()
        self.assertFalse(self.env["after_sales.timer"].search([]))
        self.assertFalse(request.timesheet_ids)

    def test_no_timer_on_a_closed_request(self):
        request = self._create_request()
        request.write({"resolution": "<p>Done</p>", "stage_id": self.stage_closed.id})
        with self.assertRaisesRegex(UserError, "closed"):
            request.with_user(self.as_user).action_timer_start()

    def test_timer_shows_on_the_form(self):
        request = self._create_request()
        request.with_user(self.as_user).action_timer_start()
        form = Form(request.with_user(self.as_user))
        self.assertTrue(form.timer_running)
        self.assertTrue(form.timer_start)
        self.assertFalse(Form(request.with_user(self.as_user2)).timer_running)


@tagged("post_install", "-at_install")
class TestTimerConcurrency(TransactionCase):
    """Two transactions start a timer for the same employee at the same moment: one wins."""

    def test_second_transaction_cannot_start_a_second_timer(self):
        registry = self.registry
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            user = new_test_user(
                env, login="race_engineer", groups="after_sales_service.group_after_sales_user"
            )
            employee = env["hr.employee"].create({"name": "Race Engineer", "user_id": user.id})
            partner = env["res.partner"].create({"name": "Race Customer", "is_company": True})
            requests = env["after_sales.request"].create(
                [{"title": f"Race {i}", "partner_id": partner.id} for i in range(2)]
            )
            ids = {"user": user.id, "employee": employee.id, "partner": partner.id, "requests": requests.ids}

        def start(env, index):
            env["after_sales.request"].browse(ids["requests"][index]).action_timer_start()

        try:
            # each transaction has its snapshot before the other starts a timer: both pass the check
            # and the second to write waits on the index until the first commits
            with mute_logger("odoo.sql_db"):
                results = run_together(
                    registry, *[(ids["user"], partial(start, index=index)) for index in range(2)]
                )
            winners = [index for index, (status, __) in enumerate(results) if status == "ok"]
            self.assertEqual(len(winners), 1, results)
            status, error = results[1 - winners[0]]
            self.assertEqual(status, "error")
            self.assertIsInstance(error, IntegrityError)
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                timers = env["after_sales.timer"].search([("employee_id", "=", ids["employee"])])
                self.assertEqual(timers.request_id.ids, [ids["requests"][winners[0]]])
        finally:
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["after_sales.timer"].search([("employee_id", "=", ids["employee"])]).unlink()
                env["after_sales.request"].browse(ids["requests"]).unlink()
                env["hr.employee"].browse(ids["employee"]).unlink()
                user = env["res.users"].browse(ids["user"])
                user_partner = user.partner_id
                user.unlink()
                user_partner.unlink()
                env["res.partner"].browse(ids["partner"]).unlink()
