from freezegun import freeze_time

from odoo import Command
from odoo.tests import Form, tagged

from odoo.addons.after_sales_billing.tests.common import AfterSalesBillingCommon


@tagged("post_install", "-at_install")
class TestFormEntry(AfterSalesBillingCommon):
    """What a clerk types in the request form is decided, priced, resolved and billed.

    Everything goes through ``Form``: it sends what the web client sends (invisible fields
    such as ``coverage_manual = False`` included), not hand-picked values.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product_unit.product_tmpl_id.write(
            {
                "warranty_custom": True,
                "warranty_parts_months": 24,
                "warranty_labour_months": 12,
                "warranty_start_basis": "delivery",
            }
        )
        cls.in_warranty = cls._create_unit(
            lot=cls._create_lot(cls.product_unit, "FORM-IN"), delivery_date="2026-01-15"
        )
        cls.out_of_warranty = cls._create_unit(
            lot=cls._create_lot(cls.product_unit, "FORM-OUT"), delivery_date="2020-01-15"
        )
        cls.visit = cls.env["product.product"].create(
            {
                "name": "Engineer Visit",
                "type": "service",
                "list_price": 18000.0,
                "taxes_id": [Command.set(cls.tax.ids)],
            }
        )

    def _request_form(self, unit):
        form = Form(self.env["after_sales.request"].with_user(self.as_user))
        form.title = "Generator stops under load"
        form.equipment_id = unit
        form.request_type = "repair"
        return form

    @freeze_time("2026-03-10 10:00:00")
    def test_lines_typed_in_the_form_get_their_coverage(self):
        form = self._request_form(self.in_warranty)
        with form.line_ids.new() as line:
            line.line_type = "work"
            line.product_id = self.work
        with form.line_ids.new() as line:
            line.line_type = "part"
            line.product_id = self.part
            line.quantity = 2
        request = form.save()
        work, part = request.line_ids
        self.assertRecordValues(
            work | part,
            [
                {"coverage": "warranty", "coverage_manual": False, "amount_charged": 0.0},
                {"coverage": "warranty", "coverage_manual": False, "amount_charged": 0.0},
            ],
        )
        self.assertTrue(work.coverage_reason)
        self.assertEqual(request.coverage_status, "full")
        # the unit changes to one out of warranty: the lines are decided again
        with Form(request.with_user(self.as_user)) as form:
            form.equipment_id = self.out_of_warranty
        self.assertEqual(request.line_ids.mapped("coverage"), ["paid", "paid"])
        self.assertEqual(request.coverage_status, "none")

    @freeze_time("2026-03-10 10:00:00")
    def test_paid_visit_typed_in_the_form_is_billed(self):
        form = self._request_form(self.out_of_warranty)
        with form.line_ids.new() as line:
            line.line_type = "work"
            line.product_id = self.visit
        request = form.save()
        self.assertRecordValues(
            request.line_ids,
            [{"coverage": "paid", "price_unit": 18000.0, "amount_charged": 18000.0, "done": False}],
        )
        self.assertIn("warranty ended", request.line_ids.coverage_reason)
        # resolving marks the work done (the resolve step offers it ticked)
        action = request.with_user(self.as_user).action_resolve()
        wizard = Form(self.env[action["res_model"]].with_user(self.as_user).with_context(**action["context"]))
        wizard.resolution = "<p>Contactor replaced.</p>"
        self.assertEqual(len(wizard.line_ids), 1)
        wizard.save().action_resolve()
        self.assertTrue(request.is_resolved)
        self.assertTrue(request.line_ids.done)
        request.with_user(self.as_user).action_close()
        self.assertTrue(request.is_closed)
        run = self._run(date_to="2026-03-31")
        self.assertEqual(run.invoice_ids.amount_untaxed, 18000.0)
        self.assertEqual(request.line_ids.invoice_id, run.invoice_ids)

    @freeze_time("2026-03-10 10:00:00")
    def test_override_by_an_officer_stays(self):
        officer = self.env["res.users"].create(
            {
                "name": "Warranty Officer",
                "login": "form_officer",
                "group_ids": [Command.link(self.env.ref("after_sales_warranty.group_warranty_officer").id)],
            }
        )
        form = self._request_form(self.out_of_warranty)
        with form.line_ids.new() as line:
            line.product_id = self.visit
        request = form.save()
        line = request.line_ids
        line.with_user(officer)._override_coverage("goodwill", "Key customer")
        # a later change of the quantity keeps the person's decision
        with Form(request.with_user(self.as_user)) as form, form.line_ids.edit(0) as row:
            row.quantity = 2
        self.assertRecordValues(
            line, [{"coverage": "goodwill", "coverage_manual": True, "amount_charged": 0.0}]
        )
        # so does "Decide Coverage"
        request.with_user(officer).action_decide_coverage()
        self.assertEqual(line.coverage, "goodwill")

    def test_act_is_made_when_sent_not_when_read(self):
        request = self._create_request(self.customer, [self._work_line()])
        invoice = self._run(grouping="request").invoice_ids
        invoice = invoice.with_user(self.billing_user)
        # the chatter of the draft loads its attachments: no act is rendered
        invoice._get_mail_thread_data_attachments()
        self.env["account.move.send"]._get_invoice_extra_attachments(invoice)
        self.assertFalse(invoice.after_sales_act_attachment_id)
        invoice.action_post()
        self.assertFalse(invoice.after_sales_act_attachment_id)
        invoice._generate_and_send(sending_methods=["email"])
        act = invoice.after_sales_act_attachment_id
        self.assertIn(request.name, act.raw.decode())
        self.assertIn(act, invoice._get_mail_thread_data_attachments())
        invoice.button_draft()
        self.assertFalse(act.exists(), "reset to draft: the act is made again when sent again")

    def test_contract_form_opens_without_analytic_rights(self):
        arch = (
            self.env["after_sales.contract"]
            .with_user(self.as_manager)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertNotIn('name="analytic_distribution"', arch)
        self.assertFalse(self.as_manager.has_group("analytic.group_analytic_accounting"))
