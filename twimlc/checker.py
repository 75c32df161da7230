"""``check``: every diagnostic for a ``.twl`` file or a TwiML XML document."""

from __future__ import annotations

import os
import re
from functools import cache
from typing import TYPE_CHECKING

from .ast import Document, Span
from .diagnostics import Diagnostic, diag

if TYPE_CHECKING:
    from lxml import etree

TWL_SUFFIXES = (".twl",)
XML_SUFFIXES = (".xml", ".twiml")
TWIML_SUFFIX = ".twiml"  # always TwiML: never skipped


# --- which XML files are TwiML ------------------------------------------------------------
#
# A repository's .xml files are mostly not TwiML (Maven, Spring, SVG, XHTML, IDE settings).
# The start of a file tells: its root element's name, its namespace, its first child. The
# look is a few regular expressions over at most SNIFF_BYTES, before the hardened parser
# (which refuses any DOCTYPE) sees the file, so a DOCTYPE'd Spring file is skipped and a
# DOCTYPE'd <Response> is still refused.

SNIFF_BYTES = 16 * 1024
_MISC = re.compile(rb"[ \t\r\n]+|<\?.*?\?>|<!--.*?-->", re.S)  # white space, declaration, PIs, comments
_DOCTYPE_DECL = re.compile(
    rb"""<!DOCTYPE(?:"[^"]*"|'[^']*'|[^"'\[>])*(?:\[(?:"[^"]*"|'[^']*'|<!--.*?-->|[^"'\]])*\][ \t\r\n]*)?>""",
    re.S | re.I,
)
_CONTENT = re.compile(rb"[^<]+|<\?.*?\?>|<!--.*?-->|<!\[CDATA\[.*?\]\]>", re.S)  # what may precede a first child
_TAG = re.compile(rb"""<([A-Za-z_:\x80-\xff][^\s/>"'=<]*)((?:"[^"]*"|'[^']*'|[^"'<>])*)(>)?""")
_ANY_TAG = re.compile(rb"<[A-Za-z_:\x80-\xff]")
_DEFAULT_NS = re.compile(rb"""\sxmlns\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def near_response(name: str) -> bool:
    """Whether a root element's name is ``Response`` misspelt: in another case, or within
    two edits (``Responses``, ``Respnse``, ``Respond``)."""
    a, b = name.lower(), "response"
    if a == b:
        return True
    if abs(len(a) - len(b)) > 2:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1] <= 2


@cache
def twiml_verbs() -> frozenset[str]:
    """The elements allowed directly inside ``<Response>``, in any kind of document."""
    from .vocabulary import KINDS, vocabulary

    return frozenset(tag for kind in KINDS for tag in vocabulary(kind).root.children)


def sniff(data: bytes) -> tuple[bool | None, str]:
    """Whether ``data`` is TwiML, from a look at its start, and, when it is not, what it is
    instead ("an empty file", "the root element is <beans>"). ``None``: the start does not
    tell (then the parsed tree does, see :func:`is_twiml_root`).

    TwiML is a root element without an XML namespace that is ``Response`` or a misspelling
    of it, or whose first child is a TwiML verb (``<Reply><Say>…``)."""
    whole = len(data) <= SNIFF_BYTES
    head = data[:SNIFF_BYTES]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        head = head.decode("utf-16", "ignore").encode("utf-8")
    pos = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    while m := (_MISC.match(head, pos) or _DOCTYPE_DECL.match(head, pos)):
        pos = m.end()
    tag = _TAG.match(head, pos)
    if tag is None:  # text or junk where the root should start: look past it
        found = _ANY_TAG.search(head, pos)
        tag = _TAG.match(head, found.start()) if found else None
    if tag is None:
        if not whole:
            return None, ""
        return False, "an empty file" if not head.strip(b" \t\r\n\xef\xbb\xbf") else "no XML element"
    name = tag.group(1).decode("utf-8", "replace")
    namespace = _DEFAULT_NS.search(tag.group(2))
    if ":" in name or (namespace and (namespace.group(1) or namespace.group(2))):
        return False, f"the root element <{name}> has an XML namespace"
    if near_response(name):
        return True, ""
    what = f"the root element is <{name}>"
    if tag.group(3) is None:  # the start tag does not end in view
        return (None, "") if tag.end() >= len(head) and not whole else (False, what)
    if tag.group(2).rstrip().endswith(b"/"):
        return False, what
    pos = tag.end()
    while m := _CONTENT.match(head, pos):
        pos = m.end()
    child = _TAG.match(head, pos)
    if child is None:
        return (None, "") if pos >= len(head) and not whole else (False, what)
    return (True, "") if child.group(1).decode("utf-8", "replace") in twiml_verbs() else (False, what)


def is_twiml_root(root: etree._Element) -> bool:
    """:func:`sniff`'s rule on a parsed tree."""
    if not isinstance(root.tag, str):
        return False
    if root.tag.startswith("{"):
        return False  # a namespace
    if near_response(root.tag):
        return True
    first = next((c for c in root if isinstance(c.tag, str)), None)
    return first is not None and first.tag in twiml_verbs()


def twiml_or_why(data: bytes) -> str:
    """``""`` when ``data`` is TwiML (or may be: a parse error is then reported for it),
    else what it is instead. Parses only when the start does not tell."""
    verdict, why = sniff(data)
    if verdict is None:
        from .xmlread import element_name, parse_xml

        root, _ = parse_xml(data, "")
        if root is None or is_twiml_root(root):
            return ""
        return f"the root element is <{element_name(root)}>"
    return "" if verdict else why


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
    data: bytes, path: str, root: etree._Element | None = None, twiml: bool = False
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
            return None, problems, True
    if not twiml and not is_twiml_root(root):
        return None, [], False
    text = data.decode("utf-8", errors="replace")
    out: list[Diagnostic] = []
    if root.tag != "Response":
        out.append(wrong_root(root, text, path))
    nodes, root_attrs = to_syntax(root, text)
    for a in root_attrs:
        out.append(diag("TWL103", f"<Response> has no attribute {a.name!r}", a.span, None, path))
    doc, diagnostics = resolve(nodes, [], path, xml=True)
    return doc, out + diagnostics, True


def wrong_root(root: etree._Element, text: str, path: str) -> Diagnostic:
    """TWL312 at the root's start tag, naming it as written."""
    from .xmlread import element_name

    name = element_name(root)
    line = root.sourceline if isinstance(root.sourceline, int) else 1
    lines = text.split("\n", line)
    found = lines[line - 1].find("<" + name) if len(lines) >= line else -1
    col = found + 2 if found >= 0 else 1
    span = Span(line, col, line, col + len(name)) if found >= 0 else Span(line, 1, line, 2)
    local = name.rpartition(":")[2]
    if local == "Response":
        message, hint = f"the root element <{name}> has an XML namespace; TwiML has none (12102)", "remove xmlns"
    else:
        message = f"the root element is <{name}>; it must be <Response> (12102)"
        if local.lower() == "response":
            hint = "TwiML is case-sensitive"
        else:
            hint = "did you mean <Response>?" if near_response(local) else "TwiML's root element is <Response>"
    return diag("TWL312", message, span, hint, path)


def check_xml(
    data: bytes, path: str = "<string>", inline: bool = False, twiml: bool = False
) -> list[Diagnostic] | None:
    """Diagnostics for TwiML XML, or ``None`` when the XML is not TwiML (see :func:`sniff`;
    ``twiml``: it is, whatever it looks like, as a ``.twiml`` file is).

    The per-file path stays in C where it can: libxml2 parses the document, validates it
    against the published XSD (generated from the same table as the checker, and tested
    to agree with it), and XPath finds whatever a semantic rule could flag. A clean
    document ends there; any other is read on the full path, for exact positions and
    friendly messages."""
    from .validate import validate
    from .xmlread import fast_clean, parse_xml

    verdict = True if twiml else sniff(data)[0]
    if verdict is False:
        return None
    root, problems = parse_xml(data, path)
    if root is None:
        return problems
    if verdict is None and not is_twiml_root(root):
        return None
    if fast_clean(root) and not size_limits_bytes(data, path, inline):
        return []
    doc, diagnostics, _ = read_xml_document(data, path, root, twiml=True)
    if doc is not None:
        diagnostics += validate(doc, path, diagnostics)
        diagnostics += size_limits_bytes(data, path, inline)
    return sorted(diagnostics, key=Diagnostic.sort_key)


def size_limits_bytes(data: bytes, path: str, inline: bool) -> list[Diagnostic]:
    from .validate import MAX_DOCUMENT_BYTES, MAX_INLINE_CHARS, size_limits

    if len(data) < (MAX_INLINE_CHARS if inline else MAX_DOCUMENT_BYTES):
        return []
    return size_limits(data.decode("utf-8", errors="replace"), path, inline)


def looks_like_source(text: str) -> bool:
    """Whether a string given where a path is expected is certainly source text (it spans
    lines, or is XML). Anything else is a path, however source-like it looks."""
    return "\n" in text or text.lstrip().startswith("<")


def check(path: str | os.PathLike[str], *, filename: str | None = None, inline: bool = False) -> list[Diagnostic]:
    """All diagnostics for the file at ``path`` (a ``str`` or :class:`~pathlib.Path`):
    TwiML XML for ``.xml`` and ``.twiml``, ``.twl`` otherwise. A file that does not exist
    or cannot be read is a ``TWL005`` diagnostic (never an exception, never source text).
    ``filename`` is the name diagnostics carry (default: ``path``). To check source text,
    use :func:`checks`."""
    from .files import explain_missing, read_bytes, read_source

    if isinstance(path, str) and looks_like_source(path):
        import warnings

        warnings.warn(
            "twimlc.check() takes a path; pass source text to twimlc.checks()", DeprecationWarning, stacklevel=2
        )
        return checks(path, filename=filename or "<string>", inline=inline)
    name = os.fspath(path)
    hint = "to check source text, call twimlc.checks(source)"
    if name.endswith(XML_SUFFIXES):
        data, problem = read_bytes(name)
        if data is None:
            return [explain_missing(name, problem, hint)] if problem else []
        return check_xml(data, filename or name, inline, name.endswith(TWIML_SUFFIX)) or []
    text, problem = read_source(name)
    if text is None:
        return [explain_missing(name, problem, hint)] if problem else []
    return check_twl(text, filename or name, inline)


def checks(source: str, *, filename: str = "<string>", inline: bool = False) -> list[Diagnostic]:
    """All diagnostics for source text: TwiML XML when it starts with ``<``, else ``.twl``.
    ``filename`` is the name diagnostics carry."""
    if source.lstrip().startswith("<"):
        return check_xml(source.encode("utf-8"), filename, inline) or []
    return check_twl(source, filename, inline)
