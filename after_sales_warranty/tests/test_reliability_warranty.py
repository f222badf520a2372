from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .common import WarrantyCommon


@tagged("post_install", "-at_install")
class TestReliabilityWarranty(WarrantyCommon):
    """The warranty cost and the dealer in the Reliability Analysis and the fleet figures.

    Two generators delivered 2025-01-10 (warranty: parts 24 months, labour 12, wear parts excluded),
    sold by a dealer; one failure on 2025-06-01 with an alternator (300) x 2 and 2 repair hours (40)
    under warranty, and an oil filter (10, a wear part): paid. Warranty cost 2 x 300 + 2 x 40 = 680,
    680 / 2 units at risk = 340 per unit.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dealer = cls.env["res.partner"].create({"name": "Reliability Dealer", "is_service_partner": True})
        cls.unit = cls._create_unit(delivery_date="2025-01-10", dealer_id=cls.dealer.id)
        cls.other_unit = cls._create_unit(delivery_date="2025-01-10")
        cls.cause = cls.env["after_sales.cause"].create({"name": "Alternator failure"})
        cls.failure = cls._create_request(cls.unit, date_open="2025-06-01 09:00:00", cause_id=cls.cause.id)
        cls.lines = cls._add_lines(
            cls.failure, ("part", cls.part, 2), ("work", cls.labour, 2), ("part", cls.oil_filter, 1)
        )

    def test_warranty_cost_of_a_failure(self):
        self.assertEqual(self.lines.mapped("coverage"), ["warranty", "warranty", "paid"])
        row = (
            self.env["after_sales.reliability.report"]
            .with_user(self.as_user)
            .search([("request_id", "=", self.failure.id)])
        )
        self.assertRecordValues(row, [{"warranty_cost": 680.0, "dealer_id": self.dealer.id}])

    def test_warranty_cost_per_unit(self):
        with freeze_time("2026-01-15"):
            figures = (
                self.env["after_sales.reliability"]
                .with_user(self.as_user)
                ._get_fleet_figures(
                    date(2025, 1, 1), date(2025, 12, 31), [("product_id", "=", self.product_unit.id)]
                )
            )[self.product_unit]
        self.assertEqual(
            {key: figures[key] for key in ("units", "failures", "warranty_cost", "warranty_cost_per_unit")},
            {"units": 2, "failures": 1, "warranty_cost": 680.0, "warranty_cost_per_unit": 340.0},
        )
