/** @odoo-module */
/**
 * The POS store knows the configuration's fiscal device: it marks the screen's synchronisations
 * (the payment screen registers the order itself), registers orders at the till, and refreshes an
 * order's fiscal data from the server before a reprint (reading only, never registering).
 */

import { PosStore } from "@point_of_sale/app/store/pos_store";
import { patch } from "@web/core/utils/patch";
import { fiscalizeAtTill, storeFiscalResult } from "./fiscal_till";

patch(PosStore.prototype, {
    get fiscalDevice() {
        return this.config._fiscal_device || false;
    },
    getSyncAllOrdersContext(orders, options = {}) {
        const context = super.getSyncAllOrdersContext(...arguments);
        if (this.fiscalDevice) {
            context.fiscal_device_ui = true;
        }
        return context;
    },
    async fiscalizeAtTill(order) {
        const device = this.fiscalDevice;
        if (!device || typeof order.id !== "number" || order.uiState.fiscal?.state === "done") {
            return order.uiState.fiscal;
        }
        return fiscalizeAtTill({
            dialog: this.dialog,
            order,
            device,
            waitSeconds: this.config.fiscal_ui_wait || 5,
        });
    },
    async refreshFiscalData(order) {
        const device = this.fiscalDevice;
        if (!device || typeof order.id !== "number" || order.uiState.fiscal?.state === "done") {
            return;
        }
        try {
            const data = await this.data.call("pos.config", "fiscal_receipt_data", [
                [this.config.id],
                [order.id],
            ]);
            const result = data[order.id] || data[String(order.id)];
            if (result) {
                storeFiscalResult(order, device, result);
            }
        } catch {
            // offline: the receipt prints what the order already knows
        }
    },
    async printReceipt({ order = this.get_order() } = {}) {
        if (order) {
            await this.refreshFiscalData(order);
        }
        return super.printReceipt(...arguments);
    },
});
