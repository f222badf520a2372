import hashlib
import secrets
from datetime import timedelta

from odoo import api, fields, models

# A code works for this long after it is issued, once.
LINK_CODE_MINUTES = 15


def hash_link_code(code):
    """The stored form of a one-time code: its SHA-256 (the code itself is never stored)."""
    return hashlib.sha256((code or "").strip().encode()).hexdigest()


class AfterSalesTelegramLinkCode(models.Model):
    """A one-time code a contact sends to a service bot (``/start <code>``) to tie its chat to it."""

    _name = "after_sales.telegram.link.code"
    _description = "Telegram Link Code"
    _order = "id desc"

    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade", index=True)
    gateway_id = fields.Many2one("mail.gateway", required=True, ondelete="cascade")
    code_hash = fields.Char(required=True, index=True, copy=False)
    expires_at = fields.Datetime(required=True)
    used_at = fields.Datetime(readonly=True, copy=False)

    _code_hash_uniq = models.Constraint("UNIQUE(code_hash)", "This code already exists.")

    @api.model
    def _issue(self, partner, gateway):
        """A new code for ``partner`` on ``gateway``: (code, record). Older unused codes stop working."""
        now = fields.Datetime.now()
        self.sudo().search(
            [("partner_id", "=", partner.id), ("used_at", "=", False), ("expires_at", ">", now)]
        ).write({"expires_at": now})
        code = secrets.token_urlsafe(18)  # 24 characters of [A-Za-z0-9_-]: a valid /start parameter
        record = self.sudo().create(
            {
                "partner_id": partner.id,
                "gateway_id": gateway.id,
                "code_hash": hash_link_code(code),
                "expires_at": now + timedelta(minutes=LINK_CODE_MINUTES),
            }
        )
        return code, record

    @api.model
    def _consume(self, gateway, code):
        """The contact of a valid ``code`` for ``gateway``, the code then used; an empty partner when
        the code is wrong, expired, already used or for another bot."""
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
        if not record:
            return self.env["res.partner"]
        record.used_at = now
        return record.partner_id
