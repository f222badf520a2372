from datetime import datetime, time, timedelta

from freezegun import freeze_time
from lxml import html

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import AfterSalesCommon, ReadOnlyCursorMixin


@tagged("post_install", "-at_install")
class TestPortalReliability(ReadOnlyCursorMixin, AfterSalesCommon, HttpCase):
    """The customer's own fleet figures on the portal, never another customer's.

    Our customer's unit A1 of product P: in service since 100 days ago, 1,000 h read 50 days ago
    (20 h a day: 2,020 h over its 101 days up to the end of today), one failure 10 days ago
    resolved 5 hours later. The rival's unit of the same product P failed 3 times (open), its unit
    of product Q twice.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cause = cls.env["after_sales.cause"].create({"name": "Portal reliability defect"})
        cls.rival = cls.env["res.partner"].create({"name": "Rival Fleet Plant", "is_company": True})
        cls.customer.is_company = True
        cls.portal_user = cls._create_portal_user("as_fleet_own", cls.customer)
        cls.rival_user = cls._create_portal_user("as_fleet_rival", cls.rival)
        cls.product_p = cls._create_serial_product("Shared Compressor SC-1")
        cls.product_q = cls._create_serial_product("Rival Secret Pump RSP-3")
        # the customer's today, as its portal page computes the figures (not the superuser's: on
        # demo data that one is in Brussels, a day ahead of UTC from 23:00)
        today = fields.Date.context_today(cls.portal_user.with_user(cls.portal_user))
        cls.today = today
        start = today - timedelta(days=100)
        cls.unit_a1 = cls._create_unit(product=cls.product_p, commissioning_date=start)
        cls.env["after_sales.meter.reading"].create(
            {"equipment_id": cls.unit_a1.id, "date": today - timedelta(days=50), "hours": 1000}
        )
        rival_p = cls._create_unit(product=cls.product_p, partner=cls.rival, commissioning_date=start)
        rival_q = cls._create_unit(product=cls.product_q, partner=cls.rival, commissioning_date=start)
        moment = datetime.combine(today - timedelta(days=10), time(9))
        cls._failure(cls.unit_a1, moment, resolved=moment + timedelta(hours=5))
        for days in (30, 20, 5):
            cls._failure(rival_p, datetime.combine(today - timedelta(days=days), time(9)))
        for days in (40, 15):
            cls._failure(rival_q, datetime.combine(today - timedelta(days=days), time(9)))
        cls.env.flush_all()

    @classmethod
    def _failure(cls, unit, moment, resolved=None):
        with freeze_time(moment):
            request = cls.env["after_sales.request"].create(
                {"title": "Fleet failure", "equipment_id": unit.id, "cause_id": cls.cause.id}
            )
            cls.env.flush_all()
        if resolved:
            with freeze_time(resolved):
                request.stage_id = cls.env.ref("after_sales_service.stage_resolved")
                cls.env.flush_all()
        return request

    def _fleet_page(self, user, url="/my/equipment/reliability"):
        self._portal_login(user)
        response = self.assertServedReadOnly(url)
        page = html.fromstring(response.text)
        rows = {}
        for row in page.xpath("//tr[contains(@class, 'o_after_sales_fleet_row')]"):
            cells = [" ".join(cell.text_content().split()) for cell in row.xpath("./td")]
            rows[cells[0]] = cells[1:]
        return response.text, rows

    def test_customer_sees_its_own_fleet_only(self):
        availability = 100 * (1 - 5 / (101 * 24))
        expected = {"Shared Compressor SC-1": ["1", "1", "2,020.0", "101.0", "100.0", f"{availability:.1f}"]}
        for url in ("/my/equipment/reliability", "/my/equipment/reliability?period=all"):
            text, rows = self._fleet_page(self.portal_user, url)
            self.assertEqual(rows, expected, url)
            self.assertNotIn("Rival", text)
        # the list of units leads there
        self.assertIn('href="/my/equipment/reliability"', self.url_open("/my/equipment").text)

    def test_rival_sees_its_fleet_without_ours(self):
        text, rows = self._fleet_page(self.rival_user)
        # no reading, no resolved failure: a dash, not 0; 4 failures of P would mean ours counted
        self.assertEqual(
            rows,
            {
                "Rival Secret Pump RSP-3": ["1", "2", "—", "50.5", "—", "100.0"],
                "Shared Compressor SC-1": ["1", "3", "—", "33.7", "—", "100.0"],
            },
        )
        self.assertNotIn(self.customer.name, text)

    def test_customer_without_units_sees_none(self):
        nobody = self.env["res.partner"].create({"name": "No units"})
        lonely = self._create_portal_user("as_fleet_lonely", nobody)
        __, rows = self._fleet_page(lonely)
        self.assertEqual(rows, {})
