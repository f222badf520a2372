import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

import { Component, onWillDestroy, xml } from "@odoo/owl";

/**
 * On the form of a billing run or dealer settlement: reloads the record when the server says
 * that one of its chunks is done, or the run is done (bus notification
 * "after_sales_batch_run_progress" to the user who started it), unless the user is editing it.
 */
export class BatchRunRefresh extends Component {
    static props = standardWidgetProps;
    static template = xml``;

    setup() {
        const bus = useService("bus_service");
        const onProgress = ({ model, id }) => {
            const record = this.props.record;
            if (model === record.resModel && id === record.resId && !record.dirty) {
                record.load();
            }
        };
        bus.subscribe("after_sales_batch_run_progress", onProgress);
        onWillDestroy(() => bus.unsubscribe("after_sales_batch_run_progress", onProgress));
    }
}

registry.category("view_widgets").add("after_sales_batch_run_refresh", { component: BatchRunRefresh });
