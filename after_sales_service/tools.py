import math

from dateutil.relativedelta import relativedelta

from odoo.exceptions import ValidationError
from odoo.tools import SQL


def check_finite_numbers(model, vals_list):
    """Refuse NaN and infinite numbers in ``vals_list`` before anything is written.

    Odoo would otherwise fail with a raw ValueError/OverflowError while rounding them, or
    store them as they are: a clear, translated message instead, and nothing written.
    """
    for vals in vals_list:
        for name, value in vals.items():
            field = model._fields.get(name)
            if (
                field is not None
                and field.type in ("float", "monetary")
                and isinstance(value, float)
                and not math.isfinite(value)
            ):
                raise ValidationError(
                    model.env._("%(field)s must be a number, not %(value)s.", field=field.string, value=value)
                )


def period_end(start, months=0, years=0):
    """Last day of a period of ``months`` and ``years`` counted from the date ``start``.

    The one rule of the suite for warranty, extension and service-life periods, as the Russian
    Civil Code counts them (ГК РФ art. 191–192, used by the consumer protection law, art. 6 and
    19): the period starts the day after ``start`` and ends on the corresponding date ``months``
    or ``years`` later, the month's last day where that date does not exist. 12 months from
    2025-03-01 cover 2026-03-01; 1 month from 2025-01-31 ends on 2025-02-28.
    """
    return start + relativedelta(months=months, years=years)


def lock_free_rows(model, ids, condition):
    """Lock the rows of ``model`` in ``ids`` still matching ``condition`` (an ``SQL``) and return them;
    rows another transaction holds are skipped (``FOR UPDATE SKIP LOCKED``).

    The guard of the billing run and the dealer settlement against a concurrent run: a row the
    other run processed meanwhile is an expected conflict, retried by the caller, not an error.
    """
    if not ids:
        return model
    model.flush_model()
    model.env.cr.execute(
        SQL(
            "SELECT id FROM %s WHERE id = ANY(%s) AND %s ORDER BY id FOR UPDATE SKIP LOCKED",
            SQL.identifier(model._table),
            list(ids),
            condition,
        ),
        log_exceptions=False,
    )
    return model.browse([row[0] for row in model.env.cr.fetchall()])


def context_chunk_size(env, key, default):
    """A chunk size a caller may set in the context (tests, batch tuning): a positive whole
    number, else ``default``. Chunks only cut a batch into transactions: whatever an RPC caller
    sends, every record is still processed, once."""
    value = env.context.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return default
    return value
