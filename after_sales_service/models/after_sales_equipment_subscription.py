import secrets
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize

# a follower who does not confirm within this many days is forgotten
PENDING_DAYS = 7


class AfterSalesEquipmentSubscription(models.Model):
    """An e-mail address or a Telegram chat following a unit from its public page.

    Telegram: the chat sent the one-time code the page gave (``/start <code>``), which is its
    opt-in: it is *confirmed* at once, gets the news in the chat and stops with ``/stop``.

    Made *pending* by the public page's form, which sends a confirmation link to the address;
    only a *confirmed* follower gets the unit's news (``_send_update``), each e-mail with its
    unsubscribe link. The address learns nothing of the unit's customer, and the form answers
    the same whether the address followed the unit already or not.
    """

    _name = "after_sales.equipment.subscription"
    _description = "Unit Follower"
    _order = "equipment_id, id"
    _rec_name = "email"

    equipment_id = fields.Many2one("after_sales.equipment", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="equipment_id.company_id", store=True, index=True)
    channel = fields.Selection(
        [("email", "E-mail"), ("telegram", "Telegram")],
        string="Notified By",
        default="email",
        required=True,
        readonly=True,
    )
    email = fields.Char(readonly=True)
    telegram_chat_id = fields.Many2one(
        "after_sales.telegram.chat",
        readonly=True,
        ondelete="cascade",
        index="btree_not_null",
    )
    lang = fields.Char(readonly=True)
    state = fields.Selection(
        [("pending", "Waiting for Confirmation"), ("confirmed", "Confirmed")],
        default="pending",
        required=True,
        readonly=True,
    )
    confirmed_date = fields.Datetime(readonly=True)
    token = fields.Char(
        default=lambda self: secrets.token_urlsafe(24),
        required=True,
        readonly=True,
        copy=False,
        groups="base.group_system",
    )

    _unit_email_uniq = models.Constraint(
        "UNIQUE(equipment_id, email)", "This address follows this unit already."
    )
    _unit_chat_uniq = models.Constraint(
        "UNIQUE(equipment_id, telegram_chat_id)", "This Telegram chat follows this unit already."
    )
    _token_uniq = models.Constraint("UNIQUE(token)", "A follower's token must be unique.")
    _channel_address = models.Constraint(
        "CHECK((channel = 'email' AND email IS NOT NULL AND telegram_chat_id IS NULL) "
        "OR (channel = 'telegram' AND telegram_chat_id IS NOT NULL AND email IS NULL))",
        "A follower is an e-mail address or a Telegram chat.",
    )

    @api.depends("channel", "email", "telegram_chat_id")
    def _compute_display_name(self):
        for subscription in self:
            if subscription.channel == "telegram":
                subscription.display_name = self.env._(
                    "Telegram: %s", subscription.telegram_chat_id.sudo().name
                )
            else:
                subscription.display_name = subscription.email

    @api.model
    def _subscribe(self, unit, email, lang):
        """Have ``email`` follow ``unit`` once it confirms: a pending follower and the
        confirmation e-mail (sent again while pending, nothing for a confirmed follower)."""
        normalized = email_normalize(email or "")
        if not normalized:
            raise UserError(self.env._("Enter a valid e-mail address."))
        subscription = self.sudo().search(
            [("equipment_id", "=", unit.id), ("channel", "=", "email"), ("email", "=", normalized)]
        )
        if not subscription:
            subscription = self.sudo().create({"equipment_id": unit.id, "email": normalized, "lang": lang})
        if subscription.state == "pending":
            subscription._send_confirmation()
        return subscription

    @api.model
    def _subscribe_telegram(self, unit, chat, lang):
        """Have the Telegram ``chat`` follow ``unit``: it sent the unit's one-time code, its opt-in."""
        subscription = self.sudo().search(
            [("equipment_id", "=", unit.id), ("telegram_chat_id", "=", chat.id)], limit=1
        )
        if not subscription:
            subscription = self.sudo().create(
                {
                    "equipment_id": unit.id,
                    "channel": "telegram",
                    "telegram_chat_id": chat.id,
                    "lang": lang,
                    "state": "confirmed",
                    "confirmed_date": fields.Datetime.now(),
                }
            )
        return subscription

    @api.model
    def _chat_subscriptions(self, chat):
        """What the Telegram ``chat`` follows (sudo), in the order ``/stop`` lists it."""
        return self.sudo().search([("telegram_chat_id", "=", chat.id)], order="id")

    def _match_stop_argument(self, argument):
        """The followers among ``self`` (one chat's, in ``/stop``'s list order) that ``/stop
        <argument>`` names: the unit's serial (any case), else its number in the list."""
        wanted = argument.strip().casefold()
        matched = self.filtered(lambda sub: (sub.equipment_id.lot_id.name or "").casefold() == wanted)
        if not matched and wanted.isdigit() and 1 <= int(wanted) <= len(self):
            matched = self[int(wanted) - 1]
        return matched

    def _unit_list_label(self):
        """How ``/stop`` lists the unit: its serial, then its product."""
        self.ensure_one()
        values = self.equipment_id._get_public_page_values()
        return " — ".join(part for part in (values["serial"], values["product"]) if part)

    @api.model
    def _get_by_token(self, token):
        """The follower (sudo) of the link's ``token``, else an empty recordset."""
        if not isinstance(token, str) or not 20 <= len(token) <= 64:
            return self.sudo().browse()
        subscription = self.sudo().search([("token", "=", token), ("channel", "=", "email")], limit=1)
        if subscription and secrets.compare_digest(subscription.token, token):
            return subscription
        return self.sudo().browse()

    def _link(self, action=""):
        self.ensure_one()
        return f"{self.equipment_id.get_base_url()}/unit/follow/{self.token}{action}"

    def _unit_label(self):
        """How the e-mails name the unit: its product and serial, nothing of its customer."""
        self.ensure_one()
        values = self.equipment_id._get_public_page_values()
        return " / ".join(part for part in (values["product"], values["serial"]) if part)

    def _send_mail(self, subject, paragraphs):
        """Send ``paragraphs`` (plain text) to the follower, with its unsubscribe link."""
        self.ensure_one()
        body = Markup("").join(Markup("<p>%s</p>") % paragraph for paragraph in paragraphs)
        body += Markup('<p style="font-size: 12px; color: #888;"><a href="%s">%s</a></p>') % (
            self._link(),
            self.env._("Stop following this unit"),
        )
        vals = {
            "subject": subject,
            "body_html": body,
            "email_to": self.email,
            "auto_delete": True,
            "headers": repr({"List-Unsubscribe": f"<{self._link()}>"}),
        }
        if self.equipment_id.company_id.email:
            vals["email_from"] = self.equipment_id.company_id.email_formatted
        self.env["mail.mail"].sudo().create(vals)

    def _send_confirmation(self):
        for subscription in self:
            subscription = subscription.with_context(lang=subscription.lang or None)
            unit = subscription._unit_label()
            subscription._send_mail(
                subscription.env._("Confirm that you follow %s", unit),
                [
                    subscription.env._(
                        "Someone (we hope you) asked to receive the service news of %s at this address.", unit
                    ),
                    Markup('<a href="%s">%s</a>')
                    % (subscription._link(), subscription.env._("Confirm: follow this unit")),
                    subscription.env._("If it was not you, ignore this e-mail: you will get nothing more."),
                ],
            )

    @api.model
    def _notify_units(self, units, event):
        """Tell the confirmed followers of ``units`` (by e-mail, or in their Telegram chat) what
        happened to them: ``event`` is ``opened`` (a service request on the unit) or ``resolved``
        (a request resolved). Nothing of the unit's customer nor of the request."""
        if not units:
            return
        followers = self.sudo().search([("equipment_id", "in", units.ids), ("state", "=", "confirmed")])
        for subscription in followers:
            subscription = subscription.with_context(lang=subscription.lang or None)
            env = subscription.env
            unit = subscription._unit_label()
            if event == "opened":
                subject = env._("Service request opened on %s", unit)
                body = env._(
                    "A service request was opened on %s: we will tell you when it is resolved.", unit
                )
            else:
                subject = env._("Service request resolved on %s", unit)
                body = env._("A service request on %s was resolved.", unit)
            if subscription.channel == "telegram":
                subscription.telegram_chat_id._send(
                    Markup("%s<br/>%s") % (body, env._("Send /stop to stop following this unit."))
                )
            else:
                subscription._send_mail(subject, [body])

    def _confirm(self):
        self.filtered(lambda sub: sub.state == "pending").write(
            {"state": "confirmed", "confirmed_date": fields.Datetime.now()}
        )

    def _unsubscribe(self):
        self.unlink()

    @api.autovacuum
    def _gc_pending(self):
        """Forget the followers who did not confirm within a week."""
        limit = fields.Datetime.now() - timedelta(days=PENDING_DAYS)
        self.sudo().search([("state", "=", "pending"), ("create_date", "<", limit)]).unlink()
