"""Positions: twimlc counts columns in code points (Python ``str`` indices + 1); the
Language Server Protocol counts UTF-16 code units. Characters outside the Basic
Multilingual Plane (emoji, some CJK) are one code point but two UTF-16 units."""

from __future__ import annotations


def to_utf16(line: str, column: int) -> int:
    """The 0-based UTF-16 offset of 1-based code-point ``column`` in ``line`` (columns
    past the end count as if the line went on with one-unit characters)."""
    before = line[: max(column - 1, 0)]
    return len(before) + sum(1 for c in before if ord(c) > 0xFFFF) + max(column - 1 - len(line), 0)


def from_utf16(line: str, offset: int) -> int:
    """The 1-based code-point column at 0-based UTF-16 ``offset`` in ``line`` (an offset
    inside a surrogate pair maps to the character it splits)."""
    units = 0
    for index, c in enumerate(line):
        width = 2 if ord(c) > 0xFFFF else 1
        if units + width > offset:
            return index + 1
        units += width
    return len(line) + 1 + max(offset - units, 0)
