from datetime import date, datetime

from freezegun import freeze_time
from lxml import etree
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, users
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .common import AfterSalesCommon


class TestVisit(AfterSalesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.resource_calendar_id = cls._create_office_calendar("Visit office hours")
        cls.unit = cls._create_unit(
            lot=cls._create_lot(cls.product_unit, "SN-VISIT-1"), site_partner_id=cls.customer_site.id
        )
        cls.request = cls.env["after_sales.request"].create(
            {"title": "Commissioning", "equipment_id": cls.unit.id, "request_type": "commissioning"}
        )
        cls.engineer = new_test_user(
            cls.env, login="as_engineer", groups="after_sales_service.group_after_sales_user", tz="UTC"
        )
        cls.engineer_2 = new_test_user(
            cls.env, login="as_engineer_2", groups="after_sales_service.group_after_sales_user", tz="UTC"
        )

    def _create_visit(self, start, end, engineers=None, **vals):
        return self.env["after_sales.visit"].create(
            {
                "request_id": self.request.id,
                "planned_start": start,
                "planned_end": end,
                "engineer_ids": (engineers or self.engineer).ids,
                **vals,
            }
        )

    def _plan_form(self):
        action = self.request.with_user(self.env.user).action_plan_visit()
        return Form(self.env[action["res_model"]].with_context(**action["context"]))

    @users("as_user")
    def test_plan_visit_from_the_request(self):
        form = self._plan_form()
        self.assertEqual(form.request_id, self.request)
        self.assertEqual(form.partner_id, self.customer)
        self.assertEqual(form.site_partner_id, self.customer_site)
        form.engineer_ids.add(self.engineer)
        form.planned_start = datetime(2026, 3, 2, 9, 0)
        form.planned_end = datetime(2026, 3, 2, 11, 0)
        visit = form.save()
        self.assertRecordValues(
            visit,
            [{"state": "planned", "company_id": self.env.company.id, "warning": False}],
        )
        self.assertEqual(visit.name, f"{self.request.name}-V1")
        request = self.env["after_sales.request"].browse(self.request.id)
        self.assertEqual(request.visit_count, 1)
        self.assertEqual(request.action_view_visits()["domain"], [("request_id", "=", request.id)])
        second = self._create_visit(datetime(2026, 3, 3, 9, 0), datetime(2026, 3, 3, 10, 0))
        self.assertEqual(second.name, f"{self.request.name}-V2")

    @users("as_user")
    def test_dispatch_board_row_gives_the_engineer(self):
        """The dispatch board creates a visit on an engineer's row with that user's id as default."""
        board_context = {
            "default_engineer_ids": self.engineer_2.id,
            "default_planned_start": "2026-03-10 09:00:00",
            "default_planned_end": "2026-03-10 11:00:00",
        }
        form = Form(self.env["after_sales.visit"].with_context(**board_context))
        self.assertEqual(form.engineer_ids[:], self.engineer_2)
        form.request_id = self.request
        visit = form.save()
        self.assertRecordValues(
            visit,
            [
                {
                    "engineer_ids": self.engineer_2.ids,
                    "planned_start": datetime(2026, 3, 10, 9),
                    "planned_end": datetime(2026, 3, 10, 11),
                }
            ],
        )
        # a double-click gives the time only: two hours from there
        form = Form(
            self.env["after_sales.visit"].with_context(
                default_engineer_ids=self.engineer.id, default_planned_start="2026-03-10 14:00:00"
            )
        )
        self.assertEqual(form.planned_end, datetime(2026, 3, 10, 16))
        # what other views give (a list of ids) still works
        form = Form(self.env["after_sales.visit"].with_context(default_engineer_ids=self.engineer.ids))
        self.assertEqual(form.engineer_ids[:], self.engineer)

    def test_site_defaults_to_the_customer_without_unit_site(self):
        request = self.env["after_sales.request"].create(
            {"title": "Training", "partner_id": self.customer.id, "request_type": "training"}
        )
        visit = self.env["after_sales.visit"].create(
            {
                "request_id": request.id,
                "planned_start": datetime(2026, 3, 2, 9, 0),
                "planned_end": datetime(2026, 3, 2, 10, 0),
            }
        )
        self.assertEqual(visit.site_partner_id, self.customer)

    @users("as_user")
    def test_end_before_start_is_refused(self):
        form = self._plan_form()
        form.engineer_ids.add(self.engineer)
        form.planned_start = datetime(2026, 3, 2, 11, 0)
        form.planned_end = datetime(2026, 3, 2, 9, 0)
        with self.assertRaises(ValidationError) as refused:
            form.save()
        self.assertIn("must end after it starts", str(refused.exception))
        self.assertFalse(self.env["after_sales.visit"].search([("request_id", "=", self.request.id)]))

    @users("as_engineer")
    def test_state_flow_records_check_in_and_out(self):
        visit = self._create_visit(datetime(2026, 3, 2, 9, 0), datetime(2026, 3, 2, 11, 0))
        visit.action_start_travel()
        self.assertEqual(visit.state, "en_route")
        with freeze_time("2026-03-02 09:05:00"):
            visit.action_check_in()
        with self.assertRaises(UserError):
            visit.action_start_travel()
        with freeze_time("2026-03-02 10:40:00"):
            visit.action_check_out()
        self.assertRecordValues(
            visit,
            [
                {
                    "state": "done",
                    "check_in": datetime(2026, 3, 2, 9, 5),
                    "check_out": datetime(2026, 3, 2, 10, 40),
                }
            ],
        )
        with self.assertRaises(UserError):
            visit.action_cancel()
        other = self._create_visit(datetime(2026, 3, 3, 9, 0), datetime(2026, 3, 3, 11, 0))
        other.action_cancel()
        self.assertEqual(other.state, "cancelled")
        with self.assertRaises(UserError):
            other.action_check_in()

    @users("as_user")
    def test_double_booking_warning(self):
        first = self._create_visit(datetime(2026, 3, 2, 9, 0), datetime(2026, 3, 2, 11, 0))
        second = self._create_visit(
            datetime(2026, 3, 2, 10, 0),
            datetime(2026, 3, 2, 12, 0),
            engineers=self.engineer | self.engineer_2,
        )
        self.assertIn(self.engineer.name, first.warning)
        self.assertIn(second.display_name, first.warning)
        self.assertIn(first.display_name, second.warning)
        self.assertNotIn(self.engineer_2.name, second.warning)
        # another engineer at the same time, or the next slot: no warning
        third = self._create_visit(datetime(2026, 3, 2, 9, 0), datetime(2026, 3, 2, 10, 0), self.engineer_2)
        after = self._create_visit(datetime(2026, 3, 2, 13, 0), datetime(2026, 3, 2, 14, 0))
        self.assertFalse(after.warning)
        self.assertNotIn(third.display_name, first.warning)
        # a cancelled visit books nobody
        second.with_user(self.engineer).action_cancel()
        self.env.invalidate_all()
        self.assertFalse(first.warning)
        self.assertFalse(second.warning)
        self.assertFalse(third.warning)

    @users("as_user")
    def test_outside_working_hours_warning(self):
        inside = self._create_visit(datetime(2026, 3, 2, 9, 0), datetime(2026, 3, 2, 11, 0))
        self.assertFalse(inside.warning)
        saturday = self._create_visit(datetime(2026, 3, 7, 9, 0), datetime(2026, 3, 7, 11, 0))
        self.assertIn("outside the working hours", saturday.warning)
        self.assertIn(self.engineer.name, saturday.warning)
        evening = self._create_visit(datetime(2026, 3, 3, 16, 0), datetime(2026, 3, 3, 18, 0))
        self.assertIn("outside the working hours", evening.warning)

    def test_my_visits_today(self):
        self.engineer.tz = "Europe/Moscow"  # UTC+3
        today = self._create_visit(datetime(2026, 3, 1, 22, 0), datetime(2026, 3, 1, 23, 0))
        today_late = self._create_visit(datetime(2026, 3, 2, 18, 0), datetime(2026, 3, 2, 19, 0))
        self._create_visit(datetime(2026, 3, 2, 22, 0), datetime(2026, 3, 2, 23, 0))  # tomorrow there
        self._create_visit(datetime(2026, 3, 1, 20, 0), datetime(2026, 3, 1, 20, 30))  # yesterday there
        self._create_visit(datetime(2026, 3, 2, 9, 0), datetime(2026, 3, 2, 10, 0), self.engineer_2)
        action = self.env.ref("after_sales_service.after_sales_visit_action_my_today")
        visits = self.env["after_sales.visit"].with_user(self.engineer)
        domain = safe_eval(action.domain, {"uid": self.engineer.id})
        with freeze_time("2026-03-02 10:00:00"):
            self.assertEqual(visits.search(domain), today | today_late)
            self.assertTrue(visits.browse(today.id).planned_today)

    def test_my_visits_today_read_from_the_first_to_the_last(self):
        """The engineer's day in its kanban and list: the earliest visit first."""
        late = self._create_visit(datetime(2026, 3, 2, 15, 0), datetime(2026, 3, 2, 16, 0))
        early = self._create_visit(datetime(2026, 3, 2, 8, 0), datetime(2026, 3, 2, 9, 0))
        noon = self._create_visit(datetime(2026, 3, 2, 12, 0), datetime(2026, 3, 2, 13, 0))
        action = self.env.ref("after_sales_service.after_sales_visit_action_my_today")
        visits = self.env["after_sales.visit"].with_user(self.engineer)
        domain = safe_eval(action.domain, {"uid": self.engineer.id})
        views = {view.view_mode: view.view_id.id for view in action.view_ids}
        for view_type in ("kanban", "list"):
            arch = visits.get_views([(views.get(view_type, False), view_type)])["views"][view_type]["arch"]
            order = etree.fromstring(arch).get("default_order") or visits._order
            with freeze_time("2026-03-02 07:00:00"):
                self.assertEqual(visits.search(domain, order=order).ids, (early | noon | late).ids, view_type)

    def test_other_company_cannot_read_the_visit(self):
        visit = self._create_visit(datetime(2026, 3, 2, 9, 0), datetime(2026, 3, 2, 11, 0))
        other_company = self.env["res.company"].create({"name": "Visit Other Co."})
        outsider = new_test_user(
            self.env,
            login="as_visit_outsider",
            groups="after_sales_service.group_after_sales_user",
            company_id=other_company.id,
            company_ids=[other_company.id],
        )
        visits = self.env["after_sales.visit"].with_user(outsider)
        self.assertFalse(visits.search([("id", "=", visit.id)]))
        with self.assertRaises(AccessError):
            visits.browse(visit.id).read(["name"])
        with self.assertRaises(AccessError):
            self.env["after_sales.visit"].with_user(self.internal_user).browse(visit.id).read(["name"])

    @users("as_user")
    def test_only_managers_delete(self):
        visit = self._create_visit(datetime(2026, 3, 2, 9, 0), datetime(2026, 3, 2, 11, 0))
        with self.assertRaises(AccessError):
            visit.unlink()
        visit.with_user(self.as_manager).unlink()
        self.assertFalse(visit.exists())

    def test_users_created_beside_visits(self):
        """Creating users (internal, portal) while visits with engineers exist works.

        A stored field computed from the engineers depends on the users' ``active`` field: creating a
        user then searched the visits in the middle of ``res.users.create`` and flushed a half-made
        user (Odoo's own sale and stock tests failed on it). The lead engineer is not stored.
        """
        visit = self._create_visit(datetime(2026, 3, 2, 9, 0), datetime(2026, 3, 2, 11, 0))
        self.assertEqual(visit.user_id, self.engineer)
        self.assertFalse(self.env["after_sales.visit"]._fields["user_id"].store)
        portal = new_test_user(self.env, login="as_visit_portal", groups="base.group_portal")
        internal = new_test_user(
            self.env, login="as_visit_internal", groups="base.group_user", notification_type="inbox"
        )
        self.assertRecordValues(
            portal | internal,
            [{"share": True, "notification_type": "email"}, {"share": False, "notification_type": "inbox"}],
        )

    def _visit_product(self, name, uom_xmlid):
        product = self.env["product.product"].create(
            {"name": name, "type": "service", "uom_id": self.env.ref(uom_xmlid).id}
        )
        self.env.company.after_sales_visit_product_id = product
        return product

    def _check_in_and_out(self, visit, check_in, check_out):
        with freeze_time(check_in):
            visit.action_check_in()
        with freeze_time(check_out):
            visit.action_check_out()

    def test_done_visit_becomes_one_call_out_line(self):
        product = self._visit_product("Call-out", "uom.product_uom_unit")
        visit = self._create_visit(datetime(2026, 3, 2, 9, 0), datetime(2026, 3, 2, 11, 0))
        visit = visit.with_user(self.engineer)
        self._check_in_and_out(visit, "2026-03-02 09:05:00", "2026-03-02 10:40:00")
        line = self.request.line_ids.filtered(lambda line: line.visit_id == visit)
        self.assertRecordValues(
            line,
            [
                {
                    "line_type": "work",
                    "product_id": product.id,
                    "quantity": 1.0,
                    "done": True,
                    "user_id": self.engineer.id,
                    "date": date(2026, 3, 2),
                }
            ],
        )
        self.assertEqual(visit.line_ids, line)
        # once only: a second line for the same visit is refused by the database
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            line.copy({"visit_id": visit.id})

    def test_hourly_visit_product_counts_the_hours_on_site(self):
        self._visit_product("Engineer on site", "uom.product_uom_hour")
        visit = self._create_visit(datetime(2026, 3, 2, 9, 0), datetime(2026, 3, 2, 11, 0))
        self._check_in_and_out(visit, "2026-03-02 09:05:00", "2026-03-02 10:35:00")
        self.assertEqual(visit.line_ids.quantity, 1.5)

    def test_no_visit_product_no_line(self):
        self.env.company.after_sales_visit_product_id = False
        visit = self._create_visit(datetime(2026, 3, 2, 9, 0), datetime(2026, 3, 2, 11, 0))
        self._check_in_and_out(visit, "2026-03-02 09:05:00", "2026-03-02 10:35:00")
        self.assertEqual(visit.state, "done")
        self.assertFalse(visit.line_ids)

    @users("as_user")
    def test_first_visit_takes_the_scheduled_time(self):
        request = self.env["after_sales.request"].browse(self.request.id)
        request.write({"scheduled_date": datetime(2026, 3, 4, 8, 0), "scheduled_duration": 3.0})
        form = self._plan_form()
        self.assertEqual(form.planned_start, datetime(2026, 3, 4, 8, 0))
        self.assertEqual(form.planned_end, datetime(2026, 3, 4, 11, 0))
        form.engineer_ids.add(self.engineer)
        form.save()
        # a second visit is planned from scratch
        self.assertFalse(self._plan_form().planned_start)

    def test_only_the_visit_engineers_take_its_steps(self):
        """Engineer 2 is not on the visit: no travel, check-in, check-out nor cancel in its name."""
        self._visit_product("Call-out", "uom.product_uom_unit")
        visit = self._create_visit(datetime(2026, 3, 2, 9, 0), datetime(2026, 3, 2, 11, 0))
        intruder = visit.with_user(self.engineer_2)
        for step in ("action_start_travel", "action_check_in", "action_cancel"):
            with self.subTest(step=step), self.assertRaisesRegex(UserError, "not an engineer of visit"):
                getattr(intruder, step)()
        self.assertRecordValues(visit, [{"state": "planned", "check_in": False}])
        with freeze_time("2026-03-02 09:05:00"):
            visit.with_user(self.engineer).action_check_in()
        with (
            freeze_time("2026-03-02 10:00:00"),
            self.assertRaisesRegex(UserError, "not an engineer of visit"),
        ):
            intruder.action_check_out()
        self.assertRecordValues(visit, [{"state": "on_site", "check_out": False}])
        self.assertFalse(visit.line_ids)
        # the visit's engineer, or a manager, checks out
        with freeze_time("2026-03-02 10:40:00"):
            visit.with_user(self.as_manager).action_check_out()
        self.assertEqual(visit.state, "done")
        self.assertEqual(len(visit.line_ids), 1)

    def test_status_and_times_are_not_written_directly(self):
        """Over RPC, even the visit's own engineer cannot write a check-in 400 days back, or done."""
        self._visit_product("Engineer on site", "uom.product_uom_hour")
        visit = self._create_visit(datetime(2026, 3, 2, 9, 0), datetime(2026, 3, 2, 11, 0))
        mine = visit.with_user(self.engineer)
        for user in (self.engineer, self.as_manager):
            for vals in (
                {"state": "done"},
                {"state": "on_site", "check_in": "2025-01-26 09:00:00"},
                {"check_in": "2025-01-26 09:00:00"},
                {"check_out": "2026-03-02 11:00:00"},
            ):
                with (
                    self.subTest(user=user.login, vals=vals),
                    self.assertRaisesRegex(UserError, "through its steps"),
                ):
                    visit.with_user(user).write(vals)
        Visit = self.env["after_sales.visit"].with_user(self.engineer)
        with self.assertRaisesRegex(UserError, "A new visit is planned"):
            Visit.create(
                {
                    "request_id": self.request.id,
                    "planned_start": datetime(2026, 3, 3, 9, 0),
                    "planned_end": datetime(2026, 3, 3, 11, 0),
                    "engineer_ids": self.engineer.ids,
                    "state": "done",
                    "check_in": "2025-01-26 09:00:00",
                    "check_out": "2026-03-03 11:00:00",
                }
            )
        with freeze_time("2026-03-02 09:05:00"):
            mine.action_check_in()
        with self.assertRaisesRegex(UserError, "through its steps"):
            mine.write({"check_in": "2025-01-26 09:00:00"})
        with freeze_time("2026-03-02 10:35:00"):
            mine.action_check_out()
        with self.assertRaisesRegex(UserError, "through its steps"):
            mine.write({"state": "planned"})
        self.assertRecordValues(
            visit,
            [
                {
                    "state": "done",
                    "check_in": datetime(2026, 3, 2, 9, 5),
                    "check_out": datetime(2026, 3, 2, 10, 35),
                }
            ],
        )
        self.assertEqual(visit.line_ids.quantity, 1.5)
        visits = self.env["after_sales.visit"].search([("request_id", "=", self.request.id)])
        self.assertEqual(visits, visit, "the refused create wrote nothing")

    def test_dispatcher_moves_the_planned_dates(self):
        """The dispatch board and calendar drag a visit: they write the planned dates only."""
        visit = self._create_visit(datetime(2026, 3, 2, 9, 0), datetime(2026, 3, 2, 11, 0))
        visit.with_user(self.as_user).write(
            {"planned_start": datetime(2026, 3, 3, 13, 0), "planned_end": datetime(2026, 3, 3, 15, 0)}
        )
        visit.with_user(self.engineer).write({"engineer_ids": [(4, self.engineer_2.id)]})
        # the form sends its unchanged read-only values too: nothing refused
        visit.with_user(self.as_user).write({"state": "planned", "check_in": False, "notes": "<p>Gate 3</p>"})
        self.assertRecordValues(
            visit,
            [
                {
                    "planned_start": datetime(2026, 3, 3, 13, 0),
                    "planned_end": datetime(2026, 3, 3, 15, 0),
                    "state": "planned",
                }
            ],
        )

    def test_long_visit_bills_once_a_manager_confirms(self):
        """20 h from check-in to check-out (a forgotten check-out): no line until a manager confirms."""
        self._visit_product("Engineer on site", "uom.product_uom_hour")
        self.assertEqual(self.env.company.after_sales_visit_max_hours, 16.0)
        visit = self._create_visit(datetime(2026, 3, 2, 9, 0), datetime(2026, 3, 2, 11, 0))
        mine = visit.with_user(self.engineer)
        self._check_in_and_out(mine, "2026-03-02 09:00:00", "2026-03-03 05:00:00")
        self.assertRecordValues(visit, [{"state": "to_confirm", "duration_hours": 20.0}])
        self.assertFalse(visit.line_ids)
        self.assertFalse(self.request.line_ids.filtered(lambda line: line.visit_id == visit))
        self.assertIn("longest plausible visit", visit.message_ids[0].body)
        # the engineer neither confirms nor shortens it
        with self.assertRaises(AccessError):
            mine.action_confirm_duration()
        with self.assertRaisesRegex(UserError, "through its steps"):
            mine.write({"check_out": "2026-03-02 17:00:00"})
        with self.assertRaisesRegex(UserError, "through its steps"):
            visit.with_user(self.as_manager).write({"state": "done"})
        self.assertFalse(visit.line_ids)
        # the manager corrects the forgotten check-out on the form, then confirms: it bills
        manager_form = Form(visit.with_user(self.as_manager))
        manager_form.check_out = datetime(2026, 3, 2, 17, 30)
        manager_form.save()
        visit.with_user(self.as_manager).action_confirm_duration()
        self.assertEqual(visit.state, "done")
        self.assertRecordValues(visit.line_ids, [{"quantity": 8.5, "done": True}])

    def test_long_visit_confirmed_as_it_is(self):
        self._visit_product("Engineer on site", "uom.product_uom_hour")
        self.env.company.after_sales_visit_max_hours = 24.0
        visit = self._create_visit(datetime(2026, 3, 2, 9, 0), datetime(2026, 3, 2, 11, 0))
        self._check_in_and_out(visit.with_user(self.engineer), "2026-03-02 06:00:00", "2026-03-03 02:00:00")
        self.assertEqual(visit.state, "done", "20 h is plausible where the company allows 24 h")
        self.assertEqual(visit.line_ids.quantity, 20.0)
        self.env.company.after_sales_visit_max_hours = 16.0
        other = self._create_visit(datetime(2026, 3, 4, 9, 0), datetime(2026, 3, 4, 11, 0))
        self._check_in_and_out(other.with_user(self.engineer), "2026-03-04 06:00:00", "2026-03-05 02:00:00")
        self.assertEqual(other.state, "to_confirm")
        other.with_user(self.as_manager).action_confirm_duration()
        self.assertRecordValues(other.line_ids, [{"quantity": 20.0, "done": True}])
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self.env.company.after_sales_visit_max_hours = 0.0
            self.env.flush_all()

    def test_engineer_cannot_put_themselves_on_anothers_visit(self):
        """A second engineer adding themselves to a visit planned for a colleague (to check in and
        bill its call-out) is refused, through the form as over RPC; the dispatcher assigns them."""
        visit = self._create_visit(datetime(2026, 3, 2, 9, 0), datetime(2026, 3, 2, 11, 0))
        with self.assertRaises(UserError), Form(visit.with_user(self.engineer_2)) as form:
            form.engineer_ids.add(self.engineer_2)
        with self.assertRaises(UserError):
            visit.with_user(self.engineer_2).write({"engineer_ids": [Command.link(self.engineer_2.id)]})
        with self.assertRaises(UserError):
            visit.with_user(self.engineer_2).engineer_ids = self.engineer_2
        self.assertEqual(visit.engineer_ids, self.engineer, "nothing written")
        # a dispatcher assigns them
        dispatcher = new_test_user(
            self.env, login="as_dispatcher", groups="after_sales_service.group_after_sales_user"
        )
        visit.with_user(dispatcher).write({"engineer_ids": [Command.link(self.engineer_2.id)]})
        self.assertEqual(visit.engineer_ids, self.engineer | self.engineer_2)
        # one's own new visit is one's own
        own = (
            self.env["after_sales.visit"]
            .with_user(self.engineer_2)
            .create(
                {
                    "request_id": self.request.id,
                    "planned_start": datetime(2026, 3, 3, 9, 0),
                    "planned_end": datetime(2026, 3, 3, 10, 0),
                    "engineer_ids": [Command.set(self.engineer_2.ids)],
                }
            )
        )
        self.assertEqual(own.engineer_ids, self.engineer_2)
