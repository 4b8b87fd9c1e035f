"""English messages that an application may show in its user's language.

The library speaks English and never translates. ``_lt(template)`` returns ``template``
unchanged: it only marks the text for extractors (Odoo's reads ``_lt("...")`` in every ``.py``
file of the addon, this package included). ``Message(template, **args)`` is the English text
(``template % args``, a ``str``, so the CLI, logs and tests read it as before) that keeps its
``template`` and ``args``; ``render(message, translate)`` gives it again in another language,
translating arguments that are themselves ``Message`` s (a place such as "line 2: ").
"""

from __future__ import annotations

from collections.abc import Callable


def _lt(template: str) -> str:
    """Mark ``template`` for translation extractors; returns it unchanged."""
    return template


class Message(str):
    """An English text that remembers the template and named arguments it was made from."""

    template: str
    args: dict[str, object]

    def __new__(cls, template: str, **args: object) -> Message:
        self = super().__new__(cls, template % args if args else template)
        self.template = template
        self.args = args
        return self

    def __reduce__(self):
        return (_rebuild, (self.template, self.args))


def _rebuild(template: str, args: dict[str, object]) -> Message:
    return Message(template, **args)


def render(text: object, translate: Callable[[str], str]) -> str:
    """``text`` in the language of ``translate`` (template -> translated template).

    A plain ``str`` (a device's own words) comes back unchanged; a translation whose
    placeholders do not fit the arguments falls back to the English text rather than hiding it.
    """
    if not isinstance(text, Message):
        return str(text)
    args = {name: render(value, translate) for name, value in text.args.items()}
    template = translate(text.template) or text.template
    try:
        return template % args if args else template
    except (KeyError, TypeError, ValueError):
        return str(text)
