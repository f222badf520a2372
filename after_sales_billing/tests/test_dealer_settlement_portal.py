from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import DealerSettlementCommon


@tagged("post_install", "-at_install")
class TestDealerSettlementPortal(DealerSettlementCommon, HttpCase):
    """The dealer follows on its claim's portal page how the approved lines are settled."""

    def test_the_dealer_sees_how_its_claim_is_settled(self):
        today = fields.Date.today()
        unit = self._create_unit(
            lot=self._create_lot(self.product_unit, "SETTLE-PORTAL-1"),
            delivery_date=today - relativedelta(months=3),
            dealer_id=self.dealer.id,
        )
        claim = self._approved_claim(
            self._labour(hours=3.0), self._part_line(), unit=unit, repair_date=today - relativedelta(days=5)
        )
        self.assertEqual(claim.state, "partly_approved", "the labour is cut to its norm")
        self.authenticate(self.dealer_portal.login, self.dealer_portal.login)
        page = self.url_open(claim.access_url).text
        self.assertIn("with the next settlement run", page)
        self.assertIn("To Settle", page)
        bill = (
            self.env["after_sales.dealer.settlement"]
            .browse(claim.with_user(self.as_manager).action_settle()["res_id"])
            .move_ids
        )
        page = self.url_open(claim.access_url).text
        self.assertIn("Settled", page)
        self.assertIn("(being booked)", page)
        bill.with_user(self.accountant).action_post()
        page = self.url_open(claim.access_url).text
        self.assertIn(bill.name, page)
        self.assertIn("Not Paid", page)
        self.assertNotIn("(being booked)", page)
        # a dealer returning its failed parts waits for them
        self.dealer.sudo().service_return_failed_parts = True
        waiting = self._approved_claim(
            self._part_line(product=self.failed_serial_part, failed_serial="CB-FAILED-1"),
            unit=unit,
            repair_date=today - relativedelta(days=4),
        )
        self.assertEqual(waiting.line_ids.settlement_status, "waiting_return")
        page = self.url_open(waiting.access_url).text
        self.assertIn("waiting for the failed parts", page)
        self.assertIn("Waiting for the Failed Part", page)
