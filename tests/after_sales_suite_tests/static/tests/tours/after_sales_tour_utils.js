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
