from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import format_amount, html2plaintext

from .common import DealerClaimCommon


@tagged("post_install", "-at_install")
@freeze_time("2025-06-20")
class TestDealerClaim(DealerClaimCommon):
    """A dealer's warranty claim: checks on submit, the engine's decision per line, the review."""

    def _submitted(self, *lines, unit=None, **vals):
        claim = self._create_claim(
            unit or self.unit, lines=lines or [self._labour(), self._part_line()], **vals
        )
        claim.with_user(self.as_user).action_submit()
        return claim

    # ---------------------------------------------------------------- entry

    def test_staff_enter_a_claim_in_the_form(self):
        form = Form(self.env["after_sales.dealer.claim"].with_user(self.as_user))
        form.dealer_id = self.dealer
        form.equipment_id = self.unit
        form.repair_date = fields.Date.to_date("2025-06-01")
        form.meter_hours = 350
        form.symptom = "No charge"
        with form.line_ids.new() as line:
            line.line_type = "labour"
            line.operation_id = self.op_alternator
            line.hours = 3.0
        with form.line_ids.new() as line:
            line.line_type = "part"
            line.product_id = self.part
            line.quantity = 1
        claim = form.save()
        self.assertTrue(claim.name.startswith("DC/"))
        labour, part = claim.line_ids
        self.assertRecordValues(
            labour,
            [
                {
                    "name": "[ALT-01] Replace alternator",
                    "norm_hours": 2.0,
                    "norm_exceeded": True,
                    "price_unit": 50.0,
                    "amount_claimed": 150.0,
                    "coverage": "warranty",
                }
            ],
        )
        self.assertRecordValues(
            part, [{"price_unit": 330.0, "amount_claimed": 330.0, "coverage": "warranty"}]
        )
        self.assertIn("2026-01-10", labour.coverage_reason, "the labour period")
        self.assertIn("2027-01-10", part.coverage_reason, "the parts period")
        self.assertTrue(claim.norm_exceeded)
        self.assertEqual(claim.amount_claimed, 480.0)
        claim.with_user(self.as_user).action_submit()
        self.assertRecordValues(
            claim,
            [
                {
                    "state": "submitted",
                    "submit_date": fields.Date.to_date("2025-06-20"),
                    "submitted_by_id": self.as_user.id,
                }
            ],
        )
        self.assertRecordValues(
            claim.meter_reading_id, [{"equipment_id": self.unit.id, "hours": 350.0, "source": "dealer"}]
        )
        self.assertEqual(self.unit.current_hours, 350.0, "the claim's reading feeds the unit")

    def test_manager_sets_up_a_service_partner_in_the_form(self):
        manager = new_test_user(
            self.env,
            login="dealer_setup_manager",
            groups="after_sales_service.group_after_sales_manager,base.group_partner_manager",
        )
        pricelist = self.env["product.pricelist"].create({"name": "Oka Parts"})
        form = Form(self.env["res.partner"].with_user(manager))
        form.company_type = "company"
        form.name = "Oka Service Centre"
        form.is_service_partner = True
        form.service_categ_ids.add(self.categ_machines)
        form.service_labour_rate = 45.0
        form.service_claim_deadline_days = 14
        form.service_return_failed_parts = True
        form.service_parts_rule = "pricelist"
        with self.assertRaises(AssertionError):
            form.save()  # the price list is required by the rule
        form.service_pricelist_id = pricelist
        partner = form.save()
        self.assertRecordValues(
            partner,
            [
                {
                    "is_service_partner": True,
                    "service_labour_rate": 45.0,
                    "service_pricelist_id": pricelist.id,
                    "service_currency_id": self.env.company.currency_id.id,
                }
            ],
        )
        # contact managers outside After-Sales management do not set a dealer's terms
        clerk = new_test_user(
            self.env,
            login="dealer_setup_clerk",
            groups="after_sales_service.group_after_sales_user,base.group_partner_manager",
        )
        with self.assertRaises(AccessError):
            partner.with_user(clerk).service_labour_rate = 90.0
        partner.with_user(clerk).phone = "+7 900 000 00 00"
        with self.assertRaises(ValidationError):
            partner.with_user(manager).service_claim_user_ids = self.rival_portal

    def test_parts_by_price_list(self):
        pricelist = self.env["product.pricelist"].create(
            {
                "name": "Dealer Parts",
                "item_ids": [
                    fields.Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": self.part.id,
                            "compute_price": "fixed",
                            "fixed_price": 280.0,
                        }
                    )
                ],
            }
        )
        self.dealer.write({"service_parts_rule": "pricelist", "service_pricelist_id": pricelist.id})
        claim = self._create_claim(self.unit, lines=[self._part_line(quantity=2)])
        self.assertRecordValues(claim.line_ids, [{"price_unit": 280.0, "amount_claimed": 560.0}])
        with self.assertRaises(ValidationError):
            self.dealer.service_pricelist_id = False

    # ------------------------------------------------- the coverage engine

    def test_lines_are_judged_like_our_own_service_lines(self):
        with freeze_time("2026-03-10"):
            claim = self._create_claim(
                self.unit,
                repair_date="2026-03-01",
                lines=[self._labour(), self._part_line(), self._part_line(self.oil_filter)],
            )
            request = self._create_request(self.unit, date_open="2026-03-01 09:00:00")
            ours = self._add_lines(
                request, ("work", self.labour, 2), ("part", self.part, 1), ("part", self.oil_filter, 1)
            )
        filter_line = claim.line_ids[2]
        self.assertEqual(
            [(line.coverage, line.coverage_reason) for line in claim.line_ids],
            [
                ("not_covered", ours[0].coverage_reason),
                ("warranty", ours[1].coverage_reason),
                ("not_covered", ours[2].coverage_reason),
            ],
            "labour period over, parts period running, filters excluded: the same reasons",
        )
        self.assertEqual(ours.mapped("coverage"), ["paid", "warranty", "paid"])
        self.assertIn("Filters", filter_line.coverage_reason)

    def test_meter_reading_and_void_unit(self):
        claim = self._create_claim(self.unit, lines=[self._labour(), self._part_line()], meter_hours=2100)
        self.assertEqual(set(claim.line_ids.mapped("coverage")), {"not_covered"})
        self.assertIn("2000", claim.line_ids[0].coverage_reason)
        claim.meter_hours = 900
        self.assertEqual(set(claim.line_ids.mapped("coverage")), {"warranty"})
        self.unit._void_warranty("misuse", "Run without oil")
        claim.action_recheck_coverage()
        self.assertEqual(set(claim.line_ids.mapped("coverage")), {"not_covered"})
        self.assertIn("void", claim.line_ids[0].coverage_reason.lower())

    # ------------------------------------------------------ checks on submit

    def test_claim_deadline(self):
        late = self._create_claim(
            self.unit, repair_date="2025-05-20", lines=[self._labour()], meter_hours=100
        )
        with self.assertRaisesRegex(UserError, "2025-05-20.*2025-05-19|deadline"):
            late.with_user(self.as_user).action_submit()
        self.assertRecordValues(late, [{"state": "draft", "meter_reading_id": False}])
        self.assertFalse(self.unit.meter_reading_ids, "nothing written")
        on_time = self._create_claim(self.unit, repair_date="2025-05-21", lines=[self._labour()])
        on_time.with_user(self.as_user).action_submit()
        self.assertEqual(on_time.state, "submitted", "the 30th day after the repair is in time")
        self.dealer.service_claim_deadline_days = 0
        late.with_user(self.as_user).action_submit()
        self.assertEqual(late.state, "submitted", "no deadline")

    def test_part_outside_the_parts_categories_refused(self):
        tyres = self.env["product.category"].create({"name": "Tyres"})
        tyre = self.env["product.product"].create(
            {"name": "Loader Tyre", "type": "consu", "categ_id": tyres.id}
        )
        claim = self._create_claim(self.unit, lines=[self._labour(), self._part_line(tyre)])
        with self.assertRaisesRegex(UserError, r"not authorized to claim Loader Tyre \(category: Tyres\)"):
            claim.with_user(self.as_user).action_submit()
        self.assertEqual(claim.state, "draft")
        self.dealer.service_parts_categ_ids |= tyres
        claim.with_user(self.as_user).action_submit()
        self.assertEqual(claim.state, "submitted")

    def test_authorized_categories(self):
        pump_product = self.env["product.product"].create(
            {"name": "Pump P-1", "type": "consu", "categ_id": self.categ_spares.id}
        )
        pump = self._create_unit(product=pump_product, delivery_date="2025-01-10")
        claim = self._create_claim(pump, lines=[self._labour(self.op_pump, 1.0)])
        with self.assertRaisesRegex(
            UserError, r"not authorized for Pump P-1 units \(category: Spare Parts\)"
        ):
            claim.with_user(self.as_user).action_submit()
        self.assertEqual(claim.state, "draft")
        # a subcategory of an authorized category is authorized
        sub = self.env["product.category"].create(
            {"name": "Diesel Generators", "parent_id": self.categ_machines.id}
        )
        pump_product.categ_id = sub
        claim.line_ids.operation_id = self.op_diagnose
        claim.with_user(self.as_user).action_submit()
        self.assertEqual(claim.state, "submitted")

    def test_operation_must_fit_the_unit_and_lines_be_complete(self):
        cases = [
            (self._labour(self.op_pump, 1.0), "does not apply"),
            (self._labour(hours=0.0), "hours"),
            (self._part_line(self.failed_serial_part), "serial of the failed part"),
            (self._part_line(quantity=0.0), "quantity"),
        ]
        for line, message in cases:
            with self.subTest(message=message):
                claim = self._create_claim(self.unit, lines=[line])
                with self.assertRaisesRegex(UserError, message):
                    claim.with_user(self.as_user).action_submit()
                self.assertEqual(claim.state, "draft")
        empty = self._create_claim(self.unit)
        with self.assertRaisesRegex(UserError, "no lines"):
            empty.action_submit()

    def test_duplicates(self):
        first = self._submitted(
            self._part_line(), self._part_line(self.failed_serial_part, failed_serial="CB-001")
        )
        again = self._create_claim(self.unit, repair_date="2025-06-11", lines=[self._part_line()])
        with self.assertRaisesRegex(UserError, f"already claimed in {first.name}"):
            again.action_submit()
        same_serial = self._create_claim(
            self.rival_unit,
            dealer=self.rival,
            lines=[self._part_line(self.failed_serial_part, failed_serial="CB-001")],
        )
        with self.assertRaisesRegex(UserError, "serial CB-001 was already claimed"):
            same_serial.action_submit()
        twice = self._create_claim(
            self.rival_unit,
            dealer=self.rival,
            lines=[
                self._part_line(self.failed_serial_part, failed_serial="CB-002"),
                self._part_line(self.failed_serial_part, failed_serial="CB-002"),
            ],
        )
        with self.assertRaisesRegex(UserError, "claimed twice"):
            twice.action_submit()
        self.assertEqual((again | same_serial | twice).mapped("state"), ["draft"] * 3)
        # outside the window: another failure of the same part
        with freeze_time("2025-07-20"):
            later = self._create_claim(self.unit, repair_date="2025-07-15", lines=[self._part_line()])
            later.action_submit()
        self.assertEqual(later.state, "submitted")
        # once the first claim is rejected, its part no longer counts
        first.with_user(self.officer).review_note = "Photos missing"
        first.with_user(self.officer).action_reject()
        again.action_submit()
        self.assertEqual(again.state, "submitted")

    def test_window_is_a_company_setting(self):
        self._submitted(self._part_line())
        self.env.company.after_sales_dealer_duplicate_days = 5
        again = self._create_claim(self.unit, repair_date="2025-06-10", lines=[self._part_line()])
        again.action_submit()
        self.assertEqual(again.state, "submitted")

    def test_unit_sold_by_the_dealer_registered_on_review(self):
        claim = self._create_claim(
            unit=None,
            lines=[self._labour(), self._part_line()],
            unit_serial="TG1-NEW-77",
            unit_product_id=self.product_unit.id,
        )
        self.assertTrue(claim.unit_to_register)
        self.assertEqual(set(claim.line_ids.mapped("coverage")), {"not_covered"})
        claim.action_submit()
        with self.assertRaisesRegex(UserError, "register the unit"):
            claim.with_user(self.officer).action_approve()
        with self.assertRaises(AccessError):
            claim.with_user(self.as_user).action_register_unit()
        claim.with_user(self.officer).action_register_unit()
        unit = claim.equipment_id
        self.assertRecordValues(
            unit,
            [{"partner_id": self.dealer.id, "dealer_id": self.dealer.id, "product_id": self.product_unit.id}],
        )
        self.assertEqual(unit.lot_id.name, "TG1-NEW-77")
        self.assertFalse(claim.unit_to_register)
        self.assertEqual(
            set(claim.line_ids.mapped("coverage")), {"warranty"}, "decided again on the registered unit"
        )
        claim.with_user(self.officer).action_approve()
        self.assertEqual(claim.state, "approved")

    def test_serial_finds_the_unit(self):
        claim = self._create_claim(unit=None, lines=[self._labour()], unit_serial="TG1-DEALER-1")
        claim.action_submit()
        self.assertEqual(claim.equipment_id, self.unit)
        # another dealer's unit is not linked by its serial: the reviewer decides
        other = self._create_claim(
            unit=None, lines=[self._labour()], unit_serial="TG1-KAMA-1", unit_product_id=self.product_unit.id
        )
        other.action_submit()
        self.assertFalse(other.equipment_id)
        self.assertTrue(other.unit_to_register)
        nothing = self._create_claim(unit=None, lines=[self._labour()])
        with self.assertRaisesRegex(UserError, "choose a unit"):
            nothing.action_submit()

    def test_customers_unit_proposed_accepted_or_rejected(self):
        customer_unit = self._create_unit(
            lot=self._create_lot(self.product_unit, "TG1-CUST-1"), delivery_date="2025-01-10"
        )
        Claim = self.env["after_sales.dealer.claim"].with_user(self.rival_portal)
        proposals = Claim.browse()
        for hours in (500, 700):
            proposals |= Claim._portal_create(
                {"unit_serial": "TG1-CUST-1", "meter_hours": hours, "line_ids": [self._labour()]}
            )
        proposals._portal_submit()
        accepted, rejected = proposals.sudo()
        self.assertRecordValues(
            proposals.sudo(),
            [{"equipment_id": False, "proposed_equipment_id": customer_unit.id, "state": "submitted"}] * 2,
        )
        self.assertFalse(customer_unit.meter_reading_ids)
        with self.assertRaises(AccessError):
            accepted.with_user(self.as_user).action_accept_unit()
        accepted.with_user(self.officer).action_accept_unit()
        self.assertEqual(accepted.equipment_id, customer_unit)
        self.assertRecordValues(customer_unit.meter_reading_ids, [{"hours": 500.0, "source": "dealer"}])
        self.assertEqual(set(accepted.line_ids.mapped("coverage")), {"warranty"}, "decided on the unit")
        accepted.with_user(self.officer).action_approve()
        rejected.with_user(self.officer).action_reject_unit()
        self.assertRecordValues(rejected, [{"equipment_id": False, "proposed_equipment_id": False}])
        self.assertEqual(len(customer_unit.meter_reading_ids), 1)
        with self.assertRaisesRegex(UserError, "proposes no unit"):
            rejected.with_user(self.officer).action_accept_unit()
        self.assertIn("Unit proposal rejected", rejected.message_ids[0].body)
        # on the dealer's own unit too, an implausible reading is not recorded
        typo = self._submitted(meter_hours=99999)
        self.assertFalse(typo.meter_reading_id)
        self.assertFalse(self.unit.meter_reading_ids)
        self.assertTrue(any("was not recorded" in body for body in typo.message_ids.mapped("body")))

    # ------------------------------------------------------------ review

    def test_norm_check_and_engine_suggestions(self):
        claim = self._submitted(
            self._labour(hours=3.0), self._labour(self.op_diagnose, 1.0), self._part_line(self.oil_filter)
        )
        claim.with_user(self.officer).action_approve()
        over, diagnose, oil_filter = claim.line_ids
        self.assertRecordValues(
            claim.line_ids,
            [
                {"decision": "adjust", "approved_qty": 2.0, "approved_amount": 100.0},
                {"decision": "approve", "approved_qty": 1.0, "approved_amount": 50.0},
                {"decision": "reject", "approved_qty": 0.0, "approved_amount": 0.0},
            ],
        )
        self.assertIn("norm of 2.0 hours", over.decision_reason)
        self.assertEqual(oil_filter.decision_reason, oil_filter.coverage_reason)
        self.assertRecordValues(
            claim,
            [{"state": "partly_approved", "reviewer_id": self.officer.id, "amount_approved": 150.0}],
        )
        self.assertEqual(diagnose.norm_hours, 1.0)

    def test_reviewer_decides_each_line_with_a_reason(self):
        claim = self._submitted(self._labour(), self._part_line(), self._part_line(self.oil_filter))
        labour, part, oil_filter = claim.line_ids
        with self.assertRaises(AccessError):
            labour.with_user(self.as_user).decision = "approve"
        with self.assertRaises(ValidationError):
            part.with_user(self.officer).write({"decision": "adjust", "approved_qty": 0.5})
        with self.assertRaises(ValidationError):
            part.with_user(self.officer).write({"decision": "reject"})
        with self.assertRaises(ValidationError):
            oil_filter.with_user(self.officer).write({"decision": "approve"})
        with self.assertRaises(ValidationError):
            part.with_user(self.officer).write(
                {"decision": "adjust", "approved_qty": 3, "decision_reason": "x"}
            )
        self.assertFalse(claim.line_ids.filtered("decision"), "nothing written")
        self.assertEqual(claim.state, "submitted")
        with Form(claim.with_user(self.officer)) as form:
            with form.line_ids.edit(0) as row:
                row.decision = "approve"
            with form.line_ids.edit(1) as row:
                row.decision = "adjust"
                row.approved_qty = 0.5
                row.decision_reason = "Half the part was reused"
            with form.line_ids.edit(2) as row:
                row.decision = "approve"
                row.decision_reason = "Goodwill: filter failed on day one"
        self.assertEqual(claim.state, "under_review", "deciding a line starts the review")
        claim.with_user(self.officer).action_approve()
        self.assertRecordValues(
            claim.line_ids,
            [
                {"decision": "approve", "approved_qty": 2.0, "approved_amount": 100.0},
                {"decision": "adjust", "approved_qty": 0.5, "approved_amount": 165.0},
                {"decision": "approve", "approved_qty": 1.0, "approved_amount": 11.0},
            ],
        )
        self.assertEqual(claim.state, "partly_approved")
        with self.assertRaises(UserError):
            labour.with_user(self.officer).decision = "reject"
        # the decision is told to the dealer, who follows its claim
        self.assertIn("Partly Approved", claim.message_ids[0].body)
        # amounts as money, in the claim's currency (not 276.0)
        approved = format_amount(self.env, 276.0, claim.currency_id)
        self.assertIn(approved, html2plaintext(claim.message_ids[0].body))
        self.assertIn(self.dealer_portal.partner_id, claim.message_partner_ids)

    def test_reject_the_whole_claim(self):
        claim = self._submitted()
        with self.assertRaisesRegex(UserError, "reason for rejecting"):
            claim.with_user(self.officer).action_reject()
        with self.assertRaises(AccessError):
            claim.with_user(self.as_user).write({"review_note": "No photos"})
        claim.with_user(self.officer).review_note = "No photos of the failed part"
        claim.with_user(self.officer).action_reject()
        self.assertEqual(claim.state, "rejected")
        self.assertEqual(claim.line_ids.mapped("decision_reason"), ["No photos of the failed part"] * 2)
        with self.assertRaises(AccessError):
            claim.with_user(self.officer).action_reopen_review()
        claim.with_user(self.as_manager).action_reopen_review()
        self.assertEqual(claim.state, "under_review")

    def test_submitted_claim_keeps_what_was_claimed(self):
        claim = self._submitted()
        for vals in ({"repair_date": "2025-06-02"}, {"meter_hours": 10}, {"dealer_id": self.rival.id}):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                claim.with_user(self.as_manager).write(vals)
        with self.assertRaises(UserError):
            claim.line_ids[0].with_user(self.as_manager).hours = 9
        with self.assertRaises(UserError):
            claim.with_user(self.as_manager).unlink()
        with self.assertRaises(UserError):
            self.env["after_sales.dealer.claim.line"].with_user(self.as_manager).create(
                {"claim_id": claim.id, **self._labour()}
            )
        claim.with_user(self.officer).action_reset_draft()
        claim.line_ids[0].hours = 1.5
        claim.action_submit()
        self.assertEqual(claim.line_ids[0].hours, 1.5)

    def test_bad_input(self):
        Claim = self.env["after_sales.dealer.claim"].with_user(self.as_user)
        base = {"dealer_id": self.dealer.id, "equipment_id": self.unit.id}
        claims = self.env["after_sales.dealer.claim"].search([])
        for vals, error in (
            ({"repair_date": "2025-07-01"}, ValidationError),
            ({"meter_hours": -5}, ValidationError),
            ({"meter_hours": float("nan")}, ValidationError),
            ({"line_ids": [fields.Command.create(self._labour(hours=-1))]}, ValidationError),
            ({"line_ids": [fields.Command.create(self._labour(hours=float("inf")))]}, ValidationError),
            ({"dealer_id": self.customer.id}, ValidationError),
        ):
            with self.subTest(vals=vals), self.assertRaises(error):
                Claim.create({**base, **vals})
        self.assertEqual(self.env["after_sales.dealer.claim"].search([]), claims, "nothing written")
        with self.assertRaises(AccessError):
            self.customer.with_user(self.as_user).write({"is_service_partner": True})
        with self.assertRaises(ValidationError):
            self.dealer.service_labour_rate = -1

    # --------------------------------------------- failed parts and recourse

    def test_failed_parts_returned_before_settlement(self):
        self.dealer.service_return_failed_parts = True
        claim = self._submitted(self._labour(), self._part_line(quantity=2))
        labour, part = claim.line_ids
        self.assertRecordValues(
            claim.line_ids,
            [
                {"return_required": False, "return_state": "none"},
                {"return_required": True, "return_state": "to_request"},
            ],
        )
        claim.with_user(self.officer).action_approve()
        move = part.return_move_ids
        self.assertRecordValues(
            move, [{"product_id": self.part.id, "product_uom_qty": 2.0, "state": "assigned"}]
        )
        picking = move.picking_id
        self.assertEqual(picking.picking_type_id.code, "incoming")
        self.assertEqual(picking.partner_id, self.dealer)
        self.assertEqual(picking.location_dest_id.name, "Failed Parts")
        self.assertEqual(part.return_state, "requested")
        self.assertEqual(claim.return_count, 1)
        # the storekeeper receives it, with Inventory rights only
        storekeeper = new_test_user(self.env, login="claim_storekeeper", groups="stock.group_stock_user")
        move.with_user(storekeeper).write({"quantity": 2, "picked": True})
        self.assertIs(picking.with_user(storekeeper).button_validate(), True)
        self.assertEqual(part.return_state, "received")
        self.assertEqual(labour.return_state, "none")

    def test_return_requested_during_review(self):
        self.dealer.service_return_failed_parts = True
        claim = self._submitted(self._part_line())
        claim.action_request_returns()
        self.assertEqual(claim.line_ids.return_state, "requested")
        with self.assertRaisesRegex(UserError, "No failed part"):
            claim.action_request_returns()
        claim.with_user(self.officer).action_approve()
        self.assertEqual(len(claim.line_ids.return_move_ids), 1, "asked once")

    def test_approved_lines_feed_vendor_recourse(self):
        self.env["product.supplierinfo"].create(
            {
                "partner_id": self.vendor.id,
                "product_tmpl_id": self.part.product_tmpl_id.id,
                "warranty_months": 12,
            }
        )
        claim = self._submitted(self._labour(), self._part_line(quantity=2))
        claim.with_user(self.officer).action_approve()
        vendor_claim = self.env["after_sales.vendor.claim"].search([("partner_id", "=", self.vendor.id)])
        self.assertRecordValues(
            vendor_claim.line_ids,
            [
                {
                    "dealer_claim_line_id": claim.line_ids[1].id,
                    "quantity": 2.0,
                    "unit_cost": 330.0,
                    "amount": 660.0,
                }
            ],
        )
        self.assertEqual(vendor_claim.line_ids.dealer_claim_id, claim)
        self.assertEqual(vendor_claim.line_ids.equipment_id, self.unit)
