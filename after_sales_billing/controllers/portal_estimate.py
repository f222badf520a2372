import binascii

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class AfterSalesEstimatePortal(CustomerPortal):
    def _after_sales_estimate(self, estimate_id, access_token):
        try:
            return self._document_check_access("after_sales.estimate", estimate_id, access_token)
        except (AccessError, MissingError):
            raise request.not_found() from None

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
        ["/my/estimates/<int:estimate_id>/accept"], type="http", auth="public", methods=["POST"], website=True
    )
    def portal_estimate_accept(self, estimate_id, access_token=None, name=None, **kw):
        estimate = self._after_sales_estimate(estimate_id, access_token)
        try:
            estimate.sudo().action_accept(name)
        except UserError:
            return self._estimate_redirect(estimate, access_token, error=True)
        return self._estimate_redirect(estimate, access_token)

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
