from odoo import models


class AfterSalesCustomerChannelMixin(models.AbstractModel):
    """What a document tells its customers reaches each on the channel they chose
    (``res.partner.after_sales_notify_channel``): e-mail as before, their Telegram chat (OCA's
    gateway notification instead of the e-mail), or the portal only (no e-mail: the message stays
    on the document's portal page). Only customers (share partners) are rerouted; a contact who
    chose Telegram but has no verified chat keeps e-mail, so that nothing is lost.
    """

    _name = "after_sales.customer.channel.mixin"
    # a mail.thread itself, so that it comes before the thread in its host's ``_inherit`` (as
    # ``after_sales.sla.mixin``); without it Python's MRO puts it after mail.thread's methods
    _inherit = ["mail.thread"]
    _description = "Customer Notification Channel"

    def _notify_get_recipients(self, message, msg_vals=False, **kwargs):
        recipients = super()._notify_get_recipients(message, msg_vals=msg_vals, **kwargs)
        candidates = [r for r in recipients if r.get("notif") == "email" and r.get("share")]
        if not candidates:
            return recipients
        partners = self.env["res.partner"].sudo().browse([r["id"] for r in candidates])
        links = self._after_sales_telegram_links(partners)
        preference = {partner.id: partner.after_sales_notify_channel for partner in partners}
        result = []
        for recipient in recipients:
            if recipient in candidates:
                channel = preference.get(recipient["id"]) or "email"
                if channel == "portal":
                    continue
                if channel == "telegram" and recipient["id"] in links:
                    recipient = dict(recipient, notif="gateway", gateway_channel_id=links[recipient["id"]])
            result.append(recipient)
        return result

    def _after_sales_telegram_links(self, partners):
        """{partner id: its ``res.partner.gateway.channel`` id} on the document's company bots."""
        company = self[:1].company_id if "company_id" in self._fields else self.env.company
        links = (
            self.env["res.partner.gateway.channel"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", partners.ids),
                    ("gateway_id.gateway_type", "=", "telegram"),
                    ("gateway_id.company_id", "in", [False, company.id]),
                ],
                order="id desc",
            )
        )
        result = {}
        for link in links:
            result.setdefault(link.partner_id.id, link.id)
        return result
