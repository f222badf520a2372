from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.after_sales_billing.tests.common import AfterSalesBillingCommon

SUITE = ["after_sales_service", "after_sales_warranty", "after_sales_parts", "after_sales_billing"]
# Configuration every customer reads the same (no customer, no company on it).
SHARED_CONFIG = {"after_sales.cause", "after_sales.request.stage"}
# Internal texts of the test data: no customer read may carry them.
INTERNAL_TEXTS = [
    "slow to pay",
    "dropped the unit",
    "Rejected: misuse",
    "Rework of our own mistake",
    "Blame the operator",
    "Read by the night guard",
    "Seal broken by a third party",
    "Norm agreed with the plant",
]


@tagged("post_install", "-at_install")
class TestPortalFields(AfterSalesBillingCommon):
    """Per-field portal rule: a customer reads the listed fields of its records, nothing else.

    For every model the suite lets portal users read (their ``ir.model.access`` rows), with a
    record the customer legitimately sees, the customer reads ALL the fields it may and compares
    them with the model's whitelist (``_portal_fields``, see ``after_sales.portal.mixin``): a
    field readable but not listed fails the test by name, and every other field is refused.
    Users outside (no After-Sales group, another customer, another company) read nothing.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        contact = cls.env["res.partner"].create({"name": "Chief Mechanic", "parent_id": cls.customer.id})
        cls.portal = new_test_user(
            cls.env, login="fields_portal", groups="base.group_portal", partner_id=contact.id
        )
        cls.cause = cls.env["after_sales.cause"].create(
            {"name": "Operator Error", "code": "OPR", "description": "Blame the operator."}
        )
        cls.unit = cls._create_unit(
            lot=cls._create_lot(cls.product_unit, "SN-FIELDS-1"),
            site_partner_id=cls.customer_site.id,
            note="<p>Customer is slow to pay, push for a contract.</p>",
        )
        cls.unit._void_warranty("other", "Seal broken by a third party")
        cls.reading = cls.env["after_sales.meter.reading"].create(
            {"equipment_id": cls.unit.id, "hours": 120, "note": "Read by the night guard"}
        )
        cls.claim = cls.env["after_sales.request"].create(
            {
                "title": "Cracked housing",
                "equipment_id": cls.unit.id,
                "request_type": "claim",
                "priority": "0",
                "cause_id": cls.cause.id,
                "review_findings": "<p>Operator dropped the unit.</p>",
                "review_decision": "Rejected: misuse",
            }
        )
        cls.claim.message_subscribe(partner_ids=contact.ids)
        lines = cls.env["after_sales.request.line"].create(
            [
                {"request_id": cls.claim.id, "line_type": "work", "product_id": cls.work.id},
                {
                    "request_id": cls.claim.id,
                    "line_type": "other",
                    "name": "Rework of our own mistake",
                    "customer_visible": False,
                    "done": True,
                },
            ]
        )
        cls.estimate = cls.claim._create_estimate()
        cls.estimate._send_by_template()
        # the customer is also an authorized service partner: its own warranty claim, reviewed
        cls.product_unit.categ_id = cls.env["product.category"].create({"name": "Generators"})
        cls.customer.write(
            {
                "is_service_partner": True,
                "service_categ_ids": [Command.set(cls.product_unit.categ_id.ids)],
                "service_labour_rate": 40.0,
                "service_claim_user_ids": [Command.set(cls.portal.ids)],
            }
        )
        operation = cls.env["after_sales.labour.operation"].create(
            {
                "code": "FLD-1",
                "name": "Replace seal",
                "norm_hours": 1.0,
                "description": "Norm agreed with the plant",
            }
        )
        cls.dealer_claim = cls.env["after_sales.dealer.claim"].create(
            {
                "dealer_id": cls.customer.id,
                "equipment_id": cls.unit.id,
                "repair_date": fields.Date.today(),
                "meter_hours": 130,
                "cause_id": cls.cause.id,
                "line_ids": [
                    Command.create({"line_type": "labour", "operation_id": operation.id, "hours": 1.5})
                ],
            }
        )
        cls.dealer_claim.action_submit()
        cls.dealer_claim.review_note = "Photos of the seal, please"
        # one record of each portal-readable model that the customer legitimately sees
        cls.records = {
            "after_sales.equipment": cls.unit,
            "after_sales.meter.reading": cls.reading,
            "after_sales.request": cls.claim,
            "after_sales.request.line": lines[0],
            "after_sales.cause": cls.cause,
            "after_sales.request.stage": cls.claim.stage_id,
            "after_sales.estimate": cls.estimate,
            "after_sales.estimate.line": cls.estimate.line_ids,
            "after_sales.dealer.claim": cls.dealer_claim,
            "after_sales.dealer.claim.line": cls.dealer_claim.line_ids,
        }

        cls.sales_user = new_test_user(cls.env, login="fields_sales", groups="sales_team.group_sale_salesman")
        rival = cls.env["res.partner"].create({"name": "Rival Plant", "is_company": True})
        rival_contact = cls.env["res.partner"].create({"name": "Rita Rival", "parent_id": rival.id})
        cls.rival_portal = new_test_user(
            cls.env, login="fields_rival", groups="base.group_portal", partner_id=rival_contact.id
        )
        company_b = cls.env["res.company"].create({"name": "Second Service Co."})
        cls.manager_b = new_test_user(
            cls.env,
            login="fields_manager_b",
            groups="after_sales_service.group_after_sales_manager",
            company_id=company_b.id,
            company_ids=[company_b.id],
        )
        # the same customer's account on the other company's portal
        contact_b = cls.env["res.partner"].create({"name": "Branch Mechanic", "parent_id": cls.customer.id})
        cls.portal_b = new_test_user(
            cls.env,
            login="fields_portal_b",
            groups="base.group_portal",
            partner_id=contact_b.id,
            company_id=company_b.id,
            company_ids=[company_b.id],
        )

    def test_every_portal_readable_model_has_a_whitelist(self):
        acls = self.env["ir.model.access"].search(
            [("group_id", "=", self.env.ref("base.group_portal").id), ("perm_read", "=", True)]
        )
        suite_acls = self.env["ir.model.data"].search(
            [("model", "=", "ir.model.access"), ("module", "in", SUITE), ("res_id", "in", acls.ids)]
        )
        models = set(acls.browse(suite_acls.mapped("res_id")).mapped("model_id.model"))
        self.assertEqual(models, set(self.records), "the test covers every portal-readable model")
        Mixin = self.env.registry["after_sales.portal.mixin"]
        for model in models:
            with self.subTest(model=model):
                self.assertIsInstance(self.env[model], Mixin, f"{model} declares no portal whitelist")

    def test_portal_reads_exactly_the_whitelist(self):
        for model, record in self.records.items():
            with self.subTest(model=model):
                whitelist = self.env[model]._get_portal_fields()
                self.assertIn("display_name", whitelist)
                # nothing in cache: what the customer reads is fetched and computed with its rights
                self.env.invalidate_all()
                as_portal = record.with_user(self.portal)
                self.assertEqual(as_portal.search([("id", "=", record.id)], order="id"), as_portal)
                readable = set(as_portal.fields_get(attributes=["type"]))
                self.assertFalse(
                    readable - whitelist,
                    f"{model}: customers read fields not listed in _portal_fields (internal until listed)",
                )
                self.assertFalse(
                    whitelist - readable, f"{model}: listed fields customers cannot read (typo, groups=)"
                )
                values = as_portal.read()[0]  # every field the customer may read
                self.assertEqual(set(values), whitelist)
                for text in INTERNAL_TEXTS:
                    self.assertNotIn(text, str(values))
                for name in sorted(set(record._fields) - whitelist):
                    field = record._fields[name]
                    with self.assertRaises(AccessError, msg=f"{model}.{name} is internal"):
                        as_portal.read([name])
                    self.assertFalse(as_portal._has_field_access(field, "write"), f"{model}.{name}")

    def test_portal_cannot_search_or_order_by_internal_fields(self):
        Request = self.env["after_sales.request"].with_user(self.portal)
        self.assertEqual(Request.search([("title", "=", "Cracked housing")]), self.claim)
        with self.assertRaises(AccessError):
            Request.search([("review_decision", "ilike", "misuse")])
        with self.assertRaises(AccessError):
            Request.search([("user_id", "!=", False)])
        with self.assertRaises(AccessError):
            Request.search([], order="sla_response_deadline")
        Equipment = self.env["after_sales.equipment"].with_user(self.portal)
        self.assertEqual(Equipment.search([("state", "=", "in_service")]), self.unit)
        with self.assertRaises(AccessError):
            Equipment.search([("warranty_void_reason", "!=", False)])

    def test_internal_users_are_not_restricted_by_the_whitelist(self):
        values = self.claim.with_user(self.as_manager).read(["priority", "review_decision", "user_id"])[0]
        self.assertEqual(values["review_decision"], "Rejected: misuse")
        self.assertIn("note", self.unit.with_user(self.as_user).fields_get(attributes=["type"]))

    def test_user_without_suite_groups_reads_nothing(self):
        for model, record in self.records.items():
            with self.subTest(model=model):
                with self.assertRaises(AccessError):
                    self.env[model].with_user(self.sales_user).search([])
                with self.assertRaises(AccessError):
                    record.with_user(self.sales_user).read(["display_name"])

    def test_other_customer_reads_nothing(self):
        self._assert_reads_nothing(self.rival_portal)

    def test_other_company_reads_nothing(self):
        for user in (self.manager_b, self.portal_b):
            with self.subTest(user=user.login):
                self._assert_reads_nothing(user)

    def _assert_reads_nothing(self, user):
        """``user`` finds and reads none of the customer's records (shared configuration aside)."""
        for model, record in self.records.items():
            if model in SHARED_CONFIG:
                continue
            with self.subTest(model=model):
                self.assertFalse(self.env[model].with_user(user).search([("id", "=", record.id)]))
                with self.assertRaises(AccessError):
                    record.with_user(user).read(["display_name"])
