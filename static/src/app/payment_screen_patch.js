/** @odoo-module */
/**
 * Validate -> synchronise (Odoo) -> register on the fiscal device -> receipt. The registration
 * runs after the order is safely on the server, before the receipt screen (and its automatic
 * print), so the ticket carries the fiscal data; a failure never loses the order.
 */

import { PaymentScreen } from "@point_of_sale/app/screens/payment_screen/payment_screen";
import { patch } from "@web/core/utils/patch";

patch(PaymentScreen.prototype, {
    async afterOrderValidation() {
        const order = this.currentOrder;
        if (this.pos.fiscalDevice && typeof order.id === "number") {
            await this.pos.fiscalizeAtTill(order);
        }
        return super.afterOrderValidation(...arguments);
    },
});
