from odoo import api, fields, models
from odoo.tools import SQL

from ..locks import serialize_on_rows

# what the facts of a request's unit and cause are read from, on the request
HISTORY_FIELDS = frozenset({"equipment_id", "cause_id", "date_open", "sla_resolution_date", "stage_id"})


class AfterSalesRequestReliabilityMixin(models.AbstractModel):
    """What the reliability figures need of a request, stored when it changes.

    The Reliability Analysis (``after_sales.reliability.report``) reads these instead of working
    them out for every request each time a page opens: the unit's operating hours on the day the
    request was received (from the unit's meter readings, ``after_sales.reliability``), the
    quantity of its done part lines, and where
    the request stands among the requests of the same unit and cause that are not cancelled, in
    the order received (by date, then by id): whether an earlier one is still open, the latest
    resolution of the earlier ones, and when the next one was received. Each is recomputed when
    what it is read from changes: a reading of the unit, the unit's service start, the request's
    lines, unit, cause, stage or dates, and those of the unit's other requests.

    Two transactions changing requests of the same unit and cause at the same moment would each
    work out the facts without the other's request: each serializes on the unit's row first, so
    that the second is replayed and sees the first's (``serialize_on_rows``).
    """

    _name = "after_sales.request.reliability.mixin"
    _description = "Reliability Facts of a Service Request"

    equipment_hours = fields.Float(
        string="Unit Hours at Reception",
        compute="_compute_equipment_hours",
        store=True,
        readonly=True,
        copy=False,
        help="The unit's operating hours on the day the request was received, from its meter readings.",
    )
    equipment_hours_known = fields.Boolean(
        string="Unit Hours Known",
        compute="_compute_equipment_hours",
        store=True,
        readonly=True,
        copy=False,
        help="The unit has meter readings: its hours on the day the request was received are known.",
    )
    reliability_parts_qty = fields.Float(
        string="Parts Replaced",
        digits="Product Unit",
        compute="_compute_reliability_parts_qty",
        store=True,
        readonly=True,
        copy=False,
        help="Quantity of the done part lines.",
    )
    reliability_earlier_open = fields.Boolean(
        string="Earlier Request Open",
        compute="_compute_reliability_history",
        store=True,
        readonly=True,
        copy=False,
        help="An earlier request of the same unit and cause, not cancelled, is not resolved.",
    )
    reliability_earlier_resolved = fields.Datetime(
        string="Earlier Request Resolved",
        compute="_compute_reliability_history",
        store=True,
        readonly=True,
        copy=False,
        help="The latest resolution of the earlier requests of the same unit and cause, not cancelled.",
    )
    reliability_next_open = fields.Datetime(
        string="Next Request Received",
        compute="_compute_reliability_history",
        store=True,
        readonly=True,
        copy=False,
        help="When the next request of the same unit and cause, not cancelled, was received.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        requests = super().create(vals_list)
        # after the insert, with the unit and cause as created (defaults included): the second of
        # two transactions fails on the unit's row either way (its snapshot is older than the
        # first's update) and is replayed, seeing the first's request
        serialize_on_rows(requests.filtered("cause_id").equipment_id)
        return requests

    def write(self, vals):
        # the unit left and the unit joined, of requests that have (or get) a cause
        caused = HISTORY_FIELDS.intersection(vals) and (
            self if vals.get("cause_id") else self.filtered("cause_id")
        )
        if caused:
            units = caused.equipment_id
            if vals.get("equipment_id"):
                units |= units.browse(vals["equipment_id"])
            serialize_on_rows(units)
        return super().write(vals)

    @api.depends(
        "date_open",
        "equipment_id.commissioning_date",
        "equipment_id.delivery_date",
        "equipment_id.meter_reading_ids.date",
        "equipment_id.meter_reading_ids.hours",
    )
    def _compute_equipment_hours(self):
        known = self.filtered(lambda request: request.equipment_id._origin and request.date_open)
        (self - known).update({"equipment_hours": 0.0, "equipment_hours_known": False})
        if not known:
            return
        self.env["after_sales.meter.reading"].flush_model(["equipment_id", "date", "hours"])
        self.env["after_sales.equipment"].flush_model(["commissioning_date", "delivery_date"])
        reliability = self.env["after_sales.reliability"]
        joins, hours = reliability._sql_hours_at(
            "at", SQL("asked.unit_id"), SQL("asked.start_day"), SQL("asked.day")
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT asked.position, %(hours)s
                  FROM (
                    SELECT src.position, src.unit_id, src.day, %(start)s AS start_day
                      FROM unnest(%(positions)s::int[], %(units)s::int[], %(days)s::date[])
                           AS src(position, unit_id, day)
                      JOIN after_sales_equipment unit ON unit.id = src.unit_id
                  ) asked
                  %(joins)s
                """,
                hours=hours,
                start=reliability._sql_service_start("unit"),
                positions=list(range(len(known))),
                units=[request.equipment_id._origin.id for request in known],
                days=[request.date_open.date() for request in known],
                joins=joins,
            )
        )
        values = dict(rows)
        for position, request in enumerate(known):
            value = values.get(position)
            request.equipment_hours = value or 0.0
            request.equipment_hours_known = value is not None

    @api.depends("line_ids.line_type", "line_ids.done", "line_ids.quantity")
    def _compute_reliability_parts_qty(self):
        for request in self:
            request.reliability_parts_qty = sum(
                line.quantity for line in request.line_ids if line.line_type == "part" and line.done
            )

    @api.depends(
        "equipment_id",
        "cause_id",
        "date_open",
        "sla_resolution_date",
        "stage_id.is_cancel",
        "equipment_id.request_ids.cause_id",
        "equipment_id.request_ids.date_open",
        "equipment_id.request_ids.sla_resolution_date",
        "equipment_id.request_ids.stage_id.is_cancel",
    )
    def _compute_reliability_history(self):
        stored = self.filtered(lambda request: isinstance(request.id, int))
        (self - stored).update(
            dict.fromkeys(
                ("reliability_earlier_open", "reliability_earlier_resolved", "reliability_next_open"), False
            )
        )
        if not stored:
            return
        self.flush_model(["equipment_id", "cause_id", "date_open", "sla_resolution_date", "stage_id"])
        self.env["after_sales.request.stage"].flush_model(["is_cancel"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT history.id, history.earlier_open, history.earlier_resolved, history.next_open
                  FROM (
                    SELECT f.id,
                           BOOL_OR(f.sla_resolution_date IS NULL) OVER earlier AS earlier_open,
                           MAX(f.sla_resolution_date) OVER earlier AS earlier_resolved,
                           LEAD(f.date_open) OVER received AS next_open
                      FROM after_sales_request f
                      JOIN after_sales_request_stage f_stage ON f_stage.id = f.stage_id
                     WHERE (f.equipment_id, f.cause_id) IN (
                               SELECT asked.equipment_id, asked.cause_id FROM after_sales_request asked
                                WHERE asked.id IN %(ids)s
                           )
                       AND f_stage.is_cancel IS NOT TRUE
                    WINDOW received AS (PARTITION BY f.equipment_id, f.cause_id ORDER BY f.date_open, f.id),
                           earlier AS (received ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                  ) history
                 WHERE history.id IN %(ids)s
                """,
                ids=tuple(stored.ids),
            )
        )
        values = {row[0]: row[1:] for row in rows}
        for request in stored:
            earlier_open, earlier_resolved, next_open = values.get(request.id, (False, False, False))
            request.reliability_earlier_open = bool(earlier_open)
            request.reliability_earlier_resolved = earlier_resolved or False
            request.reliability_next_open = next_open or False
