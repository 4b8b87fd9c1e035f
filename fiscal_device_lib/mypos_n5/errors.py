"""Appendix 1 of the N5 protocol: every error code, its name, what it means and what to do.

One table serves the driver (``DeviceRejected(code, name, hint)``) and the emulator (the
``error.message`` it answers with), so both always speak the same words. Hints are our advice,
marked for translation (``core.i18n``); names are the device's own words and stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.errors import DeviceRejected
from ..core.i18n import Message, _lt

BUSY = 53
PRINT_FAIL = 15
NO_PAPER = 23
PARSE_ERROR = -32700
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602

# The document is registered but not (fully) printed: PrintAgain finishes it.
RESUMABLE_CODES = frozenset({PRINT_FAIL, NO_PAPER})


@dataclass(frozen=True)
class ErrorInfo:
    name: str
    meaning: str
    hint: str


ERRORS: dict[int, ErrorInfo] = {
    0: ErrorInfo("NO_ERROR", "no error", _lt("nothing to do")),
    1: ErrorInfo("FM_FAULT", "fiscal memory fault", _lt("call the service technician")),
    2: ErrorInfo("EJ_END", "electronic journal (KLEN) is full", _lt("replace the EJ (service)")),
    3: ErrorInfo("EJ_FAULT", "electronic journal fault", _lt("call the service technician")),
    4: ErrorInfo("WRONG_FM", "wrong fiscal memory", _lt("the FM does not belong to this device")),
    5: ErrorInfo(
        "WRONG_EJ", "wrong electronic journal", _lt("the EJ does not belong to this device")
    ),
    6: ErrorInfo("EJ_NOT_SET", "electronic journal not initialised", _lt("initialise the EJ")),
    7: ErrorInfo(
        "FD_FM_NUMBERS_NOT_SET", "device / FM numbers not set", _lt("the device is not fiscalised")
    ),
    8: ErrorInfo("VAT_NOT_SET", "VAT rates not programmed", _lt("program the VAT rates (service)")),
    9: ErrorInfo("FM_END", "fiscal memory is full", _lt("the device must be re-fiscalised")),
    10: ErrorInfo(
        "TT_NOT_REGISTERED", "not registered with the NRA", _lt("register the device with the NRA")
    ),
    11: ErrorInfo("INTERNAL_ERROR", "internal device error", _lt("restart the device and retry")),
    12: ErrorInfo("DAY_NOT_OPEN", "fiscal day is not open", _lt("register a sale first")),
    13: ErrorInfo("RECEIPT_NOT_OPEN", "no receipt is open", _lt("nothing to finish")),
    14: ErrorInfo("RECEIPT_ALREADY_OPEN", "a receipt is already open", _lt("finish it first")),
    15: ErrorInfo(
        "PRINT_FAIL",
        "printing failed",
        _lt("the document is registered: fix the printer, then call PrintAgain"),
    ),
    16: ErrorInfo("PAYMENT_STARTED", "payment already started", _lt("finish the payment")),
    17: ErrorInfo(
        "PAYMENT_UNFINISHED", "payments do not cover the total", _lt("pay the full receipt total")
    ),
    18: ErrorInfo("PAYMENT_FINISHED", "payment already finished", _lt("close the receipt")),
    19: ErrorInfo(
        "PAYMENT_AMOUNT_IS_NEGATIVE", "negative payment amount", _lt("payments must be positive")
    ),
    20: ErrorInfo("DB_FAULT", "device database fault", _lt("restart the device; call service")),
    21: ErrorInfo("RECEIPT_TOTAL_IS_NULL", "receipt total is zero", _lt("add a line with a price")),
    22: ErrorInfo(
        "FD_BLOCKED",
        "device blocked: data not sent to the NRA in time",
        _lt("connect the device to the network until it has sent its data"),
    ),
    23: ErrorInfo(
        "NO_PAPER",
        "out of paper",
        _lt("the document is registered: load a paper roll, then call PrintAgain"),
    ),
    24: ErrorInfo("TT_BLOCKED", "device blocked by the NRA", _lt("contact the NRA / service")),
    25: ErrorInfo("NO_ARTICLES_FOUND", "no articles found", _lt("nothing was sold in this range")),
    26: ErrorInfo(
        "NEGATIVE_TOTAL", "a discount exceeds its line", _lt("reduce the line's discount")
    ),
    27: ErrorInfo("RECEIPT_OPEN", "a receipt is open", _lt("finish or cancel it on the device")),
    28: ErrorInfo(
        "NOT_ALLOWED_DUPLICATE",
        "duplicate not allowed",
        _lt("only one duplicate of the last document may be printed"),
    ),
    29: ErrorInfo("NULL_VALUE", "a required value is empty", _lt("fill in every required field")),
    30: ErrorInfo(
        "NOT_ENOUGH_CASH", "not enough cash in the drawer", _lt("check GetCurrentCash; pay by card")
    ),
    31: ErrorInfo("DAY_OPEN_FAIL", "the fiscal day could not be opened", _lt("print a Z report")),
    32: ErrorInfo("EJ_IS_SAME", "same electronic journal", _lt("nothing to change")),
    33: ErrorInfo(
        "UNALLOWED_OVERPAYMENT", "overpayment not allowed", _lt("only cash may exceed the total")
    ),
    34: ErrorInfo("ALREADY_SET", "already programmed", _lt("nothing to change")),
    35: ErrorInfo("WRONG_LENGTH", "a text is too long", _lt("shorten the field")),
    36: ErrorInfo("DAY_IS_OPEN", "the fiscal day is open", _lt("print a Z report first")),
    37: ErrorInfo("PRINTER_MALFUNCTION", "printer malfunction", _lt("check the printer mechanism")),
    38: ErrorInfo("PRINTER_OVERHEATING", "printer overheating", _lt("wait and retry")),
    39: ErrorInfo(
        "INV_NUM_END", "invoice number range used up", _lt("program a new range (SetInvoiceRange)")
    ),
    40: ErrorInfo(
        "NOTHING_FOR_PRINT", "nothing to print", _lt("no pending print / no documents in range")
    ),
    41: ErrorInfo("RESTORE_FAULT", "restore failed", _lt("call the service technician")),
    42: ErrorInfo(
        "INV_NOT_SET", "invoice range not programmed", _lt("program a range (SetInvoiceRange)")
    ),
    43: ErrorInfo(
        "WRONG_DATA", "wrong data", _lt("check the values sent (storno reference, ranges)")
    ),
    44: ErrorInfo("UNALLOWED_MEDIUM", "payment medium not allowed", _lt("use a MEDIUM_* value")),
    45: ErrorInfo("SD_CARD_NOT_DETECTED", "SD card not detected", _lt("insert the SD card")),
    46: ErrorInfo("WRONG_IMSI", "wrong SIM (IMSI)", _lt("insert the registered SIM card")),
    47: ErrorInfo("INVALID_INDEX", "invalid index", _lt("check the number sent")),
    48: ErrorInfo(
        "WRONG_DEPARTMENT", "department not programmed", _lt("use a programmed department (0–100)")
    ),
    49: ErrorInfo(
        "CURRENT_VAT_NOT_SET", "VAT group has no rate", _lt("use a programmed VAT group (A–H)")
    ),
    50: ErrorInfo(
        "MYPOS_NOT_ACTIVE", "myPOS account not active", _lt("activate the myPOS account")
    ),
    51: ErrorInfo("NO_VALID_EJ", "no valid electronic journal", _lt("call the service technician")),
    52: ErrorInfo("NO_VALID_FM", "no valid fiscal memory", _lt("call the service technician")),
    53: ErrorInfo("BUSY", "device busy", _lt("retry in a moment")),
    54: ErrorInfo("NRA_ERROR", "NRA server error", _lt("retry later")),
    55: ErrorInfo("COMMUNICATION_ERROR", "communication error", _lt("check the connection")),
    56: ErrorInfo("NETWORK_ERROR", "network error", _lt("check the device's network")),
    57: ErrorInfo("TT_ALREADY_REGISTERED", "already registered with the NRA", _lt("nothing to do")),
    58: ErrorInfo(
        "UNALLOWED_OPERATION", "operation not allowed now", _lt("check the device's state")
    ),
    5551: ErrorInfo(
        "TOO_MANY_CARD_PAYMENTS", "more than one card payment", _lt("pay by card once per receipt")
    ),
    5552: ErrorInfo(
        "PAYMENT_ERROR", "card payment failed", _lt("the card was not charged: retry the payment")
    ),
    PARSE_ERROR: ErrorInfo("Parse error", "the request is not valid JSON", _lt("a driver bug")),
    METHOD_NOT_FOUND: ErrorInfo(
        "Method not found", "unknown method", _lt("check the method name (capitalised)")
    ),
    INVALID_PARAMS: ErrorInfo(
        "Invalid params", "missing or wrong parameters", _lt("check the parameters sent")
    ),
}


def error_info(code: int) -> ErrorInfo:
    """The table's entry, or a generic one for a code the document does not list."""
    return ERRORS.get(code, ErrorInfo(f"ERROR_{code}", "unknown error code", _lt("see the manual")))


def rejected(code: int, detail: object = None) -> DeviceRejected:
    """The core's ``DeviceRejected`` for an N5 error answer: the code, its name and hint.

    ``detail`` (the answer's ``data``, or a message other than the name) goes after the hint.
    """
    info = error_info(code)
    hint = Message(info.hint)  # our words: translatable; the detail is the device's own
    if detail and detail != info.name:
        hint = Message("%(hint)s (%(detail)s)", hint=hint, detail=detail)
    return DeviceRejected(code, info.name, hint, resumable=code in RESUMABLE_CODES)
