import logging

from markupsafe import Markup

from odoo import models
from odoo.tools import html2plaintext, is_html_empty

_logger = logging.getLogger(__name__)

# The subject of a request opened from a chat: the first line of its first message, this long.
TITLE_MAX = 80


class MailGatewayTelegram(models.AbstractModel):
    """OCA's Telegram gateway, for the bot of a service team: a chat's messages open a request or
    continue its open one; a contact ties a chat to itself with a one-time code (``/start``).

    Gateways no team uses keep OCA's behaviour unchanged.
    """

    _inherit = "mail.gateway.telegram"

    def _receive_update(self, gateway, update):
        team = gateway._after_sales_team()
        if not team:
            return super()._receive_update(gateway, update)
        if not self.env["after_sales.telegram.update"]._claim(gateway, update["update_id"]):
            _logger.info(
                "Telegram update %s of gateway %s replayed: ignored", update["update_id"], gateway.id
            )
            return None
        if not update.get("message"):
            # edited messages, reactions, callbacks...: nothing for a service bot
            return None
        return super()._receive_update(gateway, update)

    def _get_channel(self, gateway, token, update, force_create=False):
        # a service bot hears every chat: an unknown one may report a problem
        if gateway._after_sales_team():
            force_create = True
        return super()._get_channel(gateway, token, update, force_create=force_create)

    def _command_start(self, gateway, update):
        """``/start <code>``: a contact proves the chat is theirs (the code from the portal);
        ``/start`` alone: the bot says what it does."""
        if not gateway._after_sales_team():
            return super()._command_start(gateway, update)
        channel = self._get_channel(gateway, update.message.chat_id, update, True)
        chat = self._after_sales_chat(gateway, channel, update)
        env = self.with_context(lang=self._after_sales_lang(chat, update)).env
        code = (update.message.text or "").partition(" ")[2].strip()
        if not code:
            chat._send(
                env._(
                    "Hello! Describe your problem (a photo helps) and we will open a service request. "
                    "To follow all your requests here, connect Telegram in your customer portal."
                )
            )
            return channel
        record = self.env["after_sales.telegram.link.code"]._consume_code(gateway, code)
        if record.equipment_id:
            return self._after_sales_follow_unit(chat, record.equipment_id, update, channel)
        partner = record.partner_id
        if not partner:
            chat._send(
                env._(
                    "This code is wrong, expired or already used. Get a new one in your customer portal "
                    "(Connect Telegram)."
                )
            )
            return channel
        chat._verify(partner)
        env = self.with_context(lang=self._after_sales_lang(chat, update)).env
        chat._send(env._("Telegram is connected: you will hear about your service requests here."))
        return channel

    def _after_sales_follow_unit(self, chat, unit, update, channel):
        """The chat sent a unit's code (its public page's "Follow by Telegram"): it follows the
        unit, with no access to anything else (the chat stays unverified)."""
        lang = self._after_sales_lang(chat, update)
        subscription = self.env["after_sales.equipment.subscription"]._subscribe_telegram(unit, chat, lang)
        env = self.with_context(lang=lang).env
        chat._send(
            Markup("%s<br/>%s")
            % (
                env._(
                    "You follow %s now: we will tell you here when a service request on it is opened "
                    "or resolved.",
                    subscription._unit_label(),
                ),
                env._("Send /stop to stop following this unit."),
            )
        )
        return channel

    def _command_stop(self, gateway, update):
        """``/stop``: the chat stops following the units it follows (from their public pages)."""
        if not gateway._after_sales_team():
            return False
        channel = self._get_channel(gateway, update.message.chat_id, update, True)
        chat = self._after_sales_chat(gateway, channel, update)
        env = self.with_context(lang=self._after_sales_lang(chat, update)).env
        labels = self.env["after_sales.equipment.subscription"]._unsubscribe_chat(chat)
        if labels:
            chat._send(env._("You no longer follow: %s.", ", ".join(labels)))
        else:
            chat._send(env._("This chat follows no unit."))
        return channel

    def _command_requests(self, gateway, update):
        """``/requests``: a verified chat reads its contact's open requests; any other chat nothing."""
        if not gateway._after_sales_team():
            return False
        channel = self._get_channel(gateway, update.message.chat_id, update, True)
        chat = self._after_sales_chat(gateway, channel, update)
        env = self.with_context(lang=self._after_sales_lang(chat, update)).env
        if not chat.partner_id:
            chat._send(
                env._(
                    "Connect Telegram in your customer portal first: until then this chat can only "
                    "report a problem."
                )
            )
            return channel
        partner = chat.partner_id
        requests = (
            self.env["after_sales.request"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", partner.commercial_partner_id.id),
                    ("is_closed", "=", False),
                ],
                limit=20,
            )
        )
        if not requests:
            chat._send(env._("You have no open service requests."))
            return channel
        lines = [env._("Your open service requests:")] + [
            f"{request.name}: {request.title or ''} ({request.with_env(env).stage_id.name or ''})"
            for request in requests
        ]
        chat._send(Markup("<br/>").join(lines))
        return channel

    def _process_update(self, chat, update):
        message = super()._process_update(chat, update)
        gateway = chat.gateway_id
        team = gateway._after_sales_team()
        if message and team:
            self._after_sales_route(gateway, team, chat, update, message)
        return message

    # ------------------------------------------------------------------ helpers

    def _after_sales_chat(self, gateway, channel, update):
        """The ``after_sales.telegram.chat`` of ``update``'s chat, tied to its discuss channel."""
        chat = self.env["after_sales.telegram.chat"]._get_or_create(
            gateway, update.message.chat_id, channel.anonymous_name or channel.name
        )
        if chat.channel_id != channel:
            chat.sudo().channel_id = channel
        return chat

    def _after_sales_lang(self, chat, update):
        """The language the bot answers ``chat`` in: its verified contact's, else the Telegram
        user's when installed, else the company's."""
        if chat.partner_id.lang:
            return chat.partner_id.lang
        installed = [code for code, _name in self.env["res.lang"].get_installed()]
        user_code = (update.message.from_user and update.message.from_user.language_code) or ""
        for code in installed:
            if user_code and code.split("_")[0] == user_code.split("-")[0]:
                return code
        return chat.gateway_id.company_id.partner_id.lang or self.env.lang

    def _after_sales_route(self, gateway, team, channel, update, message):
        """Post the chat's ``message`` on the chat's open request, opened when there is none."""
        chat = self._after_sales_chat(gateway, channel, update)
        Request = self.env["after_sales.request"].sudo()
        request = Request.search(
            [("telegram_chat_id", "=", chat.id), ("is_closed", "=", False)], order="id desc", limit=1
        )
        partner = chat._request_partner()
        body = message.body if not is_html_empty(message.body) else ""
        if not request:
            request = Request.with_context(mail_create_nolog=True).create(
                self._after_sales_prepare_request_vals(team, chat, partner, body)
            )
            created = True
        else:
            created = False
        request_message = request.message_post(
            body=Markup(body),
            author_id=partner.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachments=[(attachment.name, attachment.raw) for attachment in message.attachment_ids],
            gateway_type="telegram",
        )
        message.sudo().gateway_message_id = request_message
        if not created:
            request._on_customer_telegram_message()
        return request

    def _after_sales_prepare_request_vals(self, team, chat, partner, body):
        """Values of a request opened by a chat's message (a hook for sibling modules)."""
        text = html2plaintext(body).strip() if body else ""
        title = (text.splitlines() or [""])[0][:TITLE_MAX].strip()
        return {
            "name": "/",
            "title": title or self.env._("Message from Telegram"),
            "description": Markup(body) if text else False,
            "partner_id": partner.commercial_partner_id.id,
            "contact_id": partner.id if partner != partner.commercial_partner_id else False,
            "channel": "telegram",
            "company_id": team.company_id.id,
            "team_id": team.id,
            "user_id": False,
            "telegram_chat_id": chat.id,
            # a chat nobody has verified: the service desk checks who the customer is
            "partner_needs_review": not chat.partner_id,
        }
