from odoo import http
from odoo.http import request

from odoo.addons.mail.controllers.attachment import AttachmentController

from ..tools import upload_error


class AfterSalesAttachmentController(AttachmentController):
    """Files portal users upload in the chatter of the suite's records (requests, claims): at most
    the company's portal upload limit."""

    @http.route()
    def mail_attachment_upload(self, ufile, thread_id, thread_model, is_pending=False, **kwargs):
        env = request.env
        if (
            env.user.share
            and thread_model in env
            and thread_model in env["after_sales.portal.mixin"]._inherit_children
        ):
            error = upload_error(env, [ufile])
            if error:
                return request.make_json_response({"error": error})
        return super().mail_attachment_upload(ufile, thread_id, thread_model, is_pending=is_pending, **kwargs)
