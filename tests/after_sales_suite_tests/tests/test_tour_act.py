from odoo.tests import tagged

from .common import TourCommon


@tagged("post_install", "-at_install")
class TestTourAct(TourCommon):
    """The act signed on site, in a real browser: by the engineer's tablet and on the portal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls._ensure_chart()
        cls.engineer = cls._create_user("tour_act_engineer", "Tour Engineer")
        cls.customer = cls._create_customer("Act Tour Mining", "service@act-tour.example.com")
        work = cls._create_service("Act Tour Work", 90.0)
        cls.request = env["after_sales.request"].create(
            {
                "title": "Commissioning of the pump",
                "partner_id": cls.customer.id,
                "request_type": "commissioning",
            }
        )
        env["after_sales.request.line"].create(
            {"request_id": cls.request.id, "line_type": "work", "product_id": work.id, "done": True}
        )
        cls.request.stage_id = env.ref("after_sales_service.stage_resolved")

    def test_engineer_has_the_act_signed_on_the_tablet(self):
        url = f"/odoo/after_sales.request/{self.request.id}"
        self.start_tour(url, "after_sales_act_engineer_tour", login=self.engineer.login)
        self.assertEqual(self.request.act_signed_by, "Sam Signer")
        self.assertTrue(self.request.act_signature)
        self.assertTrue(self.request.act_signed_attachment_id)

    def test_customer_signs_the_act_on_the_portal(self):
        url = self.request.get_portal_url(suffix="/act")
        self.start_tour(url, "after_sales_act_portal_tour")
        self.assertEqual(self.request.act_signed_by, "Sam Signer")
        self.assertTrue(self.request.act_signed_attachment_id)
