"""1.1: e-mail intake.

Stages and mail templates are ``noupdate`` data: what 1.1 changes in them is written here for
databases installed before. The "Waiting for Customer" stage becomes the one a customer's
e-mail reply moves a request out of; the customer templates go to the addressee their
``partner_to`` names (the reporting contact) instead of the request's default recipients.

SLA escalation: open requests already past a warning or a deadline when the database is
upgraded are marked as warned / escalated at the time that level fell due, without a message
or an activity, so that the first run of the cron after the upgrade does not escalate the whole
backlog at once. From then on every level is escalated as it falls due.
"""

from odoo import SUPERUSER_ID, api, fields


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    stage = env.ref("after_sales_service.stage_waiting_customer", raise_if_not_found=False)
    if stage:
        stage.is_waiting_customer = True
    for xmlid in (
        "mail_template_request_created",
        "mail_template_request_stage",
        "mail_template_request_rating",
    ):
        template = env.ref(f"after_sales_service.{xmlid}", raise_if_not_found=False)
        if template:
            template.use_default_to = False
    Request = env["after_sales.request"].with_context(active_test=False)
    now = fields.Datetime.now()
    for request in Request.search([("sla_escalation_next", "<=", now)]):
        vals = {}
        for (kind, level), when in request._get_sla_escalations_pending().items():
            if when <= now:
                vals[f"sla_{kind}_escalated_at" if level == "breach" else f"sla_{kind}_warned_at"] = when
        if vals:
            request._write_unchecked(vals)
    env.flush_all()
