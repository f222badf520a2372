from odoo.tests import tagged

from .common import AfterSalesBillingCommon


@tagged("post_install", "-at_install")
class TestInvoiceDocuments(AfterSalesBillingCommon):
    """Acts of completed work with invoices and runs; "reverse and create a new draft"."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gamma = cls._create_customer("Gamma Rail", email="gamma@example.com")

    def _reverse(self, invoice, is_modify):
        wizard = (
            self.env["account.move.reversal"]
            .with_user(self.billing_user)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "price correction"})
        )
        action = wizard.reverse_moves(is_modify=is_modify)
        return wizard, action

    def test_reverse_and_new_draft_keeps_lines_invoiced(self):
        request = self._create_request(self.gamma, [self._work_line(), self._part_line()])
        self._run(grouping="request")
        invoice = request.invoice_ids
        invoice.action_post()
        wizard, action = self._reverse(invoice, is_modify=True)
        new_draft = wizard.new_move_ids
        self.assertEqual(action["res_id"], new_draft.id)
        self.assertEqual(new_draft.state, "draft")
        self.assertEqual(invoice.payment_state, "reversed")
        # the new draft bills the same service lines: they are not free for a second invoice
        self.assertEqual(request.line_ids.invoice_id, new_draft)
        self.assertEqual(new_draft.after_sales_request_ids, request)
        rebill = self._run(grouping="request")
        self.assertEqual(rebill.line_count, 0)
        self.assertFalse(rebill.invoice_ids)
        # deleting the corrected draft leaves a plain credit note: not billed again unless chosen
        new_draft.unlink()
        self.assertEqual(request.line_ids.mapped("invoice_status"), ["no"] * 2)
        self.assertEqual(self._run(grouping="request").line_count, 0)
        request.line_ids.with_user(self.billing_user).action_bill_again()
        self.assertEqual(request.line_ids.mapped("invoice_status"), ["to_invoice"] * 2)
        self.assertEqual(self._run(grouping="request").line_count, 2)

    def test_plain_reversal_is_not_billed_again(self):
        request = self._create_request(self.gamma, [self._work_line()])
        self._run(grouping="request")
        invoice = request.invoice_ids
        invoice.action_post()
        wizard, _action = self._reverse(invoice, is_modify=False)
        self.assertEqual(wizard.new_move_ids.move_type, "out_refund")
        # the customer is not charged for the credited line (Bill Again makes it billable)
        self.assertRecordValues(request.line_ids, [{"qty_invoiced": 0.0, "invoice_status": "no"}])
        self.assertEqual(wizard.new_move_ids.after_sales_request_ids, request, "it credits that request")
        refund = wizard.new_move_ids
        refund.action_post()
        refund._generate_and_send(sending_methods=["email"])
        self.assertFalse(refund.after_sales_act_attachment_id, "no act of completed work with a credit note")

    def test_act_attached_to_invoice_email(self):
        first = self._create_request(self.gamma, [self._work_line()])
        second = self._create_request(self.gamma, [self._part_line()])
        run = self._run(grouping="customer")
        invoice = run.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.after_sales_request_ids, first | second)
        invoice.action_post()
        invoice.with_user(self.billing_user)._generate_and_send(sending_methods=["email"])
        act = invoice.after_sales_act_attachment_id
        self.assertTrue(act)
        self.assertEqual((act.res_model, act.res_id), ("account.move", invoice.id))
        message = invoice.message_ids.filtered(lambda m: act.name in m.attachment_ids.mapped("name"))
        self.assertEqual(len(message), 1, "the act goes out with the invoice e-mail")
        self.assertIn(self.gamma, message.partner_ids)
        # one act per request of the invoice (rendered as HTML when tests run without wkhtmltopdf)
        body = act.raw.decode()
        self.assertIn(first.name, body)
        self.assertIn(second.name, body)
        self.assertEqual(body.count("Act of Completed Work"), 2)
        # made once; generated again only after the invoice is reset to draft
        self.assertEqual(invoice._after_sales_get_act_attachment(), act)
        invoice.button_draft()
        self.assertFalse(act.exists())
        self.assertFalse(invoice.after_sales_act_attachment_id)

    def test_invoice_without_service_lines_has_no_act(self):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.gamma.id,
                "invoice_line_ids": [(0, 0, {"product_id": self.part.id, "quantity": 1, "price_unit": 10})],
            }
        )
        self.assertFalse(invoice.after_sales_request_ids)
        self.assertFalse(invoice._after_sales_get_act_attachment())
        attachments = self.env["account.move.send"]._get_invoice_extra_attachments(invoice)
        self.assertFalse(attachments.filtered(lambda a: a.name.startswith("Act")))

    def test_acts_of_a_run(self):
        requests = self._create_request(self.gamma, [self._work_line()]) | self._create_request(
            self.gamma, [self._part_line()]
        )
        run = self._run(grouping="request")
        html, _type = (
            self.env["ir.actions.report"]
            .with_user(self.billing_user)
            ._render_qweb_pdf("after_sales_billing.action_report_after_sales_act_run", run.ids)
        )
        html = html.decode()
        for request in requests:
            self.assertIn(request.name, html)
        self.assertEqual(html.count("Act of Completed Work"), 2)
