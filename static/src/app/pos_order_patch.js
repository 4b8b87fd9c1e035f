/** @odoo-module */
/**
 * The fiscal block of a POS receipt: what the till learnt when it registered the order
 * (`uiState.fiscal`), else what the server sent with the order (a reprint of an older order).
 * Caspos: the QR is the monitoring link of the full document id; N5: the device's
 * `FM*RECEIPT*DATE*TIME*TOTAL` text.
 */

import {PosOrder} from "@point_of_sale/app/models/pos_order";
import {patch} from "@web/core/utils/patch";
import {qrCodeSrc} from "@point_of_sale/utils";

export function fiscalQrValue(fiscal) {
    if (fiscal.qr_value) {
        return fiscal.qr_value;
    }
    if (fiscal.family === "n5") {
        return fiscal.qr_payload || fiscal.qr_link || false;
    }
    return fiscal.qr_link || fiscal.qr_payload || false;
}

patch(PosOrder.prototype, {
    isFiscalStorno() {
        return (
            this.lines.some((line) => line.refunded_orderline_id) ||
            this.get_total_with_tax() < 0
        );
    },
    fiscalReceiptData() {
        const device = this.config._fiscal_device;
        if (!device) {
            return false;
        }
        let fiscal = this.uiState?.fiscal;
        if (!fiscal && this.fiscal_state) {
            // loaded from the server: the order's own fiscal fields
            fiscal = {
                state: this.fiscal_state,
                short_id: this.fiscal_short_id,
                number: this.fiscal_number,
                qr_value: this.fiscal_qr_value,
                error: this.fiscal_error,
                device: device.name,
                family: device.family,
                is_test: device.is_emulator,
            };
        }
        if (!fiscal) {
            return false;
        }
        const registered = fiscal.state === "done";
        const qrValue = registered && fiscalQrValue({family: device.family, ...fiscal});
        return {
            registered,
            state: fiscal.state,
            not_registered: !registered,
            device: fiscal.device || device.name,
            is_test: Boolean(fiscal.is_test ?? device.is_emulator),
            is_storno: this.isFiscalStorno(),
            // N5: the full id is the QR text, printed once under the QR
            fiscal_id: (fiscal.fiscal_id !== qrValue && fiscal.fiscal_id) || false,
            short_id: fiscal.short_id || false,
            number: fiscal.number || false,
            qr_value: qrValue || false,
            qr_src: qrValue ? qrCodeSrc(qrValue, {size: 200}) : false,
            error: registered ? false : fiscal.error || false,
            printed_again: !registered && Boolean(fiscal.printed_again),
        };
    },
    export_for_printing(baseUrl, headerData) {
        const result = super.export_for_printing(...arguments);
        result.fiscal = this.fiscalReceiptData();
        return result;
    },
});
