// Steps shared by the After-Sales tours.

/** Open a menu of the current app's top bar, then one of its entries. */
export function openMenu(section, item) {
    const steps = [
        {
            content: `Menu ${section}`,
            trigger: `.o_menu_sections .dropdown-toggle:contains('${section}'), .o_menu_sections a:contains('${section}')`,
            run: "click",
        },
    ];
    if (item) {
        steps.push({
            content: `Menu ${section} / ${item}`,
            trigger: `.o-dropdown--menu .dropdown-item:contains('${item}')`,
            run: "click",
        });
    }
    return steps;
}

/** Open the record of the current list whose row shows ``text``. */
export function openRow(text) {
    return [
        {
            content: `Open ${text}`,
            trigger: `.o_list_view .o_data_row td:contains('${text}')`,
            run: "click",
        },
        { trigger: ".o_form_view .o_form_sheet" },
    ];
}

/** Click each notebook page of the open form and wait for it to show. */
export function openPages(...pages) {
    return pages.flatMap((page) => [
        {
            content: `Page ${page}`,
            trigger: `.o_form_view .o_notebook .nav-link:contains('${page}')`,
            run: "click",
        },
        { trigger: `.o_form_view .o_notebook .nav-link.active:contains('${page}')` },
    ]);
}

/** The status bar shows ``stage`` as the current one. */
export function currentStage(stage) {
    return { trigger: `.o_statusbar_status button.o_arrow_button_current:contains('${stage}')` };
}

/** On an open request: start the timer, stop it; the time is logged. */
export function timeTheWork() {
    return [
        {
            content: "Start the timer",
            trigger: ".o_form_view .o_form_statusbar button[name=action_timer_start]",
            run: "click",
        },
        {
            content: "The request says the timer runs",
            trigger: ".o_form_view .alert-info[name=timer]:contains(Your timer runs)",
        },
        {
            content: "Stop the timer",
            trigger: ".o_form_view .o_form_statusbar button[name=action_timer_stop]",
            run: "click",
        },
        {
            content: "The timer stopped",
            trigger: ".o_form_view .o_form_statusbar:has(button[name=action_timer_start]):not(:has(button[name=action_timer_stop]))",
        },
    ];
}

/** On an open request: Resolve, write ``resolution``, run ``checks`` (steps) on the dialog, confirm. */
export function resolveRequest(resolution, ...checks) {
    return [
        {
            content: "Resolve",
            trigger: ".o_form_statusbar button[name=action_resolve]",
            run: "click",
        },
        {
            content: "Write the resolution",
            trigger: ".modal .o_field_widget[name=resolution] .odoo-editor-editable",
            run: `editor ${resolution}`,
        },
        ...checks,
        {
            trigger: ".modal button[name=action_resolve]",
            run: "click",
        },
        currentStage("Resolved"),
    ];
}

/** In the act's signing dialog: the customer types ``name``, signs with it, and the act is signed. */
export function signActInDialog(name) {
    return [
        {
            content: "The customer types their name",
            trigger: ".modal .o_field_widget[name=signed_by] input",
            run: `edit ${name}`,
        },
        {
            content: "Open the signature pad",
            trigger: ".modal .o_field_widget[name=signature] .o_signature",
            run: "click",
        },
        {
            content: "Sign with the name written automatically",
            trigger: ".modal .o_web_sign_auto_button",
            run: "click",
        },
        {
            trigger: ".modal canvas.o_web_sign_signature",
            run: "canvasNotEmpty",
        },
        {
            content: "Adopt the signature",
            trigger: ".modal .modal-footer button.btn-primary:contains(Adopt):enabled",
            run: "click",
        },
        {
            content: "The signature is on the form",
            trigger: ".modal .o_field_widget[name=signature] img.o_signature",
        },
        {
            content: "Sign the act",
            trigger: ".modal .modal-footer button[name=action_sign]",
            run: "click",
        },
    ];
}
