from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import AfterSalesBillingCommon


@tagged("post_install", "-at_install")
class TestQuantityOwner(AfterSalesBillingCommon):
    """Each quantity has one named owner (``quantity_method``); only it changes the quantity and
    ``done`` of its line, and everything computed from the quantity follows it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.labour = cls.env.ref("after_sales_service.product_labour")
        cls.labour.write({"list_price": 1000.0, "taxes_id": [Command.clear()], "after_sales_norm_hours": 0.0})
        cls.company.after_sales_labour_product_id = cls.labour
        cls.company.after_sales_estimate_threshold = 0.0
        cls.pl_tm = cls._create_pricelist("T&M 2000", {cls.labour: 2000.0})
        cls.env["hr.employee"].create({"name": "Engineer", "user_id": cls.as_user.id, "hourly_cost": 30.0})
        # After-Sales users are stock users: the warehouse of a small service company
        cls.wh_user = new_test_user(
            cls.env,
            login="qty_wh_user",
            groups="stock.group_stock_user,after_sales_service.group_after_sales_user",
        )
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.gasket = cls.env["product.product"].create(
            {
                "name": "Head Gasket",
                "type": "consu",
                "is_storable": True,
                "standard_price": 10.0,
                "list_price": 25.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.env["stock.quant"]._update_available_quantity(cls.gasket, cls.warehouse.lot_stock_id, 10)
        cls.inspection = cls.env["product.product"].create(
            {"name": "Inspection", "type": "service", "list_price": 100.0, "taxes_id": [Command.clear()]}
        )
        cls.company.after_sales_parts_approval_threshold = 0.0

    def _new_request(self, customer, **vals):
        return (
            self.env["after_sales.request"]
            .with_user(self.as_user)
            .create({"title": "Does not start", "partner_id": customer.id, **vals})
        )

    def _log(self, request, hours):
        with Form(request.with_user(self.as_user)) as form, form.timesheet_ids.new() as timesheet:
            timesheet.date = "2026-03-10"
            timesheet.name = "On site"
            timesheet.unit_amount = hours
        return request.sudo().timesheet_ids.sorted("id")[-1:]

    def _request_parts(self, customer, quantity):
        """A request of ``customer`` with ``quantity`` gaskets, requested from stock by the clerk."""
        request = self._new_request(customer)
        with Form(request.with_user(self.as_user)) as form, form.line_ids.new() as row:
            row.line_type = "part"
            row.product_id = self.gasket
            row.quantity = quantity
            row.date = "2026-03-10"
        picking = request.with_user(self.as_user).action_request_parts()
        return request, picking

    def _issue(self, picking):
        """The storekeeper validates the transfer in full."""
        picking = picking.with_user(self.wh_user)
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking._action_done()
        self.assertEqual(picking.state, "done")

    # ------------------------------------------------------------ defect 1

    def test_corrected_timesheet_is_billed_in_full(self):
        customer = self._create_customer("Corrected Time")
        self._create_contract(customer, billing_model="time_materials", pricelist_id=self.pl_tm.id)
        request = self._new_request(customer)
        line = self._log(request, 1.5).after_sales_line_id
        self.assertEqual(line.amount_charged, 3000.0)
        # the engineer corrects the time on the request's Timesheets tab
        with Form(request.with_user(self.as_user)) as form, form.timesheet_ids.edit(0) as timesheet:
            timesheet.unit_amount = 2.25
        self.assertRecordValues(
            line,
            [
                {
                    "quantity": 2.25,
                    "price_subtotal": 4500.0,
                    "amount_charged": 4500.0,
                    "qty_to_invoice": 2.25,
                    "invoice_status": "to_invoice",
                }
            ],
        )
        request.stage_id = self.stage_resolved
        invoice = self._run().invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertRecordValues(invoice.invoice_line_ids, [{"quantity": 2.25, "price_subtotal": 4500.0}])
        self.assertFalse(self._run().invoice_ids, "nothing left for a second invoice")
        self.assertEqual(line.quantity_method, "timesheet")

    def test_clerk_cannot_type_the_hours_of_a_timesheet_line(self):
        request = self._new_request(self._create_customer("Typed Hours"))
        line = self._log(request, 1.5).after_sales_line_id
        form = Form(request.with_user(self.as_user))
        with form.line_ids.edit(0) as row, self.assertRaisesRegex(AssertionError, "readonly"):
            row.quantity = 3.0
        with self.assertRaisesRegex(UserError, "records a timesheet"):
            line.with_user(self.as_user).write({"quantity": 3.0})
        self.assertEqual(line.quantity, 1.5)

    def test_deleting_a_timesheet_deletes_its_line_whatever_the_context(self):
        request = self._new_request(self._create_customer("Orphan Line"))
        timesheet = self._log(request, 1.0)
        line = timesheet.after_sales_line_id
        timesheet.with_user(self.as_user).with_context(after_sales_line_unlink=True).unlink()
        self.assertFalse(line.exists(), "no billable line is left without its time")
        self.assertFalse(request.line_ids)

    # ------------------------------------------------------------ defect 2

    def test_plain_user_cannot_grant_warranty_with_a_context_key(self):
        customer = self._create_customer("Free Ride")
        request = self._create_request(customer, [self._work_line()], resolved=False)
        line = request.line_ids
        for key in ("after_sales_coverage_auto", "after_sales_skip_estimate_check"):
            with self.subTest(key=key), self.assertRaises(AccessError):
                line.with_user(self.as_user).with_context(**{key: True}).write(
                    {"coverage": "warranty", "coverage_reason": "Because"}
                )
        self.assertEqual(line.coverage, "paid")

    # ------------------------------------------------------------ defect 3

    def test_issued_invoiced_part_stays_done(self):
        customer = self._create_customer("Gasket Buyer")
        request, picking = self._request_parts(customer, 2)
        self._issue(picking)
        line = request.line_ids
        self.assertRecordValues(line, [{"quantity": 2.0, "done": True}])
        request.stage_id = self.stage_resolved
        invoice = self._run().invoice_ids
        invoice.with_user(self.billing_user).action_post()
        self.assertEqual(line.qty_invoiced, 2.0)
        form = Form(request.with_user(self.as_user))
        with form.line_ids.edit(0) as row, self.assertRaisesRegex(AssertionError, "readonly"):
            row.done = False
        with self.assertRaisesRegex(UserError, "issued from stock"):
            line.with_user(self.as_user).write({"done": False})
        self.assertTrue(line.done)
        self.assertFalse(self._run().invoice_ids, "no credit note for parts the customer used")
        self.assertEqual(line.quantity_method, "stock")

    # ------------------------------------------------------------ defect 4

    def _invoice_inspection(self, name):
        request = self._create_request(
            self._create_customer(name), [{"line_type": "work", "product_id": self.inspection.id}]
        )
        invoice = self._run().invoice_ids
        invoice.with_user(self.billing_user).action_post()
        return request.line_ids, invoice

    def _reverse(self, invoice):
        wizard = Form(
            self.env["account.move.reversal"]
            .with_user(self.billing_user)
            .with_context(active_model="account.move", active_ids=invoice.ids)
        )
        wizard.reason = "Goodwill"
        return wizard.save()

    def test_plain_credit_note_is_not_billed_again(self):
        line, invoice = self._invoice_inspection("Credited Customer")
        reversal = self._reverse(invoice)
        reversal.refund_moves()
        credit = reversal.new_move_ids
        credit.action_post()
        self.assertEqual(credit.move_type, "out_refund")
        self.assertRecordValues(line, [{"qty_invoiced": 0.0, "qty_to_invoice": 0.0, "invoice_status": "no"}])
        self.assertFalse(self._run().invoice_ids, "the customer was credited: not billed again silently")
        self.assertEqual(line.qty_credited_off, 1.0)
        # billing it again is a billing user's explicit choice
        with self.assertRaises(AccessError):
            line.with_user(self.as_user).action_bill_again()
        with self.assertRaises(AccessError):
            line.with_user(self.as_user).write({"qty_rebill": 1.0})
        line.with_user(self.billing_user).action_bill_again()
        self.assertEqual(line.qty_to_invoice, 1.0)
        again = self._run().invoice_ids
        self.assertRecordValues(again.invoice_line_ids, [{"quantity": 1.0, "price_unit": 100.0}])
        self.assertEqual(line.qty_to_invoice, 0.0)
        self.assertFalse(self._run().invoice_ids)
        with self.assertRaisesRegex(UserError, "nothing credited off"):
            line.with_user(self.billing_user).action_bill_again()

    def test_reverse_and_new_draft_bills_the_line_once(self):
        line, invoice = self._invoice_inspection("Corrected Invoice")
        reversal = self._reverse(invoice)
        reversal.modify_moves()
        draft = reversal.new_move_ids.filtered(lambda m: m.move_type == "out_invoice")
        self.assertEqual(draft.state, "draft")
        self.assertRecordValues(line, [{"qty_invoiced": 1.0, "qty_credited_off": 0.0, "qty_to_invoice": 0.0}])
        self.assertFalse(self._run().invoice_ids, "the new draft bills it")
        draft.button_cancel()
        self.assertRecordValues(line, [{"qty_credited_off": 1.0, "qty_to_invoice": 0.0}])

    # ------------------------------------------------------------ defect 6

    def test_raising_a_requested_part_updates_its_transfer(self):
        request, picking = self._request_parts(self._create_customer("More Gaskets"), 1)
        line = request.line_ids
        move = picking.move_ids
        self.assertEqual(line.part_state, "requested")
        with Form(request.with_user(self.as_user)) as form, form.line_ids.edit(0) as row:
            row.quantity = 2
        self.assertRecordValues(move, [{"product_uom_qty": 2.0, "quantity": 2.0, "state": "assigned"}])
        self.assertRecordValues(line, [{"part_qty_requested": 2.0, "quantity_method": "stock"}])
        self._issue(picking)
        self.assertRecordValues(line, [{"quantity": 2.0, "part_qty_issued": 2.0, "done": True}])
        # once issued, more parts are a new request
        form = Form(request.with_user(self.as_user))
        with form.line_ids.edit(0) as row, self.assertRaisesRegex(AssertionError, "readonly"):
            row.quantity = 3
        with self.assertRaisesRegex(UserError, "request the additional parts"):
            line.with_user(self.as_user).write({"quantity": 3.0})
        self.assertEqual(line.quantity, 2.0)

    def test_raising_a_requested_part_over_the_approval_threshold_is_refused(self):
        self.company.after_sales_parts_approval_threshold = 15.0
        request, picking = self._request_parts(self._create_customer("Approval"), 1)
        with self.assertRaisesRegex(UserError, "approval"):
            request.line_ids.with_user(self.as_user).write({"quantity": 5.0})
        self.assertEqual(picking.move_ids.product_uom_qty, 1.0)

    # ------------------------------------------------------- closed request

    def test_lines_of_a_closed_request_are_refused_on_the_line_too(self):
        request = self._create_request(self._create_customer("Closed"), [self._work_line()], resolved=False)
        request.write(
            {"resolution": "<p>Done.</p>", "stage_id": self.env.ref("after_sales_service.stage_closed").id}
        )
        line = request.line_ids.with_user(self.as_user)
        with self.assertRaisesRegex(UserError, "Closed"):
            line.write({"name": "Rewritten"})
        with self.assertRaisesRegex(UserError, "Closed"):
            line.unlink()
        with self.assertRaisesRegex(UserError, "Closed"):
            line.create({"request_id": request.id, "line_type": "work", "product_id": self.inspection.id})
        self.assertEqual(len(request.line_ids), 1)
        request.line_ids.with_user(self.as_manager).write({"name": "Managers may"})
