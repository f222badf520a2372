import json
import logging

from odoo.http import request, route

from odoo.addons.mail_gateway.controllers.gateway import GatewayController

_logger = logging.getLogger(__name__)


class AfterSalesGatewayController(GatewayController):
    """A service bot's webhook refuses what is not a Telegram update cleanly, before anything is
    written: 400 for a body that is not JSON or lacks ``update_id`` or the message's chat,
    403 for a wrong secret token (``X-Telegram-Bot-Api-Secret-Token``). Other gateways keep
    OCA's answers."""

    @route()
    def post_update(self, usage, token, *args, **kwargs):
        if usage == "telegram" and request.httprequest.method == "POST":
            error = self._after_sales_check_update(usage, token)
            if error:
                return error
        return super().post_update(usage, token, *args, **kwargs)

    def _after_sales_check_update(self, usage, token):
        bot_data = (
            request.env["mail.gateway"].sudo()._get_gateway(token, gateway_type=usage, state="integrated")
        )
        if not bot_data:
            return None
        gateway = request.env["mail.gateway"].sudo().browse(bot_data["id"])
        if not gateway._after_sales_team():
            return None
        secret = bot_data["webhook_secret"]
        if secret and request.httprequest.headers.get("X-Telegram-Bot-Api-Secret-Token") != secret:
            return self._after_sales_refuse(403, "wrong secret token")
        try:
            update = json.loads(request.httprequest.get_data().decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return self._after_sales_refuse(400, "the body is not JSON")
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            return self._after_sales_refuse(400, "no update_id")
        message = update.get("message")
        if message is not None:
            chat = message.get("chat") if isinstance(message, dict) else None
            sender = message.get("from") if isinstance(message, dict) else None
            if (
                not isinstance(chat, dict)
                or not isinstance(chat.get("id"), int)
                or not isinstance(sender, dict)
                or not isinstance(sender.get("id"), int)
                or not isinstance(message.get("date"), int)
                or not isinstance(message.get("message_id"), int)
            ):
                return self._after_sales_refuse(400, "the message lacks its chat, sender, date or id")
        return None

    def _after_sales_refuse(self, status, reason):
        _logger.warning("Telegram update refused (%s): %s", status, reason)
        return request.make_json_response({"ok": False, "description": reason}, status=status)
