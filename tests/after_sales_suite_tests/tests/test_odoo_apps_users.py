from odoo import Command, fields
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.after_sales_billing.tests.common import AfterSalesBillingCommon


@tagged("post_install", "-at_install")
class TestOdooAppsUsers(AfterSalesBillingCommon):
    """Odoo's own flows, by salespeople, accountants and warehouse staff without After-Sales rights.

    Each flow passes through an override of the suite (sale order and line, invoice and line,
    reversal wizard, invoice sending, picking, move, repair order) and must work for a user who
    has that app's rights and none of the suite's, while the suite still does its part.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(cls.env, login="odoo_salesman", groups="sales_team.group_sale_salesman")
        cls.accountant = new_test_user(
            cls.env, login="odoo_accountant", groups="account.group_account_invoice"
        )
        cls.storekeeper = new_test_user(cls.env, login="odoo_storekeeper", groups="stock.group_stock_user")
        suite_groups = (
            cls.env["res.groups"]
            .search([("name", "!=", False)])
            .filtered(lambda g: g.get_external_id().get(g.id, "").startswith("after_sales"))
        )
        for user in (cls.salesman, cls.accountant, cls.storekeeper):
            assert not user.all_group_ids & suite_groups, "these users must have no After-Sales rights"
        cls.extension = cls.env["product.product"].create(
            {
                "name": "Extended Warranty +12 months",
                "type": "service",
                "list_price": 500.0,
                "invoice_policy": "order",
                "is_warranty_extension": True,
                "warranty_extension_months": 12,
            }
        )
        cls.unit = cls._create_unit(delivery_date="2025-01-10")

    def _order(self, product, **line_vals):
        order = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create(
                {
                    "partner_id": self.customer.id,
                    "order_line": [Command.create({"product_id": product.id, **line_vals})],
                }
            )
        )
        order.action_confirm()
        return order

    def _invoice_as_salesman(self, order):
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_user(self.salesman)
            .with_context(active_model="sale.order", active_ids=order.ids)
            .create({"advance_payment_method": "delivered"})
        )
        before = order.invoice_ids
        wizard.create_invoices()
        return order.invoice_ids - before

    def _reverse_as_accountant(self, invoice, is_modify=False):
        wizard = (
            self.env["account.move.reversal"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "returned"})
        )
        wizard.reverse_moves(is_modify=is_modify)
        return wizard.new_move_ids

    def test_salesman_invoices_and_cancels_orders(self):
        # an extension line linked to a unit by service staff; the rest is the sales team's job
        order = self._order(self.extension, after_sales_equipment_id=self.unit.id)
        invoice = self._invoice_as_salesman(order)
        invoice.with_user(self.accountant).action_post()
        self.assertEqual(invoice.state, "posted")
        self.assertRecordValues(
            self.unit.warranty_extension_ids, [{"months": 12, "sale_line_id": order.order_line.id}]
        )
        # a plain order confirmed and cancelled by the salesman
        plain = self._order(self.part)
        plain.with_user(self.salesman)._action_cancel()
        self.assertEqual(plain.state, "cancel")
        plain.with_user(self.salesman).action_draft()
        self.assertEqual(plain.state, "draft")

    def test_accountant_credits_an_extension(self):
        order = self._order(self.extension, after_sales_equipment_id=self.unit.id)
        invoice = self._invoice_as_salesman(order)
        invoice.with_user(self.accountant).action_post()
        self.assertTrue(self.unit.warranty_extension_ids)
        refund = self._reverse_as_accountant(invoice)
        refund.with_user(self.accountant).action_post()
        self.assertEqual(refund.move_type, "out_refund")
        self.assertFalse(self.unit.warranty_extension_ids, "credited in full: the extension is taken back")
        # reset to draft and cancel by the accountant follow the extension too
        invoice2 = self._invoice_as_salesman(order)
        invoice2.with_user(self.accountant).action_post()
        self.assertTrue(self.unit.warranty_extension_ids)
        invoice2.with_user(self.accountant).button_draft()
        self.assertFalse(self.unit.warranty_extension_ids)
        invoice2.with_user(self.accountant).button_cancel()
        self.assertEqual(invoice2.state, "cancel")
        # an ordinary sale: invoiced, posted and credited with no extension involved
        plain = self._invoice_as_salesman(self._order(self.work))
        plain.with_user(self.accountant).action_post()
        plain_refund = self._reverse_as_accountant(plain)
        plain_refund.with_user(self.accountant).action_post()
        self.assertEqual(plain_refund.state, "posted")

    def test_accountant_reverses_and_sends_service_invoices(self):
        request = self._create_request(self.customer, [self._work_line(), self._part_line()])
        self._run(grouping="request")
        invoice = request.invoice_ids
        self.assertEqual(len(invoice), 1)
        invoice.with_user(self.accountant).action_post()
        # sending the invoice makes the act of completed work, whatever the accountant's rights
        invoice.with_user(self.accountant)._generate_and_send(sending_methods=["email"])
        self.assertTrue(invoice.after_sales_act_attachment_id)
        # "reverse and create a new draft": the service lines stay invoiced, by the new draft
        new_draft = self._reverse_as_accountant(invoice, is_modify=True)
        self.assertEqual(new_draft.move_type, "out_invoice")
        self.assertEqual(request.line_ids.invoice_id, new_draft)
        # a plain credit note: the customer is not charged, the next run does not bill them again
        new_draft.with_user(self.accountant).action_post()
        refund = self._reverse_as_accountant(new_draft)
        self.assertEqual(refund.move_type, "out_refund")
        self.assertEqual(request.line_ids.mapped("qty_invoiced"), [0.0, 0.0], "credited in full")
        self.assertEqual(self._run(grouping="request").line_count, 0)
        # billing them again is a billing user's choice on the request (Bill Again)
        request.line_ids.with_user(self.billing_user).action_bill_again()
        self.assertEqual(self._run(grouping="request").line_count, 2)

    def test_invoicing_user_posts_resets_and_reverses_a_run_invoice(self):
        """An invoice of a billing run, handled with Accounting's buttons by an Invoicing user."""
        request = self._create_request(self.customer, [self._work_line(), self._part_line()])
        invoice = self._run(grouping="request").invoice_ids
        self.assertEqual(len(invoice), 1)
        invoice = invoice.with_user(self.accountant)
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(set(request.line_ids.mapped("invoice_status")), {"invoiced"})
        invoice._generate_and_send(sending_methods=["email"])
        self.assertTrue(invoice.after_sales_act_attachment_id)
        # Reset to Draft: the act sent goes, the lines stay invoiced by the draft
        invoice.button_draft()
        self.assertEqual(invoice.state, "draft")
        self.assertFalse(invoice.after_sales_act_attachment_id)
        self.assertEqual(request.line_ids.invoice_id, invoice)
        invoice.action_post()
        # Credit Note: the credit note is posted by the same user
        refund = self._reverse_as_accountant(invoice)
        refund.with_user(self.accountant).action_post()
        self.assertEqual(refund.state, "posted")
        self.assertEqual(request.line_ids.mapped("qty_invoiced"), [0.0, 0.0], "credited in full")

    def test_salesman_sells_and_storekeeper_delivers_a_registering_serial(self):
        """A unit sold by a salesperson and delivered by a storekeeper joins the installed base."""
        product = self._create_serial_product("Generator TG-3", after_sales_registers_equipment=True)
        product.write({"is_storable": True, "list_price": 9000.0})
        lot = self._create_lot(product, "TG3-0001")
        warehouse = self.env["stock.warehouse"].search([("company_id", "=", self.env.company.id)], limit=1)
        self.env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 1, lot_id=lot)
        order_form = Form(self.env["sale.order"].with_user(self.salesman))
        order_form.partner_id = self.customer
        with order_form.order_line.new() as line:
            line.product_id = product
        order = order_form.save()
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        delivery = order.picking_ids.with_user(self.storekeeper)
        self.assertEqual(len(delivery), 1)
        delivery.action_assign()
        self.assertEqual(delivery.move_line_ids.lot_id, lot)
        delivery.move_ids.picked = True
        self.assertIs(delivery.button_validate(), True)
        self.assertEqual(delivery.state, "done")
        unit = self.env["after_sales.equipment"].search([("lot_id", "=", lot.id)])
        self.assertRecordValues(
            unit,
            [
                {
                    "partner_id": self.customer.id,
                    "delivery_date": fields.Date.today(),
                    "sale_date": fields.Date.context_today(order, order.date_order),
                    "state": "in_service",
                }
            ],
        )

    def test_storekeeper_delivers_a_registering_serial(self):
        product = self._create_serial_product("Generator TG-2", after_sales_registers_equipment=True)
        lot = self._create_lot(product, "TG2-0001")
        warehouse = self.env["stock.warehouse"].search([("company_id", "=", self.env.company.id)], limit=1)
        self.env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 1, lot_id=lot)
        picking_form = Form(self.env["stock.picking"].with_user(self.storekeeper))
        picking_form.picking_type_id = warehouse.out_type_id
        picking_form.partner_id = self.customer
        with picking_form.move_ids.new() as move:
            move.product_id = product
            move.product_uom_qty = 1
        picking = picking_form.save()
        picking.action_confirm()
        picking.action_assign()
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        unit = self.env["after_sales.equipment"].search([("lot_id", "=", lot.id)])
        self.assertRecordValues(
            unit, [{"partner_id": self.customer.id, "delivery_date": fields.Date.today()}]
        )
        # the customer sends it back: the unit is marked returned
        wizard = Form(
            self.env["stock.return.picking"]
            .with_user(self.storekeeper)
            .with_context(active_id=picking.id, active_model="stock.picking")
        ).save()
        wizard.product_return_moves.quantity = 1
        receipt = self.env["stock.picking"].browse(wizard.action_create_returns()["res_id"])
        receipt.with_user(self.storekeeper).move_ids.picked = True
        receipt.with_user(self.storekeeper).button_validate()
        self.assertEqual(unit.state, "returned")

    def test_storekeeper_repairs_a_unit_of_a_request(self):
        lot = self._create_lot(self.product_unit, "TG1-REPAIR")
        unit = self._create_unit(lot=lot)
        request = self._create_request(self.customer, [], resolved=False, equipment_id=unit.id)
        warehouse = self.env["stock.warehouse"].search([("company_id", "=", self.env.company.id)], limit=1)
        self.part.is_storable = True
        self.env["stock.quant"]._update_available_quantity(self.part, warehouse.lot_stock_id, 5)
        repair = (
            self.env["repair.order"]
            .with_user(self.storekeeper)
            .create(
                {
                    "partner_id": self.customer.id,
                    "product_id": unit.product_id.id,
                    "lot_id": lot.id,
                    "after_sales_request_id": request.id,
                    "move_ids": [
                        Command.create(
                            {"repair_line_type": "add", "product_id": self.part.id, "product_uom_qty": 1}
                        )
                    ],
                }
            )
        )
        self.assertEqual(unit.state, "in_repair")
        repair = repair.with_user(self.storekeeper)
        repair.action_validate()
        repair.action_repair_start()
        repair.move_ids.picked = True
        repair.action_repair_end()
        self.assertEqual(repair.state, "done")
        self.assertEqual(unit.state, "in_service")
        self.assertRecordValues(
            request.line_ids, [{"line_type": "part", "product_id": self.part.id, "quantity": 1}]
        )
