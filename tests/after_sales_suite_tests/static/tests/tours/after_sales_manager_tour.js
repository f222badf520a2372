import { registry } from "@web/core/registry";
import { openMenu, openPages, openRow } from "./after_sales_tour_utils";

// A service manager opens every page of a contract, an SLA policy, a maintenance plan and a team,
// then records the claims review board's decision on a claim.
registry.category("web_tour.tours").add("after_sales_manager_tour", {
    url: "/odoo/action-after_sales_service.after_sales_contract_action",
    steps: () => [
        ...openRow("Tour Mining"),
        ...openPages("Covered Units", "Included Services", "Notes", "Billing"),
        {
            content: "Billing model of the contract",
            trigger: ".o_field_widget[name=billing_model]",
        },
        ...openMenu("Configuration", "SLA Policies"),
        ...openRow("Tour SLA"),
        ...openMenu("Configuration", "Service Teams"),
        ...openRow("Tour Team"),
        {
            content: "The team's e-mail alias",
            trigger: ".o_field_widget[name=alias_name] input",
            run: "edit tour-team",
        },
        {
            content: "Save the team",
            trigger: ".o_form_button_save",
            run: "click",
        },
        { trigger: ".o_form_saved" },
        ...openMenu("Installed Base", "Maintenance Plans"),
        ...openRow("Tour Plan"),
        ...openMenu("Requests"),
        {
            content: "List of requests",
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        ...openRow("Tour claim: bearing failed"),
        ...openPages("Claim Review"),
        {
            trigger: ".o_field_widget[name=review_findings] .odoo-editor-editable",
            run: "editor Bearing seat machined out of tolerance.",
        },
        {
            trigger: ".o_field_widget[name=review_root_cause] input, .o_field_widget[name=review_root_cause] textarea",
            run: "edit Supplier machining defect",
        },
        {
            trigger: ".o_field_widget[name=review_justified] .o_select_menu_toggler",
            run: "click",
        },
        {
            trigger: ".o_select_menu_menu .o_select_menu_item:contains('Justified'):not(:contains('Not'))",
            run: "click",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        { trigger: ".o_form_saved" },
    ],
});
