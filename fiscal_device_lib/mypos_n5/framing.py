"""JSON-RPC 2.0 messages on a byte stream: pure functions, no I/O.

The N5 document does not say how messages are delimited on the serial line, so a message is one
complete JSON value: out, compact UTF-8 JSON; in, a string-aware bracket scanner finds where the
first complete value ends and skips whitespace and line breaks between values.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal

from ..core.errors import MalformedAnswer

JSONRPC_VERSION = "2.0"
MAX_MESSAGE_BYTES = 1 << 20  # a longer unfinished value is garbage, not a slow answer

_WHITESPACE = re.compile(rb"[ \t\r\n]*")
_STRUCTURE = re.compile(rb'[{}\[\]"]')
_STRING_STOP = re.compile(rb'["\\]')


def _string_end(buffer: bytes, pos: int) -> int | None:
    """Index just past the closing quote of a string whose body starts at ``pos``."""
    while True:
        match = _STRING_STOP.search(buffer, pos)
        if match is None:
            return None
        if buffer[match.start()] == ord("\\"):
            pos = match.end() + 1  # the escaped character, whatever it is, is not a quote
            continue
        return match.end()


def find_message(buffer: bytes, start: int = 0) -> tuple[int, int] | None:
    """``(begin, end)`` of the first complete JSON object or array at or after ``start``.

    Returns None while the value is unfinished (or only whitespace has arrived); raises
    ``MalformedAnswer`` when the bytes cannot be the start of a message.
    """
    begin = _WHITESPACE.match(buffer, start).end()
    if begin == len(buffer):
        return None
    if buffer[begin] not in b"{[":
        raise MalformedAnswer(f"not a JSON-RPC message: {bytes(buffer[begin : begin + 40])!r}")
    depth, pos = 0, begin
    while True:
        match = _STRUCTURE.search(buffer, pos)
        if match is None:
            break
        char, pos = buffer[match.start()], match.end()
        if char == ord('"'):
            end = _string_end(buffer, pos)
            if end is None:
                break
            pos = end
        elif char in b"{[":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return begin, pos
    if len(buffer) - begin > MAX_MESSAGE_BYTES:
        raise MalformedAnswer(f"no complete message in {len(buffer) - begin} bytes")
    return None


def split_messages(buffer: bytes) -> tuple[list[bytes], bytes]:
    """Every complete message in ``buffer`` and the unfinished rest (whitespace dropped)."""
    messages, pos = [], 0
    while (found := find_message(buffer, pos)) is not None:
        messages.append(bytes(buffer[found[0] : found[1]]))
        pos = found[1]
    rest = buffer[_WHITESPACE.match(buffer, pos).end() :]
    return messages, bytes(rest)


def _json_number(value: object) -> float:
    if isinstance(value, Decimal):
        # a float's repr is its shortest round-trip text: a 2- or 3-dp Decimal goes out unchanged
        return float(value)
    raise TypeError(f"not JSON serialisable: {value!r}")


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_json_number)


def encode(message: dict) -> bytes:
    """Compact UTF-8 JSON (Cyrillic as is, not ``\\u`` escapes), Decimals as numbers."""
    return _ENCODER.encode(message).encode("utf-8")


def encode_request(method: str, params: object, request_id: int) -> bytes:
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


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def decode(raw: bytes) -> object:
    """One message's JSON value, numbers with a fraction as ``Decimal`` (money never floats)."""
    try:
        return json.loads(raw.decode("utf-8"), parse_float=Decimal, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as error:
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
    if not isinstance(error, dict) or not isinstance(error.get("code"), int):
        raise MalformedAnswer(f"the answer's error has no numeric code: {error!r:.80}")
    return Response(
        message["id"],
        error=RpcError(error["code"], str(error.get("message", "")), error.get("data")),
    )
