import json
import re

from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.after_sales_service.tests.common import ReadOnlyCursorMixin

from .common import AfterSalesBillingCommon


class EstimateCommon(AfterSalesBillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alpha = cls._create_customer("Alpha Mining", email="alpha@example.com")
        cls.contract = cls._create_contract(cls.alpha, pricelist_id=cls.pl_contract.id)

    @classmethod
    def _planned_request(cls, partner=None):
        """Planned work (2 h at 80) and a warranty part (40), plus one line already done."""
        return cls._create_request(
            partner or cls.alpha,
            [
                cls._work_line(done=False),
                cls._part_line(done=False, coverage="warranty", coverage_reason="Factory defect"),
                cls._part_line(quantity=1),
            ],
            resolved=False,
        )


@tagged("post_install", "-at_install")
class TestEstimate(EstimateCommon):
    def test_snapshot_of_planned_lines(self):
        request = self._planned_request()
        work, part, done_part = request.line_ids
        estimate = request.with_user(self.as_user)._create_estimate()
        self.assertRecordValues(
            estimate,
            [
                {
                    "state": "draft",
                    "partner_id": self.alpha.id,
                    "amount_untaxed": 200.0,
                    "amount_charged": 160.0,
                    "amount_covered": 40.0,
                    "name": f"{request.name}-E1",
                }
            ],
        )
        self.assertRecordValues(
            estimate.line_ids,
            [
                {
                    "request_line_id": work.id,
                    "product_id": self.work.id,
                    "quantity": 2.0,
                    "price_unit": 80.0,
                    "price_subtotal": 160.0,
                    "coverage": "paid",
                    "amount_charged": 160.0,
                },
                {
                    "request_line_id": part.id,
                    "product_id": self.part.id,
                    "quantity": 1.0,
                    "price_unit": 40.0,
                    "price_subtotal": 40.0,
                    "coverage": "warranty",
                    "amount_charged": 0.0,
                },
            ],
        )
        self.assertNotIn(done_part, estimate.line_ids.request_line_id)
        self.assertEqual(request.estimate_state, "draft")
        # a snapshot: later price changes do not alter the estimate
        work.price_unit = 500.0
        self.assertEqual(estimate.line_ids[0].price_unit, 80.0)
        self.assertEqual(estimate.amount_charged, 160.0)
        # a new estimate cancels the open one
        second = request._create_estimate()
        self.assertEqual(estimate.state, "cancelled")
        self.assertEqual(second.amount_charged, 1000.0)
        self.assertEqual(second.name, f"{request.name}-E2")

    def test_internal_lines_stay_off_the_estimate(self):
        request = self._planned_request()
        work, warranty_part, _done = request.line_ids
        warranty_part.customer_visible = False
        estimate = request._create_estimate()
        self.assertEqual(estimate.line_ids.mapped("name"), [work.name])

    def test_nothing_planned(self):
        request = self._create_request(self.alpha, [self._work_line()], resolved=False)
        with self.assertRaises(UserError):
            request._create_estimate()
        self.assertFalse(request.estimate_ids)
        self.assertEqual(request.estimate_state, "none")

    def test_send_by_template_with_pdf_and_portal_link(self):
        request = self._planned_request()
        action = request.with_user(self.as_user).action_send_estimate()
        self.assertEqual(action["res_model"], "mail.compose.message")
        estimate = request.estimate_ids
        estimate._send_by_template()
        self.assertEqual(estimate.state, "sent")
        self.assertEqual(request.estimate_state, "sent")
        message = estimate.message_ids.filtered(lambda m: m.message_type == "comment")[:1]
        self.assertIn(self.alpha, message.partner_ids)
        self.assertIn(f"/my/estimates/{estimate.id}", message.body)
        self.assertIn(estimate.access_token, message.body)
        # the QWeb PDF report (rendered as HTML when tests run without wkhtmltopdf)
        self.assertEqual(len(message.attachment_ids), 1)
        self.assertTrue(message.attachment_ids.name.startswith(f"Estimate - {estimate.name}."))

    def test_estimate_reaches_the_customer_on_its_channel(self):
        """An estimate to sign is e-mailed by default; a customer who chose the portal only gets no
        e-mail, the estimate still on its portal page (``after_sales.customer.channel.mixin``)."""
        for channel, emailed in (("email", True), ("portal", False)):
            with self.subTest(channel=channel):
                self.alpha.after_sales_notify_channel = channel
                request = self._planned_request()
                request.with_user(self.as_user).action_send_estimate()
                estimate = request.estimate_ids
                estimate._send_by_template()
                message = estimate.message_ids.filtered(lambda m: m.message_type == "comment")[:1]
                self.assertIn(self.alpha, message.partner_ids)
                notified = message.notification_ids.filtered(
                    lambda n: n.notification_type == "email" and n.res_partner_id == self.alpha
                )
                self.assertEqual(bool(notified), emailed)
                self.assertIn(message, estimate.website_message_ids)

    def test_accept_and_decline_rules(self):
        request = self._planned_request()
        estimate = request._create_estimate()
        with self.assertRaises(UserError):
            estimate.action_accept("  ")
        with self.assertRaises(UserError):
            estimate.action_decline("")
        self.assertEqual(estimate.state, "draft")
        estimate.action_accept("John Smith")
        self.assertRecordValues(estimate, [{"state": "accepted", "signed_by": "John Smith"}])
        self.assertTrue(estimate.signed_on)
        self.assertEqual(request.estimate_state, "accepted")
        with self.assertRaises(UserError):
            estimate.action_decline("Too expensive")

    def test_accepted_estimate_required_above_amount(self):
        request = self._planned_request()
        self.company.after_sales_estimate_threshold = 100.0
        work = request.line_ids[0]
        with self.assertRaisesRegex(UserError, "accepted estimate is required"):
            work.with_user(self.as_user).done = True
        self.assertFalse(work.done)
        with self.assertRaisesRegex(UserError, "accepted estimate is required"):
            request.stage_id = self.stage_resolved
        self.assertFalse(request.is_resolved)
        # a declined estimate does not count
        estimate = request._create_estimate()
        estimate.action_decline("Later")
        with self.assertRaises(UserError):
            work.done = True
        # an accepted one does
        request._create_estimate().action_accept("John Smith")
        work.done = True
        request.stage_id = self.stage_resolved
        self.assertTrue(request.is_resolved)

    def test_below_threshold_or_disabled(self):
        request = self._planned_request()
        request.line_ids.done = True
        request.stage_id = self.stage_resolved
        self.company.after_sales_estimate_threshold = 1000.0
        small = self._planned_request()
        small.line_ids.done = True
        small.stage_id = self.stage_resolved
        self.assertTrue(small.is_resolved)


@tagged("post_install", "-at_install")
class TestEstimatePortal(ReadOnlyCursorMixin, EstimateCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.beta = cls._create_customer("Beta Energy")
        cls.alpha_contact = cls.env["res.partner"].create({"name": "Ann Alpha", "parent_id": cls.alpha.id})
        cls.beta_contact = cls.env["res.partner"].create({"name": "Bob Beta", "parent_id": cls.beta.id})
        cls.portal_alpha = new_test_user(
            cls.env, login="portal_alpha", groups="base.group_portal", partner_id=cls.alpha_contact.id
        )
        cls.portal_beta = new_test_user(
            cls.env, login="portal_beta", groups="base.group_portal", partner_id=cls.beta_contact.id
        )
        cls.estimate = cls._planned_request()._create_estimate()
        cls.estimate.state = "sent"
        cls.beta_estimate = cls._planned_request(cls.beta)._create_estimate()
        cls.beta_estimate.state = "sent"

    def _csrf(self, response):
        self.assertEqual(response.status_code, 200)
        return re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)

    def test_page_with_token_offers_signing_only(self):
        url = f"/my/estimates/{self.estimate.id}"
        page = self.url_open(f"{url}?access_token={self.estimate.access_token}")
        self.assertIn(self.estimate.name, page.text)
        self.assertIn("Accept and Sign", page.text)
        self.assertEqual(self.url_open(f"{url}?access_token=wrong").status_code, 404)
        self.assertEqual(self.url_open(url).status_code, 404, "no token, not logged in")
        # accepting with a typed name only is gone: one way to accept, by signing
        response = self.url_open(
            f"{url}/accept",
            data={
                "csrf_token": self._csrf(page),
                "access_token": self.estimate.access_token,
                "name": "Ann Alpha",
            },
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.estimate.state, "sent")

    def test_estimate_list_is_served_read_only(self):
        """The customer's estimates: on the read-only cursor (a replica's where there is one),
        nothing written; an estimate's own page mints its token for the signature form."""
        self.authenticate("portal_alpha", "portal_alpha")
        for url in ("/my/estimates", "/my/estimates/page/1?filterby=to_sign"):
            with self.subTest(url=url):
                page = self.assertServedReadOnly(url)
                self.assertIn(self.estimate.name, page.text)
                self.assertNotIn(self.beta_estimate.name, page.text)

    def test_decline_logged_in_owner(self):
        self.authenticate("portal_alpha", "portal_alpha")
        url = f"/my/estimates/{self.estimate.id}"
        page = self.url_open(url)
        csrf = self._csrf(page)
        # an empty reason is refused, nothing written
        self.url_open(f"{url}/decline", data={"csrf_token": csrf, "reason": " "})
        self.assertEqual(self.estimate.state, "sent")
        response = self.url_open(f"{url}/decline", data={"csrf_token": csrf, "reason": "Too expensive"})
        self.assertEqual(response.status_code, 200)
        self.assertRecordValues(self.estimate, [{"state": "declined", "decline_reason": "Too expensive"}])
        self.assertEqual(self.estimate.request_id.estimate_state, "declined")

    def _sign(self, estimate, **params):
        response = self.url_open(
            f"/my/estimates/{estimate.id}/sign",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()["result"]

    def test_accept_with_drawn_signature(self):
        # a 1x1 transparent PNG, as the portal's signature pad sends it (base64, no data: prefix)
        png = (
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
        )
        token = self.estimate.access_token
        self.assertIn("error", self._sign(self.estimate, access_token="wrong", name="Ann", signature=png))
        self.assertIn("error", self._sign(self.estimate, access_token=token, name="Ann"))
        self.assertIn("error", self._sign(self.estimate, access_token=token, name=" ", signature=png))
        self.assertIn("error", self._sign(self.estimate, access_token=token, name="Ann", signature="@@@"))
        self.assertEqual(self.estimate.state, "sent", "refused attempts write nothing")
        result = self._sign(self.estimate, access_token=token, name="Ann Alpha", signature=png)
        self.assertTrue(result.get("force_refresh"), result)
        self.assertRecordValues(self.estimate, [{"state": "accepted", "signed_by": "Ann Alpha"}])
        self.assertTrue(self.estimate.signature)
        page = self.url_open(self.estimate.get_portal_url())
        self.assertIn("Accepted by", page.text)
        self.assertIn("data:image/png;base64", page.text)
        # an answered estimate cannot be signed again
        self.assertIn("error", self._sign(self.estimate, access_token=token, name="Bob", signature=png))

    def test_request_page_links_its_estimates(self):
        self.authenticate("portal_alpha", "portal_alpha")
        page = self.url_open(f"/my/requests/{self.estimate.request_id.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(f"/my/estimates/{self.estimate.id}", page.text)
        self.assertNotIn(f"/my/estimates/{self.beta_estimate.id}", page.text)

    def test_draft_estimate_is_not_the_customers_yet(self):
        draft = self._planned_request()._create_estimate()
        self.assertEqual(draft.state, "draft")
        as_portal = self.env["after_sales.estimate"].with_user(self.portal_alpha)
        self.assertEqual(as_portal.search([]), self.estimate, "only the estimate sent")
        self.assertFalse(
            self.env["after_sales.estimate.line"]
            .with_user(self.portal_alpha)
            .search([("estimate_id", "=", draft.id)])
        )
        url = f"/my/estimates/{draft.id}?access_token={draft._portal_ensure_token()}"
        self.assertEqual(self.url_open(url).status_code, 404, "not even with its token")
        self.authenticate("portal_alpha", "portal_alpha")
        self.assertEqual(self.url_open(f"/my/estimates/{draft.id}").status_code, 404)
        draft.action_cancel()
        self.assertEqual(as_portal.search([("id", "=", draft.id)]).ids, [])

    def test_other_customer_gets_404(self):
        self.authenticate("portal_beta", "portal_beta")
        own = self.url_open(f"/my/estimates/{self.beta_estimate.id}")
        csrf = self._csrf(own)
        url = f"/my/estimates/{self.estimate.id}"
        self.assertEqual(self.url_open(url).status_code, 404)
        response = self.url_open(f"{url}/accept", data={"csrf_token": csrf, "name": "Bob Beta"})
        self.assertEqual(response.status_code, 404)
        response = self.url_open(f"{url}/decline", data={"csrf_token": csrf, "reason": "No"})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.estimate.state, "sent")
