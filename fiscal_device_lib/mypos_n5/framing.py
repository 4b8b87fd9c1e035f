"""JSON-RPC 2.0 messages on a byte stream: pure functions, no I/O.

The N5 document does not say how messages are delimited on the serial line, so a message is one
complete JSON value: out, compact UTF-8 JSON; in, a string-aware bracket scanner finds where the
first complete value ends and skips whitespace and line breaks between values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..core import jsonwire
from ..core.errors import MalformedAnswer

JSONRPC_VERSION = "2.0"
MAX_MESSAGE_BYTES = 1 << 20  # a longer unfinished value is garbage, not a slow answer

_WHITESPACE = re.compile(rb"[ \t\r\n]*")
_STRUCTURE = re.compile(rb'[{}\[\]"]')
_STRING_STOP = re.compile(rb'["\\]')


class Scanner:
    """Finds the complete JSON values of a growing buffer, examining each byte once.

    A serial answer arrives in pieces; the reader hands over the whole buffer after each piece.
    The scanner remembers where it stopped (inside a string, how deep) and goes on from there,
    so a large answer costs one pass, not one pass per piece. ``next`` returns ``(begin, end)``
    of the next complete object or array (then scans on from ``end``), None while unfinished;
    ``MalformedAnswer`` when the bytes cannot start a message. The buffer may only grow.
    """

    def __init__(self, start: int = 0):
        self.pos = start  # everything before this has been examined
        self.begin: int | None = None  # where the value being scanned starts
        self.depth = 0
        self.in_string = False

    def next(self, buffer: bytes) -> tuple[int, int] | None:
        size = len(buffer)
        if self.begin is None:
            begin = _WHITESPACE.match(buffer, self.pos).end()
            if begin == size:
                self.pos = begin
                return None
            if buffer[begin] not in b"{[":
                raise MalformedAnswer(
                    f"not a JSON-RPC message: {bytes(buffer[begin : begin + 40])!r}"
                )
            self.begin, self.pos, self.depth, self.in_string = begin, begin, 0, False
        pos = self.pos
        while pos < size:
            if self.in_string:
                match = _STRING_STOP.search(buffer, pos)
                if match is None:
                    pos = size
                    break
                if buffer[match.start()] == ord("\\"):
                    if match.end() >= size:  # the escaped character has not come yet
                        pos = match.start()
                        break
                    pos = match.end() + 1  # the escaped character, whatever it is, is no quote
                    continue
                self.in_string, pos = False, match.end()
                continue
            match = _STRUCTURE.search(buffer, pos)
            if match is None:
                pos = size
                break
            char, pos = buffer[match.start()], match.end()
            if char == ord('"'):
                self.in_string = True
            elif char in b"{[":
                self.depth += 1
            else:
                self.depth -= 1
                if self.depth == 0:
                    found = (self.begin, pos)
                    self.begin, self.pos = None, pos
                    return found
        self.pos = pos
        if size - self.begin > MAX_MESSAGE_BYTES:
            raise MalformedAnswer(f"no complete message in {size - self.begin} bytes")
        return None


def find_message(buffer: bytes, start: int = 0) -> tuple[int, int] | None:
    """``(begin, end)`` of the first complete JSON object or array at or after ``start``.

    Returns None while the value is unfinished (or only whitespace has arrived); raises
    ``MalformedAnswer`` when the bytes cannot be the start of a message.
    """
    return Scanner(start).next(buffer)


def split_messages(buffer: bytes) -> tuple[list[bytes], bytes]:
    """Every complete message in ``buffer`` and the unfinished rest (whitespace dropped)."""
    messages, pos, scanner = [], 0, Scanner()
    while (found := scanner.next(buffer)) is not None:
        messages.append(bytes(buffer[found[0] : found[1]]))
        pos = found[1]
    rest = buffer[_WHITESPACE.match(buffer, pos).end() :]
    return messages, bytes(rest)


def encode(message: object) -> bytes:
    """Compact UTF-8 JSON by the core's one writer: Decimals exact, floats refused, without
    trailing fraction zeros (``2.40`` -> ``2.4``): the wire form the device has always been
    sent."""
    return jsonwire.encode(message, trim_decimals=True)


def encode_request(method: str, params: object, request_id: int) -> bytes:
    """A JSON-RPC 2.0 request; ``params`` omitted when None."""
    message: dict = {"jsonrpc": JSONRPC_VERSION, "id": request_id, "method": method}
    if params is not None:
        message["params"] = params
    return encode(message)


def encode_result(request_id: object, result: object) -> bytes:
    return encode({"jsonrpc": JSONRPC_VERSION, "id": request_id, "result": result})


def encode_error(request_id: object, code: int, message: str, data: object = None) -> bytes:
    error: dict = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return encode({"jsonrpc": JSONRPC_VERSION, "id": request_id, "error": error})


def decode(raw: bytes) -> object:
    """One message's JSON value by the core's strict reader: fractions as ``Decimal``;
    duplicate keys, NaN, bad UTF-8 and deep nesting are ``MalformedAnswer``."""
    try:
        return jsonwire.loads(raw)
    except (ValueError, RecursionError, MemoryError) as error:
        raise MalformedAnswer(f"not valid JSON: {error}") from None


@dataclass(frozen=True)
class RpcError:
    code: int
    message: str = ""
    data: object = None


@dataclass(frozen=True)
class Response:
    id: object
    result: object = None
    error: RpcError | None = None


def parse_response(message: object) -> Response:
    """Check a decoded answer is a JSON-RPC 2.0 response: version, id, ``result`` xor ``error``."""
    if not isinstance(message, dict):
        raise MalformedAnswer(f"the answer is not a JSON object: {message!r:.80}")
    if message.get("jsonrpc") != JSONRPC_VERSION:
        raise MalformedAnswer(f"the answer is not JSON-RPC 2.0: {message!r:.80}")
    if "id" not in message:
        raise MalformedAnswer("the answer has no id")
    if ("result" in message) == ("error" in message):
        raise MalformedAnswer("the answer must hold exactly one of result and error")
    if "result" in message:
        return Response(message["id"], result=message["result"])
    error = message["error"]
    code = error.get("code") if isinstance(error, dict) else None
    if isinstance(code, bool) or not isinstance(code, int):
        raise MalformedAnswer(f"the answer's error has no numeric code: {error!r:.80}")
    return Response(
        message["id"],
        error=RpcError(error["code"], str(error.get("message", "")), error.get("data")),
    )
