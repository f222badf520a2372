from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import WarrantyCommon


@tagged("post_install", "-at_install")
class TestWarrantyTerms(WarrantyCommon):
    def test_template_inherits_category_terms_until_made_specific(self):
        template = self.product_unit.product_tmpl_id
        self.assertRecordValues(
            template,
            [
                {
                    "warranty_parts_months": 24,
                    "warranty_labour_months": 12,
                    "warranty_hours_limit": 2000,
                    "warranty_start_basis": "delivery",
                    "warranty_excluded_categ_ids": self.categ_wear.ids,
                    "service_life_years": 10,
                }
            ],
        )
        self.categ_machines.warranty_parts_months = 36
        self.assertEqual(template.warranty_parts_months, 36)
        template.write({"warranty_custom": True, "warranty_parts_months": 18})
        self.categ_machines.warranty_parts_months = 48
        self.assertEqual(template.warranty_parts_months, 18, "product-specific terms stay")

    def test_negative_terms_refused(self):
        with self.assertRaises(UserError):
            self.categ_machines.warranty_labour_months = -1

    def test_unit_copies_terms_and_keeps_them_until_reapplied(self):
        unit = self._create_unit(delivery_date="2025-01-10")
        self.assertRecordValues(
            unit,
            [
                {
                    "warranty_parts_months": 24,
                    "warranty_labour_months": 12,
                    "warranty_hours_limit": 2000,
                    "warranty_excluded_categ_ids": self.categ_wear.ids,
                    "warranty_parts_end_date": fields.Date.to_date("2027-01-10"),
                    "warranty_labour_end_date": fields.Date.to_date("2026-01-10"),
                }
            ],
        )
        self.categ_machines.warranty_parts_months = 36
        self.assertEqual(unit.warranty_parts_months, 24, "sold units keep their terms")
        with self.assertRaises(AccessError):
            unit.with_user(self.as_user).action_apply_warranty_terms()
        unit.with_user(self.as_manager).action_apply_warranty_terms()
        self.assertEqual(unit.warranty_parts_end_date, fields.Date.to_date("2028-01-10"))
        self.assertIn("re-applied", unit.message_ids[0].body)

    def test_dates_from_each_start_basis(self):
        dates = {
            "delivery_date": "2025-01-10",
            "commissioning_date": "2025-03-01",
            "invoice_date": "2025-01-05",
        }
        expected = {"delivery": "2025-01-10", "commissioning": "2025-03-01", "invoice": "2025-01-05"}
        for basis, start in expected.items():
            with self.subTest(basis=basis):
                unit = self._create_unit(**dates)
                unit.warranty_start_basis = basis
                start = fields.Date.to_date(start)
                self.assertEqual(unit.warranty_start_date, start)
                self.assertEqual(unit.warranty_labour_end_date, fields.Date.add(start, months=12))
        # commissioning basis without a commissioning yet: from delivery
        unit = self._create_unit(delivery_date="2025-01-10", warranty_start_basis="commissioning")
        self.assertEqual(unit.warranty_start_date, fields.Date.to_date("2025-01-10"))
        unit.commissioning_date = "2025-02-15"
        self.assertEqual(unit.warranty_start_date, fields.Date.to_date("2025-02-15"))

    def test_periods_follow_the_civil_code(self):
        """ГК РФ art. 191-192: N months from date D end on the same date N months later."""
        unit = self._create_unit(delivery_date="2025-03-01")
        unit.write({"warranty_parts_months": 12, "warranty_labour_months": 1, "service_life_years": 5})
        self.assertRecordValues(
            unit,
            [
                {
                    "warranty_parts_end_date": fields.Date.to_date("2026-03-01"),
                    "warranty_labour_end_date": fields.Date.to_date("2025-04-01"),
                    "service_life_end_date": fields.Date.to_date("2030-03-01"),
                }
            ],
        )
        self.assertTrue(unit._get_warranty_state(fields.Date.to_date("2026-03-01"), hours=0)["parts"])
        self.assertFalse(unit._get_warranty_state(fields.Date.to_date("2026-03-02"), hours=0)["parts"])
        # the month's last day where the same date does not exist
        short = self._create_unit(delivery_date="2025-01-31")
        short.write({"warranty_parts_months": 1, "warranty_labour_months": 13})
        self.assertEqual(str(short.warranty_parts_end_date), "2025-02-28")
        self.assertEqual(str(short.warranty_labour_end_date), "2026-02-28")

    def test_hours_limit_wins_before_months(self):
        unit = self._create_unit(delivery_date="2025-01-10")
        self._add_reading(unit, 2100, "2025-06-01")
        state = unit._get_warranty_state(fields.Date.to_date("2025-06-02"))
        self.assertEqual(state["state"], "expired")
        self.assertFalse(state["parts"] or state["labour"])
        self.assertIn("2000", state["parts_reason"])

    def test_months_win_before_hours(self):
        unit = self._create_unit(delivery_date="2025-01-10")
        self._add_reading(unit, 300, "2025-06-01")
        state = unit._get_warranty_state(fields.Date.to_date("2027-02-01"))
        self.assertEqual(state["state"], "expired")
        state = unit._get_warranty_state(fields.Date.to_date("2026-06-01"))
        self.assertEqual((state["state"], state["parts"], state["labour"]), ("in_warranty", True, False))

    @freeze_time("2025-06-01")
    def test_state_today_search_and_lists(self):
        unit = self._create_unit(delivery_date="2025-01-10")
        old = self._create_unit(delivery_date="2014-01-10")
        ending = self._create_unit(delivery_date="2023-06-20")  # parts end 2025-06-19
        Unit = self.env["after_sales.equipment"]
        self.assertEqual(
            (unit.warranty_state, old.warranty_state, ending.warranty_state),
            ("in_warranty", "expired", "in_warranty"),
        )
        mine = unit | old | ending
        self.assertEqual(
            Unit.search([("id", "in", mine.ids), ("warranty_state", "=", "in_warranty")]), unit | ending
        )
        self.assertEqual(Unit.search([("id", "in", mine.ids), ("warranty_state", "=", "expired")]), old)
        self.assertEqual(
            Unit.search([("id", "in", mine.ids)] + list(Unit._get_warranty_ending_domain(30))), ending
        )
        self.assertEqual(
            Unit.search([("id", "in", mine.ids)] + list(Unit._get_past_service_life_domain())), old
        )
        self.assertEqual(old.service_life_end_date, fields.Date.to_date("2024-01-10"))
        action = Unit.action_open_warranty_ending(30)
        self.assertEqual(Unit.search(action["domain"] + [("id", "in", mine.ids)]), ending)
        self._add_reading(unit, 2500, "2025-05-30")
        self.assertEqual(
            Unit.search([("id", "in", mine.ids), ("warranty_state", "=", "expired")]), old | unit
        )

    def test_void_and_unvoid_by_managers_only(self):
        unit = self._create_unit(delivery_date="2025-01-10")
        with self.assertRaises(AccessError):
            unit.with_user(self.as_user).action_void_warranty()
        with self.assertRaises(AccessError):
            unit.with_user(self.as_user)._void_warranty("misuse", "Overloaded")
        with self.assertRaises(UserError):
            unit.with_user(self.as_manager)._void_warranty("other", " ")
        self.assertFalse(unit.warranty_void)
        wizard = Form(
            self.env["after_sales.warranty.void.wizard"]
            .with_user(self.as_manager)
            .with_context(
                active_ids=unit.ids, active_model=unit._name, tracking_disable=False, mail_notrack=False
            )
        )
        wizard.reason = "unauthorized_repair"
        wizard.note = "Opened by a third party"
        wizard.save().action_confirm()
        self.assertRecordValues(
            unit,
            [
                {
                    "warranty_void": True,
                    "warranty_void_reason": "unauthorized_repair",
                    "warranty_void_user_id": self.as_manager.id,
                }
            ],
        )
        self.assertEqual(unit._get_warranty_state(fields.Date.to_date("2025-02-01"))["state"], "void")
        self.env.cr.precommit.run()
        tracked = unit.message_ids.tracking_value_ids.filtered(lambda t: t.field_id.name == "warranty_void")
        self.assertTrue(tracked)
        with self.assertRaises(AccessError):
            unit.with_user(self.as_user).action_unvoid_warranty()
        unit.with_user(self.as_manager).action_unvoid_warranty()
        self.assertFalse(unit.warranty_void)
        self.assertEqual(unit._get_warranty_state(fields.Date.to_date("2025-02-01"))["state"], "in_warranty")

    def test_registration_on_delivery_copies_terms(self):
        vals = self.env["after_sales.equipment"].create(
            {
                "product_id": self.product_unit.id,
                "partner_id": self.customer.id,
                "delivery_date": "2025-01-10",
            }
        )
        self.assertEqual(vals.warranty_hours_limit, 2000)
