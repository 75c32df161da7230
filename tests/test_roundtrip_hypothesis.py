"""Round trips on random documents built from the vocabulary table (ASTs, not grammar
text): parse(print(ast)) == ast; compile → decompile → compile is stable; fmt is
idempotent and keeps the tree. Deterministic (derandomize) so CI is repeatable."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import twimlc
from twimlc.api import read
from twimlc.ast import Attribute, Comment, Document, Element, Node, Text
from twimlc.canonical import canonical
from twimlc.dialect import TWILIO
from twimlc.printer import print_document
from twimlc.vocabulary import KINDS, ElementSpec, ValueType

SETTINGS = settings(derandomize=True, max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text XML can carry: no surrogates, no control characters but tab, line feed and carriage return.
ODD = ['"', "\\", "&", "<", ">", "]]>", "\n", "\t", "#", ":", "=", "[", "]", " ", "🎉", "日本語", "é", "'"]
xml_chars = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff") | st.sampled_from(
    ["\t", "\n", "\r"]
)
texts = st.one_of(st.text(xml_chars, max_size=12), st.lists(st.sampled_from(ODD), min_size=1, max_size=6).map("".join))
words = st.text(st.sampled_from("abcXYZ019-_./"), min_size=1, max_size=10)


def scalar(t: ValueType) -> st.SearchStrategy[str]:
    if t.type == "bool":
        return st.sampled_from(["true", "false"])
    if t.type == "int":
        lo = t.min if t.min is not None else -5
        hi = t.max if t.max is not None else lo + 5000
        return st.integers(lo, hi).map(str)
    if t.type == "enum" and not t.open:
        return st.sampled_from(t.values)
    if t.type == "enum":
        return st.one_of(st.sampled_from(t.values[:20]), words)
    if t.type == "url":
        paths = words.map(lambda w: "/" + w.lstrip("/"))  # a path: "//…" would be scheme-relative (TWL205)
        return st.one_of(paths, words.map(lambda w: f"https://example.com/{w}?a=1&b=2"))
    if t.type == "phone":
        return st.integers(10**6, 10**12).map(lambda n: f"+1{n}")
    if t.type in ("recipient", "sender"):
        numbers = st.integers(10**6, 10**12).map(lambda n: f"+1{n}")
        channels = st.tuples(st.sampled_from(["whatsapp:", "rcs:"]), numbers).map("".join)
        senders = st.sampled_from(["MyCompany", "Shop 24", "12345", "rcs:brand_agent"])
        return st.one_of(numbers, channels, st.just("messenger:1234567890"), *([senders] if t.type == "sender" else []))
    if t.type == "duration":
        return st.tuples(st.integers(0, 9999), st.sampled_from(["ms", "s"])).map(lambda p: f"{p[0]}{p[1]}")
    if t.type == "dtmf":
        return st.text(st.sampled_from("0123456789ABCDwW#*"), max_size=8)
    if t.type == "senddigits":
        return st.text(st.sampled_from("0123456789w#*"), max_size=8)
    return texts.filter(lambda s: not t.is_list or (t.separator or " ") not in s)


def attribute(name: str, t: ValueType) -> st.SearchStrategy[Attribute]:
    if t.is_list:
        item = scalar(t).filter(lambda s: s.strip() == s and s != "" and not any(c.isspace() for c in s))
        return st.lists(item, min_size=1, max_size=3).map(
            lambda items: Attribute(name, tuple(items), False, t.separator or " ")
        )
    if t.type == "string":
        return texts.map(lambda v: Attribute(name, v, False, " "))
    return scalar(t).map(lambda v: Attribute(name, v, False, " "))


@st.composite
def element(draw: st.DrawFn, kind: str, spec: ElementSpec, depth: int) -> Element:
    vocab = TWILIO.vocabulary(kind)
    names = draw(st.lists(st.sampled_from(sorted(spec.attributes)), unique=True, max_size=4)) if spec.attributes else []
    attrs = tuple(draw(attribute(n, spec.attributes[n])) for n in names)
    children: list[Node] = []
    if spec.children and depth < 3:
        for _ in range(draw(st.integers(0, 3))):
            choice = draw(st.sampled_from(spec.children))
            child_spec = vocab.elements[choice].variant(spec.tag)
            if spec.text and draw(st.booleans()):
                children.append(Text(draw(texts)))
            if draw(st.integers(0, 9)) == 0:
                children.append(Comment(" " + draw(words)))
            children.append(draw(element(kind, child_spec, depth + 1)))
    if spec.text and (spec.text_required or draw(st.booleans())):
        children.append(Text(draw(texts.filter(bool)) if spec.text_required else draw(texts)))
    return Element(spec.tag, attrs, tuple(children))


@st.composite
def documents(draw: st.DrawFn) -> Document:
    kind = draw(st.sampled_from(KINDS))
    vocab = TWILIO.vocabulary(kind)
    body = tuple(
        draw(element(kind, vocab.elements[t], 1))
        for t in draw(st.lists(st.sampled_from(vocab.root.children), max_size=4))
    )
    return Document(kind, body, True)


def _read(source: str) -> Document:
    """The document as written. Not ``twimlc.parse``: a random document may well break
    Twilio's rules (an empty play, a conference beside a number), which parse refuses."""
    doc, diagnostics = read(source)
    assert [d for d in diagnostics if d.is_error] == [], source
    return doc


@SETTINGS
@given(documents())
def test_parse_of_print_is_identity(doc: Document) -> None:
    source = print_document(doc)
    assert _read(source) == doc, source


@SETTINGS
@given(documents())
def test_compile_decompile_compile_is_stable(doc: Document) -> None:
    xml = twimlc.generate(doc)
    source = twimlc.decompile(xml)
    again = twimlc.generate(_read(source))
    assert canonical(again) == canonical(xml)
    assert twimlc.decompile(again) == source


@SETTINGS
@given(documents())
def test_fmt_is_idempotent_and_keeps_the_tree(doc: Document) -> None:
    source = print_document(doc)
    formatted = twimlc.format(source)
    assert formatted == source
    assert twimlc.format(formatted) == formatted
    assert _read(formatted) == doc


@SETTINGS
@given(documents())
def test_fmt_lays_out_a_file_with_errors_as_one_without(doc: Document) -> None:
    """fmt prints a file with a value error from its syntax tree: in the same layout as
    from the typed tree, so an error elsewhere changes no other line."""
    from twimlc.fmt import format_as_written

    source = print_document(doc)
    assert format_as_written(source) == source
    broken = source + "pause length=never\n"  # a value error: fmt prints it as written
    assert twimlc.format(broken) == broken


@SETTINGS
@given(documents())
def test_text_is_written_exactly_and_decompile_keeps_speech(doc: Document) -> None:
    """Byte for byte, not canonical: no white space is added where text can go; compile →
    decompile → compile keeps every <Say> as it was, and is stable after one round (white
    space alone between elements outside <Say> is layout, dropped by decompile)."""
    from lxml import etree
    from test_golden import assert_text_is_exact

    xml = twimlc.generate(doc)
    assert_text_is_exact(doc, xml)
    again = twimlc.generate(_read(twimlc.decompile(xml)))

    def says(text: str) -> list[bytes]:
        return [etree.tostring(e, with_tail=False) for e in etree.fromstring(text.encode()).iter("Say")]

    assert says(again) == says(xml)
    assert twimlc.generate(_read(twimlc.decompile(again))) == again
