from datetime import datetime, time, timedelta

from odoo import fields
from odoo.tests import tagged

from .common import TourCommon


@tagged("post_install", "-at_install")
class TestTourDispatch(TourCommon):
    """The dispatch board in a real browser: the dispatcher (an After-Sales user) creates visits
    with the New button and by double-clicking an engineer's row, and drags a visit from one
    engineer's row to another's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.dispatcher = cls._create_user("board_tour_dispatcher", "Board Tour Dispatcher", tz="UTC")
        cls.engineer_a, cls.engineer_b = (
            cls._create_user(f"board_tour_engineer_{code.lower()}", f"Board Engineer {code}", tz="UTC")
            for code in "AB"
        )
        requests = {}
        for customer in ("Board Alpha", "Board Beta", "Board Gamma", "Board Delta"):
            partner = cls._create_customer(customer)
            requests[customer] = env["after_sales.request"].create(
                {"name": f"{customer} Job", "title": "Board tour", "partner_id": partner.id}
            )
        cls.requests = requests
        cls.today = fields.Date.today()
        Visit = env["after_sales.visit"]
        cls.visit_a = Visit.create(cls._visit_vals(requests["Board Alpha"], cls.engineer_a, time(10, 0)))
        cls.visit_b = Visit.create(cls._visit_vals(requests["Board Beta"], cls.engineer_b, time(7, 0)))

    @classmethod
    def _visit_vals(cls, request, engineer, start):
        start = datetime.combine(cls.today, start)
        return {
            "request_id": request.id,
            "engineer_ids": engineer.ids,
            "planned_start": start,
            "planned_end": start + timedelta(hours=1),
        }

    def test_dispatcher_creates_and_moves_visits_on_the_board(self):
        self.start_tour(
            "/odoo/action-after_sales_service.after_sales_visit_action_board",
            "after_sales_dispatch_board_tour",
            login=self.dispatcher.login,
        )
        # the New button
        start = datetime.combine(self.today, time(15, 0))
        self.assertRecordValues(
            self.requests["Board Gamma"].visit_ids,
            [
                {
                    "engineer_ids": self.engineer_a.ids,
                    "planned_start": start,
                    "planned_end": start + timedelta(hours=1),
                }
            ],
        )
        # a double-click on B's row: B's visit, today
        clicked = self.requests["Board Delta"].visit_ids
        self.assertEqual(len(clicked), 1)
        self.assertEqual(clicked.engineer_ids, self.engineer_b)
        self.assertEqual(clicked.planned_start.date(), self.today)
        self.assertEqual(clicked.planned_end - clicked.planned_start, timedelta(hours=2))
        # A's visit dragged onto B's row: B replaces A, at the time it was dropped, as long
        self.assertEqual(self.visit_a.engineer_ids, self.engineer_b)
        self.assertNotEqual(self.visit_a.planned_start, datetime.combine(self.today, time(10, 0)))
        self.assertEqual(self.visit_a.planned_end - self.visit_a.planned_start, timedelta(hours=1))
        self.assertEqual(self.visit_b.engineer_ids, self.engineer_b, "the other visits stay")
