from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user

from .common import TimesheetCommon


class TestTimesheet(TimesheetCommon):
    def test_time_logged_on_the_form_is_one_done_work_line(self):
        request = self._create_request()
        timesheet = self._log(request, 1.5, name="Replaced the starter relay")
        line = timesheet.after_sales_line_id
        self.assertRecordValues(
            timesheet,
            [
                {
                    "employee_id": self.employee.id,
                    "user_id": self.as_user.id,
                    "after_sales_request_id": request.id,
                    "project_id": self.company.after_sales_project_id.id,
                    "partner_id": self.customer.id,
                    "amount": -45.0,  # the employee's hourly cost is kept
                }
            ],
        )
        self.assertEqual(request.line_ids, line)
        self.assertRecordValues(
            line,
            [
                {
                    "line_type": "work",
                    "product_id": self.labour.id,
                    "name": "Replaced the starter relay",
                    "quantity": 1.5,
                    "uom_id": self.hour.id,
                    "done": True,
                    "date": timesheet.date,
                    "user_id": self.as_user.id,
                }
            ],
        )
        self.assertTrue(line._is_from_timesheet())
        self.assertEqual(request.timesheet_hours, 1.5)
        project = timesheet.project_id
        self.assertTrue(project.allow_timesheets)
        self.assertEqual(project.privacy_visibility, "employees")
        self.assertEqual(project.company_id, self.company)

    def test_editing_the_timesheet_moves_its_line(self):
        request = self._create_request()
        timesheet = self._log(request, 1.0)
        line = timesheet.after_sales_line_id
        with Form(request.with_user(self.as_user)) as form, form.timesheet_ids.edit(0) as row:
            row.unit_amount = 2.25
            row.date = "2026-03-11"
            row.name = "Starter replaced, test run"
        self.assertEqual(timesheet.after_sales_line_id, line, "the same line follows")
        self.assertRecordValues(
            line, [{"quantity": 2.25, "date": timesheet.date, "name": "Starter replaced, test run"}]
        )
        self.assertEqual(str(line.date), "2026-03-11")
        self.assertEqual(timesheet.amount, -67.5)

    def test_removing_the_timesheet_removes_its_line_and_back(self):
        request = self._create_request()
        timesheets = self._log(request, 1.0) | self._log(request, 0.5, name="Report")
        lines = timesheets.after_sales_line_id
        self.assertEqual(request.line_ids, lines)
        with Form(request.with_user(self.as_user)) as form:
            form.timesheet_ids.remove(0)
        removed = timesheets - timesheets.exists()
        self.assertEqual(len(removed), 1)
        kept = timesheets - removed
        self.assertEqual(request.line_ids, kept.after_sales_line_id, "its line went with it")
        self.assertEqual(len(lines.exists()), 1)
        # removing the work line on the Service Lines tab removes the time it records
        with Form(request.with_user(self.as_user)) as form:
            form.line_ids.remove(0)
        self.assertFalse(kept.exists())
        self.assertFalse(request.line_ids)
        self.assertFalse(request.timesheet_ids)

    def test_the_line_of_a_timesheet_keeps_its_hours(self):
        request = self._create_request()
        line = self._log(request, 1.0).after_sales_line_id.with_user(self.as_user)
        for vals in (
            {"quantity": 5.0},
            {"date": "2026-01-01"},
            {"done": False},
            {"user_id": self.as_user2.id},
        ):
            with self.subTest(vals=vals), self.assertRaisesRegex(UserError, "records a timesheet"):
                line.write(vals)
        self.assertEqual(line.quantity, 1.0)
        # the form shows them read-only; what the timesheet does not state stays the back office's
        with Form(request.with_user(self.as_user)) as form, form.line_ids.edit(0) as row:
            self.assertTrue(row.from_timesheet)
            for fname in ("quantity", "done", "line_type"):
                with self.assertRaises(AssertionError, msg=fname):
                    row[fname] = False
            row.name = "Diagnosis of the starter"
        self.assertRecordValues(line, [{"name": "Diagnosis of the starter", "quantity": 1.0, "done": True}])

    def test_bad_time_is_refused_and_nothing_written(self):
        request = self._create_request()
        Timesheet = self.env["account.analytic.line"].with_user(self.as_user)
        for hours in (0.0, -1.0, 25.0, float("nan"), float("inf")):
            with self.subTest(hours=hours), self.assertRaises(ValidationError):
                Timesheet.create({"after_sales_request_id": request.id, "name": "Bad", "unit_amount": hours})
        self.assertFalse(request.timesheet_ids)
        self.assertFalse(request.line_ids)
        timesheet = self._log(request, 1.0)
        with self.assertRaises(ValidationError):
            timesheet.with_user(self.as_user).unit_amount = -2.0

    def test_team_timesheets_go_to_the_team_project(self):
        team = self.env["after_sales.team"].with_user(self.as_manager).create({"name": "Workshop"})
        self.assertTrue(team.project_id.allow_timesheets)
        self.assertEqual(team.project_id.company_id, self.company)
        product = self.env["product.product"].create({"name": "Workshop Hour", "type": "service"})
        team.labour_product_id = product
        request = self._create_request(team_id=team.id)
        timesheet = self._log(request, 1.0)
        self.assertEqual(timesheet.project_id, team.project_id)
        self.assertEqual(timesheet.after_sales_line_id.product_id, product)

    def test_closed_request_takes_no_more_time_but_from_managers(self):
        request = self._create_request()
        self._log(request, 1.0)
        request.write({"resolution": "<p>Fixed</p>", "stage_id": self.stage_closed.id})
        Timesheet = self.env["account.analytic.line"].with_user(self.as_user)
        with self.assertRaisesRegex(UserError, "closed"):
            Timesheet.create({"after_sales_request_id": request.id, "name": "Late", "unit_amount": 1.0})
        with self.assertRaisesRegex(UserError, "closed"):
            request.timesheet_ids.with_user(self.as_user).unit_amount = 3.0
        Timesheet.with_user(self.as_manager).create(
            {"after_sales_request_id": request.id, "name": "Late report", "unit_amount": 0.5}
        )
        self.assertEqual(request.timesheet_hours, 1.5)

    def test_engineer_logs_own_time_and_managers_see_all(self):
        request = self._create_request()
        mine = self._log(request, 1.0)
        theirs = self._log(request, 2.0, user=self.as_user2)
        Timesheet = self.env["account.analytic.line"]
        on_request = [("after_sales_request_id", "=", request.id)]
        self.assertEqual(Timesheet.with_user(self.as_user).search(on_request), mine)
        self.assertEqual(Timesheet.with_user(self.as_manager).search(on_request), mine | theirs)
        self.env.invalidate_all()
        # the totals count everyone's time, the cost only for managers
        self.assertEqual(request.with_user(self.as_user).timesheet_hours, 3.0)
        self.assertEqual(request.with_user(self.as_manager).timesheet_cost, 110.0)
        self.assertEqual(request.with_user(self.as_manager).amount_cost, 110.0)
        with self.assertRaises(AccessError):
            request.with_user(self.as_user).read(["timesheet_cost"])
        # nobody changes a colleague's time (hr_timesheet's rule), nor removes it through its line
        with self.assertRaises(AccessError):
            theirs.with_user(self.as_user).unit_amount = 5.0
        with self.assertRaises(AccessError):
            theirs.after_sales_line_id.with_user(self.as_user).unlink()
        self.assertEqual(theirs.unit_amount, 2.0)

    def test_timesheet_for_a_colleague_needs_timesheet_approval(self):
        request = self._create_request()
        with self.assertRaises(AccessError):
            self.env["account.analytic.line"].with_user(self.as_user).create(
                {
                    "after_sales_request_id": request.id,
                    "employee_id": self.employee2.id,
                    "name": "For a colleague",
                    "unit_amount": 1.0,
                }
            )
        self.assertFalse(request.line_ids)

    def test_user_without_employee_gets_a_clear_error(self):
        request = self._create_request()
        nobody = new_test_user(
            self.env, login="as_noemployee", groups="after_sales_service.group_after_sales_user"
        )
        with self.assertRaisesRegex(ValidationError, "active employee"):
            self.env["account.analytic.line"].with_user(nobody).create(
                {"after_sales_request_id": request.id, "name": "No employee", "unit_amount": 1.0}
            )
        self.assertFalse(request.line_ids)

    def test_request_with_time_is_not_deleted_nor_copied_with_it(self):
        request = self._create_request()
        self._log(request, 1.0)
        self.env["after_sales.request.line"].create(
            {"request_id": request.id, "line_type": "work", "name": "Planned visit", "quantity": 2.0}
        )
        copy = request.with_user(self.as_manager).copy()
        self.assertEqual(copy.line_ids.mapped("name"), ["Planned visit"])
        self.assertFalse(copy.timesheet_ids)
        with self.assertRaisesRegex(UserError, "logged time"):
            request.with_user(self.as_manager).unlink()

    def test_timesheet_moved_between_requests_and_off(self):
        request = self._create_request()
        other = self._create_request(title="Second request")
        timesheet = self._log(request, 1.0)
        line = timesheet.after_sales_line_id
        timesheet.with_user(self.as_user).after_sales_request_id = other
        self.assertEqual(line.request_id, other)
        self.assertFalse(request.line_ids)
        # off any request: an ordinary timesheet of the project, without a work line
        timesheet.with_user(self.as_user).after_sales_request_id = False
        self.assertFalse(line.exists())
        self.assertFalse(other.line_ids)
        self.assertTrue(timesheet.exists())
        timesheet.with_user(self.as_user).after_sales_request_id = request
        self.assertEqual(timesheet.after_sales_line_id.request_id, request)
        self.assertEqual(timesheet.after_sales_line_id.quantity, 1.0)


class TestTimesheetOutsideSuite(TimesheetCommon):
    """hr_timesheet's own flows for users without After-Sales rights keep working."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.timesheet_user = new_test_user(
            cls.env, login="ts_user", name="Timesheet User", groups="hr_timesheet.group_hr_timesheet_user"
        )
        cls._create_employee(cls.timesheet_user, 20.0)
        cls.approver = new_test_user(
            cls.env, login="ts_approver", groups="hr_timesheet.group_hr_timesheet_approver"
        )
        cls._create_employee(cls.approver, 20.0)
        cls.project = cls.env["project.project"].create(
            {"name": "Internal Tooling", "allow_timesheets": True, "privacy_visibility": "employees"}
        )

    def test_timesheet_user_logs_time_on_a_project(self):
        form = Form(
            self.env["account.analytic.line"].with_user(self.timesheet_user).with_context(is_timesheet=True),
            view="hr_timesheet.hr_timesheet_line_form",
        )
        form.project_id = self.project
        form.name = "Tooling"
        form.unit_amount = 2.0
        timesheet = form.save()
        self.assertRecordValues(
            timesheet, [{"user_id": self.timesheet_user.id, "after_sales_line_id": False, "amount": -40.0}]
        )
        timesheet.with_user(self.timesheet_user).unit_amount = 3.0
        timesheet.with_user(self.timesheet_user).unlink()

    def test_outsiders_do_not_log_time_on_requests(self):
        request = self._create_request()
        with self.assertRaises(AccessError):
            self.env["account.analytic.line"].with_user(self.timesheet_user).create(
                {"after_sales_request_id": request.id, "name": "Sneaky", "unit_amount": 1.0}
            )
        self.assertFalse(request.line_ids)

    def test_approver_reads_request_time_in_the_timesheets_app(self):
        request = self._create_request()
        timesheet = self._log(request, 1.0)
        found = self.env["account.analytic.line"].with_user(self.approver).search([("id", "=", timesheet.id)])
        self.assertEqual(found, timesheet)
        # the timesheet lists read these fields; the request stays closed to an outsider
        found.read(["name", "unit_amount", "project_id", "employee_id", "readonly_timesheet"])
        with self.assertRaises(AccessError):
            found.after_sales_request_id.read(["name"])
