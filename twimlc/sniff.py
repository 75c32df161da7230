"""Which files are TwiML: a repository's ``.xml`` files are mostly not (Maven, Spring,
SVG, XHTML, IDE settings), and ``check``, ``decompile``, ``serve``, ``graph`` and
``simulate`` must leave those alone while still checking TwiML with a misspelt root."""

from __future__ import annotations

import re
from functools import cache

from .ast import Span
from .diagnostics import Diagnostic, diag
from .dialect import TWILIO

TYPE_CHECKING = False  # typing's, without importing typing at start-up
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


@cache
def _patterns() -> tuple[re.Pattern[bytes], ...]:
    """The regular expressions of :func:`sniff`, compiled when an XML file is first looked
    at: checking ``.twl`` files needs none of them (they are ~0.7 ms of start-up)."""
    return (
        re.compile(rb"[ \t\r\n]+|<\?.*?\?>|<!--.*?-->", re.S),  # white space, declaration, PIs, comments
        re.compile(  # a DOCTYPE declaration
            rb"""<!DOCTYPE(?:"[^"]*"|'[^']*'|[^"'\[>])*(?:\[(?:"[^"]*"|'[^']*'|<!--.*?-->|[^"'\]])*\][ \t\r\n]*)?>""",
            re.S | re.I,
        ),
        re.compile(rb"[^<]+|<\?.*?\?>|<!--.*?-->|<!\[CDATA\[.*?\]\]>", re.S),  # what may precede a first child
        re.compile(rb"""<([A-Za-z_:\x80-\xff][^\s/>"'=<]*)((?:"[^"]*"|'[^']*'|[^"'<>])*)(>)?"""),  # a start tag
        re.compile(rb"<[A-Za-z_:\x80-\xff]"),  # where a start tag may be
        re.compile(rb"""\sxmlns\s*=\s*(?:"([^"]*)"|'([^']*)')"""),  # a default namespace
    )


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
    from .vocabulary import KINDS

    return frozenset(tag for kind in KINDS for tag in TWILIO.vocabulary(kind).root.children)


@cache
def _plain_start() -> re.Pattern[bytes]:
    """The start nearly every TwiML file has: an XML declaration (or none), white space, and
    ``<Response>`` with no attributes; what :func:`sniff` would find, told by one match
    (compiled when an XML file is first looked at, as :func:`_patterns`)."""
    return re.compile(rb"(?:<\?xml[^>]*\?>)?[ \t\r\n]*<Response>")


def sniff(data: bytes) -> tuple[bool | None, str]:
    """Whether ``data`` is TwiML, from a look at its start, and, when it is not, what it is
    instead ("an empty file", "the root element is <beans>"). ``None``: the start does not
    tell (then the parsed tree does, see :func:`is_twiml_root`).

    TwiML is a root element without an XML namespace that is ``Response``, or whose first
    child is a TwiML verb (``<Reply><Say>…``, ``<Responses><Say>…``), or that is a
    misspelling of ``Response`` with nothing in it (``<Responses/>``). A misspelt root with
    other children or text (a Java fixture's ``<response><status>ok</status></response>``)
    is some other format's, and is skipped."""
    if _plain_start().match(data):
        return True, ""
    return look(data)


def look(data: bytes) -> tuple[bool | None, str]:
    """:func:`sniff`'s verdict, by a look at every part of the start."""
    _MISC, _DOCTYPE_DECL, _CONTENT, _TAG, _ANY_TAG, _DEFAULT_NS = _patterns()
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
    if name == "Response":
        return True, ""
    misspelt = near_response(name)
    what = f"the root element is <{name}>"
    if tag.group(3) is None:  # the start tag does not end in view
        return (None, "") if tag.end() >= len(head) and not whole else (False, what)
    if tag.group(2).rstrip().endswith(b"/"):
        return misspelt, "" if misspelt else what
    pos = tag.end()
    text = False
    while m := _CONTENT.match(head, pos):
        pos = m.end()
        text = text or _is_text(m.group())
    child = _TAG.match(head, pos)
    if child is None:
        if pos >= len(head) and not whole:
            return None, ""
        empty = misspelt and not text and head.startswith(b"</", pos)
        return (True, "") if empty else (False, what)
    return (True, "") if child.group(1).decode("utf-8", "replace") in twiml_verbs() else (False, what)


def _is_text(content: bytes) -> bool:
    """Whether a piece of content before the root's first child is text (not white space,
    a comment or a processing instruction)."""
    if content.startswith(b"<![CDATA["):
        return len(content) > len(b"<![CDATA[]]>")
    return not content.startswith(b"<") and bool(content.strip(b" \t\r\n"))


def is_twiml_root(root: etree._Element) -> bool:
    """:func:`sniff`'s rule on a parsed tree."""
    if not isinstance(root.tag, str):
        return False
    if root.tag.startswith("{"):
        return False  # a namespace
    if root.tag == "Response":
        return True
    first = next((c for c in root if isinstance(c.tag, str)), None)
    if first is None:  # empty (comments aside): a misspelt <Response> with nothing in it
        text = str(root.text or "") + "".join(str(c.tail or "") for c in root)
        return near_response(root.tag) and not text.strip(" \t\r\n")
    return first.tag in twiml_verbs()


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
