"""What crosses the hop between Odoo and the fiscal agent, as plain JSON values.

Contract: a *job* is a journaled fiscal document (``id``, ``uuid``, ``kind``, ``request``, the
device's id, ``open_shift``, ``operator``); ``run_job`` runs it on a connected driver exactly as
the Odoo journal would (same calls, same uuid) and returns the device's result; results and
errors travel as ``result_to_dict`` / ``error_to_dict`` and come back as the same core objects
with ``result_from_dict`` / ``error_from_dict``, so both sides read one format. Pure Python: no
ERP import, nothing POSIX-only.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ..core import (
    Capability,
    DocumentKind,
    FiscalResult,
    Operator,
    ReportResult,
    cash_operation_from_dict,
    receipt_from_dict,
    to_jsonable,
)
from ..core import errors as core_errors
from ..core.codec import _decode_object
from ..core.documents import BankInfo

PROTOCOL_VERSION = 1
RECEIPT_KINDS = ("sale", "storno", "invoice", "credit_note")
CASH_KINDS = ("cash_in", "cash_out")
REPORT_KINDS = ("x_report", "z_report")
JOB_KINDS = RECEIPT_KINDS + CASH_KINDS + REPORT_KINDS
# the error classes an agent may report, by name; anything else comes back as OutcomeUnknown
ERROR_CLASSES = {
    cls.__name__: cls
    for cls in (
        core_errors.ValidationError,
        core_errors.UnsupportedOperation,
        core_errors.DeviceUnreachable,
        core_errors.DeviceTimeout,
        core_errors.MalformedAnswer,
        core_errors.ProtocolError,
        core_errors.DeviceRejected,
        core_errors.OutcomeUnknown,
        core_errors.TransportError,
        core_errors.FiscalError,
    )
}


def run_job(driver, job: dict) -> FiscalResult | ReportResult:
    """Run ``job`` on ``driver``; raises the driver's ``FiscalError`` as it comes."""
    kind = job["kind"]
    request = job["request"]
    if kind in RECEIPT_KINDS:
        receipt = receipt_from_dict(request)
        # the journal opens the shift before a receipt (fiscal.device._ensure_shift)
        shifts = job.get("open_shift") and driver.supports(Capability.OPEN_SHIFT)
        if shifts and not driver.shift_state().is_open:
            driver.open_shift(operator_from_dict(job.get("operator") or {}))
        return driver.fiscalize(receipt)
    if kind in CASH_KINDS:
        return driver.cash_in_out(cash_operation_from_dict(request))
    if kind in REPORT_KINDS:
        options = {k: v for k, v in request.items() if k not in ("kind", "operator", "uuid")}
        operator = operator_from_dict(request.get("operator") or {})
        if kind == DocumentKind.Z_REPORT.value:
            return driver.z_report(operator, uuid=request.get("uuid", ""), **options)
        return driver.x_report(operator, **options)
    raise core_errors.UnsupportedOperation(f"the agent cannot run a {kind!r} job")


def operator_from_dict(data: dict) -> Operator:
    return Operator(name=str(data.get("name") or ""), number=int(data.get("number") or 1))


def result_to_dict(result: FiscalResult | ReportResult) -> dict:
    values = to_jsonable(result)
    values["type"] = type(result).__name__
    return values


def result_from_dict(data: dict) -> FiscalResult | ReportResult:
    """The core result an agent reported (``result_to_dict``); ``ValueError`` if malformed."""
    data = dict(data)
    kind = DocumentKind(data.pop("kind"))
    result_type = data.pop("type", "FiscalResult")
    if result_type == "ReportResult":
        return ReportResult(
            kind=kind,
            number=_int_or_none(data.get("number")),
            totals={name: _number(value) for name, value in (data.get("totals") or {}).items()},
            vat={name: Decimal(str(value)) for name, value in (data.get("vat") or {}).items()},
            request=dict(data.get("request") or {}),
            raw=dict(data.get("raw") or {}),
        )
    if result_type != "FiscalResult":
        raise ValueError(f"unknown result type {result_type!r}")
    issued_at = data.get("issued_at")
    bank = data.get("bank")
    return FiscalResult(
        kind=kind,
        document_id=str(data.get("document_id") or ""),
        short_document_id=str(data.get("short_document_id") or ""),
        document_number=_int_or_none(data.get("document_number")),
        shift_document_number=_int_or_none(data.get("shift_document_number")),
        number=str(data.get("number") or ""),
        fiscal_memory_number=str(data.get("fiscal_memory_number") or ""),
        issued_at=datetime.fromisoformat(issued_at) if issued_at else None,
        total=Decimal(str(data["total"])) if data.get("total") is not None else None,
        qr_payload=str(data.get("qr_payload") or ""),
        qr_link=str(data.get("qr_link") or ""),
        bank=_decode_object(bank, BankInfo, "bank") if bank else None,
        repeated=bool(data.get("repeated")),
        request=dict(data.get("request") or {}),
        raw=dict(data.get("raw") or {}),
    )


def error_to_dict(error: core_errors.FiscalError) -> dict:
    """An error as the agent reports it: its class, the device's code and text, its outcome."""
    values = {
        "type": type(error).__name__,
        "message": getattr(error, "message", "") or str(error),
        "outcome": error.outcome.value,
    }
    if isinstance(error, core_errors.DeviceRejected):
        values.update(code=str(error.code), hint=error.hint)
    if isinstance(error, core_errors.ValidationError):
        values["problems"] = list(error.problems)
    return values


def error_from_dict(data: dict) -> core_errors.FiscalError:
    """The ``FiscalError`` an agent reported, with its outcome as reported."""
    outcome = core_errors.Outcome(data.get("outcome") or core_errors.Outcome.MAY_BE_REGISTERED)
    message = str(data.get("message") or "")
    cls = ERROR_CLASSES.get(str(data.get("type")))
    error: core_errors.FiscalError
    if cls is core_errors.DeviceRejected:
        error = core_errors.DeviceRejected(
            str(data.get("code") or ""), message, str(data.get("hint") or ""), outcome=outcome
        )
    elif cls is core_errors.ValidationError:
        error = core_errors.ValidationError(list(data.get("problems") or [message]))
    elif cls is core_errors.OutcomeUnknown or cls is None:
        error = core_errors.OutcomeUnknown(message or "the agent reported an unknown error")
    elif issubclass(cls, core_errors.TransportError):
        error = cls(message, outcome=outcome)
    else:
        error = cls(message, outcome=outcome)
    error.outcome = outcome
    return error


def _int_or_none(value: object) -> int | None:
    return None if value in (None, "") else int(value)  # type: ignore[arg-type]


def _number(value: object) -> Decimal | int:
    return value if isinstance(value, int) else Decimal(str(value))
