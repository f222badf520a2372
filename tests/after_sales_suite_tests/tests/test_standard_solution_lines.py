from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.after_sales_billing.tests.common import AfterSalesBillingCommon


@tagged("post_install", "-at_install")
class TestStandardSolutionLines(AfterSalesBillingCommon):
    """A standard solution adds its lines as an engineer types them, with the whole suite
    installed: the warranty engine decides them, billing prices them, the parts module makes the
    part one to request from stock with its own checks."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_x = cls._create_customer("Solution Lines Customer")
        cls.solution = (
            cls.env["after_sales.standard.solution"]
            .with_user(cls.as_manager)
            .create(
                {
                    "name": "Does not start: filter",
                    "product_id": cls.product_unit.id,
                    "line_ids": [
                        Command.create({"line_type": "work", "product_id": cls.work.id, "quantity": 1.5}),
                        Command.create({"line_type": "part", "product_id": cls.part.id, "quantity": 2}),
                    ],
                }
            )
        )
        cls.solution.with_user(cls.as_manager).action_publish()

    def _request(self):
        return self.env["after_sales.request"].create(
            {"title": "Does not start", "partner_id": self.customer_x.id, "product_id": self.product_unit.id}
        )

    def test_applied_lines_are_the_lines_a_user_types(self):
        applied, typed = self._request(), self._request()
        applied.with_user(self.as_user)._apply_standard_solution(self.solution)
        self.env["after_sales.request.line"].with_user(self.as_user).create(
            [
                {"request_id": typed.id, "line_type": "work", "product_id": self.work.id, "quantity": 1.5},
                {"request_id": typed.id, "line_type": "part", "product_id": self.part.id, "quantity": 2},
            ]
        )
        fields = [
            "line_type",
            "product_id",
            "quantity",
            "quantity_method",
            "coverage",
            "price_unit",
            "part_state",
        ]
        self.assertEqual(
            applied.line_ids.sorted("line_type").read(fields, load=None),
            [
                dict(vals, id=line.id)
                for vals, line in zip(
                    typed.line_ids.sorted("line_type").read(fields, load=None),
                    applied.line_ids.sorted("line_type"),
                    strict=True,
                )
            ],
        )
        part = applied.line_ids.filtered(lambda line: line.line_type == "part")
        self.assertRecordValues(part, [{"part_state": "draft", "quantity_method": "manual", "quantity": 2.0}])
        # requested from stock, the part goes through the parts module's checks like any other
        with self.assertRaisesRegex(UserError, "not a stored product"):
            applied.with_user(self.as_user).action_request_parts()
        self.assertEqual(part.part_state, "draft")
