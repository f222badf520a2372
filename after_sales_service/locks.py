"""Row locks of the suite: one helper per way of meeting a concurrent transaction.

- ``skip_locked_rows``: take the rows nobody else holds, leave the others (a batch that another
  batch is processing: billing runs, dealer settlements);
- ``wait_for_rows``: wait until the transactions holding the rows end (one of two concurrent
  writers of the same record wins: the act signed in the back office and on the portal, the
  quants of the last unit);
- ``serialize_on_rows``: wait, then fail with a serialization error, so that the request is retried
  and sees what the other wrote (read-decide-write checks: the last unit returned, a part claimed
  twice).

``RETRY_ERRORS`` are the errors after which Odoo replays a request (and queue_job a job): a
caller that catches errors to go on with the others lets these through.
"""

from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL

RETRY_ERRORS = PG_CONCURRENCY_EXCEPTIONS_TO_RETRY


def skip_locked_rows(records, condition=None):
    """The rows of ``records`` no other transaction holds (and still matching ``condition``, an
    ``SQL`` on the table), locked until the end of this transaction (``FOR UPDATE SKIP LOCKED``).

    The guard of a batch against a concurrent one: a row the other batch holds is left to it, a
    row it processed meanwhile no longer matches (or fails with a serialization error: an expected
    conflict, retried by the caller, not logged as an error). Without a condition this is the
    ORM's ``try_lock_for_update()``.
    """
    if not records:
        return records
    if condition is None:
        return records.try_lock_for_update()
    records.flush_recordset()
    records.env.cr.execute(
        SQL(
            "SELECT id FROM %s WHERE id = ANY(%s) AND %s ORDER BY id FOR UPDATE SKIP LOCKED",
            SQL.identifier(records._table),
            list(records.ids),
            condition,
        ),
        log_exceptions=False,
    )
    free_ids = {row[0] for row in records.env.cr.fetchall()}
    return records.browse([record_id for record_id in records.ids if record_id in free_ids])


def wait_for_rows(records, fnames=None):
    """Lock the rows of ``records`` (in id order), waiting for the transactions that hold them,
    and forget what the cache holds of ``fnames`` (all fields by default): what this transaction
    reads of them next is what it decides on. One of two writers of the same record goes first."""
    if not records:
        return
    records.flush_recordset()
    records.env.cr.execute(
        SQL(
            "SELECT id FROM %s WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE",
            SQL.identifier(records._table),
            list(records.ids),
        )
    )
    records.invalidate_recordset(fnames)


def serialize_on_rows(records):
    """Update the rows of ``records`` (in id order) so that a concurrent transaction doing the same
    waits for this one, then fails with a serialization error and is retried, seeing what this one
    wrote: the guard of read-decide-write checks (the last unit returned, a part claimed twice).

    The rows are updated, not only locked: after a plain lock the waiter would go on with its old
    snapshot. The serialization failure is expected (the request is replayed): not logged.
    """
    if not records:
        return
    records.flush_recordset()
    records.env.cr.execute(
        SQL(
            "UPDATE %(table)s SET write_date = write_date WHERE id IN "
            "(SELECT id FROM %(table)s WHERE id = ANY(%(ids)s) ORDER BY id FOR NO KEY UPDATE)",
            table=SQL.identifier(records._table),
            ids=list(records.ids),
        ),
        log_exceptions=False,
    )
