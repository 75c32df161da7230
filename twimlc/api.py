"""The public API, composed: the one driver of twimlc's phases.

``.twl`` source goes parser → resolver → rules (``read`` stops before the rules,
``judge_twl`` runs them all); TwiML XML goes hardened parser → the same resolver →
the same rules, with a fast path for clean documents (``check_xml``). Every public
entry (``analyze``, ``parse``, ``compile``, ``check``, ``checks``, ``load``, ``loads``)
is here and decides, here only, whether bad input raises (:class:`TwimlcError`) or is
returned as diagnostics. See docs/architecture.md.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from .ast import Document
from .diagnostics import Diagnostic, TwimlcError, diag, stamped
from .dialect import DIALECTS, TWILIO, Dialect, dialect_named
from .parser import parse_syntax
from .resolve import resolve
from .sniff import TWIML_SUFFIX, XML_SUFFIXES, is_twiml_root, sniff, wrong_root

TYPE_CHECKING = False  # typing's, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any

    from lxml import etree

    from .template import Template  # imported where used: check never needs it


SOURCE = ".twl source text (str)"
PATH = "a path (str or os.PathLike)"


def require(function: str, parameter: str, value: object, types: type | tuple[type, ...], takes: str) -> None:
    """At a public function's boundary: a clear ``TypeError`` for an argument of the wrong
    type (``twimlc.compile(source=…) takes .twl source text (str), not int``), instead
    of an error from deep inside."""
    if not isinstance(value, types):
        raise TypeError(f"twimlc.{function}({parameter}=…) takes {takes}, not {type(value).__name__}")


def target_dialect(function: str, target: object) -> Dialect:
    """A public function's ``target=``: a :class:`Dialect`, or the name ``--target`` takes
    (``"telnyx"``, in any case). A name that is none is a ``ValueError`` that lists the
    targets; another type a ``TypeError``. A file's own header (``twiml voice
    target=…``) still wins over it, as it wins over ``--target``."""
    if isinstance(target, Dialect):
        return target
    if not isinstance(target, str):
        raise TypeError(
            f"twimlc.{function}(target=…) takes a target name (str) or a Dialect, not {type(target).__name__}"
        )
    dialect = dialect_named(target)
    if dialect is None:
        from .vocabulary import suggest

        near = suggest(target.strip().lower(), list(DIALECTS))
        hint = f" (did you mean {near!r}?)" if near else ""
        raise ValueError(f"twimlc.{function}(target={target!r}): not a target; targets: {', '.join(DIALECTS)}{hint}")
    return dialect


def _source_and_name(function: str, source: object, filename: object) -> None:
    require(function, "source", source, str, SOURCE)
    require(function, "filename", filename, str, "a name (str)")


def _path_and_name(function: str, path: object, filename: object, hint: str) -> None:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"twimlc.{function}(path=…) takes {PATH}, not {type(path).__name__}; {hint}")
    if filename is not None:
        require(function, "filename", filename, str, "a name (str)")


def read(
    source: str, filename: str = "<string>", dialect: Dialect = TWILIO, pinned: bool = False
) -> tuple[Document, list[Diagnostic]]:
    """Parse and resolve ``.twl`` source, without the semantic rules: the typed document and
    the diagnostics of reading it (syntax, vocabulary, values), sorted. ``fmt`` and
    ``decompile`` work on this: what a file says, not whether Twilio would accept it. Never
    raises for bad input: after a syntax error the document holds what could be read
    around it (the parser recovers at the next statement). ``pinned``: judged for
    ``dialect`` whatever the header's ``target=`` says (``--portability``)."""
    nodes, comments, syntax = parse_syntax(source)
    # the header's target= may change the dialect, unless it is pinned
    doc, diagnostics = resolve(nodes, comments, dialect, pinned=pinned)
    return doc, sorted(stamped(syntax + diagnostics, filename, doc.dialect), key=Diagnostic.sort_key)


def analyze(source: str, filename: str = "<string>", dialect: Dialect = TWILIO) -> tuple[Document, list[Diagnostic]]:
    """The lenient entry: the typed document and every diagnostic ``twimlc check`` reports
    for the source, sorted by position. Never raises for bad input: after a syntax error
    the document holds what could be read around it."""
    from .api import judge_twl

    _source_and_name("analyze", source, filename)
    return judge_twl(source, filename, dialect=dialect)


def parse(source: str, filename: str = "<string>") -> Document:
    """``.twl`` source → typed :class:`~twimlc.ast.Document`, judged as ``twimlc check``
    and ``compile`` judge it: raises :class:`TwimlcError` (with every diagnostic) when
    there is any error; warnings alone do not raise."""
    _source_and_name("parse", source, filename)
    doc, diagnostics = analyze(source, filename)
    if doc is None or any(d.is_error for d in diagnostics):
        raise TwimlcError(diagnostics)
    return doc


def compile(source: str, filename: str = "<string>", params: Mapping[str, Any] | None = None) -> str:
    """``.twl`` source → TwiML XML (with declaration); raises :class:`TwimlcError` when
    ``twimlc check`` would report an error. A template (a document with ``param``
    declarations) is rendered with ``params``; to render it many times, :func:`twimlc.load`
    it once."""
    _source_and_name("compile", source, filename)
    doc, diagnostics, xml = _judge_twl(source, filename)  # judged as parse judges it
    if any(d.is_error for d in diagnostics):
        raise TwimlcError(diagnostics)
    if doc.params or params:
        from .template import Template

        return Template(doc, filename).render(**(params or {}))
    if xml is not None:  # generated already, to measure it
        return xml
    from .generator import generate

    return generate(doc)


def xml_size_bound(source: str) -> int:
    """An upper bound on the size of the XML a ``.twl`` source compiles to: every character
    becomes at most 6 (``"`` → ``&quot;``), every line at most 60 more (tags, quotes,
    indentation), plus the declaration and ``<Response>``. Below the limits, the document
    need not be generated (nor lxml imported) to know it fits."""
    return 6 * len(source.encode("utf-8")) + 60 * (source.count("\n") + 1) + 100


def judge_twl(
    source: str, path: str = "<string>", inline: bool = False, dialect: Dialect = TWILIO, pinned: bool = False
) -> tuple[Document, list[Diagnostic]]:
    """The one judgement of ``.twl`` source, shared by ``check``, ``compile``, ``parse``,
    ``analyze`` and templates: the typed document and every diagnostic, sorted. The rules
    run on a document with errors too (a bad value, a syntax error the parser recovered
    from), so that one run reports every problem."""
    doc, diagnostics, _ = _judge_twl(source, path, inline, dialect, pinned)
    return doc, diagnostics


def _judge_twl(
    source: str, path: str = "<string>", inline: bool = False, dialect: Dialect = TWILIO, pinned: bool = False
) -> tuple[Document, list[Diagnostic], str | None]:
    """:func:`judge_twl`'s judgement, and the document's XML when measuring its size took
    generating it (``compile`` returns that rather than generate it again)."""
    from .validate import size_limits, validate

    doc, diagnostics = read(source, path, dialect, pinned)
    dialect = doc.dialect  # the header's target= wins, unless pinned
    found = validate(doc, diagnostics)
    xml: str | None = None
    if xml_size_bound(source) >= (dialect.limits.inline_chars if inline else dialect.limits.document_bytes):
        from .generator import generate

        try:
            xml = generate(doc)
        except ValueError:  # a name or character XML cannot carry: reported already
            xml = None
        found += size_limits(xml or "", dialect, inline)
    return doc, sorted(diagnostics + stamped(found, path, dialect), key=Diagnostic.sort_key), xml


def check_twl(source: str, path: str = "<string>", inline: bool = False, dialect: Dialect = TWILIO) -> list[Diagnostic]:
    return judge_twl(source, path, inline, dialect)[1]


def read_xml_document(
    data: bytes, path: str, root: etree._Element | None = None, twiml: bool = False, dialect: Dialect = TWILIO
) -> tuple[Document | None, list[Diagnostic], bool]:
    """(document, diagnostics, is_twiml). ``is_twiml`` is False for XML that is not TwiML
    (see :func:`sniff`): such files are skipped, not reported. ``root`` is ``data`` already
    parsed, if the caller has it; ``twiml``: the caller knows it is TwiML (a ``.twiml`` file,
    or it already looked)."""
    from .resolve import resolve
    from .xmlread import parse_xml, to_syntax

    if root is None:
        if not twiml and sniff(data)[0] is False:
            return None, [], False
        root, problems = parse_xml(data, path)
        if root is None:
            return None, stamped(problems, path, dialect), True
    if not twiml and not is_twiml_root(root):
        return None, [], False
    text = data.decode("utf-8", errors="replace")
    out: list[Diagnostic] = []
    if root.tag != "Response":
        out.append(wrong_root(root, text, path))
    nodes, root_attrs = to_syntax(root, text, dialect)
    for a in root_attrs:
        out.append(diag("TWL103", f"<Response> has no attribute {a.name!r}", a.span))
    doc, diagnostics = resolve(nodes, [], dialect, xml=True)
    return doc, stamped(out + diagnostics, path, dialect), True


def judge_xml(
    data: bytes, path: str = "<string>", inline: bool = False, twiml: bool = False, dialect: Dialect = TWILIO
) -> tuple[bool, list[Diagnostic]]:
    """Whether the XML is TwiML (see :func:`sniff`; ``twiml``: it is, whatever it looks like,
    as a ``.twiml`` file is), and its diagnostics (none for XML that is not TwiML: such
    files are skipped, not reported).

    The per-file path stays in C where it can: libxml2 parses the document and validates
    it against the published XSD (generated from the same table as the checker, and
    tested to agree with it); one walk of the lxml tree then asks every semantic rule
    whether it could flag an element. A clean document ends there; any other is read on
    the full path, for exact positions and friendly messages."""
    from .xmlread import fast_clean, parse_xml

    verdict = True if twiml else sniff(data)[0]
    if verdict is False:
        return False, []
    root, problems = parse_xml(data, path)
    if root is None:
        return True, stamped(problems, path, dialect)
    if verdict is None and not is_twiml_root(root):
        return False, []
    if fast_clean(root, dialect) and not size_limits_bytes(data, dialect, inline):
        return True, []
    return True, analyze_xml(data, path, inline, True, dialect, root)[1]


def analyze_xml(
    data: bytes,
    path: str = "<string>",
    inline: bool = False,
    twiml: bool = False,
    dialect: Dialect = TWILIO,
    root: etree._Element | None = None,
) -> tuple[Document | None, list[Diagnostic], bool]:
    """TwiML XML's typed document and every diagnostic (the full path: what
    :func:`judge_xml` does for a document its fast path cannot clear), and whether it is
    TwiML at all. For callers that need the document too (``dial``), so it is read once."""
    from .validate import validate

    doc, diagnostics, is_twiml = read_xml_document(data, path, root, twiml=twiml, dialect=dialect)
    if doc is not None:
        found = validate(doc, diagnostics) + size_limits_bytes(data, dialect, inline)
        diagnostics += stamped(found, path, dialect)
    return doc, sorted(diagnostics, key=Diagnostic.sort_key), is_twiml


def check_xml(
    data: bytes, path: str = "<string>", inline: bool = False, twiml: bool = False, dialect: Dialect = TWILIO
) -> list[Diagnostic]:
    """The diagnostics of :func:`judge_xml` (an empty list for XML that is not TwiML)."""
    return judge_xml(data, path, inline, twiml, dialect)[1]


def size_limits_bytes(data: bytes, dialect: Dialect, inline: bool) -> list[Diagnostic]:
    if len(data) < (dialect.limits.inline_chars if inline else dialect.limits.document_bytes):
        return []  # (asked of every file: nothing imported before this)
    from .validate import size_limits

    return size_limits(data.decode("utf-8", errors="replace"), dialect, inline)


def wrong_target(doc: Document, dialect: Dialect, path: str, sent: str, command: str) -> list[Diagnostic]:
    """TWL802: the document's header names another provider than ``dialect``, the one it
    goes to (``dial``, ``serve``): it was judged for the wrong one. ``sent`` says how it
    goes ("the call is placed with"), ``command`` the command to use instead."""
    from .ast import Span

    if doc.dialect.name == dialect.name:
        return []
    line = doc.header_line or 1
    return [
        diag(
            "TWL802",
            f"this document targets {doc.dialect.title}, but {sent} {dialect.title}",
            Span(line, 1, line, len("twiml") + 1),
            f"check it for {dialect.title} (target={dialect.name} in its header), or {command} with "
            f"--provider {doc.dialect.name}",
            path,
        )
    ]


def looks_like_source(text: str) -> bool:
    """Whether a string given where a path is expected is certainly source text (it spans
    lines, or is XML). Anything else is a path, however source-like it looks."""
    return "\n" in text or text.lstrip().startswith("<")


def check(
    path: str | os.PathLike[str], *, filename: str | None = None, inline: bool = False, target: str | Dialect = "twilio"
) -> list[Diagnostic]:
    """All diagnostics for the file at ``path`` (a ``str`` or :class:`~pathlib.Path`):
    TwiML XML for ``.xml`` and ``.twiml``, ``.twl`` otherwise. A file that does not exist
    or cannot be read is a ``TWL005`` diagnostic (never an exception, never source text).
    ``filename`` is the name diagnostics carry (default: ``path``). ``target`` is the
    provider the file is judged for (``"twilio"``, ``"signalwire"``, ``"telnyx"`` or a
    :class:`~twimlc.dialect.Dialect`), as ``check --target`` takes it. To check source
    text, use :func:`checks`."""
    from .files import explain_missing, read_bytes, read_source

    _path_and_name("check", path, filename, "to check source text, call twimlc.checks(source)")
    dialect = target_dialect("check", target)

    if isinstance(path, str) and looks_like_source(path):
        import warnings

        warnings.warn(
            "twimlc.check() takes a path; pass source text to twimlc.checks()", DeprecationWarning, stacklevel=2
        )
        return checks(path, filename=filename or "<string>", inline=inline, target=dialect)
    name = os.fspath(path)
    hint = "to check source text, call twimlc.checks(source)"
    if name.endswith(XML_SUFFIXES):
        data, problems = read_bytes(name)
        if data is None:
            return explain_missing(name, problems, hint)
        return check_xml(data, filename or name, inline, name.endswith(TWIML_SUFFIX), dialect)
    text, problems = read_source(name)
    if text is None:
        return explain_missing(name, problems, hint)
    return check_twl(text, filename or name, inline, dialect)


def checks(
    source: str, *, filename: str = "<string>", inline: bool = False, target: str | Dialect = "twilio"
) -> list[Diagnostic]:
    """All diagnostics for source text: TwiML XML when it starts with ``<``, else ``.twl``.
    ``filename`` is the name diagnostics carry; ``target`` the provider it is judged for
    (see :func:`check`)."""
    if isinstance(source, (bytes, bytearray)):
        raise TypeError(
            f"twimlc.checks(source=…) takes .twl or TwiML XML source text (str), not {type(source).__name__}; "
            "decode it first: twimlc.checks(data.decode())"
        )
    require("checks", "source", source, str, ".twl or TwiML XML source text (str)")
    require("checks", "filename", filename, str, "a name (str)")
    dialect = target_dialect("checks", target)
    if source.lstrip().startswith("<"):
        return check_xml(source.encode("utf-8"), filename, inline, dialect=dialect)
    return check_twl(source, filename, inline, dialect)


def load(path: str | os.PathLike[str], filename: str | None = None, *, target: str | Dialect = "twilio") -> Template:
    """Read, parse, check and precompile the template in the file ``path`` (a ``str`` or a
    :class:`~pathlib.Path`). Raises :class:`TwimlcError` with every diagnostic when the
    document has errors, and with ``TWL005`` when the file does not exist ("no such
    file") or cannot be read: a path is never taken for source text. ``filename`` is the
    name diagnostics carry (default: ``path``); ``target`` the provider it is judged for
    (see :func:`check`). For source text, use :func:`loads`."""
    from .files import explain_missing, read_source

    _path_and_name("load", path, filename, "to load source text, call twimlc.loads(source)")
    dialect = target_dialect("load", target)

    if isinstance(path, str) and looks_like_source(path):
        import warnings

        warnings.warn(
            "twimlc.load() takes a path; pass source text to twimlc.loads()", DeprecationWarning, stacklevel=2
        )
        return loads(path, filename or "<string>", target=dialect)
    name = os.fspath(path)
    source, problems = read_source(name)
    if source is None:
        raise TwimlcError(explain_missing(name, problems, "to load source text, call twimlc.loads(source)"))
    return loads(source, filename or name, target=dialect)


def loads(source: str, filename: str = "<string>", *, target: str | Dialect = "twilio") -> Template:
    """Parse, check and precompile ``.twl`` source text; ``filename`` is the name its
    diagnostics and render errors carry; ``target`` the provider it is judged for (see
    :func:`check`). Raises :class:`TwimlcError` with every diagnostic when the document
    has errors."""
    _source_and_name("loads", source, filename)
    dialect = target_dialect("loads", target)
    doc, diagnostics = analyze(source, filename, dialect)  # judged as twimlc check judges it
    problems = [d for d in diagnostics if d.is_error] if doc is not None else diagnostics
    if doc is None or problems:
        raise TwimlcError(problems)
    from .template import Template

    return Template(doc, filename)
