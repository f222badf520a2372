import { registry } from "@web/core/registry";

import { openPages } from "./after_sales_tour_utils";

// The engineer on a new request: the Solutions tab shows what solved the product's past requests,
// one click adds the first-time-fix kit, then a published standard solution is chosen and applied.
// Data comes from test_tour_solution.py.
registry.category("web_tour.tours").add("after_sales_solution_tour", {
    steps: () => [
        ...openPages("Solutions"),
        {
            content: "What solved the similar requests: the diagnosis, used by 2 of 2, in the kit",
            trigger: ".o_solution_suggestion_lines tr:contains(Tour Kit Diagnosis):contains('100 %') .fa-check",
        },
        {
            content: "Add the first-time-fix kit",
            trigger: ".o_form_view button[name=action_apply_suggestions]",
            run: "click",
        },
        ...openPages("Service Lines"),
        {
            content: "The kit's lines are on the request",
            trigger: ".o_field_widget[name=line_ids] .o_data_row:contains(Tour Kit Diagnosis) td[name=quantity]:contains(2.00)",
        },
        {
            trigger: ".o_field_widget[name=line_ids] .o_data_row:contains(Tour Kit Filter)",
        },
        ...openPages("Solutions"),
        {
            content: "The published solution of the product is listed",
            trigger: ".o_field_widget[name=matching_solution_ids] .o_data_row:contains(Tour Seal Change)",
        },
        {
            content: "Choose it",
            trigger: ".o_field_widget[name=standard_solution_id] input",
            run: "edit Tour Seal",
        },
        {
            trigger: ".o-autocomplete--dropdown-menu .dropdown-item:contains('Tour Seal Change')",
            run: "click",
        },
        {
            content: "Apply it",
            trigger: ".o_form_view button[name=action_apply_standard_solution]",
            run: "click",
        },
        ...openPages("Service Lines"),
        {
            content: "Its seal is added",
            trigger: ".o_field_widget[name=line_ids] .o_data_row:contains(Tour Kit Seal)",
        },
    ],
});
