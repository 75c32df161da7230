"""``fmt``: the canonical layout of ``.twl`` source, with black's guarantees checked at run
time: the formatted source parses to the same tree (spans aside), and formatting it again
changes nothing. If either fails, the source is left as it was (``TWL904``)."""

from __future__ import annotations

from .ast import Span
from .diagnostics import Diagnostic, TwimlcError, diag


def format_with_diagnostics(source: str, path: str = "<string>") -> tuple[str, list[Diagnostic]]:
    """The formatted source and the warnings; raises :class:`TwimlcError` when the source
    has errors (nothing is formatted then) or when a guarantee would break."""
    from .api import read
    from .printer import print_document

    doc, diagnostics = read(source, path)
    if doc is None or any(d.is_error for d in diagnostics):
        raise TwimlcError(diagnostics)
    formatted = print_document(doc)
    again, problems = read(formatted, path)
    if again is None or any(d.is_error for d in problems) or again != doc:
        raise TwimlcError(
            [
                diag(
                    "TWL904",
                    "formatting would change what this file means; it was left untouched",
                    Span(1, 1, 1, 2),
                    "please report it with the file",
                    path,
                )
            ]
        )
    if print_document(again) != formatted:
        raise TwimlcError(
            [
                diag(
                    "TWL904",
                    "formatting is not stable on this file; it was left untouched",
                    Span(1, 1, 1, 2),
                    "please report it with the file",
                    path,
                )
            ]
        )
    return formatted, diagnostics


def format(source: str, filename: str = "<string>") -> str:
    """``.twl`` source in the canonical layout (library API)."""
    return format_with_diagnostics(source, filename)[0]
