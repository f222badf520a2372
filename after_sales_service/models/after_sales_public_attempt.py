from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.misc import hmac

# attempts older than this are deleted by the autovacuum (the limits count the last hour)
KEEP_HOURS = 24


class AfterSalesPublicAttempt(models.Model):
    """One form sent on a unit's public page, counted against the sender's address.

    The address is kept as a keyed hash (``database.secret``), never in clear, and only for a
    day: enough to refuse an address that sends more forms per hour than its company allows
    (``after_sales_public_form_limit``).
    """

    _name = "after_sales.public.attempt"
    _description = "Public Form Attempt"
    _order = "id desc"
    _log_access = False

    address_key = fields.Char(required=True, readonly=True)
    kind = fields.Selection(
        [
            ("report", "Problem Report"),
            ("call", "Call Request"),
            ("follow", "Follow by E-mail"),
            ("follow_telegram", "Follow by Telegram"),
        ],
        required=True,
        readonly=True,
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True, readonly=True)

    # the count of an address's forms of the last hour
    _address_date_idx = models.Index("(address_key, date)")

    @api.model
    def _address_key(self, address):
        return hmac(self.env(su=True), "after_sales_public_attempt", address or "")

    @api.model
    def _count_attempt(self, address, kind, company):
        """Count a form of ``kind`` sent from ``address``; refuse it (nothing written) when the
        address sent ``company``'s limit of forms in the last hour already.

        Two forms of the same address at the same moment are counted one after the other (a
        transaction lock on the address), so the limit holds under concurrent posts too.
        """
        key = self._address_key(address)
        self.env.cr.execute(SQL("SELECT pg_advisory_xact_lock(hashtext(%s))", f"after_sales_public:{key}"))
        limit = company.sudo().after_sales_public_form_limit
        since = fields.Datetime.now() - timedelta(hours=1)
        sent = self.sudo().search_count([("address_key", "=", key), ("date", ">", since)])
        if sent >= limit:
            raise UserError(
                self.env._(
                    "Too many forms were sent from your address in the last hour: try again later or call us."
                )
            )
        return self.sudo().create({"address_key": key, "kind": kind})

    @api.autovacuum
    def _gc_attempts(self):
        """Forget the attempts older than a day."""
        self.sudo().search([("date", "<", fields.Datetime.now() - timedelta(hours=KEEP_HOURS))]).unlink()
