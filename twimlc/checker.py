"""``check``: every diagnostic for a ``.twl`` file or a TwiML XML document."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .ast import Document, Span
from .diagnostics import Diagnostic, diag

if TYPE_CHECKING:
    from pathlib import Path

    from lxml import etree

TWL_SUFFIXES = (".twl",)
XML_SUFFIXES = (".xml", ".twiml")


def xml_size_bound(source: str) -> int:
    """An upper bound on the size of the XML a ``.twl`` source compiles to: every character
    becomes at most 6 (``"`` → ``&quot;``), every line at most 60 more (tags, quotes,
    indentation), plus the declaration and ``<Response>``. Below the limits, the document
    need not be generated (nor lxml imported) to know it fits."""
    return 6 * len(source.encode("utf-8")) + 60 * (source.count("\n") + 1) + 100


def judge_twl(source: str, path: str = "<string>", inline: bool = False) -> tuple[Document, list[Diagnostic]]:
    """The one judgement of ``.twl`` source, shared by ``check``, ``compile``, ``parse``,
    ``analyze`` and templates: the typed document and every diagnostic, sorted. The rules
    run on a document with errors too (a bad value, a syntax error the parser recovered
    from), so that one run reports every problem."""
    from .compiler import read
    from .validate import MAX_DOCUMENT_BYTES, MAX_INLINE_CHARS, size_limits, validate

    doc, diagnostics = read(source, path)
    diagnostics = diagnostics + validate(doc, path, diagnostics)
    if xml_size_bound(source) >= (MAX_INLINE_CHARS if inline else MAX_DOCUMENT_BYTES):
        from .generator import generate

        try:
            xml = generate(doc)
        except ValueError:  # a name or character XML cannot carry: reported already
            xml = ""
        diagnostics += size_limits(xml, path, inline)
    return doc, sorted(diagnostics, key=Diagnostic.sort_key)


def check_twl(source: str, path: str = "<string>", inline: bool = False) -> list[Diagnostic]:
    return judge_twl(source, path, inline)[1]


def read_xml_document(
    data: bytes, path: str, root: etree._Element | None = None
) -> tuple[Document | None, list[Diagnostic], bool]:
    """(document, diagnostics, is_twiml). ``is_twiml`` is False for well-formed XML whose
    root is not ``<Response>`` in any case: such files are skipped, not reported. ``root``
    is ``data`` already parsed, if the caller has it."""
    from .resolve import resolve
    from .xmlread import is_twiml, parse_xml, to_syntax

    if root is None:
        root, problems = parse_xml(data, path)
        if root is None:
            return None, problems, True
    if not is_twiml(root):
        return None, [], False
    text = data.decode("utf-8", errors="replace")
    out: list[Diagnostic] = []
    if root.tag != "Response":
        line = root.sourceline if isinstance(root.sourceline, int) else 1
        out.append(
            diag(
                "TWL312",
                f"the root element is <{root.tag}>; it must be <Response> (12102)",
                Span(line, 1, line, 2),
                "TwiML is case-sensitive",
                path,
            )
        )
    nodes, root_attrs = to_syntax(root, text)
    for a in root_attrs:
        out.append(diag("TWL103", f"<Response> has no attribute {a.name!r}", a.span, None, path))
    doc, diagnostics = resolve(nodes, [], path, xml=True)
    return doc, out + diagnostics, True


def check_xml(data: bytes, path: str = "<string>", inline: bool = False) -> list[Diagnostic] | None:
    """Diagnostics for TwiML XML, or ``None`` when the file is XML but not TwiML.

    The per-file path stays in C where it can: libxml2 parses the document, validates it
    against the published XSD (generated from the same table as the checker, and tested
    to agree with it), and XPath finds whatever a semantic rule could flag. A clean
    document ends there; any other is read on the full path, for exact positions and
    friendly messages."""
    from .validate import validate
    from .xmlread import fast_clean, parse_xml

    root, problems = parse_xml(data, path)
    if root is None:
        return problems
    if fast_clean(root) and not size_limits_bytes(data, path, inline):
        return []
    doc, diagnostics, twiml = read_xml_document(data, path, root)
    if not twiml:
        return None
    if doc is not None:
        diagnostics += validate(doc, path, diagnostics)
        diagnostics += size_limits_bytes(data, path, inline)
    return sorted(diagnostics, key=Diagnostic.sort_key)


def size_limits_bytes(data: bytes, path: str, inline: bool) -> list[Diagnostic]:
    from .validate import MAX_DOCUMENT_BYTES, MAX_INLINE_CHARS, size_limits

    if len(data) < (MAX_INLINE_CHARS if inline else MAX_DOCUMENT_BYTES):
        return []
    return size_limits(data.decode("utf-8", errors="replace"), path, inline)


def check(source_or_path: str | Path, *, filename: str | None = None, inline: bool = False) -> list[Diagnostic]:
    """All diagnostics for a document. A :class:`~pathlib.Path` (or a ``str`` naming an
    existing ``.twl``/``.xml``/``.twiml`` file) is read from disk; any other string is
    checked as source: TwiML XML when it starts with ``<``, else ``.twl``."""
    from pathlib import Path

    from .files import read_bytes, read_source

    if isinstance(source_or_path, Path) or (
        isinstance(source_or_path, str)
        and source_or_path.endswith(TWL_SUFFIXES + XML_SUFFIXES)
        and "\n" not in source_or_path
        and Path(source_or_path).is_file()
    ):
        path = str(source_or_path)
        if path.endswith(XML_SUFFIXES):
            data, problem = read_bytes(path)
            if data is None:
                return [problem] if problem else []
            return check_xml(data, filename or path, inline) or []
        text, problem = read_source(path)
        if text is None:
            return [problem] if problem else []
        return check_twl(text, filename or path, inline)
    name = filename or "<string>"
    if source_or_path.lstrip().startswith("<"):
        return check_xml(source_or_path.encode("utf-8"), name, inline) or []
    return check_twl(source_or_path, name, inline)
