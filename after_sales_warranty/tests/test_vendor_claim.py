from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import WarrantyCommon


@tagged("post_install", "-at_install")
class TestVendorClaim(WarrantyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["product.supplierinfo"].create(
            {
                "partner_id": cls.vendor.id,
                "product_tmpl_id": cls.part.product_tmpl_id.id,
                "warranty_months": 12,
            }
        )
        cls.env["product.supplierinfo"].create(
            {
                "partner_id": cls.vendor.id,
                "product_tmpl_id": cls.product_unit.product_tmpl_id.id,
                "warranty_months": 12,
            }
        )
        cls.unit = cls._create_unit(delivery_date="2025-01-10")
        cls.unit_2 = cls._create_unit(delivery_date="2025-02-10")

    def test_flow_to_credit_note_grouping_requests(self):
        first = self._create_request(self.unit, date_open="2025-06-01 09:00:00")
        second = self._create_request(self.unit_2, date_open="2025-07-01 09:00:00")
        self._add_lines(first, ("part", self.part, 2), ("work", self.labour, 3))
        self._add_lines(second, ("part", self.part, 1), ("part", self.oil_filter, 1))
        Request = self.env["after_sales.request"]
        with self.assertRaises(AccessError):
            (first | second).with_user(self.as_user).action_create_vendor_claims()
        (first | second).with_user(self.officer).action_create_vendor_claims()
        claim = self.env["after_sales.vendor.claim"].search([("partner_id", "=", self.vendor.id)])
        self.assertEqual(len(claim), 1, "one claim per vendor for several requests")
        self.assertEqual(claim.request_ids, first | second)
        self.assertEqual(len(claim.line_ids), 3, "the paid filter is not claimed")
        self.assertEqual(claim.amount_total, 2 * 300 + 3 * 40 + 300)
        self.assertEqual(first.vendor_claim_count, 1)
        with self.assertRaises(UserError):
            Request.browse(first.ids).with_user(self.officer).action_create_vendor_claims()
        claim = claim.with_user(self.officer)
        with self.assertRaises(UserError):
            claim.action_accept()
        claim.action_send()
        self.assertEqual(claim.state, "sent")
        with self.assertRaises(UserError):
            claim.line_ids[0].quantity = 5
        claim.sudo().action_accept()
        refund = claim.refund_move_id
        self.assertRecordValues(
            refund,
            [
                {
                    "move_type": "in_refund",
                    "partner_id": self.vendor.id,
                    "state": "draft",
                    "amount_total": 1020.0,
                }
            ],
        )
        self.assertEqual(claim.state, "accepted")
        claim.sudo().action_credit()
        self.assertEqual(refund.state, "posted")
        self.assertEqual(claim.state, "credited")

    def test_credited_when_refund_posted_in_accounting(self):
        request = self._create_request(self.unit, date_open="2025-06-01 09:00:00")
        self._add_lines(request, ("part", self.part, 1))
        claim = self.env["after_sales.vendor.claim"]._create_from_request_lines(request.line_ids)
        claim.action_send()
        claim.action_accept()
        claim.refund_move_id.action_post()
        self.assertEqual(claim.state, "credited")

    def test_rejection_needs_reason_and_frees_lines(self):
        request = self._create_request(self.unit, date_open="2025-06-01 09:00:00")
        self._add_lines(request, ("part", self.part, 1))
        claim = self.env["after_sales.vendor.claim"]._create_from_request_lines(request.line_ids)
        claim.action_send()
        with self.assertRaises(UserError):
            claim.action_reject()
        claim.reject_reason = "Part damaged by the installer"
        claim.action_reject()
        self.assertEqual(claim.state, "rejected")
        self.assertFalse(claim.refund_move_id)
        again = self.env["after_sales.vendor.claim"]._create_from_request_lines(request.line_ids)
        self.assertNotEqual(again, claim)

    def test_vendor_warranty_expired_not_claimed(self):
        request = self._create_request(self.unit, date_open="2026-03-01 09:00:00")
        self._add_lines(request, ("part", self.part, 1))
        self.assertEqual(request.line_ids.coverage, "warranty")
        with self.assertRaises(UserError):
            self.env["after_sales.vendor.claim"]._create_from_request_lines(request.line_ids)

    def test_access_and_companies(self):
        request = self._create_request(self.unit, date_open="2025-06-01 09:00:00")
        self._add_lines(request, ("part", self.part, 1))
        claim = self.env["after_sales.vendor.claim"]._create_from_request_lines(request.line_ids)
        Claim = self.env["after_sales.vendor.claim"]
        self.assertEqual(Claim.with_user(self.as_user).search([("id", "=", claim.id)]), claim)
        with self.assertRaises(AccessError):
            claim.with_user(self.as_user).write({"vendor_reference": "X"})
        with self.assertRaises(AccessError):
            Claim.with_user(self.internal_user).search([])
        company_b = self.env["res.company"].create({"name": "Service Company B"})
        self.officer.company_ids = [fields.Command.link(company_b.id)]
        self.assertFalse(
            Claim.with_user(self.officer)
            .with_context(allowed_company_ids=company_b.ids)
            .search([("id", "=", claim.id)])
        )
        self.assertFalse(
            self.env["after_sales.vendor.claim.line"]
            .with_user(self.officer)
            .with_context(allowed_company_ids=company_b.ids)
            .search([("claim_id", "=", claim.id)])
        )
