import io
import re
from datetime import timedelta
from unittest.mock import patch

import PyPDF2
from PIL import Image

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools.sql import column_exists

from .common import AfterSalesCommon, ReadOnlyCursorMixin

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def png_bytes(size=(8, 8)):
    """A real (tiny) PNG photo."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def corrupt_png():
    """A PNG whose header is right and whose image data is damaged."""
    data = bytearray(png_bytes((32, 32)))
    data[45] ^= 0xFF
    return bytes(data)


class UnitPublicCommon(ReadOnlyCursorMixin, AfterSalesCommon, HttpCase):
    """A customer with private details everywhere around a unit: none may reach its public page."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.after_sales_public_form_limit = 100
        cls.customer.write(
            {"email": "chief@secret-customer.example.com", "phone": "+7 999 111-22-33", "street": "Lenina 42"}
        )
        cls.customer_site.name = "Hidden Workshop No. 7"
        cls.contact = cls.env["res.partner"].create(
            {
                "name": "Known Mechanic",
                "parent_id": cls.customer.id,
                "email": "mechanic@secret-customer.example.com",
            }
        )
        cls.product_unit.list_price = 987654.0
        cls.unit = cls._create_unit(
            lot=cls._create_lot(cls.product_unit, "SN-QR-0001"), site_partner_id=cls.customer_site.id
        )
        cls.private_request = cls.env["after_sales.request"].create(
            {
                "title": "Confidential vibration complaint",
                "description": "<p>Bearing grease leak near the secret line</p>",
                "equipment_id": cls.unit.id,
            }
        )
        leader = new_test_user(
            cls.env, login="as_qr_leader", groups="after_sales_service.group_after_sales_user"
        )
        cls.team = cls.env["after_sales.team"].create({"name": "QR Team", "user_id": leader.id})
        cls.env.company.after_sales_team_id = cls.team

    def _page(self, token=None):
        return self.url_open(f"/unit/{token or self.unit.public_token}")

    def _csrf(self, token=None):
        page = self._page(token)
        self.assertEqual(page.status_code, 200)
        return CSRF.search(page.text).group(1)

    def _post(self, action, data, files=None, token=None):
        token = token or self.unit.public_token
        return self.url_open(
            f"/unit/{token}/{action}", data={"csrf_token": self._csrf(token), **data}, files=files
        )

    def _report(self, files=None, **data):
        values = {
            "description": "Engine stalls\nafter ten minutes",
            "name": "Ivan Visitor",
            "phone": "+7 900 000-00-00",
        }
        values.update(data)
        return self._post("report", values, files=files)

    @staticmethod
    def _without_session(html):
        """A page but for the session's CSRF token (it changes with time)."""
        return re.sub(r'csrf_token: "[^"]*"', "", CSRF.sub("", html))

    def _requests(self):
        return self.env["after_sales.request"].search(
            [("equipment_id", "=", self.unit.id), ("id", "!=", self.private_request.id)]
        )


@tagged("post_install", "-at_install")
class TestUnitPublicToken(UnitPublicCommon):
    def test_every_unit_has_its_own_unguessable_token(self):
        other = self._create_unit()
        copied = self.unit.copy({"lot_id": False})
        tokens = {self.unit.public_token, other.public_token, copied.public_token}
        self.assertEqual(len(tokens), 3, "each unit, a copy too, has its own token")
        for token in tokens:
            self.assertGreaterEqual(len(token), 32)
        self.assertEqual(self.unit.public_url, f"{self.unit.get_base_url()}/unit/{self.unit.public_token}")

    def test_the_qr_code_opens_the_page_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.customer.lang = "ru_RU"
        self.assertEqual(self.unit.public_url, f"{self.unit.get_base_url()}/ru/unit/{self.unit.public_token}")
        page = self.url_open(self.unit.public_url.removeprefix(self.unit.get_base_url()))
        self.assertEqual(page.status_code, 200)
        self.assertIn('"bundle_params": {"lang": "ru_RU"}', page.text, "served in Russian")
        self.assertIn("SN-QR-0001", page.text)

    def test_units_of_a_database_upgraded_get_tokens_each(self):
        """The column added to a table with units already gives each unit a token of its own."""
        units = self.unit | self._create_unit() | self._create_unit()
        self.env.flush_all()
        self.env.cr.execute("ALTER TABLE after_sales_equipment DROP COLUMN public_token")
        self.assertFalse(column_exists(self.env.cr, "after_sales_equipment", "public_token"))
        self.env["after_sales.equipment"]._init_public_token_column()
        self.env.invalidate_all()
        tokens = units.mapped("public_token")
        self.assertTrue(all(tokens))
        self.assertEqual(len(set(tokens)), 3)

    def test_token_is_changed_only_by_rotation(self):
        token = self.unit.public_token
        with self.assertRaises(UserError):
            self.unit.with_user(self.as_manager).write({"public_token": "chosen-weak-token-000000"})
        self.assertEqual(self.unit.public_token, token)

    def test_rotation_makes_old_labels_open_nothing(self):
        old = self.unit.public_token
        self.assertEqual(self._page(old).status_code, 200)
        self.unit.with_user(self.as_user).action_rotate_public_token()
        self.assertNotEqual(self.unit.public_token, old)
        self.assertEqual(self._page(old).status_code, 404)
        self.assertEqual(self._page(self.unit.public_token).status_code, 200)
        self.assertIn("QR code rotated", self.unit.message_ids[0].body)

    def test_rotation_needs_write_rights(self):
        token = self.unit.public_token
        portal = self._create_portal_user("as_qr_portal", contact=self.contact)
        for user in (self.internal_user, portal):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.unit.with_user(user).action_rotate_public_token()
        self.assertEqual(self.unit.public_token, token)


@tagged("post_install", "-at_install")
class TestUnitPublicPage(UnitPublicCommon):
    def test_public_page_shows_the_unit_and_nothing_private(self):
        with self.served_cursors() as served:
            page = self._page()
        self.assertEqual(page.status_code, 200)
        self.assertEqual(served, [True], "the page only reads: served on the read-only cursor")
        html = page.text
        self.assertIn("SN-QR-0001", html)
        self.assertIn("Test Generator TG-1", html)
        self.assertIn('action="/unit/', html)
        private = [
            self.customer.name,
            self.customer.email,
            "999 111",
            "Lenina",
            self.customer_site.name,
            self.contact.name,
            self.contact.email,
            self.private_request.name,
            "Confidential vibration",
            "Bearing grease",
            "987654",
            "987,654",
            "987 654",
            f"/my/equipment/{self.unit.id}",
        ]
        for text in private:
            with self.subTest(text=text):
                self.assertNotIn(text, html)

    def test_page_shows_last_service_and_next_maintenance(self):
        resolved_at = fields.Datetime.to_datetime("2026-03-04 10:00:00")
        self.private_request.write({"sla_resolution_date": resolved_at})
        self.env["after_sales.request"].flush_model()
        self.env.cr.execute(
            "UPDATE after_sales_request SET is_resolved = TRUE WHERE id = %s", [self.private_request.id]
        )
        self.env.invalidate_all()
        values = self.unit._get_public_page_values()
        self.assertEqual(values["last_service_date"], fields.Date.to_date("2026-03-04"))
        self.assertEqual(values["serial"], "SN-QR-0001")
        self.assertNotIn(self.customer.name, str(values))

    def test_wrong_rotated_and_expired_tokens_look_alike(self):
        rotated = self.unit.public_token
        self.unit.action_rotate_public_token()
        archived = self._create_unit(active=False)
        decommissioned = self._create_unit(state="decommissioned")
        bodies = set()
        for token in (
            "x" * 32,
            rotated,
            archived.public_token,
            decommissioned.public_token,
            str(self.unit.id),
            "bad token!",
            self.unit.public_token[:-1],
        ):
            with self.subTest(token=token):
                response = self._page(token)
                self.assertEqual(response.status_code, 404)
                # the same page but for the session's CSRF token, which changes with time
                bodies.add(self._without_session(response.text))
                post = self.url_open(
                    f"/unit/{token}/report", data={"description": "x", "name": "y", "phone": "1"}
                )
                self.assertIn(post.status_code, (400, 404))
        self.assertEqual(len(bodies), 1, "every refused token gets the same page")
        self.assertFalse(self._requests())


@tagged("post_install", "-at_install")
class TestUnitPublicForms(UnitPublicCommon):
    def test_report_a_problem_with_a_photo(self):
        photo = png_bytes()
        response = self._report(
            files={"photo": ("broken.png", photo, "image/png")}, email="ivan.visitor@example.com"
        )
        self.assertEqual(response.status_code, 200, response.text[:500])
        service_request = self._requests()
        self.assertEqual(len(service_request), 1)
        self.assertRecordValues(
            service_request,
            [
                {
                    "title": "Engine stalls",
                    "equipment_id": self.unit.id,
                    "partner_id": self.customer.id,
                    "channel": "qr",
                    "request_type": "repair",
                    "team_id": self.team.id,
                }
            ],
        )
        self.assertIn(service_request.name, response.text)
        self.assertNotIn(self.customer.name, response.text)
        contact = service_request.contact_id
        self.assertRecordValues(contact, [{"name": "Ivan Visitor", "email": "ivan.visitor@example.com"}])
        self.assertFalse(contact.parent_id, "a visitor is not made a contact of the customer")
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "after_sales.request"), ("res_id", "=", service_request.id)]
        )
        self.assertEqual(len(attachment), 1)
        self.assertEqual(attachment.mimetype, "image/png")
        self.assertEqual(attachment.raw, photo)
        self.assertIn(attachment, service_request.message_ids.attachment_ids)

    def test_known_contact_is_matched_and_the_answer_is_the_same(self):
        known = self._report(email=self.contact.email)
        unknown = self._report(email="stranger@example.com")
        first, second = self._requests().sorted("id")
        self.assertEqual(first.contact_id, self.contact)
        self.assertNotEqual(second.contact_id, self.contact)
        self.assertEqual(
            self._without_session(known.text).replace(first.name, "N"),
            self._without_session(unknown.text).replace(second.name, "N"),
        )
        self.assertNotIn(self.contact.name, known.text)

    def test_contact_details_are_required(self):
        Partner = self.env["res.partner"]
        partners = Partner.search_count([])
        for data, message in (
            ({"name": ""}, "Enter your name."),
            ({"phone": "", "email": ""}, "e-mail address or a phone number"),
            ({"phone": "", "email": "not-an-address"}, "valid e-mail"),
            ({"description": "  "}, "Describe the problem."),
            ({"description": "a\x00b"}, "NUL"),
        ):
            with self.subTest(data=data):
                response = self._report(**data)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)
        self.assertFalse(self._requests())
        self.assertEqual(Partner.search_count([]), partners)
        self.assertFalse(self.env["after_sales.public.attempt"].search([]))

    def test_oversized_and_non_image_uploads_are_refused(self):
        self.env.company.after_sales_portal_upload_mb = 1
        partners = self.env["res.partner"].search_count([])
        attachments = self.env["ir.attachment"].search_count([])
        cases = (
            (("big.png", png_bytes() + b"\0" * (1024 * 1024 + 1), "image/png"), "larger than 1 MB"),
            (("notes.png", b"just some text, not a photo", "image/png"), "is not a photo"),
            (
                ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "image/svg+xml"),
                "is not a photo",
            ),
            (("broken.png", corrupt_png(), "image/png"), "could not be read"),
        )
        for photo, message in cases:
            with self.subTest(photo=photo[0]):
                response = self._report(files={"photo": photo})
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)
                self.assertIn("Ivan Visitor", response.text, "the form keeps what was typed")
        self.assertFalse(self._requests())
        self.assertEqual(self.env["res.partner"].search_count([]), partners)
        self.assertEqual(self.env["ir.attachment"].search_count([]), attachments)
        self.assertFalse(self.env["after_sales.public.attempt"].search([]))

    def test_rate_limit_refuses_and_writes_nothing(self):
        self.env.company.after_sales_public_form_limit = 2
        self.assertEqual(self._report().status_code, 200)
        self.assertEqual(self._post("call", {"name": "Ivan", "phone": "+7 900"}).status_code, 200)
        partners = self.env["res.partner"].search_count([])
        requests_before = self._requests()
        for action, data in (
            ("report", {"description": "again", "name": "Ivan", "phone": "1"}),
            ("call", {"name": "Ivan", "phone": "1"}),
            ("follow", {"follow_email": "ivan@example.com"}),
        ):
            with self.subTest(action=action):
                response = self._post(action, data)
                self.assertEqual(response.status_code, 429)
                self.assertIn("Too many forms", response.text)
        self.assertEqual(self._requests(), requests_before)
        self.assertEqual(self.env["res.partner"].search_count([]), partners)
        self.assertFalse(self.env["after_sales.equipment.subscription"].search([]))
        self.assertEqual(self.env["after_sales.public.attempt"].search_count([]), 2)

    def test_old_attempts_are_forgotten(self):
        Attempt = self.env["after_sales.public.attempt"]
        two_days_ago = fields.Datetime.now() - timedelta(days=2)
        old = Attempt.create({"address_key": "k", "kind": "report", "date": two_days_ago})
        recent = Attempt.create({"address_key": "k", "kind": "report"})
        Attempt._gc_attempts()
        self.assertFalse(old.exists())
        self.assertTrue(recent.exists())

    def test_forms_need_the_csrf_token(self):
        response = self.url_open(
            f"/unit/{self.unit.public_token}/report",
            data={"description": "x", "name": "Ivan", "phone": "1"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self._requests())

    def test_logged_in_customer_is_the_contact(self):
        portal = self._create_portal_user("as_qr_portal_in", contact=self.contact)
        self._portal_login(portal)
        response = self._post("report", {"description": "Oil on the floor"})
        self.assertEqual(response.status_code, 200, response.text[:500])
        self.assertEqual(self._requests().contact_id, portal.partner_id)

    def test_ask_for_a_call(self):
        response = self._post("call", {"name": "Olga Caller", "phone": "+7 901 222-33-44", "note": "Noise"})
        self.assertEqual(response.status_code, 200)
        service_request = self._requests()
        self.assertRecordValues(
            service_request, [{"request_type": "consultation", "channel": "qr", "equipment_id": self.unit.id}]
        )
        activity = service_request.activity_ids
        self.assertEqual(activity.user_id, self.team.user_id)
        self.assertIn("+7 901 222-33-44", activity.summary)
        missing = self._post("call", {"name": "Olga Caller", "phone": ""})
        self.assertEqual(missing.status_code, 400)
        self.assertEqual(len(self._requests()), 1)

    def test_follow_by_email_double_opt_in(self):
        Mail = self.env["mail.mail"]
        Subscription = self.env["after_sales.equipment.subscription"]
        response = self._post("follow", {"follow_email": "Fan@Example.com"})
        self.assertEqual(response.status_code, 200)
        subscription = Subscription.search([("equipment_id", "=", self.unit.id)])
        self.assertRecordValues(subscription, [{"email": "fan@example.com", "state": "pending"}])
        confirmation = Mail.search([("email_to", "=", "fan@example.com")])
        self.assertEqual(len(confirmation), 1)
        link = f"/unit/follow/{subscription.sudo().token}"
        self.assertIn(link, confirmation.body_html)
        self.assertNotIn(self.customer.name, confirmation.body_html)
        # the same answer again, one follower, the link sent again while pending
        again = self._post("follow", {"follow_email": "fan@example.com"})
        self.assertEqual(again.status_code, 200)
        self.assertEqual(Subscription.search_count([("equipment_id", "=", self.unit.id)]), 1)
        # opening the link (a mail scanner too) confirms nothing; its button does
        page = self.url_open(link)
        self.assertEqual(page.status_code, 200)
        self.assertEqual(subscription.state, "pending")
        self.env["after_sales.request"].create({"title": "Before confirmation", "equipment_id": self.unit.id})
        self.assertEqual(Mail.search_count([("email_to", "=", "fan@example.com")]), 2, "no news yet")
        csrf = CSRF.search(page.text).group(1)
        self.url_open(f"{link}/confirm", data={"csrf_token": csrf})
        self.assertEqual(subscription.state, "confirmed")
        failure = self.env["after_sales.request"].create(
            {"title": "Pump failure", "equipment_id": self.unit.id}
        )
        news = Mail.search([("email_to", "=", "fan@example.com")], order="id desc", limit=1)
        self.assertIn("opened", news.subject)
        self.assertIn(link, news.body_html, "each e-mail carries its unsubscribe link")
        self.assertNotIn("Pump failure", news.body_html)
        self.assertNotIn(self.customer.name, news.body_html)
        resolved = self.env["after_sales.request.stage"].search(
            [("is_resolved", "=", True), ("is_closed", "=", False)], limit=1
        )
        failure.write({"stage_id": resolved.id, "resolution": "<p>Seal replaced</p>"})
        news = Mail.search([("email_to", "=", "fan@example.com")], order="id desc", limit=1)
        self.assertIn("resolved", news.subject)
        self.assertNotIn("Seal replaced", news.body_html)
        self.url_open(f"{link}/unsubscribe", data={"csrf_token": csrf})
        self.assertFalse(subscription.exists())
        self.assertEqual(self.url_open(link).status_code, 404)


@tagged("post_install", "-at_install")
class TestUnitLabels(UnitPublicCommon):
    REPORTS = (
        "after_sales_service.action_report_unit_label_50x30",
        "after_sales_service.action_report_unit_label_70x40",
        "after_sales_service.action_report_unit_label_a4",
    )

    def test_labels_of_one_unit_carry_its_qr_code(self):
        Report = self.env["ir.actions.report"].with_user(self.as_user)
        barcode = type(Report).barcode
        for xmlid in self.REPORTS:
            with (
                self.subTest(report=xmlid),
                patch.object(type(Report), "barcode", autospec=True, side_effect=barcode) as spy,
            ):
                html, __ = Report._render_qweb_html(xmlid, self.unit.ids)
                html = html.decode()
                self.assertIn("SN-QR-0001", html)
                self.assertIn("Test Generator TG-1", html)
                self.assertIn('src="data:image/png;base64,', html)
                self.assertNotIn(self.customer.name, html)
                # the QR code of each label is the unit's public address
                encoded = [call.args[1:3] for call in spy.call_args_list]
                self.assertEqual(encoded, [("QR", self.unit.public_url)])

    def test_labels_in_a_batch(self):
        units = self.unit | self.env["after_sales.equipment"].create(
            [{"product_id": self.product_unit.id, "partner_id": self.customer.id} for __ in range(29)]
        )
        Report = self.env["ir.actions.report"].with_user(self.as_user)
        html, __ = Report._render_qweb_html("after_sales_service.action_report_unit_label_a4", units.ids)
        html = html.decode()
        self.assertEqual(html.count('class="page"'), 2, "24 labels per A4 sheet")
        self.assertEqual(html.count('o_after_sales_unit_label"'), 30)
        # a break between sheets, none after the last one: no blank sheet at the end
        self.assertEqual(html.count("page-break-after: always"), 1)
        for xmlid in (
            "after_sales_service.action_report_unit_label_50x30",
            "after_sales_service.action_report_unit_label_70x40",
        ):
            html, __ = Report._render_qweb_html(xmlid, units.ids)
            html = html.decode()
            self.assertEqual(html.count('class="page"'), 30)
            self.assertEqual(html.count("page-break-after: always"), 29, "no blank label after the last one")

    def _label_units(self):
        """A Russian customer's unit, and an English one's with a 20-character serial."""
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(["after_sales_service"], ["ru_RU"], overwrite=True)
        self.customer.lang = "ru_RU"
        english = self.env["res.partner"].create({"name": "Harbour Cranes Ltd", "lang": "en_US"})
        long_serial = self._create_unit(
            lot=self._create_lot(self.product_unit, "SN-2026-ABCDEFGHIJKL"), partner=english
        )
        self.assertEqual(len(long_serial.lot_id.name), 20)
        return self.unit, long_serial

    def test_labels_in_the_customers_language(self):
        russian, english = self._label_units()
        # printed from a request without a language (the report's URL), or by an English user
        Report = self.env["ir.actions.report"].with_user(self.as_user).with_context(lang=None)
        for xmlid in self.REPORTS:
            with self.subTest(report=xmlid):
                html = Report._render_qweb_html(xmlid, russian.ids)[0].decode()
                self.assertIn("Сканируйте для сервиса", html)
                self.assertNotIn("Scan for service", html)
                html = Report._render_qweb_html(xmlid, english.ids)[0].decode()
                self.assertIn("Scan for service", html)
                # a batch: each label in its own customer's language
                html = Report._render_qweb_html(xmlid, (russian | english).ids)[0].decode()
                self.assertEqual(html.count("Сканируйте для сервиса"), 1)
                self.assertEqual(html.count("Scan for service"), 1)
        # a customer without a language: the company's
        self.customer.lang = False
        self.env.company.partner_id.lang = "ru_RU"
        html = Report._render_qweb_html(self.REPORTS[0], russian.ids)[0].decode()
        self.assertIn("Сканируйте для сервиса", html)

    def test_a_label_of_a_customer_whose_language_was_deactivated(self):
        """A former customer (archived) whose language was deactivated since: the label is
        printed in the company's language, not an error page."""
        russian, __ = self._label_units()
        self.env.company.partner_id.lang = "en_US"
        self.customer.active = False
        self.env["res.lang"]._activate_lang("ru_RU").active = False
        self.assertEqual(self.customer.lang, "ru_RU")
        Report = self.env["ir.actions.report"].with_user(self.as_user).with_context(lang=None)
        html = Report._render_qweb_html(self.REPORTS[0], russian.ids)[0].decode()
        self.assertIn("Scan for service", html)
        self.assertEqual(russian._get_report_lang(), "en_US")

    def test_a_long_serial_fits_on_one_line_of_the_small_label(self):
        russian, unit = self._label_units()
        Report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        pdf, __ = Report._render_qweb_pdf(
            "after_sales_service.action_report_unit_label_50x30", (russian | unit).ids
        )
        self.assertTrue(pdf.startswith(b"%PDF"))
        pages = PyPDF2.PdfReader(io.BytesIO(pdf)).pages
        self.assertEqual(len(pages), 2, "one label a page")
        # the PDF is UTF-8: the Russian customer's label reads Russian
        self.assertIn("Сканируйте", pages[0].extract_text())
        lines = [line.strip() for line in pages[1].extract_text().splitlines()]
        self.assertIn("SN-2026-ABCDEFGHIJKL", lines, "the serial is printed whole, on one line")
        # and it is not cut: at its size, its monospaced characters (0.6 em) fit the text column
        html = Report._render_qweb_html("after_sales_service.action_report_unit_label_50x30", unit.ids)[0]
        serial_pt = float(re.search(rb"font-size: ([0-9.]+)pt;\"\s*>SN-2026-ABCDEFGHIJKL<", html).group(1))
        column_pt = (50 - 24 - 3) * 72 / 25.4
        self.assertLessEqual(20 * 0.6 * serial_pt, column_pt)
        self.assertGreaterEqual(serial_pt, 5, "still legible")

    def test_labels_are_printed_from_the_unit_and_the_list(self):
        for xmlid in self.REPORTS:
            report = self.env.ref(xmlid)
            self.assertEqual(report.binding_model_id.model, "after_sales.equipment")
            self.assertEqual(report.binding_type, "report")
            self.assertTrue(report.paperformat_id)
