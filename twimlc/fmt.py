"""``fmt``: the canonical layout of ``.twl`` source, with black's guarantees checked at run
time: the formatted source parses to the same tree (spans aside), and formatting it again
changes nothing. If either fails, the source is left as it was (``TWL904``)."""

from __future__ import annotations

from .ast import Span
from .diagnostics import Diagnostic, TwimlcError, diag


def format_with_diagnostics(source: str, path: str = "<string>") -> tuple[str | None, list[Diagnostic]]:
    """The formatted source and the diagnostics; ``None`` (leave the file as it is) when
    the source has errors or when a guarantee would break. Never raises for bad input."""
    from .api import read
    from .printer import print_document

    doc, diagnostics = read(source, path)
    if any(d.is_error for d in diagnostics):
        return None, diagnostics
    formatted = print_document(doc)
    again, problems = read(formatted, path)
    if any(d.is_error for d in problems) or again != doc:
        return None, [_refused("formatting would change what this file means; it was left untouched", path)]
    if print_document(again) != formatted:
        return None, [_refused("formatting is not stable on this file; it was left untouched", path)]
    return formatted, diagnostics


def _refused(message: str, path: str) -> Diagnostic:
    return diag("TWL904", message, Span(1, 1, 1, 2), "please report it with the file", path)


def format(source: str, filename: str = "<string>") -> str:
    """``.twl`` source in the canonical layout (library API); raises :class:`TwimlcError`
    when the source has errors or fmt would not keep its meaning."""
    from .api import SOURCE, require

    require("format", "source", source, str, SOURCE)
    require("format", "filename", filename, str, "a name (str)")
    formatted, diagnostics = format_with_diagnostics(source, filename)
    if formatted is None:
        raise TwimlcError(diagnostics)
    return formatted
