import math
from datetime import UTC, datetime

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

from .res_partner import phone_match_key

PHONE_MIN_DIGITS = 7
MAX_CALL_SECONDS = 24 * 3600
MAX_TEXT_LENGTH = 128  # call ids, phone numbers, agents and request numbers of a telephony system


class PhoneCallError(UserError):
    """A call the telephony endpoint refuses: ``code`` and ``http_status`` tell the caller why."""

    def __init__(self, message, code, http_status=400):
        super().__init__(message)
        self.code = code
        self.http_status = http_status


class AfterSalesPhoneCall(models.Model):
    _name = "after_sales.phone.call"
    _description = "Phone Call"
    _order = "start desc, id desc"
    _rec_name = "call_id"
    _check_company_auto = True
    _rec_names_search = ["call_id", "phone", "partner_id.name", "request_id.name"]

    call_id = fields.Char(
        string="Call ID", required=True, readonly=True, help="Identifier of the call in the telephony system."
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True, check_company=True
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Caller",
        readonly=True,
        check_company=True,
        help="The customer's contact whose number called.",
    )
    request_id = fields.Many2one(
        "after_sales.request",
        readonly=True,
        index="btree_not_null",
        check_company=True,
        ondelete="set null",
    )
    request_line_id = fields.Many2one(
        "after_sales.request.line",
        string="Work Line",
        readonly=True,
        index="btree_not_null",
        check_company=True,
        ondelete="set null",
    )
    phone = fields.Char(required=True, readonly=True)
    start = fields.Datetime(required=True, readonly=True)
    duration_seconds = fields.Integer(string="Duration (s)", required=True, readonly=True)
    agent_name = fields.Char(
        string="Agent as Sent", readonly=True, help="The agent the telephony system sent."
    )
    agent_id = fields.Many2one("res.users", readonly=True, domain=[("share", "=", False)])
    billed_hours = fields.Float(digits="Product Unit", readonly=True)

    _call_company_uniq = models.Constraint(
        "UNIQUE(company_id, call_id)", "This call is already registered in the company."
    )
    _duration_positive = models.Constraint(
        "CHECK(duration_seconds > 0)", "A call lasts more than zero seconds."
    )

    # ------------------------------------------------------------- business

    @api.model
    def _register_call(self, payload):
        """Register one call of the telephony system and bill it as phone support.

        ``payload`` is a dict: ``call_id``, ``phone``, ``start`` (ISO 8601, UTC when
        it has no offset), ``duration`` (seconds), optional ``agent`` (login or name)
        and ``request`` (number). The customer is found by phone; the call goes to the
        given request, else the customer's open one, else a new consultation request,
        where a done work line bills its rounded duration.

        Returns ``(call, duplicate)``: a call id already registered in the company gives
        the existing call, unchanged, and ``duplicate`` true. Raises :class:`PhoneCallError`
        before writing anything when the call is refused.
        """
        vals = self._parse_call_payload(payload)
        company = self.env.company
        existing = self.search([("company_id", "=", company.id), ("call_id", "=", vals["call_id"])], limit=1)
        if existing:
            return existing, True
        customer, contact = self._find_caller(vals["phone"], company)
        request = self._find_request_for_call(customer, vals.pop("request"), company)
        agent = self._find_agent(vals["agent_name"], company)
        call = self.create(
            {
                **vals,
                "company_id": company.id,
                "partner_id": customer.id,
                "contact_id": contact.id,
                "agent_id": agent.id,
            }
        )
        if not request:
            request = self.env["after_sales.request"].create(call._prepare_phone_request_vals())
        hours = self._round_call_hours(call.duration_seconds, request.contract_id, company)
        # linked at creation: the line is the call's (the call already happened, whatever estimate
        # was accepted); the call's bookkeeping is not the API user's to write
        line = (
            self.env["after_sales.request.line"]
            .sudo()
            .create(
                {**call._prepare_phone_line_vals(request, hours), "phone_call_ids": [Command.link(call.id)]}
            )
            .with_env(self.env)
        )
        # the call's bookkeeping: users of the API may create calls, only managers change them
        call.sudo().write({"request_id": request.id, "request_line_id": line.id, "billed_hours": hours})
        return call, False

    @api.model
    def _parse_call_payload(self, payload):
        """Check the call sent by the telephony system; the values of the call to create."""
        if not isinstance(payload, dict):
            raise PhoneCallError(self.env._("The call must be a JSON object."), "invalid_payload")
        errors = []
        call_id = payload.get("call_id")
        if isinstance(call_id, int) and not isinstance(call_id, bool):
            call_id = str(call_id)
        if not isinstance(call_id, str) or not call_id.strip():
            errors.append(self.env._("call_id is required."))
        for key in ("call_id", "phone", "agent", "request"):
            value = call_id if key == "call_id" else payload.get(key)
            if isinstance(value, str) and len(value) > MAX_TEXT_LENGTH:
                raise PhoneCallError(
                    self.env._("%(key)s is longer than %(max)s characters.", key=key, max=MAX_TEXT_LENGTH),
                    "invalid_payload",
                )
        phone = payload.get("phone")
        if not isinstance(phone, str) or not phone.strip():
            errors.append(self.env._("phone is required."))
        elif len(phone_match_key(phone) or "") < PHONE_MIN_DIGITS:
            errors.append(self.env._("phone %s has too few digits.", phone))
        start = self._parse_call_start(payload.get("start"))
        if not start:
            errors.append(self.env._("start must be a date and time in ISO 8601, e.g. 2026-03-10T09:30:00Z."))
        duration = payload.get("duration")
        if isinstance(duration, bool) or not isinstance(duration, (int, float)):
            errors.append(self.env._("duration (seconds) is required and must be a number."))
        elif not 0 < duration <= MAX_CALL_SECONDS:
            errors.append(
                self.env._("duration must be more than 0 and at most %s seconds.", MAX_CALL_SECONDS)
            )
        optional = {}
        for key in ("agent", "request"):
            value = payload.get(key)
            if value is not None and not isinstance(value, str):
                errors.append(self.env._("%s must be text.", key))
            optional[key] = (value or "").strip() if isinstance(value, str) else ""
        if errors:
            raise PhoneCallError(" ".join(errors), "invalid_payload")
        return {
            "call_id": call_id.strip(),
            "phone": phone.strip(),
            "start": start,
            "duration_seconds": math.ceil(duration),
            "agent_name": optional["agent"] or False,
            "request": optional["request"],
        }

    @api.model
    def _parse_call_start(self, value):
        """The UTC datetime of an ISO 8601 ``value`` (naive values are UTC), or None."""
        if not isinstance(value, str) or len(value) > MAX_TEXT_LENGTH:
            return None
        try:
            start = datetime.fromisoformat(value.strip())
            if start.tzinfo:
                start = start.astimezone(UTC).replace(tzinfo=None)
        except (ValueError, OverflowError):
            # not a date, or an offset that takes it out of the calendar (year 0 or 10000)
            return None
        return start.replace(microsecond=0)

    @api.model
    def _find_caller(self, phone, company):
        """The customer (commercial partner) and the contact whose number is ``phone``."""
        key = phone_match_key(phone)
        partners = self.env["res.partner"].search(
            Domain("after_sales_phone_key", "=", key) & Domain("company_id", "in", [False, company.id])
        )
        customers = partners.commercial_partner_id
        if not customers:
            raise PhoneCallError(
                self.env._("No customer has the phone number %s.", phone), "unknown_number", 404
            )
        if len(customers) > 1:
            raise PhoneCallError(
                self.env._(
                    "Phone number %(phone)s belongs to several customers: %(customers)s.",
                    phone=phone,
                    customers=", ".join(customers.mapped("display_name")),
                ),
                "ambiguous_number",
                409,
            )
        return customers, (partners - customers)[:1]

    @api.model
    def _find_request_for_call(self, customer, number, company):
        """The request ``number`` of ``customer``, else the customer's most recent open request.

        An empty recordset when the customer has no open request: a new one is opened.
        """
        Request = self.env["after_sales.request"]
        if not number:
            domain = (
                Domain("partner_id", "child_of", customer.id)
                & Domain("company_id", "=", company.id)
                & Domain("is_closed", "=", False)
                & Domain("is_resolved", "=", False)
            )
            return Request.search(domain, order="date_open desc, id desc", limit=1)
        request = Request.search([("name", "=", number), ("company_id", "=", company.id)], limit=1)
        if not request:
            raise PhoneCallError(self.env._("No request has the number %s.", number), "unknown_request", 404)
        if request.partner_id.commercial_partner_id != customer:
            raise PhoneCallError(
                self.env._(
                    "Request %(request)s is not a request of %(customer)s.",
                    request=number,
                    customer=customer.display_name,
                ),
                "request_mismatch",
                400,
            )
        if request.is_closed:
            raise PhoneCallError(
                self.env._("Request %s is closed: calls are not added to it.", number), "request_closed", 409
            )
        return request

    @api.model
    def _find_agent(self, agent, company):
        """The internal user of ``company`` whose login or name is ``agent``, if exactly one."""
        Users = self.env["res.users"]
        if not agent:
            return Users
        base = Domain("share", "=", False) & Domain("company_ids", "in", company.id)
        users = Users.search(base & Domain("login", "=ilike", agent), limit=2)
        if not users:
            users = Users.search(base & Domain("name", "=ilike", agent), limit=2)
        return users if len(users) == 1 else Users

    @api.model
    def _round_call_hours(self, seconds, contract, company=None):
        """Hours billed for a call of ``seconds``.

        Rounded up to the step of the contract (of the company without a contract),
        to the started minute when the step is zero, then raised to the minimum.
        """
        if contract:
            step, minimum = contract.phone_rounding_minutes, contract.phone_minimum_minutes
        else:
            company = company or self.env.company
            step = company.after_sales_phone_rounding_minutes
            minimum = company.after_sales_phone_minimum_minutes
        step_seconds = (step or 1) * 60
        minutes = -(-seconds // step_seconds) * (step or 1)
        return max(minutes, minimum) / 60.0

    def _get_phone_product(self):
        """The product of the phone support lines of this call's company."""
        self.ensure_one()
        product = self.company_id.after_sales_phone_product_id
        if not product:
            product = self.env.ref("after_sales_billing.product_phone_support", raise_if_not_found=False)
        return product if product and product.active else self.env["product.product"]

    def _prepare_phone_request_vals(self):
        """Values of the consultation request a call opens when its customer has none open (a hook)."""
        self.ensure_one()
        return {
            "title": self.env._("Phone consultation"),
            "partner_id": self.partner_id.id,
            "contact_id": self.contact_id.id,
            "company_id": self.company_id.id,
            "request_type": "consultation",
            "channel": "phone",
            "date_open": self.start,
            "user_id": self.agent_id.id,
        }

    def _prepare_phone_line_vals(self, request, hours):
        """Values of the done work line billing this call on ``request`` (a hook)."""
        self.ensure_one()
        start = fields.Datetime.context_timestamp(self, self.start).strftime("%Y-%m-%d %H:%M")
        minutes = math.ceil(self.duration_seconds / 60)
        agent = self.agent_id.name or self.agent_name
        if agent:
            name = self.env._(
                "Phone support %(start)s (%(minutes)s min, %(agent)s)",
                start=start,
                minutes=minutes,
                agent=agent,
            )
        else:
            name = self.env._("Phone support %(start)s (%(minutes)s min)", start=start, minutes=minutes)
        vals = {
            "request_id": request.id,
            "line_type": "work",
            "name": name,
            "quantity": hours,
            "done": True,
            "date": fields.Date.context_today(self, self.start),
            "work_start": self.start,
            "user_id": self.agent_id.id,
        }
        if product := self._get_phone_product():
            vals["product_id"] = product.id
        return vals

    def _get_api_result(self, duplicate):
        """What the endpoint answers about this call."""
        self.ensure_one()
        return {
            "call_id": self.call_id,
            "customer": self.partner_id.display_name,
            "request": self.request_id.name or None,
            "request_line_id": self.request_line_id.id or None,
            "hours": self.billed_hours,
            "duplicate": duplicate,
        }
