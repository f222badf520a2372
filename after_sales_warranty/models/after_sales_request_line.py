from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from ..tools import SelectionValue, coverage_reason, coverage_reason_display

_lt = LazyTranslate(__name__)

COVERAGE = [("warranty", "Warranty"), ("contract", "Contract"), ("goodwill", "Goodwill"), ("paid", "Paid")]


class AfterSalesRequestLine(models.Model):
    _inherit = "after_sales.request.line"

    coverage = fields.Selection(
        COVERAGE,
        compute="_compute_coverage",
        store=True,
        readonly=False,
        index=True,
        copy=False,
        help="Who pays for the line: decided from the unit's warranty and the customer's contract, "
        "or set by a warranty officer.",
    )
    coverage_reason = fields.Char(
        string="Coverage Reason as Recorded",
        compute="_compute_coverage",
        store=True,
        readonly=False,
        copy=False,
        help="The reason as the engine or the person recorded it; shown translated as Coverage Reason.",
    )
    coverage_reason_data = fields.Json(
        compute="_compute_coverage",
        store=True,
        readonly=False,
        copy=False,
        help="The facts of the engine's reason (its term and parameters), to show it in each reader's "
        "language; empty for a reason typed by a person.",
    )
    coverage_reason_display = fields.Char(
        string="Coverage Reason",
        compute="_compute_coverage_reason_display",
        help="Why the line is covered or paid, in your language: the engine's reason, or the one typed "
        "by the person who overrode the coverage.",
    )
    coverage_qty_included = fields.Float(
        string="Included Quantity",
        compute="_compute_coverage",
        store=True,
        readonly=False,
        copy=False,
        digits="Product Unit",
        help="Of a paid line, the part that what is left of the contract's quota includes "
        "(the customer pays the rest). Zero when the line is covered or paid in full.",
    )
    # a plain field, not one of the compute's: a value sent for it (the web client sends False
    # for new lines) must not stop the coverage from being decided
    coverage_manual = fields.Boolean(
        string="Coverage Overridden",
        copy=False,
        help="A warranty officer set the coverage by hand: it is no longer decided automatically.",
    )
    vendor_claim_line_ids = fields.One2many(
        "after_sales.vendor.claim.line", "request_line_id", string="Vendor Claim Lines"
    )

    @api.depends(
        "product_id",
        "line_type",
        "quantity",
        "uom_id",
        "equipment_id",
        "request_id.request_type",
        "request_id.contract_id",
    )
    def _compute_coverage(self):
        """Decided whenever a line is made or its product, type, quantity or unit changes.

        Whatever the client sends with the line; kept as it is where a person overrode it or
        where it may no longer change (``_is_coverage_locked``).
        """
        lines = self.filtered(lambda line: not line._is_coverage_locked())
        decisions = lines._decide_coverage()
        for line in lines:
            line.coverage, line.coverage_reason, line.coverage_qty_included = decisions[line.id]
            line.coverage_reason_data = getattr(decisions[line.id][1], "data", False) or False
        for line in self - lines:
            # keep the stored decision (assigning it marks the field computed)
            origin = line._origin
            line.coverage, line.coverage_reason = origin.coverage, origin.coverage_reason
            line.coverage_qty_included = origin.coverage_qty_included
            line.coverage_reason_data = origin.coverage_reason_data

    @api.depends("coverage_reason", "coverage_reason_data")
    @api.depends_context("lang")
    def _compute_coverage_reason_display(self):
        for line in self:
            line.coverage_reason_display = coverage_reason_display(
                line.env, line.coverage_reason, line.coverage_reason_data
            )

    # ------------------------------------------------------------------ CRUD

    @api.model
    def _without_empty_coverage(self, vals):
        """``vals`` less an empty coverage a client sent: that is no decision, the line is decided."""
        if "coverage" in vals and not vals["coverage"]:
            return {
                key: value
                for key, value in vals.items()
                if key not in ("coverage", "coverage_reason", "coverage_qty_included")
            }
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [self._without_empty_coverage(vals) for vals in vals_list]
        overrides = [vals for vals in vals_list if "coverage" in vals or vals.get("coverage_manual")]
        if overrides:
            self._check_coverage_override(overrides)
            for vals in overrides:
                vals["coverage_manual"] = bool(vals.get("coverage"))
                vals.setdefault("coverage_qty_included", 0.0)  # a person decides the whole line
        lines = super().create(vals_list)
        lines.request_id._sync_repair_under_warranty()
        return lines

    def write(self, vals):
        vals = self._without_empty_coverage(vals)
        if "coverage" in vals or "coverage_manual" in vals:
            # a coverage set by a person stays: the engine no longer decides the line
            self._check_coverage_override([vals])
            vals = dict(vals, coverage_manual=bool(vals.get("coverage", True)))
            if "coverage" in vals:
                vals.setdefault("coverage_qty_included", 0.0)  # a person decides the whole line
                vals.setdefault("coverage_reason_data", False)  # the reason is the person's words
        res = super().write(vals)
        if {"coverage", "product_id", "line_type"} & set(vals):
            self.request_id._sync_repair_under_warranty()
        return res

    def unlink(self):
        requests = self.request_id
        res = super().unlink()
        requests.exists()._sync_repair_under_warranty()
        return res

    # --------------------------------------------------------------- actions

    def action_override_coverage(self):
        self._check_can_override_coverage()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Override Coverage"),
            "res_model": "after_sales.coverage.override.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": self._name, "active_ids": self.ids},
        }

    # -------------------------------------------------------------- business

    def _check_can_override_coverage(self):
        if not (self.env.su or self.env.user.has_group("after_sales_warranty.group_warranty_officer")):
            raise AccessError(
                self.env._("Only warranty officers can override the coverage of a service line.")
            )

    def _check_coverage_override(self, vals_list):
        if self.env.su:
            return
        self._check_can_override_coverage()
        for vals in vals_list:
            if "coverage" in vals and not (vals.get("coverage_reason") or "").strip():
                raise UserError(self.env._("Give the reason for overriding the coverage."))

    def _is_coverage_locked(self):
        """Whether this line's coverage stays as it is when the line changes (a hook).

        Overridden by a person here; sibling modules add their own reasons (e.g. invoiced).
        """
        self.ensure_one()
        return self.coverage_manual

    def _override_coverage(self, coverage, reason):
        """Set ``coverage`` by hand with a mandatory ``reason``; tracked on the request."""
        self._check_can_override_coverage()
        if coverage not in dict(COVERAGE):
            raise UserError(self.env._("Choose a coverage."))
        if not (reason or "").strip():
            raise UserError(self.env._("Give the reason for overriding the coverage."))
        labels = dict(self._fields["coverage"]._description_selection(self.env))
        old = {line.id: line.coverage for line in self}
        self.write(
            {
                "coverage": coverage,
                "coverage_reason": reason.strip(),
                "coverage_qty_included": 0.0,
                "coverage_manual": True,
            }
        )
        for line in self:
            line.request_id.message_post(
                body=self.env._(
                    "Coverage of line %(line)s changed from %(old)s to %(new)s: %(reason)s",
                    line=line.name,
                    old=labels.get(old[line.id], "-"),
                    new=labels[coverage],
                    reason=reason.strip(),
                )
            )
        return True

    def _redecide_coverage(self):
        """Decide the coverage of these lines again: their compute runs (not a write, which is a
        person's override), and what depends on the coverage follows."""
        fnames = ["coverage", "coverage_reason", "coverage_reason_data", "coverage_qty_included"]
        self.modified(fnames)
        for fname in fnames:
            self.env.add_to_compute(self._fields[fname], self)
        self.request_id._sync_repair_under_warranty()

    @api.model
    def _get_warranty_request_types(self):
        """Request types whose work the warranty can cover (a hook): not maintenance, training..."""
        return {"claim", "repair", "consultation"}

    def _get_coverage_day(self):
        """Day the coverage is decided for: the request's date."""
        self.ensure_one()
        request = self.request_id
        return fields.Date.context_today(self, request.date_open) if request.date_open else self.date

    def _decide_coverage(self):
        """Coverage of each line of ``self``: ``{line.id: (coverage, reason, included quantity)}``.

        In order: the unit's warranty on the request date at its current hours (parts or labour
        side, part categories excluded by the unit's terms, void), then the included services of
        the customer's contract within the remaining quota of the period (a line larger than
        what is left is paid, with what is left included: 2 h of a 4 h visit), else paid. Goodwill is
        only ever set by hand. Batch-safe: the contract quota used by other lines is read in one
        query for the whole recordset. Sibling modules extend the result with ``super()``.
        """
        result = {}
        if not self:
            return result
        warranty_types = self._get_warranty_request_types()
        services = self._get_contract_services()
        used = self._get_contract_quota_used(services)
        remaining = {}
        for line in self:
            request = line.request_id
            day = line._get_coverage_day()
            unit = line.equipment_id or request.equipment_id
            reason = coverage_reason(self.env, _lt("No equipment unit on the request."))
            if unit and request.request_type not in warranty_types:
                reason = coverage_reason(
                    self.env,
                    _lt(
                        "The warranty does not cover %s requests.",
                        SelectionValue(request._name, "request_type", request.request_type),
                    ),
                )
            elif unit:
                covered, reason = line._decide_warranty(unit, day)
                if covered:
                    result[line.id] = ("warranty", reason, 0.0)
                    continue
            service, bounds = services.get(line.id, (False, False))
            if service:
                key = (service.id, bounds[0])
                if key not in remaining:
                    remaining[key] = service.quantity - sum(
                        qty
                        for (contract_id, product_id, date), qty in used.items()
                        if contract_id == service.contract_id.id
                        and product_id == service.product_id.id
                        and bounds[0] <= date <= bounds[1]
                    )
                if line.quantity <= remaining[key] + 1e-6:
                    remaining[key] -= line.quantity
                    result[line.id] = (
                        "contract",
                        coverage_reason(
                            self.env,
                            _lt(
                                "Included in contract %(contract)s (%(left)s left until %(end)s).",
                                contract=service.contract_id.name,
                                left=round(remaining[key], 2),
                                end=bounds[1],
                            ),
                        ),
                        0.0,
                    )
                    continue
                included = round(remaining[key], 6)
                if included > 1e-6:
                    remaining[key] = 0.0
                    result[line.id] = (
                        "paid",
                        coverage_reason(
                            self.env,
                            _lt(
                                "%(included)s of %(quantity)s %(unit)s included in contract %(contract)s "
                                "(its quota until %(end)s is used up); the rest is paid.",
                                included=round(included, 2),
                                quantity=round(line.quantity, 2),
                                unit=line.uom_id.name or "",
                                contract=service.contract_id.name,
                                end=bounds[1],
                            ),
                        ),
                        included,
                    )
                    continue
                reason = coverage_reason(
                    self.env,
                    _lt(
                        "%(reason)s Contract %(contract)s quota of %(qty)s used up until %(end)s.",
                        reason=reason,
                        contract=service.contract_id.name,
                        qty=service.quantity,
                        end=bounds[1],
                    ),
                )
            result[line.id] = ("paid", reason, 0.0)
        return result

    def _decide_warranty(self, unit, day):
        """(covered, reason) of this line by ``unit``'s warranty on ``day`` (see the unit's)."""
        self.ensure_one()
        return unit._decide_warranty(day, self.line_type, self.product_id)

    def _get_contract_services(self):
        """{line.id: (contract service, (period start, period end))} of lines a contract includes."""
        result = {}
        for line in self:
            contract = line.request_id.contract_id
            if not contract or not line.product_id:
                continue
            day = line._get_coverage_day()
            unit = line.equipment_id or line.request_id.equipment_id
            if not contract._covers(unit, day):
                continue
            service = next((s for s in contract.service_ids if s.product_id == line.product_id), False)
            if service:
                result[line.id] = (service, service._get_period_bounds(line.date or day))
        return result

    def _get_contract_quota_used(self, services):
        """{(contract id, product id, date): quantity} already included by contract on other lines.

        Lines covered by contract count in full, paid lines with what the contract included.
        """
        if not services:
            return {}
        Line = self.env["after_sales.request.line"]
        # other lines still waiting for their decision are decided (and written) first
        (self.env.records_to_compute(Line._fields["coverage"]) - self)._recompute_recordset(["coverage"])
        Line.flush_model(
            ["quantity", "date", "product_id", "request_id", "coverage", "coverage_qty_included"]
        )
        self.env["after_sales.request"].flush_model(["contract_id"])
        values = list(services.values())
        query = SQL(
            """
            SELECT request.contract_id, line.product_id, line.date,
                   SUM(CASE WHEN line.coverage = 'contract' THEN line.quantity
                            ELSE line.coverage_qty_included END)
              FROM after_sales_request_line line
              JOIN after_sales_request request ON request.id = line.request_id
             WHERE (line.coverage = 'contract' OR line.coverage_qty_included > 0)
               AND request.contract_id = ANY(%(contracts)s)
               AND line.product_id = ANY(%(products)s)
               AND line.date BETWEEN %(start)s AND %(end)s
               AND NOT (line.id = ANY(%(ids)s))
          GROUP BY 1, 2, 3
            """,
            contracts=list({service.contract_id.id for service, _bounds in values}),
            products=list({service.product_id.id for service, _bounds in values}),
            start=min(bounds[0] for _service, bounds in values),
            end=max(bounds[1] for _service, bounds in values),
            ids=[line_id for line_id in self._origin.ids if isinstance(line_id, int)],
        )
        rows = self.env.execute_query(query)
        return {(contract_id, product_id, date): qty for contract_id, product_id, date, qty in rows}

    def _get_vendor_warranty(self):
        """(vendor, warranty end) when the vendor's warranty covers this warranty line, else (False, False).

        Parts are claimed from the part's vendor, work from the vendor of the unit's product; the
        vendor's months (on the vendor line, else on the product) run from the unit's warranty start.
        """
        self.ensure_one()
        unit = self.equipment_id or self.request_id.equipment_id
        product = self.product_id if self.line_type == "part" else unit.product_id
        if not unit or not product:
            return False, False
        return unit._get_vendor_warranty(product, self._get_coverage_day(), self.company_id)
