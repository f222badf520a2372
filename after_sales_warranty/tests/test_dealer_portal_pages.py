import json

from dateutil.relativedelta import relativedelta

from odoo import fields, http
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from odoo.addons.after_sales_service.tests.common import ReadOnlyCursorMixin

from .common import DealerClaimCommon

CLAIMS = "/my/warranty-claims"


@tagged("post_install", "-at_install")
class TestDealerPortalPages(ReadOnlyCursorMixin, DealerClaimCommon, HttpCase):
    """The dealer's pages on /my/warranty-claims, through HTTP as each kind of portal user.

    The Volga dealer's claim user lists, enters, corrects and submits its claims; a contact of the
    dealer who is not a claim user reads them only; the Kama dealer's user and a plain customer
    find none of them. Dates are relative to today (no frozen time in a server test).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = fields.Date.today()
        cls.repair_date = today - relativedelta(days=5)
        cls.own_unit = cls._create_unit(
            lot=cls._create_lot(cls.product_unit, "PRT-VOLGA-1"),
            delivery_date=today - relativedelta(months=3),
            dealer_id=cls.dealer.id,
        )
        cls.rival_own_unit = cls._create_unit(
            lot=cls._create_lot(cls.product_unit, "PRT-KAMA-1"),
            delivery_date=today - relativedelta(months=3),
            dealer_id=cls.rival.id,
        )
        cls.claim = cls._create_claim(
            cls.own_unit,
            repair_date=cls.repair_date,
            lines=[cls._labour(hours=3.0), cls._part_line()],
            symptom="Volga no charge",
        )
        cls.rival_claim = cls._create_claim(
            cls.rival_own_unit,
            repair_date=cls.repair_date,
            dealer=cls.rival,
            lines=[cls._labour()],
            symptom="Kama secret symptom",
        )
        reader_contact = cls.env["res.partner"].create(
            {"name": "Volga Bookkeeper", "parent_id": cls.dealer.id}
        )
        cls.dealer_reader = new_test_user(
            cls.env, login="volga_reader_pages", groups="base.group_portal", partner_id=reader_contact.id
        )
        customer_contact = cls.env["res.partner"].create(
            {"name": "Plant Mechanic", "parent_id": cls.customer.id}
        )
        cls.customer_portal = new_test_user(
            cls.env, login="plant_mechanic_pages", groups="base.group_portal", partner_id=customer_contact.id
        )
        cls.cause = cls.env.ref("after_sales_service.cause_defect")

    def _login(self, user):
        self.authenticate(user.login, user.login)

    def _csrf(self):
        return http.Request.csrf_token(self)

    def _form(self, action="save", labour=(), parts=(), **values):
        """The posted claim form: ``labour`` [(operation, hours)], ``parts`` [(product, qty, serial)]."""
        data = {
            "csrf_token": self._csrf(),
            "action": action,
            "equipment_id": self.own_unit.id,
            "repair_date": fields.Date.to_string(self.repair_date),
            "meter_hours": "120",
            "cause_id": self.cause.id,
            "symptom": "Alternator whines",
            "description": "Bearing noise\nreplaced the alternator",
            "labour_operation_id": [getattr(op, "id", op) or "" for op, __ in labour],
            "labour_hours": [hours for __, hours in labour],
            "part_product_id": [getattr(product, "id", product) or "" for product, __, __ in parts],
            "part_quantity": [quantity for __, quantity, __ in parts],
            "part_failed_serial": [serial for __, __, serial in parts],
        }
        data.update(values)
        return data

    def _claims(self):
        return self.env["after_sales.dealer.claim"].search([("dealer_id", "=", self.dealer.id)])

    # ------------------------------------------------------------------ list

    def test_list_filters_sorts_and_pages_the_dealers_claims(self):
        submitted = self._create_claim(self.own_unit, repair_date=self.repair_date, lines=[self._labour()])
        submitted.action_submit()
        self._login(self.dealer_portal)
        page = self.url_open(CLAIMS)
        self.assertEqual(page.status_code, 200)
        self.assertIn(f'href="{CLAIMS}/{self.claim.id}"', page.text)
        self.assertIn(f'href="{CLAIMS}/{submitted.id}"', page.text)
        self.assertNotIn(self.rival_claim.name, page.text)
        self.assertIn('href="/my/warranty-claims/new"', page.text)
        drafts = self.url_open(f"{CLAIMS}?filterby=draft").text
        self.assertIn(f'href="{CLAIMS}/{self.claim.id}"', drafts)
        self.assertNotIn(f'href="{CLAIMS}/{submitted.id}"', drafts)
        in_review = self.url_open(f"{CLAIMS}?filterby=submitted&sortby=submit_date").text
        self.assertIn(f'href="{CLAIMS}/{submitted.id}"', in_review)
        self.assertNotIn(f'href="{CLAIMS}/{self.claim.id}"', in_review)
        for sortby in ("repair_date", "submit_date", "name", "state", "amount", "unknown"):
            with self.subTest(sortby=sortby):
                self.assertEqual(
                    self.url_open(f"{CLAIMS}?sortby={sortby}&filterby=nonsense").status_code, 200
                )
        # 20 a page, newest repair first
        older = self.env["after_sales.dealer.claim"].create(
            [
                {"dealer_id": self.dealer.id, "repair_date": self.repair_date - relativedelta(days=10 + i)}
                for i in range(20)
            ]
        )
        first = self.url_open(CLAIMS).text
        second = self.url_open(f"{CLAIMS}/page/2").text
        self.assertNotIn(f'href="{CLAIMS}/{older[-1].id}"', first)
        self.assertIn(f'href="{CLAIMS}/{older[-1].id}"', second)
        self.assertIn(f"{CLAIMS}/page/2", first, "the pager links the next page")

    def test_home_counts_the_claims_of_dealers_only(self):
        self._login(self.dealer_portal)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["dealer_claim_count", "dealer_claim_return_count"]}
        )
        self.assertEqual(counters, {"dealer_claim_count": 1, "dealer_claim_return_count": 0})
        self.assertIn('href="/my/warranty-claims"', self.url_open("/my").text)
        for user in (self.customer_portal, self.rival_portal):
            with self.subTest(user=user.login):
                self._login(user)
                counters = self.make_jsonrpc_request(
                    "/my/counters", {"counters": ["dealer_claim_count", "dealer_claim_return_count"]}
                )
                self.assertEqual(counters["dealer_claim_count"], 0 if user == self.customer_portal else 1)
        self._login(self.customer_portal)
        self.assertNotIn("/my/warranty-claims", self.url_open("/my").text)

    # ---------------------------------------------------------------- access

    def test_other_dealers_and_customers_get_404(self):
        rival_urls = [
            f"{CLAIMS}/{self.rival_claim.id}",
            f"{CLAIMS}/{self.rival_claim.id}/edit",
            f"{CLAIMS}/999999",
        ]
        self._login(self.dealer_portal)
        for url in rival_urls:
            with self.subTest(url=url):
                self.assertEqual(self.url_open(url, allow_redirects=False).status_code, 404)
        response = self.url_open(
            f"{CLAIMS}/{self.rival_claim.id}/submit", data={"csrf_token": self._csrf()}, allow_redirects=False
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.rival_claim.state, "draft")
        self.assertNotIn("Kama secret symptom", self.url_open(CLAIMS).text)
        # a plain customer: no such pages at all
        self._login(self.customer_portal)
        for url in (CLAIMS, f"{CLAIMS}/new", f"{CLAIMS}/{self.claim.id}", f"{CLAIMS}/{self.claim.id}/edit"):
            with self.subTest(url=url):
                self.assertEqual(self.url_open(url, allow_redirects=False).status_code, 404)
        response = self.url_open(f"{CLAIMS}/new", data=self._form(labour=[(self.op_alternator, "2")]))
        self.assertEqual(response.status_code, 404)
        self.assertEqual(len(self._claims()), 1, "nothing written")

    def test_a_dealer_contact_who_is_no_claim_user_reads_only(self):
        self._login(self.dealer_reader)
        listing = self.url_open(CLAIMS)
        self.assertEqual(listing.status_code, 200)
        self.assertIn(f'href="{CLAIMS}/{self.claim.id}"', listing.text)
        self.assertNotIn('href="/my/warranty-claims/new"', listing.text)
        detail = self.url_open(f"{CLAIMS}/{self.claim.id}")
        self.assertEqual(detail.status_code, 200)
        self.assertNotIn(f"{CLAIMS}/{self.claim.id}/submit", detail.text)
        self.assertEqual(self.url_open(f"{CLAIMS}/new").status_code, 403)
        self.assertEqual(self.url_open(f"{CLAIMS}/{self.claim.id}/edit").status_code, 403)
        response = self.url_open(f"{CLAIMS}/{self.claim.id}/submit", data={"csrf_token": self._csrf()})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.claim.state, "draft")

    def test_the_access_token_opens_the_claim_without_login(self):
        self.claim._portal_ensure_token()
        url = self.claim.get_portal_url()
        self.assertTrue(url.startswith(f"{CLAIMS}/{self.claim.id}?"))
        self.assertEqual(self.url_open(url).status_code, 200)
        self.assertEqual(
            self.url_open(f"{CLAIMS}/{self.claim.id}?access_token=wrong", allow_redirects=False).status_code,
            404,
        )

    def test_pages_that_only_read_are_served_read_only(self):
        """The dealer's list, a claim (logged in or by its token) and the claim form: served on the
        read-only cursor (a replica's where there is one), nothing written; saving is read/write."""
        self.claim._portal_ensure_token()
        self._login(self.dealer_portal)
        for url in (
            CLAIMS,
            f"{CLAIMS}/page/1?filterby=draft&sortby=amount",
            f"{CLAIMS}/{self.claim.id}",
            f"{CLAIMS}/new",
            f"{CLAIMS}/{self.claim.id}/edit",
        ):
            with self.subTest(url=url):
                self.assertServedReadOnly(url)
        with self.served_cursors() as served:
            response = self.url_open(f"{CLAIMS}/new", data=self._form(labour=[(self.op_alternator, "2")]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(served, [False, True], "saved read/write, then the new claim's page read-only")
        self.assertEqual(len(self._claims()), 2)
        self.logout()
        self.assertServedReadOnly(f"{CLAIMS}/{self.claim.id}?access_token={self.claim.access_token}")

    # ----------------------------------------------------------------- entry

    def test_new_claim_saved_as_draft_with_its_lines_and_photos(self):
        self._login(self.dealer_portal)
        page = self.url_open(f"{CLAIMS}/new")
        self.assertEqual(page.status_code, 200)
        self.assertIn("PRT-VOLGA-1", page.text)
        self.assertNotIn("PRT-KAMA-1", page.text)
        self.assertIn("[ALT-01] Replace alternator", page.text)
        response = self.url_open(
            f"{CLAIMS}/new",
            data=self._form(
                labour=[(self.op_alternator, "2,5"), (False, "")],
                parts=[(self.part, "1", "ALT-FAILED-7"), (False, "", "")],
            ),
            files=[
                ("attachments", ("winding.jpg", b"\xff\xd8\xff fake jpeg", "image/jpeg")),
                ("attachments", ("report.pdf", b"%PDF-1.4 fake", "application/pdf")),
            ],
        )
        claim = self._claims() - self.claim
        self.assertEqual(len(claim), 1)
        self.assertTrue(response.url.endswith(f"{CLAIMS}/{claim.id}"))
        self.assertRecordValues(
            claim,
            [
                {
                    "state": "draft",
                    "dealer_id": self.dealer.id,
                    "equipment_id": self.own_unit.id,
                    "repair_date": self.repair_date,
                    "meter_hours": 120.0,
                    "cause_id": self.cause.id,
                    "symptom": "Alternator whines",
                    "description": "Bearing noise\nreplaced the alternator",
                }
            ],
        )
        labour, part = claim.line_ids
        self.assertRecordValues(
            labour,
            [
                {
                    "line_type": "labour",
                    "operation_id": self.op_alternator.id,
                    "hours": 2.5,
                    "norm_exceeded": True,
                }
            ],
        )
        self.assertRecordValues(
            part,
            [
                {
                    "line_type": "part",
                    "product_id": self.part.id,
                    "quantity": 1.0,
                    "failed_serial": "ALT-FAILED-7",
                }
            ],
        )
        message = claim.message_ids.filtered("attachment_ids")
        self.assertEqual(message.author_id, self.dealer_portal.partner_id)
        self.assertEqual(sorted(message.attachment_ids.mapped("name")), ["report.pdf", "winding.jpg"])
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_comment"), "shown in the portal chatter")
        detail = self.url_open(response.url).text
        self.assertIn(f"{CLAIMS}/{claim.id}/submit", detail)
        self.assertIn("Above norm", detail)

    def test_new_claim_submitted_at_once(self):
        self._login(self.dealer_portal)
        response = self.url_open(
            f"{CLAIMS}/new", data=self._form(action="submit", labour=[(self.op_alternator, "2")])
        )
        claim = self._claims() - self.claim
        self.assertRecordValues(claim, [{"state": "submitted", "submitted_by_id": self.dealer_portal.id}])
        self.assertEqual(claim.line_ids.coverage, "warranty")
        self.assertIn("Submitted", response.text)
        self.assertIn(self.dealer_portal.partner_id, claim.message_partner_ids)

    def test_a_unit_of_another_dealer_or_customer_is_refused(self):
        plain_unit = self._create_unit(lot=self._create_lot(self.product_unit, "PRT-PLAIN-1"))
        self._login(self.dealer_portal)
        for unit in (self.rival_own_unit, plain_unit):
            for action in ("save", "submit"):
                with self.subTest(unit=unit.name, action=action):
                    response = self.url_open(
                        f"{CLAIMS}/new",
                        data=self._form(
                            action=action, equipment_id=unit.id, labour=[(self.op_alternator, "2")]
                        ),
                    )
                    self.assertEqual(response.status_code, 200)
                    self.assertIn("The unit you chose is not one of your units.", response.text)
                    self.assertNotIn(unit.lot_id.name, response.text)
        self.assertEqual(len(self._claims()), 1, "nothing written")
        self.assertFalse(self.rival_own_unit.dealer_claim_ids - self.rival_claim)

    def test_a_serial_of_a_unit_sold_is_registered_on_review(self):
        self._login(self.dealer_portal)
        self.url_open(
            f"{CLAIMS}/new",
            data=self._form(
                action="submit",
                equipment_id="",
                unit_serial="PRT-NEW-9",
                unit_product_id=self.product_unit.id,
                labour=[(self.op_diagnose, "1")],
            ),
        )
        claim = self._claims() - self.claim
        self.assertRecordValues(
            claim,
            [
                {
                    "state": "submitted",
                    "equipment_id": False,
                    "unit_serial": "PRT-NEW-9",
                    "unit_product_id": self.product_unit.id,
                    "unit_to_register": True,
                }
            ],
        )
        # the serial of a unit the rival sold is not linked to the dealer's claim
        self.url_open(
            f"{CLAIMS}/new",
            data=self._form(
                action="submit",
                equipment_id="",
                unit_serial="PRT-KAMA-1",
                unit_product_id=self.product_unit.id,
                labour=[(self.op_diagnose, "1")],
            ),
        )
        claim = self._claims().filtered(lambda c: c.unit_serial == "PRT-KAMA-1")
        self.assertRecordValues(claim, [{"equipment_id": False, "unit_to_register": True}])

    def test_a_customers_serial_is_only_proposed_until_a_reviewer_accepts_it(self):
        """The rival dealer types the serial of a unit sold directly to a customer, with 99,999 h:
        nothing of the unit changes, the dealer cannot read it, the reviewer decides."""
        customer_unit = self._create_unit(
            lot=self._create_lot(self.product_unit, "PRT-CUST-1"),
            delivery_date=fields.Date.today() - relativedelta(months=3),
        )
        self._login(self.customer_portal)
        self.assertIn("In Warranty", self.url_open(f"/my/equipment/{customer_unit.id}").text)
        self._login(self.rival_portal)
        response = self.url_open(
            f"{CLAIMS}/new",
            data=self._form(
                action="submit",
                equipment_id="",
                unit_serial="PRT-CUST-1",
                unit_product_id=self.product_unit.id,
                meter_hours="99999",
                labour=[(self.op_diagnose, "1")],
            ),
        )
        self.assertEqual(response.status_code, 200)
        Claim = self.env["after_sales.dealer.claim"]
        claim = Claim.search([("dealer_id", "=", self.rival.id)]) - self.rival_claim
        self.assertRecordValues(
            claim,
            [
                {
                    "state": "submitted",
                    "equipment_id": False,
                    "proposed_equipment_id": customer_unit.id,
                    "meter_hours": 99999.0,
                    "meter_reading_id": False,
                }
            ],
        )
        self.assertEqual(
            claim.unit_proposal,
            f"Unit proposed: serial PRT-CUST-1 matches unit {customer_unit.display_name} "
            f"of customer {self.customer.display_name}.",
        )
        self.assertNotIn(self.customer.name, self.url_open(f"{CLAIMS}/{claim.id}").text)
        self.assertRecordValues(
            customer_unit,
            [
                {
                    "partner_id": self.customer.id,
                    "dealer_id": False,
                    "current_hours": 0.0,
                    "warranty_state": "in_warranty",
                }
            ],
        )
        self.assertFalse(customer_unit.meter_reading_ids)
        self.assertFalse(customer_unit.dealer_claim_ids)
        # the rival dealer reads neither the unit nor what its claim proposes
        self.assertNotEqual(self.url_open(f"/my/equipment/{customer_unit.id}").status_code, 200)
        Unit = self.env["after_sales.equipment"].with_user(self.rival_portal)
        self.assertFalse(Unit.search([("id", "=", customer_unit.id)]))
        with self.assertRaises(AccessError):
            customer_unit.with_user(self.rival_portal).read(["partner_id"])
        with self.assertRaises(AccessError):
            claim.with_user(self.rival_portal).read(["proposed_equipment_id"])
        note = claim.message_ids.filtered(lambda message: self.customer.name in message.body)
        self.assertTrue(note, "the reviewer is told in the chatter")
        self.assertTrue(note.subtype_id.internal, "an internal note")
        Message = self.env["mail.message"].with_user(self.rival_portal)
        self.assertFalse(Message.search([("id", "in", note.ids)]), "the dealer does not read it")
        self._login(self.customer_portal)
        self.assertIn("In Warranty", self.url_open(f"/my/equipment/{customer_unit.id}").text)
        # the dealer cannot decide on its own proposal; the reviewer accepts it: linked, the
        # implausible reading (99,999 h three months after delivery) not recorded
        with self.assertRaises(AccessError):
            claim.with_user(self.rival_portal).action_accept_unit()
        with self.assertRaisesRegex(UserError, "accept or reject the unit"):
            claim.with_user(self.officer).action_approve()
        claim.with_user(self.officer).action_accept_unit()
        self.assertRecordValues(
            claim,
            [{"equipment_id": customer_unit.id, "proposed_equipment_id": False, "meter_reading_id": False}],
        )
        self.assertFalse(customer_unit.meter_reading_ids)
        self.assertEqual(customer_unit.warranty_state, "in_warranty")
        # the engineer's real reading is accepted
        self.env["after_sales.meter.reading"].create(
            {"equipment_id": customer_unit.id, "hours": 600, "date": fields.Date.today()}
        )
        self.assertEqual(customer_unit.current_hours, 600.0)

    def test_bad_input_shows_the_form_again_and_writes_nothing(self):
        self._login(self.dealer_portal)
        alternator = [(self.op_alternator, "2")]
        cases = [
            ("save", {"labour": [(self.op_alternator, "two")]}, "must be a number"),
            ("save", {"labour": [(self.op_alternator, "nan")]}, "must be a number"),
            ("save", {"labour": alternator, "meter_hours": "inf"}, "The meter reading must be a number"),
            ("save", {"labour": alternator, "meter_hours": "-5"}, "Operating hours cannot be negative."),
            ("save", {"labour": [(self.op_alternator, "-1")]}, "cannot be negative"),
            ("save", {"labour": alternator, "repair_date": "2025-02-30"}, "is not a date"),
            ("save", {"labour": alternator, "repair_date": ""}, "Give the date of the repair."),
            (
                "save",
                {
                    "labour": alternator,
                    "repair_date": fields.Date.to_string(fields.Date.today() + relativedelta(days=2)),
                },
                "cannot be in the future",
            ),
            ("save", {"labour": alternator, "cause_id": "999999"}, "Choose the cause from the list."),
            (
                "save",
                {"parts": [(self.product_unit, "1", "")]},
                "is not among the parts you are authorized to claim",
            ),
            ("save", {"labour": [(999999, "1")]}, "Labour line 1: choose the operation from the list."),
            ("save", {"labour": [(False, "abc")]}, "Labour line 1: the hours must be a number."),
            (
                "save",
                {"labour": alternator, "parts": [(self.part, "x", "")]},
                "Part line 1: the quantity must be a number.",
            ),
            (
                "save",
                {"labour": alternator, "unit_product_id": self.part.id, "equipment_id": ""},
                "authorized for",
            ),
            ("submit", {}, "has no lines"),
            ("submit", {"labour": [(self.op_pump, "1")]}, "does not apply to"),
            ("submit", {"parts": [(self.failed_serial_part, "1", "")]}, "give the serial of the failed part"),
            (
                "submit",
                {
                    "labour": alternator,
                    "repair_date": fields.Date.to_string(fields.Date.today() - relativedelta(days=60)),
                },
                "The claim deadline",
            ),
            ("submit", {"labour": alternator, "equipment_id": ""}, "choose a unit of the installed base"),
        ]
        messages = self.env["mail.message"].search_count([])
        for action, values, error in cases:
            with self.subTest(action=action, error=error):
                response = self.url_open(f"{CLAIMS}/new", data=self._form(action=action, **values))
                self.assertEqual(response.status_code, 200)
                self.assertIn("o_dealer_claim_errors", response.text)
                self.assertIn(error, response.text)
                self.assertIn('value="Alternator whines"', response.text, "what was typed is kept")
        self.assertEqual(len(self._claims()), 1, "nothing written")
        self.assertEqual(self.env["mail.message"].search_count([]), messages)
        self.assertFalse(self.own_unit.meter_reading_ids, "no reading recorded")

    def test_part_picker_offers_the_parts_of_the_dealers_categories_only(self):
        tyres = self.env["product.category"].create({"name": "Tyres"})
        tyre = self.env["product.product"].create(
            {"name": "Loader Tyre 17.5", "type": "consu", "categ_id": tyres.id}
        )
        self._login(self.dealer_portal)
        page = self.url_open(f"{CLAIMS}/new").text
        self.assertIn(self.part.display_name, page, "a part of its categories")
        self.assertIn(self.oil_filter.display_name, page, "a part of a subcategory")
        self.assertNotIn("Loader Tyre 17.5", page, "not a part of another category")
        response = self.url_open(
            f"{CLAIMS}/new", data=self._form(labour=[(self.op_alternator, "2")], parts=[(tyre, "1", "")])
        )
        self.assertIn("o_dealer_claim_errors", response.text)
        self.assertIn(
            "Loader Tyre 17.5 is not among the parts you are authorized to claim (category: Tyres)",
            response.text,
        )
        self.assertEqual(len(self._claims()), 1, "nothing written")

    def test_nul_and_huge_numbers_show_the_form_again_and_write_nothing(self):
        self._login(self.dealer_portal)
        alternator = [(self.op_alternator, "2")]
        cases = [
            ({"labour": alternator, "symptom": "Alternator\x00whines"}, "contains a NUL character"),
            ({"labour": alternator, "description": "\x00"}, "contains a NUL character"),
            ({"labour": alternator, "unit_serial": "X\x00", "equipment_id": ""}, "contains a NUL character"),
            ({"parts": [(self.part, "1", "SN\x00")]}, "contains a NUL character"),
            ({"labour": [(self.op_alternator, "1e306")]}, "Labour line 1: the hours must be a number."),
            ({"labour": alternator, "parts": [(self.part, "1e306", "")]}, "Part line 1: the quantity must"),
            ({"labour": alternator, "meter_hours": "1e306"}, "The meter reading must be a number"),
        ]
        messages = self.env["mail.message"].search_count([])
        for action in ("save", "submit"):
            for values, error in cases:
                with self.subTest(action=action, error=error, values=values):
                    response = self.url_open(f"{CLAIMS}/new", data=self._form(action=action, **values))
                    self.assertEqual(response.status_code, 200)
                    self.assertIn("o_dealer_claim_errors", response.text)
                    self.assertIn(error, response.text)
        self.assertEqual(len(self._claims()), 1, "nothing written")
        self.assertEqual(self.env["mail.message"].search_count([]), messages)
        self.assertFalse(self.own_unit.meter_reading_ids, "no reading recorded")

    def test_photos_above_the_upload_limit_are_refused(self):
        self.env.company.after_sales_portal_upload_mb = 1
        self._login(self.dealer_portal)
        attachments = self.env["ir.attachment"].search_count([])
        response = self.url_open(
            f"{CLAIMS}/new",
            data=self._form(labour=[(self.op_alternator, "2")]),
            files=[("attachments", ("engine.jpg", b"x" * (1024 * 1024 + 1), "image/jpeg"))],
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("engine.jpg is larger than 1 MB", response.text)
        self.assertEqual(len(self._claims()), 1, "nothing written")
        self.assertEqual(self.env["ir.attachment"].search_count([]), attachments)
        response = self.url_open(
            f"{CLAIMS}/new",
            data=self._form(labour=[(self.op_alternator, "2")]),
            files=[("attachments", ("engine.jpg", b"x" * (1024 * 1024), "image/jpeg"))],
        )
        claim = self._claims() - self.claim
        self.assertEqual(
            claim.message_ids.attachment_ids.mapped("name"), ["engine.jpg"], "the limit is allowed"
        )

    def test_draft_corrected_then_submitted(self):
        self._login(self.dealer_portal)
        edit = self.url_open(f"{CLAIMS}/{self.claim.id}/edit")
        self.assertEqual(edit.status_code, 200)
        self.assertIn('value="3"', edit.text, "the labour hours of the draft")
        self.assertRegex(edit.text, rf'<option value="{self.op_alternator.id}" selected')
        # a failing submit of the edit form changes nothing
        response = self.url_open(
            f"{CLAIMS}/{self.claim.id}/edit", data=self._form(action="submit", labour=[(self.op_pump, "1")])
        )
        self.assertIn("does not apply to", response.text)
        self.assertEqual(len(self.claim.line_ids), 2)
        self.assertEqual(self.claim.state, "draft")
        response = self.url_open(
            f"{CLAIMS}/{self.claim.id}/edit",
            data=self._form(labour=[(self.op_alternator, "2"), (self.op_diagnose, "1")], symptom="Corrected"),
        )
        self.assertTrue(response.url.endswith(f"{CLAIMS}/{self.claim.id}"))
        self.assertRecordValues(
            self.claim.line_ids,
            [
                {"operation_id": self.op_alternator.id, "hours": 2.0},
                {"operation_id": self.op_diagnose.id, "hours": 1.0},
            ],
        )
        self.assertEqual(self.claim.symptom, "Corrected")
        response = self.url_open(f"{CLAIMS}/{self.claim.id}/submit", data={"csrf_token": self._csrf()})
        self.assertTrue(response.url.endswith(f"{CLAIMS}/{self.claim.id}"))
        self.assertEqual(self.claim.state, "submitted")
        self.assertNotIn(f"{CLAIMS}/{self.claim.id}/submit", response.text)
        # a submitted claim is no longer edited from the portal
        edit = self.url_open(f"{CLAIMS}/{self.claim.id}/edit", allow_redirects=False)
        self.assertEqual(edit.status_code, 303)
        self.url_open(f"{CLAIMS}/{self.claim.id}/edit", data=self._form(labour=[(self.op_diagnose, "9")]))
        self.assertEqual(self.claim.line_ids.mapped("hours"), [2.0, 1.0])

    def test_a_failing_submit_from_the_claim_page_changes_nothing(self):
        late = self._create_claim(
            self.own_unit, repair_date=fields.Date.today() - relativedelta(days=45), lines=[self._labour()]
        )
        self._login(self.dealer_portal)
        response = self.url_open(f"{CLAIMS}/{late.id}/submit", data={"csrf_token": self._csrf()})
        self.assertEqual(response.status_code, 200)
        self.assertIn("The claim deadline", response.text)
        self.assertEqual(late.state, "draft")

    def test_portal_write_changes_only_what_a_dealer_fills_on_its_own_drafts(self):
        as_dealer = self.claim.with_user(self.dealer_portal)
        as_dealer._portal_write(
            {"symptom": "Changed", "line_ids": [self._labour(self.op_diagnose, hours=1.0)]}
        )
        self.assertEqual(self.claim.symptom, "Changed")
        self.assertEqual(self.claim.line_ids.operation_id, self.op_diagnose, "the lines are replaced")
        refused = [
            {"dealer_id": self.rival.id},
            {"line_ids": [{**self._labour(), "decision": "approve"}]},
            {"equipment_id": self.rival_own_unit.id},
        ]
        for vals in refused:
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                as_dealer._portal_write(vals)
        with self.assertRaises(AccessError):
            self.rival_claim.with_user(self.dealer_portal)._portal_write({"symptom": "Not mine"})
        with self.assertRaises(AccessError):
            self.claim.with_user(self.dealer_reader)._portal_write({"symptom": "Reader only"})
        self.claim.action_submit()
        with self.assertRaisesRegex(UserError, "keeps what the dealer claimed"):
            as_dealer._portal_write({"symptom": "Too late"})
        self.assertEqual(self.claim.symptom, "Changed")
        self.assertEqual(self.rival_claim.symptom, "Kama secret symptom")

    # ---------------------------------------------------------------- detail

    def test_claim_page_shows_each_decision_and_the_parts_to_send_back(self):
        self.dealer.sudo().service_return_failed_parts = True
        claim = self._create_claim(
            self.own_unit,
            repair_date=self.repair_date,
            lines=[self._labour(hours=3.0), self._part_line(), self._part_line(product=self.oil_filter)],
        )
        claim.action_submit()
        labour, part, oil_filter = claim.line_ids
        labour.with_user(self.officer).write(
            {"decision": "adjust", "approved_qty": 2.0, "decision_reason": "Norm of the operation"}
        )
        claim.with_user(self.officer).action_approve()
        self.assertEqual(claim.state, "partly_approved")
        self.assertEqual(oil_filter.decision, "reject", "filters are excluded from the warranty")
        self.assertEqual(part.return_state, "requested")
        self._login(self.dealer_portal)
        page = self.url_open(claim.access_url)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Partly Approved", page.text)
        self.assertIn("Norm of the operation", page.text)
        self.assertIn("Above norm", page.text)
        self.assertIn(oil_filter.coverage_reason, page.text)
        self.assertIn("Failed Parts to Send Back", page.text)
        self.assertIn(part.return_move_ids.picking_id.name, page.text)
        self.assertEqual(page.text.count('class="o_dealer_claim_return"'), 1, "not the rejected filter")
        self.assertIn("Requested", page.text)
        self.assertNotIn(self.officer.name, page.text, "the reviewer stays internal")
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["dealer_claim_return_count"]})
        self.assertEqual(counters, {"dealer_claim_return_count": 1})
        self.assertIn(claim.name, self.url_open(f"{CLAIMS}?filterby=to_return").text)

    def test_the_dealer_replies_in_the_chatter_with_a_photo(self):
        self.claim.action_submit()
        self._login(self.dealer_portal)
        upload = self.url_open(
            "/mail/attachment/upload",
            data={
                "csrf_token": self._csrf(),
                "thread_id": self.claim.id,
                "thread_model": self.claim._name,
                "is_pending": "true",
            },
            files={"ufile": ("stator.jpg", b"\xff\xd8\xff stator", "image/jpeg")},
        )
        self.assertEqual(upload.status_code, 200)
        uploaded = json.loads(upload.text)["data"]
        attachment_id = uploaded["attachment_id"]
        (token,) = [
            values["ownership_token"]
            for values in uploaded["store_data"]["ir.attachment"]
            if values["id"] == attachment_id
        ]
        self.make_jsonrpc_request(
            "/mail/message/post",
            {
                "thread_model": self.claim._name,
                "thread_id": self.claim.id,
                "post_data": {
                    "body": "The stator photo you asked for",
                    "attachment_ids": [attachment_id],
                    "attachment_tokens": [token],
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_comment",
                },
            },
        )
        message = self.claim.message_ids[0]
        self.assertEqual(message.author_id, self.dealer_portal.partner_id)
        self.assertIn("stator photo", message.body)
        self.assertEqual(message.attachment_ids.mapped("name"), ["stator.jpg"])
        # the rival cannot post on it
        self._login(self.rival_portal)
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request(
                "/mail/message/post",
                {
                    "thread_model": self.claim._name,
                    "thread_id": self.claim.id,
                    "post_data": {"body": "Rival was here", "message_type": "comment"},
                },
            )
        self.assertNotIn("Rival was here", "".join(self.claim.message_ids.mapped("body")))
