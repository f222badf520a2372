from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import DealerClaimReportCommon


@tagged("post_install", "-at_install")
class TestDealerClaimReport(DealerClaimReportCommon):
    AGGREGATES = [
        "nbr:sum",
        "claim_id:count_distinct",
        "decided_count:sum",
        "approved_count:sum",
        "approval_rate:avg",
        "amount_claimed:sum",
        "amount_decided:sum",
        "amount_approved:sum",
        "amount_refused:sum",
        "amount_approval_rate:avg",
        "hours:sum",
        "norm_hours:sum",
        "approved_hours:sum",
        "hours_over_norm:sum",
        "hours_norm_ratio:avg",
        "days_to_claim:avg",
        "days_to_decision:avg",
    ]

    def _groups(self, groupby, user=None, domain=None):
        """{group key: {aggregate: value}} of the report on the test claims, as ``user`` reads it."""
        Report = self.env["after_sales.dealer.claim.report"].with_user(user or self.as_manager)
        domain = domain or [("claim_id", "in", self.claims.ids)]
        groups = Report._read_group(domain, groupby, self.AGGREGATES)
        return {
            (group[0] if groupby else None): dict(zip(self.AGGREGATES, group[len(groupby) :], strict=True))
            for group in groups
        }

    def assertFigures(self, got, expected):
        for name, value in expected.items():
            with self.subTest(figure=name):
                if value is None:
                    self.assertIs(got[name], None if name.endswith("count_distinct") else False)
                else:
                    self.assertAlmostEqual(got[name], value, places=6)

    def test_one_row_per_line_of_submitted_claims(self):
        a_labour, a_part, a_filter = self.claim_a.line_ids
        rows = (
            self.env["after_sales.dealer.claim.report"]
            .with_user(self.as_manager)
            .search([("claim_id", "in", self.claims.ids)])
        )
        self.assertEqual(
            rows.claim_line_id,
            self.claim_b.line_ids | self.claim_a.line_ids | self.claim_c.line_ids,
            "the draft is not a claim yet; newest repairs first",
        )
        a_rows = rows.filtered(lambda row: row.claim_id == self.claim_a)
        self.assertRecordValues(
            a_rows,
            [
                {
                    "claim_line_id": a_labour.id,
                    "name": self.claim_a.name,
                    "dealer_id": self.dealer.id,
                    "unit_product_id": self.product_unit.id,
                    "unit_categ_id": self.categ_machines.id,
                    "unit_serial": "TG1-DEALER-1",
                    "part_id": False,
                    "line_type": "labour",
                    "operation_id": self.op_alternator.id,
                    "cause_id": self.defect.id,
                    "state": "partly_approved",
                    "decision": "adjust",
                    "is_decided": True,
                    "is_approved": True,
                    "norm_exceeded": True,
                    "amount_claimed": 150.0,
                    "amount_approved": 100.0,
                    "amount_refused": 50.0,
                    "approval_rate": 100.0,
                    "hours": 3.0,
                    "norm_hours": 2.0,
                    "approved_hours": 2.0,
                    "hours_over_norm": 1.0,
                    "hours_norm_ratio": 150.0,
                    "days_to_claim": 10.0,
                    "days_to_decision": 4.0,
                },
                {
                    "claim_line_id": a_part.id,
                    "name": self.claim_a.name,
                    "dealer_id": self.dealer.id,
                    "unit_product_id": self.product_unit.id,
                    "unit_categ_id": self.categ_machines.id,
                    "unit_serial": "TG1-DEALER-1",
                    "part_id": self.part.id,
                    "line_type": "part",
                    "operation_id": False,
                    "cause_id": self.defect.id,
                    "state": "partly_approved",
                    "decision": "approve",
                    "is_decided": True,
                    "is_approved": True,
                    "norm_exceeded": False,
                    "amount_claimed": 330.0,
                    "amount_approved": 330.0,
                    "amount_refused": 0.0,
                    "approval_rate": 100.0,
                    "hours": 0.0,
                    "norm_hours": 0.0,
                    "approved_hours": 0.0,
                    "hours_over_norm": 0.0,
                    "hours_norm_ratio": False,
                    "days_to_claim": 10.0,
                    "days_to_decision": 4.0,
                },
                {
                    "claim_line_id": a_filter.id,
                    "name": self.claim_a.name,
                    "dealer_id": self.dealer.id,
                    "unit_product_id": self.product_unit.id,
                    "unit_categ_id": self.categ_machines.id,
                    "unit_serial": "TG1-DEALER-1",
                    "part_id": self.oil_filter.id,
                    "line_type": "part",
                    "operation_id": False,
                    "cause_id": self.defect.id,
                    "state": "partly_approved",
                    "decision": "reject",
                    "is_decided": True,
                    "is_approved": False,
                    "norm_exceeded": False,
                    "amount_claimed": 11.0,
                    "amount_approved": 0.0,
                    "amount_refused": 11.0,
                    "approval_rate": 0.0,
                    "hours": 0.0,
                    "norm_hours": 0.0,
                    "approved_hours": 0.0,
                    "hours_over_norm": 0.0,
                    "hours_norm_ratio": False,
                    "days_to_claim": 10.0,
                    "days_to_decision": 4.0,
                },
            ],
        )
        c_row = rows.filtered(lambda row: row.claim_id == self.claim_c)
        self.assertRecordValues(
            c_row,
            [
                {
                    "dealer_id": self.rival.id,
                    "state": "submitted",
                    "decision": False,
                    "is_decided": False,
                    "is_approved": False,
                    "claim_currency_id": self.foreign.id,
                    "currency_id": self.env.company.currency_id.id,
                    # 100 in the claim's currency at 2 per company unit on the repair day
                    "amount_claimed_currency": 100.0,
                    "amount_claimed": 50.0,
                    "amount_decided": 0.0,
                    "amount_approved": 0.0,
                    "approval_rate": False,
                    "days_to_claim": 29.0,
                    "days_to_decision": False,
                    "hours_norm_ratio": 100.0,
                }
            ],
        )
        # undecided figures are really NULL in the view: averages skip them
        self.env.cr.execute(
            "SELECT approval_rate IS NULL, days_to_decision IS NULL, amount_approval_rate IS NULL "
            "FROM after_sales_dealer_claim_report WHERE id = %s",
            [c_row.id],
        )
        self.assertEqual(self.env.cr.fetchone(), (True, True, True))

    def test_totals_cost_approval_days_and_labour(self):
        total = self._groups([])[None]
        self.assertFigures(
            total,
            {
                "nbr:sum": 5,
                "claim_id:count_distinct": 3,
                "decided_count:sum": 4,
                "approved_count:sum": 3,
                # 3 approved (one of them cut to the norm) of 4 decided lines
                "approval_rate:avg": 75.0,
                "amount_claimed:sum": 150 + 330 + 11 + 50 + 50,
                "amount_decided:sum": 541.0,
                "amount_approved:sum": 480.0,
                "amount_refused:sum": 61.0,
                "amount_approval_rate:avg": 100.0 * 480 / 541,
                "hours:sum": 6.0,
                "norm_hours:sum": 5.0,
                "approved_hours:sum": 3.0,
                "hours_over_norm:sum": 1.0,
                "hours_norm_ratio:avg": 120.0,
                # per claim (10, 2 and 29 days), not per line: (3 x 10 + 2 + 29) / 5 would be 12.2
                "days_to_claim:avg": 41 / 3,
                # decided claims only: 4 and 13 days
                "days_to_decision:avg": 8.5,
            },
        )

    def test_per_dealer_cause_product_part_and_month(self):
        by_dealer = self._groups(["dealer_id"])
        self.assertEqual(set(by_dealer), {self.dealer, self.rival})
        self.assertFigures(
            by_dealer[self.dealer],
            {
                "nbr:sum": 4,
                "claim_id:count_distinct": 2,
                "amount_claimed:sum": 541.0,
                "approval_rate:avg": 75.0,
                "amount_approval_rate:avg": 100.0 * 480 / 541,
                "hours_norm_ratio:avg": 400.0 / 3,
                "days_to_claim:avg": 6.0,
                "days_to_decision:avg": 8.5,
            },
        )
        self.assertFigures(
            by_dealer[self.rival],
            {
                "nbr:sum": 1,
                "amount_claimed:sum": 50.0,
                "approval_rate:avg": None,
                "amount_approval_rate:avg": None,
                "days_to_claim:avg": 29.0,
                "days_to_decision:avg": None,
            },
        )
        by_cause = self._groups(["cause_id"])
        self.assertEqual(by_cause[self.defect]["amount_claimed:sum"], 491.0)
        self.assertEqual(by_cause[self.env["after_sales.cause"]]["amount_claimed:sum"], 100.0)
        by_part = self._groups(["part_id"])
        self.assertEqual(by_part[self.part]["amount_approved:sum"], 330.0)
        self.assertEqual(by_part[self.oil_filter]["approval_rate:avg"], 0.0)
        self.assertEqual(by_part[self.env["product.product"]]["nbr:sum"], 3, "labour lines: no part")
        self.assertEqual(
            self._groups(["unit_product_id"])[self.product_unit]["nbr:sum"], 5, "the unit's product"
        )
        by_month = self._groups(["repair_date:month"])
        self.assertEqual(len(by_month), 2)
        may, june = sorted(by_month.items())
        self.assertEqual((may[1]["nbr:sum"], june[1]["nbr:sum"]), (1, 4))
        by_claim_month = self._groups(["submit_date:month"])
        self.assertEqual([group["nbr:sum"] for group in by_claim_month.values()], [5], "all claimed in June")
        # a claim whose lines fall in different groups counts once in each
        by_type = self._groups(["line_type"])
        self.assertFigures(by_type["part"], {"days_to_claim:avg": 10.0, "approval_rate:avg": 50.0})
        self.assertFigures(by_type["labour"], {"days_to_claim:avg": 41 / 3, "hours_norm_ratio:avg": 120.0})

    def test_formatted_read_group_as_the_pivot_asks(self):
        Report = self.env["after_sales.dealer.claim.report"].with_user(self.as_manager)
        groups = Report.formatted_read_group(
            [("claim_id", "in", self.claims.ids)],
            ["dealer_id"],
            [
                "__count",
                "amount_claimed:sum_currency",
                "currency_id:array_agg_distinct",
                "approval_rate:avg",
                "amount_approval_rate:avg",
                "days_to_claim:avg",
                "hours_norm_ratio:avg",
                "claim_id:count_distinct",
            ],
        )
        by_dealer = {group["dealer_id"][0]: group for group in groups}
        volga = by_dealer[self.dealer.id]
        self.assertEqual(volga["__count"], 4)
        self.assertAlmostEqual(volga["amount_claimed:sum_currency"], 541.0)
        self.assertEqual(volga["approval_rate:avg"], 75.0)
        self.assertAlmostEqual(volga["days_to_claim:avg"], 6.0)
        self.assertEqual(volga["claim_id:count_distinct"], 2)
        self.assertFalse(by_dealer[self.rival.id]["approval_rate:avg"])

    def test_pending_writes_show_at_once(self):
        labour = self.claim_c.line_ids
        self.claim_c.with_user(self.officer).action_approve()
        row = (
            self.env["after_sales.dealer.claim.report"]
            .with_user(self.as_manager)
            .search([("claim_line_id", "=", labour.id)])
        )
        self.assertRecordValues(row, [{"is_decided": True, "is_approved": True, "amount_approved": 50.0}])

    def test_only_managers_read_it(self):
        Report = self.env["after_sales.dealer.claim.report"]
        domain = [("claim_id", "in", self.claims.ids)]
        for user in (self.as_user, self.officer, self.internal_user, self.dealer_portal):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                Report.with_user(user).search(domain)
        self.assertEqual(Report.with_user(self.as_manager).search_count(domain), 5)
        row = Report.with_user(self.as_manager).search(domain, limit=1)
        with self.assertRaises(AccessError):
            row.write({"amount_claimed": 1.0})

    def test_other_company_sees_only_its_own(self):
        Report = self.env["after_sales.dealer.claim.report"]
        everything = [("claim_id", "in", (self.claims | self.other_claim).ids)]
        self.assertEqual(Report.with_user(self.outsider).search(everything).claim_id, self.other_claim)
        self.assertFalse(Report.with_user(self.outsider)._read_group(everything, [], ["nbr:sum"])[0][0] != 1)
        self.assertNotIn(self.other_claim, Report.with_user(self.as_manager).search(everything).claim_id)
        # a manager of both companies, with both allowed, sees both
        self.as_manager.company_ids |= self.other_company
        rows = (
            Report.with_user(self.as_manager)
            .with_context(allowed_company_ids=[self.env.company.id, self.other_company.id])
            .search(everything)
        )
        self.assertEqual(len(rows), 6)

    def test_menu_views_and_filters(self):
        action = self.env.ref("after_sales_warranty.after_sales_dealer_claim_report_action")
        menu = self.env.ref("after_sales_warranty.after_sales_dealer_claim_report_menu")
        self.assertEqual(menu.action, action)
        self.assertEqual(menu.parent_id, self.env.ref("after_sales_service.after_sales_menu_reporting"))
        self.assertIn(self.group_as_manager, menu.group_ids)
        Report = self.env["after_sales.dealer.claim.report"].with_user(self.as_manager)
        views = Report.get_views([(False, "pivot"), (False, "graph"), (False, "list"), (False, "search")])
        pivot = etree.fromstring(views["views"]["pivot"]["arch"])
        self.assertTrue(
            {"amount_claimed", "amount_approved", "approval_rate", "days_to_claim", "hours_norm_ratio"}
            <= set(pivot.xpath("//field[@type='measure']/@name"))
        )
        search = etree.fromstring(views["views"]["search"]["arch"])

        def domain_of(name):
            (node,) = search.xpath(f"//filter[@name='{name}']")
            return safe_eval(node.get("domain"), {"uid": self.as_manager.id})

        mine = [("claim_id", "in", self.claims.ids)]
        self.assertEqual(
            Report.search(mine + domain_of("approved")).claim_line_id,
            self.claim_a.line_ids[:2] | self.claim_b.line_ids,
        )
        self.assertEqual(Report.search(mine + domain_of("rejected")).claim_line_id, self.claim_a.line_ids[2])
        self.assertEqual(
            Report.search(mine + domain_of("norm_exceeded")).claim_line_id, self.claim_a.line_ids[0]
        )
        self.assertEqual(Report.search(mine + domain_of("to_review")).claim_id, self.claim_c)
        with freeze_time("2025-12-01"):
            self.assertEqual(Report.search_count(mine + domain_of("this_year")), 5)
        with freeze_time("2026-01-02"):
            self.assertFalse(Report.search_count(mine + domain_of("this_year")))
        self.assertTrue(
            {
                "group_dealer",
                "group_unit_product",
                "group_part",
                "group_cause",
                "group_repair_month",
                "group_claim_month",
            }
            <= set(search.xpath("//filter/@name"))
        )
