"""Values: whether a piece of text is a valid value of a TwiML type.

The leaf every other layer asks: the patterns (E.164, integers, XML names, message
addresses), :func:`value_problem` / :func:`check_value` for an attribute value of a
:class:`~twimlc.vocabulary.ValueType`, and the predicates for URLs, dialled numbers and
the attributes whose rules depend on the element (``finishOnKey``, ``speechTimeout``).
One function per check, one message: the resolver (written values), the rules, the XML
fast path and templates (rendered values) all call these.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from .diagnostics import CODES, ERROR
from .vocabulary import ElementSpec, ValueType, suggest

TYPE_CHECKING = False  # typing's, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any

# Patterns every part of twimlc checks values with.
E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
# A phone number in a national or formatted form ("(415) 555-1212", "07400 123456"):
# Twilio tries to read it, but expects E.164.
NATIONAL_NUMBER = re.compile(r"^\+?\(?[0-9][0-9 ().\-]*$")
# Message addresses (Twilio docs: messaging/twiml/message, glossary "Alphanumeric Sender ID",
# error 63007 for whatsapp:, error 21664 for rcs:, short codes of 5 or 6 digits).
CHANNEL_ADDRESS = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*):(.*)$", re.S)
MESSENGER_ID = re.compile(r"^[0-9]+$")
RCS_SENDER_ID = re.compile(r"^[A-Za-z0-9_.\-]+$")
SIM_SID = re.compile(r"^DE[0-9a-fA-F]{32}$")
SHORT_CODE = re.compile(r"^[0-9]{5,6}$")
ALPHANUMERIC_SENDER = re.compile(r"^(?=[^A-Za-z]*[A-Za-z])[A-Za-z0-9 ]{1,11}$")
INTEGER = re.compile(r"^[+-]?[0-9]+$")
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")  # XML 1.0 cannot carry these

# A valid XML name (an element or attribute), prefixed or not.
XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*(:[A-Za-z_][A-Za-z0-9_.\-]*)?$")
DURATION = re.compile(r"^[0-9]+(\.[0-9]+)?(ms|s)$")
DTMF = re.compile(r"^[0-9A-DwW#*]*$")  # <Play digits>
SEND_DIGITS = re.compile(r"^[0-9#*w]*$")  # <Number sendDigits>: Twilio's 13222 allows "0123456789*#w"
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
XML_SPACE = " \t\r\n"  # white space as XML (and XPath's normalize-space) sees it


def is_blank(text: str) -> bool:
    """Whether ``text`` is empty or only XML white space."""
    return not text.strip(XML_SPACE)


def message_length(body: str) -> int:
    """A message body's length as Twilio counts it against its 1,600-character limit
    (error 21617: "Emoji ... will be counted as multiple characters"): in UTF-16 code
    units, so a character outside the Basic Multilingual Plane (most emoji) is two."""
    return len(body) if body.isascii() else len(body.encode("utf-16-le")) // 2


# Value types checked by a pattern: (pattern, code, what is wrong, how to fix it).
_PATTERNS = {
    "phone": (
        E164,
        "TWL206",
        "is not an E.164 phone number",
        "write it as + country code and number, e.g. +14155550100",
    ),
    "duration": (DURATION, "TWL207", "is not a duration", "write a number followed by ms or s, e.g. 500ms"),
    "dtmf": (
        DTMF,
        "TWL208",
        "contains characters that are not DTMF digits",
        "use 0-9, A-D, *, # and w (half-second pause)",
    ),
    "senddigits": (
        SEND_DIGITS,
        "TWL208",
        "contains characters sendDigits does not take",
        "use 0-9, *, # and w (half-second pause); A-D and W are only for <Play digits>",
    ),
}


Problem = tuple[str, str, str | None]  # (code, message, hint)


def check_value(t: ValueType, text: str) -> Problem | None:
    """``None`` when ``text`` is a valid single value of type ``t``, else (code, message,
    hint) of the error. Values Twilio accepts with a warning count as valid here."""
    problem = value_problem(t, text)
    return problem if problem is not None and CODES[problem[0]].severity == ERROR else None


def value_problem(t: ValueType, text: str) -> Problem | None:
    """What is wrong with ``text`` as a single value of type ``t``: an error, a warning
    (a voice or language twimlc does not know, a phone number not in E.164), or ``None``."""
    check = _CHECKS.get(t.type)  # text ("string") has nothing to check
    return check(t, text) if check is not None else None


def _bool_problem(t: ValueType, text: str) -> Problem | None:
    if text not in ("true", "false"):
        hint = f"write {text.lower()}" if text.lower() in ("true", "false") else "write true or false"
        return ("TWL201", f"{text!r} is not a boolean", hint)
    return None


def _int_problem(t: ValueType, text: str) -> Problem | None:
    if not INTEGER.match(text):
        return ("TWL202", f"{text!r} is not an integer", None)
    n = int(text)
    if (t.min is not None and n < t.min) or (t.max is not None and n > t.max):
        return ("TWL203", f"{n} is out of range; expected {t.describe()}", None)
    return None


# Large lists of choices (900 voices) as sets, made once per list: a tuple is searched from
# its start. Keyed by the tuple's identity, which the entry keeps alive (and so unique).
_CHOICE_SETS: dict[int, tuple[tuple[str, ...], frozenset[str]]] = {}


def _is_choice(values: tuple[str, ...], text: str) -> bool:
    if len(values) < 16:
        return text in values
    entry = _CHOICE_SETS.get(id(values))
    if entry is None or entry[0] is not values:
        entry = _CHOICE_SETS[id(values)] = (values, frozenset(values))
    return text in entry[1]


def _enum_problem(t: ValueType, text: str) -> Problem | None:
    if _is_choice(t.values, text):
        return None
    if t.open:
        return _unknown_open_value(t, text)
    near = suggest(text, t.values)
    return (
        "TWL204",
        f"{text!r} is not one of the choices",
        f"did you mean {near!r}?" if near else f"expected {t.describe()}",
    )


def _url_value_problem(t: ValueType, text: str) -> Problem | None:
    problem = url_problem(text)
    if problem:
        spaces = "percent-encode spaces as %20" if problem.endswith("white space") else None
        return ("TWL205", f"{text!r} is not a valid URL: {problem}", spaces)
    return None


def _phone_value_problem(t: ValueType, text: str) -> Problem | None:
    if not E164.match(text) and NATIONAL_NUMBER.match(text):
        return _not_e164(text)  # a warning: Twilio reads it as a national number
    return _pattern_problem(t, text)


def _address_value_problem(t: ValueType, text: str) -> Problem | None:
    return _address_problem(text, sender=t.type == "sender")


def _pattern_problem(t: ValueType, text: str) -> Problem | None:
    pattern, code, what, hint = _PATTERNS[t.type]
    return None if pattern.match(text) else (code, f"{text!r} {what}", hint)


def _not_e164(text: str) -> Problem:
    return (
        "TWL213",
        f"{text!r} is not in E.164 format",
        "Twilio reads a number without + as one of the sender's country; write + country code and number, "
        "e.g. +14155550100",
    )


def _unknown_open_value(t: ValueType, text: str) -> Problem:
    """A voice or language outside the known list: Twilio adds them faster than any table,
    so this is a warning with the nearest known value."""
    near = suggest(text, t.values)
    hint: str | None
    if near:
        hint = f"did you mean {near!r}?"
    else:
        same_language = [v for v in t.values if v.lower().startswith(text.lower() + "-")]
        hint = (f"known for {text!r}: " + ", ".join(same_language[:8])) if same_language else None
    news = "if Twilio added it recently, ignore this warning"
    return (
        "TWL221",
        f"{text!r} is not one of the {len(t.values)} values twimlc knows",
        f"{hint} ({news})" if hint else news[0].upper() + news[1:],
    )


# Channel prefixes Twilio documents for message addresses: whatsapp:+E.164 (error 63007),
# messenger:<page or user id> (Twilio Messaging Channels), rcs:+E.164 to and rcs:<sender id>
# from (error 21664).
_CHANNELS = ("whatsapp", "messenger", "rcs")


def _address_problem(text: str, sender: bool) -> Problem | None:
    """A message's ``to`` (``sender`` False) or ``from``, as Twilio's docs for <Message>
    allow: a phone number, a Wireless SIM SID, a channel address, and for ``from`` also a
    short code or an alphanumeric sender ID (1 to 11 of A-Z a-z 0-9 and space, at least one
    letter)."""
    if E164.match(text) or SIM_SID.match(text) or (sender and SHORT_CODE.match(text)):
        return None
    channel = CHANNEL_ADDRESS.match(text)
    if channel:
        return _channel_problem(channel.group(1), channel.group(2), text, sender)
    if NATIONAL_NUMBER.match(text):
        return _not_e164(text)
    if sender and ALPHANUMERIC_SENDER.match(text):
        return None
    forms = "+14155550100, whatsapp:+14155550100, messenger:PAGE_ID, rcs:+14155550100"
    if sender and any(c.isalpha() for c in text):
        if len(text) > 11:
            why = "an alphanumeric sender ID has at most 11 characters"
        else:
            why = "an alphanumeric sender ID has only letters A-Z a-z, digits and spaces"
        return ("TWL220", f"{text!r} is not a valid sender: {why}", f"or write a number or address: {forms}")
    what = "sender" if sender else "recipient"
    return ("TWL220", f"{text!r} is not a phone number or a channel address ({what})", f"write one of: {forms}")


def _channel_problem(prefix: str, rest: str, text: str, sender: bool) -> Problem | None:
    if prefix not in _CHANNELS:
        known = ", ".join(c + ":" for c in _CHANNELS)
        near = next((c for c in _CHANNELS if c == prefix.lower()), None)
        hint = f"write {near}:{rest}" if near else f"Twilio's channel prefixes are {known}"
        return ("TWL222", f"{prefix + ':'!r} is not a messaging channel", hint)
    if prefix == "messenger":
        if MESSENGER_ID.match(rest):
            return None
        return ("TWL220", f"{text!r}: a Messenger address is messenger: and a numeric page or user ID", None)
    if E164.match(rest) or (prefix == "rcs" and sender and RCS_SENDER_ID.match(rest)):
        return None
    example = f"{prefix}:+14155550100"
    what = "an E.164 number or an RCS sender ID" if prefix == "rcs" and sender else "an E.164 number"
    return ("TWL220", f"{text!r}: a {prefix}: address is followed by {what}", f"e.g. {example}")


_CHECKS: dict[str, Callable[[ValueType, str], Problem | None]] = {
    "bool": _bool_problem,
    "int": _int_problem,
    "enum": _enum_problem,
    "url": _url_value_problem,
    "phone": _phone_value_problem,
    "recipient": _address_value_problem,
    "sender": _address_value_problem,
    **{name: _pattern_problem for name in _PATTERNS if name != "phone"},
}


_LOOKS_LIKE_NUMBER = re.compile(r"^[+0-9][0-9 ().\-]*$")


@lru_cache(maxsize=4096)  # a repository dials the same few numbers in many files
def _phone_problem(number: str) -> str | None:
    """Why an E.164-shaped number cannot exist (bad country code or length), else None."""
    import phonenumbers  # imported only when a document dials a number

    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException as e:
        return str(e)
    if not phonenumbers.is_possible_number(parsed):
        return "no country has numbers of this length with this country code"
    return None


def number_problem(number: str) -> tuple[str, str] | None:
    """(code, message) when a dialled number is not E.164 or cannot exist; None for a
    good number, a SIP address, a client name or a template parameter."""
    if "{{" in number or not _LOOKS_LIKE_NUMBER.match(number):
        return None
    if not E164.match(number):
        return ("TWL213", f"{number!r} is not in E.164 format; Twilio expects E.164")
    problem = _phone_problem(number)
    return ("TWL214", f"{number!r} is not a possible phone number: {problem}") if problem else None


URL_TEXT = {"Play", "Redirect", "Media"}
SOCKET_TAGS = {"Stream", "ConversationRelay"}
_WEB_SCHEMES = {"http", "https"}
_SOCKET_SCHEMES = {"wss"}


_SPACE = re.compile(r"\s")


@lru_cache(maxsize=4096)  # the same URLs recur across a repository's files
def url_problem(url: str, sockets: bool = False) -> str | None:
    """Why ``url`` is not a URL Twilio can use, or ``None``: the one judge of URLs, asked by
    the resolver (URL-typed attribute values), by the rule below (``<Play>`` text, stream
    URLs) and by templates when they render. A relative URL (or an empty one, as in
    ``waitUrl=""``) is resolved against the document's URL; an absolute one uses http(s),
    or where ``sockets`` (a WebSocket server's) wss, the only protocol Twilio supports
    there (31922), and names a host; no URL contains white space. A scheme-relative URL
    (``//host/path``) is absolute (Twilio resolves it to the document's scheme and that
    host) but writes no scheme: it is refused, so that a value such as a ``url``
    parameter cannot send the call to another host by looking like a path."""
    if _SPACE.search(url):
        return "it contains white space"
    if url.startswith("//"):
        return "a scheme-relative URL (//host/…) leads to another host; write its scheme (https://host/…)"
    if ":" not in url:
        return None  # relative: resolved against the document's URL
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
    except ValueError:  # urllib: "Invalid IPv6 URL"
        return "its host has an unmatched '[' or ']' (an IPv6 host is written in brackets: http://[::1]/)"
    if not parts.scheme:
        return None  # relative: resolved against the document's URL
    allowed = _SOCKET_SCHEMES if sockets else _WEB_SCHEMES
    if parts.scheme.lower() not in allowed:
        return f"scheme {parts.scheme!r} is not " + " or ".join(sorted(allowed))
    if not parts.netloc:
        return "an absolute URL needs a host (scheme://host/path)"
    return None


def absolute_url_problem(url: str) -> str | None:
    """Why ``url`` is not an absolute http(s) URL a request can be sent to (``dial --url``,
    ``simulate --url``, ``invoke``), or None: :func:`url_problem`'s judgement, and a scheme
    and host required."""
    problem = url_problem(url)
    if problem is None and not re.match(r"(?i)https?://[^/?#]", url):
        problem = "it is not an absolute http:// or https:// URL"
    return problem


def is_url_attribute(spec: ElementSpec, name: str) -> bool:
    t = spec.attributes.get(name)
    return t is not None and (t.type == "url" or (name == "url" and spec.tag in SOCKET_TAGS))


_GATHER_KEYS = re.compile(r"^[0-9#*]?$")
_RECORD_KEYS = re.compile(r"^[0-9#*]*$")


def finish_on_key_problem(tag: str, value: str) -> str | None:
    if "{{" in value or (_GATHER_KEYS if tag == "Gather" else _RECORD_KEYS).match(value):
        return None
    what = "one of 0-9, # or *, or empty" if tag == "Gather" else "any of 0-9, # and *"
    return f"finishOnKey {value!r} is not {what}"


def speech_timeout_problem(value: str, has_model: bool) -> tuple[str, str | None] | None:
    if "{{" in value:
        return None
    if value != "auto" and not (value.isdigit() and int(value) > 0):
        return (f"speechTimeout {value!r} is not 'auto' or a positive integer", None)
    if value == "auto" and has_model:
        return (
            "speechTimeout 'auto' cannot be used with a speechModel",
            "set speechTimeout to a number of seconds",
        )
    return None


def transcription_problem(transcribe: str | None, max_length: str | None) -> str | None:
    if transcribe == "true" and max_length is not None and max_length.isdigit() and int(max_length) > 120:
        return f"transcription needs maxLength ≤ 120; it is {max_length}"
    return None


# --- on lxml elements of a schema-valid document (the XML fast path's suspects) ----------

_XML_NAMESPACE = "{http://www.w3.org/XML/1998/namespace}"


def attr_local_name(name: str) -> str:
    """An lxml attribute name as TwiML writes it (``{…/XML/1998/namespace}lang`` is ``xml:lang``)."""
    return "xml:" + name[len(_XML_NAMESPACE) :] if name.startswith(_XML_NAMESPACE) else name


def direct_text(el: Any) -> str:
    """An lxml element's own text (not its children's), as the typed tree's ``Element.text``."""
    return str(el.text or "") + "".join(str(c.tail or "") for c in el)
