import datetime
from urllib.parse import urlencode

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request
from odoo.tools import plaintext2html

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..tools import has_nul, nul_error, readonly_unless_posted

PAGE_SIZE = 20
# A customer reports problems on units still in service with them.
SUBMITTABLE_STATES = ("in_service", "in_repair")


class AfterSalesPortal(CustomerPortal):
    """The customer's equipment and service requests on /my."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        Equipment = request.env["after_sales.equipment"]
        Request = request.env["after_sales.request"]
        if "after_sales_equipment_count" in counters:
            values["after_sales_equipment_count"] = (
                Equipment.search_count(self._after_sales_equipment_domain())
                if Equipment.has_access("read")
                else 0
            )
        if "after_sales_request_count" in counters:
            values["after_sales_request_count"] = (
                Request.search_count(self._after_sales_request_domain()) if Request.has_access("read") else 0
            )
        return values

    def _after_sales_partner(self):
        return request.env.user.partner_id.commercial_partner_id

    def _after_sales_equipment_domain(self):
        return [("partner_id", "child_of", self._after_sales_partner().id)]

    def _after_sales_request_domain(self):
        return [("partner_id", "child_of", self._after_sales_partner().id)]

    # ------------------------------------------------------------ equipment

    # Pages that only read are served on the read-only cursor (a replica where there is one): no
    # access token is minted there (``get_portal_url``), the session (not the database) keeps
    # the history. Pages that may mint a token (a request, its act) stay read/write.
    @http.route(
        ["/my/equipment", "/my/equipment/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_equipment(self, page=1, **kw):
        Equipment = request.env["after_sales.equipment"]
        domain = self._after_sales_equipment_domain()
        pager = portal_pager(
            url="/my/equipment", total=Equipment.search_count(domain), page=page, step=PAGE_SIZE
        )
        # the rules chose the records; sudo only to show the serial and the site
        units = Equipment.search(domain, limit=PAGE_SIZE, offset=pager["offset"]).sudo()
        values = self._prepare_portal_layout_values()
        values.update(
            units=units, pager=pager, page_name="after_sales_equipment", default_url="/my/equipment"
        )
        return request.render("after_sales_service.portal_my_equipment", values)

    @http.route(["/my/equipment/<int:unit_id>"], type="http", auth="user", website=True, readonly=True)
    def portal_my_unit(self, unit_id, **kw):
        unit = self._after_sales_portal_unit(unit_id)
        values = self._prepare_portal_layout_values()
        values.update(
            unit=unit,
            requests=request.env["after_sales.request"].search([("equipment_id", "=", unit.id)]).sudo(),
            can_submit=unit.state in SUBMITTABLE_STATES,
            page_name="after_sales_unit",
            error=kw.get("error"),
        )
        return request.render("after_sales_service.portal_my_unit", values)

    @http.route(["/my/equipment/reliability"], type="http", auth="user", website=True, readonly=True)
    def portal_my_fleet_reliability(self, period="year", **kw):
        """The reliability of the customer's own fleet per product: failures, MTBF, first-time
        fix rate and availability, over the last 12 months (``period=all``: their service life)."""
        partner = self._after_sales_partner()
        # the portal user's own rules choose the units (its commercial partner's); only then sudo,
        # to compute their figures from the reliability view the portal cannot read
        units = request.env["after_sales.equipment"].search(self._after_sales_equipment_domain())
        today = fields.Date.context_today(request.env.user)
        date_from = None if period == "all" else today - datetime.timedelta(days=364)
        figures = (
            request.env["after_sales.reliability"]
            .sudo()
            ._get_fleet_figures(
                date_from, today, [("id", "in", units.ids), ("partner_id", "child_of", partner.id)]
            )
        )
        values = self._prepare_portal_layout_values()
        values.update(
            fleet=sorted(figures.items(), key=lambda item: item[0].display_name),
            period="all" if period == "all" else "year",
            date_from=date_from,
            date_to=today,
            page_name="after_sales_reliability",
        )
        return request.render("after_sales_service.portal_my_fleet_reliability", values)

    @http.route(
        ["/my/equipment/<int:unit_id>/request"], type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_unit_new_request(self, unit_id, title=None, description=None, **kw):
        unit = self._after_sales_portal_unit(unit_id)
        return self._after_sales_submit_request(unit, title, description, f"/my/equipment/{unit.id}")

    def _after_sales_portal_unit(self, unit_id):
        """The current customer's unit ``unit_id`` (sudo), else 404."""
        try:
            return self._document_check_access("after_sales.equipment", int(unit_id))
        except (AccessError, MissingError, TypeError, ValueError):
            raise request.not_found() from None

    def _after_sales_submit_request(self, unit, title, description, error_url, error_args=None):
        """Create the customer's request for ``unit``; on bad input go back to ``error_url``."""
        if unit.state not in SUBMITTABLE_STATES:
            error = request.env._("Unit %s is no longer in service with us: please contact us.", unit.name)
        elif has_nul([title, description]):
            error = nul_error(request.env)
        else:
            try:
                new_request = request.env["after_sales.request"]._create_from_portal(
                    request.env.user.partner_id,
                    unit,
                    title,
                    plaintext2html(description) if description and description.strip() else False,
                )
            except UserError as exc:
                error = exc.args[0]
            else:
                return request.redirect(f"/my/requests/{new_request.id}")
        query = urlencode({**(error_args or {}), "error": error})
        return request.redirect(f"{error_url}?{query}")

    # ------------------------------------------------------------- requests

    @http.route(
        ["/my/requests", "/my/requests/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_requests(self, page=1, filterby="all", **kw):
        Request = request.env["after_sales.request"]
        filters = {
            "all": {"label": request.env._("All"), "domain": []},
            "open": {"label": request.env._("Open"), "domain": [("is_closed", "=", False)]},
            "closed": {"label": request.env._("Closed"), "domain": [("is_closed", "=", True)]},
        }
        filterby = filterby if filterby in filters else "all"
        domain = self._after_sales_request_domain() + filters[filterby]["domain"]
        pager = portal_pager(
            url="/my/requests",
            url_args={"filterby": filterby},
            total=Request.search_count(domain),
            page=page,
            step=PAGE_SIZE,
        )
        requests_ = Request.search(
            domain, order="date_open desc, id desc", limit=PAGE_SIZE, offset=pager["offset"]
        )
        values = self._prepare_portal_layout_values()
        values.update(
            service_requests=requests_,
            pager=pager,
            page_name="after_sales_request",
            default_url="/my/requests",
            searchbar_filters=filters,
            filterby=filterby,
        )
        return request.render("after_sales_service.portal_my_requests", values)

    @http.route(
        ["/my/requests/new"],
        type="http",
        auth="user",
        website=True,
        methods=["GET", "POST"],
        readonly=readonly_unless_posted,
    )
    def portal_new_request(self, unit_id=None, title=None, description=None, error=None, **kw):
        """Report a problem on one of the customer's units, chosen from a list."""
        if request.httprequest.method == "POST":
            unit = self._after_sales_portal_unit(unit_id)
            return self._after_sales_submit_request(
                unit, title, description, "/my/requests/new", error_args={"unit_id": unit.id}
            )
        units = (
            request.env["after_sales.equipment"]
            .search(self._after_sales_equipment_domain() + [("state", "in", SUBMITTABLE_STATES)])
            .sudo()
        )
        values = self._prepare_portal_layout_values()
        values.update(
            units=units,
            selected_unit_id=int(unit_id) if unit_id and str(unit_id).isdigit() else False,
            page_name="after_sales_request_new",
            error=error,
        )
        return request.render("after_sales_service.portal_new_request", values)

    @http.route(["/my/requests/<int:request_id>"], type="http", auth="public", website=True)
    def portal_my_request(self, request_id, access_token=None, **kw):
        try:
            service_request = self._document_check_access("after_sales.request", request_id, access_token)
        except (AccessError, MissingError):
            raise request.not_found() from None
        values = self._get_page_view_values(
            service_request,
            access_token,
            {"service_request": service_request, "page_name": "after_sales_request_form"},
            "my_after_sales_requests_history",
            False,
        )
        values["lines"] = service_request.line_ids.filtered("customer_visible")
        return request.render("after_sales_service.portal_my_request", values)

    # ------------------------------------------------------- notifications

    @http.route(["/my/notifications"], type="http", auth="user", website=True, methods=["GET"])
    def portal_my_notifications(self, saved=None, **kw):
        return self._after_sales_render_notifications(saved=bool(saved))

    @http.route(["/my/notifications"], type="http", auth="user", website=True, methods=["POST"])
    def portal_my_notifications_save(self, notify_channel=None, **kw):
        """The customer chooses how it hears about its requests (its own contact only)."""
        partner = request.env.user.partner_id
        allowed = dict(partner._fields["after_sales_notify_channel"].selection)
        if notify_channel not in allowed:
            return self._after_sales_render_notifications(
                error=request.env._("Choose e-mail, Telegram or portal only.")
            )
        if notify_channel == "telegram" and not partner.sudo()._after_sales_default_telegram_gateway():
            return self._after_sales_render_notifications(
                error=request.env._("Telegram is not set up for service requests yet.")
            )
        # sudo: a portal user may not write its partner; this one field of its own contact only
        partner.sudo().after_sales_notify_channel = notify_channel
        return request.redirect("/my/notifications?saved=1")

    @http.route(["/my/notifications/telegram"], type="http", auth="user", website=True, methods=["POST"])
    def portal_my_telegram_connect(self, **kw):
        """ "Connect Telegram": a one-time code (and its t.me link) for the customer's contact."""
        partner = request.env.user.partner_id
        try:
            link = partner.sudo()._after_sales_telegram_link_code()
        except UserError as exc:
            return self._after_sales_render_notifications(error=exc.args[0])
        return self._after_sales_render_notifications(telegram_link=link)

    def _after_sales_render_notifications(self, **values):
        partner = request.env.user.partner_id
        # Telegram is offered only once the company has a service bot (or the contact chose it)
        telegram_available = bool(partner.sudo()._after_sales_default_telegram_gateway())
        channels = partner._fields["after_sales_notify_channel"]._description_selection(request.env)
        if not telegram_available and partner.sudo().after_sales_notify_channel != "telegram":
            channels = [option for option in channels if option[0] != "telegram"]
        values.update(
            self._prepare_portal_layout_values(),
            page_name="after_sales_notifications",
            notify_partner=partner.sudo(),
            notify_channels=channels,
            telegram_available=telegram_available,
            telegram_connected=bool(partner.sudo().after_sales_telegram_chat_ids),
        )
        return request.render("after_sales_service.portal_my_notifications", values)
