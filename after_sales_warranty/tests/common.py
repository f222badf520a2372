from odoo import fields
from odoo.tests import new_test_user

from odoo.addons.after_sales_service.tests.common import AfterSalesCommon


class WarrantyCommon(AfterSalesCommon):
    """Warranty terms on a machine category, a wear-part category, a warranty officer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(
            cls.env, login="as_officer", groups="after_sales_warranty.group_warranty_officer"
        )
        Category = cls.env["product.category"]
        cls.categ_wear = Category.create({"name": "Wear Parts"})
        cls.categ_filters = Category.create({"name": "Filters", "parent_id": cls.categ_wear.id})
        cls.categ_spares = Category.create({"name": "Spare Parts"})
        cls.categ_machines = Category.create(
            {
                "name": "Generators",
                "warranty_parts_months": 24,
                "warranty_labour_months": 12,
                "warranty_hours_limit": 2000,
                "warranty_start_basis": "delivery",
                "warranty_excluded_categ_ids": [fields.Command.set(cls.categ_wear.ids)],
            }
        )
        cls.product_unit.categ_id = cls.categ_machines
        cls.vendor = cls.env["res.partner"].create({"name": "Motor Works Vendor", "is_company": True})
        cls.part = cls.env["product.product"].create(
            {"name": "Alternator", "type": "consu", "categ_id": cls.categ_spares.id, "standard_price": 300.0}
        )
        cls.oil_filter = cls.env["product.product"].create(
            {"name": "Oil Filter", "type": "consu", "categ_id": cls.categ_filters.id, "standard_price": 10.0}
        )
        cls.labour = cls.env["product.product"].create(
            {"name": "Repair Hour", "type": "service", "standard_price": 40.0}
        )

    @classmethod
    def _create_request(cls, unit, request_type="repair", date_open="2025-03-01 09:00:00", **vals):
        return cls.env["after_sales.request"].create(
            {
                "title": "Does not start",
                "partner_id": unit.partner_id.id,
                "equipment_id": unit.id,
                "request_type": request_type,
                "date_open": date_open,
                "company_id": unit.company_id.id,
                **vals,
            }
        )

    @classmethod
    def _add_lines(cls, request, *specs):
        """specs: (line_type, product, quantity)."""
        return cls.env["after_sales.request.line"].create(
            [
                {
                    "request_id": request.id,
                    "line_type": line_type,
                    "product_id": product.id,
                    "quantity": quantity,
                    "date": fields.Date.to_date(request.date_open),
                }
                for line_type, product, quantity in specs
            ]
        )

    @classmethod
    def _add_reading(cls, unit, hours, date="2025-02-01"):
        cls.env["after_sales.meter.reading"].create({"equipment_id": unit.id, "hours": hours, "date": date})
