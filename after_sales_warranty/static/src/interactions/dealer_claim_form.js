import { Interaction } from "@web/public/interaction";
import { registry } from "@web/core/registry";

/**
 * The dealer's warranty claim form on the portal: adds a blank labour or part line, removes a line.
 * Lines are plain form inputs posted with the form; the hidden, disabled model row of each kind is
 * copied for a new line. Without JavaScript the form still has one blank line of each kind, and a
 * line emptied is dropped by the server.
 */
export class DealerClaimForm extends Interaction {
    static selector = ".o_dealer_claim_form";
    dynamicContent = {
        "[data-add-line]": { "t-on-click.prevent": this.onAddLine },
        _root: { "t-on-click": this.onRemoveLine },
    };

    onAddLine(ev) {
        const kind = ev.currentTarget.dataset.addLine;
        const row = this.el.querySelector(`tr[data-line-model='${kind}']`).cloneNode(true);
        row.removeAttribute("data-line-model");
        for (const input of row.querySelectorAll("input, select")) {
            input.disabled = false;
        }
        this.el.querySelector(`tbody[data-lines='${kind}']`).append(row);
        row.querySelector("select, input").focus();
    }

    onRemoveLine(ev) {
        const button = ev.target.closest(".o_dealer_claim_remove_line");
        if (button) {
            ev.preventDefault();
            button.closest("tr").remove();
        }
    }
}

registry.category("public.interactions").add("after_sales_warranty.dealer_claim_form", DealerClaimForm);
