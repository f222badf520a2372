from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.after_sales_warranty.tests.common import DealerClaimCommon

from .batch_jobs import run_jobs


class DealerSettlementCommon(DealerClaimCommon):
    """Dealers' approved claims and the accounts to settle them on."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        if not cls.company.chart_template:
            cls.env["account.chart.template"].try_loading("generic_coa", cls.company, install_demo=False)
        cls.purchase_tax = cls.env["account.tax"].create(
            {
                "name": "Input VAT 20%",
                "amount": 20.0,
                "type_tax_use": "purchase",
                "company_id": cls.company.id,
            }
        )
        cls.part.supplier_taxes_id = cls.purchase_tax
        cls.labour_product = cls.company._get_dealer_labour_product()
        cls.labour_product.supplier_taxes_id = False
        cls.accountant = new_test_user(
            cls.env, login="dealer_accountant", groups="account.group_account_invoice"
        )

    @classmethod
    def _approved_claim(cls, *lines, unit=None, dealer=None, repair_date="2025-06-01"):
        claim = cls._create_claim(
            unit or cls.unit,
            lines=lines or [cls._labour(), cls._part_line()],
            dealer=dealer,
            repair_date=repair_date,
        )
        claim.action_submit()
        claim.with_user(cls.officer).action_approve()
        return claim

    def _settle(self, user=None, date_to="2025-06-30", **vals):
        settlement = (
            self.env["after_sales.dealer.settlement"]
            .with_user(user or self.as_manager)
            .create({"date_from": "2025-06-01", "date_to": date_to, **vals})
        )
        with run_jobs():
            settlement.action_run()
        return settlement


@tagged("post_install", "-at_install")
@freeze_time("2025-06-20")
class TestDealerSettlement(DealerSettlementCommon):
    def test_approved_claims_become_bills_and_credit_notes(self):
        self.rival.sudo().service_settle_as = "credit_note"
        claim = self._approved_claim(self._labour(), self._part_line())
        partly = self._approved_claim(self._labour(hours=3.0), repair_date="2025-06-05")
        rival_claim = self._approved_claim(self._labour(hours=1.0), unit=self.rival_unit, dealer=self.rival)
        rejected = self._create_claim(
            self.unit, lines=[self._labour(self.op_diagnose, 1.0)], repair_date="2025-06-03"
        )
        rejected.action_submit()
        rejected.with_user(self.officer).review_note = "Not a warranty failure"
        rejected.with_user(self.officer).action_reject()
        self.assertEqual(partly.state, "partly_approved")
        self.assertFalse(self.as_manager.has_group("account.group_account_invoice"))
        with self.assertRaises(AccessError):
            self._settle(user=self.as_user)
        settlement = self._settle()
        self.assertEqual(settlement.state, "done")
        self.assertEqual(settlement.move_count, 2)
        self.assertEqual(settlement.line_count, 4)
        bill = settlement.move_ids.filtered(lambda m: m.partner_id == self.dealer)
        refund = settlement.move_ids - bill
        self.assertRecordValues(
            bill,
            [{"move_type": "in_invoice", "state": "draft", "amount_untaxed": 530.0, "amount_total": 596.0}],
        )
        self.assertRecordValues(
            bill.invoice_line_ids,
            [
                {"product_id": self.labour_product.id, "quantity": 2.0, "price_unit": 50.0},
                {"product_id": self.part.id, "quantity": 1.0, "price_unit": 330.0},
                {"product_id": self.labour_product.id, "quantity": 2.0, "price_unit": 50.0},
            ],
        )
        self.assertEqual(bill.invoice_line_ids.after_sales_dealer_claim_line_ids, (claim | partly).line_ids)
        self.assertRecordValues(
            refund, [{"move_type": "out_refund", "partner_id": self.rival.id, "amount_total": 50.0}]
        )
        self.assertEqual((claim | partly | rival_claim).mapped("state"), ["settled"] * 3)
        self.assertEqual(claim.line_ids.settle_move_id, bill)
        self.assertEqual(rejected.line_ids.settlement_status, "no")
        self.assertFalse(self._settle().move_ids, "settled once: a second settlement finds nothing")
        # the accountant, without After-Sales rights, posts the documents made by the manager
        (bill | refund).with_user(self.accountant).action_post()
        self.assertEqual((bill | refund).mapped("state"), ["posted", "posted"])
        self.assertEqual(claim.state, "settled")

    def test_rerun_after_failure_settles_each_line_once(self):
        claims = [self._approved_claim(self._labour(), repair_date=f"2025-06-0{day}") for day in range(1, 5)]
        settlement = (
            self.env["after_sales.dealer.settlement"]
            .with_user(self.as_manager)
            .with_context(after_sales_settlement_chunk_size=1)
            .create({"date_from": "2025-06-01", "date_to": "2025-06-30", "grouping": "claim"})
        )
        original = type(settlement)._process_chunk
        calls = []

        def crash_after_two(self_settlement, chunk):
            if len(calls) == 2:
                raise RuntimeError("killed")
            calls.append(chunk)
            return original(self_settlement, chunk)

        # not assertRaises: its savepoint would undo the chunks done
        crashed = False
        with patch.object(type(settlement), "_process_chunk", crash_after_two):
            try:
                with run_jobs():
                    settlement.action_run()
            except RuntimeError:
                crashed = True
        self.assertTrue(crashed)
        self.assertEqual(settlement.state, "running")
        self.assertEqual(settlement.move_count, 2)
        with run_jobs():
            settlement.action_run()
        self.assertEqual(settlement.move_count, 4)
        self.assertFalse(self._settle().move_ids)
        with run_jobs():
            settlement.action_run()
        self.assertEqual(settlement.move_count, 4)
        lines = self.env["after_sales.dealer.claim"].concat(*claims).line_ids
        self.assertEqual(len(lines.settle_line_ids), len(lines), "each line on one bill line")

    def test_release_on_delete_cancel_and_reversal_by_an_accountant(self):
        claim = self._approved_claim(self._labour())
        line = claim.line_ids
        bill = self._settle().move_ids
        bill.with_user(self.accountant).unlink()
        self.assertRecordValues(line, [{"settlement_status": "to_settle"}])
        self.assertEqual(claim.state, "approved", "deleting the draft releases the claim")
        bill = self._settle().move_ids
        bill.with_user(self.accountant).button_cancel()
        self.assertEqual(line.settlement_status, "to_settle", "cancelling releases it")
        self.assertFalse(line.settle_move_id)
        bill = self._settle().move_ids
        bill.with_user(self.accountant).action_post()
        wizard = (
            self.env["account.move.reversal"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=bill.ids)
            .create({"journal_id": bill.journal_id.id, "reason": "wrong dealer"})
        )
        wizard.refund_moves()
        self.assertEqual(line.settlement_status, "to_settle", "a reversal pays it back")
        self.assertEqual(len(line.settle_line_ids), 3, "the cancelled bill, the bill and its reversal")
        again = self._settle()
        self.assertEqual(again.line_count, 1)
        self.assertEqual(line.settlement_status, "settled")
        self.assertEqual(claim.state, "settled")
        with self.assertRaises(Exception):  # noqa: B017 - the ORM's UserError
            claim.with_user(self.as_manager).action_reopen_review()

    def test_lines_wait_for_the_failed_part(self):
        self.dealer.service_return_failed_parts = True
        claim = self._approved_claim(self._labour(), self._part_line())
        labour, part = claim.line_ids
        self.assertEqual((labour.settlement_status, part.settlement_status), ("to_settle", "waiting_return"))
        settlement = self._settle()
        self.assertEqual(settlement.line_count, 1, "the labour only")
        self.assertEqual(claim.state, "approved")
        move = part.return_move_ids
        move.quantity = 1
        move.picked = True
        move.picking_id.button_validate()
        self.assertEqual(part.settlement_status, "to_settle")
        self._settle()
        self.assertEqual(claim.state, "settled")

    def test_failure_of_one_dealer_does_not_stop_others(self):
        self._approved_claim(self._labour())
        self._approved_claim(self._labour(), unit=self.rival_unit, dealer=self.rival)
        self.rival.sudo().action_archive()
        settlement = self._settle()
        self.assertEqual(settlement.move_count, 1)
        self.assertRecordValues(settlement.failure_ids, [{"dealer_id": self.rival.id, "line_count": 1}])
        self.assertIn("archived", settlement.failure_ids.reason)

    def test_settle_button_on_the_claim(self):
        claim = self._approved_claim(self._labour())
        other = self._approved_claim(self._labour(self.op_diagnose, 1.0), repair_date="2025-06-02")
        with self.assertRaises(AccessError):
            claim.with_user(self.officer).action_settle()
        claim.with_user(self.as_manager).action_settle()
        self.assertEqual((claim.state, other.state), ("settled", "approved"))

    def test_queries_do_not_grow_with_the_lines(self):
        """Deciding and settling two claims: twice their lines, about the same queries."""

        def decide_and_settle(lines_per_claim):
            claims = self.env["after_sales.dealer.claim"].create(
                [
                    {
                        "dealer_id": self.dealer.id,
                        "equipment_id": self.unit.id,
                        "repair_date": "2025-06-01",
                        "line_ids": [
                            Command.create(
                                self._labour(self.op_diagnose, 1.0) if i % 2 else self._labour(hours=2.5)
                            )
                            for i in range(lines_per_claim)
                        ],
                    }
                    for __ in range(2)
                ]
            )
            claims.review_state = "submitted"
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            claims.with_user(self.officer).action_approve()
            self.env.flush_all()
            decided = self.env.cr.sql_log_count - before
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            settlement = self._settle()
            self.env.flush_all()
            settled = self.env.cr.sql_log_count - before
            self.assertEqual(settlement.line_count, 2 * lines_per_claim)
            return decided, settled

        decided_10, settled_10 = decide_and_settle(10)
        decided_20, settled_20 = decide_and_settle(20)
        self.assertLess(decided_20 - decided_10, 10, (decided_10, decided_20))
        self.assertLess(settled_20 - settled_10, 10, (settled_10, settled_20))
