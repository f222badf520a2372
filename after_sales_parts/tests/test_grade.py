from odoo import Command
from odoo.tests import tagged

from odoo.addons.after_sales_service.tests.common import AfterSalesCommon


@tagged("post_install", "-at_install")
class TestPartGrade(AfterSalesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.part = cls.env["product.product"].create(
            {"name": "Injector", "type": "consu", "is_storable": True, "tracking": "lot"}
        )
        cls.new_lot = cls._create_lot(cls.part, "INJ-NEW")
        cls.refurb_lot = cls._create_lot(cls.part, "INJ-REF")
        cls.refurb_lot.after_sales_grade = "refurbished"
        cls.request = cls.env["after_sales.request"].create(
            {"title": "Injector", "equipment_id": cls._create_unit().id}
        )

    def test_grade_follows_the_lot_of_the_part(self):
        self.request.with_user(self.as_user).write(
            {
                "line_ids": [
                    Command.create(
                        {"line_type": "part", "product_id": self.part.id, "part_lot_id": self.refurb_lot.id}
                    ),
                    Command.create({"line_type": "part", "product_id": self.part.id}),
                    Command.create({"line_type": "work", "name": "Fit the injector"}),
                ]
            }
        )
        refurbished, plain, work = self.request.line_ids
        self.assertEqual(refurbished.part_grade, "refurbished")
        self.assertEqual(plain.part_grade, "new")
        self.assertFalse(work.part_grade)
        plain.part_lot_id = self.new_lot
        self.assertEqual(plain.part_grade, "new")
        plain.part_lot_id = self.refurb_lot
        self.assertEqual(plain.part_grade, "refurbished")
