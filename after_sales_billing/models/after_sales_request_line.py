from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_is_zero, float_round

COVERED = ("warranty", "contract", "goodwill")
# what an invoice states about a line: none of it changes once invoiced, except through a credit
INVOICED_FIELDS = (
    "request_id",
    "line_type",
    "product_id",
    "name",
    "quantity",
    "uom_id",
    "date",
    "work_start",
    "done",
    "price_unit",
    "tax_ids",
    "coverage",
    "coverage_reason",
    "coverage_manual",
    "coverage_qty_included",
)
# what the act of completed work states about a line: a change voids the customer's signature
ACT_FIELDS = (
    "line_type",
    "product_id",
    "name",
    "quantity",
    "uom_id",
    "done",
    "customer_visible",
    "price_unit",
    "coverage",
    "coverage_reason",
)


class AfterSalesRequestLine(models.Model):
    _inherit = "after_sales.request.line"

    quantity_method = fields.Selection(
        selection_add=[
            ("norm_hours", "Norm Hours"),
            ("phone_call", "Phone Call"),
            ("core_charge", "Core Charge"),
        ],
        ondelete={"norm_hours": "set manual", "phone_call": "set manual", "core_charge": "set manual"},
    )
    phone_call_ids = fields.One2many(
        "after_sales.phone.call",
        "request_line_id",
        string="Phone Calls",
        readonly=True,
        help="The phone call this work line bills.",
    )
    core_exchange_ids = fields.One2many(
        "after_sales.exchange",
        "core_charge_line_id",
        string="Core Charged Exchanges",
        readonly=True,
        help="The exchange whose missing core this line charges.",
    )

    work_start = fields.Datetime(
        string="Started At", help="When the work started: after-hours multipliers look at it."
    )
    pricelist_id = fields.Many2one(
        "product.pricelist",
        string="Price List",
        compute="_compute_pricelist_id",
        store=True,
    )
    pricelist_source = fields.Selection(
        [
            ("contract", "Contract"),
            ("customer", "Customer"),
            ("company", "Company Default"),
            ("product", "Product Sales Price"),
        ],
        string="Price Source",
        compute="_compute_pricelist_id",
        store=True,
    )
    currency_id = fields.Many2one("res.currency", compute="_compute_pricelist_id", store=True)
    rate_multiplier = fields.Float(
        string="Rate",
        compute="_compute_rate_multiplier",
        store=True,
        digits=(16, 4),
        help="Product of the priority and after-hours multipliers applied to the price.",
    )
    rate_note = fields.Char(string="Multipliers", compute="_compute_rate_multiplier", store=True)
    price_unit = fields.Float(
        string="Unit Price",
        compute="_compute_price_unit",
        store=True,
        readonly=False,
        digits="Product Price",
    )
    tax_ids = fields.Many2many(
        "account.tax",
        string="Taxes",
        compute="_compute_tax_ids",
        store=True,
        readonly=False,
        check_company=True,
        domain=[("type_tax_use", "=", "sale")],
    )
    price_subtotal = fields.Monetary(
        string="Amount", compute="_compute_amounts", store=True, currency_field="currency_id"
    )
    price_total = fields.Monetary(
        string="Amount incl. Taxes",
        compute="_compute_amounts",
        store=True,
        currency_field="currency_id",
    )
    amount_charged = fields.Monetary(
        string="Customer Pays",
        compute="_compute_amounts",
        store=True,
        currency_field="currency_id",
        help="Untaxed amount billed to the customer: zero for warranty, contract and goodwill lines.",
    )
    invoice_line_ids = fields.Many2many(
        "account.move.line",
        "after_sales_request_line_invoice_rel",
        "service_line_id",
        "invoice_line_id",
        string="Invoice Lines",
        readonly=True,
        copy=False,
        help="The customer invoice and credit note lines billing this line, linked when they are made.",
    )
    qty_invoiced = fields.Float(
        string="Invoiced",
        compute="_compute_qty_invoiced",
        compute_sudo=True,
        store=True,
        digits="Product Unit",
        help="Invoiced less credited, from the linked invoice lines: drafts and posted count, "
        "cancelled do not.",
    )
    qty_credited_off = fields.Float(
        string="Credited Off",
        compute="_compute_qty_invoiced",
        compute_sudo=True,
        store=True,
        digits="Product Unit",
        help='Credited by a credit note made in Accounting (not "reverse and create a new draft", '
        "not a billing run's): the customer is not charged for it, and it is not billed again "
        "unless a billing user chooses to (Bill Again).",
    )
    qty_rebill = fields.Float(
        string="To Bill Again",
        readonly=True,
        copy=False,
        digits="Product Unit",
        groups="account.group_account_invoice",
        help="Of what was credited off, what a billing user chose to bill again (Bill Again).",
    )
    qty_to_invoice = fields.Float(
        string="To Invoice",
        compute="_compute_qty_to_invoice",
        store=True,
        digits="Product Unit",
        help="Done and billable less invoiced: the next billing run invoices it (credits it when negative).",
    )
    invoice_status = fields.Selection(
        [("no", "Nothing to Invoice"), ("to_invoice", "To Invoice"), ("invoiced", "Invoiced")],
        compute="_compute_qty_to_invoice",
        store=True,
        index=True,
    )
    invoice_id = fields.Many2one(
        "account.move",
        compute="_compute_invoice_id",
        compute_sudo=True,
        help="The latest invoice or credit note of this line that is not cancelled.",
    )

    # ------------------------------------------------------------ computes

    @api.depends(
        "product_id",
        "line_type",
        "request_id.contract_id.billing_model",
        "phone_call_ids",
        "core_exchange_ids",
    )
    def _compute_quantity_method(self):
        """A phone call's or a core charge's line is theirs; a work with norm-hours takes them
        (not on time-and-materials contracts, not when a timesheet or a visit records it: the
        hours spent are what it states)."""
        res = super()._compute_quantity_method()
        for line in self.filtered(lambda ln: ln.quantity_method == "manual"):
            if line.sudo().phone_call_ids:
                line.quantity_method = "phone_call"
            elif line.sudo().core_exchange_ids:
                line.quantity_method = "core_charge"
            elif (
                line.line_type == "work"
                and line.product_id.after_sales_norm_hours
                and line.request_id.contract_id.billing_model != "time_materials"
            ):
                line.quantity_method = "norm_hours"
        return res

    @api.depends("quantity_method", "product_id")
    def _compute_quantity(self):
        """A work priced by norm-hours takes them (not once invoiced: the quantity billed stays)."""
        norm = self.filtered(lambda line: line.quantity_method == "norm_hours")
        for line in norm:
            if line._is_invoiced():
                line.quantity = line.quantity
            else:
                line.quantity = line.product_id.after_sales_norm_hours
        return super(AfterSalesRequestLine, self - norm)._compute_quantity()

    def _get_owned_fields(self):
        owned = super()._get_owned_fields()
        method = self.quantity_method
        if method == "norm_hours":
            owned["quantity"] = self.env._(
                "The quantity of %s is its norm hours: add another work line for more work, or bill "
                "the hours spent on a time-and-materials contract.",
                self.name,
            )
        elif method == "phone_call":
            message = self.env._(
                "Line %s bills a phone call: its quantity and whether it is done come from the call.",
                self.name,
            )
            owned.update(dict.fromkeys(("quantity", "done"), message))
        elif method == "core_charge":
            message = self.env._(
                "Line %s charges a core not returned: its quantity and whether it is done come from "
                "the exchange.",
                self.name,
            )
            owned.update(dict.fromkeys(("quantity", "done"), message))
        return owned

    def _is_planned_work(self):
        """Whether this line is work planned by a person (manual or priced by norm hours), which an
        accepted estimate covers above the company's threshold; not the record of what was
        already spent (a timesheet, a visit, a call, a repair, stock, a core)."""
        self.ensure_one()
        return self.quantity_method in ("manual", "norm_hours")

    @api.depends(
        "invoice_line_ids.move_id.state",
        "invoice_line_ids.move_id.move_type",
        "invoice_line_ids.move_id.after_sales_billing_run_id",
        "invoice_line_ids.quantity",
        "invoice_line_ids.product_uom_id",
    )
    def _compute_qty_invoiced(self):
        """Invoiced less credited; and what credit notes made by hand took off (a credit note and
        its new draft, "reverse and create a new draft", cancel out: that line is billed again)."""
        for line in self:
            qty = 0.0
            by_hand = 0.0
            for aml in line.invoice_line_ids:
                move = aml.move_id
                if move.state == "cancel":
                    continue
                aml_qty = aml.quantity
                if aml.product_uom_id and line.uom_id and aml.product_uom_id != line.uom_id:
                    aml_qty = aml.product_uom_id._compute_quantity(aml_qty, line.uom_id, round=False)
                signed = -aml_qty if move.move_type == "out_refund" else aml_qty
                qty += signed
                if not move.after_sales_billing_run_id:
                    by_hand -= signed
            line.qty_invoiced = qty
            line.qty_credited_off = max(by_hand, 0.0)

    @api.depends(
        "quantity",
        "done",
        "coverage",
        "qty_invoiced",
        "qty_credited_off",
        "qty_rebill",
        "uom_id",
        "coverage_qty_included",
        "company_id.after_sales_invoice_covered_lines",
    )
    def _compute_qty_to_invoice(self):
        for line in self:
            rounding = line.uom_id.rounding or 0.01
            to_invoice = float_round(
                line._get_qty_billable() - line.qty_invoiced - line._get_qty_not_charged(),
                precision_rounding=rounding,
            )
            if float_is_zero(to_invoice, precision_rounding=rounding):
                to_invoice = 0.0
            line.qty_to_invoice = to_invoice
            if to_invoice:
                line.invoice_status = "to_invoice"
            elif not float_is_zero(line.qty_invoiced, precision_rounding=rounding):
                line.invoice_status = "invoiced"
            else:
                line.invoice_status = "no"

    def _get_qty_not_charged(self):
        """What a credit note made in Accounting took off this line and nobody chose to bill again."""
        self.ensure_one()
        line = self.sudo()
        return max(line.qty_credited_off - max(line.qty_rebill, 0.0), 0.0)

    def _get_qty_billable(self):
        """What of this line is done and goes on the customer's invoice (a hook).

        Its done quantity; nothing while not done, nor for a covered line where the company
        does not show covered lines on invoices.
        """
        self.ensure_one()
        company = self.company_id or self.env.company
        if not self.done:
            return 0.0
        if company.after_sales_invoice_covered_lines:
            return self.quantity
        return self._get_qty_charged()

    def _get_qty_charged(self):
        """What of this line the customer pays: its quantity less what the contract included."""
        self.ensure_one()
        if not self._is_charged():
            return 0.0
        return max(self.quantity - self.coverage_qty_included, 0.0)

    @api.depends("invoice_line_ids.move_id.state")
    def _compute_invoice_id(self):
        for line in self:
            line.invoice_id = line.invoice_line_ids._after_sales_latest_move()

    @api.depends(
        "request_id.contract_id.pricelist_id",
        "partner_id",
        "company_id.after_sales_pricelist_id",
        "company_id.currency_id",
    )
    def _compute_pricelist_id(self):
        for line in self:
            company = line.company_id or self.env.company
            pricelist, source = line._get_pricelist_and_source(company)
            line.pricelist_id = pricelist
            line.pricelist_source = source
            line.currency_id = pricelist.currency_id or company.currency_id

    def _get_pricelist_and_source(self, company):
        """The price list pricing this line and where it comes from (a hook)."""
        self.ensure_one()
        contract = self.request_id.contract_id
        if contract.pricelist_id:
            return contract.pricelist_id, "contract"
        partner = self.partner_id.commercial_partner_id.with_company(company)
        if partner.specific_property_product_pricelist:
            return partner.specific_property_product_pricelist, "customer"
        if company.after_sales_pricelist_id:
            return company.after_sales_pricelist_id, "company"
        if partner and partner.property_product_pricelist:
            return partner.property_product_pricelist, "company"
        return self.env["product.pricelist"], "product"

    @api.depends(
        "line_type",
        "date",
        "work_start",
        "request_id.priority",
        "request_id.contract_id.rate_rule_ids",
        "request_id.sla_policy_id.calendar_id",
        "company_id",
    )
    def _compute_rate_multiplier(self):
        lines = self.filtered("date")
        (self - lines).update({"rate_multiplier": 1.0, "rate_note": False})
        if not lines:
            return
        rules = (
            self.env["after_sales.rate.rule"]
            .sudo()
            .search(
                [
                    ("company_id", "in", lines.company_id.ids or self.env.company.ids),
                    "|",
                    ("contract_id", "=", False),
                    ("contract_id", "in", lines.request_id.contract_id.ids),
                ]
            )
        )
        date_from, date_to = min(lines.mapped("date")), max(lines.mapped("date"))
        calendars = {}
        for line in lines:
            company = line.company_id or self.env.company
            contract = line.request_id.contract_id
            line_rules = rules.filtered(lambda r, c=contract: c and r.contract_id == c)
            if not line_rules:
                line_rules = rules.filtered(lambda r, co=company: not r.contract_id and r.company_id == co)
            calendar = line.request_id.sla_policy_id.calendar_id or company.resource_calendar_id
            if calendar not in calendars:
                calendars[calendar] = line_rules._calendar_info(calendar, date_from, date_to)
            applied = line_rules.filtered(lambda r, ln=line, c=calendar: r._applies_to(ln, calendars[c]))
            priority_rule = applied.filtered(lambda r: r.condition == "priority")[:1]
            time_rule = max(
                applied.filtered(lambda r: r.condition != "priority"),
                key=lambda r: r.multiplier,
                default=None,
            )
            multiplier = 1.0
            notes = []
            for rule in (priority_rule, time_rule):
                if rule:
                    multiplier *= rule.multiplier
                    notes.append(f"{rule.name} ×{rule.multiplier:g}")
            line.rate_multiplier = multiplier
            line.rate_note = ", ".join(notes) or False

    @api.depends("product_id", "quantity", "uom_id", "pricelist_id", "date", "rate_multiplier", "part_grade")
    def _compute_price_unit(self):
        batches = defaultdict(lambda: self.browse())
        for line in self:
            if line.product_id and not line._is_invoiced():
                batches[(line.pricelist_id, line.currency_id, line.quantity, line.uom_id, line.date)] |= line
        for (pricelist, currency, quantity, uom, day), lines in batches.items():
            prices = pricelist._get_products_price(
                lines.product_id,
                quantity or 1.0,
                currency=currency or self.env.company.currency_id,
                uom=uom or None,
                date=day or fields.Date.context_today(self),
            )
            for line in lines:
                price = prices[line.product_id.id]
                if line.part_grade == "refurbished":
                    price *= (line.company_id or self.env.company).after_sales_refurbished_factor
                line.price_unit = price * (line.rate_multiplier or 1.0)

    @api.depends("product_id", "company_id", "partner_id")
    def _compute_tax_ids(self):
        positions = {}
        for line in self:
            company = line.company_id or self.env.company
            partner = line.partner_id.commercial_partner_id
            key = (partner, company)
            if key not in positions:
                positions[key] = (
                    self.env["account.fiscal.position"].with_company(company)._get_fiscal_position(partner)
                )
            taxes = line.product_id.taxes_id._filter_taxes_by_company(company)
            line.tax_ids = positions[key].map_tax(taxes)

    @api.depends("quantity", "price_unit", "tax_ids", "currency_id", "coverage", "coverage_qty_included")
    def _compute_amounts(self):
        for line in self:
            currency = line.currency_id or self.env.company.currency_id

            def untaxed(quantity, line=line, currency=currency):
                return line.tax_ids.compute_all(
                    line.price_unit,
                    currency=currency,
                    quantity=quantity,
                    product=line.product_id,
                    partner=line.partner_id,
                )

            taxes = untaxed(line.quantity)
            line.price_subtotal = taxes["total_excluded"]
            line.price_total = taxes["total_included"]
            if not line._is_charged():
                line.amount_charged = 0.0
            elif line.coverage_qty_included:
                # what the contract's quota left included is not charged
                line.amount_charged = untaxed(line._get_qty_charged())["total_excluded"]
            else:
                line.amount_charged = line.price_subtotal

    @api.constrains("price_unit", "coverage")
    def _check_price_unit(self):
        for line in self:
            if line.coverage == "paid" and line.price_unit < 0:
                line._raise_negative_price()

    def _raise_negative_price(self):
        raise ValidationError(
            self.env._(
                "Line %s: the customer pays it, so its price cannot be negative "
                "(give a discount or a goodwill coverage instead).",
                self.name,
            )
        )

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.filtered(lambda ln: ln.done and ln._is_planned_work()).request_id._check_estimate_accepted()
        added = lines.filtered(lambda ln: ln._is_on_act() and ln.request_id.act_signed_on)
        added.request_id._void_act_signature(self.env._("a work or part was added"))
        return lines

    def write(self, vals):
        if vals.get("done"):
            to_do = self.filtered(lambda ln: not ln.done and ln._is_planned_work())
            to_do.request_id._check_estimate_accepted()
        if "price_unit" in vals or "coverage" in vals:
            # refused before anything is written (the constraint checks computed prices too)
            for line in self:
                coverage = vals.get("coverage", line.coverage)
                if coverage == "paid" and vals.get("price_unit", line.price_unit) < 0:
                    line._raise_negative_price()
        changed = self._get_act_changed_lines(vals)
        res = super().write(vals)
        if changed:
            # a signed act no longer states what was done: the customer signs it again
            changed.request_id._void_act_signature(
                self.env._("%s changed", ", ".join(changed.mapped("name")))
            )
        return res

    def unlink(self):
        removed = self.filtered(lambda ln: ln._is_on_act() and ln.request_id.act_signed_on)
        requests = removed.request_id
        names = ", ".join(removed.mapped("name"))
        res = super().unlink()
        if requests:
            requests._void_act_signature(self.env._("%s removed", names))
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced(self):
        if any(line.sudo().invoice_line_ids._after_sales_not_cancelled() for line in self):
            raise UserError(
                self.env._(
                    "Invoiced service lines cannot be deleted: cancel, delete or reverse the invoice first."
                )
            )

    def action_bill_again(self):
        """Bill again what a credit note made in Accounting took off these lines: the next run invoices it."""
        self._check_can_bill_again()
        self._action_bill_again()
        return True

    # ------------------------------------------------------------- business

    def _check_can_bill_again(self):
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(self.env._("Only billing users bill a credited service line again."))
        for line in self:
            if not line._get_qty_not_charged():
                raise UserError(self.env._("Line %s has nothing credited off to bill again.", line.name))

    def _action_bill_again(self):
        for line in self:
            sudo_line = line.sudo()
            quantity = line._get_qty_not_charged()
            sudo_line.qty_rebill = sudo_line.qty_credited_off
            line.request_id.message_post(
                body=self.env._(
                    "%(user)s bills %(qty)s %(uom)s of line %(line)s again: the credit note took it off.",
                    user=self.env.user.name,
                    qty=quantity,
                    uom=line.uom_id.name,
                    line=line.name,
                ),
                subtype_xmlid="mail.mt_note",
            )

    def _get_act_changed_lines(self, vals):
        """Lines of signed acts whose act values ``vals`` would change."""
        fnames = vals.keys() & set(ACT_FIELDS)
        if not fnames:
            return self.browse()
        changed = self.browse()
        for line in self.filtered(lambda ln: ln.request_id.act_signed_on):
            new_vals = {}
            for fname in fnames:
                field = self._fields[fname]
                new_vals[fname] = field.convert_to_record(field.convert_to_cache(vals[fname], line), line)
            on_act_after = new_vals.get("done", line.done) and new_vals.get(
                "customer_visible", line.customer_visible
            )
            if (line._is_on_act() or on_act_after) and any(
                new_vals[fname] != line[fname] for fname in fnames
            ):
                changed |= line
        return changed

    def _is_on_act(self):
        """Whether the act of completed work states this line (done, shown to the customer)."""
        self.ensure_one()
        return self.done and self.customer_visible

    def _is_invoiced(self):
        """Whether an invoice (draft or posted, not fully credited) bills this line."""
        self.ensure_one()
        return not float_is_zero(self.qty_invoiced, precision_rounding=self.uom_id.rounding or 0.01)

    def _get_protected_fields(self):
        protected = super()._get_protected_fields()
        if self._is_invoiced():
            message = self.env._(
                "Line %s is invoiced: it cannot be changed. Cancel, delete or reverse the invoice first.",
                self.name,
            )
            fnames = set(INVOICED_FIELDS)
            if self._is_quantity_from_stock():
                # the stock moves own it: a return after invoicing is credited by the next run
                fnames -= {"quantity", "done"}
            for fname in fnames:
                protected.setdefault(fname, message)
        return protected

    def _is_coverage_locked(self):
        # an invoiced line keeps the coverage it was billed with
        return super()._is_coverage_locked() or self._is_invoiced()

    def _is_charged(self):
        """Is the customer charged for this line (a hook: only paid lines by default)."""
        self.ensure_one()
        return self.coverage == "paid"

    def _get_invoice_label(self, covered=None):
        """Label of an invoice line of this service line: request, unit and description.

        ``covered``: whether that invoice line is the part the customer does not pay
        (default: the whole line is covered).
        """
        self.ensure_one()
        if covered is None:
            covered = not self._is_charged()
        request = self.request_id
        unit = request.equipment_id.display_name or request.lot_id.name or request.product_id.display_name
        label = self.env._("%(name)s (%(request)s)", request=request.name, name=self.name)
        if unit:
            label = self.env._(
                "%(name)s (%(request)s, unit %(unit)s)", request=request.name, unit=unit, name=self.name
            )
        if covered:
            reason = self.coverage_reason or dict(
                self._fields["coverage"]._description_selection(self.env)
            ).get(self.coverage, "")
            label = self.env._("%(label)s (covered: %(reason)s)", label=label, reason=reason)
        return label

    def _prepare_invoice_lines_vals(self):
        """Values of the customer invoice lines billing what is left to invoice of this line.

        One line; two the first time a line the contract partly included is invoiced with
        covered lines shown: the included part at zero, then the paid part.
        """
        self.ensure_one()
        company = self.company_id or self.env.company
        included = self.coverage_qty_included if self._is_charged() else 0.0
        to_invoice = self.qty_to_invoice
        if (
            included
            and company.after_sales_invoice_covered_lines
            and to_invoice > included
            and not self.qty_invoiced
        ):
            return [
                self._prepare_invoice_line_vals(included, covered=True),
                self._prepare_invoice_line_vals(to_invoice - included),
            ]
        return [self._prepare_invoice_line_vals(to_invoice)]

    def _prepare_invoice_line_vals(self, quantity, covered=None):
        """Values of a customer invoice line billing ``quantity`` of this service line (a hook).

        ``covered``: at zero, labelled with the coverage (default: when the line is not charged).
        """
        self.ensure_one()
        if covered is None:
            covered = not self._is_charged()
        return {
            "product_id": self.product_id.id,
            "name": self._get_invoice_label(covered),
            "quantity": quantity,
            "product_uom_id": self.uom_id.id or self.product_id.uom_id.id,
            "price_unit": 0.0 if covered else self.price_unit,
            "tax_ids": [fields.Command.set(self.tax_ids.ids)],
            "analytic_distribution": self.request_id.contract_id.analytic_distribution or False,
            "after_sales_line_ids": [fields.Command.link(self.id)],
        }
