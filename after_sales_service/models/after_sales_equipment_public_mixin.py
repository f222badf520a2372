import secrets

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column, table_exists

# characters of a token (``secrets.token_urlsafe``): what the public route accepts at all
TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
TOKEN_BYTES = 24
# units filled per statement when the column is added to a database that has units already
TOKEN_FILL_BATCH = 5000


def new_public_token():
    """A new unguessable token of a unit's public page (192 random bits, URL-safe)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def is_token_shaped(token):
    """Whether ``token`` could be a unit's token: the public route looks nothing else up."""
    return isinstance(token, str) and 20 <= len(token) <= 64 and set(token) <= TOKEN_CHARS


class AfterSalesEquipmentPublicMixin(models.AbstractModel):
    """The unit's public page, the one its nameplate's QR code opens (``/unit/<token>``).

    Every unit has an unguessable token (not its id); rotating it makes the labels printed before
    open nothing. The page shows facts of the unit only (``_get_public_page_values``: product,
    serial, warranty, next maintenance, last service), never its customer, site, prices or
    requests; from it anyone may report a problem, ask for a call or follow the unit by e-mail
    (``after_sales.equipment.subscription``).
    """

    _name = "after_sales.equipment.public.mixin"
    _description = "Unit Public Page"

    public_token = fields.Char(
        string="QR Code Token",
        default=lambda self: new_public_token(),
        copy=False,
        readonly=True,
        groups="after_sales_service.group_after_sales_user",
        help="The secret part of the address the unit's QR code opens. Rotate it when a label may "
        "have been copied: the labels printed before no longer open the unit's page.",
    )
    public_url = fields.Char(
        string="Public Page",
        compute="_compute_public_url",
        groups="after_sales_service.group_after_sales_user",
        help="The address the unit's QR code opens.",
    )
    subscription_ids = fields.One2many(
        "after_sales.equipment.subscription",
        "equipment_id",
        string="E-mail Followers",
        groups="after_sales_service.group_after_sales_user",
    )

    # its unique index is the index the public page finds the unit by
    _public_token_uniq = models.Constraint("UNIQUE(public_token)", "A unit's QR code token must be unique.")

    def _auto_init(self):
        self._init_public_token_column()
        return super()._auto_init()

    def _init_public_token_column(self):
        """Give each unit of a database that has units already a token of its own, in batches.

        Run before the ORM adds the column: its Python default would give all the existing units
        the same value in one UPDATE (and the unique constraint would fail).
        """
        cr = self.env.cr
        if not table_exists(cr, self._table) or column_exists(cr, self._table, "public_token"):
            return
        create_column(cr, self._table, "public_token", "varchar")
        while True:
            cr.execute(
                SQL(
                    "SELECT id FROM %s WHERE public_token IS NULL LIMIT %s",
                    SQL.identifier(self._table),
                    TOKEN_FILL_BATCH,
                )
            )
            ids = [row[0] for row in cr.fetchall()]
            if not ids:
                return
            cr.execute(
                SQL(
                    "UPDATE %s AS unit SET public_token = filled.token FROM "
                    "(SELECT unnest(%s::int[]) AS id, unnest(%s::varchar[]) AS token) AS filled "
                    "WHERE unit.id = filled.id",
                    SQL.identifier(self._table),
                    ids,
                    [new_public_token() for __ in ids],
                )
            )

    @api.depends("public_token", "partner_id.lang", "company_id.partner_id.lang")
    def _compute_public_url(self):
        """The address of the unit's page, in its customer's language (else its company's): whoever
        scans the nameplate reads it in that language (``/ru/unit/...``); English has no prefix."""
        for unit in self:
            if not unit.public_token:
                unit.public_url = False
                continue
            lang = unit._get_report_lang(default=False)
            url_code = lang and lang != "en_US" and self.env["res.lang"]._get_data(code=lang).url_code
            prefix = f"/{url_code}" if url_code else ""
            unit.public_url = f"{unit.get_base_url()}{prefix}/unit/{unit.public_token}"

    def write(self, vals):
        if "public_token" in vals:
            raise UserError(
                self.env._("A unit's QR code token is changed only by the Rotate QR Code button.")
            )
        return super().write(vals)

    def action_rotate_public_token(self):
        """Give the units new QR code tokens: the labels printed before stop working."""
        self.check_access("write")
        self._action_rotate_public_token()

    def _action_rotate_public_token(self):
        for unit in self:
            unit._write_public_token(new_public_token())
            unit.message_post(
                body=self.env._(
                    "QR code rotated: the labels printed before no longer open the unit's page; "
                    "print new labels."
                ),
                subtype_xmlid="mail.mt_note",
            )

    def _write_public_token(self, token):
        """The token's one writer (``write`` refuses it): past the overrides of ``write``."""
        return super(AfterSalesEquipmentPublicMixin, self.sudo()).write({"public_token": token})

    @api.model
    def _get_by_public_token(self, token):
        """The unit (sudo) whose QR code opens ``token``, else an empty recordset.

        Archived and decommissioned units, rotated and malformed tokens all give nothing: the
        public pages answer them with the same 404.
        """
        if not is_token_shaped(token):
            return self.sudo().browse()
        return (
            self.sudo()
            .search([("public_token", "=", token), ("state", "!=", "decommissioned")], limit=1)
            .filtered(lambda unit: secrets.compare_digest(unit.public_token, token))
        )

    def _get_report_lang(self, default=None):
        """The language of what is printed for the unit (its nameplate label) and of its public
        page: its customer's, else its company's (else ``default``, the reader's language). A
        language since deactivated is passed over: it can no longer render anything."""
        self.ensure_one()
        active = self.env["res.lang"]._get_active_by("code")
        for lang in (self.partner_id.lang, self.company_id.partner_id.lang):
            if lang and lang in active:
                return lang
        return self.env.lang if default is None else default

    def _get_public_page_values(self):
        """What the unit's public page shows: facts of the unit, never of its customer.

        A dict of plain values (no records): ``product``, ``serial``, ``state`` (label),
        ``next_maintenance_date``, ``last_service_date``. Modules add theirs with ``super()``
        (warranty: ``warranty``) and show them by inheriting ``unit_public_page``.
        """
        self.ensure_one()
        state_labels = dict(self._fields["state"]._description_selection(self.env))
        return {
            "product": self.product_id.display_name,
            "serial": self.lot_id.name or "",
            "state": state_labels.get(self.state, ""),
            "next_maintenance_date": self.next_maintenance_date,
            "last_service_date": self._get_last_service_date(),
        }

    def _get_last_service_date(self):
        """Date of the last resolved request of the unit (none when it never had one)."""
        self.ensure_one()
        [[last]] = (
            self.env["after_sales.request"]
            .sudo()
            ._read_group(
                [("equipment_id", "=", self.id), ("is_resolved", "=", True)],
                aggregates=["sla_resolution_date:max"],
            )
        )
        return last and fields.Date.context_today(self, last)

    def _get_public_follow_channels(self):
        """The ways the public page offers to follow the unit, in their order: ``"email"``, and
        ``"telegram"`` when the unit's company has a service bot with its username.

        A module adding a channel (a messenger) appends its key and shows its button by inheriting
        the ``unit_public_follow`` template, where ``follow_channels`` holds this list.
        """
        self.ensure_one()
        channels = ["email"]
        if self._get_public_follow_gateway():
            channels.append("telegram")
        return channels

    def _get_public_follow_gateway(self):
        """The service bot a visitor of the public page may follow the unit with (empty when none)."""
        self.ensure_one()
        gateway = self.company_id._after_sales_telegram_gateway()
        return gateway if gateway.sudo().after_sales_bot_username else gateway.browse()

    def _get_public_follow_telegram_link(self):
        """A one-time code that makes the Telegram chat sending it (``/start <code>``) follow the
        unit: ``{"code", "url" (t.me/<bot>?start=<code>), "expires_at", "bot"}``. Hashed, valid
        ``LINK_CODE_MINUTES`` minutes, once (``after_sales.telegram.link.code``).

        :raise UserError: when the unit's company has no service bot.
        """
        self.ensure_one()
        gateway = self._get_public_follow_gateway()
        if not gateway:
            raise UserError(self.env._("Telegram is not set up for service requests yet."))
        LinkCode = self.env["after_sales.telegram.link.code"]
        code, record = LinkCode._issue(self.env["res.partner"], gateway, equipment=self)
        return LinkCode._link_values(gateway, code, record)
