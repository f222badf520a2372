from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL, is_html_empty

from ..tools import symptom_words

# a line is in the first-time-fix kit when at least this share (%) of the similar requests used it
KIT_SHARE = 50.0
MAX_SUGGESTED_CAUSES = 5
MAX_SUGGESTED_LINES = 10


class AfterSalesRequestSolutionMixin(models.AbstractModel):
    """The knowledge a service request draws from history: suggestions and standard solutions.

    *Suggestions*: the causes, operations and parts of the *similar* requests, the resolved
    requests (archived too, not this one) of the request's company with, in this order, the
    same product and cause, the same product, the same product category and cause, the same
    product category: the first of these with any request (the cause ones only when the
    request has a cause). Each operation or part (a done work or part line with a product)
    comes with the number and share of the similar requests that used it, its usual quantity
    (the most frequent per request, the smaller of a tie) and the first-time-fix rate of those
    requests (the Reliability Analysis' definition, ``_sql_is_first_time_fix`` of
    ``after_sales.reliability``). The
    causes are those of the same product (or category) whatever the cause. The lines used by at
    least half of the similar requests are the first-time-fix kit, which one click adds.

    *Standard solutions*: the published solutions of the request's product (or a category it is
    in) and cause (or any cause), the product's own first, then those whose name or symptoms
    share the most words with the request's subject and description (``symptom_words``), then
    those of its cause; choosing one and applying it adds its lines. Lines are added
    as a user adds them (their own ``create`` and checks), never twice the same product.
    """

    _name = "after_sales.request.solution.mixin"
    _description = "Standard Solutions of a Service Request"

    solution_suggestion_html = fields.Html(
        string="Suggestions",
        compute="_compute_solution_suggestion_html",
        sanitize=False,
        groups="after_sales_service.group_after_sales_user",
        help="What solved the similar resolved requests: causes, operations and parts.",
    )
    has_solution_kit = fields.Boolean(
        compute="_compute_solution_suggestion_html", groups="after_sales_service.group_after_sales_user"
    )
    matching_solution_ids = fields.Many2many(
        "after_sales.standard.solution",
        string="Matching Solutions",
        compute="_compute_matching_solution_ids",
        groups="after_sales_service.group_after_sales_user",
        help="The published standard solutions of the request's product and cause.",
    )
    standard_solution_id = fields.Many2one(
        "after_sales.standard.solution",
        index="btree_not_null",
        check_company=True,
        copy=False,
        tracking=True,
        groups="after_sales_service.group_after_sales_user",
        help="The standard solution chosen for this request: Apply adds its operations and parts.",
    )

    @api.depends("product_id", "cause_id", "company_id")
    def _compute_solution_suggestion_html(self):
        for request in self:
            suggestions = request._get_solution_suggestions()
            request.has_solution_kit = any(line["in_kit"] for line in suggestions["lines"])
            request.solution_suggestion_html = (
                self.env["ir.qweb"]._render(
                    "after_sales_service.request_solution_suggestions",
                    {"request": request, "suggestions": suggestions},
                )
                if request.product_id
                else False
            )

    @api.depends("product_id", "cause_id", "company_id", "title", "description")
    def _compute_matching_solution_ids(self):
        requests = self.filtered("product_id")
        (self - requests).matching_solution_ids = False
        if not requests:
            return
        solutions = self.env["after_sales.standard.solution"].search(
            Domain("is_published", "=", True)
            & Domain("company_id", "in", requests.company_id.ids)
            & (
                Domain("product_id", "in", requests.product_id.ids)
                | (
                    Domain("product_id", "=", False)
                    & Domain("categ_id", "parent_of", requests.product_id.categ_id.ids)
                )
            )
        )
        for request in requests:
            matching = solutions.filtered(lambda solution, request=request: solution._matches(request))
            words = request._get_symptom_words()
            request.matching_solution_ids = matching.sorted(
                lambda s, words=words: (
                    not s.product_id,
                    -s._get_symptom_score(words),
                    not s.cause_id,
                    s.sequence,
                    s.name or "",
                    s.id,
                )
            )

    def _get_symptom_words(self):
        """The words of this request's subject and description that say its symptom (see
        ``symptom_words``), without those of its product's name (every solution of the product
        has them)."""
        self.ensure_one()
        return symptom_words(self.title, self.description) - symptom_words(self.product_id.name)

    # ------------------------------------------------------------ actions

    def action_apply_suggestions(self):
        """Add the first-time-fix kit of the similar requests to this request."""
        self.ensure_one()
        self._apply_solution_suggestions()
        return True

    def action_apply_standard_solution(self):
        """Add the chosen standard solution's operations and parts to this request."""
        self.ensure_one()
        if not self.standard_solution_id:
            raise UserError(self.env._("Choose the standard solution to apply."))
        self._apply_standard_solution(self.standard_solution_id)
        return True

    def action_promote_to_solution(self):
        """Write a draft standard solution from this resolved request and open it."""
        self.ensure_one()
        self._check_can_promote()
        solution = self._promote_to_solution()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Standard Solution"),
            "res_model": "after_sales.standard.solution",
            "res_id": solution.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    # ------------------------------------------------------------ business

    def _get_solution_suggestions(self):
        """What solved the similar requests (see the class):

        ``{"level": which requests are similar (product_cause, product, category_cause,
        category) or False, "count": their number, "ftf_rate": their first-time-fix rate (%),
        "causes": [{"cause", "count", "share", "ftf_rate"}], "lines": [{"line_type", "product",
        "count", "share", "ftf_rate", "quantity", "in_kit"}]}``, most used first. A few queries
        whatever the history holds.
        """
        self.ensure_one()
        result = {"level": False, "count": 0, "ftf_rate": None, "causes": [], "lines": []}
        if not self.product_id:
            return result
        # the history is read in SQL: what is still pending in the cache is written first
        for model in ("after_sales.request", "after_sales.request.line", "after_sales.visit"):
            self.env[model].flush_model()
        Request = self.env["after_sales.request"].with_context(active_test=False)
        base = Domain("is_resolved", "=", True) & Domain("company_id", "=", self.company_id.id)
        if self._origin.id:
            base &= Domain("id", "!=", self._origin.id)
        product = Domain("product_id", "=", self.product_id.id)
        category = Domain("product_categ_id", "=", self.product_id.categ_id.id)
        cause = Domain("cause_id", "=", self.cause_id.id)
        levels = [
            ("product_cause", product, cause),
            ("product", product, Domain.TRUE),
            ("category_cause", category, cause),
            ("category", category, Domain.TRUE),
        ]
        found = next(
            (
                (level, scope, narrow)
                for level, scope, narrow in levels
                if (narrow.is_true() or self.cause_id)
                and Request.search_count(base & scope & narrow, limit=1)
            ),
            None,
        )
        if not found:
            return result
        level, scope, narrow = found
        basis = self._sql_solution_basis(base & scope & narrow)
        count, fixed = self.env.execute_query(
            SQL("SELECT COUNT(*), COUNT(*) FILTER (WHERE ftf) FROM (%s) basis", basis)
        )[0]
        result.update(level=level, count=count, ftf_rate=fixed * 100.0 / count)
        result["causes"] = self._get_suggested_causes(base & scope)
        result["lines"] = self._get_suggested_lines(basis, count)
        return result

    def _sql_solution_basis(self, domain):
        """SELECT of the requests of ``domain`` (read with the user's rights): id, cause_id and
        ftf (a first-time fix)."""
        query = self.env["after_sales.request"].with_context(active_test=False)._search(domain)
        table = SQL.identifier(query.table)
        return query.select(
            SQL("%s.id AS id", table),
            SQL("%s.cause_id AS cause_id", table),
            SQL("(%s) AS ftf", self.env["after_sales.reliability"]._sql_is_first_time_fix(query.table)),
        )

    def _get_suggested_causes(self, domain):
        """The causes of the requests of ``domain``, most frequent first."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT basis.cause_id, COUNT(*), COUNT(*) FILTER (WHERE basis.ftf),
                       SUM(COUNT(*)) OVER ()
                  FROM (%s) basis
                 GROUP BY basis.cause_id
                 ORDER BY COUNT(*) DESC, COUNT(*) FILTER (WHERE basis.ftf) DESC, basis.cause_id
                """,
                self._sql_solution_basis(domain),
            )
        )
        causes = []
        for cause_id, count, fixed, total in rows:
            if cause_id and len(causes) < MAX_SUGGESTED_CAUSES:
                causes.append(
                    {
                        "cause": self.env["after_sales.cause"].browse(cause_id),
                        "count": count,
                        "share": count * 100.0 / float(total),
                        "ftf_rate": fixed * 100.0 / count,
                    }
                )
        return causes

    def _get_suggested_lines(self, basis, count):
        """The operations and parts done on the requests of ``basis`` (``count`` of them)."""
        self.env["after_sales.request.line"].check_access("read")
        rows = self.env.execute_query(
            SQL(
                """
                WITH basis AS (%(basis)s),
                used AS (
                    SELECT line.request_id, line.line_type, line.product_id, SUM(line.quantity) AS qty
                      FROM after_sales_request_line line
                      JOIN basis ON basis.id = line.request_id
                     WHERE line.line_type IN ('work', 'part') AND line.done IS TRUE
                       AND line.product_id IS NOT NULL AND line.quantity > 0
                     GROUP BY line.request_id, line.line_type, line.product_id
                )
                SELECT used.line_type, used.product_id, COUNT(*), COUNT(*) FILTER (WHERE basis.ftf),
                       mode() WITHIN GROUP (ORDER BY used.qty)
                  FROM used JOIN basis ON basis.id = used.request_id
                 GROUP BY used.line_type, used.product_id
                 ORDER BY COUNT(*) DESC, COUNT(*) FILTER (WHERE basis.ftf) DESC, used.line_type DESC,
                          used.product_id
                 LIMIT %(limit)s
                """,
                basis=basis,
                limit=MAX_SUGGESTED_LINES,
            )
        )
        products = self.env["product.product"].browse([row[1] for row in rows])
        return [
            {
                "line_type": line_type,
                "product": products.browse(product_id),
                "count": used,
                "share": used * 100.0 / count,
                "ftf_rate": fixed * 100.0 / used,
                "quantity": quantity,
                "in_kit": used * 100.0 / count >= KIT_SHARE,
            }
            for line_type, product_id, used, fixed, quantity in rows
        ]

    def _apply_solution_suggestions(self):
        """Add the first-time-fix kit (see the class) to this request."""
        self.ensure_one()
        suggestions = self._get_solution_suggestions()
        specs = [
            (line["line_type"], line["product"], line["quantity"])
            for line in suggestions["lines"]
            if line["in_kit"]
        ]
        if not specs:
            raise UserError(
                self.env._(
                    "No operation or part was used by at least half of the requests similar to %s: "
                    "add the lines yourself or apply a standard solution.",
                    self.name,
                )
            )
        lines = self._add_solution_lines(specs)
        self.message_post(
            body=self.env._(
                "First-time-fix kit of %(count)s similar requests added: %(lines)s.",
                count=suggestions["count"],
                lines=", ".join(lines.mapped("product_id.display_name")),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return lines

    def _apply_standard_solution(self, solution):
        """Add the operations and parts of ``solution`` to this request."""
        self.ensure_one()
        # read and checked as the user of the request, in their language
        solution = solution.with_env(self.env)
        solution._check_applies_to(self)
        lines = self._add_solution_lines(solution._get_line_specs())
        self.message_post(
            body=self.env._(
                "Standard solution %(solution)s applied: %(lines)s.",
                solution=solution.name,
                lines=", ".join(lines.mapped("product_id.display_name")),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return lines

    def _add_solution_lines(self, specs):
        """Create the service lines of ``specs`` (``[(line type, product, quantity)]``) that the
        request does not have yet, as the user adds lines: their own ``create`` decides and
        checks the rest (coverage, prices, parts to request from stock, a closed request...)."""
        self.ensure_one()
        self.check_access("write")
        present = {(line.line_type, line.product_id) for line in self.line_ids}
        specs = [
            (line_type, product, qty)
            for line_type, product, qty in specs
            if (line_type, product) not in present
        ]
        if not specs:
            raise UserError(self.env._("Request %s already has these operations and parts.", self.name))
        sequence = max(self.line_ids.mapped("sequence"), default=0)
        return self.env["after_sales.request.line"].create(
            [
                self._prepare_solution_line_vals(line_type, product, qty, sequence + index)
                for index, (line_type, product, qty) in enumerate(specs, start=1)
            ]
        )

    def _prepare_solution_line_vals(self, line_type, product, quantity, sequence):
        """Values of a service line a standard solution or the kit adds (a hook)."""
        self.ensure_one()
        return {
            "request_id": self.id,
            "sequence": sequence,
            "line_type": line_type,
            "product_id": product.id,
            "quantity": quantity,
        }

    def _check_can_promote(self):
        self.ensure_one()
        if not self.is_resolved:
            raise UserError(
                self.env._("Resolve request %s before making its resolution a standard solution.", self.name)
            )
        if not self.product_id:
            raise UserError(
                self.env._("Request %s has no product: set its unit or product first.", self.name)
            )
        if is_html_empty(self.resolution) and not self.line_ids:
            raise UserError(
                self.env._("Request %s has neither a resolution nor lines to make a solution of.", self.name)
            )

    def _promote_to_solution(self):
        """A draft standard solution from this resolved request (its author: the user)."""
        self.ensure_one()
        Solution = self.env["after_sales.standard.solution"]
        solution = Solution.create(Solution._prepare_from_request_vals(self))
        self.message_post(
            body=self.env._("Standard solution %s drafted from this request.", solution._get_html_link()),
            subtype_xmlid="mail.mt_note",
        )
        return solution
