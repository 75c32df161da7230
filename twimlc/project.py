"""Project settings from ``pyproject.toml``: ``[tool.twimlc] target = "telnyx"``.

Found as ruff finds its configuration: the nearest ``pyproject.toml`` from the current
directory upwards that has a ``[tool.twimlc]`` table. ``--target`` overrides it; a file's
own header (``twiml voice target=…``) overrides both.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from .dialect import DIALECTS, Dialect, dialect_named, did_you_mean
from .vocabulary import suggest

# What [tool.twimlc] may hold: an unknown key is an error naming it, as ruff reports them.
KEYS = ("target",)


class SettingsError(ValueError):
    """A ``pyproject.toml`` that cannot be read, or a setting twimlc does not know."""


def _load_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        with path.open("rb") as f:
            data: dict[str, Any] = tomllib.load(f)
    except OSError as e:
        raise SettingsError(f"{path}: cannot read: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(f"{path}: not valid TOML: {e}") from None
    except UnicodeDecodeError as e:  # TOML is UTF-8
        raise SettingsError(f"{path}: not valid TOML: not UTF-8 (byte {e.start})") from None
    return data


def _twimlc_table(path: Path) -> dict[str, Any] | None:
    """The ``[tool.twimlc]`` table of ``path`` (None without one), its shape checked."""
    tool = _load_toml(path).get("tool")
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


def find_settings(start: Path | None = None) -> tuple[dict[str, Any], Path | None]:
    """The ``[tool.twimlc]`` table of the nearest ``pyproject.toml`` that has one, from
    ``start`` (default: the current directory) upwards, and its path."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            table = _twimlc_table(candidate)
            if table is not None:
                return table, candidate
    return {}, None


def project_target(start: Path | None = None) -> Dialect | None:
    """The dialect ``[tool.twimlc] target`` names, or None when no project sets one."""
    table, path = find_settings(start)
    value = table.get("target")
    if value is None:
        return None
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
    return dialect
