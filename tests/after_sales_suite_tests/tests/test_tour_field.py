from datetime import datetime, time, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from odoo import fields
from odoo.tests import tagged

from .common import TourCommon


@tagged("post_install", "-at_install")
class TestTourField(TourCommon):
    """The field in a real browser, end to end: an e-mail arrives and opens a request, the
    dispatcher plans a visit and sees it on the board, the engineer checks in from the phone list,
    times the work, resolves, checks out and has the act signed, then the request is invoiced."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        company = env.company
        cls._ensure_chart()
        alias_domain = env["mail.alias.domain"].create({"name": "field-tour.example.com"})
        company.alias_domain_id = alias_domain
        cls.team = env["after_sales.team"].create({"name": "Field Tour Team", "alias_name": "field-desk"})
        callout = cls._create_service("Field Tour Call-out", 50.0)
        labour = cls._create_service("Field Tour Labour", 80.0, uom_id=env.ref("uom.product_uom_hour").id)
        company.write(
            {
                "after_sales_team_id": cls.team.id,
                "after_sales_visit_product_id": callout.id,
                "after_sales_labour_product_id": labour.id,
                "after_sales_timer_rounding_minutes": 15,
                "after_sales_timer_minimum_minutes": 0,
                "after_sales_act_required": True,
            }
        )
        cls.dispatcher = cls._create_user(
            "field_tour_dispatcher",
            "Field Tour Dispatcher",
            groups="after_sales_service.group_after_sales_manager,account.group_account_invoice",
            tz="UTC",
        )
        cls.engineer = cls._create_user("field_tour_engineer", "Field Tour Engineer", tz="UTC")
        env["hr.employee"].create(
            {"name": "Field Tour Engineer", "user_id": cls.engineer.id, "hourly_cost": 30.0}
        )
        cls.customer = cls._create_customer("Field Tour Mining", "desk@field-tour-mining.example.com")

    def _receive_mail(self):
        """The customer's e-mail to the team's address, through the mail gateway."""
        msg = EmailMessage()
        msg["From"] = '"Field Tour Mining" <desk@field-tour-mining.example.com>'
        msg["To"] = "field-desk@field-tour.example.com"
        msg["Subject"] = "Generator does not start"
        msg["Date"] = format_datetime(datetime.now().astimezone())
        msg["Message-ID"] = make_msgid(domain="field-tour-mining.example.com")
        msg.set_content("Hello,\nour generator stopped this morning, please send an engineer.\n")
        before = self.env["after_sales.request"].search([]).ids
        self.env["mail.thread"].sudo().message_process(None, msg.as_string())
        return self.env["after_sales.request"].search([("id", "not in", before)])

    def test_email_to_invoice_through_the_field(self):
        request = self._receive_mail()
        self.assertEqual(len(request), 1, "the e-mail opened one request")
        self.assertRecordValues(request, [{"channel": "email", "partner_id": self.customer.id}])
        # the dispatcher agreed the time with the customer on the phone: today, two hours
        start = datetime.combine(fields.Date.today(), time(10, 0))
        request.write({"scheduled_date": start, "scheduled_duration": 2.0})

        self.start_tour(
            "/odoo/action-after_sales_service.after_sales_request_action",
            "after_sales_field_dispatch_tour",
            login=self.dispatcher.login,
        )
        visit = request.visit_ids
        self.assertRecordValues(
            visit,
            [
                {
                    "state": "planned",
                    "planned_start": start,
                    "planned_end": start + timedelta(hours=2),
                    "engineer_ids": self.engineer.ids,
                }
            ],
        )

        self.start_tour(
            "/odoo/action-after_sales_service.after_sales_visit_action_my_today",
            "after_sales_field_engineer_tour",
            login=self.engineer.login,
        )
        self.assertEqual(visit.state, "done")
        self.assertTrue(visit.check_in and visit.check_out)
        self.assertTrue(request.is_resolved)
        timesheet = request.timesheet_ids
        self.assertRecordValues(timesheet, [{"unit_amount": 0.25, "user_id": self.engineer.id}])
        self.assertEqual(request.act_signed_by, "Fedor Field")
        self.assertTrue(request.act_signed_attachment_id)
        lines = request.line_ids
        self.assertEqual(len(lines), 2, "the timed work and the call-out, one line each")
        self.assertEqual(lines.filtered("visit_id").visit_id, visit)
        self.assertEqual(lines.filtered(lambda line: line.visit_id != visit), timesheet.after_sales_line_id)

        self.start_tour(
            f"/odoo/after_sales.request/{request.id}",
            "after_sales_field_invoice_tour",
            login=self.dispatcher.login,
        )
        invoice = lines.invoice_line_ids.move_id
        self.assertEqual(len(invoice), 1)
        self.assertRecordValues(invoice, [{"move_type": "out_invoice", "partner_id": self.customer.id}])
        self.assertEqual(set(lines.mapped("invoice_status")), {"invoiced"})
        self.assertEqual(
            sorted(invoice.invoice_line_ids.mapped(lambda line: (line.product_id.name, line.quantity))),
            [("Field Tour Call-out", 1.0), ("Field Tour Labour", 0.25)],
        )
