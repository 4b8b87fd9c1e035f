/** @odoo-module */
/**
 * Validate -> synchronise (Odoo) -> register on the fiscal device -> receipt. The registration
 * runs after the order is safely on the server, before the receipt screen (and its automatic
 * print), so the ticket carries the fiscal data; a failure never loses the order. An order that
 * could not reach the server (offline) gets a ticket that says it is not registered yet.
 */

import {PaymentScreen} from "@point_of_sale/app/screens/payment_screen/payment_screen";
import {_t} from "@web/core/l10n/translation";
import {patch} from "@web/core/utils/patch";
import {storeFiscalResult} from "./fiscal_till";

patch(PaymentScreen.prototype, {
    async _finalizeValidation() {
        const order = this.currentOrder;
        // the till registers this order itself: the waiting orders' round keeps off meanwhile
        this.pos.fiscalTillBusy = (this.pos.fiscalTillBusy || 0) + 1;
        let result;
        try {
            result = await super._finalizeValidation(...arguments);
        } finally {
            this.pos.fiscalTillBusy -= 1;
        }
        const device = this.pos.fiscalDevice;
        if (
            device &&
            order.state === "paid" &&
            typeof order.id !== "number" &&
            !order.uiState.fiscal
        ) {
            // Odoo shows the receipt of an order the server has not received (offline)
            storeFiscalResult(order, device, {
                state: "none",
                error: _t(
                    "The server could not be reached: the order is kept and registered once it " +
                        "reaches the server."
                ),
            });
        }
        return result;
    },
    async afterOrderValidation() {
        const order = this.currentOrder;
        if (this.pos.fiscalDevice && typeof order.id === "number") {
            await this.pos.fiscalizeAtTill(order);
        }
        return super.afterOrderValidation(...arguments);
    },
});
