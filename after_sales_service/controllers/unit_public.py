import io

from markupsafe import Markup
from PIL import Image

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import email_normalize, plaintext2html
from odoo.tools.image import ImageProcess
from odoo.tools.mimetypes import guess_mimetype

from ..models.after_sales_telegram_link_code import LINK_CODE_MINUTES
from ..tools import has_nul, nul_error, upload_error

# what a photo of the public page may be: images a browser shows, never SVG (scripts)
PHOTO_MIMETYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
# the longest texts the public forms take
MAX_NAME = 128
MAX_TEXT = 5000
MAX_TITLE = 80
# a unit whose customer may still report problems on it
SUBMITTABLE_STATES = ("in_service", "in_repair")
# what the forms show again after an error (never the photo)
FORM_INPUTS = ("name", "email", "phone", "description", "note", "follow_email")


class AfterSalesUnitPublic(http.Controller):
    """The page a unit's QR code opens (``/unit/<token>``) and its forms.

    Anyone may open it: it shows the unit's own facts, never its customer. A wrong, rotated or
    malformed token, an archived or decommissioned unit: all get the same 404. Every form is
    CSRF-protected and counted against the sender's address (``after_sales.public.attempt``);
    nothing is written for a refused form.
    """

    def _unit_or_404(self, token):
        unit = request.env["after_sales.equipment"]._get_by_public_token(token)
        if not unit:
            raise request.not_found()
        return unit

    def _render_page(self, unit, token, error=None, form=None, posted=None, status=200):
        user = request.env.user
        partner = user.partner_id if not user._is_public() else request.env["res.partner"]
        posted = {key: value for key, value in (posted or {}).items() if key in FORM_INPUTS}
        values = {
            "unit_values": unit._get_public_page_values(),
            "token": token,
            "can_report": unit.state in SUBMITTABLE_STATES,
            "follow_channels": unit._get_public_follow_channels(),
            "visitor": partner,
            "upload_limit_mb": unit.company_id.after_sales_portal_upload_mb or 10,
            "error": error,
            "error_form": form,
            "posted": posted,
        }
        return request.render(
            "after_sales_service.unit_public_page",
            values,
            status=status,
            headers={"X-Robots-Tag": "noindex, nofollow", "Cache-Control": "no-store"},
        )

    def _render_done(self, unit, token, message):
        return request.render(
            "after_sales_service.unit_public_done",
            {"unit_values": unit._get_public_page_values(), "token": token, "message": message},
            headers={"X-Robots-Tag": "noindex, nofollow", "Cache-Control": "no-store"},
        )

    @http.route(
        "/unit/<string:token>", type="http", auth="public", website=True, sitemap=False, readonly=True
    )
    def unit_public_page(self, token, **kw):
        return self._render_page(self._unit_or_404(token), token)

    # ---------------------------------------------------------------- forms

    def _check_contact(self, name, email, phone, phone_required=False):
        """The error of the contact details a visitor typed, or None (a logged-in user's are known)."""
        env = request.env
        if not env.user._is_public():
            # a logged-in user's contact is known; a call still needs a number to call
            if phone_required and not (phone or env.user.partner_id.phone or "").strip():
                return env._("Enter the phone number we should call.")
            return None
        if not (name or "").strip():
            return env._("Enter your name.")
        if email and not email_normalize(email):
            return env._("Enter a valid e-mail address.")
        if phone_required and not (phone or "").strip():
            return env._("Enter the phone number we should call.")
        if not (email or "").strip() and not (phone or "").strip():
            return env._("Enter an e-mail address or a phone number, so that we can answer you.")
        return None

    def _check_lengths(self, values):
        env = request.env
        if has_nul(list(values.values())):
            return nul_error(env)
        for key, value in values.items():
            if value and len(value) > (MAX_TEXT if key in ("description", "note") else MAX_NAME):
                return env._("The text you entered is too long: shorten it and send it again.")
        return None

    def _check_photo(self, unit, photo):
        """(error, data) of the uploaded ``photo``: too large or not an image is an error."""
        env = request.env
        if not photo or not photo.filename:
            return None, None
        error = upload_error(env, [photo], company=unit.company_id)
        if error:
            return error, None
        data = photo.read()
        mimetype = guess_mimetype(data, default="")
        if mimetype not in PHOTO_MIMETYPES:
            error = env._("%s is not a photo: send a JPEG, PNG, GIF or WebP image.", photo.filename)
            return error, None
        try:
            ImageProcess(data)  # refuses images of too many pixels
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
        except (UserError, ValueError, OSError, SyntaxError, Image.DecompressionBombError):
            return env._("%s could not be read as an image: send another photo.", photo.filename), None
        return None, data

    def _count_attempt(self, unit, kind):
        """Count the form of ``kind`` against the sender's address: the message refusing it when
        the address sent too many already, else None."""
        try:
            request.env["after_sales.public.attempt"]._count_attempt(
                request.httprequest.remote_addr, kind, unit.company_id
            )
        except UserError as exc:
            return exc.args[0]
        return None

    def _visitor_contact(self, unit, name, email, phone):
        """The contact sending a form: the logged-in user's, else one of the unit's customer's
        contacts with that e-mail address, else a new contact. The page answers the same in
        every case: nothing tells the visitor which."""
        env = request.env
        user = env.user
        if not user._is_public():
            return user.partner_id
        Partner = env["res.partner"].sudo()
        normalized = email_normalize(email) if email else False
        if normalized:
            known = Partner.search(
                [
                    ("email_normalized", "=", normalized),
                    ("commercial_partner_id", "=", unit.partner_id.commercial_partner_id.id),
                ],
                limit=1,
            )
            if known:
                return known
        return Partner.create(
            {"name": name.strip(), "email": normalized or False, "phone": (phone or "").strip()}
        )

    def _contact_lines(self, name, email, phone):
        """The contact details as typed, for the request's description."""
        user = request.env.user
        if not user._is_public():
            partner = user.partner_id
            name, email, phone = partner.name, email or partner.email, phone or partner.phone
        details = ", ".join(part.strip() for part in (name, email, phone) if part and part.strip())
        return request.env._("Sent from the unit's QR code page by: %s", details)

    @http.route(
        "/unit/<string:token>/report",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
        methods=["POST"],
    )
    def unit_public_report(self, token, photo=None, **post):
        """Report a problem on the unit: a request on it, with its photo."""
        unit = self._unit_or_404(token)
        env = request.env
        name, email, phone = post.get("name"), post.get("email"), post.get("phone")
        description = (post.get("description") or "").strip()
        error = self._check_lengths({key: post.get(key) for key in ("name", "email", "phone", "description")})
        if not error and unit.state not in SUBMITTABLE_STATES:
            error = env._("This unit is no longer in service with us: please call us.")
        if not error and not description:
            error = env._("Describe the problem.")
        error = error or self._check_contact(name, email, phone)
        data = None
        if not error:
            error, data = self._check_photo(unit, photo)
        if not error:
            refused = self._count_attempt(unit, "report")
            if refused:
                return self._render_page(unit, token, refused, "report", post, status=429)
        if error:
            return self._render_page(unit, token, error, "report", post, status=400)
        contact = self._visitor_contact(unit, name, email, phone)
        title = description.splitlines()[0][:MAX_TITLE]
        contact_line = Markup("<p><em>%s</em></p>") % self._contact_lines(name, email, phone)
        body = plaintext2html(description) + contact_line
        service_request = env["after_sales.request"]._create_from_public_page(unit, contact, title, body)
        if data:
            service_request.message_post(
                body=env._("Photo sent with the problem report."),
                attachments=[(photo.filename, data)],
                author_id=contact.id,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        return self._render_done(
            unit,
            token,
            env._(
                "Thank you: your report is registered as request %s. We will contact you.",
                service_request.name,
            ),
        )

    @http.route(
        "/unit/<string:token>/call",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
        methods=["POST"],
    )
    def unit_public_call(self, token, **post):
        """Ask for a call about the unit: a consultation request and a call activity for the team."""
        unit = self._unit_or_404(token)
        env = request.env
        name, phone, note = post.get("name"), post.get("phone"), (post.get("note") or "").strip()
        error = self._check_lengths({key: post.get(key) for key in ("name", "phone", "note")})
        error = error or self._check_contact(name, None, phone, phone_required=True)
        if not error:
            refused = self._count_attempt(unit, "call")
            if refused:
                return self._render_page(unit, token, refused, "call", post, status=429)
        if error:
            return self._render_page(unit, token, error, "call", post, status=400)
        contact = self._visitor_contact(unit, name, None, phone)
        body = Markup("<p>%s</p>") % self._contact_lines(name, None, phone)
        if note:
            body = plaintext2html(note) + body
        service_request = env["after_sales.request"]._create_from_public_page(
            unit, contact, env._("Call back requested"), body, request_type="consultation"
        )
        leader = unit.company_id.after_sales_team_id.user_id
        if leader:
            service_request.activity_schedule(
                "mail.mail_activity_data_call",
                summary=env._("Call back: %s", (phone or contact.phone or "").strip()),
                user_id=leader.id,
            )
        return self._render_done(unit, token, env._("Thank you: we will call you back."))

    @http.route(
        "/unit/<string:token>/follow",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
        methods=["POST"],
    )
    def unit_public_follow(self, token, **post):
        """Follow the unit by e-mail: a confirmation link is sent to the address (double opt-in)."""
        unit = self._unit_or_404(token)
        env = request.env
        email = post.get("follow_email")
        error = self._check_lengths({"follow_email": email})
        if not error and not email_normalize(email or ""):
            error = env._("Enter a valid e-mail address.")
        if not error:
            refused = self._count_attempt(unit, "follow")
            if refused:
                return self._render_page(unit, token, refused, "follow", post, status=429)
        if error:
            return self._render_page(unit, token, error, "follow", post, status=400)
        env["after_sales.equipment.subscription"]._subscribe(unit, email, env.lang)
        # the same answer whether the address followed the unit already or not
        return self._render_done(
            unit, token, env._("Check your mailbox: follow the link we sent to confirm (valid for a week).")
        )

    @http.route(
        "/unit/<string:token>/follow/telegram",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
        methods=["POST"],
    )
    def unit_public_follow_telegram(self, token, **post):
        """Follow the unit by Telegram: a one-time code and the bot's t.me link; the chat that
        sends the code to the bot follows the unit (sending it is the opt-in)."""
        unit = self._unit_or_404(token)
        if "telegram" not in unit._get_public_follow_channels():
            raise request.not_found()
        refused = self._count_attempt(unit, "follow_telegram")
        if refused:
            return self._render_page(unit, token, refused, "follow", post, status=429)
        link = unit._get_public_follow_telegram_link()
        return request.render(
            "after_sales_service.unit_public_follow_telegram",
            {
                "unit_values": unit._get_public_page_values(),
                "token": token,
                "link": link,
                "hint": request.env._(
                    "Or send /start %(code)s to @%(bot)s. The code works once, within %(minutes)s minutes.",
                    code=link["code"],
                    bot=link["bot"],
                    minutes=LINK_CODE_MINUTES,
                ),
            },
            headers={"X-Robots-Tag": "noindex, nofollow", "Cache-Control": "no-store"},
        )

    # ------------------------------------------------------------ followers

    def _subscription_or_404(self, token):
        subscription = request.env["after_sales.equipment.subscription"]._get_by_token(token)
        if not subscription:
            raise request.not_found()
        return subscription

    @http.route(
        "/unit/follow/<string:token>", type="http", auth="public", website=True, sitemap=False, readonly=True
    )
    def unit_follow_manage(self, token, **kw):
        """The page of a follower's e-mail link: confirm, or stop following (a button each: mail
        scanners that open links change nothing)."""
        subscription = self._subscription_or_404(token)
        return request.render(
            "after_sales_service.unit_public_follow_manage",
            {
                "subscription": subscription,
                "unit_label": subscription._unit_label(),
                "token": token,
                "message": kw.get("done") and self._follow_message(kw["done"]),
            },
            headers={"X-Robots-Tag": "noindex, nofollow", "Cache-Control": "no-store"},
        )

    def _follow_message(self, done):
        env = request.env
        return {
            "confirmed": env._("Done: you will get the service news of this unit."),
            "unsubscribed": env._("Done: you will get no more e-mails about this unit."),
        }.get(done)

    @http.route(
        "/unit/follow/<string:token>/confirm",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
        methods=["POST"],
    )
    def unit_follow_confirm(self, token, **kw):
        self._subscription_or_404(token)._confirm()
        return request.redirect(f"/unit/follow/{token}?done=confirmed")

    @http.route(
        "/unit/follow/<string:token>/unsubscribe",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
        methods=["POST"],
    )
    def unit_follow_unsubscribe(self, token, **kw):
        subscription = self._subscription_or_404(token)
        unit_label = subscription._unit_label()
        subscription._unsubscribe()
        return request.render(
            "after_sales_service.unit_public_follow_manage",
            {
                "subscription": subscription.browse(),
                "unit_label": unit_label,
                "token": token,
                "message": self._follow_message("unsubscribed"),
            },
            headers={"X-Robots-Tag": "noindex, nofollow", "Cache-Control": "no-store"},
        )
