import { registry } from "@web/core/registry";
import { currentStage, openRow } from "./after_sales_tour_utils";

// A dealer's warranty claim from the portal to the posted vendor bill, one tour per role, chained by
// test_tour_dealer.py (data made there): the dealer submits a claim of labour and a part with a
// photo, the After-Sales manager reviews it line by line and settles it, an accountant posts the
// bill, the dealer reads the decisions and the settlement on its claim page.

const LABOUR_ROWS = ".o_dealer_claim_form tbody[data-lines=labour]";
const PART_ROWS = ".o_dealer_claim_form tbody[data-lines=part]";

registry.category("web_tour.tours").add("after_sales_dealer_portal_tour", {
    url: "/my",
    steps: () => [
        {
            content: "The dealer's home page has its warranty claims",
            trigger: ".o_portal_index_card:not(.d-none) a[href='/my/warranty-claims']:contains(Warranty Claims)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "No claim yet: enter one",
            trigger: "a.o_dealer_claim_new",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The unit the dealer sold",
            trigger: ".o_dealer_claim_form select[name=equipment_id]",
            run: "selectByLabel TOUR-DLR-0001",
        },
        {
            trigger: ".o_dealer_claim_form input[name=meter_hours]",
            run: "edit 350",
        },
        {
            trigger: ".o_dealer_claim_form select[name=cause_id]",
            run: "selectByLabel Manufacturing Defect",
        },
        {
            trigger: ".o_dealer_claim_form input[name=symptom]",
            run: "edit No charge at idle",
        },
        {
            trigger: ".o_dealer_claim_form textarea[name=description]",
            run: "edit Alternator bearing seized, alternator replaced.",
        },
        {
            content: "Labour: the alternator replaced, an hour above its norm",
            trigger: `${LABOUR_ROWS} tr:nth-child(1) select[name=labour_operation_id]`,
            run: "selectByLabel TR-ALT",
        },
        {
            trigger: `${LABOUR_ROWS} tr:nth-child(1) input[name=labour_hours]`,
            run: "edit 3",
        },
        {
            content: "Add a second labour line",
            trigger: ".o_dealer_claim_add_labour",
            run: "click",
        },
        {
            trigger: `${LABOUR_ROWS} tr:nth-child(2) select[name=labour_operation_id]:enabled`,
            run: "selectByLabel TR-DIA",
        },
        {
            content: "then remove it again",
            trigger: `${LABOUR_ROWS} tr:nth-child(2) .o_dealer_claim_remove_line`,
            run: "click",
        },
        {
            trigger: `${LABOUR_ROWS}:not(:has(tr:nth-child(2)))`,
        },
        {
            content: "The part replaced, with the serial of the failed one",
            trigger: `${PART_ROWS} tr:nth-child(1) select[name=part_product_id]`,
            run: "selectByLabel Tour Alternator",
        },
        {
            trigger: `${PART_ROWS} tr:nth-child(1) input[name=part_quantity]`,
            run: "edit 1",
        },
        {
            trigger: `${PART_ROWS} tr:nth-child(1) input[name=part_failed_serial]`,
            run: "edit ALT-SN-77",
        },
        {
            content: "A photo of the failed alternator",
            trigger: ".o_dealer_claim_form input[name=attachments]",
            run() {
                const transfer = new DataTransfer();
                transfer.items.add(new File(["\xff\xd8\xff tour photo"], "failed_alternator.jpg", { type: "image/jpeg" }));
                this.anchor.files = transfer.files;
            },
        },
        {
            content: "Submit the claim",
            trigger: ".o_dealer_claim_form button.o_dealer_claim_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The claim is submitted",
            trigger: "#dealer_claim_card .o_dealer_claim_state:contains(Submitted)",
        },
        {
            content: "The labour above its norm is flagged, under warranty",
            trigger: ".o_dealer_claim_line:contains(TR-ALT) .o_dealer_claim_above_norm",
        },
        {
            trigger: ".o_dealer_claim_line:contains(Tour Alternator) .o_dealer_claim_coverage:contains(Warranty)",
        },
        {
            content: "Not decided yet",
            trigger: ".o_dealer_claim_line:contains(Tour Alternator) .o_dealer_claim_decision:contains(Pending)",
        },
        {
            content: "The photo is in the claim's messages",
            trigger: "#chatterRoot:shadow .o-mail-Message:contains(Photos and documents of the repair)",
        },
        {
            content: "Tell the reviewer where the failed part is",
            trigger: "#chatterRoot:shadow .o-mail-Composer-input",
            run: "edit The failed alternator is kept at our workshop.",
        },
        {
            trigger: "#chatterRoot:shadow .o-mail-Composer-send:enabled",
            run: "click",
        },
        {
            trigger: "#chatterRoot:shadow .o-mail-Message:contains(kept at our workshop)",
        },
    ],
});

registry.category("web_tour.tours").add("after_sales_dealer_review_tour", {
    url: "/odoo/action-after_sales_warranty.after_sales_dealer_claim_action",
    steps: () => [
        ...openRow("Tour Service Centre"),
        {
            content: "Start the review",
            trigger: ".o_form_statusbar button[name=action_start_review]",
            run: "click",
        },
        currentStage("Under Review"),
        {
            content: "The labour line: adjust it to the norm",
            trigger: "div[name=line_ids] .o_data_row:has(td:contains(TR-ALT)) td[name=decision]",
            run: "click",
        },
        {
            trigger: "div[name=line_ids] .o_selected_row .o_field_widget[name=decision] .o_select_menu_toggler",
            run: "click",
        },
        {
            trigger: ".o_select_menu_menu .o_select_menu_item:contains(Adjusted)",
            run: "click",
        },
        {
            trigger: "div[name=line_ids] .o_selected_row .o_field_widget[name=approved_qty] input",
            run: "edit 2",
        },
        {
            trigger: "div[name=line_ids] .o_selected_row .o_field_widget[name=decision_reason] input",
            run: "edit Limited to the norm of 2 hours",
        },
        {
            content: "The part: approve it",
            trigger: "div[name=line_ids] .o_data_row:has(td:contains(Tour Alternator)) td[name=decision]",
            run: "click",
        },
        {
            trigger:
                "div[name=line_ids] .o_selected_row:has(td:contains(Tour Alternator)) .o_field_widget[name=decision] .o_select_menu_toggler",
            run: "click",
        },
        {
            trigger: ".o_select_menu_menu .o_select_menu_item:contains(Approved)",
            run: "click",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        { trigger: ".o_form_saved" },
        {
            content: "Decide the claim",
            trigger: ".o_form_statusbar button[name=action_approve]",
            run: "click",
        },
        currentStage("Partly Approved"),
        {
            trigger: "div[name=line_ids] .o_data_row:has(td:contains(TR-ALT)) td[name=approved_amount]:contains(120.00)",
        },
        {
            content: "Settle it now",
            trigger: ".o_form_statusbar button[name=action_settle]",
            run: "click",
        },
        {
            content: "The settlement of the claim is done",
            trigger: ".o_form_view .o_field_widget[name=claim_ids]:contains(DC/)",
        },
        currentStage("Done"),
        {
            trigger: ".oe_stat_button[name=action_view_claim_lines]:contains(2)",
        },
    ],
});

registry.category("web_tour.tours").add("after_sales_dealer_bill_tour", {
    url: "/odoo/action-account.action_move_in_invoice_type",
    steps: () => [
        ...openRow("Tour Service Centre"),
        {
            content: "The labour and the part of the claim are on the bill",
            trigger: "div[name=invoice_line_ids] .o_data_row td:contains(TR-ALT)",
        },
        {
            trigger: "div[name=invoice_line_ids] .o_data_row td:contains(Tour Alternator)",
        },
        {
            content: "Post the bill",
            trigger: ".o_form_statusbar button[name=action_post]",
            run: "click",
        },
        currentStage("Posted"),
    ],
});

registry.category("web_tour.tours").add("after_sales_dealer_decision_tour", {
    steps: () => [
        {
            content: "The claim is settled",
            trigger: "#dealer_claim_card .o_dealer_claim_state:contains(Settled)",
        },
        {
            content: "The labour was adjusted, with the reason",
            trigger:
                ".o_dealer_claim_line:contains(TR-ALT) .o_dealer_claim_decision:contains(Adjusted):contains(Limited to the norm of 2 hours)",
        },
        {
            trigger: ".o_dealer_claim_line:contains(Tour Alternator) .o_dealer_claim_decision:contains(Approved)",
        },
        {
            content: "Paid by a posted vendor bill",
            trigger: ".o_dealer_claim_settled_by:contains(Vendor Bill):contains(Not Paid)",
        },
        {
            content: "The decision is in the messages",
            trigger: "#chatterRoot:shadow .o-mail-Message:contains(Claim decided)",
        },
        {
            content: "Back to the list: the claim shows settled",
            trigger: ".o_portal_submenu a[href='/my/warranty-claims']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            trigger: "tr.o_dealer_claim_row .o_dealer_claim_state:contains(Settled)",
        },
    ],
});
