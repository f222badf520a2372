import re

from odoo import fields
from odoo.tests import tagged
from odoo.tools.misc import format_date

from .common import TourCommon

WARRANTY_FACTS = [
    "warranty_state",
    "warranty_parts_end_date",
    "warranty_labour_end_date",
    "warranty_hours_limit",
]


class PortalTourCommon(TourCommon):
    """A portal customer with one unit under warranty, one out of it, and an estimate sent to them.

    Data is made here (no demo data); a second customer with its own portal user, unit and estimate
    proves that the portal pages never show one customer's records to another.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._ensure_chart()
        cls.customer = cls._create_customer("Portal Mining", "service@portal-mining.example.com")
        cls.portal_user = cls._create_portal_user(
            cls.customer, "portal_tour_customer", "Pat Portal", "pat@portal-mining.example.com"
        )
        cls.rival = cls._create_customer("Rival Quarry")
        cls.rival_user = cls._create_portal_user(cls.rival, "portal_tour_rival", "Rita Rival")
        cls.generator = cls._create_serial_product(
            "Portal Generator",
            warranty_custom=True,
            warranty_parts_months=24,
            warranty_labour_months=12,
            warranty_hours_limit=5000,
        )
        today = fields.Date.today()
        cls.unit_in = cls._create_unit(
            cls.generator, cls.customer, "PTOUR-IN-0001", fields.Date.subtract(today, months=2)
        )
        cls.unit_out = cls._create_unit(
            cls.generator, cls.customer, "PTOUR-OUT-0001", fields.Date.subtract(today, months=36)
        )
        cls.rival_unit = cls._create_unit(cls.generator, cls.rival, "PTOUR-RIVAL-0001", today)
        cls.work = cls._create_service("Portal Overhaul Work", 1200.0)
        cls.estimate = cls._create_sent_estimate(cls.unit_out, "Annual overhaul")
        cls.rival_estimate = cls._create_sent_estimate(cls.rival_unit, "Rival inspection")

    @classmethod
    def _create_sent_estimate(cls, unit, title):
        """Planned paid work on ``unit``, estimated and e-mailed to the customer."""
        service_request = cls.env["after_sales.request"].create({"title": title, "equipment_id": unit.id})
        cls.env["after_sales.request.line"].create(
            {"request_id": service_request.id, "line_type": "work", "product_id": cls.work.id, "quantity": 2}
        )
        estimate = service_request._create_estimate()
        estimate._send_by_template()
        return estimate


@tagged("post_install", "-at_install")
class TestTourPortal(PortalTourCommon):
    def test_customer_checks_warranty_reports_a_problem_and_signs_an_estimate(self):
        self.assertEqual(self.estimate.state, "sent")
        self.assertEqual(self.unit_in.warranty_state, "in_warranty")
        self.assertEqual(self.unit_out.warranty_state, "expired")
        self.start_tour("/my", "after_sales_portal_tour", login=self.portal_user.login)
        service_request = self.env["after_sales.request"].search([("equipment_id", "=", self.unit_in.id)])
        self.assertRecordValues(
            service_request,
            [
                {
                    "title": "Generator smokes at start",
                    "partner_id": self.customer.id,
                    "contact_id": self.portal_user.partner_id.id,
                    "channel": "portal",
                }
            ],
        )
        self.assertIn("White smoke", service_request.description)
        self.assertRecordValues(self.estimate, [{"state": "accepted", "signed_by": "Pat Portal"}])
        self.assertTrue(self.estimate.signature, "accepted by drawing a signature")
        self.assertTrue(self.estimate.signed_on)
        self.assertEqual(self.estimate.request_id.estimate_state, "accepted")
        self.assertEqual(self.rival_estimate.state, "sent")


@tagged("post_install", "-at_install")
class TestPortalPages(PortalTourCommon):
    def _login(self, user):
        self.authenticate(user.login, user.login)

    def _date(self, date):
        return format_date(self.env, date, lang_code=self.portal_user.lang)

    def test_warranty_facts_are_readable_by_the_portal_customer(self):
        # the facts the portal pages show, read with the customer's own rights
        facts = self.unit_in.with_user(self.portal_user).read(WARRANTY_FACTS)[0]
        self.assertEqual(facts["warranty_state"], "in_warranty")
        self.assertEqual(facts["warranty_parts_end_date"], self.unit_in.warranty_parts_end_date)
        self.assertEqual(facts["warranty_labour_end_date"], self.unit_in.warranty_labour_end_date)
        self.assertEqual(facts["warranty_hours_limit"], 5000)

    def test_equipment_list_shows_the_warranty_of_each_unit(self):
        self._login(self.portal_user)
        page = self.url_open("/my/equipment")
        self.assertEqual(page.status_code, 200)
        rows = {
            serial: row
            for row in re.findall(r"<tr>.*?</tr>", page.text, re.DOTALL)
            for serial in ("PTOUR-IN-0001", "PTOUR-OUT-0001")
            if serial in row
        }
        self.assertEqual(set(rows), {"PTOUR-IN-0001", "PTOUR-OUT-0001"})
        self.assertNotIn("PTOUR-RIVAL-0001", page.text)
        self.assertIn("In Warranty", rows["PTOUR-IN-0001"])
        self.assertIn(self._date(self.unit_in.warranty_parts_end_date), rows["PTOUR-IN-0001"])
        self.assertIn(self._date(self.unit_in.warranty_labour_end_date), rows["PTOUR-IN-0001"])
        self.assertIn("5,000", rows["PTOUR-IN-0001"])
        self.assertIn("Out of Warranty", rows["PTOUR-OUT-0001"])
        self.assertIn(self._date(self.unit_out.warranty_parts_end_date), rows["PTOUR-OUT-0001"])

    def test_unit_page_shows_warranty_and_a_way_to_report_a_problem(self):
        self._login(self.portal_user)
        page = self.url_open(f"/my/equipment/{self.unit_in.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("In Warranty", page.text)
        self.assertIn(self._date(self.unit_in.warranty_parts_end_date), page.text)
        self.assertIn(self._date(self.unit_in.warranty_labour_end_date), page.text)
        self.assertIn('href="#after_sales_report_problem"', page.text)
        self.assertIn(f'action="/my/equipment/{self.unit_in.id}/request"', page.text)
        expired = self.url_open(f"/my/equipment/{self.unit_out.id}")
        self.assertIn("Out of Warranty", expired.text)
        self.assertIn("(ended)", expired.text)
        # the new-request page opened from a unit has that unit chosen
        new_request = self.url_open(f"/my/requests/new?unit_id={self.unit_in.id}")
        self.assertRegex(new_request.text, rf'<option value="{self.unit_in.id}" selected="')

    def test_voided_warranty_is_shown_as_void(self):
        self.unit_in._void_warranty("misuse")
        self._login(self.portal_user)
        page = self.url_open(f"/my/equipment/{self.unit_in.id}")
        self.assertIn("Warranty Void", page.text)
        self.assertIn("Warranty Void", self.url_open("/my/equipment").text)

    def test_estimates_list_and_home_counters(self):
        draft = self.estimate.request_id._create_estimate()  # cancels the sent one, not sent yet
        self.assertEqual(self.estimate.state, "cancelled")
        second = self._create_sent_estimate(self.unit_in, "Second opinion")
        self._login(self.portal_user)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["estimate_count", "estimate_to_sign_count"]}
        )
        self.assertEqual(counters, {"estimate_count": 1, "estimate_to_sign_count": 1})
        home = self.url_open("/my")
        self.assertIn('href="/my/estimates"', home.text)
        self.assertIn("estimate_to_sign_count", home.text)
        listing = self.url_open("/my/estimates")
        self.assertEqual(listing.status_code, 200)
        self.assertIn(f'href="/my/estimates/{second.id}"', listing.text)
        self.assertIn("Second opinion", listing.text)
        self.assertIn("To Sign", listing.text)
        for hidden in (draft, self.estimate, self.rival_estimate):
            self.assertNotIn(f'href="/my/estimates/{hidden.id}"', listing.text)
        second.action_accept("Pat Portal")
        self.assertNotIn(
            f'href="/my/estimates/{second.id}"', self.url_open("/my/estimates?filterby=to_sign").text
        )
        self.assertIn(f'href="/my/estimates/{second.id}"', self.url_open("/my/estimates/page/1").text)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["estimate_count", "estimate_to_sign_count"]}
        )
        self.assertEqual(counters, {"estimate_count": 1, "estimate_to_sign_count": 0})

    def test_estimate_page_accepts_by_signing_only(self):
        self._login(self.portal_user)
        page = self.url_open(f"/my/estimates/{self.estimate.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("portal.signature_form", page.text)
        self.assertIn(f"/my/estimates/{self.estimate.id}/sign", page.text)
        self.assertNotIn(f"/my/estimates/{self.estimate.id}/accept", page.text)
        self.assertIn(f'action="/my/estimates/{self.estimate.id}/decline"', page.text)
        self.assertIn('href="/my/estimates"', page.text, "breadcrumb back to the list")

    def test_other_customer_gets_404(self):
        self._login(self.rival_user)
        for url in (
            f"/my/estimates/{self.estimate.id}",
            f"/my/equipment/{self.unit_in.id}",
            f"/my/equipment/{self.unit_out.id}",
            f"/my/requests/{self.estimate.request_id.id}",
        ):
            with self.subTest(url=url):
                self.assertEqual(self.url_open(url, allow_redirects=False).status_code, 404)
        result = self.make_jsonrpc_request(
            f"/my/estimates/{self.estimate.id}/sign", {"name": "Rita Rival", "signature": "iVBORw0KGgo="}
        )
        self.assertIn("error", result)
        self.assertEqual(self.estimate.state, "sent")
        own = self.url_open("/my/estimates")
        self.assertIn(f'href="/my/estimates/{self.rival_estimate.id}"', own.text)
        self.assertNotIn(f'href="/my/estimates/{self.estimate.id}"', own.text)
        self.assertNotIn("PTOUR-IN-0001", self.url_open("/my/equipment").text)
