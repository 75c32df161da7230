"""String literal escapes of ``.twl`` (``\\"``, ``\\n``, ``\\uXXXX``, ``\\{{`` for a literal "{{"
that is not a template placeholder, …), shared by both parsers."""

from __future__ import annotations

import re

from .params import LITERAL

_ESCAPE = re.compile(r"\\(u\{[0-9A-Fa-f]{1,6}\}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|\{\{|.)", re.S)
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "0": "\0", "#": "#"}


def unescape(body: str) -> str | None:
    """The text of a string literal's body, or ``None`` when an escape is invalid."""
    bad = False

    def one(m: re.Match[str]) -> str:
        nonlocal bad
        e = m.group(1)
        if e in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[e]
        if e == "{{":
            return LITERAL  # a literal "{{", not a placeholder
        if e[0] in "uU" and len(e) > 1:
            code = int(e[2:-1] if e[1] == "{" else e[1:], 16)
            if code <= 0x10FFFF:
                return chr(code)
        bad = True
        return ""

    text = _ESCAPE.sub(one, body)
    return None if bad else text


def bad_escape_match(body: str) -> re.Match[str] | None:
    """The first invalid escape in a string body (``\\q``, ``\\u{110000}``), if any."""
    for m in _ESCAPE.finditer(body):
        if unescape(m.group(0)) is None:
            return m
    return None
