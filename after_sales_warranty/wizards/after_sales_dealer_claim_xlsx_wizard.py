import io
from collections import defaultdict
from datetime import date, datetime

import xlsxwriter

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain

# Slices of the registry, each on its own sheet: row key of the slice label.
SLICE_KEYS = ["dealer", "unit_product", "part", "cause", "month"]


class AfterSalesDealerClaimXlsxWizard(models.TransientModel):
    """The dealer claims registry: one row per claim line of the Dealer Claims Analysis, and its
    slices by dealer, unit product, part, cause and month, with the same figures."""

    _name = "after_sales.dealer.claim.xlsx.wizard"
    _description = "Dealer Claims Registry Export"

    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1),
    )
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)
    date_basis = fields.Selection(
        [("repair", "Repair Date"), ("submit", "Claim Date")],
        string="Period Of",
        required=True,
        default="repair",
        help="Which date of the claims falls in the period: the repair, or the submission of the claim.",
    )
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
                "raw": self._build_workbook(self._get_rows(self._get_report_rows())),
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
        return f"dealer_claims_{self.date_from}_{self.date_to}.xlsx"

    def _get_date_field(self):
        return "submit_date" if self.date_basis == "submit" else "repair_date"

    def _get_report_domain(self):
        """Claim lines of the period, in the chosen company (a hook for sibling modules)."""
        date_field = self._get_date_field()
        return Domain(
            [
                ("company_id", "=", self.company_id.id),
                (date_field, ">=", self.date_from),
                (date_field, "<=", self.date_to),
            ]
        )

    def _get_report_rows(self):
        """The analysis rows of the period, as the user may read them (managers)."""
        return (
            self.env["after_sales.dealer.claim.report"]
            .with_company(self.company_id)
            .search(self._get_report_domain(), order=f"{self._get_date_field()}, name, id")
        )

    def _get_rows(self, report_rows):
        """One dict per claim line with the registry values, the figures and the slice labels."""
        Report = self.env["after_sales.dealer.claim.report"]
        labels = {
            name: dict(Report._fields[name]._description_selection(self.env))
            for name in ("line_type", "state", "coverage", "decision")
        }
        undefined = self.env._("Undefined")
        date_field = self._get_date_field()
        rows = []
        for row in report_rows:
            rows.append(
                {
                    "number": row.name,
                    "line": row.line_name or "",
                    "dealer": row.dealer_id.display_name,
                    "unit": row.equipment_id.display_name or "",
                    "serial": row.unit_serial or "",
                    "unit_product": row.unit_product_id.display_name or undefined,
                    "part_name": row.part_id.display_name or "",
                    # labour lines have no part: one slice of their own
                    "part": row.part_id.display_name or labels["line_type"].get(row.line_type, undefined),
                    "line_type": labels["line_type"].get(row.line_type, ""),
                    "operation": row.operation_id.display_name or "",
                    "cause": row.cause_id.display_name or undefined,
                    "repair_date": row.repair_date,
                    "submit_date": row.submit_date,
                    "decision_date": row.decision_date or None,
                    "state": labels["state"].get(row.state, ""),
                    "coverage": labels["coverage"].get(row.coverage, ""),
                    "decision": labels["decision"].get(row.decision, ""),
                    "claim_currency": row.claim_currency_id.name,
                    "amount_claimed_currency": row.amount_claimed_currency,
                    "amount_approved_currency": row.amount_approved_currency,
                    "amount_claimed": row.amount_claimed,
                    "amount_approved": row.amount_approved,
                    "hours": row.hours if row.line_type == "labour" else None,
                    "norm_hours": row.norm_hours if row.line_type == "labour" else None,
                    "hours_over_norm": row.hours_over_norm if row.line_type == "labour" else None,
                    "days_to_claim": row.days_to_claim,
                    "days_to_decision": row.days_to_decision if row.is_decided else None,
                    "month": row[date_field].strftime("%Y-%m"),
                    # what the slices add up
                    "claim_id": row.claim_id.id,
                    "is_decided": row.is_decided,
                    "is_approved": row.is_approved,
                    "amount_decided": row.amount_decided,
                }
            )
        return rows

    def _get_registry_columns(self):
        """[(key of the row dict, cell kind, title)] of the registry sheet (a hook)."""
        _ = self.env._
        return [
            ("number", "text", _("Claim")),
            ("line", "text", _("Line")),
            ("dealer", "text", _("Dealer")),
            ("unit", "text", _("Unit")),
            ("serial", "text", _("Serial Number")),
            ("unit_product", "text", _("Unit Product")),
            ("part_name", "text", _("Part")),
            ("line_type", "text", _("Type")),
            ("operation", "text", _("Operation")),
            ("cause", "text", _("Cause")),
            ("repair_date", "date", _("Repaired On")),
            ("submit_date", "date", _("Submitted On")),
            ("decision_date", "date", _("Decided On")),
            ("state", "text", _("Claim Status")),
            ("coverage", "text", _("Coverage")),
            ("decision", "text", _("Decision")),
            ("claim_currency", "text", _("Claim Currency")),
            ("amount_claimed_currency", "number", _("Claimed in Claim Currency")),
            ("amount_approved_currency", "number", _("Approved in Claim Currency")),
            ("amount_claimed", "money", _("Amount Claimed")),
            ("amount_approved", "money", _("Amount Approved")),
            ("hours", "number", _("Hours Claimed")),
            ("norm_hours", "number", _("Norm Hours")),
            ("hours_over_norm", "number", _("Hours Above Norm")),
            ("days_to_claim", "integer", _("Days Repair to Claim")),
            ("days_to_decision", "integer", _("Days Claim to Decision")),
        ]

    def _get_figure_columns(self):
        """[(key of the figures dict, title, cell kind)] of the slice sheets (a hook)."""
        _ = self.env._
        return [
            ("lines", _("Lines"), None),
            ("claims", _("Claims"), None),
            ("amount_claimed", _("Amount Claimed"), "money"),
            ("amount_approved", _("Amount Approved"), "money"),
            ("approval_rate", _("Approval Rate (%)"), "percent"),
            ("amount_approval_rate", _("Approved Share of Amount (%)"), "percent"),
            ("hours", _("Hours Claimed"), "number"),
            ("norm_hours", _("Norm Hours"), "number"),
            ("hours_norm_ratio", _("Hours Claimed vs Norm (%)"), "percent"),
            ("days_to_claim", _("Avg Days Repair to Claim"), "number"),
        ]

    @api.model
    def _claim_average(self, rows, key):
        """Average of ``key`` over the claims of ``rows``, each once, as the analysis averages it."""
        values = {row["claim_id"]: row[key] for row in rows if row[key] is not None}
        return sum(values.values()) / len(values) if values else None

    @api.model
    def _slice_figures(self, rows):
        """The figures of ``rows`` (a hook), computed as the Dealer Claims Analysis computes them."""
        decided = [row for row in rows if row["is_decided"]]
        amount_decided = sum(row["amount_decided"] for row in decided)
        with_norm = [row for row in rows if row["norm_hours"]]
        norm_hours = sum(row["norm_hours"] for row in with_norm)
        amount_approved = sum(row["amount_approved"] for row in rows)
        return {
            "lines": len(rows),
            "claims": len({row["claim_id"] for row in rows}),
            "amount_claimed": sum(row["amount_claimed"] for row in rows),
            "amount_approved": amount_approved,
            "approval_rate": (
                100.0 * sum(1 for row in decided if row["is_approved"]) / len(decided) if decided else None
            ),
            "amount_approval_rate": 100.0 * amount_approved / amount_decided if amount_decided else None,
            "hours": sum(row["hours"] or 0.0 for row in rows),
            "norm_hours": sum(row["norm_hours"] or 0.0 for row in rows),
            "hours_norm_ratio": (
                100.0 * sum(row["hours"] for row in with_norm) / norm_hours if norm_hours else None
            ),
            "days_to_claim": self._claim_average(rows, "days_to_claim"),
        }

    @api.model
    def _get_slices(self, rows):
        """{slice key: [(label, figures), ...]}: months in order, the others by amount claimed."""
        slices = {}
        for key in SLICE_KEYS:
            groups = defaultdict(list)
            for row in rows:
                groups[row[key]].append(row)
            figures = [(label, self._slice_figures(group)) for label, group in groups.items()]
            if key == "month":
                figures.sort(key=lambda item: item[0])
            else:
                figures.sort(key=lambda item: (-item[1]["amount_claimed"], item[0]))
            slices[key] = figures
        return slices

    def _get_sheet_names(self):
        _ = self.env._
        return {
            "registry": _("Registry"),
            "dealer": _("By Dealer"),
            "unit_product": _("By Unit Product"),
            "part": _("By Part"),
            "cause": _("By Cause"),
            "month": _("By Month"),
        }

    def _get_slice_titles(self):
        _ = self.env._
        return {
            "dealer": _("Dealer"),
            "unit_product": _("Unit Product"),
            "part": _("Part"),
            "cause": _("Cause"),
            "month": _("Month"),
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
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "number": workbook.add_format({"num_format": "0.00"}),
            "integer": workbook.add_format({"num_format": "0"}),
            "money": workbook.add_format({"num_format": money}),
            "percent": workbook.add_format({"num_format": "0.0"}),
            "total": workbook.add_format({"bold": True, "top": 1}),
            "total_money": workbook.add_format({"bold": True, "top": 1, "num_format": money}),
            "total_number": workbook.add_format({"bold": True, "top": 1, "num_format": "0.00"}),
        }
        sheet_names = self._get_sheet_names()
        basis = dict(self._fields["date_basis"]._description_selection(self.env))[self.date_basis]
        period = self.env._(
            "%(company)s, dealer claim lines by %(basis)s from %(start)s to %(end)s "
            "(amounts in %(currency)s)",
            company=self.company_id.name,
            basis=basis.lower(),
            start=self.date_from,
            end=self.date_to,
            currency=currency.name,
        )

        columns = self._get_registry_columns()
        sheet = workbook.add_worksheet(sheet_names["registry"])
        sheet.write(0, 0, self.env._("Dealer Claims Registry"), formats["title"])
        sheet.write(1, 0, period)
        for col, (key, _kind, title) in enumerate(columns):
            sheet.write(3, col, title, formats["header"])
            sheet.set_column(
                col, col, 28 if key in ("line", "dealer", "unit", "unit_product", "part") else 16
            )
        for row_index, row in enumerate(rows, start=4):
            for col, (key, kind, _title) in enumerate(columns):
                self._write_cell(sheet, row_index, col, row[key], formats.get(kind))
        sheet.freeze_panes(4, 1)
        if rows:
            sheet.autofilter(3, 0, 3 + len(rows), len(columns) - 1)

        figure_columns = self._get_figure_columns()
        slice_titles = self._get_slice_titles()
        totals = self._slice_figures(rows)
        for key, figures in self._get_slices(rows).items():
            sheet = workbook.add_worksheet(sheet_names[key])
            sheet.write(0, 0, sheet_names[key], formats["title"])
            sheet.write(1, 0, period)
            sheet.write(3, 0, slice_titles[key], formats["header"])
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
        if value is None or value == "" or value is False:
            sheet.write_blank(row, col, None, cell_format)
        elif isinstance(value, datetime | date):
            sheet.write_datetime(row, col, value, cell_format)
        elif isinstance(value, int | float):
            sheet.write_number(row, col, value, cell_format)
        else:
            sheet.write_string(row, col, str(value), cell_format)
