"""Semantic rules beyond what the vocabulary table and an XSD can say.

Each rule is a small generator that yields diagnostics for one concern (jsonschema's
style); :func:`validate` runs them all. Where a rule mirrors a Twilio error code, the
message names it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence

from .ast import Document, Element, walk
from .diagnostics import CODES, Diagnostic, diag
from .values import (
    SOCKET_TAGS,
    URL_TEXT,
    finish_on_key_problem,
    is_url_attribute,
    number_problem,
    speech_timeout_problem,
    transcription_problem,
    url_problem,
)
from .vocabulary import vocabulary

MAX_DOCUMENT_BYTES = 64 * 1024  # 11750
MAX_READ_BYTES = 10 * 1024 * 1024  # what twimlc reads at all: a bound on memory, far above Twilio's limit
MAX_INLINE_CHARS = 4000  # Calls API `Twiml` parameter, 32018
MAX_SAY_CHARS = 4096  # 13521
MAX_BODY_CHARS = 1600  # 14103 / 21617
MAX_MESSAGES = 10  # 14109
MAX_NUMBERS = 10
MAX_MEDIA = 10  # 21623

Rule = Callable[[Document, list[Element], str], Iterator[Diagnostic]]


def _ends(doc: Document, e: Element) -> str | None:
    if e.raw:
        return None
    spec = vocabulary(doc.kind).elements.get(e.tag)
    if spec is None or spec.ends is None:
        return None
    if spec.ends == "always":
        return f"<{e.tag}>"
    if e.attribute("action") is not None:
        return f"<{e.tag}> with an action"
    return None


def unreachable(doc: Document, elements: list[Element], path: str) -> Iterator[Diagnostic]:
    """Verbs after Hangup, Reject, Redirect, Leave, or a Dial with action, never run. Not
    after a Record: an empty recording continues with the next verb (twiml-spec.md §5)."""
    ender: str | None = None
    for e in doc.elements:
        if ender is not None:
            yield diag(
                "TWL401",
                f"<{e.tag}> is never reached: nothing after {ender} runs",
                e.span,
                "remove it, or move it before",
                path,
            )
            return
        ender = _ends(doc, e)


def reject_first(doc: Document, elements: list[Element], path: str) -> Iterator[Diagnostic]:
    """<Reject> after other verbs: the call is already answered (and billed)."""
    for i, e in enumerate(doc.elements):
        if e.tag == "Reject" and i > 0 and doc.kind == "voice":
            yield diag(
                "TWL402",
                "<Reject> after other verbs: the call is already answered and billed",
                e.span,
                "put <Reject> first to refuse the call without answering it, or use <Hangup>",
                path,
            )


def _too_many(items: list[Element], limit: int, code: str, message: str, path: str) -> Iterator[Diagnostic]:
    """``message`` (with {n}) at the first item past ``limit``."""
    if len(items) > limit:
        yield diag(code, message.format(n=len(items)), items[limit].span, None, path)


def dial_nouns(doc: Document, elements: list[Element], path: str) -> Iterator[Diagnostic]:
    for e in elements:
        if e.tag != "Dial":
            continue
        numbers = [c for c in e.elements if c.tag == "Number"]
        yield from _too_many(
            numbers,
            MAX_NUMBERS,
            "TWL310",
            f"<Dial> has {{n}} <Number> nouns; Twilio dials at most {MAX_NUMBERS} at once",
            path,
        )
        conferences = [c for c in e.elements if c.tag == "Conference"]
        if conferences and numbers:
            yield diag(
                "TWL311",
                "<Conference> cannot be mixed with <Number> in one <Dial>; Twilio reports 13000",
                conferences[0].span,
                "dial the numbers in a separate <Dial>",
                path,
            )
        yield from _too_many(conferences, 1, "TWL311", "a <Dial> holds one <Conference>", path)


def missing_content(e: Element, parent: str) -> tuple[str, str, str] | None:
    """(code, message, hint) when ``e`` (inside a ``parent`` tag) is empty where Twilio needs
    something: a <Play> with no URL and no digits, a <Dial> with nothing to dial, a <Stream>
    or <ConversationRelay> with no url (a <Stream> inside <Stop> names the stream to stop
    instead). Raw (``!name``) attributes and children count: they are unchecked, not absent.
    An empty <Redirect/> is valid: it requests the current document again."""
    if e.tag == "Play":
        digits = e.attribute("digits")
        if not e.text.strip() and not (digits is not None and digits.rendered()):
            return ("TWL303", "<Play> has nothing to play", "give it the URL of an audio file, or digits to play")
    elif e.tag == "Dial":
        if not e.text.strip() and not e.elements:
            return (
                "TWL303",
                "<Dial> has nothing to dial",
                "give it a number, or nouns such as <Number>, <Client>, <Sip> or <Conference>",
            )
    elif e.tag in SOCKET_TAGS and not (e.tag == "Stream" and parent == "Stop"):
        url = e.attribute("url")
        if url is None or not url.rendered().strip():
            return ("TWL313", f"<{e.tag}> needs a url", "the wss:// address of your WebSocket server")
    return None


def needs_content(doc: Document, elements: list[Element], path: str) -> Iterator[Diagnostic]:
    """Elements that cannot be empty (see :func:`missing_content`)."""
    parents = {id(c): e.tag for e in walk(doc.body) for c in e.elements}
    for e in elements:
        found = missing_content(e, parents.get(id(e), "Response"))
        if found:
            yield diag(found[0], found[1], e.span, found[2], path)


def limits(doc: Document, elements: list[Element], path: str) -> Iterator[Diagnostic]:
    messages = [e for e in doc.elements if e.tag == "Message"]
    yield from _too_many(
        messages,
        MAX_MESSAGES,
        "TWL504",
        f"{{n}} <Message> verbs; Twilio sends at most {MAX_MESSAGES} per reply (14109)",
        path,
    )
    for e in elements:
        if e.tag == "Say":
            n = len(_all_text(e))
            if n > MAX_SAY_CHARS:
                yield diag(
                    "TWL502",
                    f"<Say> text is {n:,} characters; Twilio's limit is {MAX_SAY_CHARS:,} (13521)",
                    e.span,
                    "split it into several <Say> verbs",
                    path,
                )
        elif e.tag == "Message":
            body = e.text + "".join(c.text for c in e.elements if c.tag == "Body")
            if len(body) > MAX_BODY_CHARS:
                yield diag(
                    "TWL503",
                    f"message body is {len(body):,} characters; Twilio's limit is {MAX_BODY_CHARS:,} (14103)",
                    e.span,
                    "split it into several messages",
                    path,
                )
            media = [c for c in e.elements if c.tag == "Media"]
            yield from _too_many(
                media, MAX_MEDIA, "TWL505", f"{{n}} <Media> in one message; Twilio's limit is {MAX_MEDIA} (21623)", path
            )


def _all_text(e: Element) -> str:
    return e.text + "".join(_all_text(c) for c in e.elements)


def phone_numbers(doc: Document, elements: list[Element], path: str) -> Iterator[Diagnostic]:
    """<Number>, <Dial> text and callerId: E.164 expected (13224), and a possible number."""
    for e in elements:
        values: list[tuple[str, str]] = []
        if e.tag in ("Number", "Dial") and e.text.strip():
            values.append((f"<{e.tag}>", e.text.strip()))
        caller = e.attribute("callerId") if e.tag == "Dial" else None
        if caller is not None and not caller.raw and isinstance(caller.value, str):
            values.append(("callerId", caller.value))
        for what, number in values:
            found = number_problem(number)
            if found:
                code, message = found
                hint = "write + country code and number, e.g. +14155550100" if code == "TWL213" else None
                yield diag(code, f"{what} {message}", e.span, hint, path)


def urls(doc: Document, elements: list[Element], path: str) -> Iterator[Diagnostic]:
    """Absolute URLs use http(s) and name a host (11100); a stream's WebSocket URL uses wss
    (31922)."""
    v = vocabulary(doc.kind)
    for e in elements:
        spec = v.elements[e.tag]
        sockets = e.tag in SOCKET_TAGS
        checks: list[tuple[str, str]] = []
        if e.tag in URL_TEXT and e.text:
            checks.append((f"<{e.tag}>", e.text.strip()))
        for a in e.attributes:
            if not a.raw and isinstance(a.value, str) and is_url_attribute(spec, a.name):
                checks.append((a.name, a.value))
        for what, url in checks:
            if "{{" in url:
                continue  # a template parameter: checked when rendered
            problem = url_problem(url, sockets)
            if problem and sockets:
                yield diag(
                    "TWL205",
                    f"{what}: {url!r} is not a WebSocket URL Twilio can use: {problem}; Twilio reports 31922",
                    e.span,
                    "Twilio connects to your server over wss:// only",
                    path,
                )
            elif problem:
                yield diag(
                    "TWL205", f"{what}: {url!r} is not a valid URL: {problem}; Twilio reports 11100", e.span, None, path
                )


def _value(e: Element, name: str) -> str | None:
    a = e.attribute(name)
    return a.value if a is not None and isinstance(a.value, str) else None


def attribute_values(doc: Document, elements: list[Element], path: str) -> Iterator[Diagnostic]:
    """Values whose rules depend on the element or on other attributes. Twilio logs these
    as warnings and ignores the attribute, so they are warnings here too."""
    for e in elements:
        key = e.attribute("finishOnKey")
        if key is not None and isinstance(key.value, str):
            problem = finish_on_key_problem(e.tag, key.value)
            if problem:
                yield diag("TWL215", problem, key.span, None, path)
        st = e.attribute("speechTimeout") if e.tag == "Gather" else None
        if st is not None and isinstance(st.value, str):
            found = speech_timeout_problem(st.value, e.attribute("speechModel") is not None)
            if found:
                yield diag("TWL216", found[0], st.span, found[1], path)
        if e.tag == "Record":
            problem = transcription_problem(_value(e, "transcribe"), _value(e, "maxLength"))
            if problem:
                m = e.attribute("maxLength")
                yield diag("TWL217", problem, m.span if m else e.span, None, path)


RULES: tuple[Rule, ...] = (
    unreachable,
    reject_first,
    dial_nouns,
    needs_content,
    limits,
    phone_numbers,
    urls,
    attribute_values,
)
# Rules that report something missing: not run on an element where reading the document
# already found an error that left something out (a bad value, an unknown keyword in its
# block), since that is most likely the very thing that would be reported missing.
_MISSING_RULES = {needs_content}
# Reading errors that leave the element whole: in the wrong place, an attribute given
# twice, a character XML cannot carry, a second positional value (the first is kept).
_KEEPS = {"TWL301", "TWL104", "TWL210", "TWL304"}

# Syntax errors: the parser skipped the statement in error (and its block), from that line on.
_SYNTAX_CODES = {"TWL001", "TWL002", "TWL003", "TWL004"}
# Reading errors that belong to an element's start tag: in XML a start tag may run over
# several lines, past the span of its name.
_ATTRIBUTE_CODES = {"TWL103", "TWL104"} | {c for c in CODES if c.startswith("TWL2")}


def validate(doc: Document, path: str = "<string>", reported: Sequence[Diagnostic] = ()) -> list[Diagnostic]:
    """Every rule's findings. Rules get the document and its elements (raw ``!Tag`` ones
    left out: they are unchecked by definition), walked once. ``reported`` are the
    diagnostics reading the document gave (the rules run on a document with errors too, so
    that one run reports every problem); they keep the rules from reporting the same
    problem twice."""
    everything = walk(doc.body)
    elements = [e for e in everything if not e.raw]
    damaged = _damaged(everything, [d for d in reported if d.is_error and d.code not in _KEEPS])
    whole = [e for e in elements if id(e) not in damaged]
    out: list[Diagnostic] = []
    for rule in RULES:
        out.extend(rule(doc, whole if rule in _MISSING_RULES else elements, path))
    return out


def _damaged(elements: list[Element], errors: list[Diagnostic]) -> set[int]:
    """The ids of the elements ``errors`` are about: the innermost element whose span holds
    an error (for a syntax error, whose lines hold its line: the parser skipped the rest of
    the statement there); for an attribute's error outside every span (an XML start tag
    over several lines), the last element that starts before it. Spans nest, so the
    innermost holder is the last element starting before the error or one of its ancestors."""
    if not errors:
        return set()
    parent = {id(c): e for e in elements for c in e.elements}
    order = sorted(elements, key=lambda e: (e.span.line, e.span.column))
    starts = [(e.span.line, e.span.column) for e in order]
    out: set[int] = set()
    for d in errors:
        at = (d.span.line, d.span.column)
        i = bisect_right(starts, at) - 1
        if i < 0:
            continue
        e: Element | None = order[i]
        while e is not None and not (
            d.span.line <= e.span.end_line if d.code in _SYNTAX_CODES else at < (e.span.end_line, e.span.end_column)
        ):
            e = parent.get(id(e))
        if e is None and d.code in _ATTRIBUTE_CODES:
            e = order[i]
        if e is not None:
            out.add(id(e))
    return out


def size_limits(xml: str, path: str, inline: bool) -> list[Diagnostic]:
    """Limits on the generated document as a whole."""
    from .ast import Span

    out = []
    size = len(xml.encode("utf-8"))
    if size > MAX_DOCUMENT_BYTES:
        out.append(
            diag(
                "TWL501",
                f"the document is {size:,} bytes; Twilio refuses replies over 64 kB (11750)",
                Span(1, 1, 1, 2),
                None,
                path,
            )
        )
    if inline and len(xml) > MAX_INLINE_CHARS:
        out.append(
            diag(
                "TWL506",
                f"the document is {len(xml):,} characters; inline TwiML in the Calls API is limited to {MAX_INLINE_CHARS:,} (32018)",
                Span(1, 1, 1, 2),
                "host it and pass its URL (Url) instead",
                path,
            )
        )
    return out
