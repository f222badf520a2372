from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import AfterSalesBillingCommon


@tagged("post_install", "-at_install")
class TestTimesheetBilling(AfterSalesBillingCommon):
    """A logged hour is a work line like any other: covered, priced, billed, then frozen."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.labour = cls.env.ref("after_sales_service.product_labour")
        cls.labour.write({"list_price": 60.0, "taxes_id": [Command.set(cls.tax.ids)]})
        cls.company.after_sales_labour_product_id = cls.labour
        cls.pl_tm = cls._create_pricelist("T&M Prices", {cls.labour: 80.0, cls.part: 40.0})
        cls.employee = cls.env["hr.employee"].create(
            {"name": "Field Engineer", "user_id": cls.as_user.id, "hourly_cost": 30.0}
        )
        cls.manager_employee = cls.env["hr.employee"].create(
            {"name": "Service Manager", "user_id": cls.as_manager.id, "hourly_cost": 50.0}
        )
        cls.part.standard_price = 20.0

    def _request(self, partner, **vals):
        return (
            self.env["after_sales.request"]
            .with_user(self.as_user)
            .create({"title": "Does not start", "partner_id": partner.id, **vals})
        )

    def _log(self, request, hours, date="2026-03-10", name="On site", user=None):
        with Form(request.with_user(user or self.as_user)) as form, form.timesheet_ids.new() as timesheet:
            timesheet.date = date
            timesheet.name = name
            timesheet.unit_amount = hours
        return request.sudo().timesheet_ids.sorted("id")[-1:]

    def test_time_on_a_time_and_materials_contract_is_billed(self):
        customer = self._create_customer("T&M Quarry")
        self._create_contract(customer, billing_model="time_materials", pricelist_id=self.pl_tm.id)
        request = self._request(customer)
        timesheet = self._log(request, 2.5)
        line = timesheet.after_sales_line_id
        self.assertRecordValues(
            line, [{"coverage": "paid", "price_unit": 80.0, "amount_charged": 200.0, "qty_to_invoice": 2.5}]
        )
        request.stage_id = self.stage_resolved
        invoice = self._run().invoice_ids
        self.assertRecordValues(
            invoice.invoice_line_ids,
            [{"product_id": self.labour.id, "quantity": 2.5, "price_unit": 80.0, "price_subtotal": 200.0}],
        )
        self.assertEqual(line.invoice_status, "invoiced")

    def test_invoiced_time_is_frozen(self):
        customer = self._create_customer("Frozen Time")
        request = self._request(customer)
        timesheet = self._log(request, 1.5)
        request.stage_id = self.stage_resolved
        self._run()
        line = timesheet.after_sales_line_id
        self.assertTrue(line._is_invoiced())
        mine = timesheet.with_user(self.as_user)
        other = self._request(customer, title="Another request")
        for vals in (
            {"unit_amount": 3.0},
            {"date": "2026-03-11"},
            {"name": "Rewritten"},
            {"employee_id": self.manager_employee.id},
            {"after_sales_request_id": other.id},
            {"after_sales_request_id": False},
        ):
            with self.subTest(vals=vals), self.assertRaisesRegex(UserError, "is invoiced"):
                mine.write(vals)
        with self.assertRaisesRegex(UserError, "is invoiced"):
            mine.unlink()
        with self.assertRaisesRegex(UserError, "is invoiced"):
            line.with_user(self.as_user).unlink()
        self.assertTrue(mine.readonly_timesheet)
        self.assertRecordValues(
            timesheet,
            [
                {
                    "unit_amount": 1.5,
                    "name": "On site",
                    "employee_id": self.employee.id,
                    "after_sales_request_id": request.id,
                }
            ],
        )
        self.assertRecordValues(line, [{"quantity": 1.5, "request_id": request.id}])
        # writing what it already states is no change
        mine.write({"unit_amount": 1.5, "name": "On site"})

    def test_credited_time_can_change_again(self):
        request = self._request(self._create_customer("Credited"))
        timesheet = self._log(request, 1.0)
        request.stage_id = self.stage_resolved
        invoice = self._run().invoice_ids
        invoice.button_cancel()
        timesheet.with_user(self.as_user).unit_amount = 2.0
        self.assertEqual(timesheet.after_sales_line_id.qty_to_invoice, 2.0)

    def test_time_under_warranty_is_covered_at_zero(self):
        category = self.env["product.category"].create(
            {"name": "Generators", "warranty_labour_months": 12, "warranty_parts_months": 24}
        )
        self.product_unit.categ_id = category
        customer = self._create_customer("Warranty Plant")
        unit = self._create_unit(partner=customer, delivery_date="2026-01-15")
        request = self._request(customer, equipment_id=unit.id, date_open="2026-03-09 08:00:00")
        line = self._log(request, 3.0).after_sales_line_id
        self.assertRecordValues(line, [{"coverage": "warranty", "amount_charged": 0.0, "quantity": 3.0}])
        request.stage_id = self.stage_resolved
        self.assertFalse(self._run().invoice_ids, "nothing billed to the customer")

    def test_norm_hours_do_not_replace_the_hours_spent(self):
        self.labour.after_sales_norm_hours = 2.0
        request = self._request(self._create_customer("Norm"))
        line = self._log(request, 0.5).after_sales_line_id
        self.assertEqual(line.quantity, 0.5)
        line.timesheet_ids.with_user(self.as_user).unit_amount = 0.75
        self.assertEqual(line.quantity, 0.75)

    def test_cost_revenue_and_margin(self):
        customer = self._create_customer("Margins")
        self._create_contract(customer, billing_model="time_materials", pricelist_id=self.pl_tm.id)
        request = self._request(customer)
        self._log(request, 2.0)  # 2 h × 80 billed, × 30 cost
        self._log(request, 1.0, user=self.as_manager)  # 1 h × 80 billed, × 50 cost
        self.env["after_sales.request.line"].create(
            {
                "request_id": request.id,
                "line_type": "part",
                "product_id": self.part.id,
                "quantity": 1,
                "done": True,
            }
        )
        self.env["after_sales.request.line"].create(
            {"request_id": request.id, "line_type": "part", "product_id": self.part.id, "quantity": 5}
        )  # planned, not used: neither revenue nor cost
        as_manager = request.with_user(self.as_manager)
        self.assertRecordValues(
            as_manager,
            [
                {
                    "timesheet_hours": 3.0,
                    "timesheet_cost": 110.0,
                    "amount_cost": 130.0,
                    "amount_revenue": 280.0,
                    "amount_margin": 150.0,
                }
            ],
        )
        for fname in ("amount_revenue", "amount_margin", "amount_cost", "timesheet_cost"):
            with self.subTest(fname=fname), self.assertRaises(AccessError):
                request.with_user(self.as_user).read([fname])
        # the engineer's form opens without them
        Form(request.with_user(self.as_user))

    def test_phone_call_labour_works_beside_timesheets(self):
        customer = self._create_customer("Phone Customer", phone="+7 912 000-11-22")
        request = self._request(customer)
        self._log(request, 1.0)
        call, duplicate = (
            self.env["after_sales.phone.call"]
            .with_user(self.as_user)
            ._register_call(
                {
                    "call_id": "PBX-TS-1",
                    "phone": "+7 912 000-11-22",
                    "start": "2026-03-10T09:30:00Z",
                    "duration": 7 * 60,
                    "request": request.name,
                }
            )
        )
        self.assertFalse(duplicate)
        phone_line = call.request_line_id
        self.assertEqual(phone_line.product_id, self.env.ref("after_sales_billing.product_phone_support"))
        self.assertEqual(phone_line.quantity, 0.25)
        self.assertFalse(phone_line._is_from_timesheet())
        self.assertEqual(len(request.line_ids), 2)
        self.assertEqual(request.timesheet_hours, 1.0, "a call is billed labour, not a timesheet")
        self.assertEqual(phone_line.quantity_method, "phone_call")
        with self.assertRaisesRegex(UserError, "phone call"):
            phone_line.with_user(self.as_user).quantity = 0.5  # the call's duration owns it
        self.assertEqual(phone_line.quantity, 0.25)
