"""Dialects: what one provider's TwiML is, as data.

A :class:`Dialect` bundles the vocabulary of each kind of document (voice, messaging,
fax), the provider's limits, the schemas published for it and the provider's own error
codes for what twimlc reports. Every phase takes the dialect it checks against (default
:data:`TWILIO`) and a :class:`~twimlc.ast.Document` records it; no module reaches for a
global table. Adding a provider is a vocabulary file, a :class:`Limits`, a code table and
a test — not edits across modules.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from .record import Record
from .vocabulary import KINDS, Vocabulary, load_vocabulary, suggest


class Limits(Record):
    """The provider's limits twimlc enforces (each with the provider's code in ``codes``).
    Immutable by convention (see :mod:`twimlc.record`)."""

    __slots__ = (
        "assumed",
        "body_chars",
        "document_bytes",
        "inline_chars",
        "media",
        "messages",
        "numbers",
        "queue_name_chars",
        "record_seconds",
        "say_chars",
    )
    _fields = (
        "document_bytes",
        "inline_chars",
        "say_chars",
        "body_chars",
        "messages",
        "numbers",
        "media",
        "queue_name_chars",
        "record_seconds",
        "assumed",
    )

    document_bytes: int  # a reply document
    inline_chars: int  # TwiML sent inline to the Calls API
    say_chars: int  # text of one <Say>
    body_chars: int  # one message body
    messages: int  # <Message> verbs in one reply
    numbers: int  # <Number> nouns in one <Dial>
    media: int  # <Media> in one message
    queue_name_chars: int  # the name of an <Enqueue> or <Dial><Queue>
    # <Record maxLength> on an account with the default maximum call duration (4 h); an
    # account set to 24 h takes up to the table's maximum (Twilio: 86,400): a warning
    record_seconds: int
    # the limits above that are Twilio's figure, kept for a provider that publishes none of
    # its own: messages say so ("Twilio's limit, assumed for SignalWire cXML")
    assumed: frozenset[str]

    def __init__(
        self,
        document_bytes: int = 64 * 1024,
        inline_chars: int = 4000,
        say_chars: int = 4096,
        body_chars: int = 1600,
        messages: int = 10,
        numbers: int = 10,
        media: int = 10,
        queue_name_chars: int = 64,
        record_seconds: int = 14400,
        assumed: frozenset[str] = frozenset(),
    ) -> None:
        self.document_bytes = document_bytes
        self.inline_chars = inline_chars
        self.say_chars = say_chars
        self.body_chars = body_chars
        self.messages = messages
        self.numbers = numbers
        self.media = media
        self.queue_name_chars = queue_name_chars
        self.record_seconds = record_seconds
        self.assumed = assumed

    def as_dict(self) -> dict[str, object]:
        """Every limit by name (as ``dataclasses.asdict`` gave them)."""
        return {f: getattr(self, f) for f in self._fields}


# every limit of :class:`Limits`, for a provider none of whose figures are known
ALL_LIMITS = frozenset(
    {
        "document_bytes",
        "inline_chars",
        "say_chars",
        "body_chars",
        "messages",
        "numbers",
        "media",
        "queue_name_chars",
        "record_seconds",
    }
)


# how messages say that a limit is Twilio's, kept for a provider that publishes none
# ("Twilio's limit, assumed for SignalWire cXML")
ASSUMED = "assumed for"

# twimlc's own bounds, not a provider's: what it reads at all, and how deep it nests.
MAX_READ_BYTES = 10 * 1024 * 1024
MAX_NESTING = 64


class Dialect(Record):
    """A provider's TwiML: vocabulary per kind, limits, schemas, error codes. Immutable by
    convention (see :mod:`twimlc.record`): ``dialect.replace(limits=…)`` derives another."""

    __slots__ = ("_vocabularies", "codes", "limits", "name", "schema_prefix", "title", "unserved", "vocabulary_file")
    _fields = ("name", "title", "vocabulary_file", "schema_prefix", "limits", "codes", "unserved")

    name: str  # "twilio": what --target and `twiml voice target=…` say
    title: str  # "Twilio": how messages name the provider
    vocabulary_file: str  # in the package, e.g. "vocabulary.json"
    schema_prefix: str  # schemas/<prefix>-<kind>.xsd
    limits: Limits
    # the provider's error code for a twimlc code ("TWL502"), or for a finer situation
    # ("TWL301/Gather": an element not allowed inside <Gather>)
    codes: Mapping[str, str]
    # kinds of document the provider's language is not documented to serve, each with why
    # and the source (TWL806): Telnyx TeXML is a voice language
    unserved: Mapping[str, str]

    def __init__(
        self,
        name: str,
        title: str,
        vocabulary_file: str,
        schema_prefix: str,
        limits: Limits | None = None,
        codes: Mapping[str, str] | None = None,
        unserved: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.title = title
        self.vocabulary_file = vocabulary_file
        self.schema_prefix = schema_prefix
        self.limits = Limits() if limits is None else limits
        self.codes = MappingProxyType({}) if codes is None else codes
        self.unserved = MappingProxyType({}) if unserved is None else unserved
        self._vocabularies: dict[str, Vocabulary] = {}  # loaded on first use, per kind

    def vocabulary(self, kind: str) -> Vocabulary:
        """The vocabulary of one kind of document (loaded once)."""
        cache = self._vocabularies
        if kind not in cache:
            cache[kind] = load_vocabulary(self.vocabulary_file, kind)
        return cache[kind]

    def whose_limit(self, limit: str) -> str:
        """Whose figure a limit of :class:`Limits` is, as messages say it: "Telnyx TeXML's
        limit", or "Twilio's limit, assumed for Telnyx TeXML," when it is Twilio's, kept."""
        if limit in self.limits.assumed:
            return f"Twilio's limit, {ASSUMED} {self.title},"
        return f"{self.title}'s limit"

    def limit_holder(self, limit: str) -> str:
        """Who a limit is known to be of: the provider, or Twilio when it is assumed."""
        return "Twilio" if limit in self.limits.assumed else self.title

    def assumed_note(self, limit: str) -> str:
        """ " (Twilio's limit, assumed for SignalWire cXML)" after a sentence with
        :meth:`limit_holder`, when the limit is Twilio's, kept; else nothing."""
        return f" (Twilio's limit, {ASSUMED} {self.title})" if limit in self.limits.assumed else ""

    def code(self, twl: str, situation: str | None = None) -> str | None:
        """The provider's error code for ``twl``; in ``situation`` (an element's tag), when
        it differs there. ``None`` when the provider has none."""
        if situation is not None and f"{twl}/{situation}" in self.codes:
            return self.codes[f"{twl}/{situation}"] or None
        return self.codes.get(twl) or None

    def kinds_with_keyword(self, keyword: str) -> list[str]:
        return [k for k in KINDS if keyword in self.vocabulary(k).by_keyword]

    def kinds_with_tag(self, tag: str) -> list[str]:
        return [k for k in KINDS if tag in self.vocabulary(k).elements and tag != "Response"]

    def infer_kind(self, tags: Iterable[str]) -> tuple[str, int | None]:
        """The kind of a document from its top-level element tags, in order: the kind of
        the first that belongs to one kind only (``Redirect`` fits all), else voice; and
        the index of that tag (``None`` when nothing decided it). The one place kind is
        inferred, for .twl and XML alike."""
        for index, tag in enumerate(tags):
            # only a verb that can stand at the top level says the kind (Telnyx's voice
            # <Message>, inside <AIGather>'s history, does not make a reply messaging)
            kinds = [k for k in self.kinds_with_tag(tag) if tag in self.vocabulary(k).root.children]
            if len(kinds) == 1:
                return kinds[0], index
        return "voice", None

    def tag_of_keyword(self, keyword: str) -> str | None:
        """The tag a ``.twl`` keyword names, in whichever kind of document has it."""
        for kind in KINDS:
            spec = self.vocabulary(kind).by_keyword.get(keyword)
            if spec is not None:
                return spec.tag
        return None

    def schema_path(self, kind: str) -> str:
        """The published XSD of one kind, inside the package."""
        from importlib.util import find_spec

        spec = find_spec("twimlc.schemas")
        assert spec is not None and spec.submodule_search_locations
        return os.path.join(next(iter(spec.submodule_search_locations)), f"{self.schema_prefix}-{kind}.xsd")


# Twilio's codes for what twimlc reports (twiml-spec.md section 7; Twilio's error dictionary).
TWILIO_CODES = MappingProxyType(
    {
        "TWL006": "12100",  # document parse failure
        "TWL312": "12102",  # root element must be Response
        "TWL101": "12200",  # schema validation warning
        "TWL103": "12200",
        "TWL301": "12200",
        "TWL301/Gather": "13320",  # Gather: invalid nested verb
        "TWL306": "12200",
        "TWL303/Say": "13520",  # Say: empty text
        "TWL303/Message": "21619",  # a message needs a body or media
        "TWL303/Enqueue": "14204",  # Enqueue: queue name too short
        "TWL314/Enqueue": "14205",  # Enqueue: queue name too long
        "TWL314/Queue": "14213",  # Dial->Queue: queue name too long
        "TWL208/Number": "13222",  # Dial->Number: invalid sendDigits
        "TWL208/Play": "13430",  # Play: invalid DTMF string
        "TWL205": "11100",  # invalid URL format
        "TWL205/Stream": "31922",  # stream: the WebSocket URL is not wss://
        "TWL205/ConversationRelay": "31922",
        "TWL213": "",  # a number not in E.164: Twilio reads it as the sender's country's
        "TWL213/Number": "13224",  # Dial: invalid phone number
        "TWL213/Dial": "13224",
        "TWL222": "30015",  # unknown messaging channel prefix
        "TWL215": "13311",  # Gather/Record: invalid finishOnKey
        "TWL216": "13327",  # Gather: invalid speechTimeout
        "TWL217": "13615",  # Record: transcription needs maxLength <= 120
        "TWL311": "13000",  # Dial: Conference mixed with other nouns
        "TWL501": "11750",  # response body too large
        "TWL502": "13521",  # Say: text too long
        "TWL503": "14103",  # Message: body too long
        "TWL504": "14109",  # too many Message verbs
        "TWL505": "21623",  # too many media
        "TWL506": "32018",  # Calls API: inline TwiML too long
    }
)

TWILIO = Dialect("twilio", "Twilio", "vocabulary.json", "twiml", Limits(), TWILIO_CODES)

# SignalWire cXML and Telnyx TeXML: Twilio's table with each provider's differences
# (tools/dialects/<name>.json, every fact with its source; tools/gen_dialects.py writes the
# tables and schemas). Neither publishes error codes for what twimlc reports, nor limits
# other than Twilio's, as far as the overlays' sources go: Twilio's limits are kept and no
# provider code is named (the overlays' "unverified" lists say so).
# (tools/dialects/*.json "unverified": "Limits ...: no ... figures found; Twilio's kept")
SIGNALWIRE = Dialect("signalwire", "SignalWire cXML", "vocabulary-signalwire.json", "cxml", Limits(assumed=ALL_LIMITS))
TELNYX = Dialect(
    "telnyx",
    "Telnyx TeXML",
    "vocabulary-telnyx.json",
    "texml",
    Limits(assumed=ALL_LIMITS, record_seconds=14400),
    unserved=MappingProxyType(
        {
            # tools/dialects/telnyx.json "unverified": the compatibility page covers voice only
            "messaging": "TeXML is Telnyx's voice language: its documentation (Programmable Voice) and its "
            "TwiML compatibility table have no messaging verbs; Telnyx messages are handled through its "
            "Messaging API (source: https://developers.telnyx.com/docs/voice/programmable-voice/"
            "texml-twiml-compatibility)",
        }
    ),
)

DIALECTS: dict[str, Dialect] = {d.name: d for d in (TWILIO, SIGNALWIRE, TELNYX)}


def dialect_named(name: str) -> Dialect | None:
    """The dialect ``--target``, ``--provider``, ``target=``, ``[tool.twimlc] target``,
    ``TWIMLC_PROVIDER`` or a library call names: the one place a provider's name is read,
    in any case (``Telnyx``, ``TWILIO``) and without surrounding white space."""
    return DIALECTS.get(name.strip().lower())


_TEXTLESS: dict[str, bool] = {}


def takes_no_text(tag: str) -> bool:
    """Whether ``tag`` is an element of some provider's TwiML that none lets hold text
    (``<Gather>``, ``<Dial>`` with nouns): white space alone inside it is layout, as XML
    Schema reads element-only content. False for unknown tags and for ``<Response>``."""
    found = _TEXTLESS.get(tag)
    if found is None:
        specs = [d.vocabulary(k).elements[tag] for d in DIALECTS.values() for k in d.kinds_with_tag(tag)]
        found = _TEXTLESS[tag] = bool(specs) and not any(s.text for s in specs)
    return found


def unknown_name(name: str, what: str = "provider") -> str:
    """Why ``name`` names no dialect, with the nearest name ("did you mean 'telnyx'?") and
    every name, for every place that reads one."""
    return f"unknown {what} {name!r}{did_you_mean(name)} ({what}s: {', '.join(DIALECTS)})"


def did_you_mean(name: str) -> str:
    """``"; did you mean 'telnyx'?"`` for a misspelt provider name, else ``""``."""
    near = suggest(name.strip(), tuple(DIALECTS))
    return f"; did you mean {near!r}?" if near else ""
