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


class DealerClaimCommon(WarrantyCommon):
    """Two authorized dealers with a portal claim user each, labour operations and units.

    The Volga dealer is authorized for generators (labour 50 an hour, parts at cost + 10 %,
    claims within 30 days); the Kama dealer for the same, and it sold a unit of its own.
    Dates are fixed by ``freeze_time`` in the tests: the unit was delivered on 2025-01-10
    (parts 24 months, labour 12 months, 2000 hours).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dealer = cls._create_dealer("Volga Dealer", "volga_portal")
        cls.dealer_portal = cls.dealer.service_claim_user_ids
        cls.rival = cls._create_dealer("Kama Dealer", "kama_portal")
        cls.rival_portal = cls.rival.service_claim_user_ids
        Operation = cls.env["after_sales.labour.operation"]
        cls.op_alternator = Operation.create(
            {
                "code": "ALT-01",
                "name": "Replace alternator",
                "categ_id": cls.categ_machines.id,
                "norm_hours": 2.0,
            }
        )
        cls.op_diagnose = Operation.create({"code": "GEN-00", "name": "Diagnose", "norm_hours": 1.0})
        cls.op_pump = Operation.create(
            {
                "code": "PMP-01",
                "name": "Replace pump seal",
                "categ_id": cls.categ_spares.id,
                "norm_hours": 1.5,
            }
        )
        cls.unit = cls._create_unit(
            lot=cls._create_lot(cls.product_unit, "TG1-DEALER-1"),
            delivery_date="2025-01-10",
            dealer_id=cls.dealer.id,
        )
        cls.rival_unit = cls._create_unit(
            lot=cls._create_lot(cls.product_unit, "TG1-KAMA-1"),
            delivery_date="2025-01-10",
            dealer_id=cls.rival.id,
        )
        cls.failed_serial_part = cls.env["product.product"].create(
            {
                "name": "Control Board",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "categ_id": cls.categ_spares.id,
                "standard_price": 200.0,
            }
        )

    @classmethod
    def _create_dealer(cls, name, login, **vals):
        dealer = cls.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "is_service_partner": True,
                "service_categ_ids": [fields.Command.set(cls.categ_machines.ids)],
                "service_parts_categ_ids": [fields.Command.set((cls.categ_spares | cls.categ_wear).ids)],
                "service_labour_rate": 50.0,
                "service_parts_rule": "cost",
                "service_handling_percent": 10.0,
                "service_claim_deadline_days": 30,
                **vals,
            }
        )
        contact = cls.env["res.partner"].create({"name": f"{name} Mechanic", "parent_id": dealer.id})
        portal = new_test_user(cls.env, login=login, groups="base.group_portal", partner_id=contact.id)
        dealer.service_claim_user_ids = portal
        return dealer

    @classmethod
    def _create_claim(cls, unit=None, repair_date="2025-06-01", lines=(), dealer=None, **vals):
        """A draft claim of ``dealer`` (default Volga) for ``unit``; lines: dicts of line values."""
        return cls.env["after_sales.dealer.claim"].create(
            {
                "dealer_id": (dealer or cls.dealer).id,
                "equipment_id": unit.id if unit else False,
                "repair_date": repair_date,
                "symptom": "Does not charge",
                "line_ids": [fields.Command.create(dict(line)) for line in lines],
                **vals,
            }
        )

    @classmethod
    def _labour(cls, operation=None, hours=2.0, **vals):
        return {
            "line_type": "labour",
            "operation_id": (operation or cls.op_alternator).id,
            "hours": hours,
            **vals,
        }

    @classmethod
    def _part_line(cls, product=None, quantity=1.0, **vals):
        return {"line_type": "part", "product_id": (product or cls.part).id, "quantity": quantity, **vals}
