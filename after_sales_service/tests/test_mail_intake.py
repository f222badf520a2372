from email.message import EmailMessage
from email.utils import make_msgid

from freezegun import freeze_time

from odoo import Command
from odoo.tests import Form, new_test_user, tagged

from .common import AfterSalesCommon

ALIAS_DOMAIN = "service-desk.example.com"


@tagged("post_install", "-at_install")
class TestMailIntake(AfterSalesCommon):
    """Real RFC 822 messages through mail's gateway (``mail.thread.message_process``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alias_domain = cls.env["mail.alias.domain"].create(
            {"name": ALIAS_DOMAIN, "bounce_alias": "bounce-desk", "catchall_alias": "catchall-desk"}
        )
        cls.env.company.alias_domain_id = cls.alias_domain
        cls.env.company.email = "service@company.example.com"
        cls.team = cls.env["after_sales.team"].create({"name": "Mail Desk", "alias_name": "help"})
        cls.contact = cls.env["res.partner"].create(
            {"name": "Ivan Petrov", "email": "ivan.petrov@uralmash.example.com", "parent_id": cls.customer.id}
        )
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "Other Plant", "is_company": True, "email": "desk@other.example.com"}
        )
        cls.own_unit = cls._create_unit(lot=cls._create_lot(cls.product_unit, "TG1-0042"))
        cls.other_unit = cls._create_unit(
            lot=cls._create_lot(cls.product_unit, "TG1-0099"), partner=cls.other_customer
        )
        cls.stage_progress = cls.env.ref("after_sales_service.stage_in_progress")
        cls.stage_waiting = cls.env.ref("after_sales_service.stage_waiting_customer")
        cls.stage_closed = cls.env.ref("after_sales_service.stage_closed")
        cls.Request = cls.env["after_sales.request"]

    # ------------------------------------------------------------ helpers

    def _mail(
        self,
        subject="Generator does not start",
        body="Hello,\nour generator stopped this morning.\n",
        email_from='"Ivan Petrov" <ivan.petrov@uralmash.example.com>',
        to=f"help@{ALIAS_DOMAIN}",
        date="Fri, 13 Mar 2026 09:30:00 +0000",
        in_reply_to=None,
        headers=None,
        attachments=(),
    ):
        """An RFC 822 message as a mail server hands it over."""
        msg = EmailMessage()
        msg["From"] = email_from
        msg["To"] = to
        if subject is not None:
            msg["Subject"] = subject
        if date:
            msg["Date"] = date
        msg["Message-ID"] = make_msgid(domain="mail.uralmash.example.com")
        if in_reply_to:
            msg["In-Reply-To"] = in_reply_to
            msg["References"] = in_reply_to
        for name, value in (headers or {}).items():
            msg[name] = value
        msg.set_content(body)
        for filename, content, mimetype in attachments:
            maintype, subtype = mimetype.split("/")
            msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
        return msg.as_string()

    def _process(self, raw, model=None, user=None):
        """Process ``raw`` as the mail gateway does (administrative rights); new requests."""
        before = self.Request.search([]).ids
        self.env["mail.thread"].with_user(user or self.env.user).sudo().message_process(model, raw)
        return self.Request.search([("id", "not in", before)])

    def _reply_to(self, request, **kwargs):
        """A customer's reply to the acknowledgement the request sent."""
        ack = request.message_ids.filtered(
            lambda m: m.message_type == "auto_comment" and m.subtype_id == self.env.ref("mail.mt_comment")
        )[:1]
        self.assertTrue(ack, "the request acknowledged the mail")
        kwargs.setdefault("subject", f"Re: {ack.subject}")
        kwargs.setdefault("to", f"catchall-desk@{ALIAS_DOMAIN}")
        kwargs.setdefault("date", None)
        return self._process(self._mail(in_reply_to=ack.message_id, **kwargs))

    def _close(self, request):
        request.write({"resolution": "<p>Replaced the starter.</p>", "stage_id": self.stage_closed.id})
        self.assertTrue(request.is_closed)

    # -------------------------------------------------------------- tests

    def test_known_sender_creates_request_of_the_team(self):
        request = self._process(self._mail())
        self.assertEqual(len(request), 1)
        self.assertRecordValues(
            request,
            [
                {
                    "title": "Generator does not start",
                    "partner_id": self.customer.id,
                    "contact_id": self.contact.id,
                    "channel": "email",
                    "team_id": self.team.id,
                    "company_id": self.env.company.id,
                    "user_id": False,
                    "partner_needs_review": False,
                    "equipment_id": False,
                    "sla_response_date": False,
                }
            ],
        )
        self.assertNotEqual(request.name, "/")
        self.assertIn("generator stopped this morning", request.description)
        incoming = request.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertEqual(incoming.author_id, self.contact)
        self.assertIn(self.contact, request.message_partner_ids, "the sender follows the request")

    def test_unknown_sender_becomes_a_contact_to_check(self):
        request = self._process(self._mail(email_from='"Anna Smirnova" <anna@newplant.example.com>'))
        partner = request.partner_id
        self.assertRecordValues(partner, [{"name": "Anna Smirnova", "email": "anna@newplant.example.com"}])
        self.assertTrue(request.partner_needs_review)
        self.assertEqual(
            self.Request.search([("partner_needs_review", "=", True)]), request, "the review filter finds it"
        )
        self.assertEqual(request.message_ids.filtered(lambda m: m.message_type == "email").author_id, partner)

    def test_mail_forwarded_by_staff_is_flagged(self):
        self.as_user.partner_id.email = "as.user@company.example.com"
        request = self._process(
            self._mail(subject="TG1-0042 broken", email_from=self.as_user.email_formatted)
        )
        self.assertRecordValues(request, [{"partner_needs_review": True, "equipment_id": False}])

    def test_serial_of_the_senders_own_unit_links_it(self):
        request = self._process(self._mail(subject="Unit tg1-0042 overheats"))
        self.assertRecordValues(
            request,
            [
                {
                    "equipment_id": self.own_unit.id,
                    "lot_id": self.own_unit.lot_id.id,
                    "product_id": self.product_unit.id,
                }
            ],
        )
        request = self._process(self._mail(subject="Noise", body="Serial number: TG1-0042.\nPlease call."))
        self.assertEqual(request.equipment_id, self.own_unit)

    def test_serial_of_another_customers_unit_is_never_linked(self):
        request = self._process(self._mail(subject="Unit TG1-0099 overheats", body="Serial TG1-0099"))
        self.assertEqual(request.partner_id, self.customer)
        self.assertFalse(request.equipment_id)
        # an unknown sender naming any serial gets no unit either
        request = self._process(
            self._mail(subject="TG1-0042 broken", email_from="stranger@elsewhere.example.com")
        )
        self.assertTrue(request.partner_needs_review)
        self.assertFalse(request.equipment_id)

    def test_attachments_are_kept(self):
        request = self._process(
            self._mail(attachments=[("nameplate.png", b"\x89PNG fake image", "image/png")])
        )
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "after_sales.request"), ("res_id", "=", request.id)]
        )
        self.assertEqual(attachment.name, "nameplate.png")
        self.assertEqual(attachment.raw, b"\x89PNG fake image")
        self.assertEqual(
            request.message_ids.filtered(lambda m: m.message_type == "email").attachment_ids, attachment
        )

    def test_reply_threads_and_moves_back_from_waiting(self):
        request = self._process(self._mail())
        request.stage_id = self.stage_waiting
        created = self._reply_to(request, body="The serial is on the back: it is TG1-0042.")
        self.assertFalse(created, "a reply creates no request")
        reply = request.message_ids.filtered(lambda m: m.message_type == "email")[:1]
        self.assertIn("serial is on the back", reply.body)
        self.assertEqual(reply.author_id, self.contact)
        self.assertEqual(request.stage_id, self.stage_progress)

    def test_reply_to_a_closed_request_reopens_it(self):
        self.env.company.after_sales_closed_reply = "reopen"
        request = self._process(self._mail())
        self._close(request)
        created = self._reply_to(request, body="It stopped again.")
        self.assertFalse(created)
        self.assertRecordValues(
            request, [{"stage_id": self.stage_progress.id, "is_closed": False, "date_closed": False}]
        )
        self.assertIn(
            "It stopped again.", request.message_ids.filtered(lambda m: m.message_type == "email")[0].body
        )

    def test_reply_to_a_closed_request_opens_a_follow_up(self):
        self.assertEqual(self.env.company.after_sales_closed_reply, "followup")
        request = self._process(self._mail(subject="Starter TG1-0042 broken"))
        self._close(request)
        followup = self._reply_to(
            request,
            body="It stopped again.",
            attachments=[("log.txt", b"E42 overheat", "text/plain")],
        )
        self.assertEqual(len(followup), 1)
        self.assertRecordValues(
            followup,
            [
                {
                    "origin_request_id": request.id,
                    "partner_id": self.customer.id,
                    "contact_id": self.contact.id,
                    "equipment_id": self.own_unit.id,
                    "team_id": self.team.id,
                    "channel": "email",
                    "is_closed": False,
                }
            ],
        )
        self.assertTrue(request.is_closed, "the closed request keeps its results")
        reply = followup.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertIn("It stopped again.", reply.body)
        self.assertEqual(reply.attachment_ids.name, "log.txt")
        self.assertFalse(request.message_ids.filtered(lambda m: "It stopped again." in (m.body or "")))
        self.assertIn(
            followup.name, request.message_ids[0].body, "the closed request points to the follow-up"
        )

    def test_automatic_mails_create_nothing(self):
        for headers in (
            {"Auto-Submitted": "auto-replied"},
            {"Auto-Submitted": "auto-generated"},
            {"X-Autoreply": "yes"},
            {"Precedence": "bulk"},
            {"Precedence": "auto_reply"},
        ):
            with self.subTest(headers=headers):
                self.assertFalse(self._process(self._mail(subject="Out of office", headers=headers)))
        # a person's mail saying so is processed
        self.assertTrue(self._process(self._mail(headers={"Auto-Submitted": "no"})))

    def test_automatic_reply_to_a_request_changes_nothing(self):
        request = self._process(self._mail())
        request.stage_id = self.stage_waiting
        created = self._reply_to(request, subject="Out of office", headers={"Auto-Submitted": "auto-replied"})
        self.assertFalse(created)
        self.assertEqual(request.stage_id, self.stage_waiting)
        self._close(request)
        self.assertFalse(
            self._reply_to(request, subject="Out of office", headers={"X-Autoreply": "yes"}),
            "no follow-up for an auto-reply",
        )
        self.assertTrue(request.is_closed)

    def test_bounce_creates_nothing(self):
        raw = self._mail(
            subject="Undelivered Mail Returned to Sender",
            email_from="MAILER-DAEMON@mx.uralmash.example.com",
        )
        self.assertFalse(self._process(raw))

    def test_sender_in_a_loop_is_stopped(self):
        self.env["ir.config_parameter"].sudo().set_param("mail.gateway.loop.threshold", 2)
        for subject in ("Robot 1", "Robot 2"):
            self.assertTrue(self._process(self._mail(subject=subject)))
        self.assertFalse(self._process(self._mail(subject="Robot 3")))

    def test_mail_from_our_own_addresses_opens_nothing(self):
        """A mail whose sender is one of our aliases, the catchall or the bounce address (a loop
        between two desks, a forged sender) creates no request and no contact named after the desk."""
        other_team = self.env["after_sales.team"].create({"name": "Second Desk", "alias_name": "repairs"})
        partners_before = self.env["res.partner"].with_context(active_test=False).search_count([])
        for email_from in (
            f'"Mail Desk" <help@{ALIAS_DOMAIN}>',
            f'"Second Desk" <{other_team.alias_email}>',
            f"catchall-desk@{ALIAS_DOMAIN}",
            f"BOUNCE-DESK@{ALIAS_DOMAIN.upper()}",
        ):
            with self.subTest(email_from=email_from):
                self.assertFalse(self._process(self._mail(email_from=email_from)))
                # nor through the gateway's fallback model (a mail to no alias of ours)
                raw = self._mail(email_from=email_from, to="desk@supplier.example.com")
                self.assertFalse(self._process(raw, model=self.Request._name))
        self.assertEqual(
            self.env["res.partner"].with_context(active_test=False).search_count([]), partners_before
        )
        self.assertFalse(self.env["res.partner"].search([("email", "ilike", ALIAS_DOMAIN)]))
        # nor does it post on, reopen or follow up a customer's request
        request = self._process(self._mail())
        request.stage_id = self.stage_waiting
        self.assertFalse(self._reply_to(request, email_from=f"help@{ALIAS_DOMAIN}", subject="Re: loop"))
        self.assertEqual(request.stage_id, self.stage_waiting)
        self.assertFalse(request.message_ids.filtered(lambda m: m.subject == "Re: loop"))
        # a customer's mail is still a request
        self.assertTrue(self._process(self._mail(subject="Still a customer")))

    def test_date_header_starts_the_sla(self):
        calendar = self._create_office_calendar("Mail desk 8-17")
        self.env.company.after_sales_sla_policy_id = self.env["after_sales.sla.policy"].create(
            {
                "name": "Mail SLA",
                "calendar_id": calendar.id,
                "target_ids": [
                    Command.create({"priority": "1", "response_hours": 4, "resolution_hours": 16})
                ],
            }
        )
        with freeze_time("2026-03-13 16:00:00"):  # processed late on a Friday
            request = self._process(self._mail(date="Fri, 13 Mar 2026 12:30:00 +0300"))  # 09:30 UTC
            future = self._process(self._mail(subject="Clock ahead", date="Sat, 14 Mar 2026 10:00:00 +0000"))
        self.assertEqual(str(request.date_open), "2026-03-13 09:30:00")
        self.assertEqual(str(request.sla_response_deadline), "2026-03-13 14:30:00")
        self.assertEqual(str(request.sla_resolution_deadline), "2026-03-17 09:30:00")
        self.assertEqual(str(future.date_open), "2026-03-13 16:00:00", "never received in the future")

    def test_mail_without_subject_or_body(self):
        request = self._process(self._mail(subject=None, body="Pump leaks oil\nsince Monday"))
        self.assertEqual(request.title, "Pump leaks oil")
        request = self._process(self._mail(subject="", body=""))
        self.assertEqual(request.title, "E-mail from Ivan Petrov")
        self.assertFalse(request.description)

    def test_huge_subject_is_cut_at_a_word(self):
        subject = "Pump " + "very " * 2000 + "broken"
        request = self._process(self._mail(subject=subject))
        self.assertLessEqual(len(request.title), 120)
        self.assertTrue(request.title.startswith("Pump very very"))
        self.assertTrue(request.title.endswith("very…"))

    def test_acknowledgement_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        template = self.env.ref("after_sales_service.mail_template_request_created")
        template.with_context(lang="fr_FR").subject = "Demande {{ object.name }} reçue"
        self.contact.lang = "fr_FR"
        request = self._process(self._mail())
        ack = request.message_ids.filtered(lambda m: m.message_type == "auto_comment")
        self.assertEqual(ack.subject, f"Demande {request.name} reçue")
        self.assertEqual(ack.partner_ids, self.contact)
        english = self.env["res.partner"].create(
            {
                "name": "John Smith",
                "email": "john@uralmash.example.com",
                "parent_id": self.customer.id,
                "lang": "en_US",
            }
        )
        request = self._process(self._mail(email_from=english.email))
        ack = request.message_ids.filtered(lambda m: m.message_type == "auto_comment")
        self.assertIn("received", ack.subject)

    def test_company_address_is_the_default_teams_alias(self):
        with Form(self.env["res.config.settings"]) as settings:
            settings.after_sales_team_id = self.team
            settings.after_sales_alias_name = "service"
            settings.after_sales_closed_reply = "reopen"
        self.assertEqual(self.team.alias_email, f"service@{ALIAS_DOMAIN}")
        self.assertEqual(self.env.company.after_sales_closed_reply, "reopen")
        request = self._process(self._mail(to=f"service@{ALIAS_DOMAIN}"))
        self.assertEqual(request.team_id, self.team)
        # a mail server that drops every mail into requests: the company's team takes them
        request = self._process(
            self._mail(to="info@uralmash-supplier.example.com"), model="after_sales.request"
        )
        self.assertRecordValues(request, [{"team_id": self.team.id, "channel": "email"}])

    def test_gateway_run_by_an_administrator_is_no_first_response(self):
        """``odoo-mailgate`` logs in as a user: its acknowledgement does not answer the customer."""
        admin = self.env.ref("base.user_admin")
        request = self._process(self._mail(), user=admin)
        ack = request.message_ids.filtered(lambda m: m.message_type == "auto_comment")
        self.assertEqual(ack.partner_ids, self.contact)
        self.assertFalse(request.sla_response_date)

    def test_reply_ends_the_sla_pause(self):
        request = self._process(self._mail())
        request.sla_policy_id.pause_stage_ids = self.stage_waiting
        request.stage_id = self.stage_waiting
        self.assertTrue(request.sla_paused_since)
        self._reply_to(request, body="Here are the photos.")
        self.assertRecordValues(request, [{"stage_id": self.stage_progress.id, "sla_paused_since": False}])

    def test_portal_customer_writes_in(self):
        portal = new_test_user(
            self.env,
            login="mail_portal",
            groups="base.group_portal",
            partner_id=self.contact.id,
            email=self.contact.email,
        )
        request = self._process(self._mail())
        self.assertRecordValues(
            request, [{"partner_id": self.customer.id, "contact_id": portal.partner_id.id, "user_id": False}]
        )

    def test_automatic_mail_through_a_catch_all_server_creates_nothing(self):
        raw = self._mail(to="info@uralmash-supplier.example.com", headers={"Auto-Submitted": "auto-replied"})
        self.assertFalse(self._process(raw, model="after_sales.request"))

    def test_team_of_another_company(self):
        company_b = self.env["res.company"].create(
            {"name": "Service Branch B", "alias_domain_id": self.alias_domain.id}
        )
        team_b = self.env["after_sales.team"].create(
            {"name": "Desk B", "company_id": company_b.id, "alias_name": "help-b"}
        )
        self.assertEqual(team_b.alias_email, f"help-b@{ALIAS_DOMAIN}")
        request = self._process(self._mail(to=team_b.alias_email, subject="TG1-0042 broken"))
        self.assertRecordValues(
            request,
            [
                {
                    "company_id": company_b.id,
                    "team_id": team_b.id,
                    "partner_id": self.customer.id,
                    "equipment_id": False,
                }
            ],
        )

    def test_manager_sets_the_alias_in_the_team_form(self):
        with Form(self.team.with_user(self.as_manager)) as team:
            team.alias_name = "repairs"
        self.assertEqual(self.team.alias_email, f"repairs@{ALIAS_DOMAIN}")
        self.assertEqual(self.team.with_user(self.as_user).alias_email, f"repairs@{ALIAS_DOMAIN}")
        self.assertTrue(self._process(self._mail(to=f"repairs@{ALIAS_DOMAIN}")))
