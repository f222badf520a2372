from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    after_sales_sla_policy_id = fields.Many2one(
        "after_sales.sla.policy",
        string="Default SLA Policy",
        help="Applies to requests not covered by a contract with its own policy.",
    )
    after_sales_team_id = fields.Many2one(
        "after_sales.team",
        string="Default Service Team",
        help="Its e-mail alias is the company's service address; requests received by e-mail "
        "without a team of their own go to this team.",
    )
    after_sales_closed_reply = fields.Selection(
        [
            ("reopen", "Reopen the request"),
            ("followup", "Create a follow-up request"),
        ],
        string="Reply to a Closed Request",
        default="followup",
        required=True,
        help="What a customer's e-mail reply to a closed request does: reopen it, or open a new "
        "request linked to it (the closed one keeps its dates and SLA results).",
    )
    after_sales_visit_product_id = fields.Many2one(
        "product.product",
        string="Visit Product",
        domain=[("type", "=", "service")],
        help="A done on-site visit becomes one work line of its request with this product: one "
        "call-out, or the hours on site when the product is sold by the hour. Empty: visits add "
        "no line (the time is logged on the request).",
    )
