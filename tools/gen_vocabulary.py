"""Generate ``twimlc/vocabulary.json`` from the shared TwiML reference.

The reference (``../shared/reference/twiml-elements.json``) holds what twilio-python 9.13
builds and the value types twilio-csharp declares. This script turns it into the one table
twimlc runs on: keywords, attribute types (with ranges and list separators we curate here),
children, text, and control-flow facts. Run it after the reference changes::

    python tools/gen_vocabulary.py [path/to/twiml-elements.json]

``tests/test_vocabulary.py`` fails when the committed table differs from a fresh run.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "reference" / "twiml-elements.json"
OUTPUT = ROOT / "twimlc" / "vocabulary.json"
OVERLAY = ROOT / "tools" / "vocabulary-overlay.json"
DOCS = "https://www.twilio.com/docs/"

# Enums this long are lists of voices and locales that Twilio extends all the time:
# any other value is accepted with a warning (TWL221) naming the nearest known one.
OPEN_ENUM_THRESHOLD = 40

# Keywords that kebab-casing would spell badly.
KEYWORD_OVERRIDES = {"WhatsApp": "whatsapp"}

# Curated value facts the reference states only in prose (twiml-spec.md §6 and the
# per-element tables). Keyed by (tag, attribute); merged over the generated type.
OVERRIDES: dict[tuple[str, str], dict[str, Any]] = {
    ("break", "time"): {"type": "duration"},
    ("Say", "loop"): {"min": 0},
    ("Play", "loop"): {"min": 0},
    ("Play", "digits"): {"type": "dtmf"},
    ("Pause", "length"): {"min": 1},
    ("Gather", "timeout"): {"min": 1},
    ("Gather", "numDigits"): {"min": 1},
    ("Gather", "maxSpeechTime"): {"min": 1},
    ("Gather", "hints"): {"separator": ","},
    ("Record", "maxLength"): {"min": 1, "max": 14400},
    ("Record", "timeout"): {"min": 0},
    ("Dial", "timeout"): {"min": 1, "max": 600},
    ("Dial", "timeLimit"): {"min": 1, "max": 86400},
    ("Number", "sendDigits"): {"type": "dtmf"},
    ("Conference", "maxParticipants"): {"min": 2, "max": 250},
    ("Enqueue", "maxQueueSize"): {"min": 1, "max": 5000},
    ("Pay", "maxAttempts"): {"min": 1},
    ("Pay", "timeout"): {"min": 1},
    ("Pay", "minPostalCodeLength"): {"min": 0},
    # <Message> addresses (twiml-spec.md, <Message>; Twilio's docs: messaging/twiml/message):
    # `to` a phone number, a channel address (whatsapp:, messenger:, rcs:) or a Wireless SIM
    # SID; `from` also a short code or an alphanumeric sender ID. twimlc/resolve.py checks them.
    ("Message", "to"): {"type": "recipient"},
    ("Message", "from"): {"type": "sender"},
}
# Values Twilio's docs use that twilio-csharp's enums lack.
EXTRA_VALUES: dict[tuple[str, str], list[str]] = {
    # <Pay> ACH prompts (docs: voice/pay/prompt, full-example-ach)
    ("Prompt", "errorType"): ["invalid-bank-routing-number", "invalid-bank-account-number"],
    # legacy spellings still accepted: true = record-from-answer, false = do-not-record
    ("Dial", "record"): ["true", "false"],
}
for _tag in ("Number", "Sip"):
    OVERRIDES[(_tag, "machineDetectionTimeout")] = {"min": 3, "max": 60}
    OVERRIDES[(_tag, "machineDetectionSpeechThreshold")] = {"min": 1000, "max": 6000}
    OVERRIDES[(_tag, "machineDetectionSpeechEndThreshold")] = {"min": 500, "max": 5000}
    OVERRIDES[(_tag, "machineDetectionSilenceTimeout")] = {"min": 2000, "max": 10000}

# What follows a verb (twiml-spec.md §5): "always" = nothing after it runs;
# "action" = nothing after it runs when it has an action attribute. Not <Record>: an empty
# recording continues with the next verb, and Twilio's voicemail samples rely on it.
ENDS = {
    "voice": {
        "Hangup": "always",
        "Reject": "always",
        "Redirect": "always",
        "Leave": "always",
        "Dial": "action",
    },
    "messaging": {"Redirect": "always"},
    "fax": {},
}


# Text the builders require but Twilio does not: an empty <Redirect/> requests the current
# document again (Twilio's docs sample voice/queueing/redirect does exactly this).
TEXT_OPTIONAL = {"Redirect"}


def keyword(tag: str) -> str:
    if tag in KEYWORD_OVERRIDES:
        return KEYWORD_OVERRIDES[tag]
    if tag[:1].islower():  # SSML tags are already what people write
        return tag
    return re.sub(r"(?<!^)(?=[A-Z])", "-", tag).lower()


def value_type(tag: str, name: str, raw: dict[str, Any] | None) -> dict[str, Any]:
    t: dict[str, Any]
    kind = raw["type"] if raw else "string"
    if kind == "http_method":
        t = {"type": "enum", "values": ["GET", "POST"]}
    elif kind == "enum":
        values = list(raw["enum"]) if raw else []
        t = {"type": "enum", "values": values}
        if len(values) > OPEN_ENUM_THRESHOLD:
            t["open"] = True
    elif kind == "phone_number":
        t = {"type": "phone"}
    elif kind in ("int", "bool", "url", "string"):
        t = {"type": kind}
    else:
        raise SystemExit(f"unknown type {kind!r} for {tag}@{name}")
    if raw and raw.get("list"):
        t["separator"] = " "
    t.update(OVERRIDES.get((tag, name), {}))
    if (tag, name) in EXTRA_VALUES:
        t["values"] = t["values"] + EXTRA_VALUES[(tag, name)]
    return t


def url_roles(overlay: dict[str, Any]) -> dict[str, str]:
    """``Tag@attribute`` / ``Tag#text`` (``*`` for any tag) → flow, callback, media or stream."""
    return {slot: role for role, slots in overlay["url_roles"].items() for slot in slots}


def role_of(roles: dict[str, str], tag: str, slot: str, used: set[str]) -> str | None:
    for key in (f"{tag}{slot}", f"*{slot}"):
        if key in roles:
            used.add(key)
            return roles[key]
    return None


def element(
    tag: str, spec: dict[str, Any], roles: dict[str, str] | None = None, used: set[str] | None = None
) -> dict[str, Any]:
    types = spec.get("attribute_types", {})
    roles = roles if roles is not None else {}
    used = used if used is not None else set()
    attributes = {}
    for a in spec["attributes"]:
        t = value_type(tag, a, types.get(a))
        role = role_of(roles, tag, "@" + a, used)
        if role:
            t["role"] = role
        doc = spec.get("attribute_docs", {}).get(a)
        if doc:
            t["description"] = doc
        attributes[a] = t
    out: dict[str, Any] = {
        "keyword": keyword(tag),
        "attributes": attributes,
        "children": list(spec["children"]),
        "text": bool(spec["text"]),
        "text_required": bool(spec["text_required"]) and tag not in TEXT_OPTIONAL,
        "parents": list(spec.get("parents", [])),
    }
    text_role = role_of(roles, tag, "#text", used) if spec["text"] else None
    if text_role:
        out["text_role"] = text_role
    variants = {parent: element(tag, v, roles, used) for parent, v in spec.get("by_parent", {}).items()}
    for v in variants.values():
        v.pop("parents")
    if variants:
        out["by_parent"] = variants
    return out


def generate(source: Path) -> dict[str, Any]:
    ref = json.loads(source.read_text(encoding="utf-8"))
    overlay = json.loads(OVERLAY.read_text(encoding="utf-8"))
    roles = url_roles(overlay)
    used: set[str] = set()
    kinds: dict[str, Any] = {}
    for kind in ("voice", "messaging", "fax"):
        elements = {tag: element(tag, spec, roles, used) for tag, spec in ref[kind].items()}
        for tag, ends in ENDS[kind].items():
            elements[tag]["ends"] = ends
        described = overlay["elements"][kind]
        for tag, e in elements.items():
            if tag not in described:
                raise SystemExit(f"tools/vocabulary-overlay.json: no description for {kind} <{tag}>")
            e["description"], page = described[tag]
            e["docs"] = DOCS + page
        stale = set(described) - set(elements)
        if stale:
            raise SystemExit(f"tools/vocabulary-overlay.json: {kind} elements that no longer exist: {sorted(stale)}")
        kinds[kind] = dict(sorted(elements.items()))
    unused = set(roles) - used
    if unused:
        raise SystemExit(f"tools/vocabulary-overlay.json: URL roles that match nothing: {sorted(unused)}")
    return {
        "_generated_by": "tools/gen_vocabulary.py from twiml-elements.json "
        + "("
        + ref["_meta"]["source"].split(",")[0]
        + ")",
        "kinds": kinds,
    }


def render(source: Path) -> str:
    return json.dumps(generate(source), indent=1, ensure_ascii=False, sort_keys=False) + "\n"


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else DEFAULT_SOURCE
    OUTPUT.write_text(render(source), encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
