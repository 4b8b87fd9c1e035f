"""What may be printed on fiscal paper, and how a bad value is shown back in a message.

A device prints text as it gets it: a newline, an ESC sequence or a bidi override in a name reaches
the paper (Caspos documents error 1206 for them) or a terminal. ``unprintable`` finds such
characters; ``visible`` tells a name that shows something from one made of blanks only; ``shown``
quotes a value for a message without echoing thousands of characters or control bytes.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal

# Unicode categories that never belong on paper: controls (C0, DEL, C1), formatting characters
# (bidi overrides, zero-width spaces, BOM), lone surrogates, private use; line/paragraph separators.
UNPRINTABLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
# letters and symbols that print as nothing (Hangul fillers, braille blank)
BLANK_CHARACTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
SHOWN_LENGTH = 40


def unprintable(text: str) -> str | None:
    """The first character of ``text`` that must not be printed, or None."""
    if text.isascii() and text.isprintable():  # the common case, decided in C
        return None
    for character in text:
        if unicodedata.category(character) in UNPRINTABLE_CATEGORIES:
            return character
    return None


def visible(text: str) -> bool:
    """True when ``text`` shows at least one mark (not only spaces, marks or blank characters)."""
    for character in text:
        category = unicodedata.category(character)
        if (
            not character.isspace()
            and category[0] not in "CMZ"
            and character not in BLANK_CHARACTERS
        ):
            return True
    return False


def code_point(character: str) -> str:
    return f"U+{ord(character):04X}"


def shown(value: object) -> str:
    """``value`` for a message: short, escaped, never a container's whole contents."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        if value.bit_length() > 12000:  # str() refuses more than 4300 digits
            return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
        digits = str(abs(value))
        return f"a number of {len(digits)} digits" if len(digits) > 20 else repr(value)
    if isinstance(value, Decimal):
        if len(value.as_tuple().digits) > 20:
            return f"a number of {len(value.as_tuple().digits)} digits"
        return str(value) if value.is_finite() else repr(value)
    text = repr(value)
    if len(text) > SHOWN_LENGTH:
        text = text[: SHOWN_LENGTH - 4] + "…" + text[-1]
    return text


def shown_name(name: str) -> str:
    """A field name from a document, as written when it is printable, else quoted."""
    if name.isprintable() and 0 < len(name) <= SHOWN_LENGTH:
        return name
    return shown(name)


def printable(line: str) -> str:
    """``line`` with every unprintable character escaped, so a message cannot drive a terminal."""
    if line.isprintable():
        return line
    return "".join(
        character
        if character.isprintable() or character == " "
        else character.encode("unicode_escape", "backslashreplace").decode("ascii")
        for character in line
    )
