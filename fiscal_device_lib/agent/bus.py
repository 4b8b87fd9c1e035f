"""The agent's one websocket to Odoo's bus (``/websocket``, served by the gevent worker).

Contract: ``BusListener`` runs in a thread: it opens the agent's bus session (``/session``,
whose cookie the websocket sends), subscribes, and calls ``on_wake`` on every (re)connect and
on every ``fiscal_agent/job`` notification; ``on_revoked`` on ``fiscal_agent/revoked``. It
reconnects by itself with capped exponential backoff and jitter. Needs ``websocket-client``
(the ``agent`` extra); without it the agent pulls its jobs on a timer only.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import threading
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from .client import KeyRefused, OdooClient

_logger = logging.getLogger("fiscal_device.agent")

BACKOFF_START = 1.0
BACKOFF_CAP = 60.0
# the server pings every 45 s: a longer silence is a dead connection
RECEIVE_TIMEOUT = 120.0


def backoff_delay(attempt: int, start: float = BACKOFF_START, cap: float = BACKOFF_CAP) -> float:
    """Seconds to wait before attempt ``attempt`` (0 based): doubling, capped, with jitter so
    that many agents cut off together do not come back together."""
    return min(cap, start * 2**attempt) * random.uniform(0.5, 1.0)


def websocket_url(odoo_url: str) -> str:
    """``http(s)://host/`` -> ``ws(s)://host/websocket``."""
    parts = urlsplit(odoo_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + "/websocket", "", ""))


def websocket_available() -> bool:
    try:
        import websocket  # noqa: F401
    except ImportError:
        return False
    return True


class BusListener(threading.Thread):
    def __init__(
        self,
        client: OdooClient,
        url: str,
        on_wake: Callable[[str], None],
        on_revoked: Callable[[str], None],
        on_state: Callable[[str], None] = lambda state: None,
    ):
        super().__init__(name="fiscal-agent-bus", daemon=True)
        self.client = client
        self.url = url
        self.on_wake = on_wake
        self.on_revoked = on_revoked
        self.on_state = on_state
        self.stopping = threading.Event()
        self.last_id = 0
        self._socket = None

    def stop(self) -> None:
        self.stopping.set()
        socket = self._socket
        if socket is not None:
            with contextlib.suppress(Exception):
                socket.close()

    def run(self) -> None:
        import websocket

        attempt = 0
        while not self.stopping.is_set():
            try:
                cookie = self.client.session_cookie()
                socket = websocket.create_connection(
                    self.url,
                    cookie=cookie,
                    origin=self.client.url,
                    timeout=RECEIVE_TIMEOUT,
                )
                self._socket = socket
                socket.send(
                    json.dumps(
                        {"event_name": "subscribe", "data": {"channels": [], "last": self.last_id}}
                    )
                )
                _logger.info("bus: connected to %s", self.url)
                self.on_state("connected")
                attempt = 0
                self.on_wake("connected")  # a notification missed while away delays nothing
                self._receive(socket)
            except KeyRefused as refusal:
                self.on_revoked(refusal.message)
                return
            except Exception as error:
                if self.stopping.is_set():
                    return
                self.on_state(f"disconnected: {error}")
                delay = backoff_delay(attempt)
                attempt += 1
                _logger.warning("bus: %s; reconnecting in %.1f s", error, delay)
                self.stopping.wait(delay)
            finally:
                self._socket = None

    def _receive(self, socket) -> None:
        while not self.stopping.is_set():
            message = socket.recv()
            if not message:
                raise ConnectionError("the server closed the websocket")
            for notification in json.loads(message):
                self.last_id = max(self.last_id, int(notification.get("id") or 0))
                kind = (notification.get("message") or {}).get("type")
                if kind == "fiscal_agent/job":
                    self.on_wake("job")
                elif kind == "fiscal_agent/revoked":
                    self.on_revoked("Fiscal agent key revoked: ask for a new key.")
                    return
