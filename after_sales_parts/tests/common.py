from odoo import Command

from odoo.addons.after_sales_service.tests.common import AfterSalesCommon


class AfterSalesPartsCommon(AfterSalesCommon):
    """A warehouse with 10 oil filters in stock, a unit, and helpers to request and move parts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)
        cls.stock = cls.warehouse.lot_stock_id
        cls.filter = cls._part("Oil Filter", cost=20)
        cls.env["stock.quant"]._update_available_quantity(cls.filter, cls.stock, 10)
        cls.unit = cls._create_unit()
        cls.env.company.after_sales_parts_approval_threshold = 1000

    @classmethod
    def _part(cls, name, cost, **vals):
        return cls.env["product.product"].create(
            {"name": name, "type": "consu", "is_storable": True, "standard_price": cost, **vals}
        )

    def _request(self, lines, **vals):
        """A request of the After-Sales user for ``self.unit`` with part lines ``[(product, qty)]``."""
        return (
            self.env["after_sales.request"]
            .with_user(self.as_user)
            .create(
                {
                    "title": "Parts needed",
                    "equipment_id": self.unit.id,
                    "line_ids": [
                        Command.create({"line_type": "part", "product_id": product.id, "quantity": qty})
                        for product, qty in lines
                    ],
                    **vals,
                }
            )
        )

    def _validate(self, picking, user=None):
        """Validate ``picking`` in full (as ``user`` when given)."""
        if user:
            picking = picking.with_user(user)
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking._action_done()
        self.assertEqual(picking.state, "done")
