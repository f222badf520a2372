import { registry } from "@web/core/registry";
import { currentStage, openRow } from "./after_sales_tour_utils";

// Finance runs billing for last month: Run returns at once, the run works in the background
// (queue jobs, performed by the test between the two tours as the job runner would).
registry.category("web_tour.tours").add("after_sales_finance_tour", {
    url: "/odoo/action-after_sales_billing.after_sales_billing_run_action",
    steps: () => [
        {
            content: "New billing run (last month by default)",
            trigger: ".o_control_panel .o_list_button_add",
            run: "click",
        },
        {
            trigger: ".o_form_statusbar button[name=action_run]:contains('Run')",
            run: "click",
        },
        {
            content: "Told the run works in the background",
            trigger: ".o_notification:contains('runs in the background')",
        },
        currentStage("Running"),
        {
            content: "The run can be cancelled while it runs",
            trigger: ".o_form_statusbar button[name=action_cancel]",
        },
        {
            content: "Its progress shows on the form (no chunk yet: the run is being collected)",
            trigger: ".o_form_view .o_field_widget[name=chunk_count]",
        },
    ],
});

// ... then opens the run done, reads what it did in its chatter, opens the draft invoice it made
// from the resolved request's paid line, and posts it.
registry.category("web_tour.tours").add("after_sales_finance_done_tour", {
    url: "/odoo/action-after_sales_billing.after_sales_billing_run_action",
    steps: () => [
        ...openRow("Done"),
        currentStage("Done"),
        {
            content: "Every chunk done (one chunk)",
            trigger: ".o_form_view .o_field_widget[name=chunk_count]:contains('1')",
        },
        {
            content: "The outcome in the chatter",
            trigger: ".o-mail-Message-body:contains('1 draft invoice(s)')",
        },
        {
            content: "One draft invoice",
            trigger: ".oe_stat_button[name=action_view_invoices]:contains('1')",
            run: "click",
        },
        {
            content: "The draft invoice of the customer opens",
            trigger: ".o_form_view .o_field_widget[name=partner_id] input:value(Tour Mining)",
        },
        {
            content: "The service line is on the invoice",
            trigger: "div[name=invoice_line_ids] .o_data_row td:contains('Tour Diagnostics')",
        },
        {
            content: "Post",
            trigger: ".o_form_statusbar button[name=action_post]",
            run: "click",
        },
        currentStage("Posted"),
    ],
});
