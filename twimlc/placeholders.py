"""Template placeholders, ``{{name}}``, and the parameter types they can stand for.

Shared by the resolver (declarations, uses, type fit), the checker and the template
renderer. A document with no placeholder is an ordinary document."""

from __future__ import annotations

import re

from .vocabulary import ValueType

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
PARAM_KEYWORD = "param"
PARAM_TYPES = ("string", "integer", "boolean", "phone", "url", "digits", "enum")

# A value of each type that passes every check where that type fits: used to check the
# parts of a value around a placeholder.
SAMPLES = {"string": "x", "integer": "1", "boolean": "true", "phone": "+14155550100", "url": "/x", "digits": "1"}


def names(text: str) -> list[str]:
    return [m.group(1) for m in PLACEHOLDER.finditer(text)]


def is_whole(text: str) -> bool:
    m = PLACEHOLDER.fullmatch(text.strip())
    return m is not None and text == text.strip()


def fits(param_type: str, values: tuple[str, ...], t: ValueType) -> bool:
    """Whether every value of the parameter type is a valid value of attribute type ``t``."""
    if t.type == "string" or (t.type == "enum" and t.open):
        return True
    if param_type == "enum":
        from .resolve import check_value

        return all(check_value(t, v) is None for v in values)
    allowed = {
        "int": {"integer"},
        "bool": {"boolean"},
        "enum": set(),
        "url": {"url"},
        "phone": {"phone"},
        "duration": set(),
        "dtmf": {"digits"},
        "recipient": {"phone", "string"},  # a string parameter can hold whatsapp:+1… and the like
        "sender": {"phone", "string"},
    }[t.type]
    return param_type in allowed


def sample(param_type: str, values: tuple[str, ...]) -> str:
    return values[0] if param_type == "enum" and values else SAMPLES.get(param_type, "x")
