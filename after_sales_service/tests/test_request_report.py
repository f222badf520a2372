from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user
from odoo.tools.safe_eval import safe_eval

from .common import AfterSalesCommon

FIGURES = ["sla_compliance", "resolution_time", "rating"]
AGGREGATES = [
    "nbr:sum",
    "damage_amount:sum",
    "sla_compliance:avg",
    "resolution_time:avg",
    "rating:avg",
    "request_id:recordset",
]


class TestRequestReport(AfterSalesCommon):
    """The Request Analysis averages only what exists, as the XLSX registry does.

    SLA of 4 h response / 16 h resolution on a Mon-Fri 8-12/13-17 UTC calendar;
    March 2026, Monday the 2nd; the clock stops on the 30th at 10:00.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        calendar = cls._create_office_calendar("Analysis desk 8-17 UTC")
        # no target for "Urgent": such requests have no deadline, hence no SLA outcome
        cls.env.company.after_sales_sla_policy_id = cls.env["after_sales.sla.policy"].create(
            {
                "name": "Analysis SLA",
                "calendar_id": calendar.id,
                "target_ids": [
                    Command.create({"priority": "1", "response_hours": 4, "resolution_hours": 16})
                ],
            }
        )
        cls.stage_resolved = cls.env.ref("after_sales_service.stage_resolved")
        cls.defect = cls.env.ref("after_sales_service.cause_defect")
        cls.wear = cls.env.ref("after_sales_service.cause_wear")
        cls.unit = cls._create_unit()
        # resolved after 4 h, deadlines Mon 14:00 / Wed 09:00: met; rated 5
        cls.in_time = cls._create_request_at(
            "2026-03-02 09:00:00", title="In time", cause_id=cls.defect.id, damage_amount=1000.0
        )
        cls._resolve_at(cls.in_time, "2026-03-02 13:00:00")
        cls.in_time.rating_apply(5, token=cls.in_time._rating_get_access_token())
        # resolved after 72 h, deadlines Tue 14:00 / Thu 09:00: breached; rated 1
        cls.late = cls._create_request_at(
            "2026-03-03 09:00:00",
            title="Late",
            cause_id=cls.defect.id,
            request_type="claim",
            damage_amount=500.0,
        )
        cls._resolve_at(cls.late, "2026-03-06 09:00:00")
        cls.late.rating_apply(1, token=cls.late._rating_get_access_token())
        # cancelled after its response deadline: no SLA outcome
        cls.cancelled = cls._create_request_at(
            "2026-03-04 09:00:00", title="Withdrawn", cause_id=cls.defect.id
        )
        with freeze_time("2026-03-05 09:00:00"):
            cls.cancelled.stage_id = cls.env.ref("after_sales_service.stage_cancelled")
            cls.env.flush_all()
        # open, deadlines long past: decided, not met
        cls.overdue = cls._create_request_at("2026-03-10 09:00:00", title="Overdue", cause_id=cls.defect.id)
        # resolved after 2 h without any deadline: a resolution time, no SLA outcome
        cls.no_sla = cls._create_request_at(
            "2026-03-11 09:00:00", title="Urgent, no target", cause_id=cls.wear.id, priority="3"
        )
        cls._resolve_at(cls.no_sla, "2026-03-11 11:00:00")
        # open, response due at 14:00: undecided
        cls.undecided = cls._create_request_at(
            "2026-03-30 09:00:00", title="Not due yet", cause_id=cls.defect.id
        )
        with freeze_time("2026-03-30 10:00:00"):
            cls.env["after_sales.request"]._cron_flag_sla_breaches()
            cls.env.flush_all()
        cls.requests = cls.in_time | cls.late | cls.cancelled | cls.overdue | cls.no_sla | cls.undecided
        cls.domain = [("request_id", "in", cls.requests.ids)]

        cls.other_company = cls.env["res.company"].create({"name": "Analysis Other Co"})
        other_customer = cls.env["res.partner"].create(
            {"name": "Far customer", "company_id": cls.other_company.id}
        )
        cls.other_request = cls._create_request_at(
            "2026-03-12 09:00:00",
            title="Other company",
            equipment_id=False,
            partner_id=other_customer.id,
            company_id=cls.other_company.id,
            damage_amount=70.0,
        )
        cls.outsider = new_test_user(
            cls.env,
            login="as_user_analysis_other",
            groups="after_sales_service.group_after_sales_user",
            company_id=cls.other_company.id,
            company_ids=[cls.other_company.id],
        )

    @classmethod
    def _create_request_at(cls, moment, **vals):
        with freeze_time(moment):
            request = cls.env["after_sales.request"].create({"equipment_id": cls.unit.id, **vals})
            cls.env.flush_all()  # stored SLA flags are computed at flush: at ``moment``
        return request

    @classmethod
    def _resolve_at(cls, request, moment):
        with freeze_time(moment):
            request.stage_id = cls.stage_resolved
            cls.env.flush_all()

    def _report_groups(self, groupby, user=None):
        """{group key: figures} of the report on the test requests, as ``user`` reads it."""
        Report = self.env["after_sales.request.report"].with_user(user or self.as_user)
        groups = Report._read_group(self.domain, groupby, AGGREGATES)
        return {
            (group[0] if groupby else None): dict(zip(AGGREGATES, group[len(groupby) :], strict=True))
            for group in groups
        }

    def _registry_figures(self, requests):
        """The XLSX registry's figures of ``requests``."""
        wizard = self.env["after_sales.request.xlsx.wizard"].with_user(self.as_user)
        return wizard._slice_figures(wizard._get_rows(requests))

    def assertFiguresEqual(self, got, expected):
        for name in FIGURES:
            with self.subTest(figure=name):
                if expected[name] is None:
                    self.assertIs(got[f"{name}:avg"], False, "an average of no value is empty")
                else:
                    self.assertAlmostEqual(got[f"{name}:avg"], expected[name], places=6)

    def test_rows_carry_only_known_figures(self):
        self.assertTrue(self.overdue.sla_response_breached)
        self.assertFalse(self.undecided.sla_response_breached)
        self.assertFalse(self.cancelled.sla_response_breached)
        rows = self.env["after_sales.request.report"].with_user(self.as_user).search(self.domain, order="id")
        self.assertEqual(rows.request_id, self.requests)
        self.assertRecordValues(
            rows,
            [
                {
                    "name": self.in_time.name,
                    "nbr": 1,
                    "cause_id": self.defect.id,
                    "damage_amount": 1000.0,
                    "sla_compliance": 100.0,
                    "resolution_time": 4.0,
                    "rating": 5.0,
                    "sla_breached": False,
                    "is_resolved": True,
                    "currency_id": self.env.company.currency_id.id,
                },
                {
                    "name": self.late.name,
                    "nbr": 1,
                    "cause_id": self.defect.id,
                    "damage_amount": 500.0,
                    "sla_compliance": 0.0,
                    "resolution_time": 72.0,
                    "rating": 1.0,
                    "sla_breached": True,
                    "is_resolved": True,
                    "currency_id": self.env.company.currency_id.id,
                },
                {
                    "name": self.cancelled.name,
                    "nbr": 1,
                    "cause_id": self.defect.id,
                    "damage_amount": 0.0,
                    "sla_compliance": False,
                    "resolution_time": False,
                    "rating": False,
                    "sla_breached": False,
                    "is_resolved": False,
                    "currency_id": self.env.company.currency_id.id,
                },
                {
                    "name": self.overdue.name,
                    "nbr": 1,
                    "cause_id": self.defect.id,
                    "damage_amount": 0.0,
                    "sla_compliance": 0.0,
                    "resolution_time": False,
                    "rating": False,
                    "sla_breached": True,
                    "is_resolved": False,
                    "currency_id": self.env.company.currency_id.id,
                },
                {
                    "name": self.no_sla.name,
                    "nbr": 1,
                    "cause_id": self.wear.id,
                    "damage_amount": 0.0,
                    "sla_compliance": False,
                    "resolution_time": 2.0,
                    "rating": False,
                    "sla_breached": False,
                    "is_resolved": True,
                    "currency_id": self.env.company.currency_id.id,
                },
                {
                    "name": self.undecided.name,
                    "nbr": 1,
                    "cause_id": self.defect.id,
                    "damage_amount": 0.0,
                    "sla_compliance": False,
                    "resolution_time": False,
                    "rating": False,
                    "sla_breached": False,
                    "is_resolved": False,
                    "currency_id": self.env.company.currency_id.id,
                },
            ],
        )
        # the NULL figures are really NULL in the view, not 0 read back as False
        self.env.cr.execute(
            "SELECT COUNT(*) FROM after_sales_request_report WHERE id IN %s AND sla_compliance IS NULL",
            [tuple(self.requests.ids)],
        )
        self.assertEqual(self.env.cr.fetchone()[0], 3)

    def test_totals_match_the_registry(self):
        total = self._report_groups([])[None]
        registry = self._registry_figures(total["request_id:recordset"])
        self.assertFiguresEqual(total, registry)
        self.assertEqual(total["nbr:sum"], registry["count"])
        self.assertEqual(total["damage_amount:sum"], registry["damage_amount"])
        # by hand: met 1 of 3 decided; (4 + 72 + 2) / 3 h; (5 + 1) / 2
        self.assertFiguresEqual(total, {"sla_compliance": 100.0 / 3, "resolution_time": 26.0, "rating": 3.0})
        self.assertEqual(total["nbr:sum"], 6)
        self.assertEqual(total["damage_amount:sum"], 1500.0)

    def test_groups_match_the_registry(self):
        expected = {
            "cause_id": {
                self.defect: {"nbr": 5, "sla_compliance": 100.0 / 3, "resolution_time": 38.0, "rating": 3.0},
                self.wear: {"nbr": 1, "sla_compliance": None, "resolution_time": 2.0, "rating": None},
            },
            "request_type": {
                "claim": {"nbr": 1, "sla_compliance": 0.0, "resolution_time": 72.0, "rating": 1.0},
                "repair": {"nbr": 5, "sla_compliance": 50.0, "resolution_time": 3.0, "rating": 5.0},
            },
            "date_open:month": None,
        }
        for groupby, by_hand in expected.items():
            with self.subTest(groupby=groupby):
                groups = self._report_groups([groupby])
                self.assertEqual(sum(group["nbr:sum"] for group in groups.values()), 6)
                for key, figures in groups.items():
                    registry = self._registry_figures(figures["request_id:recordset"])
                    self.assertFiguresEqual(figures, registry)
                    self.assertEqual(figures["nbr:sum"], registry["count"])
                    self.assertAlmostEqual(figures["damage_amount:sum"], registry["damage_amount"])
                    if by_hand:
                        self.assertEqual(figures["nbr:sum"], by_hand[key]["nbr"])
                        self.assertFiguresEqual(figures, by_hand[key])
                if by_hand:
                    self.assertEqual(set(groups), set(by_hand))

    def test_formatted_read_group_as_the_pivot_asks(self):
        Report = self.env["after_sales.request.report"].with_user(self.as_user)
        groups = Report.formatted_read_group(
            self.domain + [("is_resolved", "=", True)],
            ["cause_id"],
            ["__count", "sla_compliance:avg", "resolution_time:avg", "rating:avg"],
        )
        by_cause = {group["cause_id"][0]: group for group in groups}
        self.assertEqual(by_cause[self.defect.id]["__count"], 2)
        self.assertEqual(by_cause[self.defect.id]["sla_compliance:avg"], 50.0)
        self.assertEqual(by_cause[self.defect.id]["resolution_time:avg"], 38.0)
        self.assertEqual(by_cause[self.defect.id]["rating:avg"], 3.0)
        self.assertFalse(by_cause[self.wear.id]["sla_compliance:avg"])

    def test_other_company_sees_no_rows(self):
        Report = self.env["after_sales.request.report"]
        domain = [("request_id", "in", (self.requests | self.other_request).ids)]
        self.assertFalse(Report.with_user(self.outsider).search(self.domain))
        self.assertFalse(Report.with_user(self.outsider)._read_group(self.domain, [], ["nbr:sum"])[0][0])
        self.assertEqual(
            Report.with_user(self.outsider).search(domain).request_id,
            self.other_request,
        )
        self.assertEqual(Report.with_user(self.as_user).search_count(domain), 6)
        with self.assertRaises(AccessError):
            Report.with_user(self.internal_user).search(self.domain)

    def test_report_is_read_only(self):
        row = self.env["after_sales.request.report"].with_user(self.as_manager).search(self.domain, limit=1)
        with self.assertRaises(AccessError):
            row.write({"damage_amount": 1.0})

    def test_menu_and_views(self):
        action = self.env.ref("after_sales_service.after_sales_request_report_action")
        self.assertEqual(action.res_model, "after_sales.request.report")
        self.assertEqual(self.env.ref("after_sales_service.after_sales_request_analysis_menu").action, action)
        Report = self.env["after_sales.request.report"].with_user(self.as_user)
        views = Report.get_views([(False, "pivot"), (False, "graph"), (False, "list"), (False, "search")])
        pivot = etree.fromstring(views["views"]["pivot"]["arch"])
        self.assertEqual(
            pivot.xpath("//field[@type='measure']/@name"),
            ["nbr", "damage_amount", "sla_compliance", "resolution_time", "rating"],
        )
        search = etree.fromstring(views["views"]["search"]["arch"])
        self.assertTrue(
            {"my_team", "resolved", "this_year", "group_cause", "group_month"}
            <= set(search.xpath("//filter/@name"))
        )
        # the request's own pivot no longer offers averages that count open requests as 0
        request_views = (
            self.env["after_sales.request"]
            .with_user(self.as_user)
            .get_views([(False, "pivot"), (False, "graph")])["views"]
        )
        for view_type in ("pivot", "graph"):
            with self.subTest(view=view_type):
                arch = etree.fromstring(request_views[view_type]["arch"])
                self.assertEqual(
                    set(arch.xpath("//field[@invisible='1']/@name")),
                    {"resolution_time", "sla_compliance", "rating_last_value"},
                )
                self.assertNotIn("sla_compliance", arch.xpath("//field[@type='measure']/@name"))

    def _filter_domain(self, name):
        """The domain of search filter ``name`` of the report's search view, for the test user."""
        arch = self.env["after_sales.request.report"].with_user(self.as_user).get_views([(False, "search")])
        (node,) = etree.fromstring(arch["views"]["search"]["arch"]).xpath(f"//filter[@name='{name}']")
        return safe_eval(node.get("domain"), {"uid": self.as_user.id})

    def test_search_filters(self):
        Report = self.env["after_sales.request.report"].with_user(self.as_user)
        team = self.env["after_sales.team"].create(
            {"name": "Analysis team", "member_ids": [Command.link(self.as_user.id)]}
        )
        self.late.team_id = team
        self.overdue.team_id = self.env["after_sales.team"].create(
            {"name": "Led team", "user_id": self.as_user.id}
        )
        self.no_sla.team_id = self.env["after_sales.team"].create({"name": "Not my team"})
        self.assertEqual(
            Report.search(self.domain + self._filter_domain("my_team")).request_id, self.late | self.overdue
        )
        self.assertEqual(
            Report.search(self.domain + self._filter_domain("resolved")).request_id,
            self.in_time | self.late | self.no_sla,
        )
        this_year = self._filter_domain("this_year")
        with freeze_time("2026-06-01 12:00:00"):
            self.assertEqual(Report.search_count(self.domain + this_year), 6)
        with freeze_time("2027-01-02 12:00:00"):
            self.assertFalse(Report.search_count(self.domain + this_year))
        with freeze_time("2025-12-31 12:00:00"):
            self.assertFalse(Report.search_count(self.domain + this_year))
