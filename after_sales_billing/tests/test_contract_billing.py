from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .batch_jobs import run_jobs
from .common import AfterSalesBillingCommon


@tagged("post_install", "-at_install")
class TestContractBilling(AfterSalesBillingCommon):
    def _subscription(self, partner, period="month", timing="advance", **vals):
        return self._create_contract(
            partner,
            date_start="2026-01-01",
            billing_model="subscription",
            fee_product_id=self.fee_product.id,
            fee_amount=1000.0,
            fee_period=period,
            fee_timing=timing,
            pricelist_id=self.pl_contract.id,
            **vals,
        )

    def test_subscription_needs_fee_terms(self):
        with self.assertRaises(ValidationError):
            self.env["after_sales.contract"].create(
                {"partner_id": self.customer.id, "billing_model": "subscription", "fee_product_id": False}
            )

    def test_monthly_in_advance_billed_once_per_period(self):
        customer = self._create_customer("Subscriber")
        contract = self._subscription(customer)
        run = self._run(date_from="2026-03-01", date_to="2026-03-31")
        self.assertEqual(run.fee_count, 3, "January to March, each billed from its first day")
        self.assertEqual(
            [str(day) for day in contract.fee_ids.sorted("period_start").mapped("period_start")],
            ["2026-01-01", "2026-02-01", "2026-03-01"],
        )
        invoice = run.invoice_ids
        self.assertEqual(invoice.amount_untaxed, 3000.0)
        self.assertIn(contract.name, invoice.invoice_line_ids[0].name)
        self.assertFalse(self._run(date_from="2026-03-01", date_to="2026-03-31").invoice_ids)
        april = self._run(date_from="2026-04-01", date_to="2026-04-30")
        self.assertEqual(april.fee_count, 1)
        self.assertEqual(len(contract.fee_ids), 4)
        contract._ensure_fees(contract.fee_ids[0].date_due)
        self.assertEqual(len(contract.fee_ids), 4, "a period is recorded once")

    def test_quarterly_in_arrears(self):
        contract = self._subscription(self._create_customer("Quarterly"), period="quarter", timing="arrears")
        self.assertFalse(self._run(date_to="2026-03-30").invoice_ids, "Q1 is not over yet")
        run = self._run(date_to="2026-03-31")
        self.assertEqual(run.fee_count, 1)
        self.assertRecordValues(contract.fee_ids, [{"period_start": contract.date_start, "amount": 1000.0}])
        self.assertEqual(str(contract.fee_ids.period_end), "2026-03-31")

    def test_yearly_in_advance(self):
        contract = self._subscription(self._create_customer("Yearly"), period="year")
        self._run(date_from="2026-12-01", date_to="2026-12-31")
        self.assertEqual(len(contract.fee_ids), 1)
        self.assertEqual(str(contract.fee_ids.period_end), "2026-12-31")

    def test_subscription_overage_at_contract_prices(self):
        customer = self._create_customer("Subscriber")
        self._subscription(
            customer,
            service_ids=[Command.create({"product_id": self.work.id, "quantity": 2.0, "period": "month"})],
        )
        request = self._create_request(
            customer,
            [self._work_line(coverage="contract"), self._work_line(coverage="paid", quantity=1.0)],
        )
        run = self._run(date_to="2026-03-31")
        included, overage = request.line_ids
        self.assertFalse(included.invoice_line_ids, "included quota is not billed")
        self.assertRecordValues(overage.invoice_line_ids, [{"price_unit": 80.0, "quantity": 1.0}])
        self.assertEqual(run.invoice_count, 1, "fees and overage on one invoice per contract")
        self.assertEqual(run.invoice_ids.amount_untaxed, 3000.0 + 80.0)

    def _quota_request(self, customer, hours, date):
        """A request typed by the clerk in the form: one work of ``hours`` on ``date``, done."""
        # the hours are typed: a work billed by the time it takes, not by norm hours (which own
        # the quantity of their lines)
        self.work.after_sales_norm_hours = 0.0
        form = Form(self.env["after_sales.request"].with_user(self.as_user))
        form.title = "Pump maintenance"
        form.partner_id = customer
        with form.line_ids.new() as line:
            line.line_type = "work"
            line.product_id = self.work
            line.quantity = hours
            line.date = date
            line.done = True
        request = form.save()
        request.stage_id = self.stage_resolved
        return request

    def test_quota_split_when_a_line_exceeds_what_is_left(self):
        customer = self._create_customer("Quota Mining")
        contract = self._create_contract(
            customer,
            pricelist_id=self.pl_contract.id,
            service_ids=[Command.create({"product_id": self.work.id, "quantity": 4.0, "period": "month"})],
        )
        first = self._quota_request(customer, 2.0, "2026-03-03")
        self.assertEqual(first.contract_id, contract)
        self.assertRecordValues(first.line_ids, [{"coverage": "contract", "amount_charged": 0.0}])
        # 2 h left of the month's 4: a 4 h visit is 2 h included and 2 h paid
        second = self._quota_request(customer, 4.0, "2026-03-17")
        line = second.line_ids
        self.assertRecordValues(
            line,
            [{"coverage": "paid", "coverage_qty_included": 2.0, "price_unit": 80.0, "amount_charged": 160.0}],
        )
        self.assertIn("2.0 of 4.0", line.coverage_reason)
        self.assertIn("the rest is paid", line.coverage_reason)
        self.assertEqual(second.amount_charged, 160.0)
        # nothing is left this month: the next hour is paid in full
        third = self._quota_request(customer, 1.0, "2026-03-20")
        self.assertRecordValues(third.line_ids, [{"coverage": "paid", "coverage_qty_included": 0.0}])
        self.assertIn("used up", third.line_ids.coverage_reason)
        # re-deciding does not count a request's own lines twice
        second.action_decide_coverage()
        self.assertEqual(line.coverage_qty_included, 2.0)
        # billed: the paid 2 h only (covered lines are not shown by default)
        self._run(grouping="request", request_ids=[Command.set(second.ids)])
        self.assertRecordValues(line.invoice_line_ids, [{"quantity": 2.0, "price_unit": 80.0}])
        self.assertRecordValues(
            line, [{"qty_invoiced": 2.0, "qty_to_invoice": 0.0, "invoice_status": "invoiced"}]
        )

    def test_quota_split_shown_on_the_invoice(self):
        self.company.after_sales_invoice_covered_lines = True
        customer = self._create_customer("Quota Shown")
        self._create_contract(
            customer,
            pricelist_id=self.pl_contract.id,
            service_ids=[Command.create({"product_id": self.work.id, "quantity": 2.0, "period": "month"})],
        )
        request = self._quota_request(customer, 4.0, "2026-03-10")
        line = request.line_ids
        self.assertEqual(line.coverage_qty_included, 2.0)
        invoice = self._run(grouping="request").invoice_ids
        self.assertRecordValues(
            invoice.invoice_line_ids.sorted("sequence"),
            [{"quantity": 2.0, "price_unit": 0.0}, {"quantity": 2.0, "price_unit": 80.0}],
        )
        self.assertIn("covered", invoice.invoice_line_ids.sorted("sequence")[0].name)
        self.assertEqual(invoice.amount_untaxed, 160.0)
        self.assertRecordValues(line, [{"qty_invoiced": 4.0, "invoice_status": "invoiced"}])

    def test_fees_in_a_run_per_request(self):
        customer = self._create_customer("Per Request Subscriber")
        contract = self._subscription(customer)
        request = self._create_request(customer, [self._work_line()])
        run = self._run(grouping="request", date_from="2026-03-01", date_to="2026-03-31")
        self.assertEqual(run.fee_count, len(contract.fee_ids))
        self.assertTrue(contract.fee_ids.invoice_id)
        self.assertNotEqual(
            contract.fee_ids.invoice_id, request.line_ids.invoice_id, "a fee is on no request's invoice"
        )
        self.assertTrue(request.line_ids.invoice_id)

    def test_time_and_materials(self):
        customer = self._create_customer("T&M")
        self._create_contract(customer, billing_model="time_materials", pricelist_id=self.pl_contract.id)
        request = self._create_request(customer, [self._work_line(quantity=3.5), self._part_line(quantity=2)])
        self._run()
        self.assertRecordValues(
            request.line_ids.invoice_line_ids.sorted("sequence"),
            [{"quantity": 3.5, "price_unit": 80.0}, {"quantity": 2.0, "price_unit": 40.0}],
        )

    def test_deleted_fee_invoice_rebilled_once(self):
        contract = self._subscription(self._create_customer("Subscriber"))
        run = self._run(date_from="2026-01-01", date_to="2026-01-31")
        run.invoice_ids.unlink()
        self.assertFalse(contract.fee_ids.invoice_line_ids)
        rerun = self._run(date_from="2026-01-01", date_to="2026-01-31")
        self.assertEqual(rerun.fee_count, 1)
        self.assertEqual(len(contract.fee_ids), 1)

    def test_monthly_cron_bills_contracts_that_ask(self):
        auto = self._subscription(self._create_customer("Auto"), auto_billing=True)
        manual = self._subscription(self._create_customer("Manual"))
        request = self._create_request(auto.partner_id, [self._work_line(date="2026-03-15")])
        with freeze_time("2026-04-01"), run_jobs():
            self.env["after_sales.billing.run"]._cron_monthly_billing()
        run = self.env["after_sales.billing.run"].search([("contract_ids", "=", auto.id)])
        self.assertRecordValues(run, [{"state": "done", "date_to": auto.date_start.replace(month=3, day=31)}])
        self.assertEqual(len(auto.fee_ids), 3)
        self.assertFalse(manual.fee_ids)
        self.assertTrue(request.line_ids.invoice_line_ids)

    def test_fee_recorded_by_another_run_is_skipped_quietly(self):
        customer = self._create_customer("Concurrent Subscriber")
        contract = self._subscription(customer)
        Fee = self.env["after_sales.contract.fee"]
        contract._ensure_fees(fields.Date.to_date("2026-01-31"))
        january = contract.fee_ids
        self.assertEqual(len(january), 1)
        # another run recorded January after this one looked: it tries to record it again
        with (
            patch.object(type(Fee), "search", lambda self, *a, **kw: self.browse()),
            self.assertNoLogs("odoo.sql_db", "ERROR"),
        ):
            fees = contract._ensure_fees(fields.Date.to_date("2026-02-28"))
        self.assertEqual(fees.mapped("period_start"), [fields.Date.to_date("2026-02-01")])
        self.assertEqual(len(contract.fee_ids), 2)
