from markupsafe import Markup

from odoo import api, fields, models
from odoo.fields import Command


class AccountMove(models.Model):
    _inherit = "account.move"

    after_sales_billing_run_id = fields.Many2one(
        "after_sales.billing.run",
        string="Billing Run",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
    )
    after_sales_dealer_settlement_id = fields.Many2one(
        "after_sales.dealer.settlement",
        string="Dealer Settlement",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
    )
    after_sales_request_ids = fields.Many2many(
        "after_sales.request",
        string="Service Requests",
        compute="_compute_after_sales_request_ids",
        help="The service requests whose lines this invoice bills.",
    )
    after_sales_act_attachment_id = fields.Many2one(
        "ir.attachment",
        string="Act of Completed Work",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The act sent with the invoice, generated when the invoice is first sent.",
    )

    @api.depends("line_ids.after_sales_line_ids")
    def _compute_after_sales_request_ids(self):
        for move in self:
            move.after_sales_request_ids = move.sudo().line_ids.after_sales_line_ids.request_id.sorted("id")

    def button_draft(self):
        res = super().button_draft()
        # the invoice may change: the act is generated again when it is sent
        self.filtered("after_sales_act_attachment_id").sudo().after_sales_act_attachment_id.unlink()
        return res

    @api.model
    def _after_sales_create_invoices(self, vals_list):
        """Create the customer invoices of ``vals_list`` (one company) as ``create`` would, faster.

        Same records as ``account.move.create(vals_list)``; two batch shortcuts:

        - the product lines get the balance, amount in currency and tax tags that Odoo's
          tax synchronisation would write on each of them after creation, computed by the
          same tax engine beforehand (``_after_sales_add_base_line_amounts``). The
          synchronisation still runs in full; it only finds nothing left to write
          (where it does, it writes as usual).
        - the "Invoice Created" message is logged for all invoices in one batch instead of
          one ``message_post`` per invoice (its subtype is hidden: nobody is notified).
        """
        for vals in vals_list:
            self._after_sales_add_base_line_amounts(vals)
        log = not self.env.context.get("mail_create_nolog") and not self.env.context.get("tracking_disable")
        moves = self.with_context(mail_create_nolog=True).create(vals_list)
        if log:
            self._after_sales_log_creation(moves)
        return moves

    @api.model
    def _after_sales_add_base_line_amounts(self, vals):
        """Fill balance, amount_currency and tax_tag_ids of the product lines of invoice ``vals``.

        Mirrors ``_get_rounded_base_and_tax_lines`` of a new invoice: the line prices and
        quantities rounded as they are stored, the invoice's rate and sign, all lines in one
        tax computation (global rounding spreads its delta over them).
        """
        required = ("company_id", "currency_id", "move_type", "invoice_line_ids")
        if not all(vals.get(fname) for fname in required):
            return vals  # left to Odoo's synchronisation
        commands = [command for command in vals["invoice_line_ids"] if command[0] == Command.CREATE]
        if len(commands) != len(vals["invoice_line_ids"]) or any(
            command[2].get("display_type", "product") != "product"
            or [tax_command[0] for tax_command in command[2].get("tax_ids", [])] != [Command.SET]
            for command in commands
        ):
            return vals  # not only product lines with explicit taxes: left to the synchronisation
        company = self.env["res.company"].browse(vals["company_id"])
        currency = self.env["res.currency"].browse(vals["currency_id"])
        move_type = vals["move_type"]
        sign = -1 if move_type in ("out_invoice", "in_refund", "out_receipt") else 1
        rate = self.env["res.currency"]._get_conversion_rate(
            company.currency_id,
            currency,
            company,
            vals.get("invoice_date") or fields.Date.context_today(self),
        )
        line_fields = self.env["account.move.line"]._fields
        AccountTax = self.env["account.tax"]
        base_lines = []
        for command in commands:
            line_vals = command[2]
            for fname in ("price_unit", "quantity", "discount"):
                if fname in line_vals:
                    line_vals[fname] = line_fields[fname].convert_to_cache(line_vals[fname], self)
            tax_ids = line_vals["tax_ids"][0][2]
            base_lines.append(
                AccountTax._prepare_base_line_for_taxes_computation(
                    None,
                    product_id=self.env["product.product"].browse(line_vals.get("product_id")),
                    tax_ids=AccountTax.browse(tax_ids),
                    price_unit=line_vals.get("price_unit", 0.0),
                    quantity=line_vals.get("quantity", 1.0),
                    discount=line_vals.get("discount", 0.0),
                    currency_id=currency,
                    rate=rate,
                    sign=sign,
                    is_refund=move_type in ("out_refund", "in_refund"),
                )
            )
        AccountTax._add_tax_details_in_base_lines(base_lines, company)
        AccountTax._round_base_lines_tax_details(base_lines, company)
        AccountTax._add_accounting_data_in_base_lines_tax_details(base_lines, company)
        for command, base_line in zip(commands, base_lines, strict=True):
            details = base_line["tax_details"]
            command[2].update(
                {
                    "amount_currency": sign
                    * (details["total_excluded_currency"] + details["delta_total_excluded_currency"]),
                    "balance": sign * (details["total_excluded"] + details["delta_total_excluded"]),
                    "tax_tag_ids": [Command.set(base_line["tax_tag_ids"].ids)],
                }
            )
        return vals

    def _after_sales_log_creation(self, moves):
        """Log the creation message of ``moves`` as ``mail.thread.create`` does, in one batch."""
        # the creation subtype follows the document's type: asked once per type, not per invoice
        for group in moves.grouped("move_type").values():
            subtype = group[:1]._creation_subtype()
            messages = group._message_log_batch(
                bodies={
                    move.id: Markup('<div summary="o_mail_notification"><p>%s</p></div>')
                    % move._creation_message()
                    for move in group
                }
            )
            if subtype:
                # as the message_post of mail.thread.create: that subtype, visible to the portal
                messages.write({"subtype_id": subtype.id, "is_internal": False})

    def _after_sales_get_act_attachment(self):
        """The act of completed work of this invoice's requests, as an attachment (made once).

        The act the customer signed is attached as it was signed (one request); otherwise it
        is rendered, with the signatures of the signed acts printed on it.
        Made when the invoice is sent (never when it is only read), dropped when it is reset
        to draft. Rendered as superuser: the accountant who sends the invoice needs no
        After-Sales rights for the act that goes with it.
        """
        self.ensure_one()
        if self.after_sales_act_attachment_id or not self.after_sales_request_ids:
            return self.after_sales_act_attachment_id
        requests = self.sudo().after_sales_request_ids
        if len(requests) == 1 and requests.act_signed_attachment_id:
            # the act the customer signed, as signed: not an unsigned copy rendered again
            content = requests.act_signed_attachment_id.raw
        else:
            # several requests: one document, each act printed with its signature when signed
            content, _report_type = (
                self.env["ir.actions.report"]
                .sudo()
                ._render_qweb_pdf("after_sales_billing.action_report_after_sales_act_invoice", self.ids)
            )
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": self.env._("Act - %s.pdf", (self.name or str(self.id)).replace("/", "_")),
                    "raw": content,
                    "mimetype": "application/pdf",
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )
        self.sudo().after_sales_act_attachment_id = attachment
        return attachment
