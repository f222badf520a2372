import json
import logging
import re

from psycopg2 import IntegrityError

from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from odoo.addons.after_sales_service.tools import has_nul, nul_error

_logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024


class AfterSalesPhoneCallController(http.Controller):
    """Calls of the telephony system, billed as phone support on service requests.

    POST a JSON object (see ``after_sales.phone.call._register_call``) with an API key
    of an After-Sales user: ``Authorization: Bearer <key>``. Answers 201 with the call
    registered, 200 for a call id already registered, or an error
    ``{"error": {"code": ..., "message": ...}}`` with nothing written. Every answer is JSON,
    a missing or wrong key (401) and an unexpected failure (500) included.
    """

    @http.route(
        "/after_sales/phone/call",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
    )
    def after_sales_phone_call(self):
        try:
            return self._after_sales_phone_call()
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            raise  # Odoo replays the request in a fresh transaction
        except Exception:
            _logger.exception("Phone call endpoint failed")
            request.env.cr.rollback()
            return self._error_response(500, "server_error", "The call could not be registered: retry later.")

    def _authenticate(self):
        """The uid of the API key in ``Authorization: Bearer <key>``, or None."""
        header = request.httprequest.headers.get("Authorization") or ""
        match = re.match(r"^bearer\s+(\S+)$", header.strip(), re.IGNORECASE)
        if not match or len(match.group(1)) > 1024:
            return None
        return request.env["res.users.apikeys"]._check_credentials(scope="rpc", key=match.group(1))

    def _after_sales_phone_call(self):
        uid = self._authenticate()
        if not uid:
            return self._error_response(
                401, "unauthorized", "Send an After-Sales user's API key: Authorization: Bearer <key>."
            )
        request.update_env(user=uid)
        env = request.env
        if not env.user.has_group("after_sales_service.group_after_sales_user"):
            return self._error_response(
                403, "forbidden", env._("The user of this API key is not an After-Sales user.")
            )
        if (request.httprequest.content_length or 0) > MAX_BODY_BYTES:
            return self._error_response(413, "too_large", env._("The request body is too large."))
        body = request.httprequest.get_data()
        if len(body) > MAX_BODY_BYTES:
            return self._error_response(413, "too_large", env._("The request body is too large."))
        try:
            payload = json.loads(body or b"null")
        except (ValueError, RecursionError):
            return self._error_response(400, "invalid_json", env._("The request body is not valid JSON."))
        if has_nul(payload):
            return self._error_response(400, "invalid_payload", nul_error(env))
        try:
            with env.cr.savepoint():
                call, duplicate = env["after_sales.phone.call"]._register_call(payload)
                result = call._get_api_result(duplicate)
        except IntegrityError:
            return self._error_response(
                409, "conflict", env._("The call is being registered by another request: retry.")
            )
        except AccessError as error:
            return self._error_response(403, "forbidden", error.args[0])
        except UserError as error:
            return self._error_response(error.http_status, getattr(error, "code", "rejected"), error.args[0])
        return request.make_json_response(result, status=200 if duplicate else 201)

    def _error_response(self, status, code, message):
        return request.make_json_response({"error": {"code": code, "message": message}}, status=status)
