from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from odoo.addons.after_sales_service.tests.common import read_workbook, table

from ..wizards.after_sales_dealer_claim_xlsx_wizard import AfterSalesDealerClaimXlsxWizard
from .common import DealerClaimReportCommon

SHEETS = ["Registry", "By Dealer", "By Unit Product", "By Part", "By Cause", "By Month"]


def excel_date(day):
    return (datetime.strptime(day, "%Y-%m-%d") - datetime(1899, 12, 30)).days


@tagged("post_install", "-at_install")
class TestDealerClaimXlsx(DealerClaimReportCommon):
    """The dealer claims registry of June 2025: the claims of the analysis' tests."""

    maxDiff = None

    def assertRowsEqual(self, got, expected):
        """Rows of a sheet: the same cells of this module's columns, numbers to 6 places.

        Columns that sibling modules add to the registry (``_get_*_columns`` hooks) are left out.
        """
        wizard = self.env["after_sales.dealer.claim.xlsx.wizard"]
        own = {column.title for column in AfterSalesDealerClaimXlsxWizard._get_registry_columns(wizard)}
        own |= {column.title for column in AfterSalesDealerClaimXlsxWizard._get_figure_columns(wizard)}
        own |= {"Dealer", "Unit Product", "Part", "Cause", "Month"}
        got = [{key: value for key, value in row.items() if key in own} for row in got]
        self.assertEqual([sorted(row) for row in got], [sorted(row) for row in expected])
        for got_row, expected_row in zip(got, expected, strict=True):
            for key, value in expected_row.items():
                with self.subTest(cell=key):
                    if isinstance(value, float):
                        self.assertAlmostEqual(got_row[key], value, places=6)
                    else:
                        self.assertEqual(got_row[key], value)

    def _export(self, user=None, **vals):
        wizard = (
            self.env["after_sales.dealer.claim.xlsx.wizard"]
            .with_user(user or self.as_manager)
            .create({"date_from": "2025-06-01", "date_to": "2025-06-30", **vals})
        )
        action = wizard.action_export()
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", wizard._name), ("res_id", "=", wizard.id)]
        )
        self.assertEqual(action["url"], f"/web/content/{attachment.id}?download=true")
        self.assertEqual(attachment.name, f"dealer_claims_{wizard.date_from}_{wizard.date_to}.xlsx")
        return read_workbook(attachment.raw)

    def test_registry_one_row_per_claim_line(self):
        book = self._export()
        self.assertEqual(list(book), SHEETS)
        registry = table(book["Registry"])
        # repaired in June: A's three lines, then B's; C was repaired in May, the draft is no claim
        self.assertEqual(
            [(row["Claim"], row["Line"]) for row in registry],
            [(self.claim_a.name, line.name) for line in self.claim_a.line_ids]
            + [(self.claim_b.name, self.claim_b.line_ids.name)],
        )
        labour, part, oil_filter = registry[:3]
        self.assertRowsEqual(
            [labour],
            [
                {
                    "Claim": self.claim_a.name,
                    "Line": "[ALT-01] Replace alternator",
                    "Dealer": "Volga Dealer",
                    "Unit": self.unit.display_name,
                    "Serial Number": "TG1-DEALER-1",
                    "Unit Product": "Test Generator TG-1",
                    "Type": "Labour",
                    "Operation": "[ALT-01] Replace alternator",
                    "Cause": "Manufacturing Defect",
                    "Repaired On": excel_date("2025-06-01"),
                    "Submitted On": excel_date("2025-06-11"),
                    "Decided On": excel_date("2025-06-15"),
                    "Claim Status": "Partly Approved",
                    "Coverage": "Warranty",
                    "Decision": "Adjusted",
                    "Claim Currency": self.env.company.currency_id.name,
                    "Claimed in Claim Currency": 150.0,
                    "Approved in Claim Currency": 100.0,
                    "Amount Claimed": 150.0,
                    "Amount Approved": 100.0,
                    "Hours Claimed": 3.0,
                    "Norm Hours": 2.0,
                    "Hours Above Norm": 1.0,
                    "Days Repair to Claim": 10.0,
                    "Days Claim to Decision": 4.0,
                }
            ],
        )
        self.assertEqual(
            (part["Part"], part["Decision"], part["Amount Approved"]), ("Alternator", "Approved", 330.0)
        )
        self.assertNotIn("Hours Claimed", part, "no hours on a part line")
        self.assertEqual(
            (oil_filter["Coverage"], oil_filter["Decision"], oil_filter["Amount Approved"]),
            ("Not Covered", "Rejected", 0.0),
        )

    def test_slices_by_claim_date(self):
        book = self._export(date_basis="submit")
        registry = table(book["Registry"])
        self.assertEqual(
            [row["Claim"] for row in registry],
            [self.claim_b.name] + [self.claim_a.name] * 3 + [self.claim_c.name],
            "claimed in June, in the order of their claim dates",
        )
        foreign = registry[-1]
        self.assertEqual(foreign["Claim Currency"], self.foreign.name)
        self.assertEqual((foreign["Claimed in Claim Currency"], foreign["Amount Claimed"]), (100.0, 50.0))
        self.assertNotIn("Decided On", foreign)
        self.assertNotIn("Days Claim to Decision", foreign)
        by_dealer = table(book["By Dealer"])
        self.assertRowsEqual(
            by_dealer,
            [
                {
                    "Dealer": "Volga Dealer",
                    "Lines": 4.0,
                    "Claims": 2.0,
                    "Amount Claimed": 541.0,
                    "Amount Approved": 480.0,
                    "Approval Rate (%)": 75.0,
                    "Approved Share of Amount (%)": 100.0 * 480 / 541,
                    "Hours Claimed": 4.0,
                    "Norm Hours": 3.0,
                    "Hours Claimed vs Norm (%)": 400.0 / 3,
                    "Avg Days Repair to Claim": 6.0,
                },
                {
                    "Dealer": "Kama Dealer",
                    "Lines": 1.0,
                    "Claims": 1.0,
                    "Amount Claimed": 50.0,
                    "Amount Approved": 0.0,
                    "Hours Claimed": 2.0,
                    "Norm Hours": 2.0,
                    "Hours Claimed vs Norm (%)": 100.0,
                    "Avg Days Repair to Claim": 29.0,
                },
                {
                    "Dealer": "Total",
                    "Lines": 5.0,
                    "Claims": 3.0,
                    "Amount Claimed": 591.0,
                    "Amount Approved": 480.0,
                    "Approval Rate (%)": 75.0,
                    "Approved Share of Amount (%)": 100.0 * 480 / 541,
                    "Hours Claimed": 6.0,
                    "Norm Hours": 5.0,
                    "Hours Claimed vs Norm (%)": 120.0,
                    "Avg Days Repair to Claim": 41 / 3,
                },
            ],
        )
        by_part = {row["Part"]: row for row in table(book["By Part"])}
        self.assertEqual(set(by_part), {"Alternator", "Oil Filter", "Labour", "Total"})
        self.assertEqual(by_part["Oil Filter"]["Approval Rate (%)"], 0.0)
        self.assertEqual(by_part["Labour"]["Lines"], 3.0)
        by_cause = {row["Cause"]: row["Amount Claimed"] for row in table(book["By Cause"])}
        self.assertEqual(by_cause, {"Manufacturing Defect": 491.0, "Undefined": 100.0, "Total": 591.0})
        by_product = table(book["By Unit Product"])
        self.assertEqual([row["Unit Product"] for row in by_product], ["Test Generator TG-1", "Total"])
        by_month = table(book["By Month"])
        self.assertEqual(
            [(row["Month"], row["Lines"]) for row in by_month], [("2025-06", 5.0), ("Total", 5.0)]
        )

    def test_slices_match_the_analysis(self):
        wizard = (
            self.env["after_sales.dealer.claim.xlsx.wizard"]
            .with_user(self.as_manager)
            .create({"date_from": "2025-05-01", "date_to": "2025-06-30"})
        )
        report_rows = wizard._get_report_rows()
        self.assertEqual(report_rows.claim_id, self.claim_a | self.claim_b | self.claim_c)
        rows = wizard._get_rows(report_rows)
        Report = self.env["after_sales.dealer.claim.report"].with_user(self.as_manager)
        figures = {
            "nbr:sum": "lines",
            "claim_id:count_distinct": "claims",
            "amount_claimed:sum": "amount_claimed",
            "amount_approved:sum": "amount_approved",
            "approval_rate:avg": "approval_rate",
            "amount_approval_rate:avg": "amount_approval_rate",
            "hours:sum": "hours",
            "norm_hours:sum": "norm_hours",
            "hours_norm_ratio:avg": "hours_norm_ratio",
            "days_to_claim:avg": "days_to_claim",
        }
        for groupby, key, label in (
            ("dealer_id", "dealer", "display_name"),
            ("part_id", "part", "display_name"),
            ("repair_date:month", "month", None),
        ):
            slices = dict(wizard._get_slices(rows)[key])
            groups = Report._read_group([("id", "in", report_rows.ids)], [groupby], list(figures))
            self.assertEqual(len(groups), len(slices))
            for group in groups:
                name = group[0][label] if label else group[0].strftime("%Y-%m")
                expected = slices[name or "Labour"]
                for value, (__, figure) in zip(group[1:], figures.items(), strict=True):
                    with self.subTest(groupby=groupby, group=name, figure=figure):
                        if expected[figure] is None:
                            self.assertFalse(value)
                        else:
                            self.assertAlmostEqual(value, expected[figure], places=6)

    def test_empty_period_still_gives_a_workbook(self):
        book = self._export(date_from="2024-01-01", date_to="2024-01-31")
        self.assertEqual(list(book), SHEETS)
        self.assertEqual(table(book["Registry"]), [])
        self.assertRowsEqual(
            table(book["By Dealer"]),
            [
                {
                    "Dealer": "Total",
                    "Lines": 0.0,
                    "Claims": 0.0,
                    "Amount Claimed": 0.0,
                    "Amount Approved": 0.0,
                    "Hours Claimed": 0.0,
                    "Norm Hours": 0.0,
                }
            ],
        )

    def test_other_company_and_access(self):
        book = self._export(user=self.outsider, company_id=self.other_company.id)
        self.assertEqual([row["Claim"] for row in table(book["Registry"])], [self.other_claim.name])
        Wizard = self.env["after_sales.dealer.claim.xlsx.wizard"].with_user(self.as_manager)
        wizard = Wizard.create(
            {"date_from": "2025-06-01", "date_to": "2025-06-30", "company_id": self.other_company.id}
        )
        with self.assertRaises(UserError):
            wizard.action_export()
        with self.assertRaises(ValidationError):
            Wizard.create({"date_from": "2025-06-30", "date_to": "2025-06-01"})
        self.assertFalse(
            self.env["ir.attachment"].search([("res_model", "=", Wizard._name), ("res_id", "=", wizard.id)])
        )
        for user in (self.as_user, self.officer):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["after_sales.dealer.claim.xlsx.wizard"].with_user(user).create(
                    {"date_from": "2025-06-01", "date_to": "2025-06-30"}
                )
        menu = self.env.ref("after_sales_warranty.after_sales_dealer_claim_xlsx_wizard_menu")
        self.assertIn(self.group_as_manager, menu.group_ids)

    def test_wizard_defaults(self):
        with freeze_time("2025-06-17 10:00:00"):
            form = Form(self.env["after_sales.dealer.claim.xlsx.wizard"].with_user(self.as_manager))
        self.assertEqual(str(form.date_from), "2025-06-01")
        self.assertEqual(str(form.date_to), "2025-06-17")
        self.assertEqual(form.date_basis, "repair")
        self.assertEqual(form.save().company_id, self.env.company)
