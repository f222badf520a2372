from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import AfterSalesBillingCommon


@tagged("post_install", "-at_install")
class TestInvoicedQuantity(AfterSalesBillingCommon):
    """What a line has invoiced comes from its invoice lines; each quantity has one owner."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._create_customer("Kappa Mining")
        cls.seal = cls.env["product.product"].create(
            {
                "name": "Pump Seal",
                "type": "consu",
                "is_storable": True,
                "list_price": 30.0,
                "taxes_id": [Command.set(cls.tax.ids)],
            }
        )
        warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.stock = warehouse.lot_stock_id
        cls.env["stock.quant"]._update_available_quantity(cls.seal, cls.stock, 10)

    def _validate(self, picking):
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking._action_done()
        self.assertEqual(picking.state, "done")

    def _issued_request(self, qty):
        request = self._create_request(
            self.customer,
            [{"line_type": "part", "product_id": self.seal.id, "quantity": qty, "done": False}],
            resolved=False,
        )
        self._validate(request.action_request_parts())
        request.stage_id = self.stage_resolved
        return request

    def test_part_returned_after_invoicing_is_credited(self):
        request = self._issued_request(2)
        line = request.line_ids
        self.assertRecordValues(line, [{"quantity": 2.0, "done": True, "qty_to_invoice": 2.0}])
        invoice = self._run().invoice_ids
        self.assertRecordValues(invoice.invoice_line_ids, [{"quantity": 2.0, "price_unit": 30.0}])
        self.assertRecordValues(
            line, [{"qty_invoiced": 2.0, "qty_to_invoice": 0.0, "invoice_status": "invoiced"}]
        )
        # one unused seal comes back: the stock owns the quantity, the invoice stays as it was
        wizard = (
            self.env["after_sales.parts.return.wizard"].with_user(self.as_user).create({"line_id": line.id})
        )
        wizard.quantity = 1
        back = self.env["stock.picking"].browse(wizard.action_return()["res_id"])
        self._validate(back)
        self.assertRecordValues(
            line,
            [{"quantity": 1.0, "qty_invoiced": 2.0, "qty_to_invoice": -1.0, "invoice_status": "to_invoice"}],
        )
        self.assertEqual(invoice.invoice_line_ids.quantity, 2.0, "an invoice is never rewritten")
        # the next run credits it
        credit = self._run().invoice_ids
        self.assertEqual(credit.move_type, "out_refund")
        self.assertRecordValues(credit.invoice_line_ids, [{"quantity": 1.0, "price_unit": 30.0}])
        self.assertRecordValues(
            line, [{"qty_invoiced": 1.0, "qty_to_invoice": 0.0, "invoice_status": "invoiced"}]
        )
        self.assertEqual(request.invoice_ids, invoice | credit)
        self.assertFalse(self._run().invoice_ids, "nothing left to bill or credit")

    def test_clerk_cannot_change_an_invoiced_line_in_the_form(self):
        self.work.after_sales_norm_hours = 0.0  # hours typed by the clerk (norm hours own theirs)
        request = self._create_request(self.customer, [self._work_line(quantity=3.0)])
        self._run()
        line = request.line_ids
        for fname, value in (("quantity", 5.0), ("price_unit", 1.0), ("done", False), ("name", "Other")):
            with self.subTest(field=fname):
                form = Form(request.with_user(self.as_manager))
                with form.line_ids.edit(0) as row:
                    setattr(row, fname, value)
                with self.assertRaisesRegex(UserError, "is invoiced"):
                    form.save()
        self.assertRecordValues(line, [{"quantity": 3.0, "done": True, "qty_invoiced": 3.0}])
        # what the invoice does not state may still change (the order of the lines)
        line.with_user(self.as_manager).sequence = 50

    def test_norm_hours_do_not_rewrite_an_invoiced_line(self):
        contract = self._create_contract(self.customer, billing_model="time_materials")
        request = self._create_request(
            self.customer, [self._work_line(quantity=3.0)], contract_id=contract.id
        )
        invoiced = request.line_ids
        self._run()
        self.assertTrue(invoiced._is_invoiced())
        open_line = self.env["after_sales.request.line"].create(
            {"request_id": request.id, **self._work_line(quantity=3.0)}
        )
        contract.billing_model = "pricelist"
        self.assertEqual(invoiced.quantity, 3.0, "the hours invoiced stay")
        self.assertEqual(open_line.quantity, 2.0, "an open work takes the norm-hours")
        self.assertEqual(invoiced.qty_to_invoice, 0.0)

    def test_cancelled_and_deleted_invoices_bill_nothing(self):
        request = self._create_request(self.customer, [self._work_line()])
        line = request.line_ids
        invoice = self._run().invoice_ids
        invoice.button_cancel()
        self.assertRecordValues(line, [{"qty_invoiced": 0.0, "invoice_status": "to_invoice"}])
        second = self._run().invoice_ids
        self.assertEqual(line.invoice_id, second)
        second.unlink()
        self.assertEqual(line.invoice_line_ids.move_id, invoice, "the cancelled invoice stays linked")
        self.assertEqual(line.qty_to_invoice, line.quantity)
