"""Each rule's picks (its selection in Python, what the XML fast path runs) select exactly
the elements its XPath selects, and the fast path's one walk decides exactly as the
rules' XPath selections decided: on the whole corpus, on every XML file under tests/, on
hypothesis-generated documents and on mutated corpus documents, for every dialect and
every kind of document."""

from __future__ import annotations

import random
from collections.abc import Iterator
from copy import deepcopy
from functools import cache

import pytest
from conftest import ROOT, SHARED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from twimlc import xmlread
from twimlc.dialect import DIALECTS, Dialect
from twimlc.validate import RULES, Rule
from twimlc.values import value_problem
from twimlc.vocabulary import KINDS

SETTINGS = settings(
    derandomize=True,
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
COMBINATIONS = [(d, k) for d in DIALECTS.values() for k in KINDS]


def _parse(data: bytes) -> etree._Element | None:
    return xmlread.parse_xml(data, "x.xml")[0]


@cache
def documents() -> list[bytes]:
    """The corpus's documents and every XML file of the tests, as bytes."""
    corpus = SHARED / "corpus" / "twiml"
    files = sorted(corpus.rglob("*.xml")) if corpus.is_dir() else []
    files += sorted((ROOT / "tests").rglob("*.xml"))
    return [f.read_bytes() for f in files]


@cache
def roots() -> list[etree._Element]:
    return [r for r in map(_parse, documents()) if r is not None]


@cache
def _xpath(text: str) -> etree.XPath:
    return etree.XPath(text)


def by_xpath(rule: Rule, dialect: Dialect, kind: str, root: etree._Element) -> list[etree._Element]:
    text = rule.select(dialect, dialect.vocabulary(kind))
    found = _xpath(text)(root) if text else []
    assert isinstance(found, list)
    return [n for n in found if isinstance(n, etree._Element)]


def by_picks(rule: Rule, dialect: Dialect, kind: str, root: etree._Element) -> list[etree._Element]:
    picks = rule.picks(dialect, dialect.vocabulary(kind))
    anywhere = picks.get("*")
    out = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        pick = picks.get(el.tag)
        if (pick is not None and pick(el)) or (anywhere is not None and anywhere(el)):
            out.append(el)
    return out


def decided_by_xpath(root: etree._Element, kind: str, dialect: Dialect) -> bool:
    """The fast path's verdict as the XPath selections gave it (before the one walk):
    every rule's selection, narrowed by its suspect, and the attributes whose values the
    resolver warns about, selected by name."""
    vocab = dialect.vocabulary(kind)
    for rule in RULES:
        for el in by_xpath(rule, dialect, kind, root):
            if rule.suspect is None or rule.suspect(el, vocab, dialect.limits):
                return False
    typed = xmlread._advised(dialect, kind)
    names = sorted({f"//@{n}" for names in typed.values() for n in names})
    found = _xpath(" | ".join(names) or "/nothing")(root)
    for value in found if isinstance(found, list) else ():
        assert isinstance(value, etree._ElementUnicodeResult)
        parent = value.getparent()
        t = typed.get(str(parent.tag), {}).get(str(value.attrname)) if parent is not None else None
        if t is not None and value_problem(t, str(value)):
            return False
    return True


def assert_agree(root: etree._Element, combinations: list[tuple[Dialect, str]] = COMBINATIONS) -> None:
    for dialect, kind in combinations:
        for rule in RULES:
            expected = by_xpath(rule, dialect, kind, root)
            assert by_picks(rule, dialect, kind, root) == expected, (rule.check.__name__, dialect.name, kind)
        assert xmlread._nothing_to_flag(root, kind, dialect) == decided_by_xpath(root, kind, dialect), (
            dialect.name,
            kind,
        )


def test_kind_of_is_the_dialects_inference() -> None:
    """The fast path asks the dialect about each top-level tag once; the answer is the
    dialect's inference on the whole list."""
    for root in roots():
        tags = [str(c.tag) for c in root if isinstance(c.tag, str)]
        for dialect in DIALECTS.values():
            assert xmlread.kind_of(root, dialect) == dialect.infer_kind(tags)[0]


def test_every_rule_declares_picks() -> None:
    for rule in RULES:
        for dialect, kind in COMBINATIONS:
            picks = rule.picks(dialect, dialect.vocabulary(kind))
            assert bool(picks) == bool(rule.select(dialect, dialect.vocabulary(kind))), rule.check.__name__
            assert all(callable(p) for p in picks.values())


def test_the_corpus_and_the_tests_documents() -> None:
    assert len(roots()) > 100
    for root in roots():
        assert_agree(root)


def test_the_corpus_is_there_when_it_is_beside_the_checkout() -> None:
    if not (SHARED / "corpus").is_dir():
        pytest.skip("the shared corpus is not beside this checkout")
    assert len(roots()) > 400


# --- generated documents ---------------------------------------------------------------

NS = "{urn:x-test}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@cache
def tags() -> list[str]:
    found = {t for d in DIALECTS.values() for k in KINDS for t in d.vocabulary(k).elements if ":" not in t}
    return sorted(found)


# The tags and attributes the rules look at, weighted up; values at the edges of each test.
HOT_TAGS = ["Dial", "Number", "Conference", "Message", "Media", "Body", "Say", "Play", "Enqueue", "Queue", "Stop"]
HOT_TAGS += ["Stream", "ConversationRelay", "Reject", "Hangup", "Redirect", "Gather", "Record", "Response"]
HOT_TAGS += [NS + "Say", "Unknown"]
ATTRIBUTES = ["action", "url", "digits", "workflowSid", "finishOnKey", "speechTimeout", "transcribe", "callerId"]
ATTRIBUTES += ["voice", "language", "to", "from", "method", "speechModel", XML_LANG, NS + "action", "statusCallback"]
VALUES = ["", " ", "\t\n ", "x", "true", "True", "a:b", "//h/p", "/p", "https://example.com/a", ":", "#", "12"]
VALUES += ["+14155550100", "+1415", "4155550100", "wss://x.example/s", "Polly.Joanna", "en-US", "xx-YY", "auto"]
TEXTS: list[str | None] = [None, "", " ", "\n\t ", "\r", "\xa0", "x", " +14155550100 ", "https://x.example/a.mp3"]
TEXTS += ["q" * 63, "q" * 64, "q" * 65, "s" * 4096, "s" * 4097, "m" * 800, "m" * 801, "\U0001f600" * 401]
TEXTS += ["\U0001f600" * 799, "b" * 1600, "b" * 1601, "//h/p", "a:b"]


@st.composite
def element(draw: st.DrawFn, depth: int) -> etree._Element:
    tag = draw(st.one_of(st.sampled_from(HOT_TAGS), st.sampled_from(tags())))
    el = etree.Element(tag)
    for name in draw(st.lists(st.sampled_from(ATTRIBUTES), max_size=3, unique=True)):
        el.set(name, draw(st.sampled_from(VALUES)))
    el.text = draw(st.sampled_from(TEXTS))
    if depth > 0:
        for kind in draw(st.lists(st.sampled_from(["element", "element", "comment"]), max_size=2 * depth + 2)):
            child = draw(element(depth - 1)) if kind == "element" else etree.Comment(draw(st.sampled_from(["c", " "])))
            child.tail = draw(st.sampled_from(TEXTS))
            el.append(child)
    return el


# (parent, [(child, fewest, most)]): the counts the rules compare with the limits (10, 1)
COUNTED = [
    ("Dial", [("Number", 9, 11)]),
    ("Dial", [("Conference", 0, 2), ("Number", 0, 1)]),
    ("Response", [("Message", 9, 11)]),
    ("Message", [("Media", 9, 11)]),
]


@st.composite
def generated(draw: st.DrawFn) -> bytes:
    root = draw(element(2))
    if draw(st.booleans()):
        root.tag = "Response"
    if draw(st.booleans()):  # runs of nouns around the limits on counts
        parent_tag, runs = draw(st.sampled_from(COUNTED))
        parent = root if parent_tag == "Response" and root.tag == "Response" else etree.SubElement(root, parent_tag)
        for tag, low, high in runs:
            for _ in range(draw(st.integers(low, high))):
                etree.SubElement(parent, tag).text = draw(st.sampled_from(["+14155550100", "x", ""]))
    return etree.tostring(root)


@SETTINGS
@given(generated(), st.sampled_from(COMBINATIONS))
def test_generated_documents(data: bytes, combination: tuple[Dialect, str]) -> None:
    root = _parse(data)
    assert root is not None
    assert_agree(root, [combination])


# --- mutated corpus documents -----------------------------------------------------------


def _mutate(root: etree._Element, rng: random.Random) -> bytes:
    root = deepcopy(root)
    for _ in range(rng.randint(1, 6)):
        elements = [e for e in root.iter() if isinstance(e.tag, str)]
        el = rng.choice(elements)
        op = rng.choice(["top", "copy", "blank", "attribute", "drop_attribute", "comment", "retag", "remove", "text"])
        if op == "top" and el is not root:
            root.append(el)
        elif op == "copy" and el is not root:
            el.addnext(deepcopy(el))
        elif op == "blank":
            el.text = rng.choice(["", " ", "\n  ", None])
            for c in el:
                c.tail = rng.choice(["", "\n", None])
        elif op == "attribute":
            el.set(rng.choice(ATTRIBUTES), rng.choice(VALUES))
        elif op == "drop_attribute" and el.attrib:
            del el.attrib[rng.choice(list(el.attrib))]
        elif op == "comment":
            el.insert(rng.randint(0, len(el)), etree.Comment("c"))
        elif op == "retag":
            el.tag = rng.choice(HOT_TAGS + tags())
        elif op == "remove" and el is not root:
            parent = el.getparent()
            assert parent is not None
            parent.remove(el)
        elif op == "text":
            el.text = rng.choice(TEXTS)
    return etree.tostring(root)


def mutants(count: int, seed: int) -> Iterator[bytes]:
    rng = random.Random(seed)
    pool = roots()
    for _ in range(count):
        yield _mutate(rng.choice(pool), rng)


def test_mutated_documents() -> None:
    """Thousands of mutants of the corpus, each with one dialect and kind (all of them in turn)."""
    for i, data in enumerate(mutants(3000, seed=14)):
        root = _parse(data)
        assert root is not None
        assert_agree(root, [COMBINATIONS[i % len(COMBINATIONS)]])


@SETTINGS
@given(st.data())
def test_mutated_documents_hypothesis(data: st.DataObject) -> None:
    seed = data.draw(st.integers(0, 2**32 - 1))
    mutant = next(mutants(1, seed))
    root = _parse(mutant)
    assert root is not None
    assert_agree(root, [data.draw(st.sampled_from(COMBINATIONS))])


def test_the_helpers_read_xpath_as_xpath_does() -> None:
    """The edges the picks must get right: comments split text but are not text, CDATA is
    text, white space is XML's (a no-break space is not blank), code points are counted."""
    root = _parse(
        b"<Response><Say><!-- c --></Say><Say>\xc2\xa0</Say><Say><![CDATA[ ]]></Say><Play>\xc2\xa0</Play>"
        b"<Enqueue>  <!-- c -->q</Enqueue><Enqueue><!-- c -->\n</Enqueue><Dial><!-- c --></Dial></Response>"
    )
    assert root is not None
    assert_agree(root)


def test_check_reports_what_the_full_path_reports_in_order_with_positions() -> None:
    """Whatever the fast path decides, ``check`` gives, diagnostic for diagnostic (code,
    position, message, hint, order), what reading every document on the full path gives
    (the corpus and the tests' XML files; tests/test_schema.py compares codes and lines)."""
    from twimlc.api import analyze_xml, check_xml

    for i, data in enumerate(documents()):
        name = f"doc{i}.xml"
        assert check_xml(data, name) == analyze_xml(data, name)[1], name
