import binascii

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

PAGE_SIZE = 20
# What the customer was sent: drafts are still being prepared, cancelled ones were replaced.
PORTAL_ESTIMATE_STATES = ("sent", "accepted", "declined")


class AfterSalesEstimatePortal(CustomerPortal):
    """The customer's estimates on /my: the list, one estimate, signing and declining."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        Estimate = request.env["after_sales.estimate"]
        for counter, domain in (
            ("estimate_count", self._after_sales_estimate_domain()),
            ("estimate_to_sign_count", self._after_sales_estimate_domain() + [("state", "=", "sent")]),
        ):
            if counter in counters:
                values[counter] = Estimate.search_count(domain) if Estimate.has_access("read") else 0
        return values

    def _after_sales_estimate_domain(self):
        partner = request.env.user.partner_id.commercial_partner_id
        return [("partner_id", "child_of", partner.id), ("state", "in", PORTAL_ESTIMATE_STATES)]

    # the list only reads (read-only cursor, a replica where there is one); an estimate's page
    # mints its access token for the signature form (``get_portal_url``): read/write
    @http.route(
        ["/my/estimates", "/my/estimates/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_estimates(self, page=1, filterby="all", **kw):
        Estimate = request.env["after_sales.estimate"]
        filters = {
            "all": {"label": request.env._("All"), "domain": []},
            "to_sign": {"label": request.env._("To Sign"), "domain": [("state", "=", "sent")]},
        }
        filterby = filterby if filterby in filters else "all"
        domain = self._after_sales_estimate_domain() + filters[filterby]["domain"]
        pager = portal_pager(
            url="/my/estimates",
            url_args={"filterby": filterby},
            total=Estimate.search_count(domain),
            page=page,
            step=PAGE_SIZE,
        )
        # searched and shown with the customer's own rights: the record rules choose the estimates
        estimates = Estimate.search(domain, limit=PAGE_SIZE, offset=pager["offset"])
        request.session["my_after_sales_estimates_history"] = estimates.ids[:100]
        values = self._prepare_portal_layout_values()
        values.update(
            estimates=estimates,
            pager=pager,
            page_name="after_sales_estimates",
            default_url="/my/estimates",
            searchbar_filters=filters,
            filterby=filterby,
        )
        return request.render("after_sales_billing.portal_my_estimates", values)

    def _after_sales_estimate(self, estimate_id, access_token):
        try:
            estimate = self._document_check_access("after_sales.estimate", estimate_id, access_token)
        except (AccessError, MissingError):
            raise request.not_found() from None
        if estimate.sudo().state not in PORTAL_ESTIMATE_STATES:
            raise request.not_found()  # a draft (or one never sent) is not the customer's yet
        return estimate

    @http.route(["/my/estimates/<int:estimate_id>"], type="http", auth="public", website=True)
    def portal_my_estimate(self, estimate_id, access_token=None, error=None, **kw):
        estimate = self._after_sales_estimate(estimate_id, access_token)
        values = self._get_page_view_values(
            estimate,
            access_token,
            {"estimate": estimate, "page_name": "after_sales_estimate", "error": error},
            "my_after_sales_estimates_history",
            False,
        )
        return request.render("after_sales_billing.portal_my_estimate", values)

    def _estimate_redirect(self, estimate, access_token, error=None):
        url = estimate.get_portal_url() if access_token else estimate.access_url
        if error:
            url = f"{url}{'&' if '?' in url else '?'}error=1"
        return request.redirect(url)

    @http.route(
        ["/my/estimates/<int:estimate_id>/decline"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_estimate_decline(self, estimate_id, access_token=None, reason=None, **kw):
        estimate = self._after_sales_estimate(estimate_id, access_token)
        try:
            estimate.sudo().action_decline(reason)
        except UserError:
            return self._estimate_redirect(estimate, access_token, error=True)
        return self._estimate_redirect(estimate, access_token)

    @http.route(["/my/estimates/<int:estimate_id>/sign"], type="jsonrpc", auth="public", website=True)
    def portal_estimate_sign(self, estimate_id, access_token=None, name=None, signature=None):
        """Accept with a drawn signature (Odoo's portal signature form posts here)."""
        access_token = access_token or request.httprequest.args.get("access_token")
        try:
            estimate = self._document_check_access("after_sales.estimate", estimate_id, access_token)
        except (AccessError, MissingError):
            return {"error": request.env._("Invalid estimate.")}
        if estimate.sudo().state not in PORTAL_ESTIMATE_STATES:
            return {"error": request.env._("Invalid estimate.")}
        if not signature:
            return {"error": request.env._("Signature is missing.")}
        try:
            estimate.sudo().action_accept(name, signature=signature)
            request.env.cr.flush()
        except UserError as error:
            return {"error": str(error)}
        except (TypeError, ValueError, binascii.Error):
            return {"error": request.env._("Invalid signature data.")}
        return {"force_refresh": True, "redirect_url": estimate.get_portal_url()}
