from odoo import fields, models


class AfterSalesTelegramChat(models.Model):
    """A Telegram chat with a service bot.

    Unverified until a contact proves it (``/start <one-time code>`` from the portal): until
    then the chat's requests belong to a placeholder contact made for the chat (checked by
    the service desk, as a new e-mail sender is) and the chat can only report problems.
    """

    _name = "after_sales.telegram.chat"
    _description = "Telegram Chat"
    _order = "id desc"
    _rec_name = "name"

    name = fields.Char(required=True, readonly=True)
    gateway_id = fields.Many2one("mail.gateway", required=True, readonly=True, ondelete="cascade")
    chat_token = fields.Char(required=True, readonly=True, help="Telegram chat id.")
    channel_id = fields.Many2one(
        "discuss.channel", string="Discuss Channel", readonly=True, ondelete="set null"
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Verified Contact",
        readonly=True,
        ondelete="set null",
        help="The contact who proved this chat is theirs with a one-time code.",
    )
    placeholder_partner_id = fields.Many2one(
        "res.partner",
        readonly=True,
        ondelete="set null",
        help="The contact made for the chat's requests before it was verified.",
    )
    verified_at = fields.Datetime(readonly=True)
    company_id = fields.Many2one(related="gateway_id.company_id", store=True)

    _gateway_chat_uniq = models.Constraint(
        "UNIQUE(gateway_id, chat_token)", "A Telegram chat is recorded once per bot."
    )

    def _get_or_create(self, gateway, chat_token, name):
        """The chat ``chat_token`` of ``gateway``, recorded on its first message."""
        chat = self.sudo().search(
            [("gateway_id", "=", gateway.id), ("chat_token", "=", str(chat_token))], limit=1
        )
        if not chat:
            chat = self.sudo().create(
                {"gateway_id": gateway.id, "chat_token": str(chat_token), "name": name or str(chat_token)}
            )
        return chat

    def _request_partner(self):
        """Who the chat's requests are for: the verified contact, else the chat's placeholder."""
        self.ensure_one()
        if self.partner_id:
            return self.partner_id
        if not self.placeholder_partner_id:
            self.placeholder_partner_id = (
                self.env["res.partner"]
                .sudo()
                .create(
                    {
                        "name": self.env._("Telegram: %s", self.name),
                        "company_id": self.gateway_id.company_id.id,
                        # no e-mail to send to: its requests answer in the chat
                        "after_sales_notify_channel": "portal",
                    }
                )
            )
        return self.placeholder_partner_id

    def _verify(self, partner):
        """Tie the chat to ``partner`` (who sent a valid one-time code) and let OCA's gateway reach
        the partner here (``res.partner.gateway.channel``)."""
        self.ensure_one()
        Link = self.env["res.partner.gateway.channel"].sudo()
        # a chat answers for one contact of the bot, a contact has one chat per bot
        Link.search(
            [
                ("gateway_id", "=", self.gateway_id.id),
                "|",
                ("gateway_token", "=", self.chat_token),
                ("partner_id", "=", partner.id),
            ]
        ).unlink()
        Link.create(
            {"partner_id": partner.id, "gateway_id": self.gateway_id.id, "gateway_token": self.chat_token}
        )
        self.sudo().search(
            [("gateway_id", "=", self.gateway_id.id), ("partner_id", "=", partner.id), ("id", "!=", self.id)]
        ).write({"partner_id": False, "verified_at": False})
        self.sudo().write({"partner_id": partner.id, "verified_at": fields.Datetime.now()})

    def _send(self, body):
        """Send the bot's ``body`` (markup) to the chat through the gateway's channel."""
        self.ensure_one()
        channel = self.sudo().channel_id
        if not channel:
            return self.env["mail.message"]
        return channel.with_context(no_gateway_notification=False).message_post(
            body=body,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            author_id=self.gateway_id.webhook_user_id.partner_id.id,
        )
