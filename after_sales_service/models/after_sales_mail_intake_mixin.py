import logging
import re

from odoo import api, fields, models
from odoo.tools import html2plaintext, is_html_empty
from odoo.tools.mail import email_normalize, parse_contact_from_email

_logger = logging.getLogger(__name__)

# The longest title taken from a subject, and what is read to find serials.
MAIL_TITLE_MAX = 120
MAIL_SERIAL_TEXT_MAX = 20000
MAIL_SERIAL_TOKENS_MAX = 500
MAIL_SERIAL_TOKEN_RE = re.compile(r"\w[\w./-]{1,62}\w")
# Headers of mails no person wrote (RFC 3834 and the usual non-standard ones).
MAIL_AUTO_PRECEDENCES = {"bulk", "auto_reply", "junk"}
MAIL_AUTO_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder")


class AfterSalesMailIntakeMixin(models.AbstractModel):
    """E-mail intake of service requests: a mail to a team's alias (``after_sales.team`` is a
    ``mail.alias.mixin``) creates a request, a reply updates it.

    The sender becomes the customer (a contact to check when unknown), the serial named in the
    mail the unit; automatic mails and our own addresses create nothing; a customer's reply
    brings a request waiting for the customer back to work, and a reply to a closed request
    reopens it or opens a follow-up, as the company says (``after_sales_closed_reply``).
    ``mail.thread`` routes incoming mail through ``_mail_route_replies`` (``models/mail_thread.py``).
    The host provides the request's fields (``partner_id``, ``contact_id``, ``equipment_id``,
    ``stage_id``, ``is_closed``, ``company_id``, ``team_id``...); sibling modules extend
    ``_prepare_mail_request_vals``. A ``mail.thread`` itself (``message_new`` and
    ``message_update`` extend the thread's), it comes before ``mail.thread`` in the host's
    ``_inherit``.
    """

    _name = "after_sales.mail.intake.mixin"
    _inherit = ["mail.thread"]
    _description = "E-mail Intake of Service Requests"

    # the host's company: where senders, units and follow-ups are looked for
    company_id = fields.Many2one("res.company")
    partner_needs_review = fields.Boolean(
        string="Check Customer",
        copy=False,
        tracking=True,
        groups="base.group_user",
        help="The customer was created from the address of an unknown e-mail sender: check it "
        "(or put the right customer on the request), then clear this flag.",
    )
    origin_request_id = fields.Many2one(
        "after_sales.request",
        string="Follow-up of",
        index="btree_not_null",
        copy=False,
        readonly=True,
        check_company=True,
        groups="base.group_user",
        help="The closed request the customer replied to by e-mail.",
    )

    # ---------------------------------------------------------- mail gateway

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """Create a request from an e-mail sent to a team's alias (``custom_values``: its defaults).

        The customer is the sender's partner (a new contact to check when the address is
        unknown), the unit one of that customer's units whose serial the mail names, the
        reception time the mail's Date. A reply to a closed request comes here too when the
        company opens follow-ups (``origin_request_id`` in ``custom_values``).
        """
        custom_values = dict(custom_values or {})
        values = self._prepare_mail_request_vals(msg_dict, custom_values)
        # "name" is the request number: mail would put the subject there
        values = {"name": "/", **values, **custom_values}
        request = super().message_new(msg_dict, custom_values=values)
        if request.contact_id and request.contact_id != request.partner_id:
            request.message_subscribe(partner_ids=request.contact_id.ids)
        if request.origin_request_id:
            request.origin_request_id.message_post(
                body=self.env._(
                    "The customer replied after closing: follow-up %s opened.", request._get_html_link()
                ),
                subtype_xmlid="mail.mt_note",
            )
        return request

    def message_update(self, msg_dict, update_vals=None):
        """A customer's e-mail reply: back to work from a stage waiting for the customer; a
        closed request is reopened when the company reopens (otherwise mail routing has made
        a follow-up, see ``_mail_route_replies``). Automatic replies change nothing."""
        if not self.env.context.get("after_sales_mail_automatic"):
            self._on_customer_mail_reply(msg_dict)
        return super().message_update(msg_dict, update_vals=update_vals)

    @api.model
    def _detect_loop_sender_domain(self, email_from_normalized):
        """Requests created by mail from this address (mail counts them to stop loops)."""
        return [
            ("channel", "=", "email"),
            "|",
            ("contact_id.email_normalized", "=", email_from_normalized),
            ("partner_id.email_normalized", "=", email_from_normalized),
        ]

    @api.model
    def _prepare_mail_request_vals(self, msg_dict, custom_values):
        """Values of a request created from the mail ``msg_dict`` (a hook for sibling modules)."""
        company = self.env["res.company"].browse(custom_values.get("company_id")) or self.env.company
        origin = self.browse(custom_values.get("origin_request_id")).exists()
        contact = self._mail_find_sender(msg_dict, company)
        needs_review = False
        if origin:
            partner = origin.partner_id
            if contact.commercial_partner_id != partner.commercial_partner_id:
                contact = origin.contact_id
        else:
            # a new contact, or one of the company's users (a forwarded mail): someone checks
            needs_review = not contact or not contact.partner_share
            if not contact:
                contact = self._mail_create_sender(msg_dict)
            partner = contact.commercial_partner_id
            # the incoming message is posted as written by this contact
            msg_dict["author_id"] = contact.id
        subject = msg_dict.get("subject") or ""
        body = msg_dict.get("body") or ""
        text = html2plaintext(body) if not is_html_empty(body) else ""
        equipment = self.env["after_sales.equipment"]
        if not needs_review:
            equipment = self._mail_find_equipment(partner, company, f"{subject}\n{text}")
        if not equipment and origin:
            equipment = origin.equipment_id
        values = {
            "title": self._mail_title(subject, text, contact or partner),
            "description": body if text.strip() else False,
            "partner_id": partner.id,
            "contact_id": contact.id if contact != partner else False,
            "equipment_id": equipment.id,
            "channel": "email",
            "date_open": self._mail_date(msg_dict),
            "company_id": company.id,
            "team_id": origin.team_id.id or company.after_sales_team_id.id,
            "user_id": False,
            "partner_needs_review": needs_review,
        }
        if origin:
            values.update(request_type=origin.request_type, priority=origin.priority)
        return values

    @api.model
    def _mail_find_sender(self, msg_dict, company):
        """The contact who sent the mail: a partner of ``company`` (or shared) with its address.

        Customers come first, then contacts with a parent company, then the oldest.
        """
        email = email_normalize(msg_dict.get("email_from") or "")
        if not email:
            return self.env["res.partner"]
        partners = (
            self.env["res.partner"]
            .sudo()
            .search([("email_normalized", "=", email), ("company_id", "in", [False, company.id])], order="id")
        )
        author_id = msg_dict.get("author_id")
        return partners.sorted(lambda p: (p.id != author_id, not p.partner_share, not p.parent_id, p.id))[:1]

    @api.model
    def _mail_create_sender(self, msg_dict):
        """A new contact for an unknown sender, named as the mail's From says."""
        name, email = parse_contact_from_email(msg_dict.get("email_from") or "")
        return (
            self.env["res.partner"]
            .sudo()
            .create({"name": name or email or self.env._("Unknown e-mail sender"), "email": email or False})
        )

    @api.model
    def _mail_find_equipment(self, partner, company, text):
        """The one unit of ``partner``'s whose serial number appears in ``text`` (none if several)."""
        if not partner:
            return self.env["after_sales.equipment"]
        tokens = set()
        for match in MAIL_SERIAL_TOKEN_RE.finditer(text[:MAIL_SERIAL_TEXT_MAX]):
            token = match.group().strip("./-")
            tokens.update((token, token.upper()))
            if len(tokens) >= MAIL_SERIAL_TOKENS_MAX:
                break
        if not tokens:
            return self.env["after_sales.equipment"]
        units = (
            self.env["after_sales.equipment"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "child_of", partner.commercial_partner_id.id),
                    ("lot_id.name", "in", list(tokens)),
                ],
                limit=2,
            )
        )
        return units if len(units) == 1 else units.browse()

    @api.model
    def _mail_title(self, subject, text, sender):
        """A one-line title from the subject (or the body's first line), cut at a word."""
        title = " ".join(subject.split())
        if not title:
            title = " ".join(next((line for line in text.splitlines() if line.strip()), "").split())
        if not title:
            return self.env._("E-mail from %s", sender.name or self.env._("unknown sender"))
        if len(title) > MAIL_TITLE_MAX:
            cut = title[: MAIL_TITLE_MAX - 1]
            if " " in cut[MAIL_TITLE_MAX // 2 :]:
                cut = cut.rsplit(" ", 1)[0]
            title = cut.rstrip(" ,;:-") + "…"
        return title

    @api.model
    def _mail_date(self, msg_dict):
        """When the mail was sent (its Date header), never in the future."""
        now = fields.Datetime.now()
        date = fields.Datetime.to_datetime(msg_dict.get("date")) if msg_dict.get("date") else None
        return min(date, now) if date else now

    @api.model
    def _mail_is_automatic(self, message):
        """Whether ``message`` (an ``email.message``) was sent by a program: an auto-reply,
        a vacation notice, a bulk mailing (RFC 3834 ``Auto-Submitted`` and usual headers)."""
        auto_submitted = (message.get("Auto-Submitted") or "").strip().lower()
        if auto_submitted and auto_submitted != "no":
            return True
        if any(message.get(header) for header in MAIL_AUTO_HEADERS):
            return True
        return (message.get("Precedence") or "").strip().lower() in MAIL_AUTO_PRECEDENCES

    @api.model
    def _mail_route_replies(self, message, message_dict, routes):
        """Routes of an incoming mail for requests, before mail processes them.

        An automatic mail creates no request (its replies to a request are still logged); a
        reply to a closed request opens a follow-up when the company says so.
        """
        automatic = self._mail_is_automatic(message)
        if self._mail_is_own_address(message_dict.get("email_from")):
            # our own alias, catchall or bounce address is never a customer: a loop or a spoof
            _logger.info(
                "Ignored mail from our own address %s with Message-Id %s: "
                "no service request created or updated",
                message_dict.get("email_from"),
                message_dict.get("message_id"),
            )
            return [route for route in routes if route[0] != self._name], automatic
        result = []
        for route in routes:
            model, thread_id, _custom_values, user_id, alias = route
            if model != self._name:
                result.append(route)
            elif not thread_id:
                if automatic:
                    _logger.info(
                        "Ignored automatic mail from %s with Message-Id %s: no service request created",
                        message_dict.get("email_from"),
                        message_dict.get("message_id"),
                    )
                else:
                    result.append(route)
            else:
                request = self.sudo().browse(thread_id)
                if (
                    not automatic
                    and request.is_closed
                    and request.company_id.after_sales_closed_reply == "followup"
                    and self._mail_is_customer(message_dict)
                ):
                    followup_values = {
                        "origin_request_id": request.id,
                        "company_id": request.company_id.id,
                    }
                    result.append((model, False, followup_values, user_id, alias))
                else:
                    result.append(route)
        return result, automatic

    @api.model
    def _mail_is_own_address(self, email_from):
        """Whether ``email_from`` is one of our own addresses: an alias of any team or document,
        or an alias domain's catchall, bounce or default sender address."""
        email = email_normalize(email_from or "")
        return bool(email and self.env["mail.alias.domain"].sudo()._find_aliases([email]))

    @api.model
    def _mail_is_customer(self, msg_dict):
        """Whether the mail comes from outside (not from a user of the company)."""
        author = self.env["res.partner"].sudo().browse(msg_dict.get("author_id")).exists()
        return not author or author.partner_share

    def _get_customer_reply_stage(self):
        """Where a customer's reply moves a request back to: the first working stage."""
        Stage = self.env["after_sales.request.stage"]
        return Stage.search(
            [
                ("is_new", "=", False),
                ("is_resolved", "=", False),
                ("is_closed", "=", False),
                ("is_waiting_customer", "=", False),
            ],
            limit=1,
        ) or Stage.search([("is_new", "=", True)], limit=1)

    def _on_customer_mail_reply(self, msg_dict):
        """Move requests waiting for the customer back to work; reopen closed ones if the company
        reopens (see ``res.company.after_sales_closed_reply``)."""
        if not self._mail_is_customer(msg_dict):
            return
        stage = self._get_customer_reply_stage()
        for request in self:
            if request.is_closed:
                if request.company_id.after_sales_closed_reply != "reopen" or not stage:
                    continue
                request.write({"stage_id": stage.id})
                request.message_post(
                    body=self.env._("Reopened: the customer replied by e-mail."),
                    subtype_xmlid="mail.mt_note",
                )
            elif request.stage_id.is_waiting_customer and stage:
                request.write({"stage_id": stage.id})
