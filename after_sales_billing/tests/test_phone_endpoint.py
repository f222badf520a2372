import json
from datetime import datetime, timedelta

from psycopg2 import IntegrityError

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.after_sales_billing.models.after_sales_phone_call import PhoneCallError
from odoo.addons.after_sales_billing.models.res_partner import phone_match_key

from .common import AfterSalesBillingCommon

URL = "/after_sales/phone/call"


class PhoneCallCommon(AfterSalesBillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"after_sales_phone_rounding_minutes": 15, "after_sales_phone_minimum_minutes": 0})
        cls.phone_product = cls.env.ref("after_sales_billing.product_phone_support")
        cls.agent = new_test_user(
            cls.env,
            login="ivan.agent",
            name="Ivan Petrov",
            groups="after_sales_service.group_after_sales_user",
        )
        cls.alpha = cls._create_customer("Alpha Mining", phone="+7 (912) 345-67-89")
        cls.beta = cls._create_customer("Beta Energy", phone="+7 343 000-00-01")
        cls.beta_contact = cls.env["res.partner"].create(
            {"name": "Boris Beta", "parent_id": cls.beta.id, "phone": "8 (343) 222-33-44"}
        )
        cls.gamma = cls._create_customer("Gamma Steel", phone="+7 351 700 10 10")
        cls.gamma_contract = cls._create_contract(
            cls.gamma, phone_rounding_minutes=30, phone_minimum_minutes=0
        )

    def _payload(self, **vals):
        return {
            "call_id": "PBX-1",
            "phone": "89123456789",
            "start": "2026-03-10T09:30:00+03:00",
            "duration": 7 * 60,
            "agent": "ivan.agent",
            **vals,
        }

    def _counts(self):
        return tuple(
            self.env[model].search_count([])
            for model in ("after_sales.phone.call", "after_sales.request", "after_sales.request.line")
        )


@tagged("post_install", "-at_install")
class TestPhoneEndpoint(PhoneCallCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.api_user = new_test_user(
            cls.env, login="as_phone_api", groups="after_sales_service.group_after_sales_user"
        )
        cls.key = cls._api_key(cls.api_user)
        cls.outsider_key = cls._api_key(cls.internal_user)

    @classmethod
    def _api_key(cls, user):
        expiry = fields.Datetime.now() + timedelta(hours=12)
        return cls.env["res.users.apikeys"].with_user(user)._generate(None, "phone", expiry)

    def _post(self, payload=None, key=None, raw=None):
        headers = {"Content-Type": "application/json"}
        if key is not False:
            headers["Authorization"] = f"Bearer {key or self.key}"
        body = raw if raw is not None else json.dumps(payload if payload is not None else self._payload())
        return self.url_open(URL, data=body, headers=headers)

    def assertError(self, response, status, code):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.json()["error"]["code"], code, response.text)
        self.assertTrue(response.json()["error"]["message"])

    # ---------------------------------------------------------------- auth

    def test_auth_needs_a_valid_key(self):
        before = self._counts()
        with mute_logger("odoo.http"):
            missing = self._post(key=False)
            wrong = self._post(key="0123456789abcdef0123456789abcdef")
        self.assertError(missing, 401, "unauthorized")
        self.assertError(wrong, 401, "unauthorized")
        self.assertEqual(self._counts(), before)

    def test_hostile_input_gets_json_and_writes_nothing(self):
        before = self._counts()
        # an offset that takes the start out of the calendar
        self.assertError(self._post(self._payload(start="0001-01-01T00:00:00+23:59")), 400, "invalid_payload")
        self.assertError(self._post(self._payload(start="9999-12-31T23:59:59-23:59")), 400, "invalid_payload")
        # a call id of 1 MiB, and one just too long
        self.assertError(self._post(self._payload(call_id="x" * (1 << 20))), 413, "too_large")
        self.assertError(self._post(self._payload(call_id="x" * 129)), 400, "invalid_payload")
        # JSON nested 100,000 deep
        self.assertError(self._post(raw="[" * 100000 + "]" * 100000), 413, "too_large")
        self.assertError(self._post(raw="[" * 30000 + "]" * 30000), 400, "invalid_json")
        self.assertEqual(self._counts(), before)

    def test_nul_in_any_field_gets_400_json_and_writes_nothing(self):
        before = self._counts()
        for key, value in (
            ("call_id", "PBX-\x00"),
            ("phone", "8912345\x006789"),
            ("agent", "ivan\x00.agent"),
            ("request", "REQ\x00"),
            ("start", "2026-03-10T09:30:00\x00"),
        ):
            with self.subTest(key=key):
                response = self._post(self._payload(**{key: value}))
                self.assertError(response, 400, "invalid_payload")
                self.assertIn("NUL character", response.json()["error"]["message"])
        self.assertError(self._post(raw='{"call_id": "A", "\\u0000": 1}'), 400, "invalid_payload")
        self.assertEqual(self._counts(), before)
        # the same call without the NUL character is registered
        self.assertEqual(self._post(self._payload()).status_code, 201)

    def test_calls_are_read_only_except_to_managers(self):
        self.assertEqual(self._post().status_code, 201)
        call = self.env["after_sales.phone.call"].search([("call_id", "=", "PBX-1")])
        with self.assertRaises(AccessError):
            call.with_user(self.api_user).write({"billed_hours": 10})
        call.with_user(self.as_manager).write({"billed_hours": 0.5})
        self.assertEqual(call.billed_hours, 0.5)

    def test_user_outside_after_sales_is_forbidden(self):
        before = self._counts()
        self.assertError(self._post(key=self.outsider_key), 403, "forbidden")
        self.assertEqual(self._counts(), before)

    # ------------------------------------------------------------ matching

    def test_opens_consultation_request(self):
        response = self._post()
        self.assertEqual(response.status_code, 201, response.text)
        body = response.json()
        call = self.env["after_sales.phone.call"].search([("call_id", "=", "PBX-1")])
        request = call.request_id
        self.assertEqual(
            body,
            {
                "call_id": "PBX-1",
                "customer": "Alpha Mining",
                "request": request.name,
                "request_line_id": call.request_line_id.id,
                "hours": 0.25,
                "duplicate": False,
            },
        )
        self.assertRecordValues(
            request,
            [
                {
                    "partner_id": self.alpha.id,
                    "request_type": "consultation",
                    "channel": "phone",
                    "company_id": self.company.id,
                    "date_open": datetime(2026, 3, 10, 6, 30),
                    "user_id": self.agent.id,
                }
            ],
        )
        self.assertRecordValues(
            call,
            [
                {
                    "partner_id": self.alpha.id,
                    "contact_id": False,
                    "phone": "89123456789",
                    "start": datetime(2026, 3, 10, 6, 30),
                    "duration_seconds": 420,
                    "agent_id": self.agent.id,
                    "agent_name": "ivan.agent",
                    "billed_hours": 0.25,
                    "company_id": self.company.id,
                }
            ],
        )
        self.assertRecordValues(
            request.line_ids,
            [
                {
                    "line_type": "work",
                    "product_id": self.phone_product.id,
                    "quantity": 0.25,
                    "uom_id": self.env.ref("uom.product_uom_hour").id,
                    "done": True,
                    "user_id": self.agent.id,
                    "work_start": datetime(2026, 3, 10, 6, 30),
                }
            ],
        )
        self.assertRegex(request.line_ids.name, r"^Phone support 2026-03-10 \d\d:30 \(7 min, Ivan Petrov\)$")
        self.assertEqual(request.phone_call_ids, call)

    def test_matches_formatted_numbers_and_contacts(self):
        for number, call_id in (("+7 912 345 67 89", "A"), ("007 (912) 345-6789", "B"), ("9123456789", "C")):
            with self.subTest(number=number):
                response = self._post(self._payload(call_id=call_id, phone=number))
                self.assertEqual(response.status_code, 201, response.text)
                self.assertEqual(response.json()["customer"], "Alpha Mining")
        response = self._post(self._payload(call_id="D", phone="+7-343-222-33-44 ext. 12"))
        self.assertEqual(response.status_code, 201, response.text)
        call = self.env["after_sales.phone.call"].search([("call_id", "=", "D")])
        self.assertEqual(call.partner_id, self.beta)
        self.assertEqual(call.contact_id, self.beta_contact)
        self.assertEqual(call.request_id.partner_id, self.beta)
        self.assertEqual(call.request_id.contact_id, self.beta_contact)

    def test_attaches_to_the_most_recent_open_request(self):
        older = self._create_request(self.alpha, [], resolved=False, date_open="2026-03-01 08:00:00")
        recent = self._create_request(self.alpha, [], resolved=False, date_open="2026-03-05 08:00:00")
        self._create_request(self.alpha, [], resolved=True, date_open="2026-03-08 08:00:00")
        closed = self._create_request(self.alpha, [], resolved=False, date_open="2026-03-09 08:00:00")
        closed.stage_id = self.env.ref("after_sales_service.stage_cancelled")
        before = self.env["after_sales.request"].search_count([])
        response = self._post()
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(response.json()["request"], recent.name)
        self.assertEqual(self.env["after_sales.request"].search_count([]), before)
        self.assertEqual(len(recent.line_ids), 1)
        self.assertFalse(older.line_ids)

    def test_attaches_to_the_given_request(self):
        given = self._create_request(self.alpha, [], resolved=False, date_open="2026-03-01 08:00:00")
        self._create_request(self.alpha, [], resolved=False, date_open="2026-03-05 08:00:00")
        response = self._post(self._payload(request=given.name))
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(response.json()["request"], given.name)
        self.assertEqual(given.phone_call_ids.call_id, "PBX-1")
        self.assertEqual(given.line_ids.product_id, self.phone_product)

    def test_refuses_wrong_requests(self):
        of_beta = self._create_request(self.beta, [], resolved=False)
        closed = self._create_request(self.alpha, [], resolved=False)
        closed.write(
            {"resolution": "<p>Answered</p>", "stage_id": self.env.ref("after_sales_service.stage_closed").id}
        )
        before = self._counts()
        self.assertError(self._post(self._payload(request="NO-SUCH-1")), 404, "unknown_request")
        self.assertError(self._post(self._payload(request=of_beta.name)), 400, "request_mismatch")
        self.assertError(self._post(self._payload(request=closed.name)), 409, "request_closed")
        self.assertEqual(self._counts(), before)

    def test_unknown_number(self):
        before = self._counts()
        self.assertError(self._post(self._payload(phone="+7 999 000 00 00")), 404, "unknown_number")
        self.assertEqual(self._counts(), before)

    def test_ambiguous_number(self):
        self._create_customer("Delta One", phone="+7 495 111-22-33")
        self._create_customer("Delta Two", phone="8 495 111 22 33")
        before = self._counts()
        self.assertError(self._post(self._payload(phone="74951112233")), 409, "ambiguous_number")
        self.assertEqual(self._counts(), before)

    def test_bad_payloads(self):
        payload = self._payload()
        del payload["phone"]
        cases = {
            "missing phone": json.dumps(payload),
            "short phone": json.dumps(self._payload(phone="12-34")),
            "negative duration": json.dumps(self._payload(duration=-5)),
            "zero duration": json.dumps(self._payload(duration=0)),
            "text duration": json.dumps(self._payload(duration="7 min")),
            "bad date": json.dumps(self._payload(start="10/03/2026 9:30")),
            "no call id": json.dumps(self._payload(call_id="  ")),
            "request not text": json.dumps(self._payload(request=["A"])),
            "not an object": json.dumps([self._payload()]),
        }
        before = self._counts()
        for case, body in cases.items():
            with self.subTest(case=case):
                self.assertError(self._post(raw=body), 400, "invalid_payload")
        self.assertError(self._post(raw="{not json"), 400, "invalid_json")
        self.assertEqual(self._counts(), before)

    def test_failure_after_writes_rolls_back(self):
        """A refusal met after the call and request were created leaves nothing written."""
        other = self.env["res.company"].create({"name": "Other Company"})
        self.api_user.company_ids = [Command.link(other.id)]
        self.company.after_sales_phone_product_id = self.env["product.product"].create(
            {"name": "Other Phone Support", "type": "service", "company_id": other.id}
        )
        before = self._counts()
        response = self._post()
        self.assertEqual(response.status_code, 422, response.text)
        self.assertEqual(response.json()["error"]["code"], "rejected")
        self.assertEqual(self._counts(), before)

    # ------------------------------------------------------------ rounding

    def test_contract_rounding_overrides_company(self):
        response = self._post(self._payload(phone="+73517001010", duration=7 * 60))
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(response.json()["hours"], 0.5)
        call = self.env["after_sales.phone.call"].search([("call_id", "=", "PBX-1")])
        self.assertEqual(call.request_id.contract_id, self.gamma_contract)
        self.assertEqual(call.request_line_id.quantity, 0.5)

    def test_rounds_up_to_the_company_step(self):
        for call_id, seconds, hours in (("R1", 16 * 60, 0.5), ("R2", 15 * 60, 0.25), ("R3", 1, 0.25)):
            with self.subTest(seconds=seconds):
                response = self._post(self._payload(call_id=call_id, duration=seconds))
                self.assertEqual(response.status_code, 201, response.text)
                self.assertEqual(response.json()["hours"], hours)

    # ----------------------------------------------------------- duplicates

    def test_duplicate_call_id_writes_nothing(self):
        first = self._post()
        self.assertEqual(first.status_code, 201, first.text)
        before = self._counts()
        again = self._post(self._payload(duration=3600, agent=None))
        self.assertEqual(again.status_code, 200, again.text)
        self.assertEqual(again.json(), {**first.json(), "duplicate": True})
        self.assertEqual(self._counts(), before)
        call = self.env["after_sales.phone.call"].search([("call_id", "=", "PBX-1")])
        self.assertEqual(call.duration_seconds, 420)
        self.assertEqual(len(call.request_id.line_ids), 1)


@tagged("post_install", "-at_install")
class TestPhoneCallRegistration(PhoneCallCommon):
    """The business method behind the endpoint: rounding, keys, companies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.branch = cls.env["res.company"].create({"name": "Branch Yekaterinburg"})
        cls.as_user.write({"company_ids": [Command.link(cls.branch.id)]})
        cls.Call = cls.env["after_sales.phone.call"].with_user(cls.as_user)

    def test_phone_match_key(self):
        self.assertEqual(phone_match_key("+7 (912) 345-67-89"), "9123456789")
        self.assertEqual(phone_match_key("8 912 345 67 89"), "9123456789")
        self.assertEqual(phone_match_key("0079123456789"), "9123456789")
        self.assertEqual(phone_match_key("+7 912 345-67-89 доб. 123"), "9123456789")
        self.assertEqual(phone_match_key("345-67-89"), "3456789")
        self.assertFalse(phone_match_key(False))
        self.assertEqual(self.alpha.after_sales_phone_key, "9123456789")

    def test_round_call_hours(self):
        Call = self.Call
        no_contract = self.env["after_sales.contract"]
        self.assertEqual(Call._round_call_hours(7 * 60, no_contract), 0.25)
        self.assertEqual(Call._round_call_hours(16 * 60, no_contract), 0.5)
        self.assertEqual(Call._round_call_hours(7 * 60, self.gamma_contract), 0.5)
        self.company.write({"after_sales_phone_rounding_minutes": 0, "after_sales_phone_minimum_minutes": 10})
        self.assertEqual(Call._round_call_hours(61, no_contract), 10 / 60)
        self.assertEqual(Call._round_call_hours(11 * 60 + 1, no_contract), 12 / 60)
        self.assertEqual(Call._round_call_hours(7 * 60, self.gamma_contract), 0.5)
        # new contracts start from the company's rule; their own rule wins afterwards
        contract = self._create_contract(self._create_customer("Epsilon"))
        self.assertRecordValues(contract, [{"phone_rounding_minutes": 0, "phone_minimum_minutes": 10}])

    def test_call_ids_and_customers_are_per_company(self):
        payload = {
            "call_id": "PBX-9",
            "phone": "+7 912 345 67 89",
            "start": "2026-03-10T06:30:00Z",
            "duration": 60,
        }
        call, duplicate = self.Call._register_call(payload)
        self.assertFalse(duplicate)
        self.assertEqual(call.company_id, self.company)
        # a customer of the main company is not matched in the branch
        self.alpha.company_id = self.company
        in_branch = self.Call.with_company(self.branch)
        with self.assertRaises(PhoneCallError) as error:
            in_branch._register_call(payload)
        self.assertEqual(error.exception.code, "unknown_number")
        self.assertFalse(self.env["after_sales.phone.call"].search([("company_id", "=", self.branch.id)]))
        # the branch's own customer with that number; the same call id is another call there
        alpha_ural = self._create_customer("Alpha Ural", phone="8 912 345 67 89", company_id=self.branch.id)
        branch_call, duplicate = in_branch._register_call(payload)
        self.assertFalse(duplicate)
        self.assertNotEqual(branch_call, call)
        self.assertRecordValues(branch_call, [{"company_id": self.branch.id, "partner_id": alpha_ural.id}])
        self.assertEqual(branch_call.request_id.company_id, self.branch)
        again, duplicate = self.Call._register_call(payload)
        self.assertTrue(duplicate)
        self.assertEqual(again, call)

    def test_call_recorded_past_the_estimate_threshold(self):
        self.company.after_sales_estimate_threshold = 0.01
        call, _duplicate = self.Call._register_call(self._payload(call_id="PBX-EST", duration=3600))
        self.assertTrue(call.request_line_id.done, "a call that happened is recorded without an estimate")
        self.assertEqual(call.request_line_id.quantity, 1.0)

    @mute_logger("odoo.sql_db")
    def test_database_refuses_a_second_call_id(self):
        vals = {
            "call_id": "PBX-7",
            "partner_id": self.alpha.id,
            "phone": "89123456789",
            "start": "2026-03-10 06:30:00",
            "duration_seconds": 60,
        }
        self.env["after_sales.phone.call"].create(vals)
        with self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.env["after_sales.phone.call"].create(vals)
