from odoo import api, fields, models
from odoo.fields import Domain

from odoo.addons.after_sales_service.wizards.after_sales_xlsx_registry_mixin import XlsxColumn, XlsxSlice


class AfterSalesDealerClaimXlsxWizard(models.TransientModel):
    """The dealer claims registry: one row per claim line of the Dealer Claims Analysis, and its
    slices by dealer, unit product, part, cause and month, with the same figures."""

    _name = "after_sales.dealer.claim.xlsx.wizard"
    _inherit = ["after_sales.xlsx.registry.mixin"]
    _description = "Dealer Claims Registry Export"
    _registry_slice_order = "amount_claimed"

    date_basis = fields.Selection(
        [("repair", "Repair Date"), ("submit", "Claim Date")],
        string="Period Of",
        required=True,
        default="repair",
        help="Which date of the claims falls in the period: the repair, or the submission of the claim.",
    )

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

    def _get_registry_records(self):
        return self._get_report_rows()

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

    def _get_registry_title(self):
        return self.env._("Dealer Claims Registry")

    def _get_period_label(self):
        basis = dict(self._fields["date_basis"]._description_selection(self.env))[self.date_basis]
        return self.env._(
            "%(company)s, dealer claim lines by %(basis)s from %(start)s to %(end)s "
            "(amounts in %(currency)s)",
            company=self.company_id.name,
            basis=basis.lower(),
            start=self.date_from,
            end=self.date_to,
            currency=self.company_id.currency_id.name,
        )

    def _get_registry_columns(self):
        _ = self.env._
        return [
            XlsxColumn("number", "text", _("Claim")),
            XlsxColumn("line", "text", _("Line"), 28),
            XlsxColumn("dealer", "text", _("Dealer"), 28),
            XlsxColumn("unit", "text", _("Unit"), 28),
            XlsxColumn("serial", "text", _("Serial Number")),
            XlsxColumn("unit_product", "text", _("Unit Product"), 28),
            XlsxColumn("part_name", "text", _("Part")),
            XlsxColumn("line_type", "text", _("Type")),
            XlsxColumn("operation", "text", _("Operation")),
            XlsxColumn("cause", "text", _("Cause")),
            XlsxColumn("repair_date", "date", _("Repaired On")),
            XlsxColumn("submit_date", "date", _("Submitted On")),
            XlsxColumn("decision_date", "date", _("Decided On")),
            XlsxColumn("state", "text", _("Claim Status")),
            XlsxColumn("coverage", "text", _("Coverage")),
            XlsxColumn("decision", "text", _("Decision")),
            XlsxColumn("claim_currency", "text", _("Claim Currency")),
            XlsxColumn("amount_claimed_currency", "number", _("Claimed in Claim Currency")),
            XlsxColumn("amount_approved_currency", "number", _("Approved in Claim Currency")),
            XlsxColumn("amount_claimed", "money", _("Amount Claimed")),
            XlsxColumn("amount_approved", "money", _("Amount Approved")),
            XlsxColumn("hours", "number", _("Hours Claimed")),
            XlsxColumn("norm_hours", "number", _("Norm Hours")),
            XlsxColumn("hours_over_norm", "number", _("Hours Above Norm")),
            XlsxColumn("days_to_claim", "integer", _("Days Repair to Claim")),
            XlsxColumn("days_to_decision", "integer", _("Days Claim to Decision")),
        ]

    def _get_slice_sheets(self):
        _ = self.env._
        return [
            XlsxSlice("dealer", _("By Dealer"), _("Dealer")),
            XlsxSlice("unit_product", _("By Unit Product"), _("Unit Product")),
            XlsxSlice("part", _("By Part"), _("Part")),
            XlsxSlice("cause", _("By Cause"), _("Cause")),
            XlsxSlice("month", _("By Month"), _("Month")),
        ]

    def _get_figure_columns(self):
        _ = self.env._
        return [
            XlsxColumn("lines", "integer", _("Lines")),
            XlsxColumn("claims", "integer", _("Claims")),
            XlsxColumn("amount_claimed", "money", _("Amount Claimed")),
            XlsxColumn("amount_approved", "money", _("Amount Approved")),
            XlsxColumn("approval_rate", "percent", _("Approval Rate (%)")),
            XlsxColumn("amount_approval_rate", "percent", _("Approved Share of Amount (%)")),
            XlsxColumn("hours", "number", _("Hours Claimed")),
            XlsxColumn("norm_hours", "number", _("Norm Hours")),
            XlsxColumn("hours_norm_ratio", "percent", _("Hours Claimed vs Norm (%)")),
            XlsxColumn("days_to_claim", "number", _("Avg Days Repair to Claim")),
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
