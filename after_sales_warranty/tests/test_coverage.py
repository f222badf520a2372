from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import WarrantyCommon


@tagged("post_install", "-at_install")
class TestCoverage(WarrantyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.unit = cls._create_unit(delivery_date="2025-01-10")

    def test_labour_period_shorter_than_parts(self):
        inside_both = self._create_request(self.unit, date_open="2025-06-01 09:00:00")
        part, work = self._add_lines(inside_both, ("part", self.part, 1), ("work", self.labour, 2))
        self.assertEqual((part.coverage, work.coverage), ("warranty", "warranty"))
        self.assertEqual(inside_both.coverage_status, "full")
        parts_only = self._create_request(self.unit, date_open="2026-06-01 09:00:00")
        part, work = self._add_lines(parts_only, ("part", self.part, 1), ("work", self.labour, 2))
        self.assertRecordValues(part | work, [{"coverage": "warranty"}, {"coverage": "paid"}])
        self.assertIn("2026-01-10", work.coverage_reason)
        self.assertEqual(parts_only.coverage_status, "partial")

    def test_engine_reason_read_in_the_readers_language(self):
        """The engine stores the facts of its reason: each reader reads it in their language and date
        format; a reason a person typed stays as typed."""
        self.env["res.lang"]._activate_lang("ru_RU")
        russian = new_test_user(
            self.env,
            login="ru_service_clerk",
            groups="after_sales_service.group_after_sales_user",
            lang="ru_RU",
        )
        english = new_test_user(
            self.env,
            login="en_service_clerk",
            groups="after_sales_service.group_after_sales_user",
            lang="en_US",
        )
        request = self._create_request(self.unit, date_open="2026-06-01 09:00:00")
        work = self._add_lines(request, ("work", self.labour, 2))
        self.assertEqual(work.coverage_reason, "Labour warranty ended on 2026-01-10.")
        as_russian = work.with_user(russian).with_context(lang=russian.lang)
        self.assertEqual(as_russian.coverage_reason_display, "Гарантия на работы закончилась 10.01.2026.")
        as_english = work.with_user(english).with_context(lang=english.lang)
        self.assertEqual(as_english.coverage_reason_display, "Labour warranty ended on 01/10/2026.")
        # decided again by a Russian user: still the facts, not Russian text for everyone
        request.with_user(russian).with_context(lang="ru_RU").action_decide_coverage()
        self.assertEqual(as_english.coverage_reason_display, "Labour warranty ended on 01/10/2026.")
        self.assertEqual(as_russian.coverage_reason_display, "Гарантия на работы закончилась 10.01.2026.")
        work._override_coverage("goodwill", "Old customer, 10/01 promise")
        self.assertEqual(as_russian.coverage_reason_display, "Old customer, 10/01 promise")

    def test_category_exclusion_makes_part_paid_inside_warranty(self):
        request = self._create_request(self.unit, date_open="2025-06-01 09:00:00")
        line = self._add_lines(request, ("part", self.oil_filter, 1))
        self.assertEqual(line.coverage, "paid")
        self.assertIn("Filters", line.coverage_reason)
        # the product changes to a covered part: decided again
        line.product_id = self.part
        self.assertEqual(line.coverage, "warranty")

    def test_maintenance_request_is_not_warranty(self):
        request = self._create_request(self.unit, request_type="preventive", date_open="2025-06-01 09:00:00")
        line = self._add_lines(request, ("work", self.labour, 1))
        self.assertEqual(line.coverage, "paid")
        self.assertEqual(request.coverage_status, "none")

    def test_hours_limit_makes_everything_paid(self):
        self._add_reading(self.unit, 2500, "2025-05-01")
        request = self._create_request(self.unit, date_open="2025-06-01 09:00:00")
        lines = self._add_lines(request, ("part", self.part, 1), ("work", self.labour, 1))
        self.assertEqual(set(lines.mapped("coverage")), {"paid"})

    def test_void_makes_everything_paid(self):
        self.unit._void_warranty("misuse", "Run without oil")
        request = self._create_request(self.unit, date_open="2025-06-01 09:00:00")
        lines = self._add_lines(request, ("part", self.part, 1), ("work", self.labour, 1))
        self.assertEqual(set(lines.mapped("coverage")), {"paid"})
        self.assertIn("void", lines[0].coverage_reason.lower())

    def test_contract_quota_consumed_then_paid(self):
        old_unit = self._create_unit(delivery_date="2020-01-10")
        contract = self.env["after_sales.contract"].create(
            {
                "partner_id": self.customer.id,
                "date_start": "2025-01-01",
                "date_end": "2025-12-31",
                "all_equipment": True,
                "service_ids": [
                    fields.Command.create({"product_id": self.labour.id, "quantity": 3, "period": "quarter"})
                ],
            }
        )
        contract.date_start = "2025-01-01"
        contract.state = "active"
        first = self._create_request(old_unit, date_open="2025-02-01 09:00:00")
        self.assertEqual(first.contract_id, contract)
        lines = self._add_lines(first, ("work", self.labour, 2), ("part", self.part, 1))
        self.assertRecordValues(lines, [{"coverage": "contract"}, {"coverage": "paid"}])
        second = self._create_request(old_unit, date_open="2025-03-01 09:00:00")
        one, two = self._add_lines(second, ("work", self.labour, 1), ("work", self.labour, 1))
        self.assertEqual((one.coverage, two.coverage), ("contract", "paid"))
        self.assertIn("used up", two.coverage_reason)
        # next quarter: a fresh quota
        third = self._create_request(old_unit, date_open="2025-04-02 09:00:00")
        self.assertEqual(self._add_lines(third, ("work", self.labour, 3)).coverage, "contract")
        # re-deciding a request does not count its own lines twice
        second.action_decide_coverage()
        self.assertEqual((one.coverage, two.coverage), ("contract", "paid"))

    def test_override_needs_group_and_reason(self):
        request = self._create_request(self.unit, date_open="2026-06-01 09:00:00")
        line = self._add_lines(request, ("work", self.labour, 1))
        self.assertEqual(line.coverage, "paid")
        with self.assertRaises(AccessError):
            line.with_user(self.as_user).action_override_coverage()
        with self.assertRaises(AccessError):
            line.with_user(self.as_user).write({"coverage": "goodwill", "coverage_reason": "nice"})
        with self.assertRaises(UserError):
            line.with_user(self.officer)._override_coverage("goodwill", "  ")
        with self.assertRaises(UserError):
            line.with_user(self.officer).write({"coverage": "goodwill"})
        self.assertEqual(line.coverage, "paid")
        wizard = Form(
            self.env["after_sales.coverage.override.wizard"]
            .with_user(self.officer)
            .with_context(active_ids=line.ids, active_model=line._name)
        )
        wizard.coverage = "goodwill"
        wizard.reason = "Key customer"
        wizard.save().action_confirm()
        self.assertRecordValues(
            line, [{"coverage": "goodwill", "coverage_reason": "Key customer", "coverage_manual": True}]
        )
        self.assertIn("Key customer", request.message_ids[0].body)
        self.assertEqual(request.coverage_status, "full")
        request.action_decide_coverage()
        self.assertEqual(line.coverage, "goodwill", "re-deciding keeps overrides")

    def test_repair_under_warranty_follows_coverage(self):
        self.product_unit.type = "consu"
        request = self._create_request(self.unit, date_open=fields.Datetime.now())
        # delivered the day before: the request's day is read in the deciding user's zone, today
        # here in the superuser's (on demo data a day ahead of UTC from 23:00)
        self.unit.delivery_date = fields.Date.context_today(self.unit) - timedelta(days=1)
        repair = request.with_user(self.as_user).action_create_repair()
        repair = self.env["repair.order"].browse(repair["res_id"])
        self.assertTrue(repair.under_warranty, "unit in warranty, no line yet")
        lines = self._add_lines(request, ("part", self.part, 1))
        self.assertTrue(repair.under_warranty)
        self.assertEqual(repair.after_sales_coverage_status, "full")
        filt = self._add_lines(request, ("part", self.oil_filter, 1))
        self.assertFalse(repair.under_warranty)
        self.assertEqual(repair.after_sales_coverage_status, "partial")
        filt.unlink()
        self.assertTrue(repair.under_warranty)
        lines.with_user(self.officer)._override_coverage("paid", "Customer damage")
        self.assertFalse(repair.under_warranty)
        self.assertEqual(request.coverage_status, "none")

    def test_decision_is_batch_safe(self):
        requests = [
            self._create_request(
                self._create_unit(delivery_date="2025-01-10"), date_open="2025-06-01 09:00:00"
            )
            for _i in range(2)
        ]
        few = self._add_lines(requests[0], *[("part", self.part, 1)] * 3)
        many = self._add_lines(requests[1], *[("part", self.part, 1), ("work", self.labour, 1)] * 15)
        queries_few = self._count_queries(few)
        queries_many = self._count_queries(many)
        self.assertEqual(queries_few, queries_many, "the decision reads in a constant number of queries")
        self.assertLess(queries_many, 20)
        self.assertEqual(set(many._decide_coverage().keys()), set(many.ids))

    def _count_queries(self, lines):
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        lines._decide_coverage()
        return self.env.cr.sql_log_count - before

    def test_multi_company(self):
        company_b = self.env["res.company"].create({"name": "Service Company B"})
        self.as_user.company_ids = [fields.Command.link(company_b.id)]
        unit_b = self.env["after_sales.equipment"].create(
            {
                "product_id": self.product_unit.id,
                "partner_id": self.customer.id,
                "company_id": company_b.id,
                "delivery_date": "2025-01-10",
            }
        )
        request_b = self._create_request(unit_b, date_open="2025-06-01 09:00:00")
        line_b = self._add_lines(request_b, ("part", self.part, 1))
        self.assertEqual(line_b.coverage, "warranty")
        Line = self.env["after_sales.request.line"].with_user(self.as_user)
        self.assertFalse(
            Line.with_context(allowed_company_ids=self.env.company.ids).search([("id", "=", line_b.id)])
        )
        self.assertTrue(Line.with_context(allowed_company_ids=company_b.ids).search([("id", "=", line_b.id)]))
