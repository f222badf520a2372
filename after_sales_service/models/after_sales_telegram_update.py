from odoo import api, fields, models
from odoo.tools import SQL


class AfterSalesTelegramUpdate(models.Model):
    """The Telegram updates a service bot has processed: a replayed update id is ignored."""

    _name = "after_sales.telegram.update"
    _description = "Processed Telegram Update"
    _order = "id desc"
    _log_access = False

    gateway_id = fields.Many2one("mail.gateway", required=True, ondelete="cascade", index=True)
    update_id = fields.Char(required=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    group_chat_token = fields.Char(
        index="btree_not_null",
        help="The group chat the update came from: the bot told it once that it works in private chats only.",
    )

    _gateway_update_uniq = models.Constraint(
        "UNIQUE(gateway_id, update_id)", "This Telegram update was already processed."
    )

    @api.model
    def _claim(self, gateway, update_id):
        """Record ``update_id`` of ``gateway``; False when it was already there (a replay).

        ``ON CONFLICT DO NOTHING``: two deliveries of the same update at once insert one row,
        the other transaction waits for it and then sees the conflict.
        """
        self.env.cr.execute(
            SQL(
                "INSERT INTO after_sales_telegram_update (gateway_id, update_id, date) "
                "VALUES (%s, %s, now() at time zone 'UTC') "
                "ON CONFLICT (gateway_id, update_id) DO NOTHING RETURNING id",
                gateway.id,
                str(update_id),
            )
        )
        return bool(self.env.cr.fetchone())
