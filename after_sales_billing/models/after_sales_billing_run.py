import logging
from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

from odoo.addons.after_sales_service.locks import skip_locked_rows

_logger = logging.getLogger(__name__)


class AfterSalesBillingRun(models.Model):
    _name = "after_sales.billing.run"
    _description = "Billing Run"
    _inherit = ["after_sales.batch.run.mixin"]
    _chunk_context = "after_sales_billing"
    _batch_sequence_code = "after_sales.billing.run"

    date_to = fields.Date(help="Billable lines dated up to this day are invoiced, older unbilled ones too.")
    grouping = fields.Selection(
        [("customer", "Per Customer"), ("contract", "Per Customer and Contract"), ("request", "Per Request")],
        string="One Invoice",
        required=True,
        default="contract",
    )
    include_fees = fields.Boolean(string="Subscription Fees", default=True)
    contract_ids = fields.Many2many(
        "after_sales.contract",
        string="Only Contracts",
        check_company=True,
        help="Leave empty to bill every customer.",
    )
    request_ids = fields.Many2many(
        "after_sales.request", string="Only Requests", check_company=True, readonly=True
    )
    invoice_ids = fields.One2many(
        "account.move", "after_sales_billing_run_id", string="Invoices", readonly=True
    )
    # service staff without invoicing rights see what a run billed, not the invoices themselves
    invoice_count = fields.Integer(compute="_compute_totals", compute_sudo=True)
    line_count = fields.Integer(string="Service Lines", compute="_compute_totals", compute_sudo=True)
    fee_count = fields.Integer(string="Fees", compute="_compute_totals", compute_sudo=True)
    amount_untaxed = fields.Monetary(string="Untaxed Total", compute="_compute_totals", compute_sudo=True)
    amount_total = fields.Monetary(string="Total", compute="_compute_totals", compute_sudo=True)
    failure_ids = fields.One2many(
        "after_sales.billing.run.failure", "run_id", string="Failures", readonly=True
    )
    failure_count = fields.Integer(compute="_compute_failure_count")
    skip_ids = fields.One2many(
        "after_sales.billing.run.skip",
        "run_id",
        string="Left Out",
        readonly=True,
        help="Requests with lines of the period this run did not invoice, and why.",
    )
    skip_count = fields.Integer(string="Requests Left Out", compute="_compute_skip_count")

    @api.depends("invoice_ids.amount_untaxed_signed", "invoice_ids.amount_total_signed")
    def _compute_totals(self):
        for run in self:
            amls = run.invoice_ids.invoice_line_ids
            run.invoice_count = len(run.invoice_ids)
            run.line_count = (
                self.env["after_sales.request.line"].search_count([("invoice_line_ids", "in", amls.ids)])
                if amls
                else 0
            )
            run.fee_count = (
                self.env["after_sales.contract.fee"].search_count([("invoice_line_ids", "in", amls.ids)])
                if amls
                else 0
            )
            run.amount_untaxed = sum(run.invoice_ids.mapped("amount_untaxed_signed"))
            run.amount_total = sum(run.invoice_ids.mapped("amount_total_signed"))

    @api.depends("failure_ids")
    def _compute_failure_count(self):
        for run in self:
            run.failure_count = len(run.failure_ids)

    @api.depends("skip_ids")
    def _compute_skip_count(self):
        for run in self:
            run.skip_count = len(run.skip_ids.request_id)

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for run in self:
            if run.date_from > run.date_to:
                raise ValidationError(self.env._("The billing period cannot end before it starts."))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced(self):
        if any(run.invoice_ids for run in self):
            raise UserError(self.env._("A billing run that created invoices cannot be deleted."))

    # -------------------------------------------------------------- actions

    @api.readonly
    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action["domain"] = [("after_sales_billing_run_id", "=", self.id)]
        action["context"] = {"default_move_type": "out_invoice", "create": False}
        if len(self.invoice_ids) == 1:
            action.update(views=[(False, "form")], view_mode="form", res_id=self.invoice_ids.id)
        return action

    @api.readonly
    def action_view_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_service.after_sales_request_line_action"
        )
        action["domain"] = [("invoice_line_ids.move_id.after_sales_billing_run_id", "=", self.id)]
        return action

    # ------------------------------------------------------------- business

    def _scope_requests(self):
        """The requests the run is limited to (none: all). Read as superuser: an invoicing user
        runs billing (in its jobs too) without any right on requests; only their ids are used."""
        return self.sudo().request_ids

    def _scope_contracts(self):
        """The contracts the run is limited to (none: all), as ``_scope_requests``."""
        return self.sudo().contract_ids

    def _check_can_run(self):
        if not self.env.user.has_group("account.group_account_invoice") and not self.env.su:
            raise UserError(self.env._("Only invoicing users (Accounting) can run billing."))
        for run in self:
            if run.state == "done" and not run._scope_requests():
                continue  # running a finished run again bills what became billable since

    def _batch_before_collect(self):
        if self.include_fees and not self._scope_requests():
            self._ensure_fees()

    def _batch_before_done(self):
        self._record_left_out()

    def _get_group_size(self, payload):
        return len(payload["lines"]) + len(payload["fees"])

    def _process_groups(self, groups):
        return self._create_invoices(groups)

    def _get_left_out_domain(self):
        """Lines of the run's scope and period (or later) with something not invoiced."""
        self.ensure_one()
        domain = self._get_scope_domain() & Domain("invoice_status", "!=", "invoiced")
        if not self._scope_requests():
            domain &= Domain("date", ">=", self.date_from)
        return domain

    def _get_left_out_reason(self, line):
        """Why ``line`` (not invoiced) was left out of this run: a key of SKIP_REASONS."""
        if not line.request_id.is_resolved and not self._scope_requests():
            return "open"
        if not line.done:
            return "not_done"
        if line.date > self.date_to:
            return "later"
        if not line._is_charged():
            return "covered"
        if line.price_unit <= 0:
            return "no_price"
        if line.line_type == "work" and line.request_id._needs_signed_act():
            return "act_unsigned"
        return "failed"

    def _record_left_out(self):
        """Record which requests of the period this run left out, and why (one row per reason)."""
        self.ensure_one()
        self.skip_ids.sudo().unlink()
        # as superuser: an invoicing user may run billing without reading requests
        lines = (
            self.env["after_sales.request.line"]
            .sudo()
            .search_fetch(
                self._get_left_out_domain(),
                ["request_id", "done", "date", "coverage", "price_unit", "line_type"],
                order="request_id, id",
            )
        )
        counts = defaultdict(int)
        for line in lines:
            counts[(line.request_id.id, self._get_left_out_reason(line))] += 1
        self.env["after_sales.billing.run.skip"].sudo().create(
            [
                {"run_id": self.id, "request_id": request_id, "reason": reason, "line_count": count}
                for (request_id, reason), count in counts.items()
            ]
        )

    def _get_outcome_message(self):
        """What the run did, in one sentence: invoices made, or nothing to bill and why."""
        self.ensure_one()
        if self.invoice_ids:
            message = self.env._(
                "%(invoices)s draft invoice(s) for %(lines)s service line(s) and %(fees)s fee(s).",
                invoices=self.invoice_count,
                lines=self.line_count,
                fees=self.fee_count,
            )
        else:
            message = self.env._(
                "Nothing to bill from %(start)s to %(end)s.", start=self.date_from, end=self.date_to
            )
        if self.skip_ids:
            Skip = self.env["after_sales.billing.run.skip"]
            labels = dict(Skip._fields["reason"]._description_selection(self.env))
            counts = defaultdict(int)
            for skip in self.skip_ids:
                counts[skip.reason] += 1
            message += " " + self.env._(
                "Left out: %s (see the Left Out tab).",
                "; ".join(
                    self.env._("%(reason)s: %(count)s request(s)", reason=labels[reason], count=count)
                    for reason, count in counts.items()
                ),
            )
        if self.failure_ids:
            message += " " + self.env._("%s group(s) failed (see the Failures tab).", self.failure_count)
        return message

    def _ensure_fees(self):
        only = self._scope_contracts()
        contracts = (
            self.env["after_sales.contract"]
            .sudo()
            .search(
                self.env["after_sales.contract"]._get_billable_subscriptions_domain(
                    self.company_id, self.date_to
                )
                & (Domain("id", "in", only.ids) if only else Domain.TRUE)
            )
        )
        return contracts._ensure_fees(self.date_to)

    def _get_scope_domain(self):
        """Service lines of the run's company, requests and contracts."""
        self.ensure_one()
        domain = Domain("company_id", "=", self.company_id.id)
        if self._scope_requests():
            domain &= Domain("request_id", "in", self._scope_requests().ids)
        if self._scope_contracts():
            domain &= Domain("request_id.contract_id", "in", self._scope_contracts().ids)
        return domain

    def _get_lines_domain(self):
        """Service lines this run invoices (or credits): those with a quantity to invoice."""
        self.ensure_one()
        domain = (
            self._get_scope_domain()
            & Domain("invoice_status", "=", "to_invoice")
            & Domain("date", "<=", self.date_to)
        )
        if not self._scope_requests():
            domain &= Domain("request_id.is_resolved", "=", True)
        if self.company_id.after_sales_act_required:
            # paid on-site work waits for the customer's signature on the act
            domain &= ~self.env["after_sales.request"]._get_unsigned_on_site_work_domain()
        return domain

    def _get_fees_domain(self):
        self.ensure_one()
        domain = (
            Domain("company_id", "=", self.company_id.id)
            & Domain("is_invoiced", "=", False)
            & Domain("date_due", "<=", self.date_to)
        )
        if self._scope_contracts():
            domain &= Domain("contract_id", "in", self._scope_contracts().ids)
        return domain

    def _group_key(self, partner, currency, contract, request):
        if self.grouping == "customer":
            return (partner.id, currency.id, False, False)
        if self.grouping == "contract":
            return (partner.id, currency.id, contract.id, False)
        # fees belong to no request: one invoice per contract for them
        return (partner.id, currency.id, contract.id, request.id if request else False)

    def _collect_groups(self):
        """{group key: {"lines": ids, "fees": ids}} of what this run bills."""
        self.ensure_one()
        groups = defaultdict(lambda: {"lines": [], "fees": []})
        # as superuser: an invoicing user may run billing without reading requests
        lines = (
            self.env["after_sales.request.line"]
            .sudo()
            .search(self._get_lines_domain(), order="request_id, sequence, id")
        )
        for line in lines:
            request = line.request_id
            key = self._group_key(
                request.partner_id.commercial_partner_id,
                line.currency_id or self.company_id.currency_id,
                request.contract_id,
                request,
            )
            groups[key]["lines"].append(line.id)
        if self.include_fees and not self._scope_requests():
            fees = (
                self.env["after_sales.contract.fee"]
                .sudo()
                .search(self._get_fees_domain(), order="period_start, id")
            )
            for fee in fees:
                key = self._group_key(
                    fee.partner_id.commercial_partner_id, fee.currency_id, fee.contract_id, False
                )
                groups[key]["fees"].append(fee.id)
        return groups

    def _create_invoices(self, groups):
        """Draft invoices (or credit notes) of ``groups`` in one ``account.move.create``.

        Each invoice line links the service lines or fees it bills (``after_sales_line_ids``,
        ``after_sales_fee_ids``) from its creation: what they have invoiced is derived from
        those links. The rows of the whole chunk are locked in one query per table and read
        as one batch (shared prefetch), so the queries of a chunk do not grow with its groups.
        """
        Line = self.env["after_sales.request.line"].sudo()
        Fee = self.env["after_sales.contract.fee"].sudo()
        # another run may have invoiced some of them since they were collected
        all_lines = skip_locked_rows(
            Line.browse([i for __, g in groups for i in g["lines"]]), SQL("invoice_status = 'to_invoice'")
        )
        all_fees = skip_locked_rows(
            Fee.browse([i for __, g in groups for i in g["fees"]]), SQL("NOT is_invoiced")
        )
        free_line_ids, free_fee_ids = set(all_lines.ids), set(all_fees.ids)
        all_lines.invalidate_recordset(["qty_to_invoice", "invoice_status"])
        all_fees.invalidate_recordset(["is_invoiced"])
        journal = self._get_sale_journal()
        income_checked = set()  # products whose income account was found: asked once per chunk
        invoice_partners = {}
        invoice_journals = {}
        vals_list = []
        for key, group in groups:
            # in the order they were collected: per request and sequence, fees per period
            lines = Line.browse([i for i in group["lines"] if i in free_line_ids])
            lines = lines.with_prefetch(all_lines._prefetch_ids)
            fees = Fee.browse([i for i in group["fees"] if i in free_fee_ids])
            fees = fees.with_prefetch(all_fees._prefetch_ids)
            if not fees and not any(line._is_charged() for line in lines):
                continue
            partner = self.env["res.partner"].browse(key[0])
            self._check_group(partner, lines, fees, journal, income_checked=income_checked)
            if partner.id not in invoice_partners:
                invoice_partners[partner.id] = partner.address_get(["invoice"])["invoice"]
            vals = self._prepare_invoice_vals(key, lines, fees, invoice_partners[partner.id])
            if "journal_id" not in vals:
                # the journal account.move would search for each invoice, found once per chunk
                move_key = (vals.get("move_type", "out_invoice"), vals.get("currency_id", key[1]))
                if move_key not in invoice_journals:
                    invoice_journals[move_key] = self._get_invoice_journal(*move_key)
                vals["journal_id"] = invoice_journals[move_key].id
            vals_list.append(vals)
        if not vals_list:
            return self.env["account.move"]
        return (
            self.env["account.move"]
            .with_company(self.company_id)
            .with_context(default_move_type="out_invoice")
            ._after_sales_create_invoices(vals_list)
        )

    def _get_sale_journal(self):
        return self.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", self.company_id.id)], limit=1
        )

    def _get_invoice_journal(self, move_type, currency_id):
        """The journal ``account.move`` picks for a new document of this type and currency
        (``_search_default_journal``: the company's first sales journal, one in the currency
        first), asked once per chunk instead of once per invoice."""
        move = (
            self.env["account.move"]
            .with_company(self.company_id)
            .new({"move_type": move_type, "company_id": self.company_id.id, "currency_id": currency_id})
        )
        return move._search_default_journal()

    def _check_group(self, partner, lines, fees, journal, income_checked=None):
        """Raise a UserError naming what keeps this group from being invoiced.

        ``income_checked``: ids of the products already found with an income account (in this
        chunk), not looked at again; those found here are added to it.
        """
        if not partner.active:
            raise UserError(self.env._("Customer %s is archived.", partner.display_name))
        if not journal:
            raise UserError(self.env._("Company %s has no sales journal.", self.company_id.name))
        for line in lines.filtered(lambda ln: ln._is_charged()):
            if line.price_unit <= 0:
                raise UserError(
                    self.env._(
                        "Line %(line)s of %(request)s has no price.",
                        line=line.name,
                        request=line.request_id.name,
                    )
                )
        if income_checked is None:
            income_checked = set()
        products = (lines.product_id | fees.product_id).filtered(lambda p: p.id not in income_checked)
        for product in products:
            if not (
                product.with_company(self.company_id)._get_product_accounts()["income"]
                or journal.default_account_id
            ):
                raise UserError(self.env._("Product %s has no income account.", product.display_name))
            income_checked.add(product.id)

    def _prepare_invoice_vals(self, key, lines, fees, invoice_partner):
        """Values of the draft customer invoice of one group (a hook)."""
        line_vals = [vals for line in lines for vals in line._prepare_invoice_lines_vals()]
        line_vals += [self._prepare_fee_line_vals(fee) for fee in fees]
        for sequence, vals in enumerate(line_vals, start=10):
            vals["sequence"] = sequence
        move_type = "out_invoice"
        if sum(vals["quantity"] * vals["price_unit"] for vals in line_vals) < 0:
            # more credited (parts returned after invoicing) than billed: a credit note
            move_type = "out_refund"
            for vals in line_vals:
                vals["quantity"] = -vals["quantity"]
        origins = sorted(set(lines.request_id.mapped("name")) | set(fees.contract_id.mapped("name")))
        contracts = lines.request_id.contract_id | fees.contract_id
        return {
            "move_type": move_type,
            "partner_id": invoice_partner,
            "company_id": self.company_id.id,
            "currency_id": key[1],
            "invoice_origin": ", ".join(origins)[:1000],
            "ref": contracts[:1].reference or False if len(contracts) == 1 else False,
            "after_sales_billing_run_id": self.id,
            "invoice_line_ids": [fields.Command.create(vals) for vals in line_vals],
        }

    def _prepare_fee_line_vals(self, fee):
        product = fee.product_id
        company = self.company_id
        partner = fee.partner_id.commercial_partner_id
        position = self.env["account.fiscal.position"].with_company(company)._get_fiscal_position(partner)
        return {
            "product_id": product.id,
            "name": fee._get_invoice_label(),
            "quantity": 1.0,
            "product_uom_id": product.uom_id.id,
            "price_unit": fee.amount,
            "tax_ids": [
                fields.Command.set(position.map_tax(product.taxes_id._filter_taxes_by_company(company)).ids)
            ],
            "analytic_distribution": fee.contract_id.analytic_distribution or False,
            "after_sales_fee_ids": [fields.Command.link(fee.id)],
        }

    def _record_failure(self, key, group, error):
        partner_id, __, contract_id, request_id = key
        message = self._get_failure_reason(error)
        self.env["after_sales.billing.run.failure"].sudo().create(
            {
                "run_id": self.id,
                "partner_id": partner_id,
                "contract_id": contract_id or False,
                "request_id": request_id or False,
                "line_count": len(group["lines"]),
                "fee_count": len(group["fees"]),
                "reason": message,
            }
        )
        _logger.info("Billing run %s: group %s failed: %s", self.name, key, message)

    @api.model
    def _cron_monthly_billing(self):
        """Bill last month for the contracts that ask for automatic billing, company per company."""
        today = fields.Date.context_today(self)
        date_to = today.replace(day=1) - relativedelta(days=1)
        date_from = date_to.replace(day=1)
        contracts = self.env["after_sales.contract"].search(
            [
                ("auto_billing", "=", True),
                ("state", "in", ["active", "expired"]),
                ("date_start", "<=", date_to),
            ]
        )
        for company, company_contracts in contracts.grouped("company_id").items():
            run = self.with_company(company).create(
                {
                    "company_id": company.id,
                    "date_from": date_from,
                    "date_to": date_to,
                    "grouping": "contract",
                    "contract_ids": [fields.Command.set(company_contracts.ids)],
                }
            )
            run._action_run()
