import base64

from odoo import fields
from odoo.tests import tagged

from .common import TourCommon

# the photo the tour uploads (after_sales_qr_tour.js)
PHOTO_PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAFElEQVR4nGOUizrBgA0wYRUdtBIA/d4BUItFbYMAAAAASUVORK5CYII="
)


@tagged("post_install", "-at_install")
class TestTourQr(TourCommon):
    """From a unit's nameplate to the back office: scan, report a problem with a photo, find the
    request on the unit."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clerk = cls._create_user("qr_tour_clerk", "Quinn Clerk")
        cls.customer = cls._create_customer("QR Tour Mining", "office@qr-tour-mining.example.com")
        cls.pump = cls._create_serial_product(
            "QR Tour Pump", warranty_custom=True, warranty_parts_months=24, warranty_labour_months=12
        )
        cls.unit = cls._create_unit(
            cls.pump, cls.customer, "QRT-0001", fields.Date.subtract(fields.Date.today(), months=1)
        )

    def test_scan_report_a_problem_then_the_back_office_finds_it(self):
        self.assertEqual(self.unit.warranty_state, "in_warranty")
        self.start_tour(f"/unit/{self.unit.public_token}", "after_sales_qr_tour")
        service_request = self.env["after_sales.request"].search([("equipment_id", "=", self.unit.id)])
        self.assertRecordValues(
            service_request,
            [
                {
                    "title": "Pump leaks oil at the shaft seal",
                    "partner_id": self.customer.id,
                    "channel": "qr",
                    "request_type": "repair",
                }
            ],
        )
        self.assertEqual(service_request.contact_id.name, "Sergei Operator")
        photo = service_request.message_ids.attachment_ids
        self.assertEqual(photo.mapped("name"), ["leak.png"])
        self.assertEqual(photo.raw, base64.b64decode(PHOTO_PNG))
        self.start_tour(
            f"/odoo/action-after_sales_service.after_sales_equipment_action/{self.unit.id}",
            "after_sales_qr_backoffice_tour",
            login=self.clerk.login,
        )
