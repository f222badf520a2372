from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import AfterSalesCommon


class TestRequest(AfterSalesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.email = "chief.engineer@uralmash.example.com"
        cls.lot = cls._create_lot(cls.product_unit, "SN-REQ-1")
        cls.unit = cls._create_unit(lot=cls.lot, site_partner_id=cls.customer_site.id)
        cls.stage_new = cls.env.ref("after_sales_service.stage_new")
        cls.stage_progress = cls.env.ref("after_sales_service.stage_in_progress")
        cls.stage_parts = cls.env.ref("after_sales_service.stage_waiting_parts")
        cls.stage_closed = cls.env.ref("after_sales_service.stage_closed")
        cls.stage_cancelled = cls.env.ref("after_sales_service.stage_cancelled")

    def _flush_tracking(self):
        self.env.flush_all()
        self.env.cr.flush()

    def _create_request(self, user=None, **vals):
        return (
            self.env["after_sales.request"]
            .with_user(user or self.as_user)
            .create({"title": "Does not start", "equipment_id": self.unit.id, **vals})
        )

    def test_number_and_equipment_fill_the_request(self):
        form = Form(self.env["after_sales.request"].with_user(self.as_user))
        form.title = "Oil leak"
        form.equipment_id = self.unit
        self.assertEqual(form.partner_id, self.customer)
        self.assertEqual(form.product_id, self.product_unit)
        self.assertEqual(form.lot_id, self.lot)
        request = form.save()
        self.assertTrue(request.name.startswith("SR/"))
        second = self._create_request()
        self.assertNotEqual(request.name, second.name)
        self.assertEqual(request.stage_id, self.stage_new)
        self.assertIn(self.customer, request.message_partner_ids)

    def test_request_entered_closed_is_not_acknowledged(self):
        """A request entered already resolved, closed or cancelled (a call answered at once, a
        unit's history) is a record of what was done: no "received" e-mail to the customer."""
        received = self._create_request()
        self.assertTrue(received.message_ids.filtered(lambda m: m.message_type == "auto_comment"))
        resolved_stage = self.env.ref("after_sales_service.stage_resolved")
        for stage in (resolved_stage, self.stage_closed, self.stage_cancelled):
            with self.subTest(stage=stage.name):
                request = self._create_request(stage_id=stage.id, resolution="<p>Answered on the phone</p>")
                self.assertEqual(request.stage_id, stage)
                self.assertFalse(request.message_ids.filtered(lambda m: m.message_type == "auto_comment"))

    def test_unit_of_another_customer_is_refused(self):
        other = self.env["res.partner"].create({"name": "Other Customer", "is_company": True})
        with self.assertRaises(ValidationError):
            self._create_request(partner_id=other.id)

    def test_bad_amounts_are_refused(self):
        with self.assertRaises(ValidationError):
            self._create_request(damage_amount=-5)
        self.assertFalse(self.env["after_sales.request"].search([("equipment_id", "=", self.unit.id)]))

    def test_creation_mail_tells_number_and_deadline(self):
        request = self._create_request()
        message = request.message_ids.filtered(lambda m: request.name in (m.subject or ""))
        self.assertTrue(message, "the customer is told the request number")
        self.assertIn(self.customer, message.partner_ids)
        self.assertTrue(request.sla_resolution_deadline)
        self.assertIn("aim to resolve it by", message.body)

    def test_flagged_stage_notifies_customer(self):
        request = self._create_request().with_context(tracking_disable=False, mail_notrack=False)
        self.assertTrue(self.stage_progress.notify_customer)
        self.assertFalse(self.stage_parts.notify_customer)
        request.stage_id = self.stage_parts
        self._flush_tracking()
        count = len(request.message_ids.filtered(lambda m: m.partner_ids == self.customer))
        request.stage_id = self.stage_progress
        self._flush_tracking()
        customer_messages = request.message_ids.filtered(lambda m: m.partner_ids == self.customer)
        self.assertEqual(len(customer_messages), count + 1)
        self.assertIn("In Progress", customer_messages[0].subject)

    def test_closing_needs_resolution_and_sends_rating(self):
        request = self._create_request()
        with self.assertRaises(ValidationError):
            request.stage_id = self.stage_closed
        request.write({"resolution": "<p>Replaced the starter.</p>", "stage_id": self.stage_closed.id})
        self.assertTrue(request.is_closed)
        self.assertTrue(request.date_closed)
        self.assertTrue(request.sla_resolution_date)
        self.assertTrue(request.sudo().rating_ids, "a rating is requested after closing")
        rating = request.sudo().rating_ids
        rating.write({"rating": 5, "consumed": True})
        self.assertEqual(request.rating_last_value, 5)

    def test_cancel_needs_no_resolution(self):
        request = self._create_request()
        request.stage_id = self.stage_cancelled
        self.assertTrue(request.is_closed)
        self.assertFalse(request.is_resolved)
        self.assertFalse(request.sudo().rating_ids)

    def test_closed_request_is_read_only_except_for_managers(self):
        request = self._create_request()
        request.write({"resolution": "<p>Done</p>", "stage_id": self.stage_closed.id})
        with self.assertRaises(UserError):
            request.write({"title": "Changed"})
        with self.assertRaises(UserError):
            request.write({"stage_id": self.stage_progress.id})
        self.assertEqual(request.title, "Does not start")
        request.message_post(body="Customer thanked us", message_type="comment")
        request.with_user(self.as_manager).write({"title": "Changed by manager"})
        self.assertEqual(request.title, "Changed by manager")

    def test_claim_review_only_by_managers(self):
        claim = self._create_request(request_type="claim")
        with self.assertRaises(AccessError):
            claim.write({"review_justified": "yes", "review_decision": "Replace under warranty"})
        with self.assertRaises(AccessError):
            self._create_request(request_type="claim", review_decision="Self-approved")
        self.assertFalse(claim.review_decision)
        self.assertFalse(claim.is_review_manager)
        claim.with_user(self.as_manager).write(
            {
                "review_findings": "<p>Cracked housing</p>",
                "review_justified": "yes",
                "review_root_cause": "Casting defect",
                "review_corrective_action": "Replace housing",
                "review_preventive_action": "Supplier audit",
                "review_decision": "Accepted",
                "review_decision_date": "2026-05-01",
            }
        )
        self.assertRecordValues(claim, [{"review_justified": "yes", "review_decision": "Accepted"}])

    def test_first_response_by_public_reply(self):
        request = self._create_request()
        self.assertFalse(request.sla_response_date)
        request.message_post(body="Internal", message_type="comment", subtype_xmlid="mail.mt_note")
        self.assertFalse(request.sla_response_date)
        request.message_post(body="We are on it", message_type="comment", subtype_xmlid="mail.mt_comment")
        self.assertTrue(request.sla_response_date)

    def test_leaving_new_is_first_response(self):
        request = self._create_request()
        request.stage_id = self.stage_parts
        self.assertTrue(request.sla_response_date)

    def test_lines(self):
        request = self._create_request()
        hour = self.env.ref("uom.product_uom_hour")
        request.write(
            {
                "line_ids": [
                    Command.create({"line_type": "work", "name": "Diagnosis", "quantity": 1.5}),
                    Command.create({"line_type": "other", "name": "Travel", "quantity": 1}),
                ]
            }
        )
        self.assertEqual(request.line_ids[0].uom_id, hour)
        self.assertEqual(request.line_ids.partner_id, self.customer)
        with self.assertRaises(ValidationError):
            request.write(
                {"line_ids": [Command.create({"line_type": "work", "name": "Bad", "quantity": -1})]}
            )
        with self.assertRaises(ValidationError):
            request.write({"line_ids": [Command.create({"line_type": "part", "name": "No product"})]})
        self.assertEqual(len(request.line_ids), 2)


@tagged("post_install", "-at_install")
class TestRequestRepair(AfterSalesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plain_product = cls.env["product.product"].create(
            {"name": "Compressor C-3", "type": "consu", "is_storable": True}
        )
        cls.part = cls.env["product.product"].create(
            {"name": "Starter Relay", "type": "consu", "is_storable": True}
        )
        warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)
        cls.env["stock.quant"]._update_available_quantity(cls.part, warehouse.lot_stock_id, 10)
        cls.unit = cls._create_unit(product=cls.plain_product)

    def test_repair_from_request_and_parts_become_lines_once(self):
        request = (
            self.env["after_sales.request"]
            .with_user(self.as_user)
            .create({"title": "Noise", "equipment_id": self.unit.id})
        )
        action = request.action_create_repair()
        repair = self.env["repair.order"].browse(action["res_id"])
        self.assertRecordValues(
            repair,
            [
                {
                    "product_id": self.plain_product.id,
                    "partner_id": self.customer.id,
                    "after_sales_request_id": request.id,
                }
            ],
        )
        self.assertEqual(request.repair_ids, repair)
        self.assertEqual(self.unit.state, "in_repair")
        self.assertIn(repair.name, request.repair_state)
        repair.write(
            {
                "move_ids": [
                    Command.create(
                        {"product_id": self.part.id, "product_uom_qty": 2, "repair_line_type": "add"}
                    )
                ]
            }
        )
        repair.action_validate()
        repair.action_repair_start()
        repair.move_ids.write({"quantity": 2, "picked": True})
        repair.action_repair_end()
        self.assertEqual(repair.state, "done")
        part_lines = request.line_ids.filtered(lambda line: line.line_type == "part")
        self.assertRecordValues(part_lines, [{"product_id": self.part.id, "quantity": 2, "done": True}])
        self.assertEqual(self.unit.state, "in_service")
        # Finishing again (e.g. a second call) does not record the parts twice.
        repair._after_sales_record_parts()
        self.assertEqual(len(request.line_ids), 1)
        self.assertEqual(self.unit.repair_count, 1)

    def test_repair_needs_a_product(self):
        request = self.env["after_sales.request"].create(
            {"title": "Question", "partner_id": self.customer.id, "request_type": "consultation"}
        )
        with self.assertRaises(UserError):
            request.action_create_repair()
        self.assertFalse(request.repair_ids)
