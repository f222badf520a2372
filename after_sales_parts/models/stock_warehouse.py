from odoo import fields, models


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    after_sales_parts_type_id = fields.Many2one(
        "stock.picking.type", string="Service Parts Operation Type", check_company=True, copy=False
    )
    after_sales_service_loc_id = fields.Many2one(
        "stock.location", string="Service Location", check_company=True, copy=False
    )

    def _get_locations_values(self, vals, code=False):
        values = super()._get_locations_values(vals, code=code)
        values["after_sales_service_loc_id"] = {
            "name": self.env._("Service"),
            "usage": "internal",
            "active": True,
        }
        return values

    def _get_sequence_values(self, name=False, code=False):
        values = super()._get_sequence_values(name=name, code=code)
        values["after_sales_parts_type_id"] = {
            "name": self.env._("%(name)s Sequence service parts", name=name or self.name),
            "prefix": (code or self.code) + "/SP/",
            "padding": 5,
            "company_id": self.company_id.id,
        }
        return values

    def _get_picking_type_create_values(self, max_sequence):
        data, next_sequence = super()._get_picking_type_create_values(max_sequence)
        data["after_sales_parts_type_id"] = {
            "name": self.env._("Service Parts"),
            "code": "internal",
            "default_location_src_id": self.lot_stock_id.id,
            "default_location_dest_id": self.after_sales_service_loc_id.id,
            "sequence": next_sequence + 1,
            "sequence_code": "SP",
            "company_id": self.company_id.id,
            "use_create_lots": False,
            "use_existing_lots": True,
        }
        return data, next_sequence + 2

    def _get_picking_type_update_values(self):
        data = super()._get_picking_type_update_values()
        data["after_sales_parts_type_id"] = {"active": self.active}
        return data

    def _after_sales_ensure_parts_setup(self):
        """Create the service location and operation type of warehouses made before install."""
        for warehouse in self.filtered(lambda w: not w.after_sales_parts_type_id):
            if not warehouse.after_sales_service_loc_id:
                warehouse.after_sales_service_loc_id = self.env["stock.location"].create(
                    {
                        "name": self.env._("Service"),
                        "usage": "internal",
                        "location_id": warehouse.view_location_id.id,
                        "company_id": warehouse.company_id.id,
                    }
                )
            vals = warehouse._create_or_update_sequences_and_picking_types()
            if vals:
                warehouse.write(vals)

    def _after_sales_own_location(self, name):
        self.ensure_one()
        Location = self.env["stock.location"].sudo()
        location = Location.search(
            [("location_id", "=", self.view_location_id.id), ("name", "=", name), ("usage", "=", "internal")],
            limit=1,
        )
        return location or Location.create(
            {
                "name": name,
                "usage": "internal",
                "location_id": self.view_location_id.id,
                "company_id": self.company_id.id,
            }
        )

    def _after_sales_loan_location(self):
        """Where lent units are while they are at customers."""
        return self._after_sales_own_location("Loaned Units")

    def _after_sales_pool_location(self):
        """The exchange pool of refurbished units ready to ship."""
        return self._after_sales_own_location("Exchange Pool")
