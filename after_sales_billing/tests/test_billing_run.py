from unittest.mock import patch

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .batch_jobs import run_jobs
from .common import AfterSalesBillingCommon


@tagged("post_install", "-at_install")
class TestBillingRun(AfterSalesBillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.analytic_plan = cls.env["account.analytic.plan"].create({"name": "Service"})
        cls.analytic_account = cls.env["account.analytic.account"].create(
            {"name": "Contract Alpha", "plan_id": cls.analytic_plan.id}
        )
        cls.alpha = cls._create_customer("Alpha Mining")
        cls.beta = cls._create_customer("Beta Energy")
        cls.alpha_unit = cls._create_unit(
            partner=cls.alpha, lot=cls._create_lot(cls.product_unit, "SN-ALPHA-1")
        )
        cls.alpha_contract = cls._create_contract(
            cls.alpha,
            pricelist_id=cls.pl_contract.id,
            all_equipment=False,
            equipment_ids=[Command.set(cls.alpha_unit.ids)],
            analytic_distribution={str(cls.analytic_account.id): 100},
        )

    def _scenario(self):
        """Alpha: two requests under contract and one without; Beta: one request."""
        alpha_1 = self._create_request(
            self.alpha,
            [self._work_line(), self._part_line(coverage="warranty")],
            equipment_id=self.alpha_unit.id,
        )
        alpha_2 = self._create_request(
            self.alpha, [self._part_line(quantity=2)], equipment_id=self.alpha_unit.id
        )
        alpha_3 = self._create_request(self.alpha, [self._work_line(quantity=1)])
        beta_1 = self._create_request(self.beta, [self._work_line(quantity=1), self._part_line()])
        self.assertEqual(alpha_1.contract_id, self.alpha_contract)
        self.assertFalse(alpha_3.contract_id)
        return alpha_1, alpha_2, alpha_3, beta_1

    def test_grouping(self):
        for grouping, expected in (("customer", 2), ("contract", 3), ("request", 4)):
            with self.subTest(grouping=grouping):
                requests = self._scenario()
                run = self._run(grouping)
                self.assertEqual(run.invoice_count, expected)
                self.assertEqual(run.state, "done")
                charged = sum(requests, self.env["after_sales.request"]).line_ids.filtered(
                    lambda ln: ln.coverage == "paid"
                )
                self.assertTrue(all(charged.mapped("invoice_line_ids")))
                self.assertEqual(run.line_count, len(charged))
                self.assertEqual(
                    len(charged.invoice_line_ids), len(charged), "one invoice line per service line"
                )

    def test_invoice_content(self):
        alpha_1, alpha_2, __, __ = self._scenario()
        run = self._run("contract")
        work, warranty_part = alpha_1.line_ids
        invoice = work.invoice_id
        self.assertRecordValues(
            invoice,
            [
                {
                    "move_type": "out_invoice",
                    "state": "draft",
                    "partner_id": self.alpha.id,
                    "after_sales_billing_run_id": run.id,
                    "amount_untaxed": 160.0 + 80.0,
                }
            ],
        )
        self.assertEqual(alpha_2.line_ids.invoice_id, invoice, "same customer and contract: one invoice")
        self.assertIn(alpha_1.name, invoice.invoice_origin)
        self.assertRecordValues(
            work.invoice_line_ids,
            [
                {
                    "product_id": self.work.id,
                    "quantity": 2.0,
                    "price_unit": 80.0,
                    "tax_ids": self.tax.ids,
                    "analytic_distribution": {str(self.analytic_account.id): 100},
                }
            ],
        )
        self.assertIn(alpha_1.name, work.invoice_line_ids.name)
        self.assertIn("SN-ALPHA-1", work.invoice_line_ids.name)
        self.assertFalse(warranty_part.invoice_line_ids, "covered lines are not invoiced by default")
        self.assertEqual(run.amount_untaxed, 240.0 + 100.0 + 150.0)

    def test_invoice_lines_follow_the_request_order(self):
        request = self._create_request(self.beta, [self._work_line(), self._part_line()])
        work, part = request.line_ids
        part.write({"sequence": 1})
        work.write({"sequence": 20})
        self._run("request")
        invoice = request.invoice_ids
        self.assertEqual(
            invoice.invoice_line_ids.sorted("sequence").product_id.ids,
            [self.part.id, self.work.id],
            "the part comes first, as on the request, although it was created last",
        )

    def test_covered_lines_shown_at_zero_by_setting(self):
        self.company.after_sales_invoice_covered_lines = True
        request = self._create_request(self.beta, [self._work_line(), self._part_line(coverage="warranty")])
        only_covered = self._create_request(self.beta, [self._part_line(coverage="goodwill")])
        self._run("request")
        work, part = request.line_ids
        self.assertEqual(part.invoice_line_ids.move_id, work.invoice_id)
        self.assertEqual(part.invoice_line_ids.price_unit, 0.0)
        self.assertIn("covered", part.invoice_line_ids.name)
        self.assertFalse(only_covered.line_ids.invoice_line_ids, "no invoice of covered lines only")

    def test_what_is_not_collected(self):
        open_request = self._create_request(self.beta, [self._work_line()], resolved=False)
        # resolved with the work kept open in the resolve step
        not_done = self._create_request(self.beta, [self._work_line(done=False)], resolved=False)
        Wizard = self.env["after_sales.request.resolve.wizard"]
        wizard = Form(Wizard.with_context(default_request_id=not_done.id))
        wizard.resolution = "<p>Customer declined the work.</p>"
        with wizard.line_ids.edit(0) as line:
            line.done = False
        wizard.save().action_resolve()
        self.assertTrue(not_done.is_resolved)
        later = self._create_request(self.beta, [self._work_line(date="2026-04-02")])
        covered = self._create_request(self.beta, [self._work_line(coverage="goodwill")])
        cancelled = self._create_request(self.beta, [self._work_line()], resolved=False)
        cancelled.stage_id = self.env.ref("after_sales_service.stage_cancelled")
        run = self._run()
        self.assertFalse(run.invoice_ids)
        lines = (open_request | not_done | later | cancelled | covered).line_ids
        self.assertFalse(lines.invoice_line_ids)
        # the run says it billed nothing and lists each request left out with its reason
        self.assertRecordValues(
            run.skip_ids.sorted(lambda s: s.request_id.id),
            [
                {"request_id": open_request.id, "reason": "open", "line_count": 1},
                {"request_id": not_done.id, "reason": "not_done", "line_count": 1},
                {"request_id": later.id, "reason": "later", "line_count": 1},
                {"request_id": covered.id, "reason": "covered", "line_count": 1},
                {"request_id": cancelled.id, "reason": "open", "line_count": 1},
            ],
        )
        self.assertIn("Nothing to bill", run.message_ids[0].body)
        self.assertIn("Request not resolved: 2 request(s)", run.message_ids[0].body)
        self.assertEqual(self._run(date_to="2026-04-30").line_count, 1, "next period takes the later line")

    def test_empty_run_tells_the_user(self):
        run = (
            self.env["after_sales.billing.run"]
            .with_user(self.billing_user)
            .create({"date_from": "2001-01-01", "date_to": "2001-01-31"})  # nothing done then
        )
        with run_jobs():
            action = run.action_run()
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("Nothing to bill", run.message_ids[0].body)
        self.assertEqual(run.state, "done")

    def test_rerun_is_idempotent_and_crash_safe(self):
        requests = self._scenario()
        run = (
            self.env["after_sales.billing.run"]
            .with_user(self.billing_user)
            .with_context(after_sales_billing_chunk_size=1)
            .create({"date_from": "2026-03-01", "date_to": "2026-03-31", "grouping": "request"})
        )
        original = type(run)._process_chunk
        calls = []

        def crash_after_two(self_run, chunk):
            if len(calls) == 2:
                raise RuntimeError("killed")
            calls.append(chunk)
            return original(self_run, chunk)

        # not assertRaises: its savepoint would undo the two committed chunks
        crashed = False
        with patch.object(type(run), "_process_chunk", crash_after_two):
            try:
                with run_jobs():
                    run.action_run()
            except RuntimeError:
                crashed = True
        self.assertTrue(crashed)
        self.assertEqual(run.state, "running")
        self.assertEqual(len(run.invoice_ids), 2)
        with run_jobs():
            run.action_run()
        self.assertEqual(run.invoice_count, 4)
        again = self._run("request")
        self.assertFalse(again.invoice_ids, "a second run finds nothing left")
        with run_jobs():
            run.action_run()
        self.assertEqual(run.invoice_count, 4)
        lines = sum(requests, self.env["after_sales.request"]).line_ids.filtered(
            lambda ln: ln.coverage == "paid"
        )
        self.assertEqual(len(lines.invoice_line_ids), len(lines))

    def test_chunks_bounded_by_invoices_and_lines(self):
        """A chunk (one create, one transaction) holds at most so many invoices and lines."""
        run = self.env["after_sales.billing.run"].create(
            {"date_from": "2026-03-01", "date_to": "2026-03-31", "grouping": "request"}
        )
        sizes = [3, 3, 1, 9, 2, 2, 2, 2]
        groups = {
            (number,): {"lines": list(range(size - 1)), "fees": [number]} for number, size in enumerate(sizes)
        }

        def split(**context):
            chunks = run.with_context(**context)._split_chunks(groups)
            return [[sizes[key[0]] for key, __ in chunk] for chunk in chunks]

        self.assertEqual(
            split(after_sales_billing_chunk_size=3, after_sales_billing_chunk_lines=7),
            [[3, 3, 1], [9], [2, 2, 2], [2]],
            "a group above the line limit is a chunk of its own, never split",
        )
        self.assertEqual(
            split(after_sales_billing_chunk_size=100, after_sales_billing_chunk_lines=4),
            [[3], [3, 1], [9], [2, 2], [2, 2]],
        )
        self.assertEqual(split(), [sizes], "by default 100 invoices and 1,000 lines")

    def test_release_on_delete_cancel_and_reversal(self):
        request = self._create_request(self.beta, [self._work_line()])
        line = request.line_ids
        run = self._run()
        invoice = line.invoice_id
        invoice.unlink()
        self.assertFalse(line.invoice_line_ids, "deleting the draft frees the line")
        self.assertRecordValues(
            line, [{"qty_invoiced": 0.0, "qty_to_invoice": line.quantity, "invoice_status": "to_invoice"}]
        )
        self._run()
        invoice = line.invoice_id
        self.assertTrue(invoice)
        invoice.button_cancel()
        self.assertEqual(line.invoice_status, "to_invoice", "cancelling frees the line")
        self.assertFalse(line.invoice_id, "a cancelled invoice is not the line's invoice")
        self._run()
        invoice = line.invoice_id
        invoice.action_post()
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "wrong customer"})
        )
        wizard.refund_moves()
        # a plain credit note: the customer is not charged for the line, until someone chooses to
        self.assertRecordValues(
            line, [{"qty_invoiced": 0.0, "qty_credited_off": line.quantity, "invoice_status": "no"}]
        )
        self.assertEqual(
            len(line.invoice_line_ids), 3, "the cancelled invoice, the invoice and its credit note"
        )
        self.assertFalse(self._run().invoice_ids)
        line.with_user(self.billing_user).action_bill_again()
        self.assertEqual(line.invoice_status, "to_invoice")
        rebill = self._run()
        self.assertEqual(rebill.line_count, 1)
        self.assertNotEqual(line.invoice_id, invoice)
        self.assertEqual(run.invoice_count, 0, "the first invoice was deleted")

    def test_invoiced_lines_are_locked(self):
        request = self._create_request(self.beta, [self._work_line()])
        line = request.line_ids
        self._run()
        price = line.price_unit
        for vals in ({"quantity": 5.0}, {"price_unit": 1.0}, {"done": False}):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                line.with_user(self.as_manager).write(vals)
        self.assertEqual(line.price_unit, price)
        with self.assertRaises(UserError):
            line.with_user(self.as_manager).unlink()
        with self.assertRaises(UserError):
            request.with_user(self.as_manager).unlink()
        self.assertTrue(line.exists())

    def test_failure_of_one_customer_does_not_stop_others(self):
        gamma = self._create_customer("Gamma Archived")
        self._create_request(gamma, [self._work_line()])
        no_price = self.env["product.product"].create(
            {"name": "Free check", "type": "service", "list_price": 0.0}
        )
        delta = self._create_customer("Delta Unpriced")
        self._create_request(delta, [{"line_type": "work", "product_id": no_price.id}])
        beta_request = self._create_request(self.beta, [self._work_line()])
        gamma.action_archive()
        run = self._run("customer")
        self.assertEqual(run.invoice_count, 1)
        self.assertTrue(beta_request.line_ids.invoice_line_ids)
        self.assertEqual(run.failure_count, 2)
        reasons = dict(
            zip(run.failure_ids.partner_id.mapped("name"), run.failure_ids.mapped("reason"), strict=True)
        )
        self.assertIn("archived", reasons["Gamma Archived"])
        self.assertIn("no price", reasons["Delta Unpriced"])

    def test_invoice_now(self):
        request = self._create_request(self.beta, [self._work_line(), self._part_line()], resolved=False)
        action = request.with_user(self.billing_user).action_invoice_now()
        invoice = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(request.line_ids.invoice_id, invoice)
        self.assertEqual(invoice.after_sales_billing_run_id.request_ids, request)
        self.assertEqual(request.invoice_count, 1)
        with self.assertRaises(UserError):
            request.with_user(self.billing_user).action_invoice_now()

    def test_invoice_now_reports_failure(self):
        self.beta.property_account_position_id = False
        request = self._create_request(self.beta, [self._work_line()], resolved=False)
        self.beta.action_archive()
        with self.assertRaisesRegex(UserError, "archived"):
            request.with_user(self.billing_user).action_invoice_now()
        self.assertFalse(request.line_ids.invoice_line_ids)

    def test_only_invoicing_users_run_billing(self):
        self._create_request(self.beta, [self._work_line()])
        run = (
            self.env["after_sales.billing.run"]
            .with_user(self.as_manager)
            .create({"date_from": "2026-03-01", "date_to": "2026-03-31"})
        )
        with self.assertRaises(UserError):
            run.action_run()

    def test_run_in_query_budget(self):
        """Queries grow with invoices, not with the lines of each request (batch reads)."""
        customers = self.env["res.partner"].create(
            [{"name": f"Batch {i}", "is_company": True} for i in range(3)]
        )
        for customer in customers:
            for __ in range(3):
                self._create_request(
                    customer, [self._work_line(), self._part_line(), self._work_line(quantity=1)]
                )
        self.env.flush_all()
        self.env.invalidate_all()
        run = self._run("customer")
        self.assertEqual(run.invoice_count, 3)
        self.assertEqual(run.line_count, 27)

    def test_contract_filter(self):
        self._scenario()
        run = self._run("contract", contract_ids=[Command.set(self.alpha_contract.ids)])
        self.assertEqual(run.invoice_count, 1)
        self.assertEqual(run.invoice_ids.partner_id, self.alpha)
