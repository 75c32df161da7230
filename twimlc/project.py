"""Project settings from ``pyproject.toml``: ``[tool.twimlc] target = "telnyx"``.

Found as ruff finds its configuration: the nearest ``pyproject.toml`` from the current
directory upwards that has a ``[tool.twimlc]`` table. ``--target`` overrides it; a file's
own header (``twiml voice target=…``) overrides both.
"""

from __future__ import annotations

import os
import sys

from .dialect import DIALECTS, Dialect, dialect_named, did_you_mean
from .vocabulary import suggest

# What [tool.twimlc] may hold: an unknown key is an error naming it, as ruff reports them.
KEYS = ("target",)

TYPE_CHECKING = False  # typing's, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any


class SettingsError(ValueError):
    """A ``pyproject.toml`` that cannot be read, or a setting twimlc does not know."""


# TOML's tokens, as far as finding keys goes: strings (multi-line first: such a string's
# closing quotes may be followed by up to two quotes of its own), comments, bare words
# (bare keys, and the true/false, numbers and dates of values), white space, and any other
# character (punctuation).
_TOML_TOKENS = (
    rb'(?P<string>"""(?:[^\\]|\\.)*?"{3,5}|\'\'\'.*?\'{3,5})'
    rb'|(?P<quoted>"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\')'
    rb"|(?P<comment>#[^\n]*)"
    rb"|(?P<bare>[A-Za-z0-9_-]+)"
    rb"|(?P<blank>[ \t\r\n]+)"
    rb"|(?P<other>.)"
)


def _part(kind: str | None, text: bytes) -> bytes | None:
    """One part of a key; None for a quoted part with escapes (it could spell any name)."""
    if kind == "bare":
        return text
    if text[:1] == b'"' and b"\\" in text:
        return None
    return text[1:-1]


def _under_twimlc(key: list[bytes | None]) -> bool:
    """Whether a full key (table and key parts) is ``tool.twimlc`` or inside it."""
    return len(key) >= 2 and key[0] in (b"tool", None) and key[1] in (b"twimlc", None)


def _could_configure_twimlc(data: bytes) -> bool:
    """Whether a TOML text can hold a ``[tool.twimlc]`` table: a table header, or a key,
    under ``tool.twimlc`` (a part written with escapes could be either name), or an inline
    table given to ``tool`` that names ``twimlc``; True as well for text that is not TOML
    where a key was expected (the parser then says what is wrong). A ``pyproject.toml``
    that cannot configure twimlc (most: they configure other tools, or name twimlc as a
    dependency or a package) is not parsed, as the TOML parser's import costs about a tenth
    of ``twimlc check``'s start-up. ``tests/test_startup.py`` proves it against tomllib on
    generated documents."""
    if b"twimlc" not in data and b"\\u" not in data and b"\\U" not in data:
        return False
    import re

    table: list[bytes | None] = []  # the current table (the last header's key)
    path: list[bytes | None] = []  # the key being read: a header's, or a key/value pair's
    state = "line"  # line (a statement may start), header, key, value, rest (of a header's line)
    depth = 0  # brackets open in a value
    tool_value = False  # the value is given to the key `tool` itself (an inline table may name twimlc)
    for m in re.finditer(_TOML_TOKENS, data, re.S):
        kind, text = m.lastgroup, m[0]
        if kind == "comment" or (kind == "blank" and (b"\n" not in text or depth)):
            continue
        if kind == "blank":  # a line ends, and with it a statement
            state = "line"
            continue
        if state == "line":
            state, path = ("header", []) if text == b"[" else ("key", [])
            if state == "header":
                continue
        if state == "header":
            if text == b"[" and not path:  # [[array of tables]]
                continue
            if text == b"]":
                table, state = path, "rest"
            elif text != b".":
                if kind not in ("bare", "quoted"):
                    return True  # not TOML: let the parser say so
                path.append(_part(kind, text))
                if _under_twimlc(path):
                    return True
        elif state == "key":
            if text == b"=":
                key = table + path
                if _under_twimlc(key):
                    return True
                tool_value, state = len(key) == 1 and key[0] in (b"tool", None), "value"
            elif text != b".":
                if kind not in ("bare", "quoted"):
                    return True  # not TOML: let the parser say so
                path.append(_part(kind, text))
        elif state == "value":
            if text in (b"[", b"{"):
                depth += 1
            elif text in (b"]", b"}"):
                depth = max(0, depth - 1)
            elif tool_value and kind in ("bare", "quoted") and _part(kind, text) in (b"twimlc", None):
                return True
    return False


def _load_toml(path: str) -> dict[str, Any] | None:
    """The parsed file; None when it cannot configure twimlc."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise SettingsError(f"{path}: cannot read: {e.strerror or e}") from None
    if not _could_configure_twimlc(raw):
        return None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        data: dict[str, Any] = tomllib.loads(raw.decode())  # as tomllib.load reads a file
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(f"{path}: not valid TOML: {e}") from None
    except UnicodeDecodeError as e:  # TOML is UTF-8
        raise SettingsError(f"{path}: not valid TOML: not UTF-8 (byte {e.start})") from None
    return data


def _twimlc_table(path: str) -> dict[str, Any] | None:
    """The ``[tool.twimlc]`` table of ``path`` (None without one), its shape checked."""
    data = _load_toml(path)
    tool = None if data is None else data.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise SettingsError(f"{path}: [tool] is not a table (tool = {tool!r})")
    table = tool.get("twimlc")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: [tool.twimlc] is not a table (tool.twimlc = {table!r})")
    for key in table:
        if key not in KEYS:
            near = suggest(key, KEYS)
            hint = f"; did you mean {near!r}?" if near else ""
            raise SettingsError(f"{path}: [tool.twimlc] has an unknown key {key!r}{hint} (keys: {', '.join(KEYS)})")
    return table


def find_settings(start: str | os.PathLike[str] | None = None) -> tuple[dict[str, Any], str | None]:
    """The ``[tool.twimlc]`` table of the nearest ``pyproject.toml`` that has one, from
    ``start`` (default: the current directory) upwards, and its path."""
    folder = os.path.realpath(os.getcwd() if start is None else start)
    while True:
        candidate = os.path.join(folder, "pyproject.toml")
        if os.path.isfile(candidate):
            table = _twimlc_table(candidate)
            if table is not None:
                return table, candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return {}, None
        folder = parent


def project_target(start: str | os.PathLike[str] | None = None) -> Dialect | None:
    """The dialect ``[tool.twimlc] target`` names, or None when no project sets one."""
    return target_setting(start)[0]


def target_setting(start: str | os.PathLike[str] | None = None) -> tuple[Dialect | None, str | None]:
    """:func:`project_target`, and the ``pyproject.toml`` that sets it (None when none
    does), read once, for a command that says where its target came from."""
    table, path = find_settings(start)
    value = table.get("target")
    if value is None:
        return None, None
    if not isinstance(value, str):
        raise SettingsError(
            f"{path}: [tool.twimlc] target = {value!r} is not a target: give a name (targets: {', '.join(DIALECTS)})"
        )
    dialect = dialect_named(value)
    if dialect is None:
        raise SettingsError(
            f"{path}: [tool.twimlc] target = {value!r} is not a target{did_you_mean(value)} "
            f"(targets: {', '.join(DIALECTS)})"
        )
    return dialect, path
