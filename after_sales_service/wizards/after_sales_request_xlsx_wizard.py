from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.fields import Domain

from .after_sales_xlsx_registry_mixin import XlsxColumn, XlsxSlice


class AfterSalesRequestXlsxWizard(models.TransientModel):
    """The service request registry: one row per request received in the period, and its slices
    by cause, product, lifecycle stage, type, team and month."""

    _name = "after_sales.request.xlsx.wizard"
    _inherit = ["after_sales.xlsx.registry.mixin"]
    _description = "Service Request Registry Export"

    def _get_file_name(self):
        return f"service_requests_{self.date_from}_{self.date_to}.xlsx"

    def _get_period_bounds(self):
        """The period's first and last instants as naive UTC datetimes, in the user's time zone."""
        tz = pytz.timezone(self.env.user.tz or "UTC")
        start = tz.localize(datetime.combine(self.date_from, time.min))
        end = tz.localize(datetime.combine(self.date_to + timedelta(days=1), time.min))
        return (
            start.astimezone(pytz.utc).replace(tzinfo=None),
            end.astimezone(pytz.utc).replace(tzinfo=None),
        )

    def _get_request_domain(self):
        """Requests received in the period, in the chosen company (a hook for sibling modules)."""
        start, end = self._get_period_bounds()
        return Domain(
            [
                ("company_id", "=", self.company_id.id),
                ("date_open", ">=", start),
                ("date_open", "<", end),
            ]
        )

    def _get_registry_records(self):
        return self._get_requests()

    def _get_requests(self):
        # archived requests count too, as in the Request Analysis
        return (
            self.env["after_sales.request"]
            .with_company(self.company_id)
            .with_context(active_test=False)
            .search(self._get_request_domain(), order="date_open, id")
        )

    def _get_rows(self, requests):
        """One dict per request with the registry values and the slice labels."""
        Request = self.env["after_sales.request"]
        labels = {
            name: dict(Request._fields[name]._description_selection(self.env))
            for name in ("request_type", "channel", "lifecycle_stage", "priority")
        }
        undefined = self.env._("Undefined")
        yes = self.env._("Yes")
        rows = []
        for request in requests:
            local_open = self._to_local(request.date_open)
            breached = request.sla_response_breached or request.sla_resolution_breached
            # a cancelled request is no SLA outcome, even when a deadline passed before it
            has_sla = bool(request.sla_response_deadline or request.sla_resolution_deadline) and not (
                request.stage_id.is_cancel
            )
            rows.append(
                {
                    "number": request.name,
                    "date_open": local_open,
                    "title": request.title,
                    "customer": request.partner_id.display_name,
                    "unit": request.equipment_id.display_name or "",
                    "product": request.product_id.display_name or undefined,
                    "serial": request.lot_id.name or "",
                    "request_type": labels["request_type"].get(request.request_type, undefined),
                    "channel": labels["channel"].get(request.channel, ""),
                    "cause": request.cause_id.display_name or undefined,
                    "lifecycle_stage": labels["lifecycle_stage"].get(request.lifecycle_stage, undefined),
                    "priority": labels["priority"].get(request.priority, ""),
                    "team": request.team_id.display_name or undefined,
                    "user": request.user_id.display_name or "",
                    "stage": request.stage_id.display_name,
                    "response_deadline": self._to_local(request.sla_response_deadline),
                    "response_date": self._to_local(request.sla_response_date),
                    "resolution_deadline": self._to_local(request.sla_resolution_deadline),
                    "resolution_date": self._to_local(request.sla_resolution_date),
                    "breached": yes if breached else "",
                    "resolution_time": request.resolution_time if request.sla_resolution_date else None,
                    "damage_amount": request.damage_amount,
                    "rating": request.rating_last_value or None,
                    "month": local_open.strftime("%Y-%m"),
                    # SLA outcome known: resolved, or a deadline already missed
                    "sla_decided": has_sla and (request.is_resolved or breached),
                    "sla_met": has_sla and request.is_resolved and not breached,
                }
            )
        return rows

    def _to_local(self, value):
        if not value:
            return None
        return fields.Datetime.context_timestamp(self, value).replace(tzinfo=None)

    @api.model
    def _slice_figures(self, rows):
        """Count, damage, SLA compliance %, average resolution time and rating of ``rows``.

        SLA compliance is the share of requests met among those whose SLA outcome is
        known (resolved, or already breached); averages skip requests without a value.
        """
        decided = [row for row in rows if row["sla_decided"]]
        times = [row["resolution_time"] for row in rows if row["resolution_time"] is not None]
        ratings = [row["rating"] for row in rows if row["rating"]]
        return {
            "count": len(rows),
            "damage_amount": sum(row["damage_amount"] for row in rows),
            "sla_compliance": (
                100.0 * sum(1 for row in decided if row["sla_met"]) / len(decided) if decided else None
            ),
            "resolution_time": sum(times) / len(times) if times else None,
            "rating": sum(ratings) / len(ratings) if ratings else None,
        }

    def _get_registry_title(self):
        return self.env._("Service Request Registry")

    def _get_period_label(self):
        return self.env._(
            "%(company)s, requests received from %(start)s to %(end)s (%(currency)s)",
            company=self.company_id.name,
            start=self.date_from,
            end=self.date_to,
            currency=self.company_id.currency_id.name,
        )

    def _get_registry_columns(self):
        _ = self.env._
        return [
            XlsxColumn("number", "text", _("Number"), 18),
            XlsxColumn("date_open", "datetime", _("Received"), 18),
            XlsxColumn("title", "text", _("Subject"), 28),
            XlsxColumn("customer", "text", _("Customer"), 28),
            XlsxColumn("unit", "text", _("Unit"), 28),
            XlsxColumn("product", "text", _("Product"), 28),
            XlsxColumn("serial", "text", _("Serial Number"), 18),
            XlsxColumn("request_type", "text", _("Type"), 18),
            XlsxColumn("channel", "text", _("Channel"), 18),
            XlsxColumn("cause", "text", _("Cause"), 18),
            XlsxColumn("lifecycle_stage", "text", _("Lifecycle Stage"), 18),
            XlsxColumn("priority", "text", _("Priority"), 18),
            XlsxColumn("team", "text", _("Team"), 18),
            XlsxColumn("user", "text", _("Assigned to"), 18),
            XlsxColumn("stage", "text", _("Stage"), 18),
            XlsxColumn("response_deadline", "datetime", _("Response Deadline"), 18),
            XlsxColumn("response_date", "datetime", _("First Response"), 18),
            XlsxColumn("resolution_deadline", "datetime", _("Resolution Deadline"), 18),
            XlsxColumn("resolution_date", "datetime", _("Resolved On"), 18),
            XlsxColumn("breached", "text", _("SLA Breached"), 18),
            XlsxColumn("resolution_time", "hours", _("Resolution Time (h)"), 18),
            XlsxColumn("damage_amount", "money", _("Damage Amount"), 18),
            XlsxColumn("rating", "number", _("Rating"), 18),
        ]

    def _get_slice_sheets(self):
        _ = self.env._
        return [
            XlsxSlice("cause", _("By Cause"), _("Cause")),
            XlsxSlice("product", _("By Product"), _("Product")),
            XlsxSlice("lifecycle_stage", _("By Lifecycle Stage"), _("Lifecycle Stage")),
            XlsxSlice("request_type", _("By Type"), _("Type")),
            XlsxSlice("team", _("By Team"), _("Team")),
            XlsxSlice("month", _("By Month"), _("Month")),
        ]

    def _get_figure_columns(self):
        _ = self.env._
        return [
            XlsxColumn("count", "integer", _("Requests")),
            XlsxColumn("damage_amount", "money", _("Damage Amount")),
            XlsxColumn("sla_compliance", "percent", _("SLA Compliance (%)")),
            XlsxColumn("resolution_time", "number", _("Avg Resolution Time (h)")),
            XlsxColumn("rating", "number", _("Avg Rating")),
        ]
