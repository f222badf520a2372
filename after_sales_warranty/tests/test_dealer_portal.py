from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import DealerClaimCommon


@tagged("post_install", "-at_install")
@freeze_time("2025-06-20")
class TestDealerPortal(DealerClaimCommon):
    """A dealer's portal users read their own claims and units, never another dealer's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.claim = cls._create_claim(cls.unit, lines=[cls._labour(), cls._part_line()])
        cls.rival_claim = cls._create_claim(cls.rival_unit, dealer=cls.rival, lines=[cls._labour()])
        # a unit of the end customer only, claimed by nobody
        cls.other_unit = cls._create_unit(lot=cls._create_lot(cls.product_unit, "TG1-PLAIN"))

    def test_dealer_reads_its_own_claims_and_units(self):
        Claim = self.env["after_sales.dealer.claim"].with_user(self.dealer_portal)
        self.assertEqual(Claim.search([]), self.claim)
        values = self.claim.with_user(self.dealer_portal).read(["name", "state", "line_ids", "equipment_id"])[
            0
        ]
        self.assertEqual(values["equipment_id"][0], self.unit.id)
        lines = self.env["after_sales.dealer.claim.line"].with_user(self.dealer_portal).search([])
        self.assertEqual(lines, self.claim.line_ids)
        lines.read(["coverage", "coverage_reason", "decision", "decision_reason", "approved_amount"])
        Unit = self.env["after_sales.equipment"].with_user(self.dealer_portal)
        self.assertEqual(Unit.search([]), self.unit)

    def test_dealer_never_reads_another_dealers_claims_or_units(self):
        for record in (self.rival_claim, self.rival_claim.line_ids, self.rival_unit, self.other_unit):
            with self.subTest(model=record._name):
                as_portal = record.with_user(self.dealer_portal)
                self.assertFalse(as_portal.search([("id", "in", record.ids)]))
                with self.assertRaises(AccessError):
                    as_portal.read(["display_name"])
        with self.assertRaises(AccessError):
            self.claim.with_user(self.dealer_portal).read(["reviewer_id"])
        with self.assertRaises(AccessError):
            self.claim.with_user(self.dealer_portal).write({"symptom": "changed"})

    def test_units_of_its_claims_become_readable(self):
        # the reviewer links an end customer's unit to the dealer's claim: the dealer sees it
        claim = self._create_claim(self.other_unit, lines=[self._labour()])
        self.assertEqual(
            self.env["after_sales.equipment"].with_user(self.dealer_portal).search([]),
            self.unit | self.other_unit,
        )
        self.assertFalse(
            self.env["after_sales.equipment"]
            .with_user(self.rival_portal)
            .search([("id", "=", claim.equipment_id.id)])
        )
        # a unit another dealer sold stays hidden, even linked to this dealer's claim
        self._create_claim(self.rival_unit, lines=[self._labour()])
        with self.assertRaises(AccessError):
            self.rival_unit.with_user(self.dealer_portal).read(["display_name"])

    def test_portal_claim_entry_and_submission(self):
        Claim = self.env["after_sales.dealer.claim"].with_user(self.dealer_portal)
        claim = Claim._portal_create(
            {
                "unit_serial": "TG1-DEALER-1",
                "repair_date": "2025-06-15",
                "meter_hours": 420,
                "symptom": "Smoke",
                "line_ids": [self._labour(hours=1.5), self._part_line()],
            }
        )
        self.assertRecordValues(claim.sudo(), [{"dealer_id": self.dealer.id, "state": "draft"}])
        claim._portal_submit()
        self.assertRecordValues(
            claim.sudo(),
            [{"state": "submitted", "equipment_id": self.unit.id, "submitted_by_id": self.dealer_portal.id}],
        )
        self.assertIn(self.dealer_portal.partner_id, claim.sudo().message_partner_ids)
        self.assertEqual(Claim.search([]), self.claim | claim)

    def test_portal_claim_entry_refusals(self):
        Claim = self.env["after_sales.dealer.claim"]
        claims = Claim.search_count([])
        base = {"unit_serial": "TG1-DEALER-1", "line_ids": [self._labour()]}
        with self.assertRaises(AccessError):
            Claim.with_user(self.dealer_portal)._portal_create({**base, "dealer_id": self.rival.id})
        with self.assertRaises(AccessError):
            Claim.with_user(self.dealer_portal)._portal_create(
                {**base, "line_ids": [{**self._labour(), "decision": "approve"}]}
            )
        with self.assertRaises(AccessError):
            Claim.with_user(self.dealer_portal)._portal_create({**base, "equipment_id": self.rival_unit.id})
        with self.assertRaises(AccessError):
            self.rival_claim.with_user(self.dealer_portal)._portal_submit()
        # a contact of the dealer who is not a claim user, and a customer
        colleague = self.env["res.partner"].create({"name": "Volga Accountant", "parent_id": self.dealer.id})
        reader = new_test_user(
            self.env, login="volga_reader", groups="base.group_portal", partner_id=colleague.id
        )
        self.assertEqual(Claim.with_user(reader).search([]), self.claim, "reads its company's claims")
        customer_contact = self.env["res.partner"].create(
            {"name": "Plant Boss", "parent_id": self.customer.id}
        )
        customer_portal = new_test_user(
            self.env, login="plant_boss", groups="base.group_portal", partner_id=customer_contact.id
        )
        for user in (reader, customer_portal):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                Claim.with_user(user)._portal_create(base)
        self.assertFalse(Claim.with_user(customer_portal).search([]))
        self.assertEqual(Claim.search_count([]), claims, "nothing written")
