from odoo import api, fields, models
from odoo.exceptions import ValidationError

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

    @api.model_create_multi
    def create(self, vals_list):
        check_finite_numbers(self, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        check_finite_numbers(self, [vals])
        return super().write(vals)

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
