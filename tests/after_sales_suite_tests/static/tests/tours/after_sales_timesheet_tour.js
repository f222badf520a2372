import { registry } from "@web/core/registry";

import { openPages, timeTheWork } from "./after_sales_tour_utils";

// The field engineer on a request: starts and stops the timer (the time is logged, rounded up to
// the company's step), then logs more time by hand on the Timesheets tab; each timesheet is a
// done work line of the request. Data comes from test_tour_timesheet.py.
registry.category("web_tour.tours").add("after_sales_timesheet_tour", {
    steps: () => [
        ...timeTheWork(),
        ...openPages("Timesheets"),
        {
            content: "The timer's time is logged: a started quarter of an hour",
            trigger: ".o_field_widget[name=timesheet_ids] .o_data_row td[name=unit_amount]:contains(00:15)",
        },
        {
            content: "Log more time by hand",
            trigger: ".o_field_widget[name=timesheet_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Describe the work",
            trigger: ".o_field_widget[name=timesheet_ids] .o_selected_row .o_field_widget[name=name] input",
            run: "edit Replaced the starter relay",
        },
        {
            content: "An hour and a half",
            trigger: ".o_field_widget[name=timesheet_ids] .o_selected_row .o_field_widget[name=unit_amount] input",
            run: "edit 1:30",
        },
        {
            content: "Save the request",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_view .o_form_saved",
        },
        ...openPages("Service Lines"),
        {
            content: "The logged time is a work line of the request",
            trigger: ".o_field_widget[name=line_ids] .o_data_row:contains(Replaced the starter relay) td[name=quantity]:contains(1.50)",
        },
    ],
});
