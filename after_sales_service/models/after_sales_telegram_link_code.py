import hashlib
import secrets
from datetime import timedelta

from odoo import api, fields, models

# A code works for this long after it is issued, once.
LINK_CODE_MINUTES = 15
# An expired or used code is deleted this long after.
SPENT_CODE_DAYS = 1


def hash_link_code(code):
    """The stored form of a one-time code: its SHA-256 (the code itself is never stored)."""
    return hashlib.sha256((code or "").strip().encode()).hexdigest()


class AfterSalesTelegramLinkCode(models.Model):
    """A one-time code sent to a service bot (``/start <code>``): a contact's code (the portal) ties
    the chat to the contact; a unit's code (the unit's public page) makes the chat follow the unit
    (``after_sales.equipment.subscription`` of channel Telegram)."""

    _name = "after_sales.telegram.link.code"
    _description = "Telegram Link Code"
    _order = "id desc"

    partner_id = fields.Many2one("res.partner", ondelete="cascade", index=True)
    equipment_id = fields.Many2one("after_sales.equipment", ondelete="cascade", index="btree_not_null")
    gateway_id = fields.Many2one("mail.gateway", required=True, ondelete="cascade")
    code_hash = fields.Char(required=True, index=True, copy=False)
    expires_at = fields.Datetime(required=True)
    used_at = fields.Datetime(readonly=True, copy=False)

    _code_hash_uniq = models.Constraint("UNIQUE(code_hash)", "This code already exists.")
    _partner_or_unit = models.Constraint(
        "CHECK((partner_id IS NULL) != (equipment_id IS NULL))",
        "A Telegram code is for a contact or for a unit.",
    )

    @api.model
    def _issue(self, partner, gateway, equipment=None):
        """A new code for ``partner`` (or, ``partner`` empty, to follow ``equipment``) on ``gateway``:
        (code, record). A contact's older unused codes stop working; a unit's codes are each a
        visitor's own (the public page limits how many an address makes)."""
        now = fields.Datetime.now()
        if partner:
            self.sudo().search(
                [("partner_id", "=", partner.id), ("used_at", "=", False), ("expires_at", ">", now)]
            ).write({"expires_at": now})
        code = secrets.token_urlsafe(18)  # 24 characters of [A-Za-z0-9_-]: a valid /start parameter
        record = self.sudo().create(
            {
                "partner_id": partner.id if partner else False,
                "equipment_id": equipment.id if equipment and not partner else False,
                "gateway_id": gateway.id,
                "code_hash": hash_link_code(code),
                "expires_at": now + timedelta(minutes=LINK_CODE_MINUTES),
            }
        )
        return code, record

    @api.model
    def _consume(self, gateway, code):
        """The contact of a valid ``code`` for ``gateway``, the code then used; an empty partner when
        the code is wrong, expired, already used, for another bot or a unit's."""
        return self._consume_code(gateway, code).partner_id

    @api.model
    def _link_values(self, gateway, code, record):
        """What a page shows of a new ``code``: ``{"code", "url" (t.me/<bot>?start=<code>, False
        without the bot's username), "expires_at", "bot"}``."""
        bot = gateway.sudo().after_sales_bot_username
        return {
            "code": code,
            "url": f"https://t.me/{bot}?start={code}" if bot else False,
            "expires_at": record.expires_at,
            "bot": bot or False,
        }

    @api.model
    def _consume_code(self, gateway, code):
        """The record (sudo) of a valid ``code`` for ``gateway``, then used; an empty recordset
        when the code is wrong, expired, already used or for another bot (nothing written)."""
        now = fields.Datetime.now()
        record = (
            self.sudo()
            .search(
                [
                    ("code_hash", "=", hash_link_code(code)),
                    ("gateway_id", "=", gateway.id),
                    ("used_at", "=", False),
                    ("expires_at", ">", now),
                ],
                limit=1,
            )
            .try_lock_for_update()
        )
        # a concurrent /start holding the code's lock wins; a committed use is a serialization
        # failure here (the request is retried and the code is then found used)
        if record:
            record.used_at = now
        return record

    @api.autovacuum
    def _gc_spent_codes(self):
        """Delete the codes that expired or were used more than a day ago."""
        limit = fields.Datetime.now() - timedelta(days=SPENT_CODE_DAYS)
        self.sudo().search(["|", ("expires_at", "<", limit), ("used_at", "<", limit)]).unlink()
