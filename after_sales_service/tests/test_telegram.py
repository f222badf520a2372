import base64
import json
import re
import time
from datetime import datetime, timedelta
from unittest.mock import patch

import telegram
from telegram.ext import ExtBot

from odoo import fields, http
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import AfterSalesCommon

# a 1x1 PNG: what the mocked Telegram file download returns
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
CHAT = 700100200
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FOLLOW_CODE = re.compile(r"https://t\.me/acme_service_bot\?start=([A-Za-z0-9_-]+)")
WEBHOOK_KEY = "after_sales_test_hook"
SECRET = "s3cret-token"


class _PhotoFile:
    async def download_as_bytearray(self):
        return bytearray(PNG)


def _recording_bot(sent):
    """A python-telegram-bot ``Bot`` whose HTTP calls never leave: what it would send to the
    Bot API is appended to ``sent`` (as OCA's own tests mock it)."""

    class RecordingBot(ExtBot):
        def _validate_token(self, *args, **kwargs):
            return None

        async def initialize(self, *args, **kwargs):
            return None

        async def get_file(self, file_id, *args, **kwargs):
            return _PhotoFile()

        async def get_chat(self, chat_id, *args, **kwargs):
            return telegram.Chat.de_json({"id": int(chat_id), "type": "private"}, self)

        async def _send_message(self, endpoint, data, *args, **kwargs):
            sent.append({"endpoint": endpoint, **data})
            return telegram.Message.de_json(
                {
                    "date": int(time.time()),
                    "message_id": 9000 + len(sent),
                    "chat": {"id": int(data["chat_id"]), "type": "private"},
                },
                self,
            )

    return RecordingBot


@tagged("post_install", "-at_install")
class TestTelegram(AfterSalesCommon, HttpCase):
    """A service team's bot: webhook in (OCA's gateway route), requests, replies out, codes."""

    @classmethod
    def default_env_context(cls):
        return {}  # stage changes send their templates (tracking on)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gateway = cls.env["mail.gateway"].create(
            {
                "name": "Service bot",
                "gateway_type": "telegram",
                "token": "123456:TEST",
                "webhook_key": WEBHOOK_KEY,
                "webhook_secret": SECRET,
                "after_sales_bot_username": "acme_service_bot",
            }
        )
        cls.gateway.integrated_webhook_state = "integrated"
        cls.team = cls.env["after_sales.team"].create(
            {"name": "Telegram Desk", "telegram_gateway_id": cls.gateway.id}
        )
        cls.contact = cls.env["res.partner"].create(
            {
                "name": "Ivan Petrov",
                "email": "ivan.petrov@uralmash.example.com",
                "parent_id": cls.customer.id,
            }
        )
        cls.other_request = cls.env["after_sales.request"].create(
            {"title": "Secret gearbox claim", "partner_id": cls.customer.id, "user_id": False}
        )
        cls.engineer = new_test_user(
            cls.env,
            login="tg_engineer",
            name="Pavel Sidorov",
            groups="after_sales_service.group_after_sales_user",
        )
        cls.Request = cls.env["after_sales.request"]
        cls.env.company.after_sales_public_form_limit = 100
        cls.unit = cls._create_unit(lot=cls._create_lot(cls.product_unit, "SN-TG-FOLLOW"))

    def setUp(self):
        super().setUp()
        self.sent = []
        patcher = patch("telegram.Bot", _recording_bot(self.sent))
        patcher.start()
        self.addCleanup(patcher.stop)
        self.update_id = 1000

    # ------------------------------------------------------------ helpers

    def _update(self, text=None, chat=CHAT, photo=False, update_id=None, **message):
        if update_id is None:
            self.update_id += 1
            update_id = self.update_id
        message = {
            "message_id": update_id,
            "from": {
                "id": chat,
                "is_bot": False,
                "first_name": "Ivan",
                "last_name": "P",
                "language_code": "en",
            },
            "chat": {"id": chat, "first_name": "Ivan", "last_name": "P", "type": "private"},
            "date": 1765000000,
            **message,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if photo:
            message["photo"] = [
                {
                    "file_id": "PHOTO_SMALL",
                    "file_unique_id": "ps",
                    "width": 90,
                    "height": 90,
                    "file_size": 10,
                },
                {
                    "file_id": "PHOTO_BIG",
                    "file_unique_id": "pb",
                    "width": 900,
                    "height": 900,
                    "file_size": 90,
                },
            ]
            message["caption"] = "Oil leak under the unit"
        return {"update_id": update_id, "message": message}

    def _post(self, payload, secret=SECRET, raw=None):
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        response = self.url_open(
            f"/gateway/telegram/{WEBHOOK_KEY}/update",
            data=raw if raw is not None else json.dumps(payload),
            headers=headers,
            timeout=30,
        )
        self.env.invalidate_all()
        return response

    def _chat_requests(self, chat=CHAT):
        return self.Request.search([("telegram_chat_id.chat_token", "=", str(chat))], order="id")

    def _texts(self, chat=CHAT):
        return [s.get("text", "") for s in self.sent if int(s["chat_id"]) == chat]

    def _connect(self, partner, chat=CHAT):
        link = partner._after_sales_telegram_link_code()
        self._post(self._update(f"/start {link['code']}", chat=chat)).raise_for_status()
        return link

    def _counts(self):
        return {
            model: self.env[model].sudo().search_count([])
            for model in (
                "after_sales.request",
                "after_sales.telegram.chat",
                "after_sales.telegram.update",
                "discuss.channel",
                "mail.message",
            )
        }

    # ------------------------------------------------------------ webhook in

    def test_unknown_chat_reports_a_problem_as_unverified(self):
        self._post(self._update("Generator does not start\nsince this morning")).raise_for_status()
        request = self._chat_requests()
        self.assertEqual(len(request), 1)
        self.assertRecordValues(
            request,
            [
                {
                    "title": "Generator does not start",
                    "channel": "telegram",
                    "team_id": self.team.id,
                    "partner_needs_review": True,
                    "user_id": False,
                }
            ],
        )
        # the chat's own placeholder contact, never a customer's data
        self.assertNotIn(request.partner_id, self.customer | self.contact)
        self.assertEqual(request.partner_id.name, "Telegram: Ivan P")
        self.assertFalse(request.telegram_chat_id.partner_id)
        incoming = request.message_ids.filtered(lambda m: m.gateway_type == "telegram")
        self.assertIn("since this morning", incoming.body)
        self.assertEqual(incoming.author_id, request.partner_id)
        # the acknowledgement reached the chat (and names nobody else)
        texts = self._texts()
        self.assertTrue(any(request.name in text for text in texts), texts)
        self.assertFalse(any(self.customer.name in text or self.contact.name in text for text in texts))

    def test_photo_becomes_an_attachment_of_the_request(self):
        self._post(self._update(photo=True)).raise_for_status()
        request = self._chat_requests()
        incoming = request.message_ids.filtered(lambda m: m.gateway_type == "telegram")
        self.assertEqual(incoming.attachment_ids.mapped("mimetype"), ["image/png"])
        self.assertEqual(incoming.attachment_ids.raw, PNG)
        self.assertEqual(incoming.attachment_ids.res_model, "after_sales.request")
        self.assertEqual(incoming.attachment_ids.res_id, request.id)

    def test_later_messages_continue_the_open_request(self):
        self._post(self._update("Generator does not start")).raise_for_status()
        request = self._chat_requests()
        request.stage_id = self.env.ref("after_sales_service.stage_waiting_customer")
        self._post(self._update("Here is the serial: TG1-0042")).raise_for_status()
        self.assertEqual(self._chat_requests(), request)
        incoming = request.message_ids.filtered(lambda m: m.gateway_type == "telegram")
        self.assertEqual(len(incoming), 2)
        self.assertIn("TG1-0042", incoming[0].body)
        # the customer answered: back to work
        self.assertEqual(request.stage_id, request._get_customer_reply_stage())
        # a closed request is not continued: the next message opens a new one
        request.write({"resolution": "<p>Replaced the starter</p>"})
        request.stage_id = self.env.ref("after_sales_service.stage_closed")
        self._post(self._update("It stopped again")).raise_for_status()
        self.assertEqual(len(self._chat_requests()), 2)

    def test_verified_chat_opens_requests_for_its_contact(self):
        self._connect(self.contact)
        self._post(self._update("Pump is noisy")).raise_for_status()
        request = self._chat_requests()
        self.assertRecordValues(
            request,
            [{"partner_id": self.customer.id, "contact_id": self.contact.id, "partner_needs_review": False}],
        )
        incoming = request.message_ids.filtered(lambda m: m.gateway_type == "telegram")
        self.assertEqual(incoming.author_id, self.contact)

    def test_replayed_update_is_ignored(self):
        update = self._update("Generator does not start")
        self._post(update).raise_for_status()
        counts = self._counts()
        sent = len(self.sent)
        self._post(update).raise_for_status()
        self.assertEqual(self._counts(), counts)
        self.assertEqual(len(self.sent), sent)
        self.assertEqual(len(self._chat_requests()), 1)

    @mute_logger("odoo.addons.after_sales_service.controllers.telegram")
    def test_bad_payloads_are_refused_and_write_nothing(self):
        counts = self._counts()
        good = self._update("Generator does not start")
        missing_chat = self._update("no chat")
        del missing_chat["message"]["chat"]
        wrong_chat = self._update("chat id is text")
        wrong_chat["message"]["chat"]["id"] = "abc"
        cases = [
            ("invalid JSON", {"raw": "{not json"}, 400),
            ("not an object", {"raw": "[1, 2]"}, 400),
            ("no update id", {"payload": {"message": good["message"]}}, 400),
            ("no chat", {"payload": missing_chat}, 400),
            ("chat id not a number", {"payload": wrong_chat}, 400),
            ("no secret", {"payload": good, "secret": None}, 403),
            ("wrong secret", {"payload": good, "secret": "guess"}, 403),
        ]
        for label, kwargs, status in cases:
            with self.subTest(label):
                response = self._post(
                    kwargs.get("payload"), secret=kwargs.get("secret", SECRET), raw=kwargs.get("raw")
                )
                self.assertEqual(response.status_code, status)
                self.assertFalse(response.json()["ok"])
                self.assertEqual(self._counts(), counts)
        self.assertFalse(self.sent)
        # the same update with its secret goes through
        self._post(good).raise_for_status()
        self.assertEqual(len(self._chat_requests()), 1)

    # ------------------------------------------------------------ reply out

    def test_engineer_reply_goes_to_the_chat(self):
        self._post(self._update("Generator does not start")).raise_for_status()
        request = self._chat_requests()
        self.sent.clear()
        request.with_user(self.engineer).message_post(
            body="We will come tomorrow at 10:00.", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.assertEqual(len(self.sent), 1)
        self.assertEqual(int(self.sent[0]["chat_id"]), CHAT)
        self.assertEqual(self.sent[0]["text"], "We will come tomorrow at 10:00.")
        message = request.message_ids[0]
        self.assertEqual(message.gateway_notification_ids.notification_status, "sent")
        # an internal note stays internal
        request.with_user(self.engineer).message_post(
            body="Call the dealer first", subtype_xmlid="mail.mt_note"
        )
        self.assertEqual(len(self.sent), 1)

    # ------------------------------------------------------------ one-time codes

    def test_link_code_is_hashed_single_use_and_expires(self):
        link = self.contact._after_sales_telegram_link_code()
        self.assertEqual(link["url"], f"https://t.me/acme_service_bot?start={link['code']}")
        record = self.env["after_sales.telegram.link.code"].search([("partner_id", "=", self.contact.id)])
        self.assertEqual(len(record), 1)
        self.assertNotIn(link["code"], record.code_hash)
        self.assertFalse(
            self.env["after_sales.telegram.link.code"].search([("code_hash", "=", link["code"])])
        )
        # the right code ties the chat, once
        self._post(self._update(f"/start {link['code']}")).raise_for_status()
        chat = self.env["after_sales.telegram.chat"].search([("chat_token", "=", str(CHAT))])
        self.assertEqual(chat.partner_id, self.contact)
        self.assertTrue(record.used_at)
        gateway_link = self.env["res.partner.gateway.channel"].search([("partner_id", "=", self.contact.id)])
        self.assertEqual(gateway_link.gateway_token, str(CHAT))
        # used: another chat cannot take the contact with it
        other = CHAT + 1
        self._post(self._update(f"/start {link['code']}", chat=other)).raise_for_status()
        other_chat = self.env["after_sales.telegram.chat"].search([("chat_token", "=", str(other))])
        self.assertFalse(other_chat.partner_id)
        self.assertIn("wrong, expired or already used", self._texts(other)[-1])

    def test_expired_and_wrong_codes_are_refused(self):
        link = self.contact._after_sales_telegram_link_code()
        self.env["after_sales.telegram.link.code"].search(
            [("partner_id", "=", self.contact.id)]
        ).expires_at = fields.Datetime.now() - timedelta(seconds=1)
        for code in (link["code"], "wrong-code", link["code"][:-1]):
            with self.subTest(code=code):
                self._post(self._update(f"/start {code}")).raise_for_status()
                chat = self.env["after_sales.telegram.chat"].search([("chat_token", "=", str(CHAT))])
                self.assertFalse(chat.partner_id)
                self.assertFalse(
                    self.env["res.partner.gateway.channel"].search([("partner_id", "=", self.contact.id)])
                )
                self.assertIn("wrong, expired or already used", self._texts()[-1])

    def test_a_new_code_voids_the_older_one(self):
        first = self.contact._after_sales_telegram_link_code()
        self.contact._after_sales_telegram_link_code()
        self._post(self._update(f"/start {first['code']}")).raise_for_status()
        chat = self.env["after_sales.telegram.chat"].search([("chat_token", "=", str(CHAT))])
        self.assertFalse(chat.partner_id)

    def test_unverified_chat_reads_nothing(self):
        self._post(self._update("/requests")).raise_for_status()
        self.assertIn("Connect Telegram in your customer portal first", self._texts()[-1])
        self.assertFalse(any(self.other_request.name in text for text in self._texts()))
        self.assertFalse(self._chat_requests())
        # verified, the chat lists its customer's open requests
        self._connect(self.contact)
        self._post(self._update("/requests")).raise_for_status()
        self.assertIn(self.other_request.name, self._texts()[-1])

    # ------------------------------------------------------------ customer's channel

    def _stage_notice(self, channel):
        self.contact.after_sales_notify_channel = channel
        request = self.Request.create(
            {"title": "Leak", "partner_id": self.customer.id, "contact_id": self.contact.id, "user_id": False}
        )
        request.with_user(self.as_user).stage_id = self.env.ref("after_sales_service.stage_in_progress")
        notice = request.message_ids.filtered(lambda m: self.contact in m.partner_ids)[:1]
        self.assertTrue(notice, "the stage's template was posted to the contact")
        return request, notice

    def _emailed(self, message):
        return message.notification_ids.filtered(
            lambda n: n.notification_type == "email" and n.res_partner_id == self.contact
        )

    def test_email_is_the_default_channel(self):
        self.assertEqual(self.contact.after_sales_notify_channel, "email")
        _request, notice = self._stage_notice("email")
        self.assertTrue(self._emailed(notice))
        self.assertFalse(self.sent)

    def test_portal_only_sends_no_email_but_the_portal_shows_it(self):
        request, notice = self._stage_notice("portal")
        self.assertFalse(self._emailed(notice))
        self.assertFalse(self.sent)
        self.assertIn(notice, request.website_message_ids)

    def test_telegram_channel_sends_to_the_verified_chat_instead_of_email(self):
        self._connect(self.contact)
        self.sent.clear()
        _request, notice = self._stage_notice("telegram")
        self.assertFalse(self._emailed(notice))
        self.assertEqual([int(s["chat_id"]) for s in self.sent], [CHAT])
        self.assertTrue(notice.gateway_notification_ids)

    def test_telegram_channel_without_a_chat_keeps_email(self):
        _request, notice = self._stage_notice("telegram")
        self.assertTrue(self._emailed(notice))

    def test_planned_visit_reaches_telegram_in_russian_and_local_time(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.contact.write({"lang": "ru_RU", "tz": "Europe/Moscow", "after_sales_notify_channel": "telegram"})
        self._connect(self.contact)
        request = self.Request.create(
            {"title": "Leak", "partner_id": self.customer.id, "contact_id": self.contact.id, "user_id": False}
        )
        self.sent.clear()
        self.env["after_sales.visit"].create(
            {
                "request_id": request.id,
                "planned_start": datetime(2027, 3, 1, 7, 0),
                "planned_end": datetime(2027, 3, 1, 9, 0),
                "engineer_ids": self.engineer.ids,
            }
        )
        self.assertEqual(len(self.sent), 1)
        text = self.sent[0]["text"]
        self.assertIn("Визит", text)
        self.assertIn("Pavel Sidorov", text)
        self.assertIn("10:00", text)  # 07:00 UTC in Moscow
        self.assertIn("Europe/Moscow", text)
        notice = request.message_ids[0]
        self.assertFalse(self._emailed(notice))

    def test_planned_visit_by_email_by_default(self):
        request = self.Request.create(
            {"title": "Leak", "partner_id": self.customer.id, "contact_id": self.contact.id, "user_id": False}
        )
        visit = self.env["after_sales.visit"].create(
            {
                "request_id": request.id,
                "planned_start": datetime(2027, 3, 1, 7, 0),
                "planned_end": datetime(2027, 3, 1, 9, 0),
                "engineer_ids": self.engineer.ids,
            }
        )
        notice = request.message_ids[0]
        self.assertIn(visit.name, notice.body)
        self.assertTrue(self._emailed(notice))
        # moved: the customer is told again; an unrelated change says nothing
        visit.planned_start = datetime(2027, 3, 1, 8, 0)
        self.assertEqual(len(request.message_ids.filtered(lambda m: visit.name in (m.body or ""))), 2)
        visit.notes = "<p>bring the ladder</p>"
        self.assertEqual(len(request.message_ids.filtered(lambda m: visit.name in (m.body or ""))), 2)

    # ------------------------------------------------------------ portal

    def test_portal_offers_no_telegram_without_a_bot(self):
        self.team.telegram_gateway_id = False
        portal = self._create_portal_user("tg_portal_nobot", contact=self.contact)
        self._portal_login(portal)
        page = self.url_open("/my/notifications")
        self.assertEqual(page.status_code, 200)
        self.assertIn('value="email"', page.text)
        self.assertNotIn('value="telegram"', page.text)
        self.assertNotIn("/my/notifications/telegram", page.text)
        # choosing it anyway is refused, nothing changed
        csrf = http.Request.csrf_token(self)
        response = self.url_open("/my/notifications", data={"notify_channel": "telegram", "csrf_token": csrf})
        self.assertIn("Telegram is not set up for service requests yet.", response.text)
        self.env.invalidate_all()
        self.assertEqual(self.contact.after_sales_notify_channel, "email")

    def test_customer_chooses_its_channel_and_connects_telegram_on_the_portal(self):
        portal = self._create_portal_user("tg_portal", contact=self.contact)
        self._portal_login(portal)
        page = self.url_open("/my/requests")
        self.assertIn('href="/my/notifications"', page.text)
        csrf = http.Request.csrf_token(self)
        response = self.url_open("/my/notifications", data={"notify_channel": "portal", "csrf_token": csrf})
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(self.contact.after_sales_notify_channel, "portal")
        # a value not offered: refused, nothing changed
        response = self.url_open("/my/notifications", data={"notify_channel": "sms", "csrf_token": csrf})
        self.assertIn("Choose e-mail, Telegram or portal only.", response.text)
        self.env.invalidate_all()
        self.assertEqual(self.contact.after_sales_notify_channel, "portal")
        # Connect Telegram: a code for this contact, shown once with its t.me link
        response = self.url_open("/my/notifications/telegram", data={"csrf_token": csrf})
        self.assertEqual(response.status_code, 200)
        codes = self.env["after_sales.telegram.link.code"].search([("partner_id", "=", self.contact.id)])
        self.assertEqual(len(codes), 1)
        self.assertIn("https://t.me/acme_service_bot?start=", response.text)
        code = response.text.split("https://t.me/acme_service_bot?start=")[1].split('"')[0]
        self.assertNotIn(code, codes.code_hash)
        self._post(self._update(f"/start {code}")).raise_for_status()
        self.assertEqual(
            self.env["after_sales.telegram.chat"].search([("chat_token", "=", str(CHAT))]).partner_id,
            self.contact,
        )

    # ------------------------------------------------------------ follow a unit from its QR page

    def _unit_page(self, unit=None):
        page = self.url_open(f"/unit/{(unit or self.unit).public_token}")
        self.assertEqual(page.status_code, 200)
        return page

    def _follow_code(self, unit=None):
        """The visitor presses "Follow by Telegram" on the unit's page: the code of its t.me link."""
        unit = unit or self.unit
        csrf = CSRF.search(self._unit_page(unit).text).group(1)
        response = self.url_open(f"/unit/{unit.public_token}/follow/telegram", data={"csrf_token": csrf})
        self.assertEqual(response.status_code, 200, response.text[:300])
        return FOLLOW_CODE.search(response.text).group(1)

    def test_follow_unit_by_telegram_from_its_page(self):
        page = self._unit_page()
        self.assertIn("o_after_sales_unit_follow_telegram_form", page.text)
        code = self._follow_code()
        record = self.env["after_sales.telegram.link.code"].search([("equipment_id", "=", self.unit.id)])
        self.assertEqual(len(record), 1)
        self.assertFalse(record.partner_id)
        self.assertNotIn(code, record.code_hash)
        self.assertFalse(self._unit_followers())
        self._post(self._update(f"/start {code}")).raise_for_status()
        chat = self.env["after_sales.telegram.chat"].search([("chat_token", "=", str(CHAT))])
        self.assertRecordValues(
            self._unit_followers(),
            [{"channel": "telegram", "telegram_chat_id": chat.id, "state": "confirmed", "email": False}],
        )
        self.assertTrue(record.used_at)
        # following a unit proves no contact: the chat stays unverified, reads nothing
        self.assertFalse(chat.partner_id)
        self.assertIn("SN-TG-FOLLOW", self._texts()[-1])
        self.assertIn("/stop", self._texts()[-1])
        # a request opened on the unit, then resolved: the chat hears of it, nothing of the customer
        self.sent.clear()
        failure = self.Request.create(
            {"title": "Pump failure", "partner_id": self.customer.id, "equipment_id": self.unit.id}
        )
        texts = self._texts()
        self.assertEqual(len(texts), 1, self.sent)
        self.assertIn("opened", texts[0])
        self.assertIn("SN-TG-FOLLOW", texts[0])
        for private in (self.customer.name, "Pump failure", failure.name):
            self.assertNotIn(private, texts[0])
        resolved = self.env["after_sales.request.stage"].search(
            [("is_resolved", "=", True), ("is_closed", "=", False)], limit=1
        )
        failure.write({"stage_id": resolved.id, "resolution": "<p>Seal replaced</p>"})
        texts = self._texts()
        self.assertIn("resolved", texts[-1])
        self.assertNotIn("Seal replaced", texts[-1])
        self.assertNotIn(self.customer.name, texts[-1])
        # /stop: no more news
        self._post(self._update("/stop")).raise_for_status()
        self.assertFalse(self._unit_followers())
        self.assertIn("no longer follow", self._texts()[-1])
        self.sent.clear()
        self.Request.create({"title": "Again", "partner_id": self.customer.id, "equipment_id": self.unit.id})
        self.assertFalse(self._texts())

    def test_follow_code_reused_expired_or_wrong_is_refused(self):
        used = self._follow_code()
        self._post(self._update(f"/start {used}")).raise_for_status()
        self._post(self._update("/stop")).raise_for_status()
        expired = self._follow_code()
        self.env["after_sales.telegram.link.code"].search(
            [("equipment_id", "=", self.unit.id), ("used_at", "=", False)]
        ).expires_at = fields.Datetime.now() - timedelta(seconds=1)
        other = CHAT + 7
        LinkCode = self.env["after_sales.telegram.link.code"]
        codes = LinkCode.search_read([], ["used_at", "expires_at"])
        for label, code in (("reused", used), ("expired", expired), ("wrong", "not-a-real-code-000000")):
            with self.subTest(label):
                self._post(self._update(f"/start {code}", chat=other)).raise_for_status()
                self.assertFalse(self._unit_followers())
                self.assertIn("wrong, expired or already used", self._texts(other)[-1])
                self.assertEqual(LinkCode.search_read([], ["used_at", "expires_at"]), codes)

    def test_follow_codes_count_against_the_page_limits(self):
        self.env.company.after_sales_public_form_limit = 1
        self._follow_code()
        csrf = CSRF.search(self._unit_page().text).group(1)
        response = self.url_open(f"/unit/{self.unit.public_token}/follow/telegram", data={"csrf_token": csrf})
        self.assertEqual(response.status_code, 429)
        self.assertIn("Too many forms", response.text)
        self.assertEqual(
            self.env["after_sales.telegram.link.code"].search_count([("equipment_id", "=", self.unit.id)]), 1
        )

    def test_no_bot_no_telegram_on_the_unit_page(self):
        self.team.telegram_gateway_id = False
        page = self._unit_page()
        self.assertIn("o_after_sales_unit_follow_form", page.text)
        self.assertNotIn("o_after_sales_unit_follow_telegram_form", page.text)
        self.assertNotIn("t.me/", page.text)
        csrf = CSRF.search(page.text).group(1)
        response = self.url_open(f"/unit/{self.unit.public_token}/follow/telegram", data={"csrf_token": csrf})
        self.assertEqual(response.status_code, 404)
        unit_codes = self.env["after_sales.telegram.link.code"].search([("equipment_id", "=", self.unit.id)])
        self.assertFalse(unit_codes)
        self.assertFalse(self.env["after_sales.public.attempt"].search([]))

    def test_acknowledgement_in_telegram_does_not_say_email(self):
        self._post(self._update("Generator does not start")).raise_for_status()
        request = self._chat_requests()
        acknowledgement = [text for text in self._texts() if request.name in text]
        self.assertTrue(acknowledgement, self._texts())
        self.assertNotIn("e-mail", acknowledgement[0])
        self.assertIn("reply to this message", acknowledgement[0])

    # ------------------------------------------------------------ /stop of a chat following several units

    def _follow_three_units(self):
        """The chat follows three units from their pages: self.unit, a compressor, a unit with no serial."""
        compressor = self._create_serial_product("Screw Compressor SC-7")
        units = (
            self.unit
            | self._create_unit(product=compressor, lot=self._create_lot(compressor, "SN-TG-COMP-2"))
            | self._create_unit(product=compressor)
        )
        for unit in units:
            self._post(self._update(f"/start {self._follow_code(unit)}")).raise_for_status()
        self.assertEqual(self._unit_followers(units).equipment_id, units)
        return units

    def _unit_followers(self, units=None):
        return self.env["after_sales.equipment.subscription"].search(
            [("equipment_id", "in", (units or self.unit).ids)]
        )

    def test_stop_with_several_units_lists_them_and_stops_one_or_all(self):
        units = self._follow_three_units()
        self.sent.clear()
        self._post(self._update("/stop")).raise_for_status()
        # nothing stopped: the list (serial and product) and how to stop one or all
        self.assertEqual(len(self._unit_followers(units)), 3)
        self.assertEqual(len(self._texts()), 1)
        listing = self._texts()[0]
        self.assertIn("This chat follows these units:", listing)
        self.assertIn("1. SN-TG-FOLLOW — Test Generator TG-1", listing)
        self.assertIn("2. SN-TG-COMP-2 — Screw Compressor SC-7", listing)
        self.assertIn("3. Screw Compressor SC-7", listing)
        self.assertIn("/stop <serial>", listing)
        self.assertIn("/stop all", listing)
        # a serial (in any case) stops that unit only
        self._post(self._update("/stop sn-tg-comp-2")).raise_for_status()
        self.assertEqual(self._unit_followers(units).equipment_id, units[0] | units[2])
        self.assertIn("You no longer follow: Screw Compressor SC-7 / SN-TG-COMP-2.", self._texts()[-1])
        # a serial the chat does not follow: nothing stopped, the list again
        self._post(self._update("/stop SN-NOT-MINE")).raise_for_status()
        self.assertEqual(len(self._unit_followers(units)), 2)
        self.assertIn("This chat follows no unit with the serial SN-NOT-MINE.", self._texts()[-1])
        self.assertIn("2. Screw Compressor SC-7", self._texts()[-1])
        # the unit without a serial, by its number in the list
        self._post(self._update("/stop 2")).raise_for_status()
        self.assertEqual(self._unit_followers(units).equipment_id, units[0])
        # the last one: /stop alone stops it
        self._post(self._update("/stop")).raise_for_status()
        self.assertFalse(self._unit_followers(units))
        self.assertIn("You no longer follow: Test Generator TG-1 / SN-TG-FOLLOW.", self._texts()[-1])

    def test_stop_all(self):
        units = self._follow_three_units()
        other_chat = CHAT + 3
        self._post(self._update(f"/start {self._follow_code()}", chat=other_chat)).raise_for_status()
        self._post(self._update("/stop all")).raise_for_status()
        self.assertEqual(self._unit_followers(units).telegram_chat_id.chat_token, str(other_chat))
        self.assertIn("SN-TG-COMP-2", self._texts()[-1])

    def test_stop_answers_in_the_contacts_language(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.contact.lang = "ru_RU"
        self._connect(self.contact)
        units = self._follow_three_units()
        self._post(self._update("/stop")).raise_for_status()
        listing = self._texts()[-1]
        self.assertIn("Этот чат следит за этими единицами оборудования:", listing)
        self.assertIn("1. SN-TG-FOLLOW — Test Generator TG-1", listing)
        self.assertIn("/stop <серийный номер>", listing)
        self.assertIn("/stop all", listing)
        self.assertEqual(len(self._unit_followers(units)), 3)
        self._post(self._update("/stop all")).raise_for_status()
        self.assertIn("Вы больше не следите за:", self._texts()[-1])

    # ------------------------------------------------------------ groups, channels, edits

    def _group_update(self, text, group=-100500, chat_type="supergroup"):
        update = self._update(text)
        update["message"]["chat"] = {"id": group, "title": "Plant maintenance", "type": chat_type}
        return update

    def _written(self):
        counts = self._counts()
        del counts["after_sales.telegram.update"]
        counts.update(
            {
                model: self.env[model].sudo().search_count([])
                for model in (
                    "res.partner",
                    "res.partner.gateway.channel",
                    "mail.guest",
                    "after_sales.equipment.subscription",
                )
            }
        )
        return counts

    def test_group_chat_is_told_once_to_write_in_private(self):
        link = self.contact._after_sales_telegram_link_code()
        follow = self._follow_code()
        counts = self._written()
        for chat_type, group in (("supergroup", -100500), ("group", -4242)):
            with self.subTest(chat_type):
                self.sent.clear()
                for text in (
                    "Pump is broken",
                    f"/start {link['code']}",
                    f"/start {follow}",
                    "/requests",
                    "/stop",
                ):
                    response = self._post(self._group_update(text, group=group, chat_type=chat_type))
                    self.assertEqual(response.status_code, 200)
                # one answer, to the group; no request, contact, chat, channel nor message
                self.assertEqual(len(self.sent), 1, self.sent)
                self.assertEqual(int(self.sent[0]["chat_id"]), group)
                self.assertIn(
                    "I work in private chats only: write to me directly, @acme_service_bot.",
                    self.sent[0]["text"],
                )
                self.assertEqual(self._written(), counts)
        # the codes were not used: the private chat still connects and follows with them
        self._post(self._update(f"/start {link['code']}")).raise_for_status()
        self.assertEqual(
            self.env["after_sales.telegram.chat"].search([("chat_token", "=", str(CHAT))]).partner_id,
            self.contact,
        )
        self._post(self._update(f"/start {follow}")).raise_for_status()
        self.assertTrue(self._unit_followers())

    def test_group_answer_in_the_members_language(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        update = self._group_update("Насос сломался")
        update["message"]["from"]["language_code"] = "ru"
        self._post(update).raise_for_status()
        self.assertIn("Я работаю только в личных чатах", self.sent[0]["text"])

    def test_channel_posts_and_edits_are_ignored(self):
        self._post(self._update("Generator does not start")).raise_for_status()
        counts = self._written()
        self.sent.clear()
        edited = self._update("Generator does not start at all")
        edited["edited_message"] = dict(edited.pop("message"), edit_date=1765000100)
        post = {
            "message_id": 5,
            "chat": {"id": -100777, "title": "Plant news", "type": "channel"},
            "date": 1765000000,
        }
        updates = [
            edited,
            {"update_id": 5001, "channel_post": dict(post, text="New pump installed")},
            {"update_id": 5002, "edited_channel_post": dict(post, text="Two pumps", edit_date=1765000200)},
            {"update_id": 5003, "my_chat_member": {"chat": post["chat"], "date": 1765000000}},
        ]
        for update in updates:
            with self.subTest(next(key for key in update if key != "update_id")):
                response = self._post(update)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(self._written(), counts)
        self.assertFalse(self.sent)
        self.assertEqual(
            len(self._chat_requests().message_ids.filtered(lambda m: m.gateway_type == "telegram")), 1
        )

    # ------------------------------------------------------------ housekeeping

    def test_spent_codes_are_deleted_after_a_day(self):
        LinkCode = self.env["after_sales.telegram.link.code"]
        self.assertTrue(getattr(type(LinkCode)._gc_spent_codes, "_autovacuum", False))
        now = fields.Datetime.now()
        hour, day = timedelta(hours=1), timedelta(days=1, minutes=5)
        codes = {}
        for label, values in (
            ("fresh", {}),
            ("expired an hour ago", {"expires_at": now - hour}),
            ("used an hour ago", {"used_at": now - hour}),
            ("expired a day ago", {"expires_at": now - day}),
            ("used a day ago", {"used_at": now - day}),
        ):
            __, codes[label] = LinkCode._issue(self.env["res.partner"], self.gateway, self.unit)
            codes[label].write(values)
        __, contact_code = LinkCode._issue(self.contact, self.gateway)
        LinkCode._gc_spent_codes()
        self.assertEqual(
            [label for label, code in codes.items() if code.exists()],
            ["fresh", "expired an hour ago", "used an hour ago"],
        )
        self.assertTrue(contact_code.exists())

    def test_russian_labels_tell_the_channels_apart(self):
        """A follower's channel is how it is told (as on /my/notifications), not how a request
        came in, nor the chat's Discuss channel."""
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(["after_sales_service"], ["ru_RU"], overwrite=True)
        labels = {
            (model, field): self.env[model].with_context(lang="ru_RU").fields_get([field])[field]["string"]
            for model, field in (
                ("after_sales.equipment.subscription", "channel"),
                ("after_sales.request", "channel"),
                ("after_sales.telegram.chat", "channel_id"),
                ("res.partner", "after_sales_notify_channel"),
            )
        }
        self.assertEqual(
            labels,
            {
                ("after_sales.equipment.subscription", "channel"): "Способ уведомления",
                ("after_sales.request", "channel"): "Канал обращения",
                ("after_sales.telegram.chat", "channel_id"): "Канал обсуждения",
                ("res.partner", "after_sales_notify_channel"): "Уведомления о сервисе",
            },
        )
