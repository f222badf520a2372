import binascii

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class AfterSalesActPortal(CustomerPortal):
    """The act of completed work of a request on the portal: read it, sign it on site."""

    def _after_sales_act_request(self, request_id, access_token):
        """The request (sudo) whose act the visitor may see; a 404 for anyone else."""
        try:
            service_request = self._document_check_access("after_sales.request", request_id, access_token)
        except (AccessError, MissingError):
            raise request.not_found() from None
        if not service_request.is_resolved:
            raise request.not_found()  # no act before the work is done
        return service_request

    @http.route(["/my/requests/<int:request_id>/act"], type="http", auth="public", website=True)
    def portal_my_request_act(self, request_id, access_token=None, report_type=None, download=False, **kw):
        service_request = self._after_sales_act_request(request_id, access_token)
        if report_type == "pdf" and service_request.act_signed_attachment_id:
            attachment = service_request.act_signed_attachment_id
            headers = [
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(attachment.raw)),
                ("Content-Disposition", http.content_disposition(attachment.name)),
            ]
            return request.make_response(attachment.raw, headers=headers)
        if report_type in ("html", "pdf", "text"):
            return self._show_report(
                model=service_request,
                report_type=report_type,
                report_ref="after_sales_billing.action_report_after_sales_act",
                download=download,
            )
        values = self._get_page_view_values(
            service_request,
            access_token,
            {
                "service_request": service_request,
                "lines": service_request._get_act_lines(),
                "page_name": "after_sales_request_act",
                "can_sign": service_request._get_act_status()[0] == "to_sign",
            },
            "my_after_sales_requests_history",
            False,
        )
        return request.render("after_sales_billing.portal_my_request_act", values)

    @http.route(["/my/requests/<int:request_id>/act/sign"], type="jsonrpc", auth="public", website=True)
    def portal_request_act_sign(self, request_id, access_token=None, name=None, signature=None):
        """Sign the act with a drawn signature (Odoo's portal signature form posts here)."""
        access_token = access_token or request.httprequest.args.get("access_token")
        try:
            service_request = self._document_check_access("after_sales.request", request_id, access_token)
        except (AccessError, MissingError):
            return {"error": request.env._("Invalid request.")}
        try:
            with request.env.cr.savepoint():  # refused: nothing written
                service_request.sudo().action_sign_act(name, signature)
                request.env.cr.flush()
        except UserError as error:
            return {"error": str(error)}
        except (TypeError, ValueError, binascii.Error):
            return {"error": request.env._("Invalid signature data.")}
        return {"force_refresh": True, "redirect_url": service_request.get_portal_url(suffix="/act")}
