from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import AfterSalesPartsCommon


@tagged("post_install", "-at_install")
class TestPartsConsumption(AfterSalesPartsCommon):
    """Closing a request builds the parts still issued to it into the customer's unit."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.service = cls.warehouse.after_sales_service_loc_id
        cls.customers = cls.env.ref("stock.stock_location_customers")
        cls.stage_closed = cls.env.ref("after_sales_service.stage_closed")
        cls.stage_cancelled = cls.env.ref("after_sales_service.stage_cancelled")
        cls.stage_in_progress = cls.env.ref("after_sales_service.stage_in_progress")

    def _issue(self, request):
        picking = request.action_request_parts()
        self._validate(picking)
        return picking

    def _close(self, requests, user=None):
        requests.with_user(user or self.as_user).write(
            {"resolution": "<p>Parts fitted.</p>", "stage_id": self.stage_closed.id}
        )

    def _reopen(self, request):
        request.with_user(self.as_manager).stage_id = self.stage_in_progress

    def _available(self, product, location, lot=None):
        return self.env["stock.quant"]._get_available_quantity(product, location, lot_id=lot, strict=True)

    def _consumptions(self, requests):
        return (
            self.env["stock.move"]
            .search(
                [("after_sales_request_id", "in", requests.ids), ("after_sales_move_kind", "=", "consume")]
            )
            .sorted("id")
        )

    def test_close_consumes_issued_less_returned(self):
        before = self._available(self.filter, self.service)
        request = self._request([(self.filter, 3)])
        self._issue(request)
        line = request.line_ids
        line._return_unused(1)
        self._validate(request.parts_picking_ids.filtered(lambda p: p.state != "done"))
        self.assertEqual(self._available(self.filter, self.service), before + 2)
        # The least privileged user who may close the request closes it.
        self._close(request, user=self.as_user)
        move = self._consumptions(request)
        self.assertRecordValues(
            move,
            [
                {
                    "state": "done",
                    "product_id": self.filter.id,
                    "quantity": 2,
                    "location_id": self.service.id,
                    "location_dest_id": self.customers.id,
                    "after_sales_line_id": line.id,
                    "origin": request.name,
                    "reference": request.name,
                    "partner_id": self.customer.id,
                    "picking_id": False,
                    "picked": True,
                    "create_uid": self.as_user.id,
                }
            ],
        )
        self.assertEqual(
            self._available(self.filter, self.service), before, "the service location is emptied"
        )
        self.assertEqual(self._available(self.filter, self.stock), 8)
        self.assertRecordValues(
            line,
            [{"part_qty_issued": 3, "part_qty_returned": 1, "part_qty_consumed": 2, "quantity": 2}],
        )
        self.assertIn("Parts consumed", request.message_ids[:1].body)

    def test_return_after_consumption_is_refused(self):
        request = self._request([(self.filter, 2)])
        self._issue(request)
        self._close(request)
        line = request.line_ids
        wizard = (
            self.env["after_sales.parts.return.wizard"].with_user(self.as_user).create({"line_id": line.id})
        )
        self.assertEqual(wizard.quantity, 0, "nothing consumed can be returned")
        pickings = request.parts_picking_ids
        with self.assertRaisesRegex(ValidationError, "consumed"):
            wizard.with_user(self.as_user).write({"quantity": 1})
            wizard.with_user(self.as_user).action_return()
        self.assertEqual(request.parts_picking_ids, pickings, "a refused return writes nothing")
        # Reopened, the request still cannot give back what is in the customer's unit.
        self._reopen(request)
        with self.assertRaises(ValidationError):
            line._return_unused(1)
        self.assertEqual(request.parts_picking_ids, pickings)

    def test_serial_part_keeps_its_serial_at_the_customer(self):
        module = self._create_serial_product("Control Module CM-2")
        lot = self._create_lot(module, "CM2-0042")
        self._create_lot(module, "CM2-0043")
        self.env["stock.quant"]._update_available_quantity(module, self.stock, 1, lot_id=lot)
        request = self._request([(module, 1)])
        self._issue(request)
        self.assertEqual(lot.location_id, self.service)
        self._close(request)
        move = self._consumptions(request)
        self.assertRecordValues(
            move.move_line_ids,
            [
                {
                    "lot_id": lot.id,
                    "quantity": 1,
                    "location_id": self.service.id,
                    "location_dest_id": self.customers.id,
                }
            ],
        )
        self.assertEqual(lot.location_id, self.customers)
        self.assertEqual(self._available(module, self.service, lot), 0)
        self.assertRecordValues(
            request.line_ids, [{"part_qty_consumed": 1, "quantity": 1, "part_lot_id": lot.id}]
        )

    def test_lots_issued_are_the_lots_consumed(self):
        oil = self.env["product.product"].create(
            {"name": "Hydraulic Oil", "type": "consu", "is_storable": True, "tracking": "lot"}
        )
        lot_a = self._create_lot(oil, "OIL-A")
        lot_b = self._create_lot(oil, "OIL-B")
        self.env["stock.quant"]._update_available_quantity(oil, self.stock, 2, lot_id=lot_a)
        self.env["stock.quant"]._update_available_quantity(oil, self.stock, 3, lot_id=lot_b)
        request = self._request([(oil, 4)])
        picking = request.action_request_parts()
        issued = {ml.lot_id: ml.quantity for ml in picking.move_line_ids}
        self._validate(picking)
        self._close(request)
        consumed = {ml.lot_id: ml.quantity for ml in self._consumptions(request).move_line_ids}
        self.assertEqual(consumed, issued)
        self.assertEqual(self._available(oil, self.service), 0)

    def test_van_location_is_the_source(self):
        van = self.env["stock.location"].create(
            {"name": "Van 7", "usage": "internal", "location_id": self.warehouse.view_location_id.id}
        )
        request = self._request([(self.filter, 2)], parts_location_dest_id=van.id)
        self._issue(request)
        self.assertEqual(self._available(self.filter, van), 2)
        self._close(request)
        self.assertRecordValues(
            self._consumptions(request),
            [{"location_id": van.id, "location_dest_id": self.customers.id, "quantity": 2}],
        )
        self.assertEqual(self._available(self.filter, van), 0)

    def test_partner_customer_location(self):
        site = self.env["stock.location"].create(
            {"name": "Uralmash Site", "usage": "customer", "location_id": self.customers.id}
        )
        self.customer.with_company(self.env.company).property_stock_customer = site
        request = self._request([(self.filter, 1)])
        self._issue(request)
        self._close(request)
        self.assertEqual(self._consumptions(request).location_dest_id, site)

    def test_multi_warehouse_closed_in_one_write(self):
        second = self.env["stock.warehouse"].create({"name": "South Depot", "code": "SD"})
        self.env["stock.quant"]._update_available_quantity(self.filter, second.lot_stock_id, 5)
        north = self._request([(self.filter, 1), (self.filter, 2)])
        south = self._request([(self.filter, 4)], parts_warehouse_id=second.id)
        self._issue(north)
        self._issue(south)
        self._close(north | south)
        moves = self._consumptions(north | south)
        self.assertRecordValues(
            moves,
            [
                {"after_sales_line_id": north.line_ids[0].id, "location_id": self.service.id, "quantity": 1},
                {"after_sales_line_id": north.line_ids[1].id, "location_id": self.service.id, "quantity": 2},
                {
                    "after_sales_line_id": south.line_ids.id,
                    "location_id": second.after_sales_service_loc_id.id,
                    "quantity": 4,
                },
            ],
        )
        self.assertEqual(set(moves.mapped("state")), {"done"})
        self.assertEqual(self._available(self.filter, self.service), 0)
        self.assertEqual(self._available(self.filter, second.after_sales_service_loc_id), 0)

    def test_reopen_and_close_again_consumes_only_what_is_left(self):
        request = self._request([(self.filter, 2)])
        self._issue(request)
        self._close(request)
        self.assertEqual(len(self._consumptions(request)), 1)
        self._reopen(request)
        self._close(request, user=self.as_manager)
        self.assertEqual(len(self._consumptions(request)), 1, "closing again consumes nothing twice")
        # Reopened for another part: closing consumes that one only.
        self._reopen(request)
        request.with_user(self.as_manager).write(
            {"line_ids": [Command.create({"line_type": "part", "product_id": self.filter.id, "quantity": 3})]}
        )
        self._issue(request.with_user(self.as_manager))
        self._close(request, user=self.as_manager)
        moves = self._consumptions(request)
        self.assertEqual(moves.mapped("quantity"), [2, 3])
        self.assertEqual(request.line_ids.mapped("part_qty_consumed"), [2, 3])
        self.assertEqual(self._available(self.filter, self.service), 0)
        self.assertEqual(self._available(self.filter, self.stock), 5)

    def test_cancelled_request_consumes_nothing(self):
        request = self._request([(self.filter, 2)])
        self._issue(request)
        request.with_user(self.as_user).stage_id = self.stage_cancelled
        self.assertFalse(self._consumptions(request))
        self.assertEqual(self._available(self.filter, self.service), 2)
        line = request.line_ids
        self.assertEqual(line.part_qty_consumed, 0)
        # The parts go back to stock instead.
        self._validate(line.with_user(self.as_manager)._return_unused(2))
        self.assertEqual(self._available(self.filter, self.stock), 10)
        # all came back: a line of nothing used, not done (the stock moves own its zero)
        self.assertRecordValues(line, [{"quantity": 0.0, "done": False}])

    def _close_with_pending_return(self):
        """A request of 3 filters issued, 1 on its way back when it is closed: (request, line, return)."""
        request = self._request([(self.filter, 3)])
        self._issue(request)
        line = request.line_ids
        back = line._return_unused(1)
        self._close(request)
        self.assertEqual(self._consumptions(request).quantity, 2)
        return request, line, back

    def test_pending_return_is_not_consumed(self):
        __, line, back = self._close_with_pending_return()
        self._validate(back)
        self.assertRecordValues(line, [{"part_qty_returned": 1, "part_qty_consumed": 2, "quantity": 2}])
        self.assertEqual(self._available(self.filter, self.service), 0)
        self.assertEqual(self._available(self.filter, self.stock), 8)

    def test_return_cancelled_after_closing_is_consumed(self):
        """A return pending at closing, then cancelled: its parts stay in the unit, consumed."""
        request, line, back = self._close_with_pending_return()
        back.with_user(self.as_manager).action_cancel()
        self.assertEqual(self._consumptions(request).mapped("quantity"), [2, 1])
        self.assertRecordValues(line, [{"part_qty_returned": 0, "part_qty_consumed": 3, "quantity": 3}])
        self.assertEqual(self._available(self.filter, self.service), 0)
        self.assertEqual(self._available(self.filter, self.stock), 7)

    def test_return_cancelled_on_open_request_stays_issued(self):
        request = self._request([(self.filter, 3)])
        self._issue(request)
        line = request.line_ids
        line._return_unused(1).with_user(self.as_manager).action_cancel()
        self.assertFalse(self._consumptions(request), "an open request keeps its parts issued")
        self.assertEqual(self._available(self.filter, self.service), 3)

    def test_parts_issued_after_closing_are_consumed(self):
        request = self._request([(self.filter, 2)])
        picking = request.action_request_parts()
        self._close(request)
        self.assertFalse(self._consumptions(request), "nothing issued yet")
        self._validate(picking)
        self.assertEqual(self._consumptions(request).quantity, 2)
        self.assertEqual(self._available(self.filter, self.service), 0)
        self.assertRecordValues(request.line_ids, [{"part_qty_consumed": 2, "quantity": 2}])

    def test_backorder_keeps_the_service_line(self):
        request = self._request([(self.filter, 12)])
        picking = request.action_request_parts()
        picking.move_ids.quantity = 10
        picking.move_ids.picked = True
        action = picking.button_validate()
        Form(self.env[action["res_model"]].with_context(**action["context"])).save().process()
        backorder = request.parts_picking_ids - picking
        self.assertEqual(backorder.move_ids.product_uom_qty, 2)
        self.assertEqual(
            backorder.move_ids.after_sales_line_id, request.line_ids, "the rest stays the line's"
        )
        self.assertRecordValues(request.line_ids, [{"part_qty_issued": 10, "part_availability": "waiting"}])
        self._close(request)
        self.assertEqual(self._consumptions(request).quantity, 10)
