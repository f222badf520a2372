from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import AfterSalesBillingCommon


@tagged("post_install", "-at_install")
class TestBillingSecurity(AfterSalesBillingCommon):
    """Billing runs, fees, estimates and priced lines: company isolation and least privilege."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Service Company B"})
        cls.env["account.chart.template"].try_loading("generic_coa", cls.company_b, install_demo=False)
        cls.billing_b = new_test_user(
            cls.env,
            login="as_billing_b",
            groups="account.group_account_invoice,after_sales_service.group_after_sales_user",
            company_id=cls.company_b.id,
            company_ids=[cls.company_b.id],
        )
        cls.alpha = cls._create_customer("Alpha Mining")
        cls.request_a = cls._create_request(cls.alpha, [cls._work_line(), cls._part_line(done=False)])

    def test_other_company_sees_nothing(self):
        run = self._run(grouping="request")
        estimate = self.request_a._create_estimate()
        self.assertEqual(run.line_count, 1)
        for records in (run, run.invoice_ids, self.request_a.line_ids, estimate, estimate.line_ids):
            with self.subTest(model=records._name), self.assertRaises(AccessError):
                records.with_user(self.billing_b).read(["display_name"])
        for model in ("after_sales.billing.run", "after_sales.estimate", "after_sales.request.line"):
            with self.subTest(model=model):
                self.assertFalse(self.env[model].with_user(self.billing_b).search([]))

    def test_run_of_other_company_bills_nothing_of_this_one(self):
        run_b = self._run(grouping="request", user=self.billing_b)
        self.assertEqual(run_b.company_id, self.company_b)
        self.assertEqual(run_b.line_count, 0)
        self.assertFalse(run_b.invoice_ids)
        self.assertFalse(self.request_a.line_ids.invoice_line_ids)
        # a run cannot be pointed at another company's requests
        with self.assertRaises(UserError):
            self.env["after_sales.billing.run"].with_user(self.billing_b).create(
                {
                    "date_from": "2026-03-01",
                    "date_to": "2026-03-31",
                    "request_ids": [(6, 0, self.request_a.ids)],
                }
            )

    def test_service_user_cannot_run_billing_nor_delete_estimates(self):
        run = (
            self.env["after_sales.billing.run"]
            .with_user(self.as_user)
            .create({"date_from": "2026-03-01", "date_to": "2026-03-31"})
        )
        with self.assertRaisesRegex(UserError, "Only invoicing users"):
            run.action_run()
        self.assertFalse(self.request_a.line_ids.invoice_line_ids)
        estimate = self.request_a.with_user(self.as_user)._create_estimate()
        with self.assertRaises(AccessError):
            estimate.unlink()
        with self.assertRaises(AccessError):
            estimate.line_ids.write({"price_unit": 1.0})
        estimate.with_user(self.as_manager).unlink()
        self.assertFalse(estimate.exists())

    def test_invoicing_user_cannot_edit_fees(self):
        contract = self._create_contract(
            self.alpha,
            billing_model="subscription",
            fee_product_id=self.fee_product.id,
            fee_amount=100.0,
            fee_period="month",
            fee_timing="advance",
        )
        contract._ensure_fees(contract.date_start)
        fees = contract.fee_ids
        self.assertTrue(fees)
        with self.assertRaises(AccessError):
            fees.with_user(self.billing_user).write({"amount": 1.0})
        with self.assertRaises(AccessError):
            fees.with_user(self.billing_user).unlink()
