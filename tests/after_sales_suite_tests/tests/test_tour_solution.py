from odoo import Command
from odoo.tests import tagged

from .common import TourCommon


@tagged("post_install", "-at_install")
class TestTourSolution(TourCommon):
    """Standard solutions in a real browser: an engineer adds the first-time-fix kit of a
    product's past requests to a new request, then applies a published standard solution."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._use_own_company("Solution Tour Co")
        env = cls.env
        cls.engineer = cls._create_user("tour_solution_engineer", "Tour Solution Engineer")
        manager = cls._create_user(
            "tour_solution_manager",
            "Tour Solution Manager",
            groups="after_sales_service.group_after_sales_manager",
        )
        customer = cls._create_customer("Solution Tour Plant")
        product = cls._create_serial_product("Tour Kit Pump")
        cls.diag, cls.filter, cls.seal = (
            env["product.product"].create({"name": name, "type": kind})
            for name, kind in (
                ("Tour Kit Diagnosis", "service"),
                ("Tour Kit Filter", "consu"),
                ("Tour Kit Seal", "consu"),
            )
        )
        resolved = env.ref("after_sales_service.stage_resolved")
        for filters in (1, 2):
            past = env["after_sales.request"].create(
                {"title": "Pump stops", "partner_id": customer.id, "product_id": product.id}
            )
            env["after_sales.request.line"].create(
                [
                    {
                        "request_id": past.id,
                        "line_type": "work",
                        "product_id": cls.diag.id,
                        "quantity": 2,
                        "done": True,
                    },
                    {
                        "request_id": past.id,
                        "line_type": "part",
                        "product_id": cls.filter.id,
                        "quantity": filters,
                        "done": True,
                    },
                ]
            )
            past.write({"stage_id": resolved.id, "resolution": "<p>Cleaned</p>"})
        solution = (
            env["after_sales.standard.solution"]
            .with_user(manager)
            .create(
                {
                    "name": "Tour Seal Change",
                    "product_id": product.id,
                    "line_ids": [
                        Command.create({"line_type": "part", "product_id": cls.seal.id, "quantity": 1})
                    ],
                }
            )
        )
        solution.action_publish()
        cls.request = env["after_sales.request"].create(
            {"title": "Pump stops again", "partner_id": customer.id, "product_id": product.id}
        )

    def test_engineer_adds_the_kit_and_a_solution(self):
        url = f"/odoo/after_sales.request/{self.request.id}"
        self.start_tour(url, "after_sales_solution_tour", login=self.engineer.login)
        self.assertEqual(
            sorted((line.product_id.name, line.quantity) for line in self.request.line_ids),
            [("Tour Kit Diagnosis", 2.0), ("Tour Kit Filter", 1.0), ("Tour Kit Seal", 1.0)],
        )
