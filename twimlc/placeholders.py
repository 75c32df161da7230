"""Template placeholders, ``{{name}}``, and the parameter types they can stand for.

Shared by the resolver (declarations, uses, type fit), the checker, the template
renderer, the generator, the printer and decompile. A document with no placeholder is an
ordinary document.

A literal ``{{`` is written ``\\{{`` in a quoted string. In the tree it is held as
:data:`LITERAL`, ``{{'{{'}}`` (Jinja's spelling, also accepted in source), which no
placeholder can match; the generator writes it out as ``{{``, the printer as ``\\{{``."""

from __future__ import annotations

import re

from .vocabulary import ValueType

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
LITERAL = "{{'{{'}}"
# A placeholder (group 1: its name) or a literal "{{", whichever starts first.
TOKEN = re.compile(r"\{\{'\{\{'\}\}|\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
PARAM_KEYWORD = "param"
PARAM_TYPES = ("string", "integer", "boolean", "phone", "url", "digits", "dtmf", "enum")

# A value of each type that passes every check where that type fits: used to check the
# parts of a value around a placeholder.
SAMPLES = {
    "string": "x",
    "integer": "1",
    "boolean": "true",
    "phone": "+14155550100",
    "url": "/x",
    "digits": "1",
    "dtmf": "1",
}
# Every value of a parameter type that has only a few.
_CHOICES = {"boolean": ("true", "false")}


def names(text: str) -> list[str]:
    return [m.group(1) for m in PLACEHOLDER.finditer(text)]


def is_whole(text: str) -> bool:
    m = PLACEHOLDER.fullmatch(text.strip())
    return m is not None and text == text.strip()


def literal_text(text: str) -> str:
    """Template text as it is written out when it has no placeholders: every literal
    ``{{`` (held as :data:`LITERAL`) as ``{{``."""
    return text.replace(LITERAL, "{{") if LITERAL in text else text


def escape_braces(text: str, placeholders: bool) -> str:
    """``text`` as template text that writes out exactly ``text`` (``literal_text``'s
    inverse): each ``{{`` that would start a :data:`LITERAL`, or a placeholder unless
    ``placeholders`` (then ``{{name}}`` stays a placeholder), becomes :data:`LITERAL`."""
    if "{{" not in text:
        return text
    found = TOKEN if not placeholders else _LITERAL_ONLY
    return found.sub(lambda m: LITERAL + m.group(0)[2:], text)


_LITERAL_ONLY = re.compile(re.escape(LITERAL))


def fits(param_type: str, values: tuple[str, ...], t: ValueType) -> bool:
    """Whether every value of the parameter type is a valid value of attribute type ``t``."""
    if t.type == "string" or (t.type == "enum" and t.open):
        return True
    choices = values if param_type == "enum" else _CHOICES.get(param_type)
    if choices is not None:
        from .values import check_value

        return all(check_value(t, v) is None for v in choices)
    allowed = {
        "int": {"integer"},
        "bool": set(),
        "enum": set(),
        "url": {"url"},
        "phone": {"phone"},
        "duration": set(),
        "dtmf": {"digits", "dtmf"},
        "recipient": {"phone", "string"},  # a string parameter can hold whatsapp:+1… and the like
        "sender": {"phone", "string"},
    }[t.type]
    return param_type in allowed


def sample(param_type: str, values: tuple[str, ...]) -> str:
    return values[0] if param_type == "enum" and values else SAMPLES.get(param_type, "x")
