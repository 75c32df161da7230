"""Project settings from ``pyproject.toml``: ``[tool.twimlc] target = "telnyx"``.

Found as ruff finds its configuration: the nearest ``pyproject.toml`` from the current
directory upwards that has a ``[tool.twimlc]`` table. ``--target`` overrides it; a file's
own header (``twiml voice target=…``) overrides both.
"""

from __future__ import annotations

import os
import sys

from .dialect import DIALECTS, Dialect, dialect_named

TYPE_CHECKING = False  # typing's, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any


class SettingsError(ValueError):
    """A ``pyproject.toml`` that cannot be read, or a setting twimlc does not know."""


def _could_configure_twimlc(data: bytes) -> bool:
    """Whether a TOML text can hold a ``twimlc`` table at all: its name written out, or
    spelt with a ``\\u``/``\\U`` escape in a quoted key. A ``pyproject.toml`` that cannot
    (most of them: the project's own, configuring other tools) is not parsed: the TOML
    parser's import is a tenth of ``twimlc check``'s start-up."""
    return b"twimlc" in data or b"\\u" in data or b"\\U" in data


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
    return data


def find_settings(start: str | os.PathLike[str] | None = None) -> tuple[dict[str, Any], str | None]:
    """The ``[tool.twimlc]`` table of the nearest ``pyproject.toml`` that has one, from
    ``start`` (default: the current directory) upwards, and its path."""
    folder = os.path.realpath(os.getcwd() if start is None else start)
    while True:
        candidate = os.path.join(folder, "pyproject.toml")
        if os.path.isfile(candidate):
            table = (_load_toml(candidate) or {}).get("tool", {}).get("twimlc")
            if isinstance(table, dict):
                return table, candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return {}, None
        folder = parent


def project_target(start: str | os.PathLike[str] | None = None) -> Dialect | None:
    """The dialect ``[tool.twimlc] target`` names, or None when no project sets one."""
    table, path = find_settings(start)
    value = table.get("target")
    if value is None:
        return None
    dialect = dialect_named(value) if isinstance(value, str) else None
    if dialect is None:
        raise SettingsError(f"{path}: [tool.twimlc] target = {value!r} is not a target; targets: {', '.join(DIALECTS)}")
    return dialect
