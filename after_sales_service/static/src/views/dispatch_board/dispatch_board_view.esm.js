import {FormViewDialog} from "@web/views/view_dialogs/form_view_dialog";
import {TimelineController} from "@web_timeline/views/timeline/timeline_controller.esm";
import {TimelineView} from "@web_timeline/views/timeline/timeline_view.esm";
import {registry} from "@web/core/registry";
import {x2ManyCommands} from "@web/core/orm_service";

/**
 * The dispatch board: OCA's timeline of visits, one row per engineer (a many2many).
 *
 * The timeline writes the row of a moved item only for a many2one; for the engineers it
 * writes nothing. Here a visit dragged from one engineer's row to another's changes hands:
 * the engineer of the row it left is replaced by the one of the row it lands on (its other
 * engineers stay). A visit is created by double-clicking a row at a time (the visit model
 * takes the row's engineer as default) or with the New button.
 */
export class DispatchBoardController extends TimelineController {
    static template = "after_sales_service.DispatchBoardView";

    get canCreate() {
        return this.model.canCreate;
    }

    /** The New button: the visit form in a dialog; the board is reloaded once it is saved. */
    onClickCreate() {
        this.dialogService.add(FormViewDialog, {
            resModel: this.model.model_name,
            context: this.props.context,
            onRecordSaved: async () => {
                await this.model.load(this.getSearchProps());
                this.render();
            },
        });
    }

    _onMove(item, callback) {
        super._onMove(item, callback);
        const groupField = this.model.last_group_bys[0];
        if (this.model.fields[groupField].type !== "many2many") {
            return;
        }
        // The row an item is drawn on is its record's first value (-1: unassigned).
        const values = (item.evt && item.evt[groupField]) || [];
        const from = values.length ? values[0] : -1;
        const to = item.group;
        if (from === to) {
            return;
        }
        const commands = [];
        if (from !== -1) {
            commands.push(x2ManyCommands.unlink(from));
        }
        if (to !== -1) {
            commands.push(x2ManyCommands.link(to));
        }
        this.moveQueue.at(-1).data[groupField] = commands;
    }
}

export const dispatchBoardView = {
    ...TimelineView,
    Controller: DispatchBoardController,
};

registry.category("views").add("after_sales_dispatch_board", dispatchBoardView);
