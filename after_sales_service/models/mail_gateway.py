from odoo import fields, models


class MailGateway(models.Model):
    _inherit = "mail.gateway"

    after_sales_bot_username = fields.Char(
        string="Bot Username",
        help="The bot's Telegram username (without @): the portal's 'Connect Telegram' link "
        "opens t.me/<username>?start=<one-time code>.",
    )
    after_sales_team_ids = fields.One2many(
        "after_sales.team", "telegram_gateway_id", string="Service Teams", readonly=True
    )

    def _after_sales_team(self):
        """The service team whose bot this gateway is (empty when none: OCA's behaviour applies)."""
        self.ensure_one()
        return self.sudo().with_context(active_test=True).after_sales_team_ids[:1]
