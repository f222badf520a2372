"""Background jobs of the suite (OCA ``queue_job``): the one way a cron hands its work to jobs.

A cron only finds the records due and enqueues them here in batches; each batch is one job,
run by any Odoo worker of any host. The channel of a job is the one its ``queue.job.function``
record declares (each addon's ``data/queue_job_function_data.xml``), so an administrator can
route it elsewhere without a code change. The identity key of a job is its model, method,
records and arguments: while a batch waits or runs, running the cron again enqueues nothing more.
"""

from odoo.addons.queue_job.job import identity_exact

# channels of the suite (complete names of the records in data/queue_job_channel_data.xml)
CHANNEL_BILLING = "root.after_sales.billing"
CHANNEL_SLA = "root.after_sales.sla"
CHANNEL_PLANNING = "root.after_sales.planning"
CHANNEL_REPORT = "root.after_sales.report"


def delay_in_batches(records, method_name, *args, batch_size, description=None):
    """Enqueue ``batch.method_name(*args)`` as one job per batch of at most ``batch_size`` records.

    A batch holds the records of one company (``company_id``, when the model has one) and its job
    runs in that company. The records are taken in the order of their ids, so two runs over the
    same records make the same batches (and the same identity keys). The job method must check
    again that its records are still due: a job can run twice (retried after a lost worker) or
    after its records changed. Returns the number of jobs enqueued or already waiting.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    if "company_id" in records._fields:
        by_company = sorted(records.grouped("company_id").items(), key=lambda item: item[0].id)
    else:
        by_company = [(records.env.company, records)]
    count = 0
    for company, company_records in by_company:
        ids = sorted(company_records.ids)
        batches = [ids[start : start + batch_size] for start in range(0, len(ids), batch_size)]
        for number, batch_ids in enumerate(batches, start=1):
            batch = records.browse(batch_ids).with_company(company)
            label = description and f"{description} ({company.name}, {number}/{len(batches)})"
            delayed = batch.with_delay(identity_key=identity_exact, description=label)
            getattr(delayed, method_name)(*args)
        count += len(batches)
    return count
