/** @odoo-module */
/**
 * Tours of the cashier's fiscal flow (driven by tests/test_pos_tour.py, which sets up the
 * emulator's faults and checks the device's journal). A step logging `fiscal_device:...` talks to
 * the test: `screenshot:<name>` asks for a screenshot, `receipt:<json>` hands over what the
 * receipt shows.
 */

import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import * as TicketScreen from "@point_of_sale/../tests/tours/utils/ticket_screen_util";
import {registry} from "@web/core/registry";

const PRODUCT = "product_a";

function open() {
    return [Chrome.startPoS(), Dialog.confirm("Open Register")];
}

function screenshot(name) {
    return [
        {
            content: `screenshot ${name}`,
            trigger: "body",
            run: () => console.log(`fiscal_device:screenshot:${name}`),
        },
        {
            // the screenshot is taken by the test process: give it the time to capture
            content: `screenshot ${name} taken`,
            trigger: "body",
            run: () => new Promise((resolve) => setTimeout(resolve, 1500)),
        },
    ];
}

function sellWithCardCashAndChange() {
    return [
        ProductScreen.clickDisplayedProduct(PRODUCT),
        ProductScreen.clickPayButton(),
        PaymentScreen.clickPaymentMethod("Card"),
        PaymentScreen.enterPaymentLineAmount("Card", "1000"),
        PaymentScreen.clickPaymentMethod("Cash"),
        PaymentScreen.enterPaymentLineAmount("Cash", "200"),
        PaymentScreen.changeIs("50.00"),
        PaymentScreen.clickValidate(),
    ];
}

function sellCash() {
    return [
        ProductScreen.clickDisplayedProduct(PRODUCT),
        ProductScreen.clickPayButton(),
        PaymentScreen.clickPaymentMethod("Cash"),
        PaymentScreen.clickValidate(),
    ];
}

function fiscalReceipt(title, name) {
    const block = ".receipt-screen .fiscal-receipt-block";
    return [
        {
            // synchronisation and registration on a loaded machine can take more than 10 s
            content: "the receipt screen comes",
            trigger: ".pos .receipt-screen",
            timeout: 30000,
        },
        ReceiptScreen.isShown(),
        {
            content: `the receipt is a ${title}`,
            trigger: `${block} .fiscal-title:contains("${title}")`,
        },
        {content: "fiscal id shown", trigger: `${block} .fiscal-short-id:not(:empty)`},
        {content: "QR shown", trigger: `${block} img.fiscal-qr[data-qr]`},
        {content: "test document marked", trigger: `${block} .fiscal-test`},
        {
            content: "hand the receipt's fiscal data to the test",
            trigger: block,
            run: () => {
                const el = document.querySelector(block);
                const text = (selector) =>
                    el.querySelector(selector)?.textContent.trim() || "";
                const data = {
                    name,
                    title: text(".fiscal-title"),
                    short_id: text(".fiscal-short-id"),
                    number: text(".fiscal-number"),
                    qr: el.querySelector("img.fiscal-qr").dataset.qr,
                    qr_src: el.querySelector("img.fiscal-qr").getAttribute("src"),
                    qr_text: text(".fiscal-qr-text"),
                };
                console.log(`fiscal_device:receipt:${JSON.stringify(data)}`);
            },
        },
    ];
}

function failureDialog() {
    return [
        {
            content: "the device's error is shown",
            trigger: ".o_fiscal_till_dialog[data-phase='failed'] .o_fiscal_error",
        },
    ];
}

registry.category("web_tour.tours").add("FiscalDeviceSaleTour", {
    steps: () =>
        [
            open(),
            sellWithCardCashAndChange(),
            fiscalReceipt("FISCAL RECEIPT", "sale"),
            screenshot("receipt"),
            ReceiptScreen.clickNextOrder(),
        ].flat(Infinity),
});

function arm() {
    // the test sets the device's fault once the register is open (opening talks to the device)
    return [
        {
            content: "arm the device's fault",
            trigger: "body:not(:has(.modal)) .product-screen",
            run: () => console.log("fiscal_device:do:arm"),
        },
        {
            content: "the device's fault is armed",
            trigger: "body",
            run: () => new Promise((resolve) => setTimeout(resolve, 1000)),
        },
    ];
}

registry.category("web_tour.tours").add("FiscalDeviceRetryTour", {
    steps: () =>
        [
            open(),
            arm(),
            sellCash(),
            failureDialog(),
            screenshot("error_dialog"),
            {content: "retry", trigger: ".modal .o_fiscal_retry", run: "click"},
            fiscalReceipt("FISCAL RECEIPT", "sale"),
            ReceiptScreen.clickNextOrder(),
        ].flat(Infinity),
});

registry.category("web_tour.tours").add("FiscalDeviceContinueTour", {
    steps: () =>
        [
            open(),
            sellCash(),
            failureDialog(),
            {
                content: "no print again",
                trigger: ".modal:not(:has(.o_fiscal_print_again))",
            },
            {
                content: "continue without a fiscal receipt",
                trigger: ".modal .o_fiscal_continue",
                run: "click",
            },
            ReceiptScreen.isShown(),
            {
                content: "the receipt says it is not registered",
                trigger: ".receipt-screen .fiscal-receipt-block .fiscal-not-registered",
            },
            {content: "no QR", trigger: ".receipt-screen:not(:has(img.fiscal-qr))"},
            screenshot("not_registered"),
            ReceiptScreen.clickNextOrder(),
            Chrome.clickMenuOption("Orders"),
            TicketScreen.selectFilter("Paid"),
            {
                content: "the order list flags the order",
                trigger: ".ticket-screen .order-row:contains('not registered')",
            },
        ].flat(Infinity),
});

registry.category("web_tour.tours").add("FiscalDeviceSilentTour", {
    steps: () =>
        [
            open(),
            sellCash(),
            {
                content: "registering shown at once",
                trigger:
                    ".o_fiscal_till_dialog[data-phase='registering'] .o_fiscal_registering",
            },
            {
                content: "after the bounded wait, the cashier gets the choices",
                trigger:
                    ".o_fiscal_till_dialog[data-phase='timeout'] .o_fiscal_timeout",
            },
            {
                content: "no resend offered",
                trigger: ".modal:not(:has(.o_fiscal_retry))",
            },
            screenshot("timeout_dialog"),
            // the request still running on the server ends the wait by itself
            {
                content: "the slow registration ends in the background",
                trigger: ".receipt-screen .fiscal-receipt-block .fiscal-title",
                timeout: 60000,
            },
            fiscalReceipt("FISCAL RECEIPT", "sale"),
            ReceiptScreen.clickNextOrder(),
        ].flat(Infinity),
});

registry.category("web_tour.tours").add("FiscalDeviceRefundTour", {
    steps: () =>
        [
            open(),
            sellCash(),
            fiscalReceipt("FISCAL RECEIPT", "sale"),
            ReceiptScreen.clickNextOrder(),
            ProductScreen.clickRefund(),
            TicketScreen.selectOrder("-0001"),
            ProductScreen.clickNumpad("1"),
            TicketScreen.confirmRefund(),
            ProductScreen.isShown(),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Cash"),
            PaymentScreen.clickValidate(),
            fiscalReceipt("FISCAL STORNO", "storno"),
            screenshot("storno_receipt"),
            ReceiptScreen.clickNextOrder(),
        ].flat(Infinity),
});

registry.category("web_tour.tours").add("FiscalDeviceBenchTour", {
    // the time from pressing Validate to the receipt screen showing the fiscal data, five sales
    steps: () =>
        [
            open(),
            [1, 2, 3, 4, 5].map(() => [
                ProductScreen.clickDisplayedProduct(PRODUCT),
                ProductScreen.clickPayButton(),
                PaymentScreen.clickPaymentMethod("Cash"),
                {
                    content: "press Validate",
                    trigger: ".payment-screen .button.next.highlight",
                    run: () => {
                        window.fiscalDeviceValidateAt = performance.now();
                        document
                            .querySelector(".payment-screen .button.next.highlight")
                            .click();
                    },
                },
                {
                    content: "receipt with its fiscal data",
                    trigger: ".receipt-screen .fiscal-receipt-block .fiscal-title",
                    run: () => {
                        const elapsed =
                            performance.now() - window.fiscalDeviceValidateAt;
                        console.log(`fiscal_device:bench:${elapsed}`);
                    },
                },
                ReceiptScreen.clickNextOrder(),
            ]),
        ].flat(Infinity),
});

registry.category("web_tour.tours").add("FiscalDeviceUnknownTour", {
    steps: () =>
        [
            open(),
            sellCash(),
            {
                content: "the cashier is told the outcome is unknown",
                trigger: ".o_fiscal_till_dialog[data-phase='failed'] .o_fiscal_unknown",
                timeout: 30000,
            },
            {content: "no blind resend", trigger: ".modal:not(:has(.o_fiscal_retry))"},
            screenshot("unknown_dialog"),
            {
                content: "continue without a fiscal receipt",
                trigger: ".modal .o_fiscal_continue",
                run: "click",
            },
            {
                content: "the receipt says the registration is unknown",
                trigger: ".receipt-screen .fiscal-receipt-block .fiscal-unknown",
            },
            ReceiptScreen.clickNextOrder(),
        ].flat(Infinity),
});

function waitingCount(count, timeout = 10000) {
    return {
        content: `${count} order(s) waiting for the fiscal device`,
        trigger: `.pos-topheader .o_fiscal_waiting[data-count='${count}']${count ? "" : ":not(:visible)"}`,
        timeout,
    };
}

registry.category("web_tour.tours").add("FiscalDeviceWaitingTour", {
    // the test unplugs the device before, and plugs it back when asked (fiscal_device:do:...)
    steps: () =>
        [
            open(),
            waitingCount(0),
            sellCash(),
            failureDialog(),
            {
                content: "continue without a fiscal receipt",
                trigger: ".modal .o_fiscal_continue",
                run: "click",
            },
            {
                content: "the receipt says it is not registered",
                trigger: ".receipt-screen .fiscal-receipt-block .fiscal-not-registered",
            },
            waitingCount(1),
            {
                content: "the counter is shown",
                trigger:
                    ".pos-topheader .o_fiscal_waiting:not(.d-none) .o_fiscal_waiting_count:contains('1')",
            },
            screenshot("waiting_counter"),
            {
                content: "the device is back",
                trigger: "body",
                run: () => console.log("fiscal_device:do:device_back"),
            },
            // registered by the next round, without the cashier
            waitingCount(0, 30000),
            ReceiptScreen.clickNextOrder(),
        ].flat(Infinity),
});

registry.category("web_tour.tours").add("FiscalDevicePrintAgainTour", {
    // the test runs the N5 out of paper for the first print: registered, not printed
    steps: () =>
        [
            open(),
            sellCash(),
            {
                content: "the device's words: paper out",
                trigger: ".o_fiscal_till_dialog[data-phase='failed'] .o_fiscal_error",
                timeout: 30000,
            },
            {content: "no blind resend", trigger: ".modal:not(:has(.o_fiscal_retry))"},
            screenshot("print_again_dialog"),
            {
                content: "print again",
                trigger: ".modal .o_fiscal_print_again",
                run: "click",
            },
            ReceiptScreen.isShown(),
            {
                content: "the ticket says the device printed the fiscal receipt",
                trigger: ".receipt-screen .fiscal-receipt-block .fiscal-printed-again",
            },
            screenshot("printed_again_receipt"),
            ReceiptScreen.clickNextOrder(),
        ].flat(Infinity),
});

registry.category("web_tour.tours").add("FiscalDeviceCloseTour", {
    // the configuration runs the Z report at session close
    steps: () =>
        [
            open(),
            sellCash(),
            fiscalReceipt("FISCAL RECEIPT", "sale"),
            ReceiptScreen.clickNextOrder(),
            Chrome.clickMenuOption("Close Register"),
            {
                content: "count the cash as expected",
                trigger: ".modal .close-pos-popup button.fa-clone",
                run: "click",
            },
            {
                content: "close the register",
                trigger:
                    ".modal .close-pos-popup .button.highlight:contains('Close Register')",
                run: "click",
            },
            {
                content: "the device's Z report beside Odoo's totals",
                trigger:
                    ".modal .o_fiscal_z_report .o_fiscal_z_number_value:not(:empty)",
                timeout: 30000,
            },
            {
                content: "device totals listed",
                trigger: ".o_fiscal_z_report .o_fiscal_z_device_total",
            },
            {
                content: "Odoo payments listed",
                trigger: ".o_fiscal_z_report .o_fiscal_z_odoo_payment",
            },
            screenshot("z_report"),
            {
                content: "hand the Z report's figures to the test",
                trigger: ".o_fiscal_z_report .o_fiscal_z_difference",
                run: () => {
                    const el = document.querySelector(".o_fiscal_z_report");
                    const text = (selector) =>
                        el.querySelector(selector)?.textContent.trim() || "";
                    const data = {
                        name: "z_report",
                        number: text(".o_fiscal_z_number_value"),
                        odoo: text(".o_fiscal_z_odoo"),
                        device: text(".o_fiscal_z_device"),
                        difference: el.querySelector(".o_fiscal_z_difference").dataset
                            .difference,
                        orders: text(".o_fiscal_z_odoo_orders"),
                        device_totals: [
                            ...el.querySelectorAll(".o_fiscal_z_device_total"),
                        ].map((row) => row.dataset.name),
                    };
                    console.log(`fiscal_device:receipt:${JSON.stringify(data)}`);
                },
            },
        ].flat(Infinity),
});
