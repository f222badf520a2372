import asyncio
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
        message = update.get("message")
        if not message:
            # edited messages, channel posts, reactions, callbacks...: nothing for a service bot
            return None
        if message["chat"].get("type") != "private":
            # a group's messages are nobody's in particular: no request, no contact, no chat
            self._after_sales_refuse_group(gateway, update)
            return None
        return super()._receive_update(gateway, update)

    def _after_sales_refuse_group(self, gateway, update):
        """Tell a group (or supergroup) chat once that the bot works in private chats only: its
        first update is answered, the later ones are not (the group is remembered on its updates,
        nothing else is written)."""
        message = update["message"]
        chat_token = str(message["chat"]["id"])
        Update = self.env["after_sales.telegram.update"].sudo()
        answered = Update.search_count(
            [("gateway_id", "=", gateway.id), ("group_chat_token", "=", chat_token)], limit=1
        )
        Update.search([("gateway_id", "=", gateway.id), ("update_id", "=", str(update["update_id"]))]).write(
            {"group_chat_token": chat_token}
        )
        if answered:
            return
        sender = message.get("from") or {}
        env = self.with_context(lang=self._after_sales_user_lang(gateway, sender.get("language_code"))).env
        bot = gateway.sudo().after_sales_bot_username
        if bot:
            text = env._("I work in private chats only: write to me directly, @%s.", bot)
        else:
            text = env._("I work in private chats only: write to me directly.")
        try:
            asyncio.run(self._after_sales_send_text(gateway, message["chat"]["id"], text))
        except Exception as exc:  # noqa: BLE001 - a failed courtesy answer must not fail the update
            _logger.warning(
                "Telegram gateway %s: no answer to the group chat %s: %s", gateway.id, chat_token, exc
            )

    async def _after_sales_send_text(self, gateway, chat_id, text):
        """Send ``text`` to ``chat_id`` straight through the Bot API (no discuss channel)."""
        bot = self._get_telegram_bot(gateway.token)
        await bot.initialize()
        await bot.send_message(chat_id=chat_id, text=text)

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
        """``/stop``: the chat stops following a unit it follows (from the unit's public page).

        ``/stop <serial>`` (or the unit's number in the list) stops that unit, ``/stop all`` all
        of them; ``/stop`` alone stops the only unit the chat follows, else lists them and says how.
        """
        if not gateway._after_sales_team():
            return False
        channel = self._get_channel(gateway, update.message.chat_id, update, True)
        chat = self._after_sales_chat(gateway, channel, update)
        lang = self._after_sales_lang(chat, update)
        env = self.with_context(lang=lang).env
        followed = env["after_sales.equipment.subscription"]._chat_subscriptions(chat).with_env(env)
        argument = (update.message.text or "").partition(" ")[2].strip()
        if not followed:
            chat._send(env._("This chat follows no unit."))
            return channel
        if argument.casefold() == "all" or (not argument and len(followed) == 1):
            stopping = followed
        elif argument:
            stopping = followed._match_stop_argument(argument)
        else:
            stopping = followed.browse()
        if stopping:
            labels = [subscription._unit_label() for subscription in stopping]
            stopping.sudo().unlink()
            chat._send(env._("You no longer follow: %s.", ", ".join(labels)))
            return channel
        lines = [
            env._("This chat follows no unit with the serial %s.", argument)
            if argument
            else env._("This chat follows these units:")
        ]
        lines += [
            f"{index}. {subscription._unit_list_label()}" for index, subscription in enumerate(followed, 1)
        ]
        lines.append(
            env._(
                "Send /stop <serial> (or the unit's number in this list) to stop following one unit, "
                "/stop all to stop following all of them."
            )
        )
        chat._send(Markup("<br/>").join(lines))
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
        user = update.message.from_user
        return self._after_sales_user_lang(chat.gateway_id, user and user.language_code)

    def _after_sales_user_lang(self, gateway, language_code):
        """The installed language of a Telegram user's ``language_code`` (``ru``, ``pt-br``), else
        the language of the bot's company."""
        user_code = (language_code or "").split("-")[0]
        if user_code:
            for code, _name in self.env["res.lang"].get_installed():
                if code.split("_")[0] == user_code:
                    return code
        return gateway.company_id.partner_id.lang or self.env.lang

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
