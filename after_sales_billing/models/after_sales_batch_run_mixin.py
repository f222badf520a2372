import hashlib
import json
import logging
import random
from collections import defaultdict
from contextlib import contextmanager

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models, modules
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.after_sales_service.locks import RETRY_ERRORS, serialize_on_rows, skip_locked_rows
from odoo.addons.after_sales_service.tools import context_chunk_size
from odoo.addons.queue_job.delay import group
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import ENQUEUED, PENDING, STARTED, WAIT_DEPENDENCIES

_logger = logging.getLogger(__name__)

# jobs of a run not finished yet: a second press of Run adds nothing while one of them lives
LIVE_JOB_STATES = (WAIT_DEPENDENCIES, PENDING, ENQUEUED, STARTED)
# counted from the chunks, not stored on the run
PROGRESS_FIELDS = ["chunk_count", "chunk_done_count", "chunk_failed_count", "date_eta"]
# seconds after which the finishing job looks again whether the chunks still at work are done
FINISH_WAIT_SECONDS = 10


def _default_date_from(self):
    return fields.Date.context_today(self).replace(day=1) - relativedelta(months=1)


def _default_date_to(self):
    return fields.Date.context_today(self).replace(day=1) - relativedelta(days=1)


class AfterSalesBatchRunMixin(models.AbstractModel):
    """A run over a period that turns many records into accounting documents, in chunks.

    Collect the groups (one document each) → split them into chunks → process a chunk in one
    savepoint, then group by group when it fails, recording the failing groups → say what the run
    did. Pressing Run enqueues it as OCA queue_job jobs on the billing channel: a job that collects
    and splits, one job per chunk, one that finishes the run once every chunk is done; the form
    shows the progress counted from the chunks. ``_run`` does the same in this process (a handful
    of records, tests, races, benchmarks).

    A run implements the hooks: ``_check_can_run``, ``_collect_groups``, ``_get_group_size``,
    ``_process_groups``, ``_record_failure``, ``_get_outcome_message`` and, when it needs them,
    ``_batch_before_collect`` and ``_batch_before_done``.
    """

    _name = "after_sales.batch.run.mixin"
    _description = "Batch Run (billing run, dealer settlement)"
    _inherit = ["mail.thread"]
    _order = "date_to desc, id desc"
    _check_company_auto = True
    # documents per chunk (one create, one transaction, one job): a job must end well within the
    # workers' limit_time_real (120 s by default; make scale proves it at 15 s on a busy machine)
    _chunk_size = 50
    _chunk_lines = 500  # and at most so many document lines
    _chunk_context = None  # prefix of the context keys that size the chunks (tests, tuning)
    _batch_sequence_code = None  # ir.sequence code of the run's number

    name = fields.Char(string="Number", required=True, readonly=True, copy=False, default="/")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        "res.users",
        string="Run By",
        default=lambda self: self.env.user,
        readonly=True,
        help="Who pressed Run last: told in the chatter when the run is done.",
    )
    date_from = fields.Date(string="From", required=True, default=_default_date_from)
    date_to = fields.Date(string="To", required=True, default=_default_date_to)
    state = fields.Selection(
        [("draft", "Draft"), ("running", "Running"), ("done", "Done"), ("cancelled", "Cancelled")],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    date_started = fields.Datetime(string="Started On", readonly=True, copy=False)
    date_done = fields.Datetime(string="Finished On", readonly=True, copy=False)
    batch_round = fields.Integer(
        string="Round", readonly=True, copy=False, help="How many times Run was pressed."
    )
    chunk_count = fields.Integer(
        string="Chunks",
        compute="_compute_progress",
        compute_sudo=True,
        help="Chunks of the last press of Run.",
    )
    chunk_done_count = fields.Integer(string="Chunks Done", compute="_compute_progress", compute_sudo=True)
    chunk_failed_count = fields.Integer(
        string="Chunks Failed",
        compute="_compute_progress",
        compute_sudo=True,
        help="Chunks whose job failed for good: Run Again takes up what they held.",
    )
    date_eta = fields.Datetime(
        string="Expected End",
        compute="_compute_progress",
        compute_sudo=True,
        help="When the run should be done, at the pace of its chunks done so far.",
    )

    def _compute_progress(self):
        rows = (
            self.env["after_sales.batch.run.chunk"]
            .sudo()
            ._read_group(
                [("res_model", "=", self._name), ("res_id", "in", self.ids)],
                ["res_id", "batch_round", "state"],
                ["__count"],
            )
        )
        counts = defaultdict(int)
        for res_id, batch_round, state, count in rows:
            counts[res_id, batch_round, state] += count
        now = fields.Datetime.now()
        for run in self:
            key = (run.id, run.batch_round)
            done = counts[(*key, "done")]
            failed = counts[(*key, "failed")]
            total = done + failed + counts[(*key, "pending")] + counts[(*key, "cancelled")]
            run.chunk_count = total
            run.chunk_done_count = done
            run.chunk_failed_count = failed
            run.date_eta = (
                run.date_started + (now - run.date_started) * total / done
                if run.state == "running" and run.date_started and done
                else False
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/" and self._batch_sequence_code:
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                vals["name"] = (
                    self.env["ir.sequence"].with_company(company).next_by_code(self._batch_sequence_code)
                    or "/"
                )
        return super().create(vals_list)

    # -------------------------------------------------------------- actions

    def action_run(self):
        """Start the run in the background (or again, to do what became due since)."""
        self._check_can_run()
        return self._action_run()

    def action_cancel(self):
        """Stop the chunks not started yet; the documents made so far stay."""
        self._check_can_run()
        return self._action_cancel()

    # ------------------------------------------------------------- business

    def _check_can_run(self):
        """Raise unless the current user may run (and cancel) these runs (a hook)."""
        raise NotImplementedError

    def _action_run(self):
        """Enqueue the job that collects and splits each run; one already on its way is left alone."""
        started = self.browse()
        for run in self:
            if run.state == "running" and run._batch_live_jobs():
                continue
            run.write(
                {
                    "state": "running",
                    "user_id": self.env.uid,
                    "date_started": fields.Datetime.now(),
                    "date_done": False,
                    "batch_round": run.batch_round + 1,
                }
            )
            run.delayable(
                description=self.env._("%s: collect and split into chunks", run.display_name),
                identity_key=run._batch_identity_key("prepare"),
            )._batch_job_prepare(run.batch_round).delay()
            started |= run
        if len(self) != 1:
            return True
        if started:
            message = self.env._(
                "%s runs in the background: its progress shows here, and you will be told in its "
                "chatter when it is done.",
                self.display_name,
            )
        else:
            message = self.env._("%s is already running.", self.display_name)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": message,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _action_cancel(self):
        """Cancel the jobs of the runs not started yet and their pending chunks."""
        for run in self.filtered(lambda r: r.state == "running"):
            run._batch_live_jobs().filtered(lambda job: job.state != STARTED).button_cancelled()
            # a chunk a job is processing (its row locked) goes on to the end: only the others stop
            pending = run._batch_chunks().filtered(lambda chunk: chunk.state == "pending")
            skip_locked_rows(pending, SQL("state = 'pending'")).write({"state": "cancelled"})
            run.write({"state": "cancelled", "date_done": fields.Datetime.now()})
            run.invalidate_recordset(PROGRESS_FIELDS)
            if run._batch_chunks().filtered(lambda chunk: chunk.state == "done"):
                outcome, user = run._get_outcome_message(), self.env.user.name
                body = self.env._("Cancelled by %(user)s. %(outcome)s", user=user, outcome=outcome)
            else:  # its outcome would read "nothing to bill": nothing was even looked at
                body = self.env._("Cancelled by %s before anything was processed.", self.env.user.name)
            run._batch_post_outcome(body)
        return True

    def _batch_identity_key(self, *parts):
        """The queue_job identity key of a job of this run's current round."""
        self.ensure_one()
        return "/".join([f"{self._name},{self.id}", str(self.batch_round), *map(str, parts)])

    def _batch_live_jobs(self):
        """The queue jobs of this run not finished yet (whatever round)."""
        self.ensure_one()
        return (
            self.env["queue.job"]
            .sudo()
            .search(
                [
                    ("identity_key", "=like", f"{self._name},{self.id}/%".replace("_", "\\_")),
                    ("state", "in", LIVE_JOB_STATES),
                ]
            )
        )

    def _batch_chunks(self):
        """The chunks of this run's current round."""
        self.ensure_one()
        return (
            self.env["after_sales.batch.run.chunk"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "=", self.id),
                    ("batch_round", "=", self.batch_round),
                ]
            )
        )

    @api.model
    def _job_prepare_context_before_enqueue_keys(self):
        # the chunk sizes a caller chose go with the jobs
        keys = super()._job_prepare_context_before_enqueue_keys()
        if self._chunk_context:
            keys = (*keys, f"{self._chunk_context}_chunk_size", f"{self._chunk_context}_chunk_lines")
        return keys

    def _batch_job_prepare(self, batch_round):
        """Job: collect the run's groups, split them into chunks, enqueue one job per chunk and
        the job that finishes the run after the last of them."""
        self.ensure_one()
        with self._batch_retry_on_conflict():
            # two jobs preparing the same round: the second fails, is retried and finds the chunks
            serialize_on_rows(self)
            if self.state != "running" or self.batch_round != batch_round or self._batch_chunks():
                return False
            self._batch_before_collect()
            groups = self._collect_groups()
            Chunk = self.env["after_sales.batch.run.chunk"].sudo()
            chunks = Chunk.create(
                [
                    {
                        "res_model": self._name,
                        "res_id": self.id,
                        "company_id": self.company_id.id,
                        "batch_round": batch_round,
                        "sequence": sequence,
                        "groups": [[list(key), payload] for key, payload in chunk],
                        "group_count": len(chunk),
                    }
                    for sequence, chunk in enumerate(self._split_chunks(groups), start=1)
                ]
            )
            self.invalidate_recordset(PROGRESS_FIELDS)
            if not chunks:
                self._batch_finish()
                return True
            jobs = [
                self.delayable(
                    description=self.env._(
                        "%(run)s: chunk %(chunk)s of %(count)s",
                        run=self.display_name,
                        chunk=chunk.sequence,
                        count=len(chunks),
                    ),
                    identity_key=self._batch_identity_key(
                        "chunk", chunk.sequence, self._batch_digest(chunk.groups)
                    ),
                )._batch_job_chunk(chunk)
                for chunk in chunks
            ]
            finish = self.delayable(
                description=self.env._("%s: finish", self.display_name),
                identity_key=self._batch_identity_key("finish"),
            )._batch_job_finish(batch_round)
            group(*jobs).on_done(finish).delay()
            self._batch_notify()  # the form shows the chunks to come
            return True

    @staticmethod
    def _batch_digest(groups):
        """A short digest of a chunk's groups: its identity key changes with its content."""
        content = json.dumps(groups, sort_keys=True).encode()
        return hashlib.sha1(content, usedforsecurity=False).hexdigest()[:16]

    def _batch_job_chunk(self, chunk):
        """Job: process one chunk of the run. A chunk done, failed or cancelled is not processed
        again: its row is locked first (a Cancel pressed meanwhile leaves it to this job), then
        its state read; the row locks of the documents' lines keep a chunk replayed after a
        crash from making anything twice. Returns what it did (the job's result)."""
        self.ensure_one()
        with self._batch_retry_on_conflict():
            chunk = chunk.sudo()
            self._batch_lock_chunk(chunk)
            if chunk.state != "pending":
                states = dict(chunk._fields["state"]._description_selection(self.env))
                return self.env._(
                    "Chunk %(chunk)s is %(state)s: nothing to do.",
                    chunk=chunk.sequence,
                    state=states[chunk.state].lower(),
                )
            moves = self._process_chunk(chunk._get_groups())
            chunk.write({"state": "done", "move_count": len(moves), "date_done": fields.Datetime.now()})
            self.invalidate_recordset(PROGRESS_FIELDS)
            self._batch_notify()
            return self.env._(
                "Chunk %(chunk)s: %(count)s document(s).", chunk=chunk.sequence, count=len(moves)
            )

    @api.model
    def _batch_lock_chunk(self, chunk):
        """Lock the row of ``chunk`` until the end of this transaction and read its state anew.

        Taken before anything else, so that a chunk cancelled meanwhile is seen as such. A chunk
        changed since this transaction began fails with a serialization error, expected (the job
        is retried and sees the change): not logged as an error.
        """
        chunk.flush_recordset()
        self.env.cr.execute(
            SQL("SELECT id FROM %s WHERE id = %s FOR NO KEY UPDATE", SQL.identifier(chunk._table), chunk.id),
            log_exceptions=False,
        )
        chunk.invalidate_recordset(["state"])

    def _batch_job_finish(self, batch_round):
        """Job: once every chunk is done (or failed for good), say what the run did and mark it
        done. Enqueued after the chunks' jobs, or by the failure of one of them
        (``_batch_on_job_failed``): then it waits, retried every few seconds, while other chunk
        jobs of the run are still at work."""
        self.ensure_one()
        with self._batch_retry_on_conflict():
            # two finishing jobs of one round (the chunks' and a failure's): one finishes
            serialize_on_rows(self)
            if self.state != "running" or self.batch_round != batch_round:
                return self.env._("%s is not running this round any more: nothing to do.", self.display_name)
            me = self.env.context.get("job_uuid")
            if self._batch_live_jobs().filtered(
                lambda job: job.uuid != me and job.method_name != "_batch_job_finish"
            ):
                raise RetryableJobError(
                    self.env._("Chunks of %s still at work.", self.display_name),
                    seconds=FINISH_WAIT_SECONDS,
                    ignore_retry=True,
                )
            # a chunk left pending with no job to process it (its job gone) failed as well
            self._batch_chunks().filtered(lambda chunk: chunk.state == "pending").write({"state": "failed"})
            self._batch_finish()
            return self.env._("%s done.", self.display_name)

    def _batch_on_job_failed(self, job):
        """``job`` (a ``queue.job`` of this run) failed for good: queue_job gave up after its
        retries. The run must not stay "running": its chunk is marked failed and a job that
        finishes the run is enqueued (the one waiting for every chunk would never run); a run
        whose collecting job failed ends at once. Either way the user who started the run is told
        in its chatter what failed; Run Again collects what is still to do.

        Called in the transaction that stores the job's failure: it never raises (the failure
        would not be stored), it logs.
        """
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self._batch_handle_job_failure(job)
        except Exception:
            _logger.exception("%s: could not record the failure of job %s", self.display_name, job.uuid)

    def _batch_handle_job_failure(self, job):
        # a job of an earlier press of Run (its identity key names its round) changes nothing now
        if self.state != "running" or (job.identity_key or "").split("/")[1:2] != [str(self.batch_round)]:
            return
        reason = job.exc_message or job.exc_name or ""
        if job.method_name == "_batch_job_chunk":
            chunk = job.args[0].sudo() if job.args else self.env["after_sales.batch.run.chunk"]
            if chunk.exists() and chunk.batch_round == self.batch_round and chunk.state == "pending":
                chunk.write({"state": "failed"})
            waiting = self._batch_live_jobs().filtered(
                lambda other: other.state == WAIT_DEPENDENCIES and other.method_name == "_batch_job_finish"
            )
            waiting.button_cancelled()
            self.delayable(
                description=self.env._("%s: finish", self.display_name),
                identity_key=self._batch_identity_key("finish", "failed"),
            )._batch_job_finish(self.batch_round).delay()
            _logger.warning("%s: a chunk failed for good: %s", self.display_name, reason)
        elif job.method_name == "_batch_job_prepare":
            self.write({"state": "done", "date_done": fields.Datetime.now()})
            self.invalidate_recordset(PROGRESS_FIELDS)
            self._batch_post_outcome(
                self.env._(
                    "The run failed before anything was processed: %s. Nothing was made; press Run "
                    "Again once the cause is fixed.",
                    reason,
                )
            )
        elif job.method_name == "_batch_job_finish":
            self.write({"state": "done", "date_done": fields.Datetime.now()})
            self.invalidate_recordset(PROGRESS_FIELDS)
            self._batch_post_outcome(
                self.env._(
                    "The run could not be finished: %(reason)s. %(outcome)s",
                    reason=reason,
                    outcome=self._get_outcome_message(),
                )
            )

    @contextmanager
    def _batch_retry_on_conflict(self):
        """Turn the concurrency errors of a job into queue_job's RetryableJobError: the job is
        tried again a moment later, in a new transaction that sees what the other one did."""
        try:
            yield
        except RETRY_ERRORS as error:
            raise RetryableJobError(str(error), seconds=random.randint(1, 5)) from error

    def _batch_finish(self):
        """Mark the run done and tell the user who started it (and what failed for good)."""
        self.ensure_one()
        self._batch_before_done()
        self.write({"state": "done", "date_done": fields.Datetime.now()})
        self.invalidate_recordset(PROGRESS_FIELDS)
        body = self._get_outcome_message()
        if self.chunk_failed_count:
            body = self.env._(
                "%(outcome)s %(failed)s of %(count)s chunk(s) failed for good (their jobs are in Job "
                "Queue): press Run Again to process what they held.",
                outcome=body,
                failed=self.chunk_failed_count,
                count=self.chunk_count,
            )
        self._batch_post_outcome(body)

    def _batch_post_outcome(self, body):
        """Post ``body`` in the run's chatter, addressed to who started it, and refresh its form."""
        self.ensure_one()
        self.message_post(
            body=body,
            author_id=self.env.ref("base.partner_root").id,
            partner_ids=self.user_id.partner_id.ids,
            subtype_xmlid="mail.mt_note",
        )
        self._batch_notify()

    def _batch_notify(self):
        """Tell the web client of the user who started the run that its progress changed."""
        self.ensure_one()
        self.user_id.partner_id.sudo()._bus_send(
            "after_sales_batch_run_progress", {"model": self._name, "id": self.id}
        )

    def _run(self, commit=None):
        """Do the whole run in this process, in chunks (the private, synchronous path).

        ``commit``: commit after each chunk (default: yes, except in tests). A chunk that meets
        records being processed by a concurrent run is retried in a fresh transaction, where
        they are processed already.
        """
        self.ensure_one()
        if commit is None:
            commit = not modules.module.current_test
        self.write({"state": "running", "date_started": fields.Datetime.now(), "date_done": False})
        self._batch_before_collect()
        if commit:
            self._commit()
        groups = self._collect_groups()
        for chunk in self._split_chunks(groups):
            for attempt in range(5):
                try:
                    self._process_chunk(chunk)
                    if commit:
                        self._commit(len(chunk))
                    break
                except RETRY_ERRORS:
                    if not commit or attempt == 4:
                        raise
                    _logger.info("%s: chunk busy in another run, retrying", self.display_name)
                    self.env.cr.rollback()
        self._batch_finish()
        if commit:
            self._commit()
        return True

    def _commit(self, processed=0):
        """Commit the work done so far (progress of the cron when run by it)."""
        self.env["ir.cron"]._commit_progress(processed)
        # keep the cache small over thousands of documents
        self.env.invalidate_all()

    def _split_chunks(self, groups):
        """The groups ({key: payload}) in chunks of at most ``_chunk_size`` documents and
        ``_chunk_lines`` lines: lists of (key, payload).

        One chunk is one ``account.move.create`` and one transaction: large enough to share
        the batch reads, small enough that a crash loses little. A group larger than the line
        limit is a chunk of its own, never split.
        """
        prefix = self._chunk_context or self._table
        size = context_chunk_size(self.env, f"{prefix}_chunk_size", self._chunk_size)
        max_lines = context_chunk_size(self.env, f"{prefix}_chunk_lines", self._chunk_lines)
        chunk, line_count = [], 0
        for key, payload in groups.items():
            count = self._get_group_size(payload)
            if chunk and (len(chunk) >= size or line_count + count > max_lines):
                yield chunk
                chunk, line_count = [], 0
            chunk.append((key, payload))
            line_count += count
        if chunk:
            yield chunk

    def _process_chunk(self, chunk):
        """Process a chunk of groups in one go; on error, one group at a time, recording failures."""
        try:
            with self.env.cr.savepoint():
                return self._process_groups(chunk)
        except RETRY_ERRORS:
            raise
        except Exception:  # noqa: BLE001 - find the failing groups one by one
            _logger.info("%s: a chunk failed, processing its groups one by one", self.display_name)
        moves = self.env["account.move"]
        for key, payload in chunk:
            try:
                with self.env.cr.savepoint():
                    moves |= self._process_groups([(key, payload)])
            except RETRY_ERRORS:
                raise
            except Exception as error:  # noqa: BLE001 - recorded on the run, others go on
                self._record_failure(key, payload, error)
        return moves

    @staticmethod
    def _get_failure_reason(error):
        """What a failing group's record says of ``error``."""
        return error.args[0] if isinstance(error, UserError) and error.args else str(error)

    # ---------------------------------------------------------------- hooks

    def _batch_before_collect(self):
        """What the run prepares before it collects (a hook: the billing run's fees)."""

    def _collect_groups(self):
        """{group key: payload} of what the run processes, one document per group (a hook)."""
        raise NotImplementedError

    def _get_group_size(self, payload):
        """How many document lines a group's payload makes (a hook)."""
        return len(payload)

    def _process_groups(self, groups):
        """The documents of ``groups`` ([(key, payload)]) in one create (a hook)."""
        raise NotImplementedError

    def _record_failure(self, key, payload, error):
        """Record that the group ``key`` failed with ``error`` (a hook)."""
        raise NotImplementedError

    def _batch_before_done(self):
        """What the run records once all its chunks are done (a hook: the billing run's left out)."""

    def _get_outcome_message(self):
        """What the run did, in one sentence (a hook)."""
        raise NotImplementedError
