import { registry } from "@web/core/registry";

import {
    openMenu,
    openPages,
    resolveRequest,
    signActInDialog,
    timeTheWork,
} from "./after_sales_tour_utils";

// The field, end to end (data and the e-mail from test_tour_field.py). The dispatcher plans a
// visit of the request an e-mail opened and finds it on the dispatch board; the engineer, on
// a phone, checks in from My Visits Today, times the work on the request, resolves it, checks
// out and has the customer sign the act on site; then the request is invoiced.
registry.category("web_tour.tours").add("after_sales_field_dispatch_tour", {
    steps: () => [
        {
            content: "The request the e-mail opened is on the desk",
            trigger: ".o_kanban_view .o_kanban_record:contains(Generator does not start)",
            run: "click",
        },
        {
            content: "The request the e-mail opened, titled by its subject",
            trigger: ".o_form_view .o_field_widget[name=title] input:value(Generator does not start)",
        },
        {
            content: "Plan a visit",
            trigger: ".o_form_view .o_form_statusbar button[name=action_plan_visit]",
            run: "click",
        },
        {
            content: "The visit takes the request's scheduled time",
            trigger: ".o_form_view .o_field_widget[name=planned_start] button:contains(10:00)",
        },
        {
            content: "Choose the engineer",
            trigger: ".o_form_view .o_field_widget[name=engineer_ids] input",
            run: "edit Field Tour Engineer",
        },
        {
            trigger: ".o-autocomplete--dropdown-menu .dropdown-item:contains(Field Tour Engineer)",
            run: "click",
        },
        {
            content: "Save the visit",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        { trigger: ".o_form_view .o_form_saved" },
        ...openMenu("Visits", "Dispatch Board"),
        {
            content: "The visit is on the engineer's row of the board",
            trigger: ".o_timeline_view .vis-label:contains(Field Tour Engineer)",
        },
        {
            trigger: ".o_timeline_view .vis-item:contains(-V1)",
        },
    ],
});

registry.category("web_tour.tours").add("after_sales_field_engineer_tour", {
    steps: () => [
        {
            content: "Today's visit, on the phone",
            trigger: ".o_kanban_view .o_kanban_record:contains(Field Tour Mining)",
        },
        {
            content: "Arrived: check in",
            trigger: ".o_kanban_record:contains(Field Tour Mining) button[name=action_check_in]",
            run: "click",
        },
        {
            trigger: ".o_kanban_record:contains(Field Tour Mining) button[name=action_check_out]",
        },
        {
            content: "Open the visit",
            trigger: ".o_kanban_record:contains(Field Tour Mining) .o_kanban_record_title, .o_kanban_record:contains(Field Tour Mining) span:contains(-V1)",
            run: "click",
        },
        {
            content: "Open its request",
            trigger: ".o_form_view .o_field_widget[name=request_id] a",
            run: "click",
        },
        ...timeTheWork(),
        ...openPages("Timesheets"),
        {
            content: "The time is logged",
            trigger: ".o_field_widget[name=timesheet_ids] .o_data_row td[name=unit_amount]:contains(00:15)",
        },
        ...resolveRequest("Starter relay replaced, generator starts."),
        {
            content: "Back to the visit",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(-V1)",
            run: "click",
        },
        {
            content: "Leaving: check out",
            trigger: ".o_form_view .o_form_statusbar button[name=action_check_out]",
            run: "click",
        },
        {
            content: "The call-out is a line of the visit",
            trigger: ".o_form_view .o_field_widget[name=line_ids] .o_data_row:contains(Field Tour Call-out)",
        },
        {
            content: "Have the act signed on the tablet",
            trigger: ".o_form_view .o_form_statusbar button[name=action_open_sign_act]",
            run: "click",
        },
        ...signActInDialog("Fedor Field"),
        {
            content: "The visit shows the act signed",
            trigger: "body:not(:has(.modal)) .o_form_view .o_field_widget[name=act_signed_on]:contains(/\\d/)",
        },
    ],
});

registry.category("web_tour.tours").add("after_sales_field_invoice_tour", {
    steps: () => [
        {
            content: "Invoice the signed work now",
            trigger: ".o_form_view .o_form_statusbar button[name=action_invoice_now]",
            run: "click",
        },
        {
            content: "The draft invoice bills the time and the call-out",
            trigger: ".o_form_view .o_field_widget[name=invoice_line_ids] .o_data_row:contains(Field Tour Call-out)",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=invoice_line_ids] .o_data_row:contains(Field Tour Labour)",
        },
    ],
});
