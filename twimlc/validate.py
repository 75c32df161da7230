"""Semantic rules beyond what the vocabulary table and an XSD can say.

Each rule is a small generator that yields diagnostics for one concern (jsonschema's
style), declared as a :class:`Rule` together with the XPath that selects, in a
schema-valid TwiML XML document, everything it could flag, and the same selection as
Python predicates on lxml elements (its ``picks``): the XML fast path
(:func:`twimlc.xmlread.fast_clean`) walks each tree once and asks every rule's picks, so a
clean document is never turned into syntax nodes, and a new rule cannot forget its
selection. ``tests/test_picks.py`` proves each rule's picks select exactly what its XPath
selects.
:func:`validate` runs them all. Limits and the provider's error codes come from the
document's dialect (``doc.dialect``), never from constants here.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence

from .ast import Document, Element, Span, Text, walk
from .diagnostics import CODES, Diagnostic, diag
from .dialect import Dialect, Limits
from .record import Record
from .values import (
    SOCKET_TAGS,
    URL_TEXT,
    XML_SPACE,
    attr_local_name,
    direct_text,
    finish_on_key_problem,
    is_blank,
    is_url_attribute,
    message_length,
    number_problem,
    speech_timeout_problem,
    transcription_problem,
    url_problem,
)
from .vocabulary import Vocabulary

TYPE_CHECKING = False  # typing's, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any

    Check = Callable[[Document, list[Element]], Iterator[Diagnostic]]
    # For the fast path: whether an element the selection found could really be flagged
    # (``el`` is an lxml element of a schema-valid document; no lxml import needed here),
    # against the dialect's limits.
    Suspect = Callable[[Any, Vocabulary, Limits], bool]
    # The same selection as the XPath, in Python: for an element's tag (``"*"``: any element),
    # whether the XPath selects that lxml element. An element is picked when the predicate for
    # its tag or the one for ``"*"`` says so.
    Pick = Callable[[Any], bool]
    Picks = Callable[[Dialect, Vocabulary], Mapping[str, Pick]]


class Rule(Record):
    """One semantic rule and where it looks.

    ``select(dialect, vocabulary)`` is an XPath 1.0 union of every element the rule could
    flag in a schema-valid document (a superset); ``picks(dialect, vocabulary)`` is that
    selection as Python predicates by tag (what the fast path runs: one walk of the tree
    asks every rule, where an XPath call per rule costs more than the walk; the two are
    proved to agree by ``tests/test_picks.py``); ``suspect`` narrows a selected element
    down in Python when XPath cannot say (is this number really not E.164?). With no
    ``suspect``, any selected element sends the document down the full path.
    ``whole_only``: the rule reports something missing, so it skips elements that reading
    already found damaged (that is most likely the very thing missing), unless all that
    reading left out is attributes the content cannot come from (see
    :data:`CONTENT_ATTRIBUTES`). On a typed document, :func:`validate` gives ``check`` only
    the elements of the tags its picks name (all of them when one is ``"*"``): a rule
    looks at no element its selection could not pick."""

    __slots__ = ("check", "picks", "select", "suspect", "whole_only")
    _fields = ("check", "select", "suspect", "whole_only", "picks")

    check: Check
    select: Callable[[Dialect, Vocabulary], str]
    suspect: Suspect | None
    whole_only: bool
    picks: Picks

    def __init__(
        self,
        check: Check,
        select: Callable[[Dialect, Vocabulary], str],
        suspect: Suspect | None = None,
        whole_only: bool = False,
        *,
        picks: Picks,
    ) -> None:
        self.check = check
        self.select = select
        self.suspect = suspect
        self.whole_only = whole_only
        self.picks = picks


def _code(doc: Document, twl: str, e: Element) -> str:
    """The provider's code for ``twl`` at element ``e`` ("" when it has none)."""
    return doc.dialect.code(twl, e.tag) or ""


def _ends(doc: Document, e: Element) -> str | None:
    if e.raw:
        return None
    spec = doc.dialect.vocabulary(doc.kind).elements.get(e.tag)
    if spec is None or spec.ends is None:
        return None
    if spec.ends == "always":
        return f"<{e.tag}>"
    if e.attribute("action") is not None:
        return f"<{e.tag}> with an action"
    return None


def unreachable(doc: Document, elements: list[Element]) -> Iterator[Diagnostic]:
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
            )
            return
        ender = _ends(doc, e)


def _select_unreachable(dialect: Dialect, vocab: Vocabulary) -> str:
    """Derived from the vocabulary's ``ends``: what a top-level verb that ends the document
    is followed by."""
    ends = []
    for tag, spec in sorted(vocab.elements.items()):
        if spec.ends == "always":
            ends.append(f"self::{tag}")
        elif spec.ends == "action":
            ends.append(f"(self::{tag} and @action)")
    return f"/Response/*[{' or '.join(ends)}][following-sibling::*]" if ends else ""


def reject_first(doc: Document, elements: list[Element]) -> Iterator[Diagnostic]:
    """<Reject> after other verbs: the call is already answered (and billed)."""
    for i, e in enumerate(doc.elements):
        if e.tag == "Reject" and i > 0 and doc.kind == "voice":
            yield diag(
                "TWL402",
                "<Reject> after other verbs: the call is already answered and billed",
                e.span,
                "put <Reject> first to refuse the call without answering it, or use <Hangup>",
            )


def _too_many(items: list[Element], limit: int, code: str, message: str, provider: str) -> Iterator[Diagnostic]:
    """``message`` (with {n}) at the first item past ``limit``."""
    if len(items) > limit:
        yield diag(code, message.format(n=len(items)), items[limit].span, provider_code=provider)


def dial_nouns(doc: Document, elements: list[Element]) -> Iterator[Diagnostic]:
    limits = doc.dialect.limits
    for e in elements:
        if e.tag != "Dial":
            continue
        numbers = [c for c in e.elements if c.tag == "Number"]
        yield from _too_many(
            numbers,
            limits.numbers,
            "TWL310",
            f"<Dial> has {{n}} <Number> nouns; {doc.dialect.limit_holder('numbers')} dials at most "
            f"{limits.numbers} at once{doc.dialect.assumed_note('numbers')}",
            _code(doc, "TWL310", e),
        )
        conferences = [c for c in e.elements if c.tag == "Conference"]
        if conferences and numbers:
            yield diag(
                "TWL311",
                "<Conference> cannot be mixed with <Number> in one <Dial>",
                conferences[0].span,
                "dial the numbers in a separate <Dial>",
                provider_code=_code(doc, "TWL311", e),
            )
        yield from _too_many(conferences, 1, "TWL311", "a <Dial> holds one <Conference>", _code(doc, "TWL311", e))


# The attribute an element's content can come from besides its text and children (the one
# missing_content reads): an element that lost any other attribute is still judged.
CONTENT_ATTRIBUTES = {"Play": "digits", "Enqueue": "workflowSid", "Stream": "url", "ConversationRelay": "url"}


def missing_content(e: Element, parent: str) -> tuple[str, str, str] | None:
    """(code, message, hint) when ``e`` (inside a ``parent`` tag) is empty where Twilio needs
    something: a <Play> with no URL and no digits, a <Dial> with nothing to dial, a <Stream>
    or <ConversationRelay> with no url (a <Stream> inside <Stop> names the stream to stop
    instead), a <Say> with neither text nor SSML (13520), a <Message> with neither a body
    nor media (21619), an <Enqueue> with neither a queue name nor a workflowSid (14204).
    Raw (``!name``) attributes and children count: they are unchecked, not absent. An empty
    <Redirect/> is valid: it requests the current document again. Blank is XML's white
    space, as XPath's normalize-space() in the fast path's selection sees it."""
    if e.tag == "Say":
        if is_blank(e.text) and not e.elements:
            return ("TWL303", "<Say> has nothing to say", "give it text to speak, or SSML such as a break")
    elif e.tag == "Message":
        if is_blank(e.text) and not e.elements:
            return ("TWL303", "<Message> has nothing to send", "give it a body, or media to send")
    elif e.tag == "Enqueue":
        sid = e.attribute("workflowSid")
        if is_blank(e.text) and (sid is None or is_blank(sid.rendered())):
            return (
                "TWL303",
                "<Enqueue> names no queue",
                "give it the queue's name, or a TaskRouter workflowSid",
            )
    elif e.tag == "Play":
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


def needs_content(doc: Document, elements: list[Element]) -> Iterator[Diagnostic]:
    """Elements that cannot be empty (see :func:`missing_content`)."""
    parents: dict[int, str] | None = None  # only a <Stream> asks (inside <Stop> it needs no url)
    for e in elements:
        if e.tag == "Stream" and parents is None:
            parents = {id(c): p.tag for p in walk(doc.body) for c in p.elements}
        found = missing_content(e, parents.get(id(e), "Response") if parents is not None else "Response")
        if found:
            yield diag(found[0], found[1], e.span, found[2], provider_code=_code(doc, found[0], e))


def queue_names(doc: Document, elements: list[Element]) -> Iterator[Diagnostic]:
    """The name of an <Enqueue> or a <Dial><Queue>: at most the dialect's
    ``queue_name_chars`` (Twilio's 14205 and 14213: 64)."""
    limit = doc.dialect.limits.queue_name_chars
    for e in elements:
        if e.tag in ("Enqueue", "Queue"):
            n = len(e.text.strip(XML_SPACE))
            if n > limit:
                yield diag(
                    "TWL314",
                    f"the queue name is {n} characters; {doc.dialect.whose_limit('queue_name_chars')} is {limit}",
                    e.span,
                    f"name the queue in {limit} characters or fewer",
                    provider_code=_code(doc, "TWL314", e),
                )


def _suspect_queue(el: Any, vocab: Vocabulary, limits: Limits) -> bool:
    return len(direct_text(el).strip(XML_SPACE)) > limits.queue_name_chars


def limits(doc: Document, elements: list[Element]) -> Iterator[Diagnostic]:
    limit, title = doc.dialect.limits, doc.dialect.title
    messages = [e for e in doc.elements if e.tag == "Message"]
    code = doc.dialect.code("TWL504") or ""
    yield from _too_many(
        messages,
        limit.messages,
        "TWL504",
        f"{{n}} <Message> verbs; {doc.dialect.limit_holder('messages')} sends at most {limit.messages} per reply"
        + doc.dialect.assumed_note("messages"),
        code,
    )
    for e in elements:
        if e.tag == "Say":
            n = _text_length(e)
            if n > limit.say_chars:
                yield diag(
                    "TWL502",
                    f"<Say> text is {n:,} characters; {doc.dialect.whose_limit('say_chars')} is {limit.say_chars:,}",
                    e.span,
                    "split it into several <Say> verbs",
                )
        elif e.tag == "Message":
            body = _body(e.text, [c.text for c in e.elements if c.tag == "Body"])
            n = message_length(body)
            if n > limit.body_chars:
                counted = f" (as {title} counts them: an emoji is two)" if n != len(body) else ""
                yield diag(
                    "TWL503",
                    f"message body is {n:,} characters{counted}; {doc.dialect.whose_limit('body_chars')} is "
                    f"{limit.body_chars:,}",
                    e.span,
                    "split it into several messages",
                )
            media = [c for c in e.elements if c.tag == "Media"]
            yield from _too_many(
                media,
                limit.media,
                "TWL505",
                f"{{n}} <Media> in one message; {doc.dialect.whose_limit('media')} is {limit.media}",
                _code(doc, "TWL505", e),
            )


def unserved_kind(doc: Document, elements: list[Element]) -> Iterator[Diagnostic]:
    """TWL806: a kind of document the provider's language is not documented to serve
    (messaging under Telnyx TeXML), at the header or the first verb."""
    why = doc.dialect.unserved.get(doc.kind)
    if why is None:
        return
    first = doc.elements[0].span if doc.elements else doc.span
    span = Span(doc.header_line, 1, doc.header_line, len("twiml") + 1) if doc.header_line else first
    yield diag(
        "TWL806",
        f"{doc.dialect.title} may not serve a {doc.kind} document: {doc.dialect.title} is documented for voice",
        span,
        why,
    )


def account_limits(doc: Document, elements: list[Element]) -> Iterator[Diagnostic]:
    """TWL806: <Record maxLength> over what an account with the default maximum call
    duration takes (Twilio: 14,400 s), within what one set to 24 hours takes."""
    limit = doc.dialect.limits.record_seconds
    for e in elements:
        a = e.attribute("maxLength") if e.tag == "Record" else None
        seconds = a.value if a is not None and not a.raw and isinstance(a.value, str) else ""
        record = doc.dialect.vocabulary(doc.kind).elements.get(e.tag) if a is not None else None
        spec = record.attributes.get("maxLength") if record is not None else None
        most = spec.max if spec is not None and spec.max is not None else limit
        if seconds.isdigit() and limit < int(seconds) <= most:
            yield diag(
                "TWL806",
                f"maxLength: {int(seconds):,} is over {limit:,} seconds (4 hours), "
                f"{doc.dialect.whose_limit('record_seconds')} unless the account's maximum call duration "
                f"is set to 24 hours (then up to {most:,})",
                e.span if a is None else a.span,
                f"check the account's voice settings, or record at most {limit:,} seconds",
            )


def _text_length(e: Element) -> int:
    """The length of all text in ``e``, its descendants' included."""
    n = 0
    for c in e.children:
        if isinstance(c, Text):
            n += len(c.value)
        elif isinstance(c, Element):
            n += _text_length(c)
    return n


def _body(text: str, bodies: list[str]) -> str:
    """A message's body: its text and its <Body> children's."""
    return text + "".join(bodies)


def _suspect_limit(el: Any, vocab: Vocabulary, limits: Limits) -> bool:
    """A <Message> selected because its text could be over the limit in UTF-16 code units
    (XPath counts code points): is it? Anything else the selection found is."""
    if el.tag != "Message":
        return True
    bodies = [direct_text(c) for c in el if c.tag == "Body"]
    media = sum(1 for c in el if c.tag == "Media")
    return message_length(_body(direct_text(el), bodies)) > limits.body_chars or media > limits.media


def phone_numbers(doc: Document, elements: list[Element]) -> Iterator[Diagnostic]:
    """<Number>, <Dial> text and callerId: E.164 expected, and a possible number."""
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
                yield diag(code, f"{what} {message}", e.span, hint, provider_code=_code(doc, code, e))


def _suspect_number(el: Any, vocab: Vocabulary, limits: Limits) -> bool:
    text = direct_text(el).strip()
    return bool((text and number_problem(text)) or number_problem(str(el.get("callerId") or "")))


def urls(doc: Document, elements: list[Element]) -> Iterator[Diagnostic]:
    """Absolute URLs use http(s) and name a host; a stream's WebSocket URL uses wss."""
    v = doc.dialect.vocabulary(doc.kind)
    url_names: dict[str, frozenset[str]] = {}  # by tag: its URL attributes
    for e in elements:
        names = url_names.get(e.tag)
        if names is None:
            spec = v.elements[e.tag]
            names = url_names[e.tag] = frozenset(n for n in spec.attributes if is_url_attribute(spec, n))
        sockets = e.tag in SOCKET_TAGS
        checks: list[tuple[str, str]] = []
        if e.tag in URL_TEXT and e.text:
            checks.append((f"<{e.tag}>", e.text.strip()))
        for a in e.attributes:
            if a.name in names and not a.raw and isinstance(a.value, str):
                checks.append((a.name, a.value))
        for what, url in checks:
            if "{{" in url:
                continue  # a template parameter: checked when rendered
            problem = url_problem(url, sockets)
            if problem and sockets:
                yield diag(
                    "TWL205",
                    f"{what}: {url!r} is not a WebSocket URL {doc.dialect.title} can use: {problem}",
                    e.span,
                    f"{doc.dialect.title} connects to your server over wss:// only",
                    provider_code=_code(doc, "TWL205", e),
                )
            elif problem:
                yield diag(
                    "TWL205",
                    f"{what}: {url!r} is not a valid URL: {problem}",
                    e.span,
                    provider_code=_code(doc, "TWL205", e),
                )


def _suspect_url(el: Any, vocab: Vocabulary, limits: Limits) -> bool:
    tag = str(el.tag)
    spec = vocab.elements.get(tag)
    sockets = tag in SOCKET_TAGS
    if tag in URL_TEXT and el.text and url_problem(el.text.strip(), sockets):
        return True
    return spec is not None and any(
        is_url_attribute(spec, attr_local_name(str(name))) and url_problem(str(value), sockets)
        for name, value in el.attrib.items()
    )


def _value(e: Element, name: str) -> str | None:
    a = e.attribute(name)
    return a.value if a is not None and isinstance(a.value, str) else None


def attribute_values(doc: Document, elements: list[Element]) -> Iterator[Diagnostic]:
    """Values whose rules depend on the element or on other attributes. Twilio logs these
    as warnings and ignores the attribute, so they are warnings here too."""
    for e in elements:
        key = e.attribute("finishOnKey")
        if key is not None and isinstance(key.value, str):
            problem = finish_on_key_problem(e.tag, key.value)
            if problem:
                yield diag("TWL215", problem, key.span)
        st = e.attribute("speechTimeout") if e.tag == "Gather" else None
        if st is not None and isinstance(st.value, str):
            found = speech_timeout_problem(st.value, e.attribute("speechModel") is not None)
            if found:
                yield diag("TWL216", found[0], st.span, found[1])
        if e.tag == "Record":
            problem = transcription_problem(_value(e, "transcribe"), _value(e, "maxLength"))
            if problem:
                m = e.attribute("maxLength")
                yield diag("TWL217", problem, m.span if m else e.span)


def _suspect_value(el: Any, vocab: Vocabulary, limits: Limits) -> bool:
    key = el.get("finishOnKey")
    if key is not None and finish_on_key_problem(str(el.tag), str(key)):
        return True
    return (el.tag == "Gather" and el.get("speechTimeout") is not None) or (
        el.tag == "Record" and el.get("transcribe") == "true"
    )


def _fixed(xpath: str) -> Callable[[Dialect, Vocabulary], str]:
    return lambda dialect, vocab: xpath


def _limited(xpath: str) -> Callable[[Dialect, Vocabulary], str]:
    """An XPath with the dialect's limits filled in (``{say_chars}``…)."""
    return lambda dialect, vocab: xpath.format(**dialect.limits.as_dict())


# --- the selections in Python, on lxml elements (duck-typed: validate.py never imports
# lxml), each helper named after the XPath it stands for ---------------------------------


def _string(el: Any) -> str:
    """``string(.)``: the element's text and all its descendants' (not comments')."""
    return str(el.text or "") if len(el) == 0 else "".join(el.itertext())


# (loops rather than any() over a generator: these run for every element of every file)


def _count(el: Any, tag: str) -> int:
    """``count(tag)``: the children named ``tag``."""
    n = 0
    for c in el:
        if c.tag == tag:
            n += 1
    return n


def _any_child(el: Any) -> bool:
    """``*``: whether the element has an element child (not a comment)."""
    for c in el:
        if isinstance(c.tag, str):
            return True
    return False


def _blank_attribute(el: Any, name: str) -> bool:
    """``not(normalize-space(@name))``: the attribute is missing, empty or white space."""
    return is_blank(str(el.get(name) or ""))


def _on_top(el: Any) -> bool:
    """``/Response/*``: a child of the document's root element, ``<Response>``."""
    parent = el.getparent()
    return parent is not None and parent.tag == "Response" and parent.getparent() is None


def _element_after(el: Any) -> bool:
    """``following-sibling::*``."""
    for s in el.itersiblings():
        if isinstance(s.tag, str):
            return True
    return False


def _element_before(el: Any) -> bool:
    """``preceding-sibling::*``."""
    for s in el.itersiblings(preceding=True):
        if isinstance(s.tag, str):
            return True
    return False


def _always(el: Any) -> bool:
    return True


_XPATH_NUMBER = re.compile(r"\s*-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*")


def _xpath_number(value: str | None) -> float:
    """XPath 1.0's ``number()``: NaN (never greater) for anything but a decimal."""
    return float(value) if value is not None and _XPATH_NUMBER.fullmatch(value) else float("nan")


def _pick_unreachable(dialect: Dialect, vocab: Vocabulary) -> dict[str, Pick]:
    """:func:`_select_unreachable` in Python."""

    def ends(el: Any) -> bool:
        return _on_top(el) and _element_after(el)

    def ends_with_action(el: Any) -> bool:
        return el.get("action") is not None and ends(el)

    picks: dict[str, Pick] = {}
    for tag, spec in vocab.elements.items():
        if spec.ends == "always":
            picks[tag] = ends
        elif spec.ends == "action":
            picks[tag] = ends_with_action
    return picks


def _pick_dial_nouns(dialect: Dialect, vocab: Vocabulary) -> dict[str, Pick]:
    most = dialect.limits.numbers

    def dial(el: Any) -> bool:
        numbers, conferences = _count(el, "Number"), _count(el, "Conference")
        return numbers > most or (conferences > 0 and numbers > 0) or conferences > 1

    return {"Dial": dial}


def _pick_needs_content(dialect: Dialect, vocab: Vocabulary) -> dict[str, Pick]:
    def empty(el: Any) -> bool:  # not(*) and not(normalize-space())
        return not _any_child(el) and is_blank(_string(el))

    def enqueue(el: Any) -> bool:  # not(text()[normalize-space()]): every text node blank
        return (
            is_blank(str(el.text or ""))
            and all(is_blank(str(c.tail or "")) for c in el)
            and _blank_attribute(el, "workflowSid")
        )

    def stream(el: Any) -> bool:
        parent = el.getparent()
        return _blank_attribute(el, "url") and not (parent is not None and parent.tag == "Stop")

    return {
        "Play": lambda el: is_blank(_string(el)) and not el.get("digits"),
        "Dial": empty,
        "Stream": stream,
        "ConversationRelay": lambda el: _blank_attribute(el, "url"),
        "Say": empty,
        "Message": empty,
        "Enqueue": enqueue,
    }


def _pick_queue_names(dialect: Dialect, vocab: Vocabulary) -> dict[str, Pick]:
    most = dialect.limits.queue_name_chars

    def too_long(el: Any) -> bool:
        return len(_string(el)) > most

    return {"Enqueue": too_long, "Queue": too_long}


def _pick_limits(dialect: Dialect, vocab: Vocabulary) -> dict[str, Pick]:
    limit = dialect.limits
    return {
        "Response": lambda el: el.getparent() is None and _count(el, "Message") > limit.messages,
        "Say": lambda el: len(_string(el)) > limit.say_chars,
        "Message": lambda el: len(_string(el)) * 2 > limit.body_chars or _count(el, "Media") > limit.media,
    }


def _absolute_url_attribute(el: Any) -> bool:
    """``@*[contains(., ':') or starts-with(., '//')]``."""
    for v in el.values():
        if ":" in v or v.startswith("//"):
            return True
    return False


def _pick_urls(dialect: Dialect, vocab: Vocabulary) -> dict[str, Pick]:
    return {
        "*": _absolute_url_attribute,
        **dict.fromkeys(("Play", "Redirect", "Media", "Stream", "ConversationRelay"), _always),
    }


def _pick_attribute_values(dialect: Dialect, vocab: Vocabulary) -> dict[str, Pick]:
    return {
        "*": lambda el: el.get("finishOnKey") is not None,
        "Gather": lambda el: el.get("speechTimeout") is not None,
        "Record": lambda el: el.get("transcribe") == "true",
    }


RULES: tuple[Rule, ...] = (
    Rule(unreachable, _select_unreachable, picks=_pick_unreachable),
    Rule(
        reject_first,
        _fixed("/Response/Reject[preceding-sibling::*]"),
        picks=lambda dialect, vocab: {"Reject": lambda el: _on_top(el) and _element_before(el)},
    ),
    Rule(
        dial_nouns,
        _limited("//Dial[count(Number) > {numbers} or (Conference and Number) or count(Conference) > 1]"),
        picks=_pick_dial_nouns,
    ),
    Rule(
        needs_content,
        _fixed(
            "//Play[not(normalize-space()) and not(string(@digits))] | //Dial[not(*) and not(normalize-space())]"
            " | //Stream[not(normalize-space(@url)) and not(parent::Stop)]"
            " | //ConversationRelay[not(normalize-space(@url))]"
            " | //Say[not(*) and not(normalize-space())] | //Message[not(*) and not(normalize-space())]"
            " | //Enqueue[not(text()[normalize-space()]) and not(normalize-space(@workflowSid))]"
        ),
        whole_only=True,
        picks=_pick_needs_content,
    ),
    Rule(
        queue_names,
        _limited("//Enqueue[string-length(.) > {queue_name_chars}] | //Queue[string-length(.) > {queue_name_chars}]"),
        _suspect_queue,
        picks=_pick_queue_names,
    ),
    Rule(
        limits,
        # a message body in UTF-16 code units is at most twice its length in code points
        _limited(
            "/Response[count(Message) > {messages}] | //Say[string-length(.) > {say_chars}]"
            " | //Message[string-length(.) * 2 > {body_chars} or count(Media) > {media}]"
        ),
        _suspect_limit,
        picks=_pick_limits,
    ),
    Rule(
        phone_numbers,
        _fixed("//Number | //Dial"),
        _suspect_number,
        picks=lambda dialect, vocab: {"Number": _always, "Dial": _always},
    ),
    Rule(
        unserved_kind,
        lambda dialect, vocab: "/Response" if vocab.kind in dialect.unserved else "",
        picks=lambda dialect, vocab: (
            {"Response": lambda el: el.getparent() is None} if vocab.kind in dialect.unserved else {}
        ),
    ),
    Rule(
        account_limits,
        _limited("//Record[@maxLength > {record_seconds}]"),
        picks=lambda dialect, vocab: {
            "Record": lambda el: _xpath_number(el.get("maxLength")) > dialect.limits.record_seconds
        },
    ),
    Rule(
        urls,
        # absolute and scheme-relative URLs (the XSD refuses white space in URL-typed
        # attributes), URL text, stream URLs
        _fixed(
            "//*[@*[contains(., ':') or starts-with(., '//')]] | //Play | //Redirect | //Media | //Stream"
            " | //ConversationRelay"
        ),
        _suspect_url,
        picks=_pick_urls,
    ),
    Rule(
        attribute_values,
        _fixed("//*[@finishOnKey] | //Gather[@speechTimeout] | //Record[@transcribe = 'true']"),
        _suspect_value,
        picks=_pick_attribute_values,
    ),
)

# Reading errors that leave the element whole: in the wrong place, an attribute given
# twice, a character XML cannot carry, a second positional value (the first is kept).
_KEEPS = {"TWL301", "TWL104", "TWL210", "TWL304"}

# Syntax errors: the parser skipped the statement in error (and its block), from that line on.
_SYNTAX_CODES = {"TWL001", "TWL002", "TWL003", "TWL004"}
# Reading errors that belong to an element's start tag: in XML a start tag may run over
# several lines, past the span of its name.
_ATTRIBUTE_CODES = {"TWL103", "TWL104"} | {c for c in CODES if c.startswith("TWL2")}


def validate(doc: Document, reported: Sequence[Diagnostic] = ()) -> list[Diagnostic]:
    """Every rule's findings, checked against ``doc.dialect``. Rules get the document and
    its elements (raw ``!Tag`` ones left out: they are unchecked by definition), walked
    once. ``reported`` are the diagnostics reading the document gave (the rules run on a
    document with errors too, so that one run reports every problem); they keep the rules
    from reporting the same problem twice."""
    everything = walk(doc.body)
    elements = [e for e in everything if not e.raw]
    damaged = _damaged(everything, [d for d in reported if d.is_error and d.code not in _KEEPS])
    whole = [e for e in elements if id(e) not in damaged] if damaged else elements
    out: list[Diagnostic] = []
    for rule, tags in zip(RULES, _rule_tags(doc.dialect, doc.kind), strict=True):
        given = whole if rule.whole_only else elements
        if tags is not None:
            given = [e for e in given if e.tag in tags]
        out.extend(rule.check(doc, given))
    return out


# The tags of the elements each rule is given on a typed document (its picks' tags; None:
# any element), per dialect and kind, made once. Held with the dialect (so that its id is
# never reused) and the rules they were read from.
_RULE_TAGS: dict[tuple[int, str], tuple[Dialect, tuple[Rule, ...], tuple[frozenset[str] | None, ...]]] = {}


def _rule_tags(dialect: Dialect, kind: str) -> tuple[frozenset[str] | None, ...]:
    key = (id(dialect), kind)
    held = _RULE_TAGS.get(key)
    if held is None or held[0] is not dialect or held[1] is not RULES:
        vocab = dialect.vocabulary(kind)
        tags = []
        for rule in RULES:
            picked = rule.picks(dialect, vocab)
            tags.append(None if "*" in picked else frozenset(picked))
        held = _RULE_TAGS[key] = (dialect, RULES, tuple(tags))
    return held[2]


def _damaged(elements: list[Element], errors: list[Diagnostic]) -> set[int]:
    """The ids of the elements ``errors`` are about: the innermost element whose span holds
    an error (for a syntax error, whose lines hold its line: the parser skipped the rest of
    the statement there); for an attribute's error outside every span (an XML start tag
    over several lines), the last element that starts before it. Spans nest, so the
    innermost holder is the last element starting before the error or one of its ancestors.
    An error in an attribute other than the element's :data:`CONTENT_ATTRIBUTES` leaves it
    whole: a bad ``loop`` does not hide that a <Play> has nothing to play."""
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
        if e is not None and d.attribute in (None, CONTENT_ATTRIBUTES.get(e.tag)):
            out.add(id(e))
    return out


def size_limits(xml: str, dialect: Dialect, inline: bool) -> list[Diagnostic]:
    """Limits on the generated document as a whole."""
    limit: Limits = dialect.limits
    out = []
    size = len(xml.encode("utf-8"))
    if size > limit.document_bytes:
        out.append(
            diag(
                "TWL501",
                f"the document is {size:,} bytes; {dialect.limit_holder('document_bytes')} refuses replies over "
                f"{limit.document_bytes // 1024} kB{dialect.assumed_note('document_bytes')}",
                Span(1, 1, 1, 2),
            )
        )
    if inline and len(xml) > limit.inline_chars:
        out.append(
            diag(
                "TWL506",
                f"the document is {len(xml):,} characters; inline TwiML in the Calls API is limited to "
                f"{limit.inline_chars:,}{dialect.assumed_note('inline_chars')}",
                Span(1, 1, 1, 2),
                "host it and pass its URL (Url) instead",
            )
        )
    return out
