import { registry } from "@web/core/registry";

import { resolveRequest } from "./after_sales_tour_utils";

// A back-office clerk registers a repair request for a customer's unit, types a work and a part
// line in the Service Lines tab, sees the coverage decided on save (work under warranty, the
// consumable part paid), requests the parts from stock, resolves and closes the request.
registry.category("web_tour.tours").add("after_sales_clerk_tour", {
    url: "/odoo/action-after_sales_service.after_sales_request_action",
    steps: () => [
        {
            content: "New request",
            trigger: ".o_control_panel button.o-kanban-button-new, .o_control_panel .o_list_button_add",
            run: "click",
        },
        {
            content: "What the customer reports",
            trigger: ".o_field_widget[name=title] input",
            run: "edit Generator stops under load",
        },
        {
            content: "The customer's unit, by its serial",
            trigger: ".o_field_widget[name=equipment_id] input",
            run: "edit TOUR-0001",
        },
        {
            trigger: ".o-autocomplete--dropdown-menu .dropdown-item:contains('TOUR-0001')",
            run: "click",
        },
        {
            content: "The customer comes from the unit",
            trigger: ".o_field_widget[name=partner_id] input:value(Tour Mining)",
        },
        {
            content: "Service Lines tab",
            trigger: ".o_notebook .nav-link:contains('Service Lines')",
            run: "click",
        },
        {
            content: "Add a work line",
            trigger: "div[name=line_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: "div[name=line_ids] tr.o_data_row:nth-child(1).o_selected_row .o_field_widget[name=product_id] input",
            run: "edit Tour Diagnostics",
        },
        {
            trigger: ".o-autocomplete--dropdown-menu .dropdown-item:contains('Tour Diagnostics')",
            run: "click",
        },
        {
            trigger: "div[name=line_ids] tr.o_data_row:nth-child(1) .o_field_widget[name=product_id] input:value(Tour Diagnostics)",
        },
        {
            content: "Add a part line",
            trigger: "div[name=line_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: "div[name=line_ids] tr.o_data_row:nth-child(2).o_selected_row .o_field_widget[name=line_type] .o_select_menu_toggler",
            run: "click",
        },
        {
            trigger: ".o_select_menu_menu .o_select_menu_item:contains(Part)",
            run: "click",
        },
        {
            content: "The new line is a part",
            trigger:
                "div[name=line_ids] tr.o_data_row:nth-child(2).o_selected_row .o_field_widget[name=line_type] input:value(Part), " +
                "div[name=line_ids] tr.o_data_row:nth-child(2).o_selected_row .o_field_widget[name=line_type] .o_select_menu_toggler:contains(Part)",
        },
        {
            trigger: "div[name=line_ids] tr.o_data_row:nth-child(2).o_selected_row .o_field_widget[name=product_id] input",
            run: "edit Tour Oil Filter",
        },
        {
            trigger: ".o-autocomplete--dropdown-menu .dropdown-item:contains('Tour Oil Filter')",
            run: "click",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
        {
            content: "The work is under warranty",
            trigger: "div[name=line_ids] .o_data_row:has(td:contains('Tour Diagnostics')) td[name=coverage]:contains('Warranty')",
        },
        {
            content: "The consumable is paid by the customer",
            trigger: "div[name=line_ids] .o_data_row:has(td:contains('Tour Oil Filter')) td[name=coverage]:contains('Paid')",
        },
        {
            content: "Request the parts from stock",
            trigger: ".o_form_statusbar button[name=action_request_parts]",
            run: "click",
        },
        {
            content: "A parts transfer is linked",
            trigger: ".oe_stat_button[name=action_view_parts_pickings]",
        },
        ...resolveRequest(
            "Filter replaced, load test passed.",
            {
                content: "The work is offered as done",
                trigger: ".modal div[name=line_ids] .o_data_row td:contains('Tour Diagnostics')",
            },
            {
                content: "The resolve step warns: the filter is requested, not issued yet",
                trigger: ".modal .o_resolve_warning:contains('Parts not issued yet'):contains('Tour Oil Filter')",
            },
        ),
        {
            content: "The form still says the filter is not issued",
            trigger: ".o_form_view .o_request_resolve_warning:contains('Tour Oil Filter')",
        },
        {
            content: "Close",
            trigger: ".o_form_statusbar button[name=action_close]",
            run: "click",
        },
        {
            content: "Close anyway",
            trigger: ".modal:contains('Close it anyway?') .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Closed",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Closed')",
        },
    ],
});
