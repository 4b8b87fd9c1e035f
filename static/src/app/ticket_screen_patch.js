/** @odoo-module */
/** The POS order list flags paid orders its fiscal device has not registered. */

import {TicketScreen} from "@point_of_sale/app/screens/ticket_screen/ticket_screen";
import {_t} from "@web/core/l10n/translation";
import {patch} from "@web/core/utils/patch";

patch(TicketScreen.prototype, {
    getStatus(order) {
        const status = super.getStatus(...arguments);
        const fiscal = order.finalized && order.fiscalReceiptData();
        if (fiscal && fiscal.not_registered) {
            return _t("%s · not registered", status);
        }
        return status;
    },
});
