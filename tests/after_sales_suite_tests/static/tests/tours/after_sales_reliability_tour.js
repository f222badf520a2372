import { registry } from "@web/core/registry";
import { openMenu, openPages, openRow } from "./after_sales_tour_utils";

// A service manager (who also plans the stock) analyses the fleet's reliability: the Reliability
// Analysis switched to its pivot, the Fleet Reliability page computed, a unit's health; then opens
// the Parts Demand Forecast (computed on opening) and sends a part's shortfall to Replenishment.
registry.category("web_tour.tours").add("after_sales_reliability_tour", {
    url: "/odoo/action-after_sales_service.after_sales_reliability_report_action",
    steps: () => [
        {
            content: "Switch to the graph",
            trigger: ".o_switch_view.o_graph",
            run: "click",
        },
        { trigger: ".o_graph_view .o_graph_renderer" },
        {
            content: "Switch to the pivot",
            trigger: ".o_switch_view.o_pivot",
            run: "click",
        },
        {
            content: "The failures of the tour's product in the pivot",
            trigger: ".o_pivot th:contains('Tour Compressor')",
        },
        ...openMenu("Reporting", "Fleet Reliability"),
        {
            content: "Compute the fleet's figures",
            trigger: ".o_form_view button[name=action_compute]",
            run: "click",
        },
        {
            content: "The product's figures",
            trigger: ".o_field_widget[name=line_ids] .o_data_row:contains('Tour Compressor') td[name=failures]:contains('1')",
        },
        ...openMenu("Installed Base", "Equipment"),
        ...openRow("TOUR-REL-1"),
        ...openPages("Reliability"),
        {
            content: "The unit's MTBF against its product's",
            trigger: ".o_field_widget[name=reliability_mtbf_hours]:contains('2,020.0')",
        },
        ...openMenu("Reporting", "Parts Demand Forecast"),
        {
            content: "Select the seal kit's line",
            trigger: ".o_list_view .o_data_row:contains('Tour Seal Kit') .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Send to Replenishment",
            trigger: ".o_list_view button[name=action_send_to_replenishment]",
            run: "click",
        },
        {
            content: "Odoo's Replenishment orders the shortfall",
            trigger: ".o_list_view .o_data_row:contains('Tour Seal Kit') td[name=qty_to_order]:contains('3')",
        },
    ],
});
