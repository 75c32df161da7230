"""Diagnostics, dialects, limits, the vocabulary's classes and rules are plain slotted
classes (twimlc/record.py), not dataclasses (whose import costs start-up): they keep the
behaviour they had as frozen dataclasses, and ``replace`` derives one from another."""

from __future__ import annotations

import copy
import pickle
import sys
from dataclasses import dataclass, field
from types import MappingProxyType

import pytest

from twimlc.ast import Span
from twimlc.diagnostics import CODES, Code, Diagnostic, diag
from twimlc.dialect import TWILIO, Dialect, Limits
from twimlc.validate import RULES, Rule
from twimlc.vocabulary import ElementSpec, ValueType, Vocabulary


@dataclass(frozen=True, slots=True)
class _FrozenDiagnostic:
    code: str
    message: str
    span: Span
    severity: str = "error"
    hint: str | None = None
    path: str = "<string>"
    fix: str | None = None
    provider_code: str | None = None
    provider: str | None = None
    attribute: str | None = field(default=None, compare=False)
    providers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _FrozenValueType:
    type: str
    values: tuple[str, ...] = ()
    open: bool = False
    min: int | None = None
    max: int | None = None
    separator: str | None = None
    role: str | None = None
    description: str = ""
    unsupported: str = ""


@dataclass(frozen=True, slots=True)
class _FrozenLimits:
    document_bytes: int = 64 * 1024
    inline_chars: int = 4000
    say_chars: int = 4096
    body_chars: int = 1600
    messages: int = 10
    numbers: int = 10
    media: int = 10
    queue_name_chars: int = 64
    record_seconds: int = 14400
    assumed: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _FrozenDialect:
    name: str
    title: str
    vocabulary_file: str
    schema_prefix: str
    limits: Limits = field(default_factory=Limits)
    codes: object = field(default_factory=lambda: MappingProxyType({}))
    unserved: object = field(default_factory=lambda: MappingProxyType({}))


def _twin_repr(ours: object, twin: object) -> None:
    assert repr(ours) == repr(twin).replace("_Frozen", "")


def test_diagnostic_is_a_value_with_a_dataclass_repr() -> None:
    here = Span(1, 2, 1, 5)
    d = Diagnostic("TWL101", "unknown keyword 'sya'", here, hint="did you mean say?", fix="say")
    same = Diagnostic("TWL101", "unknown keyword 'sya'", Span(1, 2, 1, 5), "error", "did you mean say?", fix="say")
    assert d == same and hash(d) == hash(same) and d != d.replace(path="a.twl") and d != "TWL101"
    _twin_repr(d, _FrozenDiagnostic("TWL101", "unknown keyword 'sya'", here, hint="did you mean say?", fix="say"))
    assert diag("TWL213", "m", here).severity == "warning"  # from the registry, as before
    assert CODES["TWL001"] == Code("TWL001", "error", "syntax error")
    # the attribute a problem is about is not compared (it is not rendered either)
    about = d.replace(attribute="voice")
    assert about == d and hash(about) == hash(d) and about.attribute == "voice"
    frozen = _FrozenDiagnostic("TWL101", "m", here, attribute="voice")
    _twin_repr(Diagnostic("TWL101", "m", here, attribute="voice"), frozen)


def test_replace_derives_a_copy_and_refuses_unknown_fields() -> None:
    d = Diagnostic("TWL101", "m", Span(1, 1, 1, 2))
    e = d.replace(path="a.twl", provider_code="12200", provider="Twilio")
    assert (e.path, e.provider_code, e.provider, e.code, e.span) == ("a.twl", "12200", "Twilio", "TWL101", d.span)
    assert d.path == "<string>"  # the original is untouched
    with pytest.raises(TypeError):
        d.replace(nonsense=1)
    if sys.version_info >= (3, 13):  # copy.replace, the protocol dataclasses.replace became
        assert copy.replace(d, path="b.twl") == d.replace(path="b.twl")


def test_records_pickle_and_copy() -> None:
    d = Diagnostic("TWL101", "m", Span(1, 1, 1, 2), hint="h")
    assert pickle.loads(pickle.dumps(d)) == d and copy.deepcopy(d) == d
    limits = Limits(say_chars=100)
    assert pickle.loads(pickle.dumps(limits)) == limits


def test_limits_and_value_types_compare_and_hash_as_dataclasses_did() -> None:
    assert Limits() == Limits() and hash(Limits()) == hash(Limits()) and Limits() != Limits(media=3)
    _twin_repr(Limits(say_chars=100), _FrozenLimits(say_chars=100))
    assert Limits(say_chars=100).as_dict() == {**Limits().as_dict(), "say_chars": 100}
    v = ValueType("int", min=1, max=5)
    assert v == ValueType("int", (), False, 1, 5) and hash(v) == hash(ValueType("int", min=1, max=5))
    _twin_repr(v, _FrozenValueType("int", min=1, max=5))
    assert v.describe() == "an integer (1..5)"


def test_dialect_is_a_value_and_derives_others() -> None:
    twin = _FrozenDialect("twilio", "Twilio", "vocabulary.json", "twiml", Limits(), TWILIO.codes)
    _twin_repr(TWILIO, twin)
    assert TWILIO == Dialect("twilio", "Twilio", "vocabulary.json", "twiml", Limits(), TWILIO.codes)
    with pytest.raises(TypeError):  # its codes are a mapping: unhashable, as the dataclass was
        hash(TWILIO)
    bare = Dialect("x", "X", "vocabulary.json", "twiml")
    assert bare.limits == Limits() and dict(bare.codes) == {}
    strict = TWILIO.replace(limits=Limits(say_chars=1))
    assert strict.limits.say_chars == 1 and strict.vocabulary("voice") is not TWILIO.vocabulary("voice")


def test_vocabulary_classes_keep_their_fields() -> None:
    voice = TWILIO.vocabulary("voice")
    assert isinstance(voice, Vocabulary) and voice.kind == "voice"
    say = voice.by_keyword["say"]
    assert isinstance(say, ElementSpec) and say.tag == "Say" and say.variant(None) is say
    copied = say.replace(description="x")
    assert copied.description == "x" and copied.attributes is say.attributes and copied != say
    assert ElementSpec("A", "voice", "a", {}, (), False, False).by_parent == {}
    assert repr(say).startswith("ElementSpec(tag='Say', kind='voice', keyword='say', attributes={")


def test_rules_are_records() -> None:
    assert all(isinstance(r, Rule) for r in RULES)
    rule = RULES[0]
    assert rule == Rule(rule.check, rule.select, rule.suspect, rule.whole_only, picks=rule.picks)
    assert rule.replace(whole_only=not rule.whole_only) != rule
