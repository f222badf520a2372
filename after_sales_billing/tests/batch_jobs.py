"""Performing the jobs of billing runs and dealer settlements in tests (no job runner there)."""

from contextlib import contextmanager

from odoo.addons.queue_job.job import ENQUEUED, PENDING, Job
from odoo.addons.queue_job.tests.common import trap_jobs


@contextmanager
def run_jobs():
    """Trap the jobs enqueued inside the block, then perform them and the jobs they enqueue in
    turn (chunks after the job that collects them, the finishing job after its chunks), as the
    job runner would. Yields queue_job's ``JobsTrap``."""
    with trap_jobs() as trap:
        yield trap
        while trap.enqueued_jobs:
            trap.perform_enqueued_jobs()


def stored_jobs(runs):
    """The queue.job records of ``runs`` (billing runs or dealer settlements), oldest first."""
    Jobs = runs.env["queue.job"].sudo()
    for run in runs:
        Jobs |= Jobs.search([("identity_key", "=like", f"{run._name},{run.id}/%".replace("_", "\\_"))])
    return Jobs.sorted("id")


def perform_stored_jobs(runs, limit=None):
    """Perform the pending jobs of ``runs`` stored in the database until none is left (or
    ``limit`` jobs are done), as the job runner's worker does: started, performed, done, then
    the jobs depending on it released."""
    env = runs.env
    performed = 0
    while pending := stored_jobs(runs).filtered(lambda job: job.state in (PENDING, ENQUEUED)):
        for record in pending:
            if limit is not None and performed >= limit:
                return
            performed += 1
            job = Job.load(env, record.uuid)
            job.set_started()
            job.store()
            job.perform()
            job.set_done()
            job.store()
            env.flush_all()
            job.enqueue_waiting()
            env.flush_all()
