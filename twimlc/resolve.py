"""Syntax tree → typed tree, checked against the vocabulary.

Every keyword becomes a TwiML tag (or a raw ``!Tag``), every ``name=value`` an attribute
whose value matches its type, and text goes where TwiML allows text. All problems are
collected (not just the first) as diagnostics; the caller decides whether to raise.

In *keep* mode (``decompile``'s: TwiML XML read to be printed as ``.twl``), nothing is
dropped: an element or attribute the resolver would reject comes through the escape hatch
(``!Tag``, ``!name=value``, which compile to exactly what was written), with a TWL901 or
TWL902 warning saying what was wrong, where, and that it was kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from itertools import pairwise

from . import params as template_params
from .ast import (
    Arg,
    Attribute,
    Comment,
    CommentLine,
    Document,
    Element,
    Invalid,
    ListValue,
    Node,
    Param,
    Scalar,
    Span,
    Statement,
    SyntaxNode,
    Text,
    TextLine,
)
from .comments import attach_comments
from .confusables import explain, fix
from .diagnostics import CODES, ERROR, Diagnostic, diag
from .dialect import DIALECTS, TWILIO, Dialect, dialect_named
from .validate import missing_content
from .values import NOT_XML, XML_NAME, check_value, value_problem
from .vocabulary import (
    HEADER_KEYWORD,
    KINDS,
    ElementSpec,
    ValueType,
    Vocabulary,
    suggest,
)


class Resolver:
    def __init__(self, dialect: Dialect, xml: bool = False, keep: bool = False, pinned: bool = False) -> None:
        self.dialect = dialect
        # pinned: judged for ``dialect`` whatever the header's target= says (--portability
        # asks whether the document works on each target listed); the header is recorded
        self.pinned = pinned
        self.xml = xml  # the input was TwiML XML: name elements <Tag>, unknown tags are errors
        self.keep = keep  # keep what would be rejected, as raw elements and attributes
        # {{name}} is a parameter: in .twl, and in kept XML (its TwiML Bin variables are
        # declared as parameters by the reader, or written as literal text)
        self.templated = not xml or keep
        self.diagnostics: list[Diagnostic] = []
        self.kind_reason = "the header says so"
        self.params: dict[str, Param] = {}
        self.used: set[str] = set()
        self.bad_params: set[str] = set()
        self.target = ""  # the header's target=, as written
        # (type, value) pairs found good already: a document repeats its values (a voice, a
        # language), and a long list of choices is costly to search. By the type's identity:
        # the dialect's types live as long as the resolver.
        self.good: set[tuple[int, str]] = set()

    def report(
        self,
        code: str,
        message: str,
        span: Span,
        hint: str | None = None,
        fix: str | None = None,
        where: str | None = None,
        attribute: str | None = None,
    ) -> None:
        """A diagnostic; ``fix`` replaces ``span`` (a quick fix); ``where`` is the element's
        tag when the provider's code depends on it; ``attribute``: the attribute it is
        about (:attr:`~twimlc.diagnostics.Diagnostic.attribute`)."""
        provider_code = (self.dialect.code(code, where) or "") if where is not None else None
        self.diagnostics.append(
            diag(code, message, span, hint, fix=fix, provider_code=provider_code, attribute=attribute)
        )

    # --- document ---------------------------------------------------------------------

    def document(self, nodes: list[SyntaxNode], comments: list[CommentLine], root: Sequence[Arg] = ()) -> Document:
        header: Statement | None = None
        body = [n for n in nodes]
        statements = [n for n in body if isinstance(n, Statement)]
        if statements and statements[0].keyword == HEADER_KEYWORD:
            header = statements[0]
            body.remove(header)
        kind, explicit, root_attrs = self._kind(header, body)
        root_attrs += tuple(self._root_attributes(root))
        vocab = self.dialect.vocabulary(kind)
        for n in body:
            if isinstance(n, Statement) and n.keyword == template_params.PARAM_KEYWORD:
                param = self._param(n)
                if param is None:
                    self.bad_params.add(_param_name(n))  # reported once, not again at each use
                else:
                    if param.name in self.params:
                        self.report("TWL604", f"parameter {param.name!r} is declared twice", n.keyword_span)
                    self.params[param.name] = param
        children = self._block(body, vocab, vocab.root, raw_parent=False)
        # a use in a statement reading refused (an unknown keyword…) is still a use
        mentioned = template_params.mentioned(body) if self.params else set()
        for name, param in self.params.items():
            if name not in self.used and mentioned is not None and name not in mentioned:
                self.report(
                    "TWL602",
                    f"parameter {name!r} is declared but never used",
                    param.span,
                    f"use it as {{{{{name}}}}}, or remove it",
                )
        for n in body:
            if isinstance(n, Statement) and n.keyword == HEADER_KEYWORD:
                self.report("TWL105", "the 'twiml' header must be the first statement", n.keyword_span)
        span = Span(1, 1, nodes[-1].span.end_line, nodes[-1].span.end_column) if nodes else Span(1, 1, 1, 1)
        preamble: tuple[Comment, ...] = ()
        if header is not None:
            line = header.span.end_line
            preamble = tuple(Comment(c.text, c.span.line == line, c.span) for c in comments if c.span.line <= line)
            comments = [c for c in comments if c.span.line > line]
        placed = attach_comments(tuple(children), comments)
        return Document(
            kind,
            placed,
            explicit,
            root_attrs,
            span,
            preamble,
            header.span.line if header else 0,
            self.dialect,
            self.target,
        )

    def _kind(self, header: Statement | None, body: list[SyntaxNode]) -> tuple[str, bool, tuple[Attribute, ...]]:
        if header is not None:
            self._duplicates(header.args)  # target= too: a second one would silently win
            self._target(header)
            positional = [a for a in header.args if a.name is None]
            kind = "voice"
            value = positional[0].value if positional else None
            if isinstance(value, Scalar) and value.text in KINDS and len(positional) == 1:
                kind = value.text
            else:
                self.report("TWL105", "the header is 'twiml voice', 'twiml messaging' or 'twiml fax'", header.span)
            if header.body:
                self.report("TWL105", "the 'twiml' header takes no block", header.body[0].span)
            attrs = tuple(self._raw_attributes(header))
            return kind, True, attrs
        return self._infer_kind(body), False, ()

    def _target(self, header: Statement) -> None:
        """``twiml voice target=telnyx``: the file is checked as that provider's TwiML,
        whatever ``--target`` or ``pyproject.toml`` say (the file knows best)."""
        for a in header.args:
            if a.name != "target":
                continue
            value = a.value.text if isinstance(a.value, Scalar) else ""
            dialect = dialect_named(value)
            if dialect is None:
                names = ", ".join(DIALECTS)
                near = suggest(value, list(DIALECTS))
                hint = f"did you mean {near!r}? " if near else ""
                self.report("TWL105", f"unknown target {value!r}", a.span, f"{hint}targets: {names}")
            else:
                self.target = dialect.name
                if not self.pinned:
                    self.dialect = dialect

    def _raw_attributes(self, header: Statement) -> Iterator[Attribute]:
        for a in header.args:
            if a.name is None or a.name == "target":
                continue
            if not a.name.startswith("!"):
                self.report(
                    "TWL103", f"<Response> has no attribute {a.name!r}", a.span, f"to pass it anyway, write !{a.name}=…"
                )
                continue
            attr = self._attribute(a, None, "Response")
            if attr:
                yield attr

    def _root_attributes(self, args: Sequence[Arg]) -> Iterator[Attribute]:
        """The attributes of XML's ``<Response>``, which has none: kept raw in keep mode."""
        for a in args:
            assert a.name is not None
            message = f"<Response> has no attribute {a.name!r}"
            if not self.keep:
                self.report("TWL103", message, a.span)
                continue
            self._hatch("TWL902", message, _name_span(a), None, None, a.name)
            kept = self._untyped(a, a.name)
            if kept is not None:
                yield kept

    def _hatch(self, code: str, message: str, span: Span, hint: str | None, fix: str | None, name: str | None) -> None:
        """An escape-hatch warning (TWL901, TWL902); in keep mode it says that ``name`` was
        kept as ``!name``, and offers no fix (its span points into the XML)."""
        if self.keep and name is not None:
            self.report(code, f"{message}; kept as !{name}", span, hint)
        else:
            self.report(code, message, span, hint, fix)

    def _infer_kind(self, body: list[SyntaxNode]) -> str:
        """The dialect's inference (:meth:`~twimlc.dialect.Dialect.infer_kind`) on the
        top-level statements' tags."""
        verbs = [n for n in body if isinstance(n, Statement) and not n.keyword.startswith("!")]
        kind, index = self.dialect.infer_kind(self.dialect.tag_of_keyword(n.keyword) or "" for n in verbs)
        if index is not None:
            n = verbs[index]
            self.kind_reason = f"{n.keyword} on line {n.keyword_span.line} makes it {kind}"
        return kind

    # --- elements -----------------------------------------------------------------------

    def _name(self, spec: ElementSpec) -> str:
        return f"<{spec.tag}>" if self.xml else spec.keyword

    def _block(
        self,
        body: list[SyntaxNode] | tuple[SyntaxNode, ...],
        vocab: Vocabulary,
        parent: ElementSpec | None,
        raw_parent: bool,
    ) -> list[Node]:
        out: list[Node] = []
        for n in body:
            if isinstance(n, Statement) and n.keyword != template_params.PARAM_KEYWORD:
                e = self._element(n, vocab, parent, raw_parent)
                if e is not None:
                    out.append(e)
            elif isinstance(n, TextLine):
                self._text(n.text, n.span)
                out.append(Text(n.text, n.span))
            elif isinstance(n, CommentLine):  # read from XML: where it stood
                out.append(Comment(n.text, False, n.span))
            elif isinstance(n, Statement):  # a parameter's declaration
                if parent is not None and parent.tag == "Response" and not raw_parent:
                    declared = self.params.get(_param_name(n))
                    if declared is not None and declared.span == n.span:
                        out.append(declared)
                else:
                    self.report("TWL604", "parameters are declared at the top level", n.keyword_span)
        if parent is not None and not raw_parent:
            texts = [c for c in out if isinstance(c, Text) and (c.value.strip() or parent.tag != "Response")]
            if texts and parent.tag == "Response":
                self.report(
                    "TWL306",
                    "text directly inside <Response> is not TwiML; Twilio ignores it",
                    texts[0].span,
                    "put it in a say or message",
                )
            elif texts and not parent.text:
                self.report("TWL302", f"text is not allowed inside {self._name(parent)}", texts[0].span)
        return out

    def _uses(self, text: str, span: Span) -> list[Param]:
        """The declared parameters ``text`` uses; undeclared ones are reported."""
        found = []
        for name in template_params.names(text):
            param = self.params.get(name)
            if param is None and name in self.bad_params:
                continue
            if param is None:
                near = suggest(name, list(self.params))
                hint = f"did you mean {{{{{near}}}}}?" if near else f"declare it: param {name} string"
                self.report("TWL601", f"parameter {name!r} is not declared", span, hint)
            else:
                self.used.add(name)
                found.append(param)
        return found

    def _param(self, s: Statement) -> Param | None:
        param, problems = template_params.declare(s)
        self.diagnostics.extend(problems)
        return param

    def _text(self, text: str, span: Span) -> None:
        if "{{" in text and self.templated:  # XML has no parameters: {{x}} is text there
            self._uses(text, span)
        m = NOT_XML.search(text)
        if m:
            self.report("TWL210", f"character U+{ord(m.group()):04X} cannot appear in XML", span, "remove it")

    def _element(self, s: Statement, vocab: Vocabulary, parent: ElementSpec | None, raw_parent: bool) -> Element | None:
        if s.keyword.startswith("!"):
            return self._raw_element(s, vocab)
        if s.keyword == HEADER_KEYWORD:
            return None  # reported by document()
        if self.keep:
            return self._kept_element(s, vocab, parent, raw_parent)
        base = vocab.by_keyword.get(s.keyword)
        if base is None:
            self._unknown_keyword(s, vocab)
            return None
        return self._typed_element(s, vocab, parent, raw_parent, base)

    def _kept_element(self, s: Statement, vocab: Vocabulary, parent: ElementSpec | None, raw_parent: bool) -> Element:
        """Keep mode: ``s`` as the resolver reads it when it has nothing to reject; else
        raw, with a TWL901 saying why. An element with child elements is tried first
        alone (without its attributes, which keep mode never refuses, and its children:
        each element of a deep document is read once or twice, never more), then with
        them; an element that would be
        empty where Twilio needs something (see :func:`missing_content`) is kept too, as
        compile would refuse it."""
        mark = len(self.diagnostics)
        base = vocab.by_keyword.get(s.keyword)
        tag = base.tag if base is not None else self.dialect.tag_of_keyword(s.keyword) or s.keyword
        if base is None:
            self._unknown_keyword(s, vocab)
        else:
            own = tuple(b for b in s.body if not isinstance(b, Statement))
            if len(own) < len(s.body):  # the element alone first (its attributes are never refused)
                self._typed_element(
                    Statement(s.keyword, s.keyword_span, (), own, s.span), vocab, parent, raw_parent, base
                )
                if not base.variant(parent.tag if parent else None).children and not self._refused(mark):
                    self.report("TWL305", f"{self._name(base)} takes no children", s.keyword_span)
            if not self._refused(mark):
                del self.diagnostics[mark:]
                element = self._typed_element(s, vocab, parent, raw_parent, base)
                gap = missing_content(element, parent.tag if parent else "Response")
                if gap is None and not self._refused(mark):
                    return element
                if gap is not None:
                    self.report(gap[0], gap[1], s.keyword_span, gap[2])
        refusal = self._refused(mark)
        assert refusal is not None
        del self.diagnostics[mark:]
        hint = refusal.hint or ("fix it in .twl, then write its keyword" if base is not None else None)
        self.report("TWL901", f"{refusal.message}; kept as !{tag}", s.keyword_span, hint)
        raw = Statement("!" + tag, s.keyword_span, s.args, s.body, s.span)
        return self._raw_element(raw, vocab, reported=True)

    def _refused(self, mark: int) -> Diagnostic | None:
        """The first error reported since ``mark``: in keep mode, the reason to keep raw."""
        return next((d for d in self.diagnostics[mark:] if d.is_error), None)

    def _typed_element(
        self, s: Statement, vocab: Vocabulary, parent: ElementSpec | None, raw_parent: bool, base: ElementSpec
    ) -> Element:
        parent_tag = parent.tag if parent else None
        if base.unsupported:
            self._unsupported_element(base, s.keyword_span)
        if parent is not None and not raw_parent and base.tag not in parent.children:
            where = "at the top level" if parent.tag == "Response" else f"inside {self._name(parent)}"
            allowed = [self._name(vocab.elements[c]) for c in parent.children if c in vocab.elements]
            hint = ("allowed here: " + ", ".join(allowed)) if allowed else f"{self._name(parent)} takes no children"
            self.report("TWL301", f"{self._name(base)} is not allowed {where}", s.keyword_span, hint, where=parent.tag)
        spec = base.variant(parent_tag)
        owner = self._name(base)
        # the statement's attribute names, for fixes that must not write one twice: made for
        # the first attribute that is not simply one of the element's
        others: _Others | None = None
        attributes: list[Attribute] = []
        named = 0
        types = spec.attributes if not self.keep else {}
        for arg in s.args:
            name = arg.name
            if name is not None:
                named += 1
                t = types.get(name)
                if t is not None and not t.unsupported:  # the common case: an attribute of the element
                    attribute = self._typed(arg, name, t, spec.tag)
                else:
                    if others is None:
                        others = ([a.name.lstrip("!") for a in s.args if a.name is not None], {})
                    attribute = self._attribute(arg, spec, owner, others)
                if attribute is not None:
                    attributes.append(attribute)
        if named > 1:
            self._duplicates(s.args)
        children: list[Node] = []
        positional = self._positional(s.args) if named < len(s.args) else []
        if len(positional) > 1:
            self.report(
                "TWL304",
                f"{self._name(base)} takes one positional value; found {len(positional)}",
                positional[1].span,
                _split_value_hint(positional),
            )
        for p in positional[:1]:
            if isinstance(p.value, ListValue):
                self.report("TWL209", f"the value of {self._name(base)} cannot be a list", p.span)
            elif not spec.text:
                self.report(
                    "TWL302",
                    f"{self._name(base)} takes no " + ("text" if self.xml else "value"),
                    p.span,
                    self._no_text_hint(p),
                )
            else:
                self._text(p.value.text, p.span)
                children.append(Text(p.value.text, p.value.span))
        content = (
            [b for b in s.body if not isinstance(b, CommentLine)]  # XML's comments are not content
            if s.body and not spec.children and not spec.text
            else None
        )
        if content:
            self.report(
                "TWL305", f"{self._name(base)} takes no " + ("children" if self.xml else "block"), content[0].span
            )
        elif s.body:
            children.extend(self._block(s.body, vocab, spec, raw_parent=False))
        if (
            spec.text_required
            and not any(isinstance(c, Text) and c.value for c in children)
            and not any(isinstance(b, Invalid) for b in s.body)  # what was there could not be read
        ):
            self.report(
                "TWL303",
                f"{self._name(base)} needs " + ("text" if self.xml else "a value"),
                s.keyword_span,
                None if self.xml else f'e.g. {s.keyword} "…"',
            )
        return Element(base.tag, tuple(attributes), tuple(children), False, s.span)

    def _positional(self, args: tuple[Arg, ...]) -> list[Arg]:
        """The positional values; an unquoted ``!=value`` is an escape-hatch attribute with
        an empty name (reported), not a value."""
        out: list[Arg] = []
        for a in args:
            if a.name is not None:
                continue
            if not self.xml and isinstance(a.value, Scalar) and not a.value.quoted and a.value.text.startswith("!="):
                message = f"'{a.value.text}' is an attribute through the escape hatch (!name=value) with an empty name"
                self.report("TWL211", message, a.span)
                continue
            out.append(a)
        return out

    @staticmethod
    def _no_text_hint(p: Arg) -> str | None:
        if isinstance(p.value, Scalar) and "=" in p.value.text:
            return "write name=value with no spaces around '='"
        return None

    def _raw_element(self, s: Statement, vocab: Vocabulary, reported: bool = False) -> Element:
        """``!Tag``: outside the vocabulary, or an element kept in keep mode (``reported``:
        its warning is given)."""
        tag = s.keyword[1:]
        if not self.xml and not XML_NAME.match(tag):  # XML names arrive valid
            self.report("TWL211", f"{tag!r} is not a valid XML element name", s.keyword_span)
        if reported:
            pass
        elif self.xml and not self.keep and not _prefixed(tag):
            self._unknown_tag(tag, s.keyword_span, vocab)
        else:
            hint, keyword = _raw_tag_hint(tag, vocab, self.dialect)
            self._hatch("TWL901", f"<{tag}> is outside twimlc's vocabulary", s.keyword_span, hint, keyword, tag)
        attributes = [a for a in (self._attribute(arg, None, tag) for arg in s.args if arg.name is not None) if a]
        self._duplicates(s.args)
        children: list[Node] = []
        positional = self._positional(s.args)
        if len(positional) > 1:
            self.report("TWL304", f"!{tag} takes one positional value; found {len(positional)}", positional[1].span)
        for p in positional[:1]:
            if isinstance(p.value, ListValue):
                self.report("TWL209", f"the value of !{tag} cannot be a list", p.span)
            else:
                self._text(p.value.text, p.span)
                children.append(Text(p.value.text, p.value.span))
        children.extend(self._block(s.body, vocab, None, raw_parent=True))
        return Element(tag, tuple(attributes), tuple(children), True, s.span)

    def _unsupported_element(self, spec: ElementSpec, span: Span) -> None:
        """TWL107: an element of Twilio's TwiML the target provider lacks."""
        title = self.dialect.title
        self.report(
            "TWL107",
            f"<{spec.tag}> is not supported by {title}",
            span,
            f"source: {_source_of(spec.unsupported)}",
        )

    def _other_dialect(self, tag: str | None, keyword: str | None, kind: str, span: Span) -> bool:
        """TWL109: an element only another provider has (SignalWire's <Denoise>,
        Telnyx's <AIGather>), named with that provider; False when none has it."""
        mine = self.dialect.kinds_with_tag(tag) if tag is not None else self.dialect.kinds_with_keyword(keyword or "")
        if mine:
            return False  # another kind of document has it (TWL102)
        for other in DIALECTS.values():
            if other is self.dialect:
                continue
            vocab = other.vocabulary(kind)
            spec = vocab.elements.get(tag) if tag is not None else vocab.by_keyword.get(keyword or "")
            if spec is None or spec.unsupported or spec.tag == "Response":
                continue
            if spec.tag in self.dialect.vocabulary(kind).elements:
                continue
            self.report(
                "TWL109",
                f"<{spec.tag}> is {other.title}, not supported by {self.dialect.title}",
                span,
                f"to check the file as {other.title}, pass --target {other.name}"
                + ("" if self.xml else f" or write 'twiml {kind} target={other.name}'"),
            )
            return True
        return False

    def _unknown_tag(self, tag: str, span: Span, vocab: Vocabulary) -> None:
        if self._other_dialect(tag, None, vocab.kind, span):
            return
        others = [k for k in self.dialect.kinds_with_tag(tag) if k != vocab.kind]
        if others:
            self.report(
                "TWL102",
                f"<{tag}> is {others[0]} TwiML, but this is a {vocab.kind} document ({self.kind_reason})",
                span,
            )
            return
        tags = [t for t in vocab.elements if t != "Response"]
        explained = explain(tag)
        if explained is not None:
            twin = fix(tag)
            fixed = f"did you mean <{twin}>?" if twin in tags else f"write it in ASCII: {twin}"
            self.report("TWL101", f"unknown element <{tag}>: {explained[1]}", span, fixed)
            return
        near = suggest(tag, tags)
        hint = f"did you mean <{near}>? (TwiML is case-sensitive)" if near else None
        self.report("TWL101", f"unknown element <{tag}>", span, hint)

    def _unknown_keyword(self, s: Statement, vocab: Vocabulary) -> None:
        if self._other_dialect(None, s.keyword, vocab.kind, s.keyword_span):
            return
        others = self.dialect.kinds_with_keyword(s.keyword)
        if others:
            self.report(
                "TWL102",
                f"{s.keyword} is a {others[0]} verb, but this is a {vocab.kind} document ({self.kind_reason})",
                s.keyword_span,
                "a reply is either voice, messaging or fax TwiML; split it in two",
            )
            return
        keywords = sorted(vocab.by_keyword)
        explained = explain(s.keyword)
        if explained is not None:
            self.report("TWL010", explained[1], s.keyword_span, f"write {fix(s.keyword)!r}", fix(s.keyword))
            return
        by_tag = {e.tag: e.keyword for e in vocab.elements.values()}
        near = by_tag.get(s.keyword) or suggest(s.keyword, keywords)
        hint = (
            f"did you mean {near!r}?"
            if near
            else "for an element newer than twimlc, write !Tag (passed through with a warning)"
        )
        self.report("TWL101", f"unknown keyword {s.keyword!r}", s.keyword_span, hint, near)

    def _duplicates(self, args: tuple[Arg, ...]) -> None:
        names = [a.name.lstrip("!") for a in args if a.name is not None]
        if len(set(names)) == len(names):
            return  # the common case: each given once
        seen: set[str] = set()
        for a in args:
            if a.name is None:
                continue
            name = a.name.lstrip("!")
            if name in seen:
                self.report("TWL104", f"attribute {name!r} is given twice", a.span)
            seen.add(name)

    # --- attributes ---------------------------------------------------------------------

    def _attribute(
        self, a: Arg, spec: ElementSpec | None, owner: str, others: _Others | None = None
    ) -> Attribute | None:
        """``a`` as an attribute of ``spec`` (``None`` when it is refused, reported);
        ``others``: its statement's attribute names, so that no fix writes one twice."""
        assert a.name is not None
        if spec is not None and not self.keep:  # the common case first: an attribute of the element
            t = spec.attributes.get(a.name)
            if t is not None and not t.unsupported:
                return self._typed(a, a.name, t, spec.tag)
        name_span = _name_span(a)
        if self.keep and spec is not None and not a.name.startswith("!"):
            name = a.name
            t = spec.attributes.get(name)
            if t is None:  # outside the vocabulary: as if written !name
                a = Arg("!" + name, a.value, a.span)
            elif t.unsupported:
                message = f"{name!r} on {owner} is not supported by {self.dialect.title}"
                self._hatch("TWL902", message, name_span, f"source: {_source_of(t.unsupported)}", None, name)
                return self._untyped(a, name)
            else:
                mark = len(self.diagnostics)
                typed = self._typed(a, name, t, spec.tag)
                refusal = self._refused(mark)
                if refusal is None:
                    return typed
                del self.diagnostics[mark:]
                self._hatch("TWL902", refusal.message, name_span, refusal.hint, None, name)
                return self._untyped(a, name)
        assert a.name is not None
        xml_extension = self.xml and _prefixed(a.name)  # e.g. Polly's amazon:max-duration
        if a.name.startswith("!") or (xml_extension and spec is not None and a.name not in spec.attributes):
            name = a.name.lstrip("!")
            if not XML_NAME.match(name) and not self.xml:
                self.report("TWL211", f"{name!r} is not a valid XML attribute name", name_span, attribute=name)
                return None
            if spec is not None and name in spec.attributes:
                why = _clash(name, name, others)
                self._hatch(
                    "TWL902",
                    f"{name!r} is a known attribute of {owner}, passed through unchecked",
                    name_span,
                    f"{why}: keep one of them" if why else f"write {name}=… to have it checked",
                    None if why else name,
                    name,
                )
            elif spec is not None or owner == "Response":
                near = None if _prefixed(name) or spec is None else suggest(name, list(spec.attributes))
                why = _clash(near, name, others)
                if why:
                    hint = f"did you mean {near!r}? {why}. If not, it is passed through unchecked"
                    near = None
                elif near:
                    hint = f"did you mean {near!r}? If not, it is passed through unchecked"
                elif _prefixed(name):
                    hint = _VENDOR_HINT.format(prefix=name.split(":")[0])
                else:
                    hint = "it is passed through unchecked"
                self._hatch("TWL902", f"attribute {name!r} is outside twimlc's vocabulary", name_span, hint, near, name)
            return self._untyped(a, name)
        if spec is None:  # raw element: its attributes are written as given
            return self._untyped(a, a.name)
        t = spec.attributes.get(a.name)
        explained = explain(a.name) if t is None else None
        if explained is not None:
            twin = fix(a.name)
            code = "TWL103" if self.xml else "TWL010"
            hint = f"did you mean {twin!r}?" if twin in spec.attributes else f"write it in ASCII: {twin}"
            prefix = f"unknown attribute {a.name!r} on {owner}: " if self.xml else ""
            fixed = twin if twin in spec.attributes else None
            why = _clash(fixed, a.name, others)
            if why:
                hint, fixed = f"{hint} {why}: keep one of them", None
            self.report(code, prefix + explained[1], name_span, hint, fixed, attribute=twin)
            return None
        if t is None:
            near = suggest(a.name, list(spec.attributes))
            if near:
                hint = f"did you mean {near!r}?"
            else:
                known = (
                    ("known attributes: " + ", ".join(sorted(spec.attributes)))
                    if spec.attributes
                    else f"{owner} takes no attributes"
                )
                hint = f"{known}; to pass it anyway, write !{a.name}=…"
            if not self._other_dialect_attribute(a.name, spec, owner, name_span):
                why = _clash(near, a.name, others)
                if why:
                    hint = f"{hint} {why}: keep one of them"
                self.report(
                    "TWL103",
                    f"unknown attribute {a.name!r} on {owner}",
                    name_span,
                    hint,
                    None if why else near,
                    attribute=near or a.name,
                )
            return None
        if t.unsupported:
            self.report(
                "TWL108",
                f"{a.name!r} on {owner} is not supported by {self.dialect.title}",
                name_span,
                f"source: {_source_of(t.unsupported)}",
                attribute=a.name,
            )
            return None
        return self._typed(a, a.name, t, spec.tag)

    def _other_dialect_attribute(self, name: str, spec: ElementSpec, owner: str, span: Span) -> bool:
        """TWL109 for an attribute only another provider's element has."""
        for other in DIALECTS.values():
            if other is self.dialect:
                continue
            theirs = other.vocabulary(spec.kind).elements.get(spec.tag)
            t = theirs.attributes.get(name) if theirs is not None else None
            if t is not None and not t.unsupported:
                self.report(
                    "TWL109",
                    f"{name!r} on {owner} is {other.title}, not supported by {self.dialect.title}",
                    span,
                    f"to check the file as {other.title}, pass --target {other.name}",
                    attribute=name,
                )
                return True
        return False

    def _placeholder_fits(self, item: Scalar, name: str, t: ValueType) -> bool:
        """A value with ``{{param}}``: the whole value must fit the attribute's type; a
        value with text around placeholders must fit once they are filled in."""
        params = [self.params[n] for n in template_params.names(item.text) if n in self.params]
        if len(params) != len(template_params.names(item.text)):
            return False  # undeclared or badly declared: reported already
        if template_params.is_whole(item.text):
            p = params[0]
            if not template_params.fits(p.type, p.values, t):
                self.report(
                    "TWL603",
                    f"parameter {p.name!r} is {_a(p.type)}, but {name} needs {t.describe()}",
                    item.span,
                    "declare the parameter with a type that fits",
                    attribute=name,
                )
                return False
            return True
        filled = template_params.PLACEHOLDER.sub(
            lambda m: template_params.sample(self.params[m.group(1)].type, self.params[m.group(1)].values), item.text
        )
        problem = check_value(t, filled)
        if problem:
            self.report(
                "TWL603",
                f"{name}: {item.text!r} cannot be valid with its parameters filled in ({problem[1]})",
                item.span,
                attribute=name,
            )
            return False
        return True

    def _untyped(self, a: Arg, name: str) -> Attribute | None:
        if isinstance(a.value, ListValue):
            for item in a.value.items:
                self._text(item.text, item.span)
            return Attribute(name, tuple(i.text for i in a.value.items), True, " ", a.span)
        self._text(a.value.text, a.value.span)
        return Attribute(name, a.value.text, True, " ", a.span)

    def _typed(self, a: Arg, name: str, t: ValueType, tag: str | None = None) -> Attribute | None:
        one = a.value
        if t.separator is None and isinstance(one, Scalar):  # the common case first: one good value
            text = one.text
            if (id(t), text) in self.good:
                return Attribute(name, text, False, " ", a.span)
            if "{{" not in text and not NOT_XML.search(text) and value_problem(t, text) is None:
                self.good.add((id(t), text))
                return Attribute(name, text, False, " ", a.span)
        elif t.separator is not None and isinstance(one, ListValue):  # or a list of good values
            texts = tuple(i.text for i in one.items)
            if all("{{" not in x and not NOT_XML.search(x) and value_problem(t, x) is None for x in texts):
                return Attribute(name, texts, False, t.separator, a.span)
        ok = True
        if isinstance(a.value, ListValue):
            if not t.is_list:
                self.report(
                    "TWL209",
                    f"{name} takes one value, not a list",
                    a.value.span,
                    f"expected {t.describe()}",
                    attribute=name,
                )
                return None
            items: list[Scalar] = list(a.value.items)
        elif t.is_list:
            sep = t.separator or " "
            parts = a.value.text.split(sep.strip() or None) if a.value.text.strip() else []
            # one value, as written: its span is its own (a fix can replace it)
            items = [a.value] if parts == [a.value.text] else [Scalar(x.strip(), True, a.value.span) for x in parts]
        else:
            items = [a.value]
        own_spans = isinstance(a.value, ListValue) or items[:1] == [a.value]  # not items split from one string
        for item in items:
            self._text(item.text, item.span)
            if "{{" in item.text and self.templated and template_params.names(item.text):
                if not self._placeholder_fits(item, name, t):
                    ok = False
                continue
            problem = value_problem(t, item.text)
            if problem:
                code, message, hint = problem
                ok = ok and CODES[code].severity != ERROR  # a warning keeps the value
                label = f"{name} on <{tag}>" if self.keep and tag else name  # kept: say where
                self.report(
                    code,
                    f"{label}: {message}",
                    item.span,
                    hint,
                    _value_fix(t, item) if own_spans else None,
                    tag,
                    attribute=name,
                )
        if not ok:
            return None
        value: str | tuple[str, ...] = (
            tuple(i.text for i in a.value.items) if isinstance(a.value, ListValue) else a.value.text
        )
        return Attribute(name, value, False, t.separator or " ", a.span)


# A statement's attribute names (without '!'), and the names fixes offered so far write
# (each with the name it replaces): see _clash.
_Others = tuple[list[str], dict[str, str]]


def _clash(fix: str | None, own: str, others: _Others | None) -> str | None:
    """Why writing ``fix`` for the attribute name ``own`` would give its statement an
    attribute twice (the name is there already, or a fix offered for another name writes
    it: an editor's *Fix all* applies them all); ``None`` when it would not, and then
    ``fix`` is taken, so no later name is offered the same."""
    if fix is None or others is None:
        return None
    names, taken = others
    if names.count(fix) > (1 if own == fix else 0):
        return f"{fix!r} is given already"
    if fix in taken:
        return f"{taken[fix]!r} means it too"
    taken[fix] = own
    return None


def _source_of(note: str) -> str:
    """The source URL in a dialect table's ``unsupported`` note."""
    m = re.search(r"\((\S+)\)$", note)
    return m.group(1) if m else note


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _name_span(a: Arg) -> Span:
    assert a.name is not None
    return Span(a.span.line, a.span.column, a.span.line, a.span.column + len(a.name))


def _split_value_hint(positional: list[Arg]) -> str:
    """The hint for a second positional value: an unquoted value with ``[ ]`` in it was
    split into a list and its neighbours; otherwise text with spaces needs quotes."""
    for before, after in pairwise(positional):
        touching = (before.span.end_line, before.span.end_column) == (after.span.line, after.span.column)
        if touching and (isinstance(before.value, ListValue) or isinstance(after.value, ListValue)):
            return 'unquoted, [ ] make a list: quote a value with [ ] in it ("…")'
    return "quote text that contains spaces"


def _prefixed(name: str) -> bool:
    """A namespace-prefixed name other than xml:…, such as Amazon Polly's amazon:effect."""
    return ":" in name and not name.startswith("xml:")


def _value_fix(t: ValueType, item: Scalar) -> str | None:
    """The value to write instead of ``item`` when its hint names one: the nearest choice
    (``GTE`` → ``GET``), or a boolean in lower case."""
    if t.type == "bool":
        near = item.text.lower() if item.text.lower() in ("true", "false") else None
    elif t.type == "enum":
        near = suggest(item.text, t.values)
    else:
        return None
    if near is None:
        return None
    return '"' + near.replace("\\", "\\\\").replace('"', '\\"') + '"' if item.quoted else near


def _raw_tag_hint(tag: str, vocab: Vocabulary, dialect: Dialect) -> tuple[str, str | None]:
    """For ``!tag``: the hint, and the keyword to write when the tag is TwiML or a near
    miss of it."""
    known = next((e for e in vocab.elements.values() if e.tag == tag), None)
    if known is not None:
        return f"{tag} is in the vocabulary: write {known.keyword}", known.keyword
    if not _prefixed(tag):
        keywords: dict[str, str] = {}
        for kind in (vocab.kind, *KINDS):
            for e in dialect.vocabulary(kind).elements.values():
                if e.tag != "Response":
                    keywords.setdefault(e.tag, e.keyword)
        near = suggest(tag, list(keywords))
        if near is not None:
            return f"did you mean {keywords[near]!r}? If not, it is passed through unchecked", keywords[near]
    else:
        return _VENDOR_HINT.format(prefix=tag.split(":")[0]), None
    return "it is passed through unchecked", None


_VENDOR_HINT = "the {prefix}: prefix marks a vendor's extension (such as Amazon Polly's SSML): passed through unchecked"


def _param_name(s: Statement) -> str:
    first = next((a for a in s.args if a.name is None), None)
    return first.value.text if first is not None and isinstance(first.value, Scalar) else ""


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def resolve(
    nodes: list[SyntaxNode],
    comments: list[CommentLine],
    dialect: Dialect = TWILIO,
    xml: bool = False,
    keep: bool = False,
    root: Sequence[Arg] = (),
    pinned: bool = False,
) -> tuple[Document, list[Diagnostic]]:
    """The typed document (it records ``dialect``) and what is wrong with it. Never raises
    for bad input; diagnostics carry no file (the driver stamps it). ``keep``: keep mode
    (see the module), for XML read exactly (``xmlread.to_syntax(exact=True)``); ``root``:
    the attributes of XML's ``<Response>``; ``pinned``: judged for ``dialect`` whatever
    the header's ``target=`` says (it is recorded in the document, not applied)."""
    r = Resolver(dialect, xml, keep, pinned)
    doc = r.document(nodes, comments, root)
    return doc, r.diagnostics
