"""The library's front door: parse, analyse, compile."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .ast import Document
from .diagnostics import Diagnostic, TwimlcError
from .parser import parse_syntax
from .resolve import resolve


def read(source: str, filename: str = "<string>") -> tuple[Document, list[Diagnostic]]:
    """Parse and resolve ``.twl`` source, without the semantic rules: the typed document and
    the diagnostics of reading it (syntax, vocabulary, values), sorted. ``fmt`` and
    ``decompile`` work on this: what a file says, not whether Twilio would accept it. Never
    raises for bad input: after a syntax error the document holds what could be read
    around it (the parser recovers at the next statement)."""
    nodes, comments, syntax = parse_syntax(source, filename)
    doc, diagnostics = resolve(nodes, comments, filename)
    return doc, sorted(syntax + diagnostics, key=Diagnostic.sort_key)


def analyze(source: str, filename: str = "<string>") -> tuple[Document, list[Diagnostic]]:
    """The lenient entry: the typed document and every diagnostic ``twimlc check`` reports
    for the source, sorted by position. Never raises for bad input: after a syntax error
    the document holds what could be read around it."""
    from .checker import judge_twl

    return judge_twl(source, filename)


def parse(source: str, filename: str = "<string>") -> Document:
    """``.twl`` source → typed :class:`~twimlc.ast.Document`, judged as ``twimlc check``
    and ``compile`` judge it: raises :class:`TwimlcError` (with every diagnostic) when
    there is any error; warnings alone do not raise."""
    doc, diagnostics = analyze(source, filename)
    if doc is None or any(d.is_error for d in diagnostics):
        raise TwimlcError(diagnostics)
    return doc


def compile(source: str, filename: str = "<string>", params: Mapping[str, Any] | None = None) -> str:
    """``.twl`` source → TwiML XML (with declaration); raises :class:`TwimlcError` when
    ``twimlc check`` would report an error. A template (a document with ``param``
    declarations) is rendered with ``params``; to render it many times, :func:`twimlc.load`
    it once."""
    doc = parse(source, filename)
    if doc.params or params:
        from .template import Template

        return Template(doc, filename).render(**(params or {}))
    from .generator import generate

    return generate(doc)
