"""1.1: e-mail intake.

Stages and mail templates are ``noupdate`` data: what 1.1 changes in them is written here for
databases installed before. The "Waiting for Customer" stage becomes the one a customer's
e-mail reply moves a request out of; the customer templates go to the addressee their
``partner_to`` names (the reporting contact) instead of the request's default recipients.
"""

from odoo import SUPERUSER_ID, api


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
