import json
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import AfterSalesCommon, read_workbook, table

SHEETS = [
    "Registry",
    "By Cause",
    "By Product",
    "By Lifecycle Stage",
    "By Type",
    "By Team",
    "By Month",
]


def excel_serial(moment):
    return (moment - datetime(1899, 12, 30)).total_seconds() / 86400


class TestRequestXlsx(AfterSalesCommon):
    """The request registry of March 2020 (no demo history then) for a user in Moscow (UTC+3)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.as_user.tz = "Europe/Moscow"
        calendar = cls._create_office_calendar("Desk 8-17 UTC")
        cls.env.company.after_sales_sla_policy_id = cls.env["after_sales.sla.policy"].create(
            {
                "name": "Registry SLA",
                "calendar_id": calendar.id,
                "target_ids": [
                    Command.create({"priority": "1", "response_hours": 4, "resolution_hours": 16})
                ],
            }
        )
        cls.team = cls.env["after_sales.team"].create({"name": "Field Team North"})
        cls.defect = cls.env.ref("after_sales_service.cause_defect")
        cls.wear = cls.env.ref("after_sales_service.cause_wear")
        cls.product_b = cls._create_serial_product("Test Pump TP-2")
        cls.unit_a = cls._create_unit()
        cls.unit_b = cls._create_unit(product=cls.product_b)
        cls.resolved = cls._create_request_at(
            "2020-03-02 09:00:00",
            title="Generator stopped",
            equipment_id=cls.unit_a.id,
            cause_id=cls.defect.id,
            lifecycle_stage="operation",
            team_id=cls.team.id,
            damage_amount=1000.0,
        )
        with freeze_time("2020-03-02 13:00:00"):
            cls.resolved.stage_id = cls.env.ref("after_sales_service.stage_resolved")
            cls.env.flush_all()
        cls.resolved.rating_apply(5, token=cls.resolved._rating_get_access_token())
        cls.breached = cls._create_request_at(
            "2020-03-03 09:00:00",
            title="Pump leaks after installation",
            equipment_id=cls.unit_b.id,
            request_type="claim",
            cause_id=cls.defect.id,
            lifecycle_stage="installation",
            team_id=cls.team.id,
            damage_amount=500.0,
        )
        cls.cancelled = cls._create_request_at(
            "2020-03-04 09:00:00", title="Withdrawn", equipment_id=cls.unit_b.id, cause_id=cls.wear.id
        )
        with freeze_time("2020-03-05 09:00:00"):
            cls.cancelled.stage_id = cls.env.ref("after_sales_service.stage_cancelled")
            cls.env.flush_all()
        cls.fresh = cls._create_request_at(
            "2020-03-31 08:00:00", title="Worn belt", equipment_id=cls.unit_a.id, cause_id=cls.wear.id
        )
        # 01:30 on 1 April in Moscow, 28 February: outside March
        cls.april = cls._create_request_at(
            "2020-03-31 22:30:00", title="April", equipment_id=cls.unit_a.id, damage_amount=7.0
        )
        cls._create_request_at("2020-02-28 12:00:00", title="February", equipment_id=cls.unit_a.id)
        other_company = cls.env["res.company"].create({"name": "Other Service Co"})
        other_customer = cls.env["res.partner"].create(
            {"name": "Other customer", "company_id": other_company.id}
        )
        cls._create_request_at(
            "2020-03-10 09:00:00",
            title="Other company",
            partner_id=other_customer.id,
            company_id=other_company.id,
        )
        with freeze_time("2020-03-31 10:00:00"):
            cls.env["after_sales.request"]._cron_flag_sla_breaches()
            cls.env.flush_all()

    @classmethod
    def _create_request_at(cls, moment, **vals):
        with freeze_time(moment):
            request = cls.env["after_sales.request"].create(vals)
            cls.env.flush_all()  # stored SLA flags are computed at flush: at ``moment``
        return request

    def _export(self, user=None, **vals):
        wizard = (
            self.env["after_sales.request.xlsx.wizard"]
            .with_user(user or self.as_user)
            .create({"date_from": "2020-03-01", "date_to": "2020-03-31", **vals})
        )
        action = wizard.action_export()
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", wizard._name), ("res_id", "=", wizard.id)]
        )
        self.assertEqual(action["url"], f"/web/content/{attachment.id}?download=true")
        self.assertEqual(attachment.name, f"service_requests_{wizard.date_from}_{wizard.date_to}.xlsx")
        return read_workbook(attachment.raw)

    def test_registry_rows_of_the_period(self):
        self.assertTrue(self.breached.sla_resolution_breached)
        self.assertFalse(self.fresh.sla_response_breached)
        book = self._export()
        self.assertEqual(list(book), SHEETS)
        registry = table(book["Registry"])
        self.assertEqual(
            [row["Number"] for row in registry],
            [self.resolved.name, self.breached.name, self.cancelled.name, self.fresh.name],
        )
        first = registry[0]
        self.assertAlmostEqual(first["Received"], excel_serial(datetime(2020, 3, 2, 12, 0)))
        self.assertAlmostEqual(first["Resolved On"], excel_serial(datetime(2020, 3, 2, 16, 0)))
        self.assertEqual(first["Subject"], "Generator stopped")
        self.assertEqual(first["Customer"], self.customer.name)
        self.assertEqual(first["Product"], "Test Generator TG-1")
        self.assertEqual(first["Cause"], "Manufacturing Defect")
        self.assertEqual(first["Lifecycle Stage"], "Operation")
        self.assertEqual(first["Team"], "Field Team North")
        self.assertEqual(first["Stage"], "Resolved")
        self.assertEqual(first["Resolution Time (h)"], 4.0)
        self.assertEqual(first["Damage Amount"], 1000.0)
        self.assertEqual(first["Rating"], 5.0)
        self.assertNotIn("SLA Breached", first)
        self.assertEqual(registry[1]["Type"], "Claim")
        self.assertEqual(registry[1]["SLA Breached"], "Yes")
        self.assertNotIn("Resolution Time (h)", registry[1])
        self.assertEqual(registry[2]["Stage"], "Cancelled")
        self.assertEqual(registry[3]["Team"], "Undefined")

    def test_slices_count_damage_sla_time_and_rating(self):
        book = self._export()
        by_cause = table(book["By Cause"])
        self.assertEqual(
            by_cause,
            [
                {
                    "Cause": "Manufacturing Defect",
                    "Requests": 2.0,
                    "Damage Amount": 1500.0,
                    # resolved in time vs. breached; no outcome yet for the fresh one
                    "SLA Compliance (%)": 50.0,
                    "Avg Resolution Time (h)": 4.0,
                    "Avg Rating": 5.0,
                },
                {"Cause": "Normal Wear", "Requests": 2.0, "Damage Amount": 0.0},
                {
                    "Cause": "Total",
                    "Requests": 4.0,
                    "Damage Amount": 1500.0,
                    "SLA Compliance (%)": 50.0,
                    "Avg Resolution Time (h)": 4.0,
                    "Avg Rating": 5.0,
                },
            ],
        )
        # the cancelled request counts as a request, never as an SLA outcome
        by_product = {row["Product"]: row for row in table(book["By Product"])}
        self.assertEqual(by_product["Test Generator TG-1"]["Requests"], 2.0)
        self.assertEqual(by_product["Test Generator TG-1"]["SLA Compliance (%)"], 100.0)
        self.assertEqual(by_product["Test Pump TP-2"]["SLA Compliance (%)"], 0.0)
        self.assertEqual(by_product["Test Pump TP-2"]["Damage Amount"], 500.0)
        by_stage = {row["Lifecycle Stage"]: row["Requests"] for row in table(book["By Lifecycle Stage"])}
        self.assertEqual(
            by_stage,
            {"Operation": 1.0, "Installation / Commissioning": 1.0, "Undefined": 2.0, "Total": 4.0},
        )
        by_type = {row["Type"]: row["Requests"] for row in table(book["By Type"])}
        self.assertEqual(by_type, {"Repair": 3.0, "Claim": 1.0, "Total": 4.0})
        by_team = {row["Team"]: row["Damage Amount"] for row in table(book["By Team"])}
        self.assertEqual(by_team, {"Field Team North": 1500.0, "Undefined": 0.0, "Total": 1500.0})
        by_month = table(book["By Month"])
        self.assertEqual([row["Month"] for row in by_month], ["2020-03", "Total"])
        self.assertEqual(by_month[0]["Requests"], 4.0)

    def test_period_in_the_user_time_zone(self):
        book = self._export(date_from="2020-04-01", date_to="2020-04-30")
        numbers = [row["Number"] for row in table(book["Registry"])]
        self.assertIn(self.april.name, numbers, "01:30 on 1 April in Moscow")
        self.assertNotIn(self.fresh.name, numbers, "31 March in Moscow")
        self.assertEqual(table(book["By Month"])[0]["Month"], "2020-04")

    def test_empty_period_still_gives_a_workbook(self):
        book = self._export(date_from="2025-01-01", date_to="2025-01-31")
        self.assertEqual(list(book), SHEETS)
        self.assertEqual(table(book["By Cause"]), [{"Cause": "Total", "Requests": 0.0, "Damage Amount": 0.0}])

    def test_bad_input_is_refused(self):
        Wizard = self.env["after_sales.request.xlsx.wizard"].with_user(self.as_user)
        with self.assertRaises(ValidationError):
            Wizard.create({"date_from": "2020-03-31", "date_to": "2020-03-01"})
        other_company = self.env["res.company"].create({"name": "Not mine"})
        wizard = Wizard.create(
            {"date_from": "2020-03-01", "date_to": "2020-03-31", "company_id": other_company.id}
        )
        with self.assertRaises(UserError):
            wizard.action_export()
        self.assertFalse(self.env["ir.attachment"].search([("res_model", "=", Wizard._name)]))
        with self.assertRaises(AccessError):
            self.env["after_sales.request.xlsx.wizard"].with_user(self.internal_user).create(
                {"date_from": "2020-03-01", "date_to": "2020-03-31"}
            )

    def _wizard(self, user=None):
        return (
            self.env["after_sales.request.xlsx.wizard"]
            .with_user(user or self.as_user)
            .create({"date_from": "2020-03-01", "date_to": "2020-03-31"})
        )

    def test_under_the_setting_downloaded_at_once(self):
        self.env.company.after_sales_registry_background_rows = 4
        with trap_jobs() as trap:
            action = self._wizard().action_export()
            trap.assert_jobs_count(0)
        self.assertEqual(action["type"], "ir.actions.act_url", "4 rows, not more than 4: no job")

    def test_large_registry_built_by_a_job_for_its_user(self):
        direct = self._export()
        self.env.company.after_sales_registry_background_rows = 3
        wizard = self._wizard()
        Attachment = self.env["ir.attachment"]
        before = Attachment.search([])
        with trap_jobs() as trap:
            action = wizard.action_export()
            self.assertEqual(action["tag"], "display_notification")
            self.assertIn("4", action["params"]["message"])
            self.assertEqual(action["params"]["next"], {"type": "ir.actions.act_window_close"})
            trap.assert_jobs_count(1)
            (job,) = trap.enqueued_jobs
            self.assertEqual(job.channel, "root.after_sales.report")
            self.assertEqual(job.user_id, self.as_user.id, "the job runs as the user who asked")
            wizard.action_export()
            trap.assert_jobs_count(1)  # pressed twice before it ran: one job
            self.assertEqual(Attachment.search([]), before, "nothing is built by the button")
            trap.perform_enqueued_jobs()
        attachment = Attachment.search([]) - before
        self.assertEqual(job.result, attachment)
        self.assertRecordValues(
            attachment,
            [
                {
                    "name": "service_requests_2020-03-01_2020-03-31.xlsx",
                    "res_model": False,
                    "res_id": 0,
                    "create_uid": self.as_user.id,
                }
            ],
        )
        self.assertEqual(read_workbook(attachment.raw), direct, "the same file as downloaded at once")
        # delivered: a message in the user's inbox with the file, and a notification in the browser
        message = self.env["mail.message"].search([("attachment_ids", "in", attachment.ids)])
        self.assertRecordValues(
            message,
            [
                {
                    "partner_ids": self.as_user.partner_id.ids,
                    "author_id": self.env.ref("base.partner_root").id,
                    "message_type": "user_notification",
                }
            ],
        )
        self.assertIn(f"/web/content/{attachment.id}?download=true", message.body)
        self.assertTrue(
            self.env["mail.notification"].search(
                [("mail_message_id", "=", message.id), ("res_partner_id", "=", self.as_user.partner_id.id)]
            )
        )
        self.env.cr.precommit.run()
        user_channel = [self.env.cr.dbname, "res.partner", self.as_user.partner_id.id]
        notifications = [
            json.loads(notification.message)["payload"]
            for notification in self.env["bus.bus"].search([("message", "like", "simple_notification")])
            if json.loads(notification.channel) == user_channel
        ]
        self.assertEqual(len(notifications), 1)
        self.assertIn(attachment.name, notifications[0]["message"])
        # the user reads the file; another user of the same groups does not even find it
        self.assertTrue(attachment.with_user(self.as_user).raw)
        other = new_test_user(
            self.env, login="as_registry_other", groups="after_sales_service.group_after_sales_user"
        )
        with self.assertRaises(AccessError):
            attachment.with_user(other).read(["raw"])
        self.assertFalse(Attachment.with_user(other).search([("id", "=", attachment.id)]))

    def test_job_builds_the_registry_after_its_wizard_is_gone(self):
        direct = self._export()
        self.env.company.after_sales_registry_background_rows = 0
        wizard = self._wizard()
        with trap_jobs() as trap:
            wizard.action_export()
            wizard.sudo().unlink()  # transient wizards are vacuumed: the job keeps their values
            (job,) = trap.enqueued_jobs
            trap.perform_enqueued_jobs()
        self.assertEqual(read_workbook(job.result.raw), direct)

    def test_background_registries_deleted_after_the_days_to_keep(self):
        """The registries built by a job are deleted by the autovacuum once older than the
        company's days to keep; downloaded ones and other files stay, the inbox message too."""
        self.env.company.after_sales_registry_background_rows = 0
        with trap_jobs() as trap:
            self._wizard().action_export()
            (job,) = trap.enqueued_jobs
            trap.perform_enqueued_jobs()
        built = job.result
        self.env.company.after_sales_registry_background_rows = 5000
        downloaded = self._wizard().action_export()
        downloaded = self.env["ir.attachment"].browse(int(downloaded["url"].split("/")[3].split("?")[0]))
        other = self.env["ir.attachment"].with_user(self.as_user).create({"name": "notes.txt", "raw": b"x"})
        message = self.env["mail.message"].search([("attachment_ids", "in", built.ids)])
        self.assertTrue(message)
        Attachment = self.env["ir.attachment"]
        created = built.create_date
        with freeze_time(created + timedelta(days=6, hours=23)):
            Attachment._gc_after_sales_registries()
        self.assertTrue(built.exists(), "kept 7 days by default")
        self.env.company.after_sales_registry_keep_days = 3
        with freeze_time(created + timedelta(days=3, minutes=1)):
            Attachment._gc_after_sales_registries()
        self.assertFalse(built.exists())
        self.assertTrue(downloaded.exists(), "a registry downloaded at once is not the job's")
        self.assertTrue(other.exists())
        self.assertTrue(message.exists(), "the inbox message stays")

    def test_days_to_keep_setting(self):
        settings = Form(self.env["res.config.settings"])
        self.assertEqual(settings.after_sales_registry_keep_days, 7)
        settings.after_sales_registry_keep_days = 30
        settings.save().execute()
        self.assertEqual(self.env.company.after_sales_registry_keep_days, 30)
        with self.assertRaisesRegex(ValidationError, "at least one day"), self.env.cr.savepoint():
            self.env.company.after_sales_registry_keep_days = 0
        self.assertEqual(self.env.company.after_sales_registry_keep_days, 30)

    def test_background_setting(self):
        settings = Form(self.env["res.config.settings"])
        self.assertEqual(settings.after_sales_registry_background_rows, 5000)
        settings.after_sales_registry_background_rows = 20000
        settings.save().execute()
        self.assertEqual(self.env.company.after_sales_registry_background_rows, 20000)
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.env.company.after_sales_registry_background_rows = -1
        self.assertEqual(self.env.company.after_sales_registry_background_rows, 20000)

    def test_wizard_defaults(self):
        with freeze_time("2020-03-17 10:00:00"):
            form = Form(self.env["after_sales.request.xlsx.wizard"].with_user(self.as_user))
        self.assertEqual(str(form.date_from), "2020-03-01")
        self.assertEqual(str(form.date_to), "2020-03-17")
        self.assertEqual(form.save().company_id, self.env.company)

    def test_analysis_views_and_measures(self):
        Request = self.env["after_sales.request"].with_user(self.as_user)
        views = Request.get_views([(False, "pivot"), (False, "graph")])["views"]
        self.assertIn("sla_compliance", views["pivot"]["arch"])
        domain = [("id", "in", (self.resolved | self.breached | self.fresh).ids)]
        aggregates = [
            "__count",
            "damage_amount:sum",
            "resolution_time:avg",
            "sla_compliance:avg",
            "rating_last_value:avg",
        ]
        for groupby in (
            "cause_id",
            "product_id",
            "lifecycle_stage",
            "request_type",
            "team_id",
            "date_open:month",
        ):
            with self.subTest(groupby=groupby):
                groups = Request.formatted_read_group(domain, [groupby], aggregates)
                self.assertEqual(sum(group["__count"] for group in groups), 3)
                self.assertEqual(sum(group["damage_amount:sum"] for group in groups), 1500.0)
        (defect,) = Request.formatted_read_group(
            domain + [("cause_id", "=", self.defect.id)], ["cause_id"], aggregates
        )
        self.assertEqual(defect["resolution_time:avg"], 2.0)  # 4 h and the open request's 0
        self.assertEqual(defect["sla_compliance:avg"], 50.0)
        self.assertEqual(defect["rating_last_value:avg"], 2.5)
