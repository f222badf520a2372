from odoo import fields, models
from odoo.exceptions import UserError

NOTIFY_CHANNELS = [("email", "E-mail"), ("telegram", "Telegram"), ("portal", "Portal only")]


class ResPartner(models.Model):
    _inherit = "res.partner"

    after_sales_notify_channel = fields.Selection(
        NOTIFY_CHANNELS,
        string="Service Notifications",
        default="email",
        required=True,
        help="How this contact hears about its service requests (stage changes, planned visits, "
        "estimates to sign, the signed act): by e-mail, in its Telegram chat with the service bot "
        "(connected from the portal; e-mail until then), or on the portal only.",
    )
    after_sales_telegram_chat_ids = fields.One2many(
        "after_sales.telegram.chat", "partner_id", string="Telegram Chats", readonly=True
    )

    def _after_sales_telegram_link_code(self, gateway=None):
        """A one-time code that ties a Telegram chat to this contact, for the portal and the unit's
        public page ("Connect Telegram", "follow via Telegram").

        :param gateway: the service bot (``mail.gateway``); default: the bot of the company's
            default service team, else of any of its teams.
        :return: ``{"code": str, "url": "https://t.me/<bot>?start=<code>" or False,
            "expires_at": datetime (UTC), "bot": "<bot username>"}``. The code is valid
            ``LINK_CODE_MINUTES`` minutes, once; only its hash is stored; a new code voids the
            contact's older ones.
        :raise UserError: when the company has no service bot.
        """
        self.ensure_one()
        gateway = gateway or self._after_sales_default_telegram_gateway()
        if not gateway:
            raise UserError(self.env._("Telegram is not set up for service requests yet."))
        LinkCode = self.env["after_sales.telegram.link.code"]
        code, record = LinkCode._issue(self, gateway)
        return LinkCode._link_values(gateway, code, record)

    def _after_sales_default_telegram_gateway(self):
        return (self.company_id or self.env.company)._after_sales_telegram_gateway()
