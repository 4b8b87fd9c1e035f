/** @odoo-module */
/**
 * Session close with the device's Z report: when closing runs the Z report
 * (`pos.config.fiscal_z_report_on_close`), the server's answer to `close_session_from_ui`
 * carries the report (`fiscal_z_report`); before Odoo leaves the screen, the cashier sees the
 * device's totals beside Odoo's and the difference of their sales (or the device's message).
 */

import {Component} from "@odoo/owl";
import {ClosePosPopup} from "@point_of_sale/app/navbar/closing_popup/closing_popup";
import {makeAwaitable} from "@point_of_sale/app/store/make_awaitable_dialog";
import {Dialog} from "@web/core/dialog/dialog";
import {patch} from "@web/core/utils/patch";

export class FiscalZReportDialog extends Component {
    static template = "fiscal_device.FiscalZReportDialog";
    static components = {Dialog};
    static props = {
        report: Object,
        formatCurrency: Function,
        getPayload: Function,
        close: Function,
    };

    get report() {
        return this.props.report;
    }
    /** The device's own figures that are not zero, then the fiscal journal's day. */
    get deviceTotals() {
        const totals = this.report.device_totals || [];
        return [
            ...totals.filter((total) => total.group === "total" && total.value),
            ...totals.filter((total) => total.group === "journal"),
        ];
    }
    get hasDifference() {
        return Boolean(this.report.comparison && this.report.comparison.difference);
    }
    confirm() {
        this.props.getPayload(true);
        this.props.close();
    }
}

patch(ClosePosPopup.prototype, {
    async closeSession() {
        const data = this.pos.data;
        const call = data.call;
        // the Z report's answer arrives with the close; show it before Odoo reloads the page
        data.call = async (model, method, ...rest) => {
            const result = await call.call(data, model, method, ...rest);
            if (model === "pos.session" && method === "close_session_from_ui") {
                if (result?.fiscal_z_report) {
                    await this.showFiscalZReport(result.fiscal_z_report);
                }
            }
            return result;
        };
        try {
            return await super.closeSession(...arguments);
        } finally {
            data.call = call;
        }
    },
    async showFiscalZReport(report) {
        await makeAwaitable(this.dialog, FiscalZReportDialog, {
            report,
            formatCurrency: (amount) => this.env.utils.formatCurrency(amount),
        });
    },
});
