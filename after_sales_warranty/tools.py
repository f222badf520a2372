"""Coverage reasons that keep their facts, to be read in each reader's language.

The coverage engine explains each decision in a sentence ("Parts warranty ended on ..."). Stored
as text, the sentence stays in the language and date format of whoever triggered the decision.
``coverage_reason`` builds the sentence from an ``_lt`` term and its parameters and returns it as a
``CoverageReason``: a plain ``str`` (the sentence as before) that also carries ``data``, the term
and the facts (dates, selection values, nested reasons), JSON-ready. ``render_coverage_reason``
renders that data again in any language, dates in that language's format.
"""

import datetime

from odoo.tools import format_date
from odoo.tools.translate import LazyGettext, get_translation


class CoverageReason(str):
    """A reason sentence (the ``str``) with the facts it was made of (``data``)."""

    data = None

    def __new__(cls, text, data):
        reason = super().__new__(cls, text)
        reason.data = data
        return reason


class SelectionValue:
    """The value of a selection field, shown with its label in the reader's language."""

    def __init__(self, model, field, value):
        self.model, self.field, self.value = model, field, value


def _dump(value):
    if isinstance(value, CoverageReason):
        return {"reason": value.data}
    if isinstance(value, LazyGettext):
        return {"reason": _dump_term(value)}
    if isinstance(value, SelectionValue):
        return {"selection": [value.model, value.field, value.value]}
    if isinstance(value, datetime.datetime):
        return str(value)
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _dump_term(term):
    args = term._args
    if isinstance(args, dict):
        args = {key: _dump(value) for key, value in args.items()}
    else:
        args = [_dump(value) for value in args]
    return {"module": term._module, "source": term._source, "args": args}


def _load(env, value, lang, localized):
    if not isinstance(value, dict):
        return value
    if "reason" in value:
        return render_coverage_reason(env, value["reason"], lang, localized=localized)
    if "date" in value:
        day = datetime.date.fromisoformat(value["date"])
        return format_date(env, day, lang_code=lang) if localized else day
    if "selection" in value:
        model, field, key = value["selection"]
        if model not in env or field not in env[model]._fields:
            return key
        labels = dict(
            env[model]._fields[field]._description_selection(env(context=dict(env.context, lang=lang)))
        )
        return labels.get(key, key or "")
    return value


def render_coverage_reason(env, data, lang, localized=True):
    """The sentence of ``data`` (see ``CoverageReason.data``) in ``lang``.

    ``localized``: dates in the language's format (else as the engine wrote them, ISO).
    """
    args = data.get("args") or ()
    if isinstance(args, dict):
        args = {key: _load(env, value, lang, localized) for key, value in args.items()}
    else:
        args = tuple(_load(env, value, lang, localized) for value in args)
    return get_translation(data["module"], lang or "en_US", data["source"], args)


def coverage_reason(env, term):
    """``term`` (an ``_lt`` term with its parameters) as a ``CoverageReason`` in ``env``'s language.

    The text is the sentence the engine always wrote (dates as ISO); its ``data`` lets every reader
    see it in their own language and date format (``render_coverage_reason``).
    """
    data = _dump_term(term)
    text = render_coverage_reason(env, data, env.lang, localized=False)
    data["text"] = text  # what was stored with it: a reason typed over it later is not the engine's
    return CoverageReason(text, data)


def coverage_reason_display(env, text, data):
    """The reason ``text`` stored with ``data`` as ``env``'s reader reads it.

    The engine's sentence in the reader's language and date format; a reason a person typed
    (``text`` is not the sentence ``data`` was stored with) as it was typed.
    """
    if not text or not data or data.get("text") != text:
        return text or False
    return render_coverage_reason(env, data, env.lang)
