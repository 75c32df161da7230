"""Semantic rules beyond what the vocabulary table and an XSD can say.

Each rule is a small generator that yields diagnostics for one concern (jsonschema's
style); :func:`validate` runs them all. Where a rule mirrors a Twilio error code, the
message names it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .ast import Document, Element, walk
from .diagnostics import Diagnostic, diag
from .vocabulary import vocabulary

MAX_DOCUMENT_BYTES = 64 * 1024  # 11750
MAX_INLINE_CHARS = 4000  # Calls API `Twiml` parameter, 32018
MAX_SAY_CHARS = 4096  # 13521
MAX_BODY_CHARS = 1600  # 14103 / 21617
MAX_MESSAGES = 10  # 14109
MAX_NUMBERS = 10
MAX_MEDIA = 10  # 21623

Rule = Callable[[Document, str], Iterator[Diagnostic]]


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


def unreachable(doc: Document, path: str) -> Iterator[Diagnostic]:
    """Verbs after Hangup, Reject, Redirect, Leave, or a Dial/Record with action, never run."""
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


def reject_first(doc: Document, path: str) -> Iterator[Diagnostic]:
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


def dial_nouns(doc: Document, path: str) -> Iterator[Diagnostic]:
    for e in walk(doc.body):
        if e.tag != "Dial" or e.raw:
            continue
        numbers = [c for c in e.elements if c.tag == "Number"]
        if len(numbers) > MAX_NUMBERS:
            yield diag(
                "TWL310",
                f"<Dial> has {len(numbers)} <Number> nouns; Twilio dials at most {MAX_NUMBERS} at once",
                numbers[MAX_NUMBERS].span,
                None,
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
        if len(conferences) > 1:
            yield diag("TWL311", "a <Dial> holds one <Conference>", conferences[1].span, None, path)


def limits(doc: Document, path: str) -> Iterator[Diagnostic]:
    messages = [e for e in doc.elements if e.tag == "Message"]
    if len(messages) > MAX_MESSAGES:
        yield diag(
            "TWL504",
            f"{len(messages)} <Message> verbs; Twilio sends at most {MAX_MESSAGES} per reply (14109)",
            messages[MAX_MESSAGES].span,
            None,
            path,
        )
    for e in walk(doc.body):
        if e.raw:
            continue
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
            if len(media) > MAX_MEDIA:
                yield diag(
                    "TWL505",
                    f"{len(media)} <Media> in one message; Twilio's limit is {MAX_MEDIA} (21623)",
                    media[MAX_MEDIA].span,
                    None,
                    path,
                )


def _all_text(e: Element) -> str:
    return e.text + "".join(_all_text(c) for c in e.elements)


RULES: tuple[Rule, ...] = (unreachable, reject_first, dial_nouns, limits)


def validate(doc: Document, path: str = "<string>") -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for rule in RULES:
        out.extend(rule(doc, path))
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
