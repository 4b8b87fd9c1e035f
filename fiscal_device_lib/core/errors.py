"""One exception tree for every device: callers catch ``FiscalError`` and read the subclass.

Every error carries ``outcome``: what it means for the fiscal document, read in one place by the
Odoo journal and the command line instead of each re-deriving it from the subclass.
"""

from __future__ import annotations

import enum


class Outcome(str, enum.Enum):
    """What a failed operation left on the device."""

    NOTHING_REGISTERED = "nothing_registered"  # not sent, or refused: safe to correct and retry
    MAY_BE_REGISTERED = "may_be_registered"  # sent, answer lost or unreadable: never resend blindly
    REGISTERED_NOT_PRINTED = "registered_not_printed"  # in fiscal memory, printing failed


class FiscalError(Exception):
    """Base of every error raised by the fiscal core, the drivers and the transports."""

    # the safe default: an error nobody classified may have left a document behind
    default_outcome = Outcome.MAY_BE_REGISTERED

    def __init__(self, *args: object, outcome: Outcome | None = None):
        super().__init__(*args)
        self.outcome = outcome or self.default_outcome

    @property
    def nothing_registered(self) -> bool:
        return self.outcome is Outcome.NOTHING_REGISTERED


class ValidationError(FiscalError, ValueError):
    """A document is wrong before anything reached a device; ``problems`` names field and line."""

    default_outcome = Outcome.NOTHING_REGISTERED

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


class UnsupportedOperation(FiscalError):
    """The device family cannot do this (see the driver's capabilities)."""

    default_outcome = Outcome.NOTHING_REGISTERED


class TransportError(FiscalError):
    """The bytes did not make it there and back; ``url`` names the device."""

    def __init__(self, message: str, url: str = "", *, outcome: Outcome | None = None):
        self.url = url
        super().__init__(f"{message} ({url})" if url else message, outcome=outcome)


class DeviceUnreachable(TransportError):
    """Connection refused, no route, port missing: nothing was sent."""

    default_outcome = Outcome.NOTHING_REGISTERED


class DeviceTimeout(TransportError):
    """The device did not answer in time: the request may or may not have been acted on."""


class ProtocolError(FiscalError):
    """The device answered something that is not a valid message of its protocol."""


class MalformedAnswer(ProtocolError):
    """The answer could not be parsed (not JSON, truncated, wrong id, garbage).

    A driver raises it with ``Outcome.NOTHING_REGISTERED`` only for requests that register
    nothing (status, numbers); after a document request it raises ``OutcomeUnknown``.
    """


class DeviceRejected(FiscalError):
    """The device refused the request; keeps the device's own code and text."""

    default_outcome = Outcome.NOTHING_REGISTERED

    def __init__(
        self,
        code: int | str,
        message: str,
        hint: str = "",
        *,
        resumable: bool = False,
        outcome: Outcome | None = None,
    ):
        self.code = code
        self.message = message
        self.hint = hint
        text = f"[{code}] {message}"
        if hint:
            text += f" — {hint}"
        if outcome is None and resumable:
            outcome = Outcome.REGISTERED_NOT_PRINTED
        super().__init__(text, outcome=outcome)

    @property
    def resumable(self) -> bool:
        """Registered, not printed, and can be finished (N5 PrintAgain)."""
        return self.outcome is Outcome.REGISTERED_NOT_PRINTED


class ShiftNotOpen(DeviceRejected):
    """The device refused a document because its shift is not open (closed on the device
    itself, or never opened): nothing was registered; the document may be sent again, unchanged,
    once the shift is open."""


class OutcomeUnknown(FiscalError):
    """The request was sent but its answer never came: the device may or may not have done it."""

    def __init__(self, message: str, request: dict | None = None):
        self.request = request
        super().__init__(message, outcome=Outcome.MAY_BE_REGISTERED)
