import json
import re

from lxml import etree

from odoo.exceptions import UserError
from odoo.tests import Form, HttpCase, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import AfterSalesBillingCommon

# a 1x1 PNG, as Odoo's signature pad sends it (base64, no data: prefix)
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


class SignedActCommon(AfterSalesBillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alpha = cls._create_customer("Alpha Mining", email="alpha@example.com")
        cls.beta = cls._create_customer("Beta Energy", email="beta@example.com")

    @classmethod
    def _done_request(cls, partner=None, **vals):
        """Resolved on-site repair: 2 h of paid work and a warranty part."""
        return cls._create_request(
            partner or cls.alpha,
            [
                cls._work_line(),
                cls._part_line(quantity=1, coverage="warranty", coverage_reason="Factory defect"),
            ],
            **vals,
        )

    def _assert_unsigned(self, request):
        self.assertRecordValues(
            request, [{"act_signed_by": False, "act_signed_on": False, "act_signed_attachment_id": False}]
        )
        self.assertFalse(request.act_signature)


@tagged("post_install", "-at_install")
class TestSignedAct(SignedActCommon):
    def test_sign_in_back_office(self):
        request = self._done_request()
        action = request.with_user(self.as_user).action_open_sign_act()
        self.assertEqual(action["res_model"], "after_sales.act.sign")
        Wizard = self.env[action["res_model"]].with_user(self.as_user)
        wizard_form = Form(Wizard.with_context(**action["context"]))
        self.assertEqual(wizard_form.signed_by, "Alpha Mining")
        wizard_form.signed_by = "Ann Alpha"
        wizard_form.signature = PNG
        wizard_form.save().action_sign()
        self.assertEqual(request.act_signed_by, "Ann Alpha")
        self.assertTrue(request.act_signed_on)
        self.assertTrue(request.act_signature)
        attachment = request.act_signed_attachment_id
        self.assertRecordValues(
            attachment,
            [{"res_model": "after_sales.request", "res_id": request.id, "mimetype": "application/pdf"}],
        )
        self.assertTrue(attachment.name.startswith("Signed Act - "))
        # the act as signed (HTML when tests run without wkhtmltopdf): signer, signature, works
        self.assertIn(b"Ann Alpha", attachment.raw)
        self.assertIn(b"data:image/png;base64", attachment.raw)
        self.assertIn(b"Diagnostics", attachment.raw)
        # posted on the request with the PDF and e-mailed to the customer
        message = request.message_ids.filtered(lambda m: attachment in m.attachment_ids)
        self.assertEqual(len(message), 1)
        self.assertEqual(message.message_type, "comment")
        self.assertIn(self.alpha, message.partner_ids)
        self.assertIn("Ann Alpha", message.body)
        self.assertTrue(
            message.notification_ids.filtered(
                lambda n: n.res_partner_id == self.alpha and n.notification_type == "email"
            ),
            "the customer is e-mailed the signed act",
        )

    def test_sign_closed_request(self):
        request = self._done_request(resolution="<p>Starter replaced</p>")
        request.with_user(self.as_user).action_close()
        self.assertTrue(request.is_closed)
        request.with_user(self.as_user).action_sign_act("Ann Alpha", PNG)
        self.assertEqual(request.act_signed_by, "Ann Alpha")

    def test_refusals_write_nothing(self):
        request = self._done_request()
        as_user = request.with_user(self.as_user)
        attachments = self.env["ir.attachment"].search_count([])
        for name, signature, error in (
            ("  ", PNG, "name of the person"),
            ("Ann Alpha", False, "signature is missing"),
            ("Ann Alpha", "@@@", ""),
        ):
            with self.assertRaisesRegex(UserError, error):
                as_user.action_sign_act(name, signature)
        # through the form too: an empty signature
        wizard = (
            self.env["after_sales.act.sign"]
            .with_user(self.as_user)
            .create({"request_id": request.id, "signed_by": "Ann Alpha"})
        )
        with self.assertRaisesRegex(UserError, "signature is missing"):
            wizard.action_sign()
        self._assert_unsigned(request)
        self.assertEqual(self.env["ir.attachment"].search_count([]), attachments)

    def test_only_resolved_request(self):
        request = self._done_request(resolved=False)
        with self.assertRaisesRegex(UserError, "not resolved"):
            request.with_user(self.as_user).action_sign_act("Ann Alpha", PNG)
        self._assert_unsigned(request)
        nothing_done = self._create_request(self.alpha, [self._work_line(done=False)], resolved=False)
        nothing_done._action_resolve("<p>Nothing done.</p>", keep_open_lines=nothing_done.line_ids)
        with self.assertRaisesRegex(UserError, "no work or part done"):
            nothing_done.with_user(self.as_user).action_sign_act("Ann Alpha", PNG)

    def test_signing_twice_refused(self):
        request = self._done_request()
        request.with_user(self.as_user).action_sign_act("Ann Alpha", PNG)
        signed_on = request.act_signed_on
        with self.assertRaisesRegex(UserError, "already signed"):
            request.with_user(self.as_user).action_sign_act("Bob", PNG)
        self.assertRecordValues(request, [{"act_signed_by": "Ann Alpha", "act_signed_on": signed_on}])

    def test_invoiced_act_refused(self):
        request = self._done_request()
        self._run()
        self.assertTrue(all(line._is_invoiced() for line in request.line_ids.filtered("amount_charged")))
        # the warranty part is not invoiced without covered lines on invoices: only the paid work is
        request.line_ids.filtered(lambda ln: ln.line_type == "part").customer_visible = False
        with self.assertRaisesRegex(UserError, "already invoiced"):
            request.with_user(self.as_user).action_sign_act("Ann Alpha", PNG)
        self._assert_unsigned(request)

    def test_changed_line_voids_signature(self):
        request = self._done_request()
        work = request.line_ids.filtered(lambda ln: ln.line_type == "work")
        request.with_user(self.as_user).action_sign_act("Ann Alpha", PNG)
        signed_attachment = request.act_signed_attachment_id
        # what the act does not state leaves the signature alone
        work.with_user(self.as_user).date = "2026-03-11"
        work.with_user(self.as_user).quantity = work.quantity
        self.assertEqual(request.act_signed_by, "Ann Alpha")
        # a quantity changed (of the part: the work's is its norm hours): void, logged, to be signed again
        part = request.line_ids.filtered(lambda ln: ln.line_type == "part")
        part.with_user(self.as_user).quantity = 3.0
        self._assert_unsigned(request)
        self.assertTrue(signed_attachment.exists(), "the act signed before stays in the history")
        note = request.message_ids[:1]
        self.assertIn("signed by Ann Alpha is void", note.body)
        self.assertIn(part.name, note.body)
        request.with_user(self.as_user).action_sign_act("Ann Alpha", PNG)
        self.assertTrue(request.act_signed_on)
        # a part added to the act voids it too
        self.env["after_sales.request.line"].with_user(self.as_user).create(
            {"request_id": request.id, **self._part_line(done=True)}
        )
        self._assert_unsigned(request)
        request.with_user(self.as_user).action_sign_act("Ann Alpha", PNG)
        # and a line removed
        request.line_ids[-1:].with_user(self.as_user).unlink()
        self._assert_unsigned(request)

    def test_invoice_carries_the_signed_act(self):
        request = self._done_request()
        request.with_user(self.as_user).action_sign_act("Ann Alpha", PNG)
        run = self._run()
        invoice = run.invoice_ids
        self.assertEqual(invoice.after_sales_request_ids, request)
        invoice.action_post()
        act = invoice._after_sales_get_act_attachment()
        self.assertRecordValues(act, [{"res_model": "account.move", "res_id": invoice.id}])
        self.assertEqual(act.raw, request.act_signed_attachment_id.raw)

    def test_unsigned_invoice_act_rendered(self):
        request = self._done_request()
        invoice = self._run().invoice_ids
        invoice.action_post()
        act = invoice._after_sales_get_act_attachment()
        self.assertTrue(act)
        self.assertNotIn(b"Signed by", act.raw)
        self.assertFalse(request.act_signed_attachment_id)

    def test_setting_holds_unsigned_on_site_work(self):
        settings = Form(self.env["res.config.settings"])
        settings.after_sales_act_required = True
        settings.save().execute()
        self.assertTrue(self.company.after_sales_act_required)
        request = self._done_request()
        consultation = self._create_request(self.alpha, [self._work_line()], request_type="consultation")
        run = self._run()
        # the consultation is no on-site work: billed; the repair waits for its act
        self.assertEqual(run.invoice_ids.line_ids.after_sales_line_ids, consultation.line_ids)
        self.assertRecordValues(
            run.skip_ids.filtered(lambda s: s.request_id == request).sorted("reason"),
            [{"reason": "act_unsigned", "line_count": 1}, {"reason": "covered", "line_count": 1}],
        )
        self.assertIn("Act not signed", run.message_ids[:1].body)
        request.with_user(self.as_user).action_sign_act("Ann Alpha", PNG)
        second = self._run()
        work = request.line_ids.filtered(lambda ln: ln.line_type == "work")
        self.assertEqual(second.invoice_ids.line_ids.after_sales_line_ids, work)
        self.assertFalse(second.skip_ids.filtered(lambda s: s.reason == "act_unsigned"))

    def test_invoice_now_says_the_act_is_unsigned(self):
        self.company.after_sales_act_required = True
        request = self._done_request()
        with self.assertRaisesRegex(UserError, "is not signed"):
            request.with_user(self.billing_user).action_invoice_now()
        self.assertFalse(request.invoice_ids)
        request.with_user(self.as_user).action_sign_act("Ann Alpha", PNG)
        request.with_user(self.billing_user).action_invoice_now()
        self.assertEqual(request.invoice_ids.line_ids.after_sales_line_ids.line_type, "work")

    def test_setting_off_bills_unsigned(self):
        self.assertFalse(self.company.after_sales_act_required)
        request = self._done_request()
        run = self._run()
        self.assertIn(request, run.invoice_ids.after_sales_request_ids)


@tagged("post_install", "-at_install")
class TestSignedActPortal(SignedActCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alpha_contact = cls.env["res.partner"].create({"name": "Ann Alpha", "parent_id": cls.alpha.id})
        cls.beta_contact = cls.env["res.partner"].create({"name": "Bob Beta", "parent_id": cls.beta.id})
        cls.portal_alpha = new_test_user(
            cls.env, login="portal_act_alpha", groups="base.group_portal", partner_id=cls.alpha_contact.id
        )
        cls.portal_beta = new_test_user(
            cls.env, login="portal_act_beta", groups="base.group_portal", partner_id=cls.beta_contact.id
        )
        cls.request = cls._done_request()
        cls.request._portal_ensure_token()

    def _sign(self, service_request, **params):
        response = self.url_open(
            f"/my/requests/{service_request.id}/act/sign",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()["result"]

    def test_sign_with_token(self):
        url = f"/my/requests/{self.request.id}/act"
        token = self.request.access_token
        page = self.url_open(f"{url}?access_token={token}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Diagnostics", page.text)
        self.assertIn("Factory defect", page.text)
        self.assertIn("portal.signature_form", page.text)
        self.assertEqual(self.url_open(f"{url}?access_token=wrong").status_code, 404)
        self.assertEqual(self.url_open(url).status_code, 404, "no token, not logged in")
        # refused attempts write nothing
        self.assertIn("error", self._sign(self.request, access_token="wrong", name="Ann", signature=PNG))
        self.assertIn("error", self._sign(self.request, access_token=token, name="Ann"))
        self.assertIn("error", self._sign(self.request, access_token=token, name=" ", signature=PNG))
        self.assertIn("error", self._sign(self.request, access_token=token, name="Ann", signature="@@@"))
        self._assert_unsigned(self.request)
        result = self._sign(self.request, access_token=token, name="Ann Alpha", signature=PNG)
        self.assertTrue(result.get("force_refresh"), result)
        self.assertEqual(self.request.act_signed_by, "Ann Alpha")
        self.assertTrue(self.request.act_signed_attachment_id)
        message = self.request.message_ids.filtered(
            lambda m: self.request.act_signed_attachment_id in m.attachment_ids
        )
        self.assertIn(self.alpha, message.partner_ids)
        page = self.url_open(f"{url}?access_token={token}")
        self.assertIn("Signed by", page.text)
        self.assertNotIn("portal.signature_form", page.text)
        pdf = self.url_open(f"{url}?access_token={token}&report_type=pdf")
        self.assertEqual(pdf.content, self.request.act_signed_attachment_id.raw)
        result = self._sign(self.request, access_token=token, name="Bob", signature=PNG)
        self.assertIn("already signed", result["error"])

    def test_logged_in_owner_and_request_page_link(self):
        self.authenticate("portal_act_alpha", "portal_act_alpha")
        page = self.url_open(f"/my/requests/{self.request.id}")
        self.assertIn(f"/my/requests/{self.request.id}/act", page.text)
        self.assertEqual(self.url_open(f"/my/requests/{self.request.id}/act").status_code, 200)
        result = self._sign(self.request, name="Ann Alpha", signature=PNG)
        self.assertTrue(result.get("force_refresh"), result)
        self.assertEqual(self.request.act_signed_by, "Ann Alpha")

    def test_request_page_says_where_the_act_stands(self):
        """The portal shows the act's real status and why it cannot be signed yet, not "To Sign"."""
        self.authenticate("portal_act_alpha", "portal_act_alpha")
        open_request = self._done_request(resolved=False)
        page = self.url_open(f"/my/requests/{open_request.id}").text
        self.assertIn('data-act-status="in_progress"', page)
        self.assertIn("Work in progress", page)
        self.assertIn("once the work is done and the request resolved", page)
        self.assertNotIn("To Sign", page)
        page = self.url_open(f"/my/requests/{self.request.id}").text
        self.assertIn('data-act-status="to_sign"', page)
        self.assertIn("To Sign", page)
        self.request.action_sign_act("Ann Alpha", PNG)
        page = self.url_open(f"/my/requests/{self.request.id}").text
        self.assertIn('data-act-status="signed"', page)
        self.assertIn("Signed on", page)
        self.assertNotIn("To Sign", page)

    def test_invoiced_act_says_why_it_is_not_signed(self):
        request = self._done_request()
        self._run()
        request.line_ids.filtered(lambda ln: ln.line_type == "part").customer_visible = False
        self.assertEqual(request._get_act_status()[0], "invoiced")
        self.authenticate("portal_act_alpha", "portal_act_alpha")
        page = self.url_open(f"/my/requests/{request.id}").text
        self.assertIn('data-act-status="invoiced"', page)
        self.assertNotIn("To Sign", page)
        act = self.url_open(f"/my/requests/{request.id}/act").text
        self.assertIn("an invoiced act is not signed", act)
        self.assertNotIn("portal.signature_form", act)

    def test_customer_downloads_the_act_not_signed_yet(self):
        """The page's Download button gives the act as it stands, before anyone signed it."""
        self.authenticate("portal_act_alpha", "portal_act_alpha")
        page = self.url_open(f"/my/requests/{self.request.id}/act")
        self.assertEqual(page.status_code, 200)
        link = self.request.get_portal_url(suffix="/act", report_type="pdf", download=True)
        self.assertIn(link.replace("&", "&amp;"), page.text, "the page offers the download")
        response = self.url_open(link)
        self.assertEqual(response.status_code, 200)
        disposition = response.headers["Content-Disposition"]
        self.assertIn("attachment", disposition)
        self.assertIn(re.sub(r"\W+", "_", f"Act - {self.request.name}"), disposition)
        # a PDF, or the HTML Odoo renders instead when tests run without wkhtmltopdf
        self.assertTrue(response.content.startswith(b"%PDF") or b"Diagnostics" in response.content)
        self._assert_unsigned(self.request)

    def test_other_customer_gets_404(self):
        self.authenticate("portal_act_beta", "portal_act_beta")
        self.assertEqual(self.url_open(f"/my/requests/{self.request.id}/act").status_code, 404)
        self.assertIn("error", self._sign(self.request, name="Bob Beta", signature=PNG))
        self._assert_unsigned(self.request)

    def test_unresolved_request_has_no_act(self):
        open_request = self._done_request(resolved=False)
        url = f"/my/requests/{open_request.id}/act?access_token={open_request._portal_ensure_token()}"
        self.assertEqual(self.url_open(url).status_code, 404)
        result = self._sign(open_request, access_token=open_request.access_token, name="Ann", signature=PNG)
        self.assertIn("not resolved", result["error"])
        self._assert_unsigned(open_request)


@tagged("post_install", "-at_install")
class TestSignedActFromVisit(SignedActCommon):
    def _visit(self, request):
        return self.env["after_sales.visit"].create(
            {
                "request_id": request.id,
                "planned_start": "2026-03-02 09:00:00",
                "planned_end": "2026-03-02 11:00:00",
                "engineer_ids": self.as_user.ids,
            }
        )

    def test_sign_from_the_visit(self):
        request = self._done_request()
        visit = self._visit(request).with_user(self.as_user)
        visit.action_check_in()
        action = visit.action_open_sign_act()
        self.assertEqual(action["res_model"], "after_sales.act.sign")
        Wizard = self.env[action["res_model"]].with_user(self.as_user)
        wizard_form = Form(Wizard.with_context(**action["context"]))
        wizard_form.signed_by = "Ann Alpha"
        wizard_form.signature = PNG
        wizard_form.save().action_sign()
        self.assertEqual(request.act_signed_by, "Ann Alpha")
        self.assertEqual(visit.act_signed_on, request.act_signed_on)
        self.assertTrue(request.act_signed_attachment_id)

    def _shown(self, record, xpath):
        """Whether the element at ``xpath`` of ``record``'s form shows, as the web client decides."""
        arch = record.get_views([(False, "form")])["views"]["form"]["arch"]
        node = etree.fromstring(arch).xpath(xpath)
        if not node:
            return False
        expression = node[0].get("invisible") or "False"
        values = {
            name: record[name].id if record._fields[name].type == "many2one" else record[name]
            for name in re.findall(r"[a-z_]+", expression)
            if name in record._fields
        }
        return not safe_eval(expression, values)

    def test_sign_act_offered_once_the_request_is_resolved(self):
        request = self._done_request(resolved=False)
        visit = self._visit(request).with_user(self.as_user)
        visit.action_check_in()
        sign = "//header/button[@name='action_open_sign_act']"
        self.assertFalse(self._shown(visit, sign), "no Sign Act before the request is resolved")
        self.assertTrue(self._shown(visit, "//div[hasclass('o_visit_act_not_ready')]"), "the form says why")
        request._action_resolve("<p>Pump repaired</p>")
        visit.invalidate_recordset()
        self.assertTrue(self._shown(visit, sign))
        self.assertFalse(self._shown(visit, "//div[hasclass('o_visit_act_not_ready')]"))

    def test_unresolved_request_refused_before_the_pad_opens(self):
        request = self._done_request(resolved=False)
        self.assertFalse(request.is_resolved)
        visit = self._visit(request).with_user(self.as_user)
        with self.assertRaisesRegex(UserError, "Resolve request"):
            visit.action_open_sign_act()
        self._assert_unsigned(request)
