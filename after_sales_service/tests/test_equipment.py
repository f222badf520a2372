from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import AfterSalesCommon


@tagged("post_install", "-at_install")
class TestEquipmentRegistration(AfterSalesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.customer_location = cls.env.ref("stock.stock_location_customers")
        cls.product_unit.product_tmpl_id.after_sales_registers_equipment = True

    def _move_serial(self, lot, picking_type, partner, source, dest):
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "partner_id": partner.id,
                "location_id": source.id,
                "location_dest_id": dest.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": lot.product_id.id,
                            "product_uom_qty": 1,
                            "location_id": source.id,
                            "location_dest_id": dest.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        move = picking.move_ids
        if not move.move_line_ids:
            self.env["stock.move.line"].create(
                {
                    "move_id": move.id,
                    "picking_id": picking.id,
                    "product_id": lot.product_id.id,
                    "location_id": source.id,
                    "location_dest_id": dest.id,
                }
            )
        move.move_line_ids.write({"lot_id": lot.id, "quantity": 1})
        move.picked = True
        picking._action_done()
        return picking

    def _deliver(self, lot, partner=None):
        self.env["stock.quant"]._update_available_quantity(lot.product_id, self.stock_location, 1, lot_id=lot)
        return self._move_serial(
            lot,
            self.warehouse.out_type_id,
            partner or self.customer_site,
            self.stock_location,
            self.customer_location,
        )

    def _units(self, lot):
        return (
            self.env["after_sales.equipment"]
            .with_context(active_test=False)
            .search([("lot_id", "=", lot.id)])
        )

    @freeze_time("2026-03-10 10:00:00")
    def test_delivery_registers_one_unit_per_serial(self):
        lot = self._create_lot(self.product_unit, "SN-DELIV-1")
        picking = self._deliver(lot)
        self.assertEqual(picking.state, "done")
        unit = self._units(lot)
        self.assertRecordValues(
            unit,
            [
                {
                    "product_id": self.product_unit.id,
                    "partner_id": self.customer.id,
                    "site_partner_id": self.customer_site.id,
                    "state": "in_service",
                    "company_id": self.env.company.id,
                }
            ],
        )
        self.assertEqual(str(unit.delivery_date), "2026-03-10")

    def test_product_not_flagged_registers_nothing(self):
        product = self._create_serial_product("Spare Alternator")
        lot = self._create_lot(product, "SN-NOREG-1")
        self._deliver(lot)
        self.assertFalse(self._units(lot))

    def test_return_marks_unit_returned_and_redelivery_reuses_it(self):
        lot = self._create_lot(self.product_unit, "SN-RET-1")
        self._deliver(lot)
        unit = self._units(lot)
        self._move_serial(
            lot, self.warehouse.in_type_id, self.customer_site, self.customer_location, self.stock_location
        )
        self.assertEqual(unit.state, "returned")
        other = self.env["res.partner"].create({"name": "Second Owner", "is_company": True})
        self._deliver(lot, partner=other)
        self.assertEqual(self._units(lot), unit, "the returned unit is reused, not registered twice")
        self.assertRecordValues(unit, [{"state": "in_service", "partner_id": other.id}])

    def test_delivering_a_serial_in_service_does_not_register_twice(self):
        lot = self._create_lot(self.product_unit, "SN-TWICE-1")
        unit = self._create_unit(lot=lot)
        picking = self._deliver(lot)
        self.assertEqual(self._units(lot), unit)
        self.assertIn("already registered", picking.message_ids[0].body)

    def test_registering_same_serial_twice_is_refused(self):
        lot = self._create_lot(self.product_unit, "SN-DUP-1")
        self._create_unit(lot=lot)
        with self.assertRaises(ValidationError), mute_logger("odoo.sql_db"):
            self._create_unit(lot=lot).flush_recordset()
        self.assertEqual(len(self._units(lot)), 1)

    def test_manual_unit_without_serial(self):
        unit = self._create_unit().with_user(self.as_user)
        self.assertEqual(unit.name, self.product_unit.display_name)
        self.assertFalse(unit.lot_id)

    def test_serial_of_another_product_is_refused(self):
        other = self._create_serial_product("Other Product")
        lot = self._create_lot(other, "SN-OTHER-1")
        with self.assertRaises(ValidationError):
            self._create_unit(lot=lot)

    def test_component_tree_refuses_cycles(self):
        parent = self._create_unit()
        child = self._create_unit(parent_id=parent.id)
        self.assertEqual(parent.child_ids, child)
        with self.assertRaises(ValidationError):
            parent.parent_id = child


class TestMeterReadings(AfterSalesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.unit = cls._create_unit(delivery_date="2026-01-01")

    def _read(self, date, hours, unit=None):
        return (
            self.env["after_sales.meter.reading"]
            .with_user(self.as_user)
            .create({"equipment_id": (unit or self.unit).id, "date": date, "hours": hours})
        )

    @freeze_time("2026-03-02")
    def test_current_and_average_hours(self):
        self._read("2026-01-31", 100)
        self._read("2026-03-02", 300)
        self.assertEqual(self.unit.current_hours, 300)
        self.assertAlmostEqual(self.unit.average_hours_per_day, 300 / 60, places=2)

    @freeze_time("2026-03-02")
    def test_lower_reading_is_refused(self):
        self._read("2026-02-01", 500)
        with self.assertRaises(ValidationError) as caught:
            self._read("2026-02-15", 400)
        self.assertIn("lower than the previous reading", str(caught.exception))
        with self.assertRaises(ValidationError) as caught:
            self._read("2026-01-15", 600)
        self.assertIn("higher than a later reading", str(caught.exception))
        self.assertEqual(
            self.env["after_sales.meter.reading"].search_count([("equipment_id", "=", self.unit.id)]), 1
        )
        self.unit.invalidate_recordset()
        self.assertEqual(self.unit.current_hours, 500)

    @freeze_time("2026-03-02")
    def test_future_reading_is_refused(self):
        with self.assertRaises(ValidationError) as caught:
            self._read("2026-03-03", 10)
        self.assertIn("future", str(caught.exception))
        self.assertFalse(self.env["after_sales.meter.reading"].search([("equipment_id", "=", self.unit.id)]))
