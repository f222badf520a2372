from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import is_html_empty

from ..tools import check_finite_numbers, symptom_words


class AfterSalesStandardSolution(models.Model):
    """A standard solution: how a known problem of a product (or a product category) is solved.

    The knowledge base of the service: the operations and parts that fix the problem, and the
    description of the fix. Engineers write drafts (or promote a resolved request); managers
    publish them; every After-Sales user reads the published ones of their companies, and a
    request lists those of its product and cause, whose lines one click adds to it.
    """

    _name = "after_sales.standard.solution"
    _description = "Standard Solution"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sequence, name, id"
    _check_company_auto = True
    # every user reading a solution may discuss it (engineers comment on published ones)
    _mail_post_access = "read"
    _rec_names_search = ["name", "symptoms", "product_id.name", "product_id.default_code"]

    name = fields.Char(required=True, translate=True, tracking=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    product_id = fields.Many2one(
        "product.product",
        index="btree_not_null",
        check_company=True,
        tracking=True,
        help="The product this solution fixes; leave it empty for a whole product category.",
    )
    categ_id = fields.Many2one(
        "product.category",
        string="Product Category",
        compute="_compute_categ_id",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        tracking=True,
        help="The category of the products this solution fixes (the product's, when one is given).",
    )
    cause_id = fields.Many2one(
        "after_sales.cause",
        index="btree_not_null",
        tracking=True,
        help="The cause this solution fixes; empty: any cause of the product.",
    )
    symptoms = fields.Char(
        translate=True,
        help="The words customers and engineers use for the problem (what is searched).",
    )
    description = fields.Html(translate=True, help="How to diagnose and fix the problem.")
    line_ids = fields.One2many(
        "after_sales.standard.solution.line", "solution_id", string="Operations and Parts", copy=True
    )
    is_published = fields.Boolean(
        string="Published",
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
        help="Published by a manager: every After-Sales user of the company reads it and requests "
        "list it. A draft is read by its author and the managers only.",
    )
    author_id = fields.Many2one(
        "res.users",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
        domain=[("share", "=", False)],
        tracking=True,
    )
    source_request_id = fields.Many2one(
        "after_sales.request",
        string="From Request",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
        help="The resolved request this solution was promoted from.",
    )

    @api.depends("product_id")
    def _compute_categ_id(self):
        for solution in self:
            if solution.product_id:
                solution.categ_id = solution.product_id.categ_id

    @api.constrains("product_id", "categ_id")
    def _check_product_or_category(self):
        for solution in self:
            if not solution.product_id and not solution.categ_id:
                raise ValidationError(
                    self.env._(
                        "Standard solution %s: give the product or the product category it fixes.",
                        solution.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        check_finite_numbers(self, vals_list)
        fnames = set().union(*vals_list) if vals_list else set()
        self._check_publish_access(fnames)
        if not self._is_manager() and any(
            vals.get("author_id", self.env.uid) != self.env.uid for vals in vals_list
        ):
            raise AccessError(self.env._("A standard solution's author is the user who writes it."))
        return super().create(vals_list)

    def write(self, vals):
        check_finite_numbers(self, [vals])
        self._check_publish_access(set(vals))
        if "author_id" in vals and not self._is_manager():
            raise AccessError(self.env._("A standard solution's author is the user who writes it."))
        return super().write(vals)

    # ------------------------------------------------------------ actions

    def action_publish(self):
        """Publish these solutions (managers): requests list them, every user reads them."""
        self._check_can_publish()
        self._action_publish()
        return True

    def action_unpublish(self):
        """Withdraw these solutions back to drafts (managers)."""
        self._check_publish_access({"is_published"})
        self.write({"is_published": False})
        return True

    # ------------------------------------------------------------ business

    def _is_manager(self):
        return self.env.su or self.env.user.has_group("after_sales_service.group_after_sales_manager")

    def _check_publish_access(self, fnames):
        if "is_published" in fnames and not self._is_manager():
            raise AccessError(self.env._("Only After-Sales managers publish or withdraw standard solutions."))

    def _check_can_publish(self):
        self._check_publish_access({"is_published"})
        for solution in self:
            if solution._is_empty():
                raise UserError(
                    self.env._(
                        "Standard solution %s is empty: describe the fix or give its operations and "
                        "parts before publishing it.",
                        solution.name,
                    )
                )

    def _action_publish(self):
        self.filtered(lambda solution: not solution.is_published).write({"is_published": True})

    def _is_empty(self):
        self.ensure_one()
        return not self.line_ids and is_html_empty(self.description)

    def _matches(self, request):
        """Whether this solution is one of ``request``'s: same company, for its product (or a
        category its product is in) and its cause (or any cause)."""
        self.ensure_one()
        if self.company_id != request.company_id or not request.product_id:
            return False
        if self.cause_id and request.cause_id and self.cause_id != request.cause_id:
            return False
        return self._is_for_product(request.product_id)

    def _get_symptom_score(self, words):
        """How many of the request's symptom ``words`` (``symptom_words``) this solution's name
        and symptoms share, read in the user's language."""
        self.ensure_one()
        return len(words & symptom_words(self.name, self.symptoms))

    def _is_for_product(self, product):
        """Whether this solution fixes ``product``: it is its product, or in its category."""
        self.ensure_one()
        if self.product_id:
            return self.product_id == product
        return bool(self.categ_id) and product.categ_id.parent_path.startswith(self.categ_id.parent_path)

    def _check_applies_to(self, request):
        """Refuse applying this solution to ``request``: empty, of another company or for another
        product. (A draft applies too: its author and the managers read it to try it.)"""
        self.ensure_one()
        if not self.line_ids:
            raise UserError(self.env._("Standard solution %s has no operations or parts to add.", self.name))
        if self.company_id != request.company_id:
            raise UserError(
                self.env._(
                    "Standard solution %(solution)s belongs to another company than request %(request)s.",
                    solution=self.name,
                    request=request.name,
                )
            )
        if not request.product_id:
            raise UserError(
                self.env._("Request %s has no product: set its unit or product first.", request.name)
            )
        if not self._is_for_product(request.product_id):
            raise UserError(
                self.env._(
                    "Standard solution %(solution)s is for %(target)s, not for %(product)s of request "
                    "%(request)s.",
                    solution=self.name,
                    target=(self.product_id or self.categ_id).display_name,
                    product=request.product_id.display_name,
                    request=request.name,
                )
            )

    def _get_line_specs(self):
        """The lines this solution adds to a request: ``[(line type, product, quantity)]``."""
        self.ensure_one()
        return [(line.line_type, line.product_id, line.quantity) for line in self.line_ids]

    @api.model
    def _prepare_from_request_vals(self, request):
        """Values of the draft solution promoted from the resolved ``request``: its product,
        cause, resolution and the operations and parts it used (one line per product)."""
        quantities = {}
        for line in request.line_ids:
            if line.line_type not in ("work", "part") or not line.product_id or not line.quantity:
                continue
            key = (line.line_type, line.product_id)
            quantities[key] = quantities.get(key, 0.0) + line.quantity
        return {
            "name": request.title,
            "company_id": request.company_id.id,
            "product_id": request.product_id.id,
            "cause_id": request.cause_id.id,
            "symptoms": request.title,
            "description": request.resolution,
            "source_request_id": request.id,
            "line_ids": [
                fields.Command.create({"line_type": line_type, "product_id": product.id, "quantity": qty})
                for (line_type, product), qty in quantities.items()
            ],
        }
