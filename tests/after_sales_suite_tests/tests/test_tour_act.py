from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestTourAct(HttpCase):
    """The act signed on site, in a real browser: by the engineer's tablet and on the portal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        company = env.company
        if not company.chart_template:
            env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
        cls.engineer = new_test_user(
            env,
            login="tour_act_engineer",
            name="Tour Engineer",
            groups="after_sales_service.group_after_sales_user",
        )
        cls.customer = env["res.partner"].create(
            {"name": "Act Tour Mining", "is_company": True, "email": "service@act-tour.example.com"}
        )
        work = env["product.product"].create({"name": "Act Tour Work", "type": "service", "list_price": 90.0})
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
