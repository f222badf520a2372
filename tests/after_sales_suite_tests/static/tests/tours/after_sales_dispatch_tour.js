import { registry } from "@web/core/registry";

// The dispatch board (data from test_tour_dispatch.py): engineer A has the visit of Board Alpha,
// engineer B the visit of Board Beta. The dispatcher creates a visit with the New button, then
// one by double-clicking B's row, then drags A's visit onto B's row: B takes it over from A.
const { DateTime } = luxon;
const board = ".o_timeline_view";
const rowOf = (customer) => `${board} .vis-foreground .vis-group:has(.vis-item:contains(${customer}))`;
const today = () => DateTime.now().toFormat("MM/dd/yyyy");

function chooseRequest(customer) {
    return [
        {
            content: `The request of ${customer}`,
            trigger: ".modal .o_field_widget[name=request_id] input",
            run: `edit ${customer}`,
        },
        {
            trigger: `.o-autocomplete--dropdown-menu .dropdown-item:contains(${customer} Job)`,
            run: "click",
        },
    ];
}

registry.category("web_tour.tours").add("after_sales_dispatch_board_tour", {
    steps: () => [
        { content: "A row per engineer", trigger: `${board} .vis-label:contains(Board Engineer A)` },
        { trigger: `${board} .vis-label:contains(Board Engineer B)` },
        { content: "A's visit", trigger: `${board} .vis-item:contains(Board Alpha)` },
        {
            content: "New: a visit from the control panel",
            trigger: ".o_control_panel .o_after_sales_board_new",
            run: "click",
        },
        ...chooseRequest("Board Gamma"),
        {
            trigger: ".modal .o_field_widget[name=engineer_ids] input",
            run: "edit Board Engineer A",
        },
        {
            trigger: ".o-autocomplete--dropdown-menu .dropdown-item:contains(Board Engineer A)",
            run: "click",
        },
        {
            content: "From 15:00",
            trigger: ".modal .o_field_widget[name=planned_start] input",
            run: `edit ${today()} 15:00:00`,
        },
        {
            content: "to 16:00",
            trigger: ".modal .o_field_widget[name=planned_end] input",
            run: `edit ${today()} 16:00:00`,
        },
        { trigger: ".modal .o_form_button_save", run: "click" },
        {
            content: "The new visit is on the board",
            trigger: `${board} .vis-item:contains(Board Gamma)`,
        },
        { trigger: "body:not(:has(.modal))" },
        {
            content: "Double-click B's row at a free time",
            trigger: rowOf("Board Beta"),
            run: "dblclick",
        },
        {
            content: "The new visit is B's, at the time clicked",
            trigger: ".modal .o_field_widget[name=engineer_ids]:contains(Board Engineer B)",
        },
        ...chooseRequest("Board Delta"),
        { trigger: ".modal .o_form_button_save", run: "click" },
        { trigger: `${board} .vis-item:contains(Board Delta)` },
        { trigger: "body:not(:has(.modal))" },
        {
            content: "Select A's visit",
            trigger: `${board} .vis-item:contains(Board Alpha)`,
            run: "click",
        },
        {
            content: "Drag it onto B's row",
            trigger: `${board} .vis-item.vis-selected:contains(Board Alpha)`,
            // A mouse drag as vis-timeline's Hammer.js reads it: press, move in steps, release
            // (the tour's drag_and_drop moves in one jump, which Hammer does not take as a pan).
            // 60 px to the right: a later time; down to B's row, the one with Board Beta's visit.
            async run() {
                const item = this.anchor;
                const from = item.getBoundingClientRect();
                const rows = [...document.querySelectorAll(`${board} .vis-foreground .vis-group`)];
                const target = rows
                    .find((group) => [...group.querySelectorAll(".vis-item")].some(
                        (el) => el.textContent.includes("Board Beta")
                    ))
                    .getBoundingClientRect();
                const start = { x: from.left + 10, y: from.top + from.height / 2 };
                const end = { x: start.x + 60, y: target.top + 8 };
                const pointer = (type, { x, y }, buttons) =>
                    new PointerEvent(type, {
                        bubbles: true,
                        cancelable: true,
                        pointerId: 1,
                        pointerType: "mouse",
                        isPrimary: true,
                        button: 0,
                        buttons,
                        clientX: x,
                        clientY: y,
                    });
                const pause = () => new Promise((resolve) => setTimeout(resolve, 50));
                item.dispatchEvent(pointer("pointerdown", start, 1));
                await pause();
                for (let step = 1; step <= 10; step++) {
                    const at = {
                        x: start.x + ((end.x - start.x) * step) / 10,
                        y: start.y + ((end.y - start.y) * step) / 10,
                    };
                    (document.elementFromPoint(at.x, at.y) || item).dispatchEvent(
                        pointer("pointermove", at, 1)
                    );
                    await pause();
                }
                (document.elementFromPoint(end.x, end.y) || item).dispatchEvent(
                    pointer("pointerup", end, 0)
                );
            },
        },
        {
            content: "The visit is on B's row now",
            trigger: `${rowOf("Board Beta")} .vis-item:contains(Board Alpha)`,
        },
    ],
});
