from odoo import fields, models
from odoo.fields import Domain

from ..models.after_sales_reliability import HOURS_BANDS
from .after_sales_xlsx_registry_mixin import XlsxColumn, XlsxSlice


class AfterSalesReliabilityXlsxWizard(models.TransientModel):
    """The reliability registry: one row per failure received in the period (the Reliability
    Analysis), its slices by product, component, cause, hours band and month, and the fleet
    figures per product of the Fleet Reliability page (``after_sales.reliability``)."""

    _name = "after_sales.reliability.xlsx.wizard"
    _inherit = ["after_sales.xlsx.registry.mixin"]
    _description = "Reliability Registry Export"

    date_from = fields.Date(default=lambda self: fields.Date.context_today(self).replace(month=1, day=1))
    product_ids = fields.Many2many(
        "product.product", string="Products", help="Empty: every product with units in service."
    )
    partner_id = fields.Many2one("res.partner", string="Customer", help="Only this customer's fleet.")

    def _get_file_name(self):
        return f"reliability_{self.date_from}_{self.date_to}.xlsx"

    def _get_registry_title(self):
        return self.env._("Reliability Registry")

    def _get_period_label(self):
        return self.env._(
            "%(company)s, failures received from %(start)s to %(end)s",
            company=self.company_id.name,
            start=self.date_from,
            end=self.date_to,
        )

    def _get_unit_domain(self):
        """The units of the fleet: the company's, of the products and customer chosen."""
        domain = Domain("company_id", "=", self.company_id.id)
        if self.product_ids:
            domain &= Domain("product_id", "in", self.product_ids.ids)
        if self.partner_id:
            domain &= Domain("partner_id", "child_of", self.partner_id.commercial_partner_id.id)
        return domain

    def _get_registry_records(self):
        """The failures of the fleet's units in their days at risk of the period: those the fleet
        figures count (not a failure received before its unit's service start)."""
        reliability = self.env["after_sales.reliability"].with_company(self.company_id)
        exposure = reliability._get_unit_exposure(self.date_from, self.date_to, self._get_unit_domain())
        failures = (
            self.env["after_sales.reliability.report"]
            .with_company(self.company_id)
            .search(
                [
                    ("company_id", "=", self.company_id.id),
                    ("failure_date", ">=", self.date_from),
                    ("failure_date", "<=", self.date_to),
                    ("equipment_id", "in", list(exposure)),
                ],
                order="date_open, id",
            )
        )
        return failures.filtered(
            lambda failure: (
                exposure[failure.equipment_id.id]["date_from"]
                <= failure.failure_date
                < exposure[failure.equipment_id.id]["date_to"]
            )
        )

    def _get_rows(self, failures):
        """One dict per failure with the registry values and the slice labels."""
        Report = self.env["after_sales.reliability.report"]
        ages = dict(Report._fields["age_band"]._description_selection(self.env))
        bands = dict(Report._fields["hours_band"]._description_selection(self.env))
        undefined = self.env._("Undefined")
        yes, no = self.env._("Yes"), self.env._("No")
        rows = []
        for failure in failures:
            rows.append(
                {
                    "number": failure.name,
                    "date_open": fields.Datetime.context_timestamp(self, failure.date_open).replace(
                        tzinfo=None
                    ),
                    "customer": failure.partner_id.display_name,
                    "unit": failure.equipment_id.display_name,
                    "product": failure.product_id.display_name,
                    "cause": failure.cause_id.display_name,
                    "component": failure.component_id.display_name or undefined,
                    "component_category": failure.component_categ_id.display_name or "",
                    "region": failure.state_id.display_name or "",
                    "age_band": ages.get(failure.age_band, ""),
                    # no meter reading: the hours are unknown, blank and out of the averages
                    "hours_at_failure": failure.hours_at_failure if failure.has_hours else None,
                    "hours_band": bands.get(failure.hours_band, undefined),
                    "hours_band_order": failure.hours_band or "~",
                    "parts_qty": failure.parts_qty,
                    "repair_time": failure.repair_time if failure.is_resolved else None,
                    "onsite_hours": failure.onsite_hours,
                    "visit_count": failure.visit_count,
                    "repeat_30": yes if failure.is_repeat_30 else "",
                    "repeat_90": yes if failure.is_repeat_90 else "",
                    "first_time_fix": failure.is_resolved and (yes if failure.is_first_time_fix else no),
                    "is_repeat_30": failure.is_repeat_30,
                    "is_repeat_90": failure.is_repeat_90,
                    "is_resolved": failure.is_resolved,
                    "is_first_time_fix": failure.is_first_time_fix,
                    "month": failure.failure_date.strftime("%Y-%m"),
                }
            )
        return rows

    def _slice_figures(self, rows):
        """Failures, parts, MTTR, on-site hours per failure, repeat and first-time fix rates of
        ``rows``, as the Fleet Reliability page defines them (blank: nothing to divide by)."""
        resolved = [row for row in rows if row["is_resolved"]]

        def ratio(num, den, factor=1.0):
            return num * factor / den if den else None

        return {
            "count": len(rows),
            "parts_qty": sum(row["parts_qty"] for row in rows),
            "mttr_hours": ratio(sum(row["repair_time"] for row in resolved), len(resolved)),
            "onsite_hours": ratio(sum(row["onsite_hours"] for row in rows), len(rows)),
            "repeat_rate_30": ratio(sum(1 for row in rows if row["is_repeat_30"]), len(rows), 100.0),
            "repeat_rate_90": ratio(sum(1 for row in rows if row["is_repeat_90"]), len(rows), 100.0),
            "first_time_fix_rate": ratio(
                sum(1 for row in resolved if row["is_first_time_fix"]), len(resolved), 100.0
            ),
        }

    def _get_slices(self, rows):
        slices = super()._get_slices(rows)
        if "hours_band" in slices:
            # the bands in their order, not largest first
            order = {row["hours_band"]: row["hours_band_order"] for row in rows}
            bands = [code for code, __, __ in HOURS_BANDS]
            slices["hours_band"].sort(
                key=lambda item: bands.index(order[item[0]]) if order[item[0]] in bands else len(bands)
            )
        return slices

    def _get_registry_columns(self):
        _ = self.env._
        return [
            XlsxColumn("number", "text", _("Number"), 18),
            XlsxColumn("date_open", "datetime", _("Received"), 18),
            XlsxColumn("customer", "text", _("Customer"), 28),
            XlsxColumn("unit", "text", _("Unit"), 28),
            XlsxColumn("product", "text", _("Product"), 28),
            XlsxColumn("cause", "text", _("Cause"), 18),
            XlsxColumn("component", "text", _("Component"), 24),
            XlsxColumn("component_category", "text", _("Component Category"), 18),
            XlsxColumn("region", "text", _("Region"), 18),
            XlsxColumn("age_band", "text", _("Age Band"), 16),
            XlsxColumn("hours_at_failure", "number", _("Hours at Failure"), 14),
            XlsxColumn("hours_band", "text", _("Hours Band"), 18),
            XlsxColumn("parts_qty", "number", _("Parts Replaced"), 12),
            XlsxColumn("repair_time", "hours", _("Repair Time (h)"), 12),
            XlsxColumn("onsite_hours", "hours", _("On-site Hours"), 12),
            XlsxColumn("visit_count", "integer", _("# of Visits"), 10),
            XlsxColumn("repeat_30", "text", _("Repeat within 30 Days"), 12),
            XlsxColumn("repeat_90", "text", _("Repeat within 90 Days"), 12),
            XlsxColumn("first_time_fix", "text", _("First-time Fix"), 12),
        ]

    def _get_registry_totals(self, rows):
        if not rows:
            return {}
        return {
            "number": self.env._("Total"),
            "parts_qty": sum(row["parts_qty"] for row in rows),
            "onsite_hours": sum(row["onsite_hours"] for row in rows),
            "visit_count": sum(row["visit_count"] for row in rows),
        }

    def _get_slice_sheets(self):
        _ = self.env._
        return [
            XlsxSlice("product", _("By Product"), _("Product")),
            XlsxSlice("component", _("By Component"), _("Component")),
            XlsxSlice("cause", _("By Cause"), _("Cause")),
            XlsxSlice("hours_band", _("By Hours Band"), _("Hours Band")),
            XlsxSlice("month", _("By Month"), _("Month")),
        ]

    def _get_figure_columns(self):
        _ = self.env._
        return [
            XlsxColumn("count", "integer", _("Failures")),
            XlsxColumn("parts_qty", "number", _("Parts Replaced")),
            XlsxColumn("mttr_hours", "number", _("MTTR (h)")),
            XlsxColumn("onsite_hours", "number", _("On-site Hours per Failure")),
            XlsxColumn("repeat_rate_30", "percent", _("Repeats 30 Days (%)")),
            XlsxColumn("repeat_rate_90", "percent", _("Repeats 90 Days (%)")),
            XlsxColumn("first_time_fix_rate", "percent", _("First-time Fix (%)")),
        ]

    # ------------------------------------------------------------ the fleet sheet

    def _get_fleet_columns(self):
        """[XlsxColumn] of the fleet sheet, the Fleet Reliability page's (sibling modules add theirs)."""
        _ = self.env._
        return [
            XlsxColumn("product", "text", _("Product"), 36),
            XlsxColumn("units", "integer", _("Units at Risk")),
            XlsxColumn("units_with_hours", "integer", _("Units with Hours")),
            XlsxColumn("unit_years", "number", _("Unit-years")),
            XlsxColumn("hours", "number", _("Operating Hours")),
            XlsxColumn("failures", "integer", _("Failures")),
            XlsxColumn("failures_with_hours", "integer", _("Failures with Hours")),
            XlsxColumn("failures_per_1000_hours", "number", _("Failures per 1,000 h")),
            XlsxColumn("failures_per_unit_year", "number", _("Failures per Unit-year")),
            XlsxColumn("mtbf_hours", "number", _("MTBF (h)")),
            XlsxColumn("mtbf_days", "number", _("MTBF (days)")),
            XlsxColumn("mttr_hours", "number", _("MTTR (h)")),
            XlsxColumn("onsite_hours", "number", _("On-site Hours per Failure")),
            XlsxColumn("repeat_rate_30", "percent", _("Repeats 30 Days (%)")),
            XlsxColumn("repeat_rate_90", "percent", _("Repeats 90 Days (%)")),
            XlsxColumn("first_time_fix_rate", "percent", _("First-time Fix (%)")),
        ]

    def _get_fleet_rows(self):
        """The fleet figures per product over the period; an undefined figure (None) stays blank."""
        figures = (
            self.env["after_sales.reliability"]
            .with_company(self.company_id)
            ._get_fleet_figures(self.date_from, self.date_to, self._get_unit_domain())
        )
        return [
            {**values, "product": product.display_name}
            for product, values in sorted(figures.items(), key=lambda item: item[0].display_name)
        ]

    def _write_extra_sheets(self, workbook, formats, period):
        result = super()._write_extra_sheets(workbook, formats, period)
        title = self.env._("Fleet by Product")
        self._write_sheet(
            workbook.add_worksheet(title),
            formats,
            title,
            self.env._(
                "%(company)s, units in service from %(start)s to %(end)s",
                company=self.company_id.name,
                start=self.date_from,
                end=self.date_to,
            ),
            self._get_fleet_columns(),
            self._get_fleet_rows(),
        )
        return result
