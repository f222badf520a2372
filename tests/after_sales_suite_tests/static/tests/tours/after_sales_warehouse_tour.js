import { registry } from "@web/core/registry";
import { currentStage, openRow } from "./after_sales_tour_utils";

// Warehouse staff validate the Service Parts transfer of a request, then take one unused part
// back from the request's line and validate the return.
registry.category("web_tour.tours").add("after_sales_warehouse_tour", {
    steps: () => [
        ...openRow("/SP/"),
        {
            content: "The transfer names its service request",
            trigger: ".o_field_widget[name=after_sales_request_id] a",
        },
        {
            content: "Validate the issue of the parts",
            trigger: ".o_form_statusbar button[name=button_validate]",
            run: "click",
        },
        currentStage("Done"),
        {
            content: "Open the service request",
            trigger: ".o_field_widget[name=after_sales_request_id] a",
            run: "click",
        },
        {
            trigger: ".o_notebook .nav-link:contains('Service Lines')",
            run: "click",
        },
        {
            content: "Return unused parts of the part line",
            trigger: "div[name=line_ids] .o_data_row:has(td:contains('Tour Oil Filter')) .fa-undo",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=quantity] input",
            run: "edit 1",
        },
        {
            trigger: ".modal button[name=action_return]",
            run: "click",
        },
        {
            content: "Validate the return to stock",
            trigger: ".o_form_view:not(.modal *) .o_form_statusbar button[name=button_validate]",
            run: "click",
        },
        currentStage("Done"),
    ],
});
