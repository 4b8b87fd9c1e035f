"""One exception tree for every device: callers catch ``FiscalError`` and read the subclass."""

from __future__ import annotations


class FiscalError(Exception):
    """Base of every error raised by the fiscal core, the drivers and the transports."""


class ValidationError(FiscalError, ValueError):
    """A document is wrong before anything reached a device; ``problems`` names field and line."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


class UnsupportedOperation(FiscalError):
    """The device family cannot do this (see the driver's capabilities)."""


class TransportError(FiscalError):
    """The bytes did not make it there and back; ``url`` names the device."""

    def __init__(self, message: str, url: str = ""):
        self.url = url
        super().__init__(f"{message} ({url})" if url else message)


class DeviceUnreachable(TransportError):
    """Connection refused, no route, port missing: nothing was sent."""


class DeviceTimeout(TransportError):
    """The device did not answer in time: the request may or may not have been acted on."""


class ProtocolError(FiscalError):
    """The device answered something that is not a valid message of its protocol."""


class MalformedAnswer(ProtocolError):
    """The answer could not be parsed (not JSON, truncated, wrong id, garbage)."""


class DeviceRejected(FiscalError):
    """The device refused the request; keeps the device's own code and text."""

    def __init__(self, code: int | str, message: str, hint: str = "", *, resumable: bool = False):
        self.code = code
        self.message = message
        self.hint = hint
        # True where the document is registered, not printed, and can be finished (N5 PrintAgain).
        self.resumable = resumable
        text = f"[{code}] {message}"
        if hint:
            text += f" — {hint}"
        super().__init__(text)


class OutcomeUnknown(FiscalError):
    """The request was sent but its answer never came: the device may or may not have done it."""

    def __init__(self, message: str, request: dict | None = None):
        self.request = request
        super().__init__(message)
