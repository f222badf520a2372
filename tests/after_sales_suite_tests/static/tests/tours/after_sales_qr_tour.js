import { registry } from "@web/core/registry";

// A tiny real PNG: the photo taken of the faulty unit.
const PHOTO_PNG =
    "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAFElEQVR4nGOUizrBgA0wYRUdtBIA/d4BUItFbYMAAAAASUVORK5CYII=";

// Someone on the shop floor scans the nameplate of a unit: its public page shows the unit and its
// warranty (nothing of its customer); they report a problem with a photo. Data and the address
// come from the Python test (test_tour_qr.py).
registry.category("web_tour.tours").add("after_sales_qr_tour", {
    steps: () => [
        {
            content: "The unit's product and serial",
            trigger: "#after_sales_unit_public_header:contains(QR Tour Pump):contains(QRT-0001)",
        },
        {
            content: "Its warranty",
            trigger: "#after_sales_unit_public_warranty .o_after_sales_warranty_badge:contains(In Warranty)",
        },
        {
            content: "Report a problem",
            trigger: "a.o_after_sales_unit_report_button",
            run: "click",
        },
        {
            trigger: "#after_sales_unit_report textarea[name=description]",
            run: "edit Pump leaks oil at the shaft seal",
        },
        {
            content: "A photo of the leak",
            trigger: "#after_sales_unit_report input[name=photo]",
            run() {
                const bytes = Uint8Array.from(atob(PHOTO_PNG), (char) => char.charCodeAt(0));
                const transfer = new DataTransfer();
                transfer.items.add(new File([bytes], "leak.png", { type: "image/png" }));
                this.anchor.files = transfer.files;
            },
        },
        {
            trigger: "#after_sales_unit_report input[name=name]",
            run: "edit Sergei Operator",
        },
        {
            trigger: "#after_sales_unit_report input[name=phone]",
            run: "edit +7 912 345-67-89",
        },
        {
            content: "Send the report",
            trigger: "#after_sales_unit_report button[type=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The report is registered",
            trigger: ".o_after_sales_unit_public_done:contains(your report is registered as request)",
        },
    ],
});

// The back office finds the report on the unit: the request, its channel, the photo.
registry.category("web_tour.tours").add("after_sales_qr_backoffice_tour", {
    steps: () => [
        {
            content: "The unit's requests",
            trigger: ".o_form_view button[name=action_view_requests]",
            run: "click",
        },
        {
            content: "Open the request reported by QR code",
            trigger: ".o_kanban_record:contains(Pump leaks oil), .o_data_row:contains(Pump leaks oil)",
            run: "click",
        },
        {
            content: "It is on the unit",
            trigger: ".o_form_view .o_field_widget[name=equipment_id] input:value(QRT-0001)",
        },
        {
            content: "Received by QR code",
            trigger: ".o_form_view .o_field_widget[name=channel]",
            run() {
                const select = this.anchor.querySelector("select");
                const input = this.anchor.querySelector("input");
                const chosen = select
                    ? select.options[select.selectedIndex]?.textContent || ""
                    : (input && input.value) || this.anchor.textContent;
                if (!chosen.includes("QR Code")) {
                    throw new Error(`The request's channel is ${chosen}, not QR Code`);
                }
            },
        },
        {
            content: "The photo is in the chatter",
            trigger: ".o-mail-Chatter .o-mail-Message:contains(Photo sent with the problem report) .o-mail-AttachmentList",
        },
    ],
});
