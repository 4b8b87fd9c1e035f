"""What every byte transport is: one request out, one complete answer back, a lock per port."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

# (begin, end) of the first complete message in the bytes, None while unfinished;
# raises MalformedAnswer on bytes that cannot start a message.
FindMessage = Callable[[bytes], "tuple[int, int] | None"]

_PORT_LOCKS: dict[str, threading.Lock] = {}
_PORT_LOCKS_GUARD = threading.Lock()


def port_lock(url: str) -> threading.Lock:
    """The one lock of a port in this process, shared by every transport opened on it."""
    with _PORT_LOCKS_GUARD:
        return _PORT_LOCKS.setdefault(url, threading.Lock())


class Transport(Protocol):
    url: str

    def exchange(self, payload: bytes, find_message: FindMessage, timeout: float) -> bytes:
        """Send ``payload``, return the answer's bytes.

        Raises ``DeviceUnreachable`` when nothing was sent, ``DeviceTimeout`` when nothing came
        back in time, ``MalformedAnswer`` when garbage or a truncated answer came back.
        """
        ...

    def close(self) -> None: ...
