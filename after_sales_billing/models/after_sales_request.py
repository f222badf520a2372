from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import float_compare
from odoo.tools.image import base64_to_image

from odoo.addons.after_sales_service.locks import wait_for_rows

from .after_sales_estimate import ESTIMATE_STATES

# Request types whose work is done at the customer's site (field service): with the company's
# "signed act required" setting, their paid work is billed only once the customer signed the act.
# Consultations (remote or by phone) and claims (a paperwork review) are not on-site work.
ON_SITE_REQUEST_TYPES = ("repair", "preventive", "installation", "commissioning", "training", "modernization")


class AfterSalesRequest(models.Model):
    _inherit = "after_sales.request"
    # the customer's request page links its estimates (see after_sales.portal.mixin)
    _portal_fields = {"estimate_ids", "act_signed_by", "act_signed_on", "act_signature"}

    amount_charged = fields.Monetary(
        string="Customer Pays", compute="_compute_billing_amounts", currency_field="currency_id"
    )
    amount_covered = fields.Monetary(
        string="Covered", compute="_compute_billing_amounts", currency_field="currency_id"
    )
    amount_revenue = fields.Monetary(
        string="Revenue",
        compute="_compute_margin",
        compute_sudo=True,
        currency_field="currency_id",
        groups="after_sales_service.group_after_sales_manager",
        help="Untaxed amount the customer pays for the done lines.",
    )
    amount_margin = fields.Monetary(
        string="Margin",
        compute="_compute_margin",
        compute_sudo=True,
        currency_field="currency_id",
        groups="after_sales_service.group_after_sales_manager",
        help="Revenue less cost.",
    )
    invoice_ids = fields.Many2many("account.move", compute="_compute_invoice_ids", string="Invoices")
    invoice_count = fields.Integer(compute="_compute_invoice_ids")
    estimate_ids = fields.One2many("after_sales.estimate", "request_id", string="Estimates")
    estimate_state = fields.Selection(
        ESTIMATE_STATES + [("none", "No Estimate")],
        compute="_compute_estimate_state",
        string="Estimate Status",
    )
    phone_call_ids = fields.One2many("after_sales.phone.call", "request_id", string="Phone Calls")
    act_signed_by = fields.Char(readonly=True, copy=False, tracking=True)
    act_signed_on = fields.Datetime(readonly=True, copy=False, index="btree_not_null")
    act_signature = fields.Image(readonly=True, copy=False, attachment=True, max_width=1024, max_height=1024)
    act_signed_attachment_id = fields.Many2one(
        "ir.attachment",
        string="Signed Act",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The act of completed work as the customer signed it (PDF with the signature, "
        "signer, date and time). Voided when a work or part of the act changes afterwards.",
    )

    @api.depends("line_ids.amount_charged", "line_ids.price_subtotal")
    def _compute_billing_amounts(self):
        for request in self:
            request.amount_charged = sum(request.line_ids.mapped("amount_charged"))
            request.amount_covered = sum(request.line_ids.mapped("price_subtotal")) - request.amount_charged

    @api.depends("line_ids.amount_charged", "line_ids.done", "amount_cost")
    def _compute_margin(self):
        for request in self:
            request.amount_revenue = sum(request.line_ids.filtered("done").mapped("amount_charged"))
            request.amount_margin = request.amount_revenue - request.amount_cost

    @api.depends("line_ids.invoice_line_ids")
    def _compute_invoice_ids(self):
        for request in self:
            request.invoice_ids = request.sudo().line_ids.invoice_line_ids.move_id
            request.invoice_count = len(request.invoice_ids)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced(self):
        if self.sudo().line_ids.invoice_line_ids._after_sales_not_cancelled():
            raise UserError(self.env._("A request with invoiced lines cannot be deleted."))

    def action_invoice_now(self):
        """Invoice the done, charged lines of these requests now, through a billing run."""
        runs = self.env["after_sales.billing.run"]
        today = fields.Date.context_today(self)
        for company, requests in self.grouped("company_id").items():
            if requests.filtered(lambda r: r.stage_id.is_cancel):
                raise UserError(self.env._("Cancelled requests are not invoiced."))
            run = runs.create(
                {
                    "company_id": company.id,
                    "date_from": today,
                    "date_to": today,
                    "grouping": "request",
                    "include_fees": False,
                    "request_ids": [fields.Command.set(requests.ids)],
                }
            )
            run._check_can_run()
            run._run(commit=False)
            if run.failure_ids:
                raise UserError("\n".join(run.failure_ids.mapped("reason")))
            runs |= run
        invoices = runs.invoice_ids
        if not invoices:
            unsigned = runs.skip_ids.filtered(lambda skip: skip.reason == "act_unsigned").request_id
            if unsigned:
                raise UserError(
                    self.env._(
                        "Nothing to invoice: the act of %s is not signed, and paid on-site work "
                        "is billed once the customer signed it.",
                        ", ".join(unsigned.mapped("name")),
                    )
                )
            raise UserError(self.env._("Nothing to invoice: no done, charged line is left."))
        return self.action_view_invoices(invoices)

    def action_view_invoices(self, invoices=None):
        invoices = invoices if invoices is not None else self.invoice_ids
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action["domain"] = [("id", "in", invoices.ids)]
        action["context"] = {"default_move_type": "out_invoice", "create": False}
        if len(invoices) == 1:
            action.update(views=[(False, "form")], view_mode="form", res_id=invoices.id)
        return action

    @api.depends("estimate_ids.state")
    def _compute_estimate_state(self):
        for request in self:
            estimates = request.estimate_ids.filtered(lambda e: e.state != "cancelled").sorted("id")
            if estimates.filtered(lambda e: e.state == "accepted"):
                request.estimate_state = "accepted"
            else:
                request.estimate_state = estimates[-1:].state or "none"

    def _prepare_estimate_line_vals(self, line):
        """Snapshot of one planned service line on the estimate (a hook)."""
        return {
            "request_line_id": line.id,
            "sequence": line.sequence,
            "line_type": line.line_type,
            "product_id": line.product_id.id,
            "name": line.name,
            "quantity": line.quantity,
            "price_unit": line.price_unit,
            "price_subtotal": line.price_subtotal,
            "coverage": line.coverage or "paid",
            "amount_charged": line.amount_charged,
        }

    def _create_estimate(self):
        """A new estimate of the planned (not done) lines; open estimates are cancelled."""
        self.ensure_one()
        # what the customer is shown: lines kept internal stay off the estimate, as off the act
        lines = self.line_ids.filtered(lambda ln: not ln.done and ln.customer_visible)
        if not lines:
            raise UserError(self.env._("The request has no planned line to estimate."))
        self.estimate_ids.action_cancel()
        estimate = self.env["after_sales.estimate"].create(
            {
                "name": f"{self.name}-E{len(self.estimate_ids) + 1}",
                "request_id": self.id,
                "currency_id": (lines.currency_id[:1] or self.currency_id or self.company_id.currency_id).id,
                "line_ids": [fields.Command.create(self._prepare_estimate_line_vals(line)) for line in lines],
            }
        )
        estimate._portal_ensure_token()
        return estimate

    def action_send_estimate(self):
        return self._create_estimate().action_send()

    def action_view_estimates(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_billing.after_sales_estimate_action"
        )
        action["domain"] = [("request_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def _check_estimate_accepted(self):
        """Work above the company's threshold needs an accepted estimate."""
        for request in self:
            threshold = request.company_id.after_sales_estimate_threshold
            if not threshold or "accepted" in request.estimate_ids.mapped("state"):
                continue
            amount = sum(request.line_ids.mapped("amount_charged"))
            if float_compare(amount, threshold, precision_digits=2) > 0:
                raise UserError(
                    self.env._(
                        "Request %(request)s: the customer pays %(amount)s, above %(threshold)s, "
                        "so an accepted estimate is required first. Send an estimate to the customer.",
                        request=request.name,
                        amount=amount,
                        threshold=threshold,
                    )
                )

    def _check_can_change_stage(self, new_stage):
        # resolving or closing needs the estimate the work above the threshold asks for
        res = super()._check_can_change_stage(new_stage)
        if (new_stage.is_resolved or new_stage.is_closed) and not new_stage.is_cancel:
            self._check_estimate_accepted()
        return res

    # ------------------------------------------------------------ signed act

    def _get_report_base_filename(self):
        # the name of the act downloaded from the portal (the act is the request's portal report)
        self.ensure_one()
        return self.env._("Act - %s", self.name)

    def _get_act_lines(self):
        """The lines the act of completed work states: done and shown to the customer."""
        self.ensure_one()
        return self.line_ids.filtered(lambda line: line.done and line.customer_visible)

    def _get_act_hours(self):
        """Time spent on the act's work, in hours (work lines counted in a time unit)."""
        self.ensure_one()
        hour = self.env.ref("uom.product_uom_hour")
        return sum(
            line.uom_id._compute_quantity(line.quantity, hour, raise_if_failure=False)
            for line in self._get_act_lines()
            if line.line_type == "work" and line.uom_id and line.uom_id._has_common_reference(hour)
        )

    def _check_can_sign_act(self, signed_by, signature):
        """Refuse a signature the act cannot take; nothing is written before this passes."""
        if not signed_by:
            raise UserError(self.env._("Type the name of the person who signs the act."))
        if not signature:
            raise UserError(self.env._("The signature is missing: the customer draws it to sign the act."))
        base64_to_image(signature)  # a UserError when it is not an image
        for request in self:
            if not request.is_resolved:
                raise UserError(
                    self.env._(
                        "Request %s is not resolved: its act is signed once the work is done.", request.name
                    )
                )
            if request.act_signed_on:
                raise UserError(
                    self.env._(
                        "The act of request %(request)s is already signed by %(who)s.",
                        request=request.name,
                        who=request.act_signed_by,
                    )
                )
            lines = request._get_act_lines()
            if not lines:
                raise UserError(
                    self.env._("Request %s has no work or part done: there is no act to sign.", request.name)
                )
            if all(line._is_invoiced() for line in lines):
                raise UserError(
                    self.env._(
                        "The act of request %s is already invoiced: an invoiced act cannot be signed.",
                        request.name,
                    )
                )

    def _get_act_status(self):
        """Where the act of completed work stands, for the customer: ``(status, label, reason)``.

        ``status``: ``in_progress`` (not resolved yet), ``signed``, ``nothing`` (no work or part
        done to state), ``invoiced`` (an invoiced act is not signed), ``to_sign``. ``reason`` says
        why the act cannot be signed now (empty when it can, or is signed).
        """
        self.ensure_one()
        if not self.is_resolved:
            return (
                "in_progress",
                self.env._("Work in progress"),
                self.env._("The act can be signed once the work is done and the request resolved."),
            )
        if self.act_signed_on:
            return "signed", self.env._("Signed"), ""
        lines = self._get_act_lines()
        if not lines:
            return (
                "nothing",
                self.env._("Nothing to sign"),
                self.env._("No work or part was done on this request: there is no act to sign."),
            )
        if all(line._is_invoiced() for line in lines):
            return (
                "invoiced",
                self.env._("Invoiced"),
                self.env._("The work is already invoiced: an invoiced act is not signed."),
            )
        return "to_sign", self.env._("To Sign"), ""

    def action_open_sign_act(self):
        """Open the signing form (signature pad and signer's name) for the customer on site."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Sign the Act of %s", self.name),
            "res_model": "after_sales.act.sign",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_request_id": self.id,
                "default_signed_by": (self.contact_id or self.partner_id).name,
            },
        }

    def action_sign_act(self, signed_by, signature):
        """The customer signs the act: ``signed_by`` (name) and ``signature`` (base64 image) required.

        Stores the signature, renders the act PDF with it, attaches it to the request and
        e-mails it to the customer.
        """
        signed_by = (signed_by or "").strip()
        if self.ids:
            # the back office and the portal may sign at the same moment: one signature wins
            wait_for_rows(self, ["act_signed_on", "act_signed_by"])
        self._check_can_sign_act(signed_by, signature)
        self._sign_act(signed_by, signature)
        return True

    def _sign_act(self, signed_by, signature):
        now = fields.Datetime.now()
        for request in self:
            # a closed request takes its act's signature too: bookkeeping, not a user's edit
            request._write_unchecked(
                {"act_signed_by": signed_by, "act_signed_on": now, "act_signature": signature}
            )
            attachment = request._create_signed_act_attachment()
            request._write_unchecked({"act_signed_attachment_id": attachment.id})
            request._send_signed_act(attachment)

    def _create_signed_act_attachment(self):
        """The act PDF with the signature printed on it, attached to the request."""
        self.ensure_one()
        content, _report_type = (
            self.env["ir.actions.report"]
            .sudo()
            ._render_qweb_pdf("after_sales_billing.action_report_after_sales_act", self.ids)
        )
        return (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": self.env._("Signed Act - %s.pdf", self.name.replace("/", "_")),
                    "raw": content,
                    "mimetype": "application/pdf",
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )

    def _send_signed_act(self, attachment):
        """Post the signed act on the request and e-mail it to the customer (in their language)."""
        self.ensure_one()
        template = self.env.ref("after_sales_billing.mail_template_after_sales_act_signed")
        self.sudo().message_post_with_source(
            template,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachment_ids=attachment.ids,
        )

    def _void_act_signature(self, reason):
        """The act changed after it was signed: the signature no longer holds, the act is signed again."""
        for request in self.filtered("act_signed_on"):
            signed_by = request.act_signed_by
            request._write_unchecked(
                {
                    "act_signed_by": False,
                    "act_signed_on": False,
                    "act_signature": False,
                    "act_signed_attachment_id": False,
                }
            )
            request.message_post(
                body=self.env._(
                    "The act signed by %(who)s is void: %(reason)s. The customer must sign the act again.",
                    who=signed_by,
                    reason=reason,
                ),
                subtype_xmlid="mail.mt_note",
            )

    @api.model
    def _get_unsigned_on_site_work_domain(self):
        """Service lines of on-site work whose request has no signed act (a hook).

        On-site work: the work lines of requests of the ON_SITE_REQUEST_TYPES types.
        """
        return (
            Domain("line_type", "=", "work")
            & Domain("request_id.request_type", "in", ON_SITE_REQUEST_TYPES)
            & Domain("request_id.act_signed_on", "=", False)
        )

    def _needs_signed_act(self):
        """Whether this request's on-site work waits for a signed act before it is billed."""
        self.ensure_one()
        return (
            self.company_id.after_sales_act_required
            and self.request_type in ON_SITE_REQUEST_TYPES
            and not self.act_signed_on
        )
