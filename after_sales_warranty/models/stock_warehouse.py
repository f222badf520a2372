from odoo import models


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    def _after_sales_failed_parts_location(self):
        """The warehouse's internal location for failed parts dealers send back (made once).

        Outside the stock location: failed parts are never reserved for an issue.
        """
        self.ensure_one()
        Location = self.env["stock.location"].sudo()
        location = Location.search(
            [
                ("location_id", "=", self.view_location_id.id),
                ("usage", "=", "internal"),
                ("barcode", "=", f"{self.code}-FAILED"),
            ],
            limit=1,
        )
        if not location:
            location = Location.create(
                {
                    "name": self.env._("Failed Parts"),
                    "usage": "internal",
                    "location_id": self.view_location_id.id,
                    "company_id": self.company_id.id,
                    "barcode": f"{self.code}-FAILED",
                }
            )
        return location
