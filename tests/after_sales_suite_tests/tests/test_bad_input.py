from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from odoo.addons.after_sales_billing.tests.common import AfterSalesBillingCommon


@tagged("post_install", "-at_install")
class TestBadInput(AfterSalesBillingCommon):
    """Bad input gets a clear, translated error and nothing is written."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.unit = cls._create_unit(lot=cls._create_lot(cls.product_unit, "BAD-1"))
        cls.work.after_sales_norm_hours = 0.0  # a work whose hours are typed (norm hours own theirs)
        cls.request = cls._create_request(cls.customer, [cls._work_line(done=False)], resolved=False)

    def test_nan_and_infinite_numbers_are_refused(self):
        Reading = self.env["after_sales.meter.reading"].with_user(self.as_user)
        line = self.request.line_ids.with_user(self.as_user)
        quantity = line.quantity
        for value in (float("nan"), float("inf"), float("-inf")):
            with self.subTest(value=value):
                with self.assertRaisesRegex(ValidationError, "must be a number"):
                    Reading.create({"equipment_id": self.unit.id, "hours": value})
                with self.assertRaisesRegex(ValidationError, "must be a number"):
                    line.write({"quantity": value})
                with self.assertRaisesRegex(ValidationError, "must be a number"):
                    self.request.with_user(self.as_user).write({"damage_amount": value})
        self.assertFalse(self.unit.meter_reading_ids)
        self.assertEqual(line.quantity, quantity)

    def test_done_line_needs_a_quantity(self):
        line = self.request.line_ids.with_user(self.as_user)
        line.quantity = 0
        with self.assertRaisesRegex(ValidationError, "has no quantity"):
            line.done = True
        with (
            self.assertRaisesRegex(ValidationError, "has no quantity"),
            Form(self.request.with_user(self.as_user)) as form,
            form.line_ids.new() as row,
        ):
            row.product_id = self.work
            row.quantity = 0
            row.done = True

    def test_negative_price_on_a_paid_line(self):
        line = self.request.line_ids
        self.assertEqual(line.coverage, "paid")
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            line.price_unit = -100
        line.invalidate_recordset()
        self.assertGreater(line.price_unit, 0)

    def test_serial_of_another_unit(self):
        other = self._create_unit(lot=self._create_lot(self.product_unit, "BAD-2"))
        with self.assertRaisesRegex(ValidationError, "already registered"):
            other.with_user(self.as_user).write({"lot_id": self.unit.lot_id.id})
        self.assertEqual(other.lot_id.name, "BAD-2")
