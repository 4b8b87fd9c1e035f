"""Writes the hostile receipt corpus: one file per case and ``index.json`` with its message.

Run ``python fiscal_device_lib/tests/corpus/receipts/generate.py`` after changing a case; the
files are committed, so a test run never depends on this script. Each case is a whole receipt
file whose one hostile part must make ``fiscal-device receipt`` exit 3 with ``message`` (``{file}``
stands for the path given) before any byte reaches the device.
"""

# pylint: disable=print-used  # a command-line program: its output is for the terminal

from __future__ import annotations

import codecs
import copy
import json
from pathlib import Path

HERE = Path(__file__).parent

BASE = {
    "uuid": "hostile-0001",
    "operator": {"name": "Kassir", "number": 1},
    "lines": [{"name": "Çay", "quantity": "2", "unit_price": "3.40", "vat_class": "1"}],
    "payments": [{"kind": "cash", "amount": "10.00"}],
}


def receipt(**changes: object) -> dict:
    """BASE with top-level changes; ``line``/``operator``/``payment`` patch the first item."""
    document = copy.deepcopy(BASE)
    for key, value in changes.items():
        if key == "line":
            document["lines"][0].update(value)
        elif key == "operator":
            document["operator"].update(value)
        elif key == "payment":
            document["payments"][0].update(value)
        else:
            document[key] = value
    return document


def text(document: dict) -> bytes:
    # ASCII escapes keep lone surrogates and controls readable in the committed files
    return json.dumps(document, ensure_ascii=True, indent=1).encode("ascii")


def raw(template: str, **numbers: str) -> bytes:
    """A receipt whose numbers are written literally (JSON numbers a dict cannot express)."""
    document = text(receipt())
    for name, literal in numbers.items():
        document = document.replace(f'"@{name}@"'.encode(), literal.encode())
    return template.encode() if template else document


def with_literal(field: str, literal: str, where: str = "line") -> bytes:
    marker = f"@{field}@"
    document = receipt(**{where: {field: marker}}) if where else receipt(**{field: marker})
    return text(document).replace(f'"{marker}"'.encode(), literal.encode())


UNPRINTABLE = {
    "nul": "\u0000",
    "newline": "\n",
    "carriage-return": "\r",
    "tab": "\t",
    "escape": "\u001b[31m",
    "delete": "\u007f",
    "c1-next-line": "\u0085",
    "c1-csi": "\u009b",
    "bidi-rlo": "\u202e",
    "bidi-lri": "\u2066",
    "bidi-rlm": "\u200f",
    "zero-width-space": "\u200b",
    "bom": "\ufeff",
    "line-separator": "\u2028",
    "lone-high-surrogate": "\ud800",
    "lone-low-surrogate": "\udfff",
    "private-use": "\ue000",
}


def cases() -> list[tuple[str, bytes, str]]:
    """(file name, content, expected message)."""
    out: list[tuple[str, bytes, str]] = []

    def add(name: str, content: bytes, message: str) -> None:
        out.append((f"{len(out) + 1:03d}-{name}.json", content, message))

    # numbers beyond Decimal's context, and numbers not written in plain ASCII decimals
    add("quantity-1e30", with_literal("quantity", "1e30"), "line 1: quantity is too large (1E+30)")
    add(
        "quantity-1e400-text",
        text(receipt(line={"quantity": "1e400"})),
        "line 1: quantity must be written as a plain decimal number like 12.50, not '1e400'",
    )
    add(
        "price-10-pow-27",
        with_literal("unit_price", "1" + "0" * 27),
        "line 1: unit price is too large (a number of 28 digits)",
    )
    add(
        "price-10-pow-27-text",
        text(receipt(line={"unit_price": "1" + "0" * 27})),
        "line 1: unit price is too large (a number of 28 digits)",
    )
    add(
        "quantity-5000-digits",
        with_literal("quantity", "9" * 5000),
        "line 1: quantity is too large (a number of 5000 digits)",
    )
    add(
        "operator-number-5000-digits",
        with_literal("number", "7" * 5000, where="operator"),
        "operator: number is too large (at most 999999999)",
    )
    add(
        "price-5000-digit-fraction",
        text(receipt(line={"unit_price": "1." + "1" * 5000})),
        "line 1: unit price has too many digits (a number of 5001 digits)",
    )
    add(
        "quantity-1e999999999",
        with_literal("quantity", "1e999999999"),
        "line 1: quantity is too large (1E+999999999)",
    )
    add(
        "payment-1e20",
        with_literal("amount", "1e20", where="payment"),
        "payment 1: amount is too large (1E+20)",
    )
    add(
        "quantity-underscore",
        text(receipt(line={"quantity": "2_0"})),
        "line 1: quantity must be written as a plain decimal number like 12.50, not '2_0'",
    )
    for script, digit in (
        ("arabic-indic", "\u0662"),
        ("fullwidth", "\uff12"),
        ("devanagari", "\u0968"),
    ):
        add(
            f"quantity-{script}-digit",
            text(receipt(line={"quantity": digit})),
            f"line 1: quantity must be written as a plain decimal number like 12.50, not '{digit}'",
        )
    add(
        "price-comma",
        text(receipt(line={"unit_price": "3,40"})),
        "line 1: unit price must be a number, not '3,40'",
    )
    add(
        "price-exponent-text",
        text(receipt(line={"unit_price": "34e-1"})),
        "line 1: unit price must be written as a plain decimal number like 12.50, not '34e-1'",
    )
    add(
        "quantity-infinity-text",
        text(receipt(line={"quantity": "Infinity"})),
        "line 1: quantity must be a finite number, not 'Infinity'",
    )
    add(
        "quantity-nan-text",
        text(receipt(line={"quantity": "NaN"})),
        "line 1: quantity must be a finite number, not 'NaN'",
    )
    add("quantity-nan-literal", with_literal("quantity", "NaN"), "{file}: NaN is not a number")
    add(
        "quantity-infinity-literal",
        with_literal("quantity", "-Infinity"),
        "{file}: -Infinity is not a number",
    )
    add(
        "quantity-hex",
        text(receipt(line={"quantity": "0x10"})),
        "line 1: quantity must be a number, not '0x10'",
    )
    add(
        "quantity-true",
        with_literal("quantity", "true"),
        "line 1: quantity must be a number, not True",
    )
    add(
        "quantity-object",
        with_literal("quantity", '{"value": 2}'),
        "line 1: quantity must be a number, not an object",
    )
    add(
        "quantity-over-bound",
        text(receipt(line={"quantity": "1000000"})),
        "line 1: quantity must not exceed 999999.999",
    )
    add(
        "price-over-bound",
        text(receipt(line={"unit_price": "100000000000000.00"})),
        "line 1: unit price must not exceed 99999999999999.99",
    )
    add(
        "line-total-over-bound",
        text(receipt(line={"quantity": "999999", "unit_price": "99999999999.99"})),
        "line 1: total 99999899999990000.01 exceeds 99999999999999.99",
    )
    two_big_lines = receipt(payment={"amount": "99999999999999.99"})
    two_big_lines["lines"] = [
        {"name": "Qızıl", "quantity": "1", "unit_price": "60000000000000.00", "vat_class": "1"},
        {"name": "Gümüş", "quantity": "1", "unit_price": "60000000000000.00", "vat_class": "1"},
    ]
    add(
        "document-total-over-bound",
        text(two_big_lines),
        "lines: the receipt's total 120000000000000.00 exceeds 99999999999999.99",
    )
    add(
        "surcharge-percent-over-bound",
        text(receipt(line={"surcharge_percent": "500"})),
        "line 1: surcharge percent must not exceed 100",
    )
    add("note-too-long", text(receipt(note="x" * 501)), "note is longer than 500 characters (501)")
    add(
        "name-too-long",
        text(receipt(line={"name": "Ç" * 501})),
        "line 1: name is longer than 500 characters (501)",
    )
    add(
        "operator-number-underscore",
        text(receipt(operator={"number": "1_0"})),
        "operator: number must be a whole number, not '1_0'",
    )
    add(
        "operator-number-arabic-digit",
        text(receipt(operator={"number": "\u0663"})),
        "operator: number must be a whole number, not '\u0663'",
    )
    add(
        "operator-number-huge",
        with_literal("number", "1000000000000", where="operator"),
        "operator: number is too large (at most 999999999)",
    )
    add(
        "storno-receipt-number-fraction",
        text(receipt(storno={"fiscal_memory_number": "51300001", "receipt_number": "@n@"})).replace(
            b'"@n@"', b"1e3"
        ),
        "storno: receipt number must be a whole number, not 1E+3",
    )
    add(
        "storno-datetime-fullwidth-digits",
        text(
            receipt(
                storno={
                    "parent_document_id": "x",
                    "receipt_datetime": "\uff12\uff10\uff12\uff16-01-01T00:00:00",
                }
            )
        ),
        "storno: receipt datetime must be a date-time like 2026-11-21T10:30:00",
    )

    # control characters, bidi controls and invisible-only names in printed text
    for name, character in UNPRINTABLE.items():
        point = f"U+{ord(character[0]):04X}"
        add(
            f"line-name-{name}",
            text(receipt(line={"name": f"Ça{character}y"})),
            f"line 1: name contains an unprintable character ({point})",
        )
    add(
        "operator-name-newline",
        text(receipt(operator={"name": "Kassir\nZ-REPORT"})),
        "operator: name contains an unprintable character (U+000A)",
    )
    add(
        "note-escape",
        text(receipt(note="\u001b]0;pwned\u0007")),
        "note contains an unprintable character (U+001B)",
    )
    add(
        "text-after-payment-carriage-return",
        text(receipt(text_after_payment=["Sağ olun\rTOTAL 0.00"])),
        "text after payment 1: text contains an unprintable character (U+000D)",
    )
    add(
        "text-before-payment-object-bidi",
        text(receipt(text_before_payment=[{"text": "\u202eabc"}])),
        "text before payment 1: text contains an unprintable character (U+202E)",
    )
    add(
        "uuid-newline",
        text(receipt(uuid="hostile\n0002")),
        "uuid contains an unprintable character (U+000A)",
    )
    add(
        "code-nul",
        text(receipt(line={"code": "123\u00004"})),
        "line 1: code contains an unprintable character (U+0000)",
    )
    add(
        "marking-code-newline",
        text(receipt(line={"marking_codes": ["ok", "a\nb"]})),
        "line 1: marking code 2 contains an unprintable character (U+000A)",
    )
    add(
        "currency-nul",
        text(receipt(currency="AZN\u0000")),
        "currency contains an unprintable character (U+0000)",
    )
    add(
        "customer-name-escape",
        text(receipt(customer={"name": "\u001b[2J"})),
        "customer: name contains an unprintable character (U+001B)",
    )
    for name, invisible in (
        ("hangul-filler", "\u3164\u3164"),
        ("braille-blank", "\u2800"),
        ("combining-marks", "\u0301\u0308"),
    ):
        add(
            f"line-name-only-{name}",
            text(receipt(line={"name": invisible})),
            "line 1: name shows nothing (only invisible characters)",
        )
    add(
        "line-name-only-zero-width",
        text(receipt(line={"name": "\u200b\u200c"})),
        "line 1: name shows nothing (only invisible characters)",
    )
    add(
        "operator-name-only-hangul-filler",
        text(receipt(operator={"name": "\u3164"})),
        "operator: name shows nothing (only invisible characters)",
    )
    add(
        "line-name-only-spaces",
        text(receipt(line={"name": "\u2003\u00a0 "})),
        "line 1: name must not be empty",
    )
    add(
        "unknown-field-escape-key",
        text(receipt(**{"\u001b[2J": 1})),
        "'\\x1b[2J': unknown field",
    )
    add(
        "payment-kind-nul",
        text(receipt(payment={"kind": "cash\u0000"})),
        "payment 1: kind 'cash\\x00' is not one of",
    )
    add("name-number", with_literal("name", "5"), "line 1: name must be text, not 5")

    # JSON that a lenient reader would guess at
    duplicate = text(receipt(line={"quantity": "@dup@"})).replace(
        b'"quantity": "@dup@"', b'"quantity": "2", "quantity": "200"'
    )
    add("duplicate-key-quantity", duplicate, "{file}: duplicate key 'quantity'")
    add(
        "duplicate-key-uuid",
        b'{"uuid": "a", "uuid": "b", "operator": {"name": "K"}, "lines": [], "payments": []}',
        "{file}: duplicate key 'uuid'",
    )
    add(
        "deep-nesting",
        with_literal("note", "[" * 5000 + "]" * 5000, where=""),
        "{file}: nested too deeply",
    )
    add(
        "nesting-500-in-note",
        with_literal("note", "[" * 500 + "]" * 500, where=""),
        "note must be text, not a list",
    )
    add("top-level-array", b"[1, 2]", "document must be an object")
    add("empty-file", b"", "{file}: not valid JSON (Expecting value: line 1 column 1 (char 0))")
    add("truncated", text(receipt())[:40], "{file}: not valid JSON (")
    add("trailing-garbage", text(receipt()) + b" x", "{file}: not valid JSON (Extra data")
    add("comment", b"// receipt\n" + text(receipt()), "{file}: not valid JSON (Expecting value")
    add(
        "raw-newline-in-string",
        text(receipt(line={"name": "@n@"})).replace(b"@n@", b"a\nb"),
        "{file}: not valid JSON (Invalid control character",
    )

    # bytes that are not UTF-8 text
    plain = text(receipt(line={"name": "@n@"}))
    add("invalid-utf8-ff", plain.replace(b"@n@", b"\xff"), "{file}: not UTF-8 text (byte ")
    add("overlong-utf8", plain.replace(b"@n@", b"\xc0\xaf"), "{file}: not UTF-8 text (byte ")
    add(
        "utf8-encoded-surrogate",
        plain.replace(b"@n@", b"\xed\xa0\x80"),
        "{file}: not UTF-8 text (byte ",
    )
    latin = json.dumps(receipt(line={"name": "Çay"}), ensure_ascii=False).encode("latin-1")
    add("latin-1", latin, "{file}: not UTF-8 text (byte ")
    unicode_text = json.dumps(receipt(), ensure_ascii=False)
    for name, encoded in (
        ("utf16-le-bom", codecs.BOM_UTF16_LE + unicode_text.encode("utf-16-le")),
        ("utf16-be-bom", codecs.BOM_UTF16_BE + unicode_text.encode("utf-16-be")),
        ("utf32-le-bom", codecs.BOM_UTF32_LE + unicode_text.encode("utf-32-le")),
    ):
        add(name, encoded, "{file}: UTF-16 text (byte order mark); save it as UTF-8")
    for name, encoded in (
        ("utf16-le-no-bom", unicode_text.encode("utf-16-le")),
        ("utf16-be-no-bom", unicode_text.encode("utf-16-be")),
    ):
        add(name, encoded, "{file}: contains NUL bytes (UTF-16 text?); save it as UTF-8")
    # N-18 unique sale numbers not in XXXXXXXX-ZZZZ-0000001
    for name, number in (
        ("sale-number-uuid", "5f0c6e2a-1b7d-4c1e-9a53-2f6d1f0b8e41"),
        ("sale-number-7-character-device", "BN30001-0001-0000001"),
        ("sale-number-sequence-zero", "BN300001-0001-0000000"),
        ("sale-number-8-digit-sequence", "BN300001-0001-00000001"),
        ("sale-number-lowercase", "bn300001-0001-0000001"),
        ("sale-number-cyrillic", "ВТ300001-0001-0000001"),
        ("sale-number-spaces", " BN300001-0001-0000001"),
    ):
        add(
            name,
            text(receipt(sale_number=number)),
            f"sale number {number!r} is not in the format XXXXXXXX-ZZZZ-0000001",
        )
    return out


def main() -> None:
    for old in HERE.glob("[0-9][0-9][0-9]-*.json"):
        old.unlink()
    index = []
    for name, content, message in cases():
        (HERE / name).write_bytes(content)
        index.append({"file": name, "message": message})
    # files that are not there or not files
    index.append({"file": "no-such-receipt.json", "message": "{file}: no such file"})
    index.append({"file": "a-directory", "message": "{file}: is a directory, not a JSON file"})
    (HERE / "a-directory").mkdir(exist_ok=True)
    (HERE / "a-directory" / "README").write_text("A directory given as a receipt file.\n")
    (HERE / "index.json").write_text(
        json.dumps({"cases": index}, ensure_ascii=True, indent=1) + "\n", encoding="ascii"
    )
    print(f"{len(index)} cases")


if __name__ == "__main__":
    main()
