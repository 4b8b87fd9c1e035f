"""HTTP ``POST`` of one request body, one ``requests.Session`` per device, timeouts set."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from ..core.errors import DeviceTimeout, DeviceUnreachable, MalformedAnswer
from .base import FindMessage, port_lock


@dataclass(frozen=True)
class HttpSettings:
    """JSON-RPC over HTTP: the module's base URL and the path it answers on."""

    url: str  # http://host:port
    path: str = "/jsonrpc"
    connect_timeout: float = 3.0


def nothing_sent(error: requests.ConnectionError) -> bool:
    """True when the connection was refused or never made: the device saw nothing."""
    reason = getattr(error.args[0], "reason", error.args[0]) if error.args else None
    return isinstance(error, requests.ConnectTimeout) or isinstance(
        reason, NewConnectionError | ConnectTimeoutError
    )


class HttpTransport:
    """``POST`` of the request body to ``url + path``, one ``requests.Session``, timeouts set."""

    def __init__(self, settings: HttpSettings):
        self.settings = settings
        self.url = settings.url.rstrip("/") + settings.path
        self._lock = port_lock(self.url)
        self._session = requests.Session()

    def exchange(self, payload: bytes, find_message: FindMessage, timeout: float) -> bytes:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        with self._lock:
            try:
                answer = self._session.post(
                    self.url,
                    data=payload,
                    headers=headers,
                    timeout=(self.settings.connect_timeout, timeout),
                )
            except requests.ConnectionError as error:
                if nothing_sent(error):
                    raise DeviceUnreachable(f"cannot connect: {error}", self.url) from None
                raise DeviceTimeout(f"connection lost: {error}", self.url) from None
            except requests.Timeout:
                raise DeviceTimeout("no answer in time", self.url) from None
        body = answer.content
        found = find_message(body)
        if found is None:
            raise MalformedAnswer(f"HTTP {answer.status_code}, no complete message: {body[:60]!r}")
        return body[found[0] : found[1]]

    def close(self) -> None:
        self._session.close()
