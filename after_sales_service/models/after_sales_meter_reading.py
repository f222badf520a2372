from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL
from odoo.tools.sql import table_exists

from ..tools import check_finite_numbers


class AfterSalesMeterReading(models.Model):
    _name = "after_sales.meter.reading"
    _description = "Operating Hours Reading"
    _inherit = ["after_sales.portal.mixin"]
    _order = "equipment_id, date desc, id desc"
    # a customer reads the operating hours of its own units, not who took them or the notes
    _portal_fields = {"equipment_id", "date", "hours"}

    equipment_id = fields.Many2one("after_sales.equipment", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="equipment_id.company_id", store=True, index=True)
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    hours = fields.Float(string="Operating Hours", required=True)
    source = fields.Selection(
        [
            ("manual", "Manual Entry"),
            ("visit", "Service Visit"),
            ("customer", "Customer"),
            ("telemetry", "Telemetry"),
        ],
        required=True,
        default="manual",
    )
    note = fields.Char()

    # the reliability figures read each unit's readings just before and after a day (an index-only
    # scan per unit instead of all its readings, sorted): after_sales.reliability._sql_hours_at
    _equipment_date_hours_idx = models.Index("(equipment_id, date, hours)")

    # Each unit's readings as two arrays sorted by date then hours (``_refresh_series``): the
    # reliability figures and the parts forecast read the hours of a whole fleet on any day from
    # them (``after_sales.reliability._sql_hours_in_arrays``) without aggregating every reading of
    # it again. Owned by this model: written only by ``_refresh_series``, on every create, write
    # of the unit/date/hours and unlink; a unit deleted takes its row with it (foreign key).
    _series_table = "after_sales_meter_reading_series"
    _series_fields = ("equipment_id", "date", "hours")

    def init(self):
        super().init()
        if table_exists(self.env.cr, self._series_table):
            return
        table = SQL.identifier(self._series_table)
        self.env.cr.execute(
            SQL(
                """
                CREATE TABLE %s (
                    equipment_id integer PRIMARY KEY
                        REFERENCES after_sales_equipment (id) ON DELETE CASCADE,
                    dates date[] NOT NULL,
                    hours double precision[] NOT NULL
                )
                """,
                table,
            )
        )
        # installed on a database that has readings already (a module update): every unit's
        self.env.cr.execute(SQL("INSERT INTO %s %s", table, self._sql_series_of(None)))

    @api.model
    def _sql_series_of(self, unit_ids):
        """SQL selecting (equipment_id, dates, hours) from the readings of ``unit_ids`` (None: all)."""
        return SQL(
            """
            SELECT rd.equipment_id,
                   ARRAY_AGG(rd.date ORDER BY rd.date, rd.hours),
                   ARRAY_AGG(rd.hours ORDER BY rd.date, rd.hours)
              FROM after_sales_meter_reading rd
             %s
             GROUP BY rd.equipment_id
            """,
            SQL("WHERE rd.equipment_id = ANY(%s)", list(unit_ids)) if unit_ids is not None else SQL(),
        )

    @api.model
    def _refresh_series(self, unit_ids):
        """Write again the readings' series of the units ``unit_ids`` from their readings.

        Two transactions changing the readings of one unit at once both write its row: the second
        waits for the first and is replayed by Odoo (a serialization failure under its
        repeatable-read transactions), so that no series misses a reading.
        """
        unit_ids = sorted({unit_id for unit_id in unit_ids if unit_id})
        if not unit_ids:
            return
        self.flush_model(self._series_fields)
        table = SQL.identifier(self._series_table)
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO %(table)s (equipment_id, dates, hours) %(series)s
                ON CONFLICT (equipment_id) DO UPDATE SET dates = EXCLUDED.dates, hours = EXCLUDED.hours
                """,
                table=table,
                series=self._sql_series_of(unit_ids),
            )
        )
        self.env.cr.execute(
            SQL(
                """
                DELETE FROM %(table)s series
                 WHERE series.equipment_id = ANY(%(units)s)
                   AND NOT EXISTS (
                        SELECT 1 FROM after_sales_meter_reading rd WHERE rd.equipment_id = series.equipment_id
                   )
                """,
                table=table,
                units=unit_ids,
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        check_finite_numbers(self, vals_list)
        readings = super().create(vals_list)
        self._refresh_series(readings.equipment_id.ids)
        return readings

    def write(self, vals):
        check_finite_numbers(self, [vals])
        if not any(name in vals for name in self._series_fields):
            return super().write(vals)
        units = self.equipment_id.ids
        result = super().write(vals)
        self._refresh_series(units + self.equipment_id.ids)
        return result

    def unlink(self):
        units = self.equipment_id.ids
        result = super().unlink()
        self._refresh_series(units)
        return result

    @api.constrains("date", "hours", "equipment_id")
    def _check_reading(self):
        today = fields.Date.context_today(self)
        others = self.search(
            [("equipment_id", "in", self.equipment_id.ids), ("id", "not in", self.ids)], order="date, id"
        )
        for reading in self:
            if reading.hours < 0:
                raise ValidationError(self.env._("Operating hours cannot be negative."))
            if reading.date > today:
                raise ValidationError(
                    self.env._("A reading cannot be dated in the future (%s).", reading.date)
                )
            siblings = others.filtered(lambda r, unit=reading.equipment_id: r.equipment_id == unit)
            before = siblings.filtered(lambda r, day=reading.date: r.date <= day)
            after = siblings.filtered(lambda r, day=reading.date: r.date > day)
            if before and max(before.mapped("hours")) > reading.hours:
                raise ValidationError(
                    self.env._(
                        "%(unit)s: %(hours)s h on %(date)s is lower than the previous reading "
                        "of %(previous)s h.",
                        unit=reading.equipment_id.display_name,
                        hours=reading.hours,
                        date=reading.date,
                        previous=max(before.mapped("hours")),
                    )
                )
            if after and min(after.mapped("hours")) < reading.hours:
                raise ValidationError(
                    self.env._(
                        "%(unit)s: %(hours)s h on %(date)s is higher than a later reading of %(next)s h.",
                        unit=reading.equipment_id.display_name,
                        hours=reading.hours,
                        date=reading.date,
                        next=min(after.mapped("hours")),
                    )
                )
