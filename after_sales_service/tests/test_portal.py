from odoo import http
from odoo.tests import HttpCase, tagged

from .common import AfterSalesCommon, ReadOnlyCursorMixin


@tagged("post_install", "-at_install")
class TestPortal(ReadOnlyCursorMixin, AfterSalesCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_customer = cls.env["res.partner"].create({"name": "Rival Plant", "is_company": True})
        cls.portal_user = cls._create_portal_user("as_portal_own", cls.customer)
        cls.rival_user = cls._create_portal_user("as_portal_rival", cls.other_customer)
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

    def test_customer_sees_own_records_only(self):
        self._portal_login(self.portal_user)
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
        unit_page = self.url_open(f"/my/equipment/{self.unit.id}")
        self.assertEqual(unit_page.status_code, 200)
        self.assertIn(f'href="/my/requests/{self.own_request.id}"', unit_page.text)
        self.assertNotIn("Rival secret", unit_page.text)
        home = self.url_open("/my")
        self.assertIn("/my/equipment", home.text)

    def test_times_on_the_request_page_say_their_time_zone(self):
        """The customer reads the visit time and the deadline on their own clock, which is named."""
        self.portal_user.partner_id.tz = "Asia/Yekaterinburg"  # UTC+5
        self.own_request._write_unchecked(
            {
                "scheduled_date": "2026-03-02 04:00:00",
                "sla_resolution_deadline": "2026-03-03 12:30:00",
            }
        )
        self._portal_login(self.portal_user)
        page = self.url_open(f"/my/requests/{self.own_request.id}").text
        self.assertIn("03/02/2026 09:00:00 AM (Asia/Yekaterinburg)", page, "the visit")
        self.assertIn("03/03/2026 05:30:00 PM (Asia/Yekaterinburg)", page, "the deadline")

    def test_mail_deadlines_say_their_time_zone(self):
        contact = self.env["res.partner"].create(
            {"name": "Night Shift", "parent_id": self.customer.id, "tz": "Asia/Vladivostok"}  # UTC+10
        )
        self.own_request._write_unchecked(
            {
                "contact_id": contact.id,
                "sla_response_deadline": "2026-03-02 04:00:00",
                "sla_resolution_deadline": "2026-03-03 04:00:00",
            }
        )
        template = self.env.ref("after_sales_service.mail_template_request_created")
        body = template._render_field("body_html", self.own_request.ids)[self.own_request.id]
        self.assertIn("03/02/2026 02:00:00 PM (Asia/Vladivostok)", body)
        self.assertIn("03/03/2026 02:00:00 PM (Asia/Vladivostok)", body)
        # the service's own messages: the service's clock, named
        self.env.company.resource_calendar_id.tz = "Europe/Moscow"
        self.assertEqual(
            self.own_request._format_datetime_tz(self.own_request.sla_response_deadline),
            "03/02/2026 07:00:00 AM (Europe/Moscow)",
        )

    def test_other_customer_gets_404(self):
        self._portal_login(self.rival_user)
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
        self._portal_login(self.portal_user)
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
        self._portal_login(self.portal_user)
        self.make_jsonrpc_request(
            "/mail/message/post",
            {
                "thread_model": "after_sales.request",
                "thread_id": self.own_request.id,
                "post_data": {"body": "Photo of the plate attached", "message_type": "comment"},
            },
        )
        self.assertIn("Photo of the plate attached", self.own_request.message_ids.mapped("body")[0])

    def test_nul_in_a_new_request_shows_the_form_with_an_error(self):
        self._portal_login(self.portal_user)
        before = self.env["after_sales.request"].search_count([])
        for url, data in (
            ("/my/requests/new", {"unit_id": self.unit.id, "title": "Noise\x00"}),
            ("/my/requests/new", {"unit_id": self.unit.id, "title": "Noise", "description": "a\x00b"}),
            (f"/my/equipment/{self.unit.id}/request", {"title": "\x00"}),
        ):
            with self.subTest(url=url, data=data):
                response = self.url_open(url, data={**data, "csrf_token": self._csrf()})
                self.assertEqual(response.status_code, 200)
                self.assertIn("contains a NUL character", response.text)
        self.assertEqual(self.env["after_sales.request"].search_count([]), before, "nothing written")

    def test_uploads_above_the_limit_are_refused(self):
        self.env.company.after_sales_portal_upload_mb = 1
        self._portal_login(self.portal_user)
        attachments = self.env["ir.attachment"].search_count([])

        def upload(size):
            return self.url_open(
                "/mail/attachment/upload",
                data={
                    "csrf_token": self._csrf(),
                    "thread_id": self.own_request.id,
                    "thread_model": "after_sales.request",
                },
                files={"ufile": ("plate.jpg", b"x" * size, "image/jpeg")},
            ).json()

        refused = upload(1024 * 1024 + 1)
        self.assertIn("larger than 1 MB", refused["error"])
        self.assertEqual(self.env["ir.attachment"].search_count([]), attachments, "nothing written")
        accepted = upload(1024 * 1024)
        self.assertTrue(accepted["data"]["attachment_id"], "the limit itself is allowed")

    def test_home_counters_count_own_records(self):
        counters = ["after_sales_equipment_count", "after_sales_request_count"]
        for user, expected in ((self.portal_user, 1), (self.rival_user, 1)):
            with self.subTest(user=user.login):
                self._portal_login(user)
                values = self.make_jsonrpc_request("/my/counters", {"counters": counters})
                self.assertEqual(values, dict.fromkeys(counters, expected))
        self.env["after_sales.request"].create({"title": "Second", "equipment_id": self.unit.id})
        self._portal_login(self.portal_user)
        values = self.make_jsonrpc_request("/my/counters", {"counters": counters})
        self.assertEqual(values["after_sales_request_count"], 2)

    def test_request_list_pages(self):
        Request = self.env["after_sales.request"]
        for day in range(1, 22):
            Request.create(
                {
                    "title": f"Old #{day}",
                    "equipment_id": self.unit.id,
                    "date_open": f"2025-01-{day:02d} 10:00:00",
                }
            )
        self._portal_login(self.portal_user)
        first = self.url_open("/my/requests")
        self.assertIn("/my/requests/page/2", first.text)
        self.assertIn("Portal test", first.text)
        self.assertNotIn("Old #1<", first.text)
        second = self.url_open("/my/requests/page/2")
        self.assertIn("Old #1<", second.text)
        self.assertIn("Old #2<", second.text)
        self.assertNotIn("Portal test", second.text)

    def test_new_request_page(self):
        self._portal_login(self.portal_user)
        page = self.url_open("/my/requests/new")
        self.assertEqual(page.status_code, 200)
        self.assertIn("SN-PORTAL-1", page.text)
        self.assertNotIn("Rival Turbine", page.text)
        response = self.url_open(
            "/my/requests/new",
            data={
                "unit_id": self.unit.id,
                "title": "Oil on the floor",
                "description": "Under the gearbox\nsince the last start",
                "csrf_token": self._csrf(),
            },
        )
        created = self.env["after_sales.request"].search([("title", "=", "Oil on the floor")])
        self.assertRecordValues(
            created,
            [{"partner_id": self.customer.id, "equipment_id": self.unit.id, "channel": "portal"}],
        )
        self.assertIn("Under the gearbox<br>since the last start", created.description)
        self.assertTrue(response.url.endswith(f"/my/requests/{created.id}"))
        for unit_id in (self.rival_unit.id, "not-a-number", 0):
            with self.subTest(unit_id=unit_id):
                response = self.url_open(
                    "/my/requests/new",
                    data={"unit_id": unit_id, "title": "Sneaky", "csrf_token": self._csrf()},
                    allow_redirects=False,
                )
                self.assertEqual(response.status_code, 404)
        self.assertFalse(self.env["after_sales.request"].search([("title", "=", "Sneaky")]))

    def test_pages_that_only_read_are_served_read_only(self):
        """The customer's lists, a unit and the new-request form: served on the read-only cursor (a
        replica's where there is one), nothing written. The request list minted an access token for
        every request it linked (``get_portal_url``): a write, refused there."""
        self.own_request.sudo().access_token = False
        self._portal_login(self.portal_user)
        for url in (
            "/my/equipment",
            "/my/equipment/page/1",
            f"/my/equipment/{self.unit.id}",
            "/my/requests",
            "/my/requests/page/1?filterby=open",
            "/my/requests/new",
            f"/my/requests/new?unit_id={self.unit.id}",
        ):
            with self.subTest(url=url):
                page = self.assertServedReadOnly(url)
                if url == "/my/requests":
                    self.assertIn(f'href="/my/requests/{self.own_request.id}"', page.text)
        self.own_request.invalidate_recordset(["access_token"])
        self.assertFalse(self.own_request.access_token)

    def test_forms_posted_are_served_read_write(self):
        """The same routes save what the customer posts: on the read/write cursor."""
        self._portal_login(self.portal_user)
        for url in ("/my/requests/new", f"/my/equipment/{self.unit.id}/request"):
            with self.subTest(url=url), self.served_cursors() as served:
                response = self.url_open(
                    url,
                    data={"unit_id": self.unit.id, "title": f"Posted to {url}", "csrf_token": self._csrf()},
                    allow_redirects=False,
                )
                self.assertEqual(response.status_code, 303)
                self.assertEqual(served, [False])
                self.assertTrue(self.env["after_sales.request"].search([("title", "=", f"Posted to {url}")]))

    def test_units_out_of_service_take_no_request(self):
        old_unit = self._create_unit(
            product=self._create_serial_product("Retired Press RP-1"), state="decommissioned"
        )
        self._portal_login(self.portal_user)
        page = self.url_open(f"/my/equipment/{old_unit.id}")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn(f"/my/equipment/{old_unit.id}/request", page.text)
        self.assertNotIn("Retired Press", self.url_open("/my/requests/new").text)
        response = self.url_open(
            f"/my/equipment/{old_unit.id}/request",
            data={"title": "Please fix", "csrf_token": self._csrf()},
        )
        self.assertIn("no longer in service", response.text)
        self.assertFalse(self.env["after_sales.request"].search([("equipment_id", "=", old_unit.id)]))

    def test_post_without_csrf_token_is_refused(self):
        self._portal_login(self.portal_user)
        response = self.url_open(
            f"/my/equipment/{self.unit.id}/request", data={"title": "No token"}, allow_redirects=False
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.env["after_sales.request"].search([("title", "=", "No token")]))

    def _csrf(self):
        return http.Request.csrf_token(self)
