from odoo import http
from odoo.tests import HttpCase, new_test_user, tagged

from .common import AfterSalesCommon


@tagged("post_install", "-at_install")
class TestPortal(AfterSalesCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_customer = cls.env["res.partner"].create({"name": "Rival Plant", "is_company": True})
        cls.portal_user = cls._portal_user("as_portal_own", cls.customer)
        cls.rival_user = cls._portal_user("as_portal_rival", cls.other_customer)
        cls.unit = cls._create_unit(lot=cls._create_lot(cls.product_unit, "SN-PORTAL-1"))
        cls.rival_unit = cls._create_unit(
            product=cls._create_serial_product("Rival Turbine RT-9"), partner=cls.other_customer
        )
        cls.own_request = cls.env["after_sales.request"].create(
            {"title": "Portal test", "equipment_id": cls.unit.id}
        )
        cls.rival_request = cls.env["after_sales.request"].create(
            {"title": "Rival secret", "equipment_id": cls.rival_unit.id}
        )

    @classmethod
    def _portal_user(cls, login, company):
        contact = cls.env["res.partner"].create({"name": f"{login} contact", "parent_id": company.id})
        return new_test_user(
            cls.env,
            login=login,
            password=f"{login}-pw-2026",
            groups="base.group_portal",
            partner_id=contact.id,
        )

    def _login(self, user):
        self.authenticate(user.login, f"{user.login}-pw-2026")

    def test_customer_sees_own_records_only(self):
        self._login(self.portal_user)
        listing = self.url_open("/my/equipment")
        self.assertEqual(listing.status_code, 200)
        self.assertIn("SN-PORTAL-1", listing.text)
        self.assertNotIn("Rival Turbine", listing.text)
        requests_page = self.url_open("/my/requests")
        self.assertIn(self.own_request.name, requests_page.text)
        self.assertNotIn("Rival secret", requests_page.text)
        detail = self.url_open(f"/my/requests/{self.own_request.id}")
        self.assertEqual(detail.status_code, 200)
        self.assertIn("Portal test", detail.text)
        home = self.url_open("/my")
        self.assertIn("/my/equipment", home.text)

    def test_other_customer_gets_404(self):
        self._login(self.rival_user)
        for url in (f"/my/equipment/{self.unit.id}", f"/my/requests/{self.own_request.id}"):
            with self.subTest(url=url):
                response = self.url_open(url, allow_redirects=False)
                self.assertEqual(response.status_code, 404)
        response = self.url_open(
            f"/my/equipment/{self.unit.id}/request",
            data={"title": "Sneaky", "csrf_token": self._csrf()},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.env["after_sales.request"].search([("title", "=", "Sneaky")]))
        self.assertNotIn("Portal test", self.url_open("/my/requests").text)

    def test_customer_submits_a_request_for_own_unit(self):
        self._login(self.portal_user)
        response = self.url_open(
            f"/my/equipment/{self.unit.id}/request",
            data={"title": "Strange noise", "description": "Since Monday", "csrf_token": self._csrf()},
        )
        self.assertEqual(response.status_code, 200)
        created = self.env["after_sales.request"].search([("title", "=", "Strange noise")])
        self.assertRecordValues(
            created,
            [
                {
                    "partner_id": self.customer.id,
                    "contact_id": self.portal_user.partner_id.id,
                    "equipment_id": self.unit.id,
                    "channel": "portal",
                }
            ],
        )
        self.assertIn(created.name, response.text)
        empty = self.url_open(
            f"/my/equipment/{self.unit.id}/request", data={"title": "  ", "csrf_token": self._csrf()}
        )
        self.assertIn("subject", empty.text)
        self.assertEqual(
            self.env["after_sales.request"].search_count([("equipment_id", "=", self.unit.id)]), 2
        )

    def test_customer_posts_a_message(self):
        self._login(self.portal_user)
        self.make_jsonrpc_request(
            "/mail/message/post",
            {
                "thread_model": "after_sales.request",
                "thread_id": self.own_request.id,
                "post_data": {"body": "Photo of the plate attached", "message_type": "comment"},
            },
        )
        self.assertIn("Photo of the plate attached", self.own_request.message_ids.mapped("body")[0])

    def _csrf(self):
        return http.Request.csrf_token(self)
