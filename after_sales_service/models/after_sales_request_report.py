from odoo import fields, models, tools
from odoo.tools import SQL

from .after_sales_request import CHANNELS, LIFECYCLE_STAGES, PRIORITIES, REQUEST_TYPES


class AfterSalesRequestReport(models.Model):
    """Request Analysis: one row per service request, figures averaged only where they exist.

    The request's stored floats cannot tell "no value" from 0 (an open request has
    a resolution time and an SLA compliance of 0, an unrated one a rating of 0), so
    averaging them on ``after_sales.request`` counts open requests as failures. Here
    those rows carry NULL, which SQL averages skip: the figures match the XLSX
    registry's (``after_sales.request.xlsx.wizard._slice_figures``).
    """

    _name = "after_sales.request.report"
    _description = "Request Analysis"
    _auto = False
    _order = "date_open desc, id desc"
    _rec_name = "name"
    # flushed before the view is read: the request's pending writes show at once
    _depends = {
        "after_sales.request": [
            "name",
            "title",
            "date_open",
            "partner_id",
            "equipment_id",
            "product_id",
            "cause_id",
            "lifecycle_stage",
            "request_type",
            "channel",
            "priority",
            "team_id",
            "user_id",
            "stage_id",
            "company_id",
            "damage_amount",
            "resolution_time",
            "is_resolved",
            "rating_last_value",
            "sla_response_deadline",
            "sla_resolution_deadline",
            "sla_response_breached",
            "sla_resolution_breached",
            "sla_resolution_date",
            "sla_response_warned_at",
            "sla_resolution_warned_at",
            "sla_response_escalated_at",
            "sla_resolution_escalated_at",
        ],
        "after_sales.request.stage": ["is_cancel"],
        "res.company": ["currency_id"],
    }

    request_id = fields.Many2one("after_sales.request", readonly=True)
    name = fields.Char(string="Number", readonly=True)
    title = fields.Char(string="Subject", readonly=True)
    date_open = fields.Datetime(string="Received", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    equipment_id = fields.Many2one("after_sales.equipment", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    cause_id = fields.Many2one("after_sales.cause", readonly=True)
    lifecycle_stage = fields.Selection(LIFECYCLE_STAGES, readonly=True)
    request_type = fields.Selection(REQUEST_TYPES, string="Type", readonly=True)
    channel = fields.Selection(CHANNELS, readonly=True)
    priority = fields.Selection(PRIORITIES, readonly=True)
    team_id = fields.Many2one("after_sales.team", readonly=True)
    user_id = fields.Many2one("res.users", string="Assigned to", readonly=True)
    stage_id = fields.Many2one("after_sales.request.stage", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    damage_amount = fields.Monetary(currency_field="currency_id", aggregator="sum", readonly=True)
    nbr = fields.Integer(string="# of Requests", aggregator="sum", readonly=True)
    resolution_time = fields.Float(
        string="Resolution Time (h)",
        aggregator="avg",
        readonly=True,
        help="Calendar hours from reception to resolution, averaged over resolved requests.",
    )
    sla_compliance = fields.Float(
        string="SLA Compliance (%)",
        aggregator="avg",
        readonly=True,
        help="Share of requests that met their SLA among those whose outcome is known: "
        "resolved, or with a deadline already missed. Requests without a deadline, "
        "cancelled ones and open ones still within their deadlines do not count.",
    )
    sla_breached = fields.Boolean(string="SLA Breached", readonly=True)
    sla_warning_count = fields.Integer(
        string="# SLA Warnings",
        aggregator="sum",
        readonly=True,
        help="SLA warnings sent for the request (response and resolution, 0 to 2).",
    )
    sla_escalation_count = fields.Integer(
        string="# SLA Breach Escalations",
        aggregator="sum",
        readonly=True,
        help="Breaches escalated to the team leader (response and resolution, 0 to 2).",
    )
    sla_warned = fields.Boolean(string="SLA Warning Sent", readonly=True)
    sla_escalated = fields.Boolean(string="SLA Breach Escalated", readonly=True)
    rating = fields.Float(
        aggregator="avg", readonly=True, help="Last customer rating, averaged over rated requests."
    )
    is_resolved = fields.Boolean(string="Resolved", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )

    def _query(self):
        # archived requests count too, as in the XLSX registry
        return SQL("SELECT %s FROM %s", self._select(), self._from())

    def _select(self):
        """Columns of the view (a hook for sibling modules: extend with ``super()``)."""
        return SQL(
            """
                r.id AS id,
                r.id AS request_id,
                r.name AS name,
                r.title AS title,
                r.date_open AS date_open,
                r.partner_id AS partner_id,
                r.equipment_id AS equipment_id,
                r.product_id AS product_id,
                r.cause_id AS cause_id,
                r.lifecycle_stage AS lifecycle_stage,
                r.request_type AS request_type,
                r.channel AS channel,
                r.priority AS priority,
                r.team_id AS team_id,
                r.user_id AS user_id,
                r.stage_id AS stage_id,
                r.company_id AS company_id,
                company.currency_id AS currency_id,
                COALESCE(r.damage_amount, 0) AS damage_amount,
                1 AS nbr,
                CASE WHEN r.sla_resolution_date IS NOT NULL THEN r.resolution_time END AS resolution_time,
                CASE
                    -- no SLA outcome: no deadline, or cancelled
                    WHEN (r.sla_response_deadline IS NULL AND r.sla_resolution_deadline IS NULL)
                        OR stage.is_cancel IS TRUE THEN NULL
                    WHEN r.sla_response_breached IS TRUE OR r.sla_resolution_breached IS TRUE THEN 0.0
                    WHEN r.is_resolved IS TRUE THEN 100.0
                    -- open and within its deadlines: not decided yet
                    ELSE NULL
                END AS sla_compliance,
                (r.sla_response_breached IS TRUE OR r.sla_resolution_breached IS TRUE) AS sla_breached,
                (r.sla_response_warned_at IS NOT NULL)::int
                    + (r.sla_resolution_warned_at IS NOT NULL)::int AS sla_warning_count,
                (r.sla_response_escalated_at IS NOT NULL)::int
                    + (r.sla_resolution_escalated_at IS NOT NULL)::int AS sla_escalation_count,
                (r.sla_response_warned_at IS NOT NULL
                    OR r.sla_resolution_warned_at IS NOT NULL) AS sla_warned,
                (r.sla_response_escalated_at IS NOT NULL
                    OR r.sla_resolution_escalated_at IS NOT NULL) AS sla_escalated,
                NULLIF(r.rating_last_value, 0) AS rating,
                r.is_resolved IS TRUE AS is_resolved
            """
        )

    def _from(self):
        """Tables of the view (a hook for sibling modules: extend with ``super()``)."""
        return SQL(
            """
                after_sales_request r
                JOIN after_sales_request_stage stage ON stage.id = r.stage_id
                JOIN res_company company ON company.id = r.company_id
            """
        )
