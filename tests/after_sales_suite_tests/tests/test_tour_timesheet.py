from odoo.tests import tagged

from .common import TourCommon


@tagged("post_install", "-at_install")
class TestTourTimesheet(TourCommon):
    """Time on a request, in a real browser: the engineer's timer and timesheets."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env.company.write({"after_sales_timer_rounding_minutes": 15, "after_sales_timer_minimum_minutes": 0})
        cls.engineer = cls._create_user("tour_ts_engineer", "Tour Timesheet Engineer")
        cls.employee = env["hr.employee"].create(
            {"name": "Tour Timesheet Engineer", "user_id": cls.engineer.id, "hourly_cost": 30.0}
        )
        customer = cls._create_customer("Timesheet Tour Mining")
        cls.request = env["after_sales.request"].create(
            {"title": "Generator does not start", "partner_id": customer.id, "user_id": cls.engineer.id}
        )

    def test_engineer_times_and_logs_work(self):
        url = f"/odoo/after_sales.request/{self.request.id}"
        self.start_tour(url, "after_sales_timesheet_tour", login=self.engineer.login)
        timesheets = self.request.timesheet_ids.sorted("id")
        self.assertRecordValues(
            timesheets,
            [
                {"employee_id": self.employee.id, "unit_amount": 0.25, "name": "/"},
                {"employee_id": self.employee.id, "unit_amount": 1.5, "name": "Replaced the starter relay"},
            ],
        )
        self.assertEqual(self.request.line_ids, timesheets.after_sales_line_id)
        self.assertEqual(self.request.line_ids.mapped("quantity"), [0.25, 1.5])
        self.assertTrue(all(self.request.line_ids.mapped("done")))
        self.assertFalse(self.env["after_sales.timer"].search([("employee_id", "=", self.employee.id)]))
