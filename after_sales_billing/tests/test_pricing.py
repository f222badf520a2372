from datetime import datetime

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import AfterSalesBillingCommon


@tagged("post_install", "-at_install")
class TestPricing(AfterSalesBillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls.env["resource.calendar"].create(
            {"name": "Service Hours", "tz": "UTC", "company_id": cls.company.id}
        )
        cls.policy = cls.env["after_sales.sla.policy"].create(
            {"name": "Business Hours", "calendar_id": cls.calendar.id}
        )
        cls.rules = cls.env["after_sales.rate.rule"].create(
            [
                {"name": "Urgent", "condition": "priority", "priority": "3", "multiplier": 1.5},
                {"name": "After hours", "condition": "after_hours", "multiplier": 1.25},
                {"name": "Weekend", "condition": "weekend", "multiplier": 2.0},
                {"name": "Holiday", "condition": "holiday", "multiplier": 3.0},
            ]
        )

    def _line(self, partner=None, line=None, **request_vals):
        request = self._create_request(
            partner or self.customer, [line or self._work_line()], resolved=False, **request_vals
        )
        return request.line_ids

    def test_price_sources_in_order(self):
        contract_customer = self._create_customer("Contract Customer")
        self._create_contract(contract_customer, pricelist_id=self.pl_contract.id)
        vip = self._create_customer("VIP Customer")
        vip.specific_property_product_pricelist = self.pl_customer
        plain = self._create_customer("Walk-in Customer")

        line = self._line(contract_customer)
        self.assertRecordValues(
            line,
            [
                {
                    "pricelist_id": self.pl_contract.id,
                    "pricelist_source": "contract",
                    "price_unit": 80.0,
                    "quantity": 2.0,
                    "price_subtotal": 160.0,
                    "price_total": 192.0,
                }
            ],
        )
        self.assertRecordValues(
            self._line(vip),
            [{"pricelist_id": self.pl_customer.id, "pricelist_source": "customer", "price_unit": 90.0}],
        )
        self.assertEqual(self._line(plain).price_unit, 100.0, "product sales price without any price list")
        self.company.after_sales_pricelist_id = self.pl_company
        self.assertRecordValues(
            self._line(plain),
            [{"pricelist_id": self.pl_company.id, "pricelist_source": "company", "price_unit": 95.0}],
        )
        # the customer's price list still wins over the company default
        self.assertEqual(self._line(vip).pricelist_source, "customer")

    def test_pricelist_rules_apply(self):
        self.pl_customer.item_ids = [
            Command.create(
                {
                    "applied_on": "0_product_variant",
                    "product_id": self.part.id,
                    "compute_price": "fixed",
                    "fixed_price": 38.0,
                    "min_quantity": 5,
                }
            ),
            Command.create(
                {
                    "applied_on": "0_product_variant",
                    "product_id": self.part.id,
                    "compute_price": "fixed",
                    "fixed_price": 30.0,
                    "date_start": "2027-01-01",
                }
            ),
        ]
        vip = self._create_customer("VIP Customer")
        vip.specific_property_product_pricelist = self.pl_customer
        self.assertEqual(self._line(vip, self._part_line(quantity=1)).price_unit, 45.0)
        self.assertEqual(self._line(vip, self._part_line(quantity=5)).price_unit, 38.0, "quantity break")
        self.assertEqual(
            self._line(vip, self._part_line(quantity=1, date="2027-02-01")).price_unit, 30.0, "dated rule"
        )

    def test_norm_hours_fill_quantity(self):
        line = self._line()
        self.assertEqual(line.quantity, 2.0, "norm-hours of the work")
        with self.assertRaisesRegex(UserError, "norm hours"):
            line.quantity = 3.5
        self.assertRecordValues(line, [{"quantity_method": "norm_hours", "quantity": 2.0}])
        self.assertEqual(self._line(line=self._work_line(quantity=1.5)).quantity, 1.5)
        self.assertEqual(self._line(line=self._part_line()).quantity, 1.0, "parts have no norm-hours")
        tm_customer = self._create_customer("T&M Customer")
        self._create_contract(tm_customer, billing_model="time_materials")
        self.assertEqual(
            self._line(tm_customer, self._work_line(quantity=4.25)).quantity, 4.25, "logged hours on T&M"
        )

    def test_rate_multipliers(self):
        wednesday, saturday = "2026-03-04", "2026-03-07"
        plain = self._line(line=self._work_line(date=wednesday), sla_policy_id=self.policy.id)
        self.assertRecordValues(plain, [{"rate_multiplier": 1.0, "price_unit": 100.0, "rate_note": False}])
        urgent = self._line(line=self._work_line(date=wednesday), priority="3", sla_policy_id=self.policy.id)
        self.assertRecordValues(
            urgent, [{"rate_multiplier": 1.5, "price_unit": 150.0, "rate_note": "Urgent ×1.5"}]
        )
        weekend = self._line(line=self._work_line(date=saturday), priority="3", sla_policy_id=self.policy.id)
        self.assertRecordValues(weekend, [{"rate_multiplier": 3.0, "price_unit": 300.0}])
        self.assertEqual(weekend.rate_note, "Urgent ×1.5, Weekend ×2")
        late = self._line(
            line=self._work_line(date=wednesday, work_start=datetime(2026, 3, 4, 20, 0)),
            sla_policy_id=self.policy.id,
        )
        self.assertEqual(late.rate_multiplier, 1.25)
        in_hours = self._line(
            line=self._work_line(date=wednesday, work_start=datetime(2026, 3, 4, 10, 0)),
            sla_policy_id=self.policy.id,
        )
        self.assertEqual(in_hours.rate_multiplier, 1.0)
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": self.calendar.id,
                "date_from": datetime(2026, 3, 9, 0, 0),
                "date_to": datetime(2026, 3, 9, 23, 59),
            }
        )
        holiday = self._line(line=self._work_line(date="2026-03-09"), sla_policy_id=self.policy.id)
        self.assertEqual(holiday.rate_multiplier, 3.0, "the highest time multiplier applies")
        part = self._line(line=self._part_line(date=saturday), priority="3", sla_policy_id=self.policy.id)
        self.assertEqual(part.rate_multiplier, 1.0, "work multipliers leave parts alone")

    def test_contract_rules_replace_company_rules(self):
        customer = self._create_customer("Contract Customer")
        self._create_contract(
            customer,
            rate_rule_ids=[
                Command.create(
                    {"name": "Urgent (contract)", "condition": "priority", "priority": "3", "multiplier": 1.2}
                )
            ],
        )
        line = self._line(
            customer, self._work_line(date="2026-03-07"), priority="3", sla_policy_id=self.policy.id
        )
        self.assertRecordValues(
            line, [{"rate_multiplier": 1.2, "price_unit": 120.0, "rate_note": "Urgent (contract) ×1.2"}]
        )

    def test_refurbished_grade_factor(self):
        new = self._line(line=self._part_line(part_grade="new"))
        self.assertEqual(new.price_unit, 50.0)
        refurbished = self._line(line=self._part_line(part_grade="refurbished"))
        self.assertEqual(refurbished.price_unit, 35.0)
        self.company.after_sales_refurbished_factor = 0.5
        self.assertEqual(self._line(line=self._part_line(part_grade="refurbished")).price_unit, 25.0)

    def test_taxes_follow_fiscal_position(self):
        self.assertEqual(self._line().tax_ids, self.tax)
        position = self.env["account.fiscal.position"].create(
            {"name": "Export", "company_id": self.company.id}
        )
        self.tax_export.fiscal_position_ids = position
        self.tax_export.original_tax_ids = self.tax
        exporter = self._create_customer("Exporter", property_account_position_id=position.id)
        line = self._line(exporter)
        self.assertEqual(line.tax_ids, self.tax_export)
        self.assertEqual(line.price_total, line.price_subtotal)

    def test_coverage_decides_what_customer_pays(self):
        request = self._create_request(
            self.customer,
            [
                self._work_line(coverage="warranty"),
                self._part_line(coverage="goodwill"),
                self._part_line(coverage="contract"),
                self._work_line(coverage="paid", quantity=1.0),
            ],
        )
        self.assertRecordValues(
            request.line_ids,
            [
                {"price_subtotal": 200.0, "amount_charged": 0.0},
                {"price_subtotal": 50.0, "amount_charged": 0.0},
                {"price_subtotal": 50.0, "amount_charged": 0.0},
                {"price_subtotal": 100.0, "amount_charged": 100.0},
            ],
        )
        self.assertRecordValues(request, [{"amount_charged": 100.0, "amount_covered": 300.0}])

    def test_act_of_completed_work(self):
        request = self._create_request(
            self.customer, [self._work_line(coverage="warranty"), self._part_line(coverage="paid")]
        )
        html, __ = self.env["ir.actions.report"]._render_qweb_html(
            "after_sales_billing.action_report_after_sales_act", request.ids
        )
        html = html.decode()
        self.assertIn(request.name, html)
        self.assertIn("Diagnostics", html)
        self.assertIn("Warranty", html)
        self.assertIn("Customer Pays", html)
