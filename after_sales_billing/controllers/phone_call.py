import json

from psycopg2 import IntegrityError

from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.http import request


class AfterSalesPhoneCallController(http.Controller):
    """Calls of the telephony system, billed as phone support on service requests.

    POST a JSON object (see ``after_sales.phone.call._register_call``) with an API key
    of an After-Sales user: ``Authorization: Bearer <key>``. Answers 201 with the call
    registered, 200 for a call id already registered, or an error
    ``{"error": {"code": ..., "message": ...}}`` with nothing written.
    """

    @http.route(
        "/after_sales/phone/call",
        type="http",
        auth="bearer",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def after_sales_phone_call(self):
        env = request.env
        if not env.user.has_group("after_sales_service.group_after_sales_user"):
            return self._error_response(
                403, "forbidden", env._("The user of this API key is not an After-Sales user.")
            )
        try:
            payload = json.loads(request.httprequest.get_data() or b"null")
        except ValueError:
            return self._error_response(400, "invalid_json", env._("The request body is not valid JSON."))
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
