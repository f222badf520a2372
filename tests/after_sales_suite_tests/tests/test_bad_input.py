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

    def test_numbers_too_large_for_their_field_are_refused(self):
        Reading = self.env["after_sales.meter.reading"].with_user(self.as_user)
        line = self.request.line_ids.with_user(self.as_user)
        quantity = line.quantity
        for value in (1e308, -1e308, 1e16):
            with self.subTest(value=value):
                with self.assertRaisesRegex(ValidationError, "is too large"):
                    line.write({"quantity": value})
                with self.assertRaisesRegex(ValidationError, "is too large"):
                    Reading.create({"equipment_id": self.unit.id, "hours": value})
                with self.assertRaisesRegex(ValidationError, "is too large"):
                    self.request.with_user(self.as_user).write({"damage_amount": value})
        self.assertFalse(self.unit.meter_reading_ids)
        self.assertEqual(line.quantity, quantity)
        line.write({"quantity": 1e6})
        self.assertEqual(line.quantity, 1e6, "a large but sane number is taken")

    def test_done_line_needs_a_quantity(self):
        line = self.request.line_ids.with_user(self.as_user)
        with self.assertRaisesRegex(ValidationError, "has no quantity"):
            line.write({"quantity": 0, "done": True})
        with (
            self.assertRaisesRegex(ValidationError, "has no quantity"),
            Form(self.request.with_user(self.as_user)) as form,
            form.line_ids.new() as row,
        ):
            row.product_id = self.work
            row.quantity = 0
            row.done = True

    def test_planned_line_needs_a_quantity(self):
        """A planned work or part of zero is refused as typed in the request's form; nothing is written."""
        request = self.request.with_user(self.as_user)
        lines = request.line_ids
        quantity = lines.quantity
        for line_type, product in (("work", self.work), ("part", self.part)):
            with (
                self.subTest(line_type=line_type),
                self.assertRaisesRegex(ValidationError, "plans a quantity of zero"),
                self.cr.savepoint(),  # as the RPC call's transaction is rolled back
                Form(request) as form,
                form.line_ids.new() as row,
            ):
                row.line_type = line_type
                row.product_id = product
                row.quantity = 0
        with (
            self.assertRaisesRegex(ValidationError, "plans a quantity of zero"),
            self.cr.savepoint(),
            Form(request) as form,
            form.line_ids.edit(0) as row,
        ):
            row.quantity = 0
        self.env.invalidate_all()
        self.assertEqual(request.line_ids, lines)
        self.assertEqual(lines.quantity, quantity)
        # a positive quantity is planned as typed
        with Form(request) as form, form.line_ids.new() as row:
            row.line_type = "part"
            row.product_id = self.part
            row.quantity = 2
        self.assertEqual(len(request.line_ids), 2)

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
