import logging
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from psycopg2.errors import LockNotAvailable, SerializationFailure

from odoo import api, fields, models, modules
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

from odoo.addons.after_sales_service.tools import context_chunk_size, lock_free_rows

_logger = logging.getLogger(__name__)

# Errors after which a chunk is retried in a fresh transaction (another run got there first).
RETRY_ERRORS = (SerializationFailure, LockNotAvailable)


def _default_date_from(self):
    return fields.Date.context_today(self).replace(day=1) - relativedelta(months=1)


def _default_date_to(self):
    return fields.Date.context_today(self).replace(day=1) - relativedelta(days=1)


class AfterSalesBillingRun(models.Model):
    _name = "after_sales.billing.run"
    _description = "Billing Run"
    _inherit = ["mail.thread"]
    _order = "date_to desc, id desc"
    _check_company_auto = True
    _chunk_size = 100  # invoices per chunk (one create, one transaction)
    _chunk_lines = 1000  # and at most so many invoice lines

    name = fields.Char(string="Number", required=True, readonly=True, copy=False, default="/")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one("res.users", string="Run By", default=lambda self: self.env.user, readonly=True)
    date_from = fields.Date(string="From", required=True, default=_default_date_from)
    date_to = fields.Date(
        string="To",
        required=True,
        default=_default_date_to,
        help="Billable lines dated up to this day are invoiced, older unbilled ones too.",
    )
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
    state = fields.Selection(
        [("draft", "Draft"), ("running", "Running"), ("done", "Done")],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    date_done = fields.Datetime(string="Finished On", readonly=True, copy=False)
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

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                vals["name"] = (
                    self.env["ir.sequence"].with_company(company).next_by_code("after_sales.billing.run")
                    or "/"
                )
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced(self):
        if any(run.invoice_ids for run in self):
            raise UserError(self.env._("A billing run that created invoices cannot be deleted."))

    # -------------------------------------------------------------- actions

    def action_run(self):
        """Invoice the billable lines and fees of the period; can be run again to finish."""
        self._check_can_run()
        for run in self:
            run._run()
        if len(self) == 1 and not self.invoice_ids:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "warning",
                    "sticky": True,
                    "message": self._get_outcome_message(),
                    "next": {"type": "ir.actions.client", "tag": "soft_reload"},
                },
            }
        return True

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

    def _check_can_run(self):
        if not self.env.user.has_group("account.group_account_invoice") and not self.env.su:
            raise UserError(self.env._("Only invoicing users (Accounting) can run billing."))
        for run in self:
            if run.state == "done" and not run.request_ids:
                continue  # running a finished run again bills what became billable since

    def _run(self, commit=None):
        """Invoice the billable lines and fees of the run in committed chunks.

        ``commit``: commit after each chunk of invoices (default: yes, except in
        tests). A chunk that meets lines being invoiced by a concurrent run is
        retried in a fresh transaction, where those lines are already invoiced.
        """
        self.ensure_one()
        if commit is None:
            commit = not modules.module.current_test
        self.write({"state": "running"})
        if self.include_fees and not self.request_ids:
            self._ensure_fees()
        if commit:
            self._commit()
        groups = self._collect_groups()
        for chunk in self._split_chunks(groups):
            for attempt in range(5):
                try:
                    self._invoice_chunk(chunk)
                    if commit:
                        self._commit(len(chunk))
                    break
                except RETRY_ERRORS:
                    if not commit or attempt == 4:
                        raise
                    _logger.info("Billing run %s: chunk busy in another run, retrying", self.name)
                    self.env.cr.rollback()
        self._record_left_out()
        self.write({"state": "done", "date_done": fields.Datetime.now()})
        self.message_post(body=self._get_outcome_message())
        if commit:
            self._commit()
        return True

    def _get_left_out_domain(self):
        """Lines of the run's scope and period (or later) with something not invoiced."""
        self.ensure_one()
        domain = self._get_scope_domain() & Domain("invoice_status", "!=", "invoiced")
        if not self.request_ids:
            domain &= Domain("date", ">=", self.date_from)
        return domain

    def _get_left_out_reason(self, line):
        """Why ``line`` (not invoiced) was left out of this run: a key of SKIP_REASONS."""
        if not line.request_id.is_resolved and not self.request_ids:
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
        lines = self.env["after_sales.request.line"].search_fetch(
            self._get_left_out_domain(),
            ["request_id", "done", "date", "coverage", "price_unit", "line_type"],
            order="request_id, id",
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

    def _split_chunks(self, groups):
        """The groups in chunks of at most ``_chunk_size`` invoices and ``_chunk_lines`` lines.

        One chunk is one ``account.move.create`` and one transaction: large enough to share
        the ORM's fixed cost of a create among many invoices, small enough to keep the
        transaction short (a group of more lines than the limit makes a chunk of its own).
        """
        size = context_chunk_size(self.env, "after_sales_billing_chunk_size", self._chunk_size)
        max_lines = context_chunk_size(self.env, "after_sales_billing_chunk_lines", self._chunk_lines)
        chunk, line_count = [], 0
        for key, group in groups.items():
            count = len(group["lines"]) + len(group["fees"])
            if chunk and (len(chunk) >= size or line_count + count > max_lines):
                yield chunk
                chunk, line_count = [], 0
            chunk.append((key, group))
            line_count += count
        if chunk:
            yield chunk

    def _commit(self, processed=0):
        """Commit the work done so far (progress of the cron when run by it)."""
        self.env["ir.cron"]._commit_progress(processed)
        # keep the cache small over thousands of invoices
        self.env.invalidate_all()

    def _ensure_fees(self):
        contracts = (
            self.env["after_sales.contract"]
            .sudo()
            .search(
                self.env["after_sales.contract"]._get_billable_subscriptions_domain(
                    self.company_id, self.date_to
                )
                & (Domain("id", "in", self.contract_ids.ids) if self.contract_ids else Domain.TRUE)
            )
        )
        return contracts._ensure_fees(self.date_to)

    def _get_scope_domain(self):
        """Service lines of the run's company, requests and contracts."""
        self.ensure_one()
        domain = Domain("company_id", "=", self.company_id.id)
        if self.request_ids:
            domain &= Domain("request_id", "in", self.request_ids.ids)
        if self.contract_ids:
            domain &= Domain("request_id.contract_id", "in", self.contract_ids.ids)
        return domain

    def _get_lines_domain(self):
        """Service lines this run invoices (or credits): those with a quantity to invoice."""
        self.ensure_one()
        domain = (
            self._get_scope_domain()
            & Domain("invoice_status", "=", "to_invoice")
            & Domain("date", "<=", self.date_to)
        )
        if not self.request_ids:
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
        if self.contract_ids:
            domain &= Domain("contract_id", "in", self.contract_ids.ids)
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
        lines = self.env["after_sales.request.line"].search(
            self._get_lines_domain(), order="request_id, sequence, id"
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
        if self.include_fees and not self.request_ids:
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

    def _invoice_chunk(self, chunk):
        """Invoice a chunk of groups in one go; on error, one group at a time, recording failures."""
        try:
            with self.env.cr.savepoint():
                return self._create_invoices(chunk)
        except RETRY_ERRORS:
            raise
        except Exception:  # noqa: BLE001 - find the failing groups one by one
            _logger.info("Billing run %s: a chunk failed, invoicing its groups one by one", self.name)
        moves = self.env["account.move"]
        for key, group in chunk:
            try:
                with self.env.cr.savepoint():
                    moves |= self._create_invoices([(key, group)])
            except RETRY_ERRORS:
                raise
            except Exception as error:  # noqa: BLE001 - recorded on the run, others go on
                self._record_failure(key, group, error)
        return moves

    def _create_invoices(self, groups):
        """Draft invoices (or credit notes) of ``groups`` in one ``account.move.create``.

        Each invoice line links the service lines or fees it bills (``after_sales_line_ids``,
        ``after_sales_fee_ids``) from its creation: what they have invoiced is derived from
        those links. The rows of the whole chunk are locked in one query per table and read
        as one batch (shared prefetch), so the queries of a chunk do not grow with its groups.
        """
        Line = self.env["after_sales.request.line"]
        Fee = self.env["after_sales.contract.fee"].sudo()
        # another run may have invoiced some of them since they were collected
        all_lines = lock_free_rows(
            Line, [i for __, g in groups for i in g["lines"]], SQL("invoice_status = 'to_invoice'")
        )
        all_fees = lock_free_rows(Fee, [i for __, g in groups for i in g["fees"]], SQL("NOT is_invoiced"))
        free_line_ids, free_fee_ids = set(all_lines.ids), set(all_fees.ids)
        all_lines.invalidate_recordset(["qty_to_invoice", "invoice_status"])
        all_fees.invalidate_recordset(["is_invoiced"])
        journal = self._get_sale_journal()
        invoice_partners = {}
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
            self._check_group(partner, lines, fees, journal)
            if partner.id not in invoice_partners:
                invoice_partners[partner.id] = partner.address_get(["invoice"])["invoice"]
            vals_list.append(self._prepare_invoice_vals(key, lines, fees, invoice_partners[partner.id]))
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

    def _check_group(self, partner, lines, fees, journal):
        """Raise a UserError naming what keeps this group from being invoiced."""
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
        products = lines.product_id | fees.product_id
        for product in products:
            if not (
                product.with_company(self.company_id)._get_product_accounts()["income"]
                or journal.default_account_id
            ):
                raise UserError(self.env._("Product %s has no income account.", product.display_name))

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
        message = error.args[0] if isinstance(error, UserError) and error.args else str(error)
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
            run._run()
