/** @odoo-module */
/**
 * The POS store knows the configuration's fiscal device: it marks the screen's synchronisations
 * (the payment screen registers the order itself), registers orders at the till, refreshes an
 * order's fiscal data from the server before a reprint (reading only, never registering), and
 * keeps the count of orders waiting for the device (paid while the server or the device could
 * not be reached). Those are registered by the server, oldest first and one per call
 * (`pos.config.fiscal_register_waiting`), every few seconds while any wait: the count goes down
 * as each is registered.
 */

import {PosStore} from "@point_of_sale/app/store/pos_store";
import {patch} from "@web/core/utils/patch";
import {fiscalizeAtTill, storeFiscalResult} from "./fiscal_till";

// Milliseconds between two attempts at the orders waiting for the device.
export const FISCAL_RETRY_INTERVAL = 5000;

patch(PosStore.prototype, {
    async setup() {
        this.fiscalWaiting = {server: 0, registering: false, error: false};
        this.fiscalInFlight = new Set();
        this.fiscalTillBusy = 0;
        return await super.setup(...arguments);
    },
    async afterProcessServerData() {
        const result = await super.afterProcessServerData(...arguments);
        if (this.fiscalDevice) {
            this.registerWaitingFiscal({register: false});
            this.fiscalRetryTimer = setInterval(
                () => this.registerWaitingFiscal(),
                FISCAL_RETRY_INTERVAL
            );
        }
        return result;
    },
    get fiscalDevice() {
        return this.config._fiscal_device || false;
    },
    /** Orders waiting for the fiscal device: paid here but not on the server yet, and those
     * the server holds unregistered because the device could not be reached. */
    get fiscalWaitingCount() {
        const unsynced = this.models["pos.order"].filter(
            (order) => order.isUnsyncedPaid
        ).length;
        return this.fiscalWaiting.server + unsynced;
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
        if (
            !device ||
            typeof order.id !== "number" ||
            order.uiState.fiscal?.state === "done"
        ) {
            return order.uiState.fiscal;
        }
        this.fiscalInFlight.add(order.id);
        let result;
        try {
            result = await fiscalizeAtTill({
                dialog: this.dialog,
                order,
                device,
                waitSeconds: this.config.fiscal_ui_wait || 5,
            });
        } finally {
            this.fiscalInFlight.delete(order.id);
        }
        if (result?.waiting) {
            // the device could not be reached: one more waits (the next round asks the server)
            this.fiscalWaiting.server += 1;
        }
        return result;
    },
    /**
     * Ask the server how many orders wait for the device and, with ``register``, register them
     * one by one, oldest first, once the device answers; stops at the first that is not
     * registered. Runs once at a time; a lost connection leaves the count as it is.
     */
    async registerWaitingFiscal({register = true} = {}) {
        const device = this.fiscalDevice;
        if (!device || this.fiscalWaiting.registering || this.fiscalTillBusy) {
            return;
        }
        const unsynced = this.models["pos.order"].some((order) => order.isUnsyncedPaid);
        if (register && !this.fiscalWaiting.server && !unsynced) {
            return;
        }
        this.fiscalWaiting.registering = true;
        try {
            if (register && unsynced && !this.data.network.offline) {
                // orders paid offline reach the server first; the server then counts them
                await this.syncAllOrders();
            }
            for (;;) {
                const answer = await this.data.call(
                    "pos.config",
                    "fiscal_register_waiting",
                    [[this.config.id]],
                    {exclude_ids: [...this.fiscalInFlight], register}
                );
                this.fiscalWaiting.server = answer.waiting;
                this.fiscalWaiting.error = answer.error || false;
                const order =
                    answer.order_id && this.models["pos.order"].get(answer.order_id);
                if (order && answer.result) {
                    storeFiscalResult(order, device, answer.result);
                }
                if (!register || answer.result?.state !== "done" || !answer.waiting) {
                    return;
                }
            }
        } catch {
            // the server cannot be reached: try again at the next round
        } finally {
            this.fiscalWaiting.registering = false;
        }
    },
    async refreshFiscalData(order) {
        const device = this.fiscalDevice;
        if (
            !device ||
            typeof order.id !== "number" ||
            order.uiState.fiscal?.state === "done"
        ) {
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
    async printReceipt({order = this.get_order()} = {}) {
        if (order) {
            await this.refreshFiscalData(order);
        }
        return super.printReceipt(...arguments);
    },
});
