/** @odoo-module */
/**
 * Fiscalization at the till.
 *
 * Contract: after Odoo's payment screen has synchronised a paid order, the order is registered on
 * the configuration's fiscal device through the server route `/fiscal_device/pos/fiscalize` (the
 * back office's journal engine: one code path, exactly once). The cashier sees "Registering on
 * <device>…" at once; after `pos.config.fiscal_ui_wait` seconds without an answer, or on a device
 * error, a dialog shows the device's words and offers Retry (only when the server says a retry is
 * safe), Print again (only when the server allows it: the device prints the receipt it registered,
 * `pos.order.fiscal_print_again_from_ui`) and Continue without a fiscal receipt. A
 * request still running on the server is never sent twice from the till: the cashier can only
 * wait for it again. The result is kept on the order (`uiState.fiscal`) for its receipt.
 */

import {Component, reactive} from "@odoo/owl";
import {Dialog} from "@web/core/dialog/dialog";
import {_t} from "@web/core/l10n/translation";
import {ConnectionLostError, RPCError, rpc} from "@web/core/network/rpc";

export const FISCALIZE_ROUTE = "/fiscal_device/pos/fiscalize";
const TIMEOUT = Symbol("timeout");

export class FiscalTillDialog extends Component {
    static template = "fiscal_device.FiscalTillDialog";
    static components = {Dialog};
    static props = {state: Object, choose: Function, close: Function};

    get result() {
        return this.props.state.result || {};
    }
    get canRetry() {
        return this.props.state.phase === "failed" && retryAllowed(this.result);
    }
    get canPrintAgain() {
        return (
            this.props.state.phase === "failed" && Boolean(this.result.can_print_again)
        );
    }
    get isUnknown() {
        return this.props.state.phase === "failed" && this.result.state === "unknown";
    }
}

/** A retry is offered when the server says so; an unknown outcome is never resent blindly. */
export function retryAllowed(result) {
    if ("can_retry" in result) {
        return Boolean(result.can_retry);
    }
    return result.state === "failed" || result.state === "none";
}

function waitAtMost(promise, milliseconds) {
    let timer;
    const timeout = new Promise((resolve) => {
        timer = setTimeout(() => resolve(TIMEOUT), milliseconds);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The server's answer for one order; transport failures become a failed result to show. */
export async function requestFiscalization(orderId) {
    return await answerOrFailure(orderId, () =>
        rpc(FISCALIZE_ROUTE, {order_id: orderId}, {silent: true})
    );
}

/** Print again the order's document that the device registered without printing it. */
export async function requestPrintAgain(orderId) {
    return await answerOrFailure(orderId, () =>
        rpc(
            "/web/dataset/call_kw/pos.order/fiscal_print_again_from_ui",
            {
                model: "pos.order",
                method: "fiscal_print_again_from_ui",
                args: [[orderId]],
                kwargs: {},
            },
            {silent: true}
        )
    );
}

async function answerOrFailure(orderId, request) {
    try {
        return await request();
    } catch (error) {
        if (error instanceof ConnectionLostError) {
            return {
                order_id: orderId,
                state: "failed",
                error: _t(
                    "The server cannot be reached: the order is kept and can be registered " +
                        "when the connection is back."
                ),
                error_code: "connection_lost",
                can_retry: true,
            };
        }
        if (error instanceof RPCError) {
            return {
                order_id: orderId,
                state: "failed",
                error: error.data?.message || error.message,
                error_code: "server_error",
                can_retry: true,
            };
        }
        throw error;
    }
}

/**
 * Register ``order`` (already synchronised: a numeric id) on ``device``; resolves once the
 * cashier has a registered order or chose to go on without a fiscal receipt.
 */
export async function fiscalizeAtTill({dialog, order, device, waitSeconds}) {
    const state = reactive({
        phase: "registering",
        deviceName: device.name,
        waitSeconds,
        result: null,
    });
    let choose = () => {};
    let dismissed = false;
    const closeDialog = dialog.add(
        FiscalTillDialog,
        {state, choose: (choice) => choose(choice)},
        {
            // closed with Escape: the cashier goes on, the order stays flagged
            onClose: () => {
                dismissed = true;
                choose("continue");
            },
        }
    );
    let pending = requestFiscalization(order.id);
    try {
        for (;;) {
            state.phase = "registering";
            const answer = await waitAtMost(pending, waitSeconds * 1000);
            if (answer === TIMEOUT) {
                state.phase = "timeout";
                state.result = {state: "sending", device: device.name};
            } else {
                pending = null;
                storeFiscalResult(order, device, answer);
                // printed again: the device's own paper is the fiscal receipt
                if (answer.state === "done" || answer.printed_again) {
                    return answer;
                }
                state.phase = "failed";
                state.result = answer;
            }
            const running = pending;
            const choice = await new Promise((resolve) => {
                choose = resolve;
                if (dismissed) {
                    resolve("continue");
                }
                // the request still running on the server ends the wait by itself
                running?.then(() => resolve("wait"));
            });
            choose = () => {};
            if (choice === "continue") {
                const result = state.result || {};
                storeFiscalResult(order, device, {...result, not_registered: true});
                // a registration that ends later still reaches the order, for a reprint
                pending?.then((late) => storeFiscalResult(order, device, late));
                return result;
            }
            if (choice === "retry") {
                pending = requestFiscalization(order.id);
            } else if (choice === "print_again") {
                pending = requestPrintAgain(order.id);
            }
            // "wait": race the same request again, never a second one
        }
    } finally {
        choose = () => {};
        if (!dismissed) {
            dismissed = true;
            closeDialog();
        }
    }
}

export function storeFiscalResult(order, device, result) {
    order.uiState.fiscal = {
        device: device.name,
        family: device.family,
        is_test: device.is_emulator,
        ...result,
    };
}
