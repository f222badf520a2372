import re

from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import AfterSalesPartsCommon


@tagged("post_install", "-at_install")
class TestServiceParts(AfterSalesPartsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wh_user = new_test_user(cls.env, login="as_wh_user", groups="stock.group_stock_user")
        cls.pump = cls._part("Injection Pump", cost=900)
        cls.env["stock.quant"]._update_available_quantity(cls.pump, cls.stock, 1)

    def _validate(self, picking, user=None):
        # the warehouse staff validate transfers here
        return super()._validate(picking, user or self.wh_user)

    def test_picking_per_request_with_service_type_and_reservation(self):
        request = self._request([(self.filter, 2)])
        picking = request.action_request_parts()
        parts_type = self.warehouse.after_sales_parts_type_id
        self.assertTrue(parts_type, "every warehouse has a Service Parts operation type")
        self.assertRecordValues(
            picking,
            [
                {
                    "picking_type_id": parts_type.id,
                    "location_id": self.stock.id,
                    "location_dest_id": self.warehouse.after_sales_service_loc_id.id,
                    "after_sales_request_id": request.id,
                    "state": "assigned",
                }
            ],
        )
        line = request.line_ids
        self.assertRecordValues(
            line, [{"part_state": "requested", "part_qty_reserved": 2, "part_availability": "assigned"}]
        )
        # Another part later goes into the same open picking.
        request.write(
            {"line_ids": [Command.create({"line_type": "part", "product_id": self.filter.id, "quantity": 1})]}
        )
        self.assertEqual(request.action_request_parts(), picking)
        self.assertEqual(len(request.parts_picking_ids), 1)
        self.assertEqual(len(picking.move_ids), 2)

    def test_partial_availability(self):
        request = self._request([(self.filter, 15)])
        request.action_request_parts()
        self.assertRecordValues(
            request.line_ids, [{"part_availability": "partially_available", "part_qty_reserved": 10}]
        )
        self.assertTrue(request.line_ids.part_expected_date)

    def test_part_lines_say_whether_the_part_is_there(self):
        """Requested parts read Available, Partially Available or Not Available (with the date
        expected) in the request's part lines, not "Requested" for all of them."""
        gasket = self._part("Head Gasket", cost=20)  # none in stock
        request = self._request([(self.filter, 2), (self.filter, 15), (gasket, 1)])
        request.action_request_parts()
        self.assertRecordValues(
            request.line_ids,
            [
                {"part_state": "requested", "part_status": "assigned"},
                {"part_state": "requested", "part_status": "partially_available"},
                {"part_state": "requested", "part_status": "waiting"},
            ],
        )
        self.assertTrue(request.line_ids[2].part_expected_date)
        arch = request.with_user(self.as_user).get_views([(False, "form")])["views"]["form"]["arch"]
        columns = {
            node.get("name"): node
            for node in etree.fromstring(arch).xpath("//field[@name='line_ids']/list/field")
        }
        self.assertEqual(columns["part_status"].get("optional"), "show", "shown in the part lines")
        self.assertIn("waiting", columns["part_status"].get("decoration-danger"))
        self.assertIn("partially_available", columns["part_status"].get("decoration-warning"))
        self.assertIn("assigned", columns["part_status"].get("decoration-success"))
        self.assertEqual(columns["part_state"].get("optional"), "hide")
        self.assertEqual(columns["part_expected_date"].get("optional"), "show")

    def _visible_buttons(self, record, name):
        """The header buttons ``name`` of ``record``'s form that show, as the web client decides."""
        arch = record.get_views([(False, "form")])["views"]["form"]["arch"]
        shown = []
        for button in etree.fromstring(arch).xpath(f"//header/button[@name='{name}']"):
            expression = button.get("invisible") or "False"
            values = {n: record[n] for n in re.findall(r"[a-z_]+", expression) if n in record._fields}
            if not safe_eval(expression, values):
                shown.append(button)
        return shown

    def test_resolve_and_close_warn_of_parts_not_issued(self):
        gasket = self._part("Head Gasket", cost=20)  # none in stock
        request = self._request([(self.filter, 1), (gasket, 1)])
        picking = request.action_request_parts()
        action = request.with_user(self.as_user).action_resolve()
        wizard = Form(self.env[action["res_model"]].with_user(self.as_user).with_context(**action["context"]))
        self.assertIn("Parts not issued yet", wizard.warning)
        self.assertIn("Head Gasket (1 Units, Not Available)", wizard.warning)
        self.assertIn("Oil Filter (1 Units, Available)", wizard.warning)
        wizard.resolution = "<p>Gasket replaced</p>"
        wizard.save().action_resolve()
        self.assertTrue(request.is_resolved, "a warning, not a refusal")
        # the form says it, and Close asks before closing
        self.assertIn("Head Gasket", request.resolve_warning)
        (close,) = self._visible_buttons(request.with_user(self.as_user), "action_close")
        self.assertIn("Close it anyway?", close.get("confirm") or "")
        # issued, nothing to warn of
        self.env["stock.quant"]._update_available_quantity(gasket, self.stock, 1)
        picking.action_assign()
        self._validate(picking)
        self.assertEqual(set(request.line_ids.mapped("part_state")), {"issued"})
        self.assertFalse(request.resolve_warning)
        (close,) = self._visible_buttons(request.with_user(self.as_user), "action_close")
        self.assertFalse(close.get("confirm"))

    def test_approval_over_threshold_then_refusal_and_approval(self):
        request = self._request([(self.pump, 2)])  # 1,800 > 1,000
        self.assertTrue(request.action_request_parts())
        self.assertEqual(request.parts_approval_state, "to_approve")
        self.assertEqual(request.line_ids.part_state, "to_approve")
        self.assertFalse(request.parts_picking_ids, "no picking before approval")
        with self.assertRaises(AccessError):
            request.action_approve_parts()
        with self.assertRaises(AccessError):
            request.with_user(self.wh_user).sudo(False).action_approve_parts()
        as_manager = request.with_user(self.as_manager)
        with self.assertRaises(UserError):
            as_manager.action_refuse_parts("  ")
        wizard = (
            self.env["after_sales.parts.refuse.wizard"]
            .with_user(self.as_manager)
            .create({"request_id": request.id, "reason": "Repair the old pump instead"})
        )
        wizard.action_refuse()
        self.assertRecordValues(
            request.line_ids,
            [{"part_state": "refused", "part_refusal_reason": "Repair the old pump instead"}],
        )
        self.assertFalse(request.parts_picking_ids)
        # Asked again, it waits again; the manager approves and the picking exists.
        request.action_request_parts()
        picking = as_manager.action_approve_parts()
        self.assertEqual(request.parts_approval_state, "approved")
        self.assertEqual(picking.move_ids.product_id, self.pump)
        self.assertEqual(request.line_ids.part_availability, "partially_available")

    def test_flagged_part_needs_approval_even_cheap(self):
        glow_plug = self._part("Glow Plug", cost=5, after_sales_needs_approval=True)
        request = self._request([(glow_plug, 1)])
        request.action_request_parts()
        self.assertEqual(request.parts_approval_state, "to_approve")
        self.assertFalse(request.parts_picking_ids)

    def test_return_of_unused_parts_adjusts_billable_quantity(self):
        request = self._request([(self.filter, 3)])
        picking = request.action_request_parts()
        self._validate(picking)
        line = request.line_ids
        self.assertRecordValues(line, [{"part_state": "issued", "part_qty_issued": 3, "quantity": 3}])
        with self.assertRaises(ValidationError):
            line._return_unused(4)
        with self.assertRaises(ValidationError):
            line._return_unused(-1)
        self.assertEqual(len(request.parts_picking_ids), 1, "a refused return writes nothing")
        wizard = (
            self.env["after_sales.parts.return.wizard"].with_user(self.as_user).create({"line_id": line.id})
        )
        self.assertEqual(wizard.quantity, 3)
        wizard.quantity = 1
        action = wizard.action_return()
        back = self.env["stock.picking"].browse(action["res_id"])
        self.assertEqual(back.location_dest_id, self.stock)
        with self.assertRaises(ValidationError):
            line._return_unused(3)  # 1 is already on its way back
        self._validate(back)
        self.assertRecordValues(line, [{"part_qty_returned": 1, "quantity": 2}])
        self.assertEqual(self.filter.with_context(location=self.stock.id).qty_available, 8)

    def test_serial_part_swaps_the_component(self):
        module = self._create_serial_product("Control Module CM-2")
        old_lot = self._create_lot(module, "CM2-OLD")
        new_lot = self._create_lot(module, "CM2-NEW")
        old_component = self._create_unit(product=module, lot=old_lot, parent_id=self.unit.id)
        self.env["stock.quant"]._update_available_quantity(module, self.stock, 1, lot_id=new_lot)
        request = self._request([(module, 1)])
        picking = request.action_request_parts()
        self.assertEqual(picking.move_line_ids.lot_id, new_lot)
        self._validate(picking)
        new_component = self.unit.child_ids
        self.assertEqual(new_component.lot_id, new_lot)
        self.assertRecordValues(old_component, [{"parent_id": False, "state": "decommissioned"}])
        self.assertEqual(request.line_ids.part_lot_id, new_lot)

    def test_bad_input_is_refused_and_writes_nothing(self):
        service = self.env["product.product"].create({"name": "Labour", "type": "service"})
        request = self._request([(self.filter, 1), (service, 1)])
        with self.assertRaises(UserError):
            request.action_request_parts()
        self.assertFalse(request.parts_picking_ids)
        self.assertEqual(set(request.line_ids.mapped("part_state")), {"draft"})
        requests = self.env["after_sales.request"].search_count([])
        with self.assertRaises(ValidationError):  # a planned part of nothing is no line
            self._request([(self.filter, 0)])
        self.assertEqual(self.env["after_sales.request"].search_count([]), requests)
        with self.assertRaises(ValidationError):
            self._request([(self.filter, -2)])
        requested = self._request([(self.filter, 1)])
        requested.action_request_parts()
        with self.assertRaises(UserError):
            requested.line_ids.unlink()
        with self.assertRaises(UserError):
            requested.line_ids.product_id = self.pump

    def test_warehouse_user_issues_but_cannot_approve(self):
        request = self._request([(self.filter, 1)])
        picking = request.action_request_parts()
        self._validate(picking, user=self.wh_user)
        self.assertEqual(request.line_ids.part_state, "issued")
        with self.assertRaises(AccessError):
            self.env["after_sales.request"].with_user(self.wh_user).browse(request.id).read(["name"])

    def test_second_warehouse_and_van_location(self):
        second = self.env["stock.warehouse"].create({"name": "South Depot", "code": "SD"})
        self.assertTrue(second.after_sales_parts_type_id, "warehouses created later get the type too")
        self.env["stock.quant"]._update_available_quantity(self.filter, second.lot_stock_id, 4)
        van = self.env["stock.location"].create(
            {"name": "Van 7", "usage": "internal", "location_id": second.view_location_id.id}
        )
        request = self._request(
            [(self.filter, 4)], parts_warehouse_id=second.id, parts_location_dest_id=van.id
        )
        picking = request.action_request_parts()
        self.assertRecordValues(
            picking,
            [
                {
                    "picking_type_id": second.after_sales_parts_type_id.id,
                    "location_id": second.lot_stock_id.id,
                    "location_dest_id": van.id,
                    "state": "assigned",
                }
            ],
        )

    def test_multi_company(self):
        other = self.env["res.company"].create({"name": "Parts Co. East"})
        other_wh = self.env["stock.warehouse"].search([("company_id", "=", other.id)], limit=1)
        self.assertTrue(other_wh.after_sales_parts_type_id)
        request = self._request([(self.filter, 1)])
        self.assertEqual(request.parts_warehouse_id.company_id, self.env.company)
        with self.assertRaises(UserError):
            request.parts_warehouse_id = other_wh
        self.assertEqual(request.parts_warehouse_id, self.warehouse)
