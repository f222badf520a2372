import math

from odoo.exceptions import ValidationError


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
