import { registry } from "@web/core/registry";

import { signActInDialog } from "./after_sales_tour_utils";

// The engineer on site: on the resolved request, opens the act's signing form on the tablet;
// the customer writes their name and signs on the pad. Data comes from test_tour_act.py.
registry.category("web_tour.tours").add("after_sales_act_engineer_tour", {
    steps: () => [
        {
            content: "Open the signing form of the act",
            trigger: ".o_form_view button[name=action_open_sign_act]",
            run: "click",
        },
        {
            content: "The works and parts are confirmed by the customer's signature",
            trigger: ".modal .o_form_view .alert-info:contains(act of completed work)",
        },
        ...signActInDialog("Sam Signer"),
        {
            content: "Back on the request: open its Signed Act page",
            trigger: "body:not(:has(.modal)) .o_form_view .o_notebook .nav-link:contains(Signed Act)",
            run: "click",
        },
        {
            content: "The request shows the act signed",
            trigger: ".o_form_view .o_field_widget[name=act_signed_by]:contains(Sam Signer)",
        },
        {
            content: "and no longer offers to sign it",
            trigger: ".o_form_view .o_form_statusbar:not(:has(button[name=action_open_sign_act]))",
        },
    ],
});

// The customer on the portal page of the act (link with the request's token): reads the works and
// parts and signs.
registry.category("web_tour.tours").add("after_sales_act_portal_tour", {
    steps: () => [
        {
            content: "The act lists the work done",
            trigger: ".o_portal_request_act td:contains(Act Tour Work)",
        },
        {
            content: "The signer's name is filled in",
            trigger: ".o_request_act_sign input.o_web_sign_name_input",
            run: "edit Sam Signer",
        },
        {
            content: "Sign with the name written automatically",
            trigger: ".o_request_act_sign .o_web_sign_auto_button",
            run: "click",
        },
        {
            trigger: ".o_request_act_sign canvas.o_web_sign_signature",
            run: "canvasNotEmpty",
        },
        {
            content: "Sign",
            trigger: ".o_request_act_sign .o_portal_sign_submit:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The act is signed",
            trigger: ".o_request_act_signed:contains(Signed by Sam Signer)",
        },
    ],
});
