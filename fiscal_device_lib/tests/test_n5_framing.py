"""N5 framing: pure functions, no I/O."""

from decimal import Decimal

import pytest

from fiscal_device_lib.core.errors import MalformedAnswer
from fiscal_device_lib.mypos_n5 import framing
from fiscal_device_lib.mypos_n5.wire import parse_qr


def test_request_is_compact_utf8_json_with_decimals_as_numbers():
    raw = framing.encode_request("PrintReceipt", {"price": Decimal("2.40"), "x": "Оп"}, 7)
    assert (
        raw
        == '{"jsonrpc":"2.0","id":7,"method":"PrintReceipt","params":{"price":2.4,"x":"Оп"}}'.encode()
    )


def test_request_without_params_omits_them():
    assert b"params" not in framing.encode_request("GetNumbers", None, 1)


@pytest.mark.parametrize(
    "buffer, expected",
    [
        (b'{"a":1}', (0, 7)),
        (b'  \r\n\t{"a":1}\n', (5, 12)),
        (b'{"a":"}{]["}', (0, 12)),
        (b'{"a":"say \\"}\\" now"}', (0, 21)),
        (b'{"a":"\\\\"}', (0, 10)),
        (b'["x",{"b":[1,2]}]', (0, 17)),
        (b'{"a":{"b":{}}}{"next":1}', (0, 14)),
    ],
)
def test_find_message_returns_the_first_complete_value(buffer, expected):
    assert framing.find_message(buffer) == expected


@pytest.mark.parametrize(
    "buffer", [b"", b"  \r\n", b'{"a":', b'{"a":"}', b'{"a":"\\', b'{"a":{"b":1}', b"[1,"]
)
def test_unfinished_values_wait_for_more(buffer):
    assert framing.find_message(buffer) is None


@pytest.mark.parametrize("buffer", [b"garbage", b'\x00{"a":1}', b"OK", b'  x{"a":1}'])
def test_garbage_is_a_protocol_error(buffer):
    with pytest.raises(MalformedAnswer, match="not a JSON-RPC message"):
        framing.find_message(buffer)


def test_an_endless_value_is_garbage_not_a_slow_answer():
    with pytest.raises(MalformedAnswer, match="no complete message"):
        framing.find_message(b"[" * (framing.MAX_MESSAGE_BYTES + 2))


def test_split_messages_keeps_the_unfinished_rest():
    messages, rest = framing.split_messages(b'{"a":1}\r\n{"b":"}"}\n  {"c":')
    assert messages == [b'{"a":1}', b'{"b":"}"}']
    assert rest == b'{"c":'


def test_split_messages_byte_by_byte():
    whole = framing.encode_request("PrintReceipt", {"t": 'a "}" \\ б'}, 1) + b"\n"
    buffer, found = b"", []
    for byte in whole:
        messages, buffer = framing.split_messages(buffer + bytes([byte]))
        found += messages
    assert found == [whole.strip()] and buffer == b""


def test_decode_reads_money_as_decimal():
    assert framing.decode(b'{"result":"5.2","x":22.26}') == {"result": "5.2", "x": Decimal("22.26")}


@pytest.mark.parametrize("raw", [b'{"a":}', b"\xff\xfe{}", b'{"a":1,}'])
def test_decode_rejects_invalid_json(raw):
    with pytest.raises(MalformedAnswer, match="not valid JSON"):
        framing.decode(raw)


def test_parse_response_result_and_error():
    ok = framing.parse_response({"jsonrpc": "2.0", "id": 3, "result": "OK"})
    assert (ok.id, ok.result, ok.error) == (3, "OK", None)
    failed = framing.parse_response(
        {"jsonrpc": "2.0", "id": 4, "error": {"code": 23, "message": "NO_PAPER"}}
    )
    assert failed.error == framing.RpcError(23, "NO_PAPER")


@pytest.mark.parametrize(
    "message, problem",
    [
        ([1], "not a JSON object"),
        ({"id": 1, "result": 1}, "not JSON-RPC 2.0"),
        ({"jsonrpc": "1.0", "id": 1, "result": 1}, "not JSON-RPC 2.0"),
        ({"jsonrpc": "2.0", "result": 1}, "no id"),
        ({"jsonrpc": "2.0", "id": 1}, "exactly one"),
        ({"jsonrpc": "2.0", "id": 1, "result": 1, "error": {"code": 1}}, "exactly one"),
        ({"jsonrpc": "2.0", "id": 1, "error": {"message": "x"}}, "numeric code"),
    ],
)
def test_parse_response_rejects_what_is_not_a_response(message, problem):
    with pytest.raises(MalformedAnswer, match=problem):
        framing.parse_response(message)


def test_qr_text_parses_into_what_a_storno_needs():
    qr = parse_qr("51300001*0000326*2021-04-07*19:09:42*22.26")
    assert qr.fiscal_memory_number == "51300001"
    assert qr.receipt_number == 326
    assert qr.issued_at.isoformat() == "2021-04-07T19:09:42"
    assert qr.total == Decimal("22.26")
    assert qr.text == "51300001*0000326*2021-04-07*19:09:42*22.26"


@pytest.mark.parametrize("text", ["", "1*2*3", "51300001*x*2021-04-07*19:09:42*1", "a*1*b*c*1"])
def test_bad_qr_text_is_a_protocol_error(text):
    with pytest.raises(MalformedAnswer):
        parse_qr(text)
