from werkzeug.exceptions import BadRequest, Forbidden

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.after_sales_service.tools import (
    has_nul,
    nul_error,
    parse_number,
    readonly_unless_posted,
    upload_error,
    without_nul,
)
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

PAGE_SIZE = 20
CLAIM_URL = "/my/warranty-claims"
# the inputs of the claim form, as typed
CLAIM_INPUTS = (
    "equipment_id",
    "unit_serial",
    "unit_product_id",
    "repair_date",
    "meter_hours",
    "cause_id",
    "symptom",
    "description",
)
LABOUR_INPUTS = ("operation_id", "hours")
PART_INPUTS = ("product_id", "quantity", "failed_serial")


def _parse_choice(value, records):
    """The record of ``records`` whose id is ``value``; empty when blank, None when not one of them."""
    if not value:
        return records.browse()
    if value.isdigit() and int(value) in set(records.ids):
        return records.browse(int(value))
    return None


def _format_number(value):
    """A number as the form shows it: 1.5, 2 (no trailing zeros)."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if value else ""


class AfterSalesDealerPortal(CustomerPortal):
    """Warranty claims of an authorized service partner on /my/warranty-claims.

    The portal users of a service partner's contacts read its claims; its portal claim users also
    enter, correct and submit them, through the claim's ``_portal_*`` methods (what a dealer may
    set, who may claim, the submit checks). Pages render the records checked with ``sudo()``, as
    Odoo's portal does; other portal users find no such page (404).
    """

    # ----------------------------------------------------------------- home

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        dealer = self._after_sales_dealer()
        Claim = request.env["after_sales.dealer.claim"]
        for counter, domain in (
            ("dealer_claim_count", []),
            ("dealer_claim_return_count", [("line_ids.return_state", "=", "requested")]),
        ):
            if counter in counters:
                values[counter] = (
                    Claim.search_count(self._after_sales_dealer_claim_domain(dealer) + domain)
                    if dealer
                    else 0
                )
        if not counters:
            # the home page itself (its counters come by /my/counters, which returns counters only)
            values["after_sales_is_dealer"] = bool(dealer)
        return values

    def _after_sales_dealer(self):
        """The authorized service partner of the current portal user, else an empty recordset."""
        user = request.env.user
        partner = user.partner_id.commercial_partner_id
        if user.share and not user._is_public() and partner.is_service_partner:
            return partner
        return request.env["res.partner"]

    def _after_sales_dealer_or_404(self):
        dealer = self._after_sales_dealer()
        if not dealer:
            raise request.not_found()
        return dealer

    def _after_sales_claiming_dealer(self):
        """The dealer the current user enters claims for: 404 outside dealers, 403 for its other users."""
        self._after_sales_dealer_or_404()
        try:
            return request.env["after_sales.dealer.claim"]._portal_get_dealer()
        except AccessError:
            raise Forbidden() from None

    def _after_sales_can_claim(self, dealer):
        """Whether the current user enters and submits claims for ``dealer``."""
        try:
            return request.env["after_sales.dealer.claim"]._portal_get_dealer() == dealer
        except AccessError:
            return False

    def _after_sales_dealer_claim_domain(self, dealer):
        return [("dealer_id", "=", dealer.id)]

    # ----------------------------------------------------------------- list

    def _after_sales_dealer_claim_filters(self):
        Claim = request.env["after_sales.dealer.claim"]
        filters = {"all": {"label": request.env._("All"), "domain": []}}
        for state, label in Claim._fields["state"]._description_selection(request.env):
            filters[state] = {"label": label, "domain": [("state", "=", state)]}
        filters["to_return"] = {
            "label": request.env._("Failed Parts to Send"),
            "domain": [("line_ids.return_state", "=", "requested")],
        }
        return filters

    def _after_sales_dealer_claim_sortings(self):
        return {
            "repair_date": {"label": request.env._("Repair Date"), "order": "repair_date desc, id desc"},
            "submit_date": {
                "label": request.env._("Submitted On"),
                "order": "submit_date desc nulls last, id desc",
            },
            "name": {"label": request.env._("Number"), "order": "name desc, id desc"},
            "state": {"label": request.env._("Status"), "order": "state, repair_date desc, id desc"},
            "amount": {"label": request.env._("Amount Claimed"), "order": "amount_claimed desc, id desc"},
        }

    # The list, a claim and the empty or filled form only read: served on the read-only cursor (a
    # replica where there is one); the session, not the database, keeps the list's history.
    @http.route(
        [CLAIM_URL, f"{CLAIM_URL}/page/<int:page>"], type="http", auth="user", website=True, readonly=True
    )
    def portal_my_dealer_claims(self, page=1, filterby="all", sortby="repair_date", **kw):
        dealer = self._after_sales_dealer_or_404()
        Claim = request.env["after_sales.dealer.claim"]
        filters = self._after_sales_dealer_claim_filters()
        sortings = self._after_sales_dealer_claim_sortings()
        filterby = filterby if filterby in filters else "all"
        sortby = sortby if sortby in sortings else "repair_date"
        domain = self._after_sales_dealer_claim_domain(dealer) + filters[filterby]["domain"]
        pager = portal_pager(
            url=CLAIM_URL,
            url_args={"filterby": filterby, "sortby": sortby},
            total=Claim.search_count(domain),
            page=page,
            step=PAGE_SIZE,
        )
        claims = Claim.search(
            domain, order=sortings[sortby]["order"], limit=PAGE_SIZE, offset=pager["offset"]
        )
        request.session["my_dealer_claims_history"] = claims.ids[:100]
        values = self._prepare_portal_layout_values()
        values.update(
            claims=claims.sudo(),
            pager=pager,
            page_name="dealer_claims",
            default_url=CLAIM_URL,
            searchbar_filters=filters,
            filterby=filterby,
            searchbar_sortings=sortings,
            sortby=sortby,
            can_claim=self._after_sales_can_claim(dealer),
        )
        return request.render("after_sales_warranty.portal_my_dealer_claims", values)

    # --------------------------------------------------------------- detail

    def _after_sales_dealer_claim_sudo(self, claim_id, access_token=None):
        """The claim ``claim_id`` the current user (or the token) may read, as superuser; else 404."""
        try:
            return self._document_check_access("after_sales.dealer.claim", claim_id, access_token)
        except (AccessError, MissingError):
            raise request.not_found() from None

    @http.route([f"{CLAIM_URL}/<int:claim_id>"], type="http", auth="public", website=True, readonly=True)
    def portal_my_dealer_claim(self, claim_id, access_token=None, **kw):
        claim_sudo = self._after_sales_dealer_claim_sudo(claim_id, access_token)
        chatter_args = {key: kw[key] for key in ("pid", "hash") if kw.get(key)}
        return self._after_sales_render_dealer_claim(claim_sudo, access_token, **chatter_args)

    def _after_sales_render_dealer_claim(self, claim_sudo, access_token=None, error=None, **kw):
        values = self._get_page_view_values(
            claim_sudo,
            access_token,
            {"claim": claim_sudo, "page_name": "dealer_claim"},
            "my_dealer_claims_history",
            False,
            **kw,
        )
        values.update(
            lines=claim_sudo.line_ids,
            error=error,
            can_edit=claim_sudo.review_state == "draft" and self._after_sales_can_claim(claim_sudo.dealer_id),
            **self._after_sales_claim_return_values(claim_sudo),
        )
        return request.render("after_sales_warranty.portal_my_dealer_claim", values)

    def _after_sales_claim_return_values(self, claim_sudo):
        """The failed parts the dealer sends back (of lines not rejected): receipts, where to send them."""
        return_lines = claim_sudo.line_ids.filtered(
            lambda line: line.return_required and line.decision != "reject"
        )
        receipts = return_lines.return_move_ids.filtered(lambda move: move.state != "cancel")
        warehouse = receipts.picking_id.picking_type_id.warehouse_id[:1]
        return {
            "return_lines": return_lines,
            "return_receipts": {
                line.id: line.return_move_ids.filtered(lambda move: move.state != "cancel").picking_id[:1]
                for line in return_lines
            },
            "return_address": warehouse.partner_id or claim_sudo.company_id.partner_id,
        }

    @http.route(
        [f"{CLAIM_URL}/<int:claim_id>/submit"], type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_dealer_claim_submit(self, claim_id, **kw):
        self._after_sales_claiming_dealer()
        claim_sudo = self._after_sales_dealer_claim_sudo(claim_id)
        claim = request.env["after_sales.dealer.claim"].browse(claim_sudo.id)
        try:
            with request.env.cr.savepoint():
                claim._portal_submit()
        except UserError as exc:
            return self._after_sales_render_dealer_claim(claim_sudo, error=exc.args[0])
        return request.redirect(f"{CLAIM_URL}/{claim.id}")

    # ----------------------------------------------------------------- form

    @http.route(
        [f"{CLAIM_URL}/new"],
        type="http",
        auth="user",
        website=True,
        methods=["GET", "POST"],
        readonly=readonly_unless_posted,
    )
    def portal_dealer_claim_new(self, **kw):
        dealer = self._after_sales_claiming_dealer()
        if request.httprequest.method == "POST":
            return self._after_sales_save_claim_form(dealer)
        form = dict.fromkeys(CLAIM_INPUTS, "")
        form.update(repair_date=fields.Date.to_string(fields.Date.context_today(request.env.user)))
        form.update(labour=[], parts=[])
        return self._after_sales_render_claim_form(dealer, form)

    @http.route(
        [f"{CLAIM_URL}/<int:claim_id>/edit"],
        type="http",
        auth="user",
        website=True,
        methods=["GET", "POST"],
        readonly=readonly_unless_posted,
    )
    def portal_dealer_claim_edit(self, claim_id, **kw):
        dealer = self._after_sales_claiming_dealer()
        claim_sudo = self._after_sales_dealer_claim_sudo(claim_id)
        if claim_sudo.dealer_id != dealer:
            raise request.not_found()
        if claim_sudo.review_state != "draft":
            return request.redirect(f"{CLAIM_URL}/{claim_sudo.id}")
        if request.httprequest.method == "POST":
            claim = request.env["after_sales.dealer.claim"].browse(claim_sudo.id)
            return self._after_sales_save_claim_form(dealer, claim)
        return self._after_sales_render_claim_form(
            dealer, self._after_sales_claim_form(claim_sudo), claim_sudo
        )

    def _after_sales_claim_choices(self, dealer):
        """What the claim form offers: the dealer's units and causes (read with the user's rights),
        the products and labour operations of the company (catalogues, read as superuser)."""
        env = request.env
        company_ids = [env.company.id, False]
        Product = env["product.product"].sudo()
        goods = [("type", "=", "consu"), ("company_id", "in", company_ids)]
        unit_products = Product.search(goods + [("categ_id", "child_of", dealer.service_categ_ids.ids)])
        parts = Product.browse()
        if dealer.service_parts_categ_ids:
            parts = Product.search(
                goods
                + [
                    ("categ_id", "child_of", dealer.service_parts_categ_ids.ids),
                    ("id", "not in", unit_products.ids),
                ]
            )
        return {
            "units": env["after_sales.equipment"].search([], order="name, id"),
            "unit_products": unit_products.sorted("display_name"),
            "parts": parts.sorted("display_name"),
            "operations": env["after_sales.labour.operation"]
            .sudo()
            .search([("company_id", "in", company_ids)]),
            "causes": env["after_sales.cause"].search([]),
        }

    def _after_sales_claim_form(self, claim_sudo):
        """The claim form filled with the draft ``claim_sudo``."""
        form = {
            "equipment_id": str(claim_sudo.equipment_id.id or ""),
            "unit_serial": claim_sudo.unit_serial or "",
            "unit_product_id": str(claim_sudo.unit_product_id.id or ""),
            "repair_date": fields.Date.to_string(claim_sudo.repair_date) or "",
            "meter_hours": _format_number(claim_sudo.meter_hours),
            "cause_id": str(claim_sudo.cause_id.id or ""),
            "symptom": claim_sudo.symptom or "",
            "description": claim_sudo.description or "",
        }
        lines = claim_sudo.line_ids
        form["labour"] = [
            {"operation_id": str(line.operation_id.id or ""), "hours": _format_number(line.hours)}
            for line in lines.filtered(lambda line: line.line_type == "labour")
        ]
        form["parts"] = [
            {
                "product_id": str(line.product_id.id or ""),
                "quantity": _format_number(line.quantity),
                "failed_serial": line.failed_serial or "",
            }
            for line in lines.filtered(lambda line: line.line_type == "part")
        ]
        return form

    def _after_sales_read_claim_form(self):
        """The claim form as typed (strings, rows left blank dropped), to check or to show again."""
        data = request.httprequest.form
        form = {key: (data.get(key) or "").strip() for key in CLAIM_INPUTS}
        for kind, prefix, inputs in (("labour", "labour", LABOUR_INPUTS), ("parts", "part", PART_INPUTS)):
            columns = [data.getlist(f"{prefix}_{name}") for name in inputs]
            if len({len(column) for column in columns}) > 1:
                raise BadRequest()
            rows = [
                {name: value.strip() for name, value in zip(inputs, values, strict=True)}
                for values in zip(*columns, strict=True)
            ]
            form[kind] = [row for row in rows if any(row.values())]
        return form

    def _after_sales_claim_vals(self, form, choices):
        """(values for the claim's ``_portal_*`` methods, error messages) of a typed claim form."""
        errors = []
        vals = self._after_sales_claim_header_vals(form, choices, errors)
        vals["line_ids"] = self._after_sales_claim_line_vals(form, choices, errors)
        return vals, errors

    def _after_sales_claim_header_vals(self, form, choices, errors):
        _ = request.env._
        unit = _parse_choice(form["equipment_id"], choices["units"])
        product = _parse_choice(form["unit_product_id"], choices["unit_products"])
        cause = _parse_choice(form["cause_id"], choices["causes"])
        hours = parse_number(form["meter_hours"])
        if unit is None:
            errors.append(_("The unit you chose is not one of your units."))
        if product is None:
            errors.append(_("Choose the product of the unit among the products you are authorized for."))
        if cause is None:
            errors.append(_("Choose the cause from the list."))
        if hours is None:
            errors.append(_("The meter reading must be a number of hours."))
        try:
            repair_date = fields.Date.to_date(form["repair_date"])
        except ValueError:
            repair_date = None
            errors.append(_("The repair date %s is not a date.", form["repair_date"]))
        else:
            if not repair_date:
                errors.append(_("Give the date of the repair."))
        # a unit chosen from the list is the unit: the serial and product of a unit to register go
        return {
            "equipment_id": unit.id if unit else False,
            "unit_serial": (not unit and form["unit_serial"]) or False,
            "unit_product_id": product.id if product and not unit else False,
            "repair_date": repair_date,
            "meter_hours": hours,
            "cause_id": cause.id if cause else False,
            "symptom": form["symptom"] or False,
            "description": form["description"] or False,
        }

    def _after_sales_claim_line_vals(self, form, choices, errors):
        _ = request.env._
        lines = []
        for position, row in enumerate(form["labour"], start=1):
            operation = _parse_choice(row["operation_id"], choices["operations"])
            hours = parse_number(row["hours"])
            if operation is None:
                errors.append(_("Labour line %s: choose the operation from the list.", position))
            elif hours is None:
                errors.append(_("Labour line %s: the hours must be a number.", position))
            else:
                lines.append({"line_type": "labour", "operation_id": operation.id, "hours": hours})
        for position, row in enumerate(form["parts"], start=1):
            product = _parse_choice(row["product_id"], choices["parts"])
            quantity = parse_number(row["quantity"], default=1.0)
            if product is None:
                errors.append(self._after_sales_part_choice_error(position, row["product_id"]))
            elif quantity is None:
                errors.append(_("Part line %s: the quantity must be a number.", position))
            else:
                lines.append(
                    {
                        "line_type": "part",
                        "product_id": product.id,
                        "quantity": quantity,
                        "failed_serial": row["failed_serial"] or False,
                    }
                )
        return lines

    def _after_sales_part_choice_error(self, position, value):
        """The error of a part line whose part is not one the form offers."""
        _ = request.env._
        product = request.env["product.product"].sudo().browse(int(value)) if value.isdigit() else None
        if product and product.exists():
            return _(
                "Part line %(position)s: %(part)s is not among the parts you are authorized to claim "
                "(category: %(categ)s). Choose the part from the list.",
                position=position,
                part=product.display_name,
                categ=product.categ_id.display_name or _("none"),
            )
        return _("Part line %s: choose the part from the list.", position)

    def _after_sales_save_claim_form(self, dealer, claim=None):
        """Save the posted claim form (and submit it when asked); on bad input show it again with
        the errors, nothing written. ``claim``: the draft changed, with the user's rights."""
        form = self._after_sales_read_claim_form()
        if has_nul(form):
            form = without_nul(form)
            errors = [nul_error(request.env)]
            return self._after_sales_render_claim_form(dealer, form, claim and claim.sudo(), errors)
        vals, errors = self._after_sales_claim_vals(form, self._after_sales_claim_choices(dealer))
        files = [file for file in request.httprequest.files.getlist("attachments") if file.filename]
        too_large = upload_error(request.env, files)
        if too_large:
            errors.append(too_large)
        submit = request.httprequest.form.get("action") == "submit"
        if not errors:
            try:
                with request.env.cr.savepoint():
                    claim = self._after_sales_write_claim(claim, vals, files, submit)
            except UserError as exc:
                errors = [exc.args[0]]
            else:
                return request.redirect(f"{CLAIM_URL}/{claim.id}")
        return self._after_sales_render_claim_form(dealer, form, claim and claim.sudo(), errors)

    def _after_sales_write_claim(self, claim, vals, files, submit):
        """Create (or change) the claim, attach the files, submit it: the claim's own checks decide."""
        if claim:
            claim._portal_write(vals)
        else:
            claim = request.env["after_sales.dealer.claim"]._portal_create(vals)
        if files:
            claim.check_access("read")
            # sudo: mail.thread - the dealer posts on a claim it reads, as the portal chatter does
            claim.sudo().message_post(
                body=request.env._("Photos and documents of the repair."),
                attachments=[(file.filename, file.read()) for file in files],
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        if submit:
            claim._portal_submit()
        return claim

    def _after_sales_render_claim_form(self, dealer, form, claim_sudo=None, errors=()):
        values = self._prepare_portal_layout_values()
        values.update(
            self._after_sales_claim_choices(dealer),
            dealer=dealer,
            form=form,
            claim=claim_sudo,
            errors=list(errors),
            today=fields.Date.to_string(fields.Date.context_today(request.env.user)),
            page_name="dealer_claim_edit" if claim_sudo else "dealer_claim_new",
        )
        return request.render("after_sales_warranty.portal_dealer_claim_form", values)
