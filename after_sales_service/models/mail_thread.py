from odoo import api, models


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    @api.model
    def _message_route_process(self, message, message_dict, routes):
        """Routes to service requests are decided by the request model first (automatic mails,
        replies to closed requests); the rest of mail's processing is unchanged."""
        Request = self.env["after_sales.request"]
        thread = self
        if any(route[0] == Request._name for route in routes or ()):
            routes, automatic = Request._mail_route_replies(message, message_dict, routes)
            if automatic:
                thread = self.with_context(after_sales_mail_automatic=True)
        return super(MailThread, thread)._message_route_process(message, message_dict, routes)
