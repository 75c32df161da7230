"""Project settings from ``pyproject.toml``: ``[tool.twimlc] target = "telnyx"``.

Found as ruff finds its configuration: the nearest ``pyproject.toml`` from the current
directory upwards that has a ``[tool.twimlc]`` table. ``--target`` overrides it; a file's
own header (``twiml voice target=…``) overrides both.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .dialect import DIALECTS, Dialect, dialect_named

TYPE_CHECKING = False  # typing's, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any


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
    return data


def find_settings(start: Path | None = None) -> tuple[dict[str, Any], Path | None]:
    """The ``[tool.twimlc]`` table of the nearest ``pyproject.toml`` that has one, from
    ``start`` (default: the current directory) upwards, and its path."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            table = _load_toml(candidate).get("tool", {}).get("twimlc")
            if isinstance(table, dict):
                return table, candidate
    return {}, None


def project_target(start: Path | None = None) -> Dialect | None:
    """The dialect ``[tool.twimlc] target`` names, or None when no project sets one."""
    table, path = find_settings(start)
    value = table.get("target")
    if value is None:
        return None
    dialect = dialect_named(value) if isinstance(value, str) else None
    if dialect is None:
        raise SettingsError(f"{path}: [tool.twimlc] target = {value!r} is not a target; targets: {', '.join(DIALECTS)}")
    return dialect
