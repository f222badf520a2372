from unittest.mock import patch

from psycopg2.errors import SerializationFailure

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import CANCELLED, DONE, FAILED, PENDING, Job

from .batch_jobs import perform_stored_jobs, run_jobs, stored_jobs
from .common import AfterSalesBillingCommon


@tagged("post_install", "-at_install")
class TestBatchRun(AfterSalesBillingCommon):
    """Run = enqueue: the billing run as queue jobs (one per chunk), its progress, cancel, rights."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_a = cls._create_customer("Batch Mining")
        cls.contract = cls._create_contract(cls.customer_a)
        cls.requests = cls.env["after_sales.request"].concat(
            *(cls._create_request(cls.customer_a, [cls._work_line(), cls._part_line()]) for __ in range(4))
        )
        cls.accountant = new_test_user(
            cls.env, login="batch_accountant", groups="account.group_account_invoice"
        )

    def _new_run(self, user=None, chunk_size=1, contract=True):
        """A run of the test contract's requests, one invoice per request and per chunk."""
        return (
            self.env["after_sales.billing.run"]
            .with_user(user or self.billing_user)
            .with_context(after_sales_billing_chunk_size=chunk_size)
            .create(
                {
                    "date_from": "2026-03-01",
                    "date_to": "2026-03-31",
                    "grouping": "request",
                    "include_fees": False,
                    **({"contract_ids": [Command.set(self.contract.ids)]} if contract else {}),
                }
            )
        )

    def _assert_billed_once(self):
        lines = self.requests.line_ids
        self.assertEqual(len(lines.invoice_line_ids), len(lines), "each line on one invoice line")
        self.assertEqual(set(lines.mapped("invoice_status")), {"invoiced"})

    def test_run_enqueues_one_job_per_chunk_with_identity_keys(self):
        run = self._new_run()
        with run_jobs() as trap:
            action = run.action_run()
            self.assertEqual(action["params"]["type"], "info")
            trap.assert_jobs_count(1, only=run._batch_job_prepare)
            self.assertEqual(run.state, "running")
            self.assertFalse(run.invoice_ids, "the button only enqueues")
            trap.perform_enqueued_jobs()
            trap.assert_jobs_count(4, only=run._batch_job_chunk)
            trap.assert_jobs_count(1, only=run._batch_job_finish)
            keys = [job.identity_key for job in trap.enqueued_jobs]
            self.assertEqual(len(set(keys)), 5)
            self.assertTrue(all(key.startswith(f"after_sales.billing.run,{run.id}/1/") for key in keys))
            self.assertEqual({job.channel for job in trap.enqueued_jobs}, {"root.after_sales.billing"})
            self.assertRecordValues(run, [{"chunk_count": 4, "chunk_done_count": 0, "state": "running"}])
        # leaving run_jobs() performed the chunks, then the finishing job
        self.assertRecordValues(run, [{"chunk_count": 4, "chunk_done_count": 4, "state": "done"}])
        self.assertEqual(run.invoice_count, 4)
        self._assert_billed_once()

    def test_pressing_twice_enqueues_nothing_more(self):
        run = self._new_run()
        run.action_run()
        action = run.action_run()
        self.assertIn("already running", action["params"]["message"])
        self.assertEqual(len(stored_jobs(run)), 1, "one job collects the run")
        # the collecting job performed twice (two workers): chunks and their jobs made once
        run._batch_job_prepare(run.batch_round)
        self.assertFalse(run._batch_job_prepare(run.batch_round))
        self.assertEqual(len(run._batch_chunks()), 4)
        perform_stored_jobs(run)
        jobs = stored_jobs(run)
        self.assertEqual(len(jobs), 1 + 4 + 1, "collect, four chunks, finish: each once")
        self.assertEqual(set(jobs.mapped("state")), {DONE})
        self.assertEqual(set(jobs.mapped("channel")), {"root.after_sales.billing"})
        self.assertEqual(run.state, "done")
        self.assertEqual(run.invoice_count, 4)
        self._assert_billed_once()
        outcome = run.message_ids.filtered(lambda message: "draft invoice(s)" in (message.body or ""))
        self.assertEqual(len(outcome), 1, "the outcome is posted once")
        self.assertEqual(outcome.partner_ids, self.billing_user.partner_id, "to the user who pressed Run")
        self.assertEqual(outcome.author_id, self.env.ref("base.partner_root"))

    def test_each_chunk_done_refreshes_the_starters_form(self):
        run = self._new_run()
        Partner = type(self.env["res.partner"])
        with patch.object(Partner, "_bus_send", autospec=True) as bus_send, run_jobs():
            run.action_run()
        calls = [(call.args[0], call.args[1], call.args[2]) for call in bus_send.call_args_list]
        payload = {"model": "after_sales.billing.run", "id": run.id}
        expected = (self.billing_user.partner_id, "after_sales_batch_run_progress", payload)
        self.assertEqual(
            calls.count(expected), 1 + 4 + 1, "once its chunks exist, after each of the 4 chunks, when done"
        )

    def test_chunk_performed_twice_bills_nothing_twice(self):
        run = self._new_run()
        with run_jobs():
            run.action_run()
        self.assertEqual(run.invoice_count, 4)
        chunk = run._batch_chunks()[:1]
        self.assertEqual(
            run._batch_job_chunk(chunk),
            "Chunk 1 is done: nothing to do.",
            "a chunk done is not processed again",
        )
        # even replayed as if it had never finished (a worker killed before it said so)
        chunk.state = "pending"
        self.assertEqual(run._batch_job_chunk(chunk), "Chunk 1: 0 document(s).")
        self.assertEqual(run.invoice_count, 4)
        self._assert_billed_once()

    def test_progress_and_cancel(self):
        run = self._new_run()
        run.action_run()
        perform_stored_jobs(run, limit=2)  # collect, then the first chunk
        self.assertRecordValues(run, [{"state": "running", "chunk_count": 4, "chunk_done_count": 1}])
        self.assertEqual(run.invoice_count, 1)
        self.assertTrue(run.date_started)
        self.assertGreaterEqual(run.date_eta, run.date_started)
        run.action_cancel()
        self.assertEqual(run.state, "cancelled")
        self.assertEqual(run.invoice_count, 1, "what is invoiced stays")
        self.assertEqual(stored_jobs(run).mapped("state").count(CANCELLED), 4, "three chunks and the finish")
        self.assertEqual(run._batch_chunks().mapped("state").count("cancelled"), 3)
        self.assertIn("Cancelled by", run.message_ids[0].body)
        perform_stored_jobs(run)
        self.assertEqual(run.invoice_count, 1, "nothing left to perform")
        # Run Again bills the rest
        with run_jobs():
            run.action_run()
        self.assertEqual(run.state, "done")
        self._assert_billed_once()

    def test_cancel_before_any_chunk_says_so(self):
        run = self._new_run()
        run.action_run()
        perform_stored_jobs(run, limit=1)  # collect only
        self.assertRecordValues(run, [{"state": "running", "chunk_count": 4, "chunk_done_count": 0}])
        run.action_cancel()
        self.assertEqual(run.state, "cancelled")
        self.assertEqual(run.invoice_count, 0)
        body = run.message_ids[0].body
        self.assertIn("before anything was processed", body)
        self.assertNotIn("Nothing to bill", body, "the lines were never looked at")

    def test_failing_group_is_recorded_and_the_rest_invoiced(self):
        customer_b = self._create_customer("Batch Archived")
        self._create_contract(customer_b)
        failing = self._create_request(customer_b, [self._work_line()])
        run = self._new_run(chunk_size=100)
        run.contract_ids |= failing.contract_id
        customer_b.action_archive()
        with run_jobs():
            run.action_run()
        self.assertEqual(run.state, "done")
        self.assertEqual(run.invoice_count, 4)
        self.assertRecordValues(run.failure_ids, [{"request_id": failing.id, "partner_id": customer_b.id}])
        self.assertIn("archived", run.failure_ids.reason)
        self.assertIn("1 group(s) failed", run.message_ids[0].body)
        self.assertFalse(failing.line_ids.invoice_line_ids)
        self._assert_billed_once()

    def test_invoicing_user_without_after_sales_groups_runs_billing(self):
        self.assertFalse(self.accountant.has_group("after_sales_service.group_after_sales_user"))
        # without After-Sales rights, contracts are not theirs to choose: every customer is billed
        run = self._new_run(user=self.accountant, contract=False)
        # as in a job runner's worker: nothing of the run in the cache (its scope is read again)
        self.env.invalidate_all()
        with run_jobs():
            run.action_run()
        self.assertEqual(run.state, "done")
        self.assertTrue(self.requests.line_ids <= run.sudo().invoice_ids.line_ids.after_sales_line_ids)
        self._assert_billed_once()

    def test_user_without_invoicing_rights_cannot_run(self):
        for user in (self.as_user, self.as_manager):
            run = self._new_run().with_user(user)
            with self.subTest(user=user.login), run_jobs() as trap:
                with self.assertRaisesRegex(UserError, "Only invoicing users"):
                    run.action_run()
                with self.assertRaisesRegex(UserError, "Only invoicing users"):
                    run.action_cancel()
                trap.assert_jobs_count(0)
            self.assertEqual(run.state, "draft")
        self.assertFalse(self.requests.line_ids.invoice_line_ids)

    def test_concurrency_error_retries_the_chunk_job(self):
        """A chunk meeting a concurrent transaction is tried again by queue_job, not failed."""
        run = self._new_run()
        run.action_run()
        perform_stored_jobs(run, limit=1)
        chunk = run._batch_chunks()[:1]
        conflict = SerializationFailure("could not serialize access due to concurrent update")
        with (
            patch.object(type(run), "_process_chunk", side_effect=conflict),
            self.assertRaises(RetryableJobError),
        ):
            run._batch_job_chunk(chunk)
        self.assertEqual(chunk.state, "pending")
        self.assertFalse(run.failure_ids, "not a failing group")

    def test_settlement_runs_as_jobs_too(self):
        settlement = self.env["after_sales.dealer.settlement"].with_user(self.as_manager).create({})
        with run_jobs() as trap:
            settlement.action_run()
            trap.assert_jobs_count(1, only=settlement._batch_job_prepare)
        self.assertEqual(settlement.state, "done")
        self.assertIn("Nothing to settle", settlement.message_ids[0].body)

    # ------------------------------------------------- robustness of the jobs

    def _fail_job(self, job_record, error):
        """Perform ``job_record`` as queue_job's runner does (``RunJobController._runjob``),
        ``error`` raised by its work: queue_job gives up (a non-retryable error, as after its last
        retry) and stores the job failed with the error."""
        job = Job.load(self.env, job_record.uuid)
        job.set_started()
        job.store()
        run = job_record.records
        with (
            patch.object(type(run), "_process_chunk", side_effect=error),
            patch.object(type(run), "_collect_groups", side_effect=error),
            self.assertRaises(type(error)),
            self.env.cr.savepoint(),
        ):
            job.perform()
        job.set_failed(exc_name=type(error).__name__, exc_message=str(error), exc_info="Traceback...")
        job.store()
        self.env.flush_all()
        self.env.invalidate_all()
        self.assertEqual(job_record.state, FAILED)

    def test_chunk_failing_for_good_ends_the_run_and_run_again_takes_it_up(self):
        run = self._new_run()
        run.action_run()
        perform_stored_jobs(run, limit=1)  # collect: 4 chunks
        chunk_job = stored_jobs(run).filtered(lambda job: job.method_name == "_batch_job_chunk")[:1]
        self._fail_job(chunk_job, RuntimeError("disk full"))
        failed = chunk_job.args[0]
        self.assertEqual(failed.state, "failed", "the chunk shows it failed")
        self.assertEqual(run._batch_chunks().mapped("state").count("pending"), 3)
        self.assertEqual(run.state, "running", "the other chunks are still to do")
        finish_jobs = stored_jobs(run).filtered(lambda job: job.method_name == "_batch_job_finish")
        self.assertEqual(
            sorted(finish_jobs.mapped("state")), [CANCELLED, PENDING], "the waiting finish replaced"
        )
        # the new finishing job waits for the chunks still at work
        with self.assertRaises(RetryableJobError):
            run.with_context(job_uuid="not-a-chunk")._batch_job_finish(run.batch_round)
        perform_stored_jobs(run)
        self.assertRecordValues(
            run, [{"state": "done", "chunk_count": 4, "chunk_done_count": 3, "chunk_failed_count": 1}]
        )
        self.assertEqual(run.invoice_count, 3)
        outcome = run.message_ids[0]
        self.assertIn("1 of 4 chunk(s) failed for good", outcome.body)
        self.assertEqual(outcome.partner_ids, self.billing_user.partner_id, "to the user who pressed Run")
        self.assertFalse(
            stored_jobs(run).filtered(lambda job: job.state not in (DONE, CANCELLED, FAILED)), "no job left"
        )
        # Run Again processes only what the failed chunk held
        run.action_run()
        perform_stored_jobs(run)
        self.assertRecordValues(run, [{"state": "done", "chunk_count": 1, "chunk_failed_count": 0}])
        self.assertEqual(run.invoice_count, 4)
        self._assert_billed_once()

    def test_collecting_failing_for_good_ends_the_run(self):
        run = self._new_run()
        run.action_run()
        self._fail_job(stored_jobs(run), RuntimeError("disk full"))
        self.assertEqual(run.state, "done")
        self.assertIn("failed before anything was processed", run.message_ids[0].body)
        self.assertEqual(run.message_ids[0].partner_ids, self.billing_user.partner_id)
        run.action_run()
        perform_stored_jobs(run)
        self.assertEqual(run.invoice_count, 4)
        self._assert_billed_once()

    def test_settlement_chunk_failing_for_good_ends_it(self):
        settlement = self.env["after_sales.dealer.settlement"].with_user(self.as_manager).create({})
        settlement.action_run()
        self._fail_job(stored_jobs(settlement), RuntimeError("disk full"))
        self.assertEqual(settlement.state, "done")
        self.assertIn("failed before anything was processed", settlement.message_ids[0].body)

    def test_cancelled_chunk_job_retried_is_a_clean_no_op(self):
        """A chunk job retried after its run was cancelled reads the chunk's state under lock and
        says there is nothing to do: no error, nothing billed."""
        run = self._new_run()
        run.action_run()
        perform_stored_jobs(run, limit=1)
        run.action_cancel()
        chunk = run._batch_chunks()[:1]
        self.assertEqual(chunk.state, "cancelled")
        with self.assertNoLogs(level="ERROR"):
            result = run._batch_job_chunk(chunk)
        self.assertEqual(result, "Chunk 1 is cancelled: nothing to do.")
        self.assertEqual(run.invoice_count, 0)
