import { registry } from "@web/core/registry";

const DATE = /\d{2}\/\d{2}\/\d{4}/;

// A customer on the portal: sees an estimate waiting on the home page, checks the warranty of
// their units, reports a problem on the unit under warranty, then accepts the estimate sent to
// them by signing it. Data comes from the Python test (test_tour_portal.py).
registry.category("web_tour.tours").add("after_sales_portal_tour", {
    url: "/my",
    steps: () => [
        {
            content: "The home page counts the estimate to sign",
            trigger:
                ".o_portal_index_card:not(.d-none) a[href='/my/estimates?filterby=to_sign'] [data-placeholder_count=estimate_to_sign_count]:text(1)",
        },
        {
            content: "The Estimates entry is shown",
            trigger: ".o_portal_index_card:not(.d-none) a[href='/my/estimates']:contains(Estimates)",
        },
        {
            content: "Open the equipment",
            trigger: ".o_portal_index_card:not(.d-none) a[href='/my/equipment']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The unit delivered two months ago is in warranty",
            trigger: "tr:has(td:contains(PTOUR-IN-0001)) .o_after_sales_warranty_badge:contains(In Warranty)",
        },
        {
            content: "with its hours limit",
            trigger: "tr:has(td:contains(PTOUR-IN-0001)) td[name=warranty_hours_limit]:contains(5,000)",
        },
        {
            content: "The unit delivered three years ago is out of warranty",
            trigger:
                "tr:has(td:contains(PTOUR-OUT-0001)) .o_after_sales_warranty_badge:contains(Out of Warranty)",
        },
        {
            content: "Open the unit in warranty",
            trigger: "tr:has(td:contains(PTOUR-IN-0001)) td:first-child a",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Its warranty is shown",
            trigger: "#after_sales_unit_warranty .o_after_sales_warranty_badge:contains(In Warranty)",
        },
        {
            content: "Parts and labour warranty end dates, both still running",
            trigger: "#after_sales_unit_warranty .o_after_sales_warranty_labour:contains(Labour warranty until)",
            run() {
                for (const side of ["parts", "labour"]) {
                    const text = document.querySelector(
                        `#after_sales_unit_warranty .o_after_sales_warranty_${side}`
                    ).textContent;
                    if (!DATE.test(text) || text.includes("(ended)")) {
                        throw new Error(`The ${side} warranty end is not shown as running: ${text}`);
                    }
                }
            },
        },
        {
            content: "Report a problem",
            trigger: "a.o_after_sales_report_problem",
            run: "click",
        },
        {
            trigger: "#after_sales_report_problem input[name=title]",
            run: "edit Generator smokes at start",
        },
        {
            trigger: "#after_sales_report_problem textarea[name=description]",
            run: "edit White smoke for a minute after each cold start.",
        },
        {
            content: "Send the request",
            trigger: "#after_sales_report_problem button[type=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The new request's page",
            trigger: ".card-header h4:contains(Generator smokes at start)",
        },
        {
            trigger: ".card-body a:contains(PTOUR-IN-0001)",
        },
        {
            content: "Back to the portal home",
            trigger: ".o_portal_submenu a[href='/my/home']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Open the estimates",
            trigger: ".o_portal_index_card:not(.d-none) a[href='/my/estimates']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The estimate of the overhaul waits for a signature",
            trigger: "tr.o_portal_estimate_row:has(td:contains(Annual overhaul)) .badge:contains(To Sign)",
        },
        {
            trigger: "tr.o_portal_estimate_row:has(td:contains(Annual overhaul)) td:first-child a",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Decline stays possible",
            trigger: ".o_estimate_decline button:contains(Decline)",
        },
        {
            content: "Accepting means signing: no plain Accept button",
            trigger: "body:not(:has(form[action$='/accept']))",
        },
        {
            content: "The signer's name is filled in",
            trigger: ".o_estimate_sign input.o_web_sign_name_input:value(Pat Portal)",
        },
        {
            content: "Sign with the name written automatically",
            trigger: ".o_estimate_sign .o_web_sign_auto_button",
            run: "click",
        },
        {
            trigger: ".o_estimate_sign canvas.o_web_sign_signature",
            run: "canvasNotEmpty",
        },
        {
            content: "Accept and sign",
            trigger: ".o_estimate_sign .o_portal_sign_submit:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The estimate is accepted",
            trigger: ".o_estimate_accepted:contains(Accepted by):contains(Pat Portal)",
        },
        {
            trigger: ".o_estimate_state:contains(Accepted)",
        },
        {
            content: "Back to the estimates",
            trigger: ".o_portal_submenu a[href='/my/estimates']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The list shows it accepted",
            trigger: "tr.o_portal_estimate_row:has(td:contains(Annual overhaul)) .badge:contains(Accepted)",
        },
    ],
});
