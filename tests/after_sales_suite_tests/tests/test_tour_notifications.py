from odoo.tests import new_test_user, tagged

from .common import TourCommon


@tagged("post_install", "-at_install")
class TestTourNotifications(TourCommon):
    """A customer's /my/notifications page in a browser: how they hear about their requests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a company of its own: no service bot of another test or of demo data is offered here
        cls.company = cls._use_own_company("Notifications Tour Company")
        cls.customer = cls._create_customer("Notif Tour Quarry", company_id=cls.company.id)
        cls.contact = cls.env["res.partner"].create(
            {
                "name": "Nina Notify",
                "parent_id": cls.customer.id,
                "email": "nina@notif-tour-quarry.example.com",
                "company_id": cls.company.id,
            }
        )
        cls.portal_user = new_test_user(
            cls.env,
            login="notif_tour_portal",
            name="Nina Notify",
            groups="base.group_portal",
            partner_id=cls.contact.id,
            company_id=cls.company.id,
            company_ids=cls.company.ids,
        )

    def test_customer_chooses_portal_only_then_email(self):
        self.assertEqual(self.contact.after_sales_notify_channel, "email")
        self.start_tour("/my/requests", "after_sales_notifications_tour", login=self.portal_user.login)
        self.assertEqual(self.contact.after_sales_notify_channel, "email")
        # choosing a channel makes no Telegram code
        self.assertFalse(
            self.env["after_sales.telegram.link.code"].search([("partner_id", "=", self.contact.id)])
        )

    def test_customer_chooses_telegram_and_connects_it(self):
        gateway = self.env["mail.gateway"].create(
            {
                "name": "Notifications tour bot",
                "gateway_type": "telegram",
                "token": "654321:TOUR",
                "webhook_key": "notif_tour_hook",
                "after_sales_bot_username": "notif_tour_bot",
                "company_id": self.company.id,
            }
        )
        self.env["after_sales.team"].create(
            {"name": "Notif Tour Desk", "telegram_gateway_id": gateway.id, "company_id": self.company.id}
        )
        self.start_tour(
            "/my/notifications", "after_sales_notifications_telegram_tour", login=self.portal_user.login
        )
        self.assertEqual(self.contact.after_sales_notify_channel, "telegram")
        code = self.env["after_sales.telegram.link.code"].search([("partner_id", "=", self.contact.id)])
        self.assertEqual(len(code), 1)
        self.assertRecordValues(code, [{"gateway_id": gateway.id, "used_at": False}])
