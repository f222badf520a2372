import io
from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz
import xlsxwriter

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain

# Registry columns: (key of the row dict, cell kind).
REGISTRY_COLUMNS = [
    ("number", "text"),
    ("date_open", "datetime"),
    ("title", "text"),
    ("customer", "text"),
    ("unit", "text"),
    ("product", "text"),
    ("serial", "text"),
    ("request_type", "text"),
    ("channel", "text"),
    ("cause", "text"),
    ("lifecycle_stage", "text"),
    ("priority", "text"),
    ("team", "text"),
    ("user", "text"),
    ("stage", "text"),
    ("response_deadline", "datetime"),
    ("response_date", "datetime"),
    ("resolution_deadline", "datetime"),
    ("resolution_date", "datetime"),
    ("breached", "text"),
    ("resolution_time", "hours"),
    ("damage_amount", "money"),
    ("rating", "number"),
]

# Slices of the registry, each on its own sheet: row key of the slice label.
SLICE_KEYS = ["cause", "product", "lifecycle_stage", "request_type", "team", "month"]


class AfterSalesRequestXlsxWizard(models.TransientModel):
    _name = "after_sales.request.xlsx.wizard"
    _description = "Service Request Registry Export"

    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1),
    )
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(self.env._("The start of the period is after its end."))

    # -------------------------------------------------------------- actions

    def action_export(self):
        """Build the registry workbook of the period and download it."""
        self.ensure_one()
        self._check_company_allowed()
        attachment = self.env["ir.attachment"].create(
            {
                "name": self._get_file_name(),
                "raw": self._build_workbook(self._get_rows(self._get_requests())),
                "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    # ------------------------------------------------------------- business

    def _check_company_allowed(self):
        if self.company_id not in self.env.user.company_ids:
            raise UserError(self.env._("You have no access to company %s.", self.company_id.name))

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

    @api.model
    def _get_slices(self, rows):
        """{slice key: [(label, figures), ...]}: months in order, the others by count."""
        slices = {}
        for key in SLICE_KEYS:
            groups = defaultdict(list)
            for row in rows:
                groups[row[key]].append(row)
            figures = [(label, self._slice_figures(group)) for label, group in groups.items()]
            if key == "month":
                figures.sort(key=lambda item: item[0])
            else:
                figures.sort(key=lambda item: (-item[1]["count"], item[0]))
            slices[key] = figures
        return slices

    def _get_column_titles(self):
        _ = self.env._
        return {
            "number": _("Number"),
            "date_open": _("Received"),
            "title": _("Subject"),
            "customer": _("Customer"),
            "unit": _("Unit"),
            "product": _("Product"),
            "serial": _("Serial Number"),
            "request_type": _("Type"),
            "channel": _("Channel"),
            "cause": _("Cause"),
            "lifecycle_stage": _("Lifecycle Stage"),
            "priority": _("Priority"),
            "team": _("Team"),
            "user": _("Assigned to"),
            "stage": _("Stage"),
            "response_deadline": _("Response Deadline"),
            "response_date": _("First Response"),
            "resolution_deadline": _("Resolution Deadline"),
            "resolution_date": _("Resolved On"),
            "breached": _("SLA Breached"),
            "resolution_time": _("Resolution Time (h)"),
            "damage_amount": _("Damage Amount"),
            "rating": _("Rating"),
            "month": _("Month"),
        }

    def _get_sheet_names(self):
        _ = self.env._
        return {
            "registry": _("Registry"),
            "cause": _("By Cause"),
            "product": _("By Product"),
            "lifecycle_stage": _("By Lifecycle Stage"),
            "request_type": _("By Type"),
            "team": _("By Team"),
            "month": _("By Month"),
        }

    def _build_workbook(self, rows):
        """The registry and its slices as XLSX bytes."""
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        currency = self.company_id.currency_id
        money = "#,##0." + "0" * currency.decimal_places if currency.decimal_places else "#,##0"
        formats = {
            "title": workbook.add_format({"bold": True, "font_size": 13}),
            "header": workbook.add_format(
                {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "top"}
            ),
            "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
            "hours": workbook.add_format({"num_format": "0.00"}),
            "number": workbook.add_format({"num_format": "0.00"}),
            "money": workbook.add_format({"num_format": money}),
            "percent": workbook.add_format({"num_format": "0.0"}),
            "total": workbook.add_format({"bold": True, "top": 1}),
            "total_money": workbook.add_format({"bold": True, "top": 1, "num_format": money}),
            "total_number": workbook.add_format({"bold": True, "top": 1, "num_format": "0.00"}),
        }
        titles = self._get_column_titles()
        sheet_names = self._get_sheet_names()
        period = self.env._(
            "%(company)s, requests received from %(start)s to %(end)s (%(currency)s)",
            company=self.company_id.name,
            start=self.date_from,
            end=self.date_to,
            currency=currency.name,
        )

        sheet = workbook.add_worksheet(sheet_names["registry"])
        sheet.write(0, 0, self.env._("Service Request Registry"), formats["title"])
        sheet.write(1, 0, period)
        for col, (key, _kind) in enumerate(REGISTRY_COLUMNS):
            sheet.write(3, col, titles[key], formats["header"])
            sheet.set_column(col, col, 18 if key not in ("title", "customer", "unit", "product") else 28)
        for row_index, row in enumerate(rows, start=4):
            for col, (key, kind) in enumerate(REGISTRY_COLUMNS):
                self._write_cell(sheet, row_index, col, row[key], formats.get(kind))
        sheet.freeze_panes(4, 1)
        if rows:
            sheet.autofilter(3, 0, 3 + len(rows), len(REGISTRY_COLUMNS) - 1)

        figure_columns = [
            ("count", self.env._("Requests"), None),
            ("damage_amount", titles["damage_amount"], "money"),
            ("sla_compliance", self.env._("SLA Compliance (%)"), "percent"),
            ("resolution_time", self.env._("Avg Resolution Time (h)"), "number"),
            ("rating", self.env._("Avg Rating"), "number"),
        ]
        totals = self._slice_figures(rows)
        for key, figures in self._get_slices(rows).items():
            sheet = workbook.add_worksheet(sheet_names[key])
            sheet.write(0, 0, sheet_names[key], formats["title"])
            sheet.write(1, 0, period)
            sheet.write(3, 0, titles[key], formats["header"])
            sheet.set_column(0, 0, 36)
            sheet.set_column(1, len(figure_columns), 16)
            for col, (_key, title, _kind) in enumerate(figure_columns, start=1):
                sheet.write(3, col, title, formats["header"])
            row_index = 4
            for label, values in figures:
                sheet.write(row_index, 0, label)
                for col, (figure, _title, kind) in enumerate(figure_columns, start=1):
                    self._write_cell(sheet, row_index, col, values[figure], formats.get(kind))
                row_index += 1
            sheet.write(row_index, 0, self.env._("Total"), formats["total"])
            for col, (figure, _title, kind) in enumerate(figure_columns, start=1):
                total_format = formats["total_money"] if kind == "money" else formats["total_number"]
                if kind is None:
                    total_format = formats["total"]
                self._write_cell(sheet, row_index, col, totals[figure], total_format)
            sheet.freeze_panes(4, 1)
        workbook.close()
        return output.getvalue()

    @api.model
    def _write_cell(self, sheet, row, col, value, cell_format=None):
        if value is None or value == "":
            sheet.write_blank(row, col, None, cell_format)
        elif isinstance(value, datetime):
            sheet.write_datetime(row, col, value, cell_format)
        elif isinstance(value, int | float):
            sheet.write_number(row, col, value, cell_format)
        else:
            sheet.write_string(row, col, str(value), cell_format)
