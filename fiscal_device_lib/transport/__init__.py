"""Byte transports: a serial line (any pyserial URL) and HTTP POST; swappable objects.

A transport sends one request and returns one complete answer. It does not know the protocol:
the driver passes a ``find_message`` function saying where a complete answer ends. Every read
has a deadline; a lock per port keeps two callers in one process from interleaving bytes.
"""

from .base import FindMessage, Transport, port_lock
from .http_post import HttpSettings, HttpTransport, nothing_sent
from .serial_line import SerialSettings, SerialTransport

__all__ = [
    "FindMessage",
    "HttpSettings",
    "HttpTransport",
    "SerialSettings",
    "SerialTransport",
    "Transport",
    "nothing_sent",
    "port_lock",
]
