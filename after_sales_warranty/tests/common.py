from freezegun import freeze_time

from odoo import Command, fields
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


class DealerClaimReportCommon(DealerClaimCommon):
    """Three submitted claims of June 2025 and a draft, made by hand (dates by ``freeze_time``).

    - A (Volga): repaired 1 June, claimed 11 June, decided 15 June; 3 h of a 2 h operation
      (cut to 2 h: 100 of 150), the alternator (330), an oil filter of an excluded wear
      category (11, rejected); cause: defect.
    - B (Volga): repaired 5 June, claimed 7 June, decided 20 June; 1 h of a 1 h operation (50).
    - C (Kama, claims in a foreign currency at 2 per company unit on the repair day, 4 later):
      repaired 20 May, claimed 18 June, not decided; 2 h of a 2 h operation at 50: 100 in its
      currency, 50 in the company's.
    - a draft of Volga, not a claim yet; a claim of another company.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.defect = cls.env.ref("after_sales_service.cause_defect")
        company = cls.env.company
        cls.foreign = cls.env.ref("base.EUR" if company.currency_id.name != "EUR" else "base.USD")
        cls.foreign.active = True
        cls.env["res.currency.rate"].create(
            [
                {"currency_id": cls.foreign.id, "company_id": company.id, "name": day, "rate": rate}
                for day, rate in (("2025-01-01", 2.0), ("2025-06-01", 4.0))
            ]
        )
        cls.rival.service_currency_id = cls.foreign
        cls.claim_a = cls._decided_claim(
            "2025-06-01",
            "2025-06-11",
            "2025-06-15",
            [cls._labour(hours=3.0), cls._part_line(), cls._part_line(cls.oil_filter)],
            cause_id=cls.defect.id,
        )
        cls.claim_b = cls._decided_claim(
            "2025-06-05", "2025-06-07", "2025-06-20", [cls._labour(cls.op_diagnose, 1.0)]
        )
        cls.claim_c = cls._decided_claim(
            "2025-05-20", "2025-06-18", None, [cls._labour(hours=2.0)], unit=cls.rival_unit, dealer=cls.rival
        )
        with freeze_time("2025-06-20"):
            cls.draft = cls._create_claim(cls.unit, "2025-06-19", [cls._labour(cls.op_diagnose, 1.0)])
        cls.claims = cls.claim_a | cls.claim_b | cls.claim_c | cls.draft

        cls.other_company = cls.env["res.company"].create({"name": "Dealer Analysis Other Co"})
        other_unit = cls._create_unit(
            lot=cls._create_lot(cls.product_unit, "TG1-OTHER-CO", company=cls.other_company),
            delivery_date="2025-01-10",
            company_id=cls.other_company.id,
        )
        shared_operation = cls.env["after_sales.labour.operation"].create(
            {"code": "ANY-01", "name": "Inspect", "norm_hours": 1.0, "company_id": False}
        )
        with freeze_time("2025-06-10"):
            cls.other_claim = (
                cls.env["after_sales.dealer.claim"]
                .with_company(cls.other_company)
                .create(
                    {
                        "dealer_id": cls.dealer.id,
                        "company_id": cls.other_company.id,
                        "equipment_id": other_unit.id,
                        "repair_date": "2025-06-02",
                        "line_ids": [Command.create(cls._labour(shared_operation, 1.0))],
                    }
                )
            )
            cls.other_claim.action_submit()
        cls.outsider = new_test_user(
            cls.env,
            login="dealer_analysis_other_manager",
            groups="after_sales_service.group_after_sales_manager",
            company_id=cls.other_company.id,
            company_ids=[cls.other_company.id],
        )
        cls.env.flush_all()

    @classmethod
    def _decided_claim(cls, repaired, submitted, decided, lines, unit=None, dealer=None, **vals):
        with freeze_time(submitted):
            claim = cls._create_claim(unit or cls.unit, repaired, lines, dealer=dealer, **vals)
            claim.action_submit()
            cls.env.flush_all()
        if decided:
            with freeze_time(decided):
                claim.with_user(cls.officer).action_approve()
                cls.env.flush_all()
        return claim
