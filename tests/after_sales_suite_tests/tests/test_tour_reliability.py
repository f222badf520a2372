from datetime import timedelta

from odoo import Command, fields
from odoo.tests import tagged

from .common import TourCommon


@tagged("post_install", "-at_install")
class TestTourReliability(TourCommon):
    """The manager's reliability analysis and the forecast-to-replenishment step in a real browser.

    Made here: in a company of its own, a unit of "Tour Compressor" in service for 100 days with
    1,000 h read 50 days ago (2,020 h up to the end of today) and one failure today; an open request
    wanting 3 seal kits, none in stock: the forecast's shortfall of 3.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._use_own_company("Reliability Tours Ltd")
        env = cls.env
        cls.manager = cls._create_user(
            "tour_reliability_manager",
            "Tour Reliability Manager",
            groups="after_sales_service.group_after_sales_manager,stock.group_stock_manager",
        )
        customer = cls._create_customer("Tour Quarry")
        product = cls._create_serial_product("Tour Compressor")
        # the manager's today, as the pages compute it (context_today of a record reads its env's
        # user: the superuser's, a day ahead in Brussels on demo data from 23:00 UTC)
        today = fields.Date.context_today(cls.manager.with_user(cls.manager))
        start = today - timedelta(days=100)
        cls.unit = cls._create_unit(product, customer, "TOUR-REL-1", start, commissioning_date=start)
        env["after_sales.meter.reading"].create(
            {"equipment_id": cls.unit.id, "date": today - timedelta(days=50), "hours": 1000}
        )
        cause = env["after_sales.cause"].create({"name": "Tour compressor seizure"})
        env["after_sales.request"].create(
            {"title": "Compressor seized", "equipment_id": cls.unit.id, "cause_id": cause.id}
        )
        cls.seal_kit = env["product.product"].create(
            {"name": "Tour Seal Kit", "type": "consu", "is_storable": True}
        )
        env["after_sales.request"].create(
            {
                "title": "Seals worn",
                "equipment_id": cls.unit.id,
                "line_ids": [
                    Command.create({"line_type": "part", "product_id": cls.seal_kit.id, "quantity": 3})
                ],
            }
        )

    def test_manager_analyses_and_replenishes(self):
        self.start_tour(
            "/odoo/action-after_sales_service.after_sales_reliability_report_action",
            "after_sales_reliability_tour",
            login="tour_reliability_manager",
        )
        orderpoint = self.env["stock.warehouse.orderpoint"].search([("product_id", "=", self.seal_kit.id)])
        self.assertRecordValues(orderpoint, [{"trigger": "manual", "qty_to_order": 3}])
