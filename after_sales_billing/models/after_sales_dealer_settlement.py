import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tools import SQL

from odoo.addons.after_sales_service.locks import skip_locked_rows

_logger = logging.getLogger(__name__)


class AfterSalesDealerSettlement(models.Model):
    _name = "after_sales.dealer.settlement"
    _description = "Dealer Claim Settlement"
    _inherit = ["after_sales.batch.run.mixin"]
    _chunk_context = "after_sales_settlement"
    _batch_sequence_code = "after_sales.dealer.settlement"

    date_to = fields.Date(help="Claims decided up to this day are settled, older unsettled ones too.")
    grouping = fields.Selection(
        [("dealer", "Per Dealer"), ("claim", "Per Claim")],
        string="One Document",
        required=True,
        default="dealer",
    )
    dealer_ids = fields.Many2many(
        "res.partner",
        string="Only Dealers",
        domain="[('is_service_partner', '=', True)]",
        help="Leave empty to settle every dealer.",
    )
    claim_ids = fields.Many2many(
        "after_sales.dealer.claim", string="Only Claims", check_company=True, readonly=True
    )
    move_ids = fields.One2many(
        "account.move", "after_sales_dealer_settlement_id", string="Bills and Credit Notes", readonly=True
    )
    # service managers without accounting rights see what a settlement made, not the documents
    move_count = fields.Integer(string="Documents", compute="_compute_totals", compute_sudo=True)
    line_count = fields.Integer(string="Claim Lines", compute="_compute_totals", compute_sudo=True)
    amount_total = fields.Monetary(string="Total", compute="_compute_totals", compute_sudo=True)
    failure_ids = fields.One2many(
        "after_sales.dealer.settlement.failure", "settlement_id", string="Failures", readonly=True
    )
    failure_count = fields.Integer(compute="_compute_failure_count")

    @api.depends("move_ids.amount_total_signed")
    def _compute_totals(self):
        for settlement in self:
            amls = settlement.move_ids.invoice_line_ids
            settlement.move_count = len(settlement.move_ids)
            settlement.line_count = (
                self.env["after_sales.dealer.claim.line"].search_count([("settle_line_ids", "in", amls.ids)])
                if amls
                else 0
            )
            settlement.amount_total = sum(
                abs(amount) for amount in settlement.move_ids.mapped("amount_total_signed")
            )

    @api.depends("failure_ids")
    def _compute_failure_count(self):
        for settlement in self:
            settlement.failure_count = len(settlement.failure_ids)

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for settlement in self:
            if settlement.date_from > settlement.date_to:
                raise ValidationError(self.env._("The settlement period cannot end before it starts."))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_settled(self):
        if any(settlement.move_count for settlement in self):
            raise UserError(self.env._("A settlement that created bills or credit notes cannot be deleted."))

    # -------------------------------------------------------------- actions

    def action_view_moves(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_in_invoice_type")
        action["domain"] = [("after_sales_dealer_settlement_id", "=", self.id)]
        action["context"] = {"create": False}
        if len(self.move_ids) == 1:
            action.update(views=[(False, "form")], view_mode="form", res_id=self.move_ids.id)
        return action

    def action_view_claim_lines(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Settled Claim Lines"),
            "res_model": "after_sales.dealer.claim.line",
            "view_mode": "list",
            "domain": [("settle_line_ids.move_id.after_sales_dealer_settlement_id", "=", self.id)],
        }

    # ------------------------------------------------------------- business

    @api.model
    def _check_can_settle(self):
        if not (self.env.su or self.env.user.has_group("after_sales_service.group_after_sales_manager")):
            raise AccessError(self.env._("Only After-Sales managers settle dealer claims."))

    def _check_can_run(self):
        self._check_can_settle()

    def _process_groups(self, groups):
        return self._create_moves(groups)

    def _get_outcome_message(self):
        self.ensure_one()
        if self.move_count:
            message = self.env._(
                "%(moves)s draft bill(s) or credit note(s) for %(lines)s claim line(s).",
                moves=self.move_count,
                lines=self.line_count,
            )
        else:
            message = self.env._(
                "Nothing to settle from %(start)s to %(end)s.", start=self.date_from, end=self.date_to
            )
        if self.failure_ids:
            message += " " + self.env._("%s group(s) failed (see the Failures tab).", self.failure_count)
        return message

    def _get_lines_domain(self):
        """Claim lines this settlement pays: owed to the dealer, not settled, decided by ``date_to``."""
        self.ensure_one()
        domain = (
            Domain("company_id", "=", self.company_id.id)
            & Domain("settlement_status", "=", "to_settle")
            & Domain("claim_id.decision_date", "<=", self.date_to)
        )
        if self.claim_ids:
            domain &= Domain("claim_id", "in", self.claim_ids.ids)
        if self.dealer_ids:
            domain &= Domain("dealer_id", "in", self.dealer_ids.ids)
        return domain

    def _collect_groups(self):
        """{(dealer, currency, move type, claim): claim line ids} of what this settlement pays."""
        self.ensure_one()
        groups = defaultdict(list)
        lines = (
            self.env["after_sales.dealer.claim.line"]
            .sudo()
            .search_fetch(self._get_lines_domain(), ["claim_id", "dealer_id", "sequence"], order="id")
        )
        # per dealer, then in the order of the claims' numbers and their lines
        for line in lines.sorted(lambda ln: (ln.dealer_id.id, ln.claim_id.id, ln.sequence, ln.id)):
            claim = line.claim_id
            dealer = claim.dealer_id
            key = (
                dealer.id,
                claim.currency_id.id,
                "out_refund" if dealer.service_settle_as == "credit_note" else "in_invoice",
                claim.id if self.grouping == "claim" else False,
            )
            groups[key].append(line.id)
        return groups

    def _create_moves(self, groups):
        """Draft vendor bills (or credit notes) of ``groups`` in one ``account.move.create``.

        Each document line links the claim line it pays (``after_sales_dealer_claim_line_ids``)
        from its creation: whether a claim line is settled is derived from those links. The
        lines of the whole chunk are locked in one query and read as one batch.
        """
        all_lines = skip_locked_rows(
            self.env["after_sales.dealer.claim.line"].sudo().browse([i for __, ids in groups for i in ids]),
            SQL("settlement_status = 'to_settle'"),
        )
        free_ids = set(all_lines.ids)
        all_lines.invalidate_recordset(["settlement_status"])
        vals_list = []
        for key, line_ids in groups:
            lines = all_lines.browse([i for i in line_ids if i in free_ids]).with_prefetch(
                all_lines._prefetch_ids
            )
            if not lines:
                continue
            dealer = self.env["res.partner"].browse(key[0])
            self._check_group(dealer, key[2], lines)
            vals_list.append(self._prepare_move_vals(key, lines))
        if not vals_list:
            return self.env["account.move"]
        return (
            self.env["account.move"]
            .sudo()
            .with_company(self.company_id)
            .with_context(default_move_type=vals_list[0]["move_type"])
            ._after_sales_create_invoices(vals_list)
        )

    def _get_journal(self, move_type):
        journal_type = "purchase" if move_type == "in_invoice" else "sale"
        return (
            self.env["account.journal"]
            .sudo()
            .search([("type", "=", journal_type), ("company_id", "=", self.company_id.id)], limit=1)
        )

    def _check_group(self, dealer, move_type, lines):
        """Raise a UserError naming what keeps this group from being settled."""
        if not dealer.active:
            raise UserError(self.env._("Dealer %s is archived.", dealer.display_name))
        journal = self._get_journal(move_type)
        if not journal:
            raise UserError(
                self.env._(
                    "Company %s has no journal for the dealers' bills or credit notes.", self.company_id.name
                )
            )
        if (
            any(line.line_type == "labour" for line in lines)
            and not self.company_id._get_dealer_labour_product()
        ):
            raise UserError(self.env._("Choose the product of dealers' warranty labour in the settings."))
        account_key = "expense" if move_type == "in_invoice" else "income"
        products = lines.filtered(lambda ln: ln.line_type == "part").product_id
        if any(line.line_type == "labour" for line in lines):
            products |= self.company_id._get_dealer_labour_product()
        for product in products:
            if not (
                product.with_company(self.company_id)._get_product_accounts()[account_key]
                or journal.default_account_id
            ):
                raise UserError(
                    self.env._("Product %s has no account to settle it on.", product.display_name)
                )

    def _prepare_move_vals(self, key, lines):
        """Values of the draft vendor bill (or credit note) of one group (a hook)."""
        dealer_id, currency_id, move_type, __ = key
        dealer = self.env["res.partner"].browse(dealer_id)
        position = (
            self.env["account.fiscal.position"].with_company(self.company_id)._get_fiscal_position(dealer)
        )
        line_vals = [line._prepare_settle_line_vals(move_type, position) for line in lines]
        for sequence, vals in enumerate(line_vals, start=10):
            vals["sequence"] = sequence
        claims = lines.claim_id
        origin = ", ".join(claims.sorted("id").mapped("name"))
        return {
            "move_type": move_type,
            "partner_id": dealer_id,
            "company_id": self.company_id.id,
            "currency_id": currency_id,
            "journal_id": self._get_journal(move_type).id,
            "invoice_date": fields.Date.context_today(self),
            "invoice_origin": origin[:1000],
            "ref": self.env._("Warranty claims %s", origin)[:250] if len(claims) <= 3 else self.name,
            "after_sales_dealer_settlement_id": self.id,
            "invoice_line_ids": [Command.create(vals) for vals in line_vals],
        }

    def _record_failure(self, key, line_ids, error):
        dealer_id, __, __, claim_id = key
        message = self._get_failure_reason(error)
        self.env["after_sales.dealer.settlement.failure"].sudo().create(
            {
                "settlement_id": self.id,
                "dealer_id": dealer_id,
                "claim_id": claim_id or False,
                "line_count": len(line_ids),
                "reason": message,
            }
        )
        _logger.info("Dealer settlement %s: group %s failed: %s", self.name, key, message)
