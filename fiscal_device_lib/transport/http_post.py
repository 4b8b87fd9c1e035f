"""HTTP ``POST`` of one request body: one kept-alive ``requests.Session`` per device, a timeout on
every call, and failures as ``FiscalError``s a user can act on.

``HttpTransport.post`` returns the answer's status and complete body, or raises:

- ``DeviceUnreachable`` when nothing reached the device (refused, name not found, no route,
  connect timeout, TLS handshake failed, an address that is not a URL);
- ``DeviceTimeout`` when the request left but no answer came back in time, or the connection
  broke before an answer began (the device may have acted on it);
- ``MalformedAnswer`` when an answer came but its bytes cannot be read (cut short, a
  ``Content-Encoding`` its body does not have).

Messages say which address, what failed and what to check, never urllib3's object reprs. The
driver decides what a failure means for its document (resend, ``OutcomeUnknown``).
"""

from __future__ import annotations

import errno
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from ..core.errors import DeviceTimeout, DeviceUnreachable, MalformedAnswer
from .base import FindMessage, port_lock

CONTENT_TYPE = "application/json; charset=utf-8"
NO_ROUTE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EHOSTDOWN, errno.EADDRNOTAVAIL}


@dataclass(frozen=True)
class HttpSettings:
    """A device's HTTP service: its base URL and the path it answers on."""

    url: str  # http://host:port
    path: str = "/jsonrpc"
    # None: one timeout for connecting and for the answer (a (connect, read) pair is what
    # Odoo's test harness cannot take, so drivers run by the addon leave this None)
    connect_timeout: float | None = 3.0
    content_type: str = CONTENT_TYPE


@dataclass(frozen=True)
class HttpAnswer:
    """A complete HTTP answer: its status and body bytes."""

    status: int
    body: bytes
    content_type: str = ""


def nothing_sent(error: requests.ConnectionError) -> bool:
    """True when the connection was refused or never made: the device saw nothing."""
    if isinstance(error, requests.ConnectTimeout | requests.exceptions.SSLError):
        return True
    return any(
        isinstance(cause, NewConnectionError | ConnectTimeoutError | ssl.SSLError)
        for cause in causes(error)
    )


def causes(error: BaseException) -> Iterator[BaseException]:
    """``error`` and everything behind it: urllib3 keeps the socket error as a reason or cause."""
    seen: set[int] = set()
    pending: list[object] = [error]
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [current.__cause__, current.__context__, getattr(current, "reason", None)]
        pending += list(current.args)


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc or url


def unreachable_reason(error: BaseException, url: str, connect_timeout: float) -> str:
    """What failed on the way to ``url`` and what to check, in a user's words."""
    host = host_of(url)
    name = urlsplit(url).hostname or host
    chain = list(causes(error))

    def found(*kinds: type) -> bool:
        return any(isinstance(cause, kinds) for cause in chain)

    if found(ssl.SSLError, requests.exceptions.SSLError):
        return (
            f"the TLS (https) handshake with {host} failed: check whether the device "
            "speaks http:// or https:// and that its certificate is trusted"
        )
    if found(socket.gaierror):  # urllib3 2 wraps it in NameResolutionError, 1.26 keeps it
        return (
            f"the name {name!r} was not found (DNS): check the address, or use the "
            "device's IP address"
        )
    if found(ConnectionRefusedError):
        return (
            f"{host} refused the connection: check that the device is on, its service "
            "is running and the port is right"
        )
    if any(isinstance(c, OSError) and c.errno in NO_ROUTE for c in chain):
        return (
            f"no route to {host}: check that this computer and the device are on the same "
            "network and the IP address is right"
        )
    # urllib3's NewConnectionError is a ConnectTimeoutError too: only a real timeout counts
    timed_out = any(
        isinstance(c, ConnectTimeoutError) and not isinstance(c, NewConnectionError) for c in chain
    )
    if timed_out or found(requests.ConnectTimeout, TimeoutError):
        return (
            f"no connection to {host} within {connect_timeout:g} s: check that the device "
            "is on, on this network, and the IP address is right"
        )
    return f"could not connect to {host}: check the address and that the device is on"


class HttpTransport:
    """``POST`` of a request body to ``url + path`` through one kept-alive ``requests.Session``."""

    def __init__(self, settings: HttpSettings):
        self.settings = settings
        self.url = settings.url.rstrip("/") + "/" + settings.path.lstrip("/")
        self._lock = port_lock(self.url)
        self._session = requests.Session()
        # the device is on the shop's LAN: an environment proxy must not carry fiscal documents
        self._session.trust_env = False

    def post(self, payload: bytes, timeout: float, headers: dict | None = None) -> HttpAnswer:
        """Send ``payload``; the whole answer (see the module docstring for what is raised)."""
        sent_headers = {"Content-Type": self.settings.content_type, **(headers or {})}
        with self._lock:
            try:
                connect_timeout = self.settings.connect_timeout
                response = self._session.post(
                    self.url,
                    data=payload,
                    headers=sent_headers,
                    timeout=timeout if connect_timeout is None else (connect_timeout, timeout),
                    allow_redirects=False,
                )
                body = response.content  # reads (and decodes) the whole body here
            except requests.ConnectionError as error:
                if nothing_sent(error):
                    waited = timeout if connect_timeout is None else connect_timeout
                    reason = unreachable_reason(error, self.url, waited)
                    raise DeviceUnreachable(f"cannot connect: {reason}", self.url) from None
                if isinstance(error, requests.ReadTimeout):  # urllib3 may wrap it
                    raise DeviceTimeout(f"no answer within {timeout:g} s", self.url) from None
                raise DeviceTimeout(
                    "the connection broke before the device answered", self.url
                ) from None
            except requests.Timeout:
                raise DeviceTimeout(f"no answer within {timeout:g} s", self.url) from None
            except requests.exceptions.ChunkedEncodingError:
                raise MalformedAnswer(
                    f"the answer from {self.url} was cut off before its end"
                ) from None
            except requests.exceptions.ContentDecodingError:
                raise MalformedAnswer(
                    f"the answer from {self.url} is not in the encoding it declares "
                    "(Content-Encoding)"
                ) from None
            except (
                requests.exceptions.InvalidURL,
                requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema,
            ):
                raise DeviceUnreachable(
                    "the address is not a valid http:// or https:// URL", self.url
                ) from None
            except requests.RequestException as error:
                raise MalformedAnswer(
                    f"the answer from {self.url} could not be read ({type(error).__name__})"
                ) from None
        return HttpAnswer(response.status_code, body, response.headers.get("Content-Type", ""))

    def exchange(self, payload: bytes, find_message: FindMessage, timeout: float) -> bytes:
        """One message out, the first complete message of the answer back (``Transport``)."""
        answer = self.post(payload, timeout)
        found = find_message(answer.body)
        if found is None:
            raise MalformedAnswer(
                f"HTTP {answer.status}, no complete message: {answer.body[:60]!r}"
            )
        return answer.body[found[0] : found[1]]

    def close(self) -> None:
        self._session.close()
