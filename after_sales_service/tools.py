import math
import re

from dateutil.relativedelta import relativedelta

from odoo.exceptions import ValidationError
from odoo.http import request
from odoo.tools import html2plaintext

# the largest number a user may type in a float field: beyond it a double no longer holds the
# cents exactly, and Odoo's rounding overflows (1e308) - no quantity, hour or amount comes near
MAX_NUMBER = 1e15
# the range of an integer field's PostgreSQL column (int4)
MAX_INTEGER = 2**31 - 1
# symptom words: letters only, at least MIN_WORD_LENGTH of them, compared by their first
# STEM_LENGTH letters (a crude stem: "overheats" ~ "overheating", "перегрев" ~ "перегревается")
WORD_RE = re.compile(r"[^\W\d_]+")
MIN_WORD_LENGTH = 4
STEM_LENGTH = 5


def check_finite_numbers(model, vals_list):
    """Refuse NaN, infinite and too large numbers in ``vals_list`` before anything is written.

    Odoo would otherwise fail with a raw ValueError/OverflowError while rounding them, a
    database error on an integer out of its column's range, or store them as they are: a clear,
    translated message instead, and nothing written. The one guard of every number a user types
    (``MAX_NUMBER`` for floats and amounts, ``MAX_INTEGER`` for integers).
    """
    for vals in vals_list:
        for name, value in vals.items():
            field = model._fields.get(name)
            if field is None or isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            if field.type in ("float", "monetary"):
                if not math.isfinite(value):
                    raise ValidationError(
                        model.env._(
                            "%(field)s must be a number, not %(value)s.", field=field.string, value=value
                        )
                    )
                limit = MAX_NUMBER
            elif field.type == "integer":
                limit = MAX_INTEGER
            else:
                continue
            if abs(value) > limit:
                raise ValidationError(
                    model.env._(
                        "%(field)s is too large: %(value)s (at most %(max)s).",
                        field=field.string,
                        value=value,
                        max=f"{limit:,.0f}",
                    )
                )


def parse_number(value, default=0.0):
    """A number typed in a form (decimal point or comma): ``default`` when blank, None when it is not
    a number, not finite or larger than ``MAX_NUMBER`` (the controllers' side of
    ``check_finite_numbers``)."""
    if value is None or not str(value).strip():
        return default
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        return None
    return number if math.isfinite(number) and abs(number) <= MAX_NUMBER else None


def has_nul(value):
    """Whether ``value`` (text, or lists and dicts of them, keys included) holds a NUL character,
    which PostgreSQL cannot store in text: the controllers refuse such input before anything."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(has_nul(item) for item in value)
    return False


def without_nul(value):
    """``value`` (as ``has_nul`` reads it) without its NUL characters: what a form shows again."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {key: without_nul(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [without_nul(item) for item in value]
    return value


def nul_error(env):
    """The message of a form or call refused for a NUL character."""
    return env._("The text you sent contains a NUL character (code 0): remove it and send it again.")


def file_size(file):
    """Size in bytes of an uploaded ``file`` (a werkzeug ``FileStorage``), read to its end and back."""
    stream = file.stream
    position = stream.tell()
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(position)
    return size


def upload_error(env, files, company=None):
    """The message refusing the first of ``files`` above the company's portal upload limit, or None."""
    limit_mb = (company or env.company).sudo().after_sales_portal_upload_mb or 10
    for file in files:
        if file_size(file) > limit_mb * 1024 * 1024:
            return env._(
                "%(file)s is larger than %(limit)s MB, the largest file you may upload: send a smaller one.",
                file=file.filename,
                limit=limit_mb,
            )
    return None


def period_end(start, months=0, years=0):
    """Last day of a period of ``months`` and ``years`` counted from the date ``start``.

    The one rule of the suite for warranty, extension and service-life periods, as the Russian
    Civil Code counts them (ГК РФ art. 191–192, used by the consumer protection law, art. 6 and
    19): the period starts the day after ``start`` and ends on the corresponding date ``months``
    or ``years`` later, the month's last day where that date does not exist. 12 months from
    2025-03-01 cover 2026-03-01; 1 month from 2025-01-31 ends on 2025-02-28.
    """
    return start + relativedelta(months=months, years=years)


def context_chunk_size(env, key, default):
    """A chunk size a caller may set in the context (tests, batch tuning): a positive whole
    number, else ``default``. Chunks only cut a batch into transactions: whatever an RPC caller
    sends, every record is still processed, once."""
    value = env.context.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return default
    return value


def readonly_unless_posted(controller, rule, args):
    """``readonly=`` of a portal route that shows a form on GET and saves it on POST.

    The page (GET, HEAD) only reads and is served on Odoo's read-only cursor, so a deployment
    with ``db_replica_host`` answers it from the replica; the posted form writes (read/write).
    """
    return request.httprequest.method in ("GET", "HEAD")


def symptom_words(*texts):
    """The stems of the words of ``texts`` (plain text or HTML), in any language."""
    words = set()
    for text in texts:
        if not text:
            continue
        plain = html2plaintext(text) if "<" in text else text
        words.update(
            word[:STEM_LENGTH]
            for word in WORD_RE.findall(plain.lower().replace("ё", "е"))
            if len(word) >= MIN_WORD_LENGTH
        )
    return words
