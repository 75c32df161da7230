"""``twimlc lsp``: the language server, LSP over standard input and output (pygls 2).

For ``.twl``: diagnostics as you type (every problem ``twimlc check`` reports), quick fixes
from the diagnostics that name a replacement, completion and hover driven by the
vocabulary, formatting through ``fmt``, an outline, and go to definition, references and
rename for template parameters. For TwiML XML (``.xml``, ``.twiml``): diagnostics.

Checks run off the event loop, which stays free to read messages meanwhile: on one worker
thread, and a document over ``LARGE`` characters on a thread of its own, so that it does
not hold up the others' diagnostics. Changes that arrive while a document is being checked
are coalesced: the next check takes the newest text, so a burst of keystrokes costs one
check, and a single change is checked at once. Any error inside a request is logged to
the client (``window/logMessage``) and answered with no result; the server keeps serving.

Where pygls 2 answers nothing, or with a traceback, :class:`Protocol` answers as the
specification asks: InvalidParams for a request whose params do not fit, InvalidRequest
after ``shutdown``, a plain error for a refused request; a document that is not open gets
empty answers.

Only this module imports pygls; ``twimlc`` and its other commands never do.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar
from urllib.parse import unquote, urlparse

from cattrs import transform_error
from cattrs.v import format_exception
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.workspace import TextDocument

from . import __version__, editing
from . import params as placeholders
from .ast import Span
from .diagnostics import CODES, Diagnostic, diag
from .dialect import MAX_READ_BYTES, TWILIO, Dialect
from .files import line_ending, with_line_ending
from .positions import from_utf16, to_utf16
from .vocabulary import HEADER_KEYWORD, ElementSpec, ValueType

CODES_URL = "https://github.com/twimlc/twimlc/blob/main/docs/codes.md"
SOURCE = "twimlc"
FIX_ALL = types.CodeActionKind.SourceFixAll + ".twimlc"
LARGE = 64 * 1024  # characters (Twilio takes 64 kB of TwiML): a larger document is checked on its own thread
FIX_PASSES = 10  # fix all: apply the fixes, check again, … until none is left or this many passes
# A change that arrives while its document is checked is part of a burst (fast typing, a
# paste, a tool's edits): the next check waits until the document has been this many
# seconds without a change, so that a burst costs a few checks however fast one is. A
# change after a quiet spell is checked at once.
BURST_QUIET = 0.02
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

T = TypeVar("T")
logger = logging.getLogger(__name__)


class Refusal(JsonRpcException):
    """A request refused for a reason the user should read (a rename that would break the
    file): answered RequestFailed with just that message, and nothing logged."""

    CODE = types.LSPErrorCodes.RequestFailed

    def __init__(self, message: str) -> None:
        super().__init__(message=message)


def code_href(code: str) -> str:
    """The code's section in docs/codes.md: GitHub's anchor for its heading, ``## TWL103 —
    title``; a warning's title ends in `` (warning)`` there, instead of any other note."""
    entry = CODES.get(code)
    title = entry.title if entry else ""
    if entry is not None and entry.severity == "warning":
        title = re.sub(r"\s*\(.*\)$", "", title) + " (warning)"
    slug = re.sub(r"[^a-z0-9 _-]", "", f"{code} — {title}".lower()).replace(" ", "-")
    return f"{CODES_URL}#{slug}"


# --- positions ---------------------------------------------------------------------------------


class Positions:
    """twimlc positions (1-based lines, 1-based code-point columns) ↔ LSP positions (0-based
    lines, columns in the negotiated encoding: UTF-16 code units unless the client chose
    UTF-8 or UTF-32)."""

    def __init__(self, lines: list[str], encoding: str = "utf-16") -> None:
        self.lines = lines
        self.encoding = encoding

    def line(self, number: int) -> str:
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""

    def to_lsp(self, line: int, column: int) -> types.Position:
        if line < 1:
            return types.Position(0, 0)
        if line > len(self.lines):
            last = len(self.lines)
            return types.Position(max(last - 1, 0), self._units(self.line(last), len(self.line(last)) + 1))
        return types.Position(line - 1, self._units(self.line(line), column))

    def _units(self, text: str, column: int) -> int:
        if self.encoding == "utf-32":
            return max(column - 1, 0)
        if self.encoding == "utf-8":
            return len(text[: max(column - 1, 0)].encode("utf-8")) + max(column - 1 - len(text), 0)
        return to_utf16(text, column)

    def range(self, span: Span) -> types.Range:
        start = self.to_lsp(span.line, span.column)
        end = self.to_lsp(span.end_line, span.end_column)
        if (end.line, end.character) < (start.line, start.character):
            end = start
        return types.Range(start, end)

    def from_lsp(self, position: types.Position) -> tuple[int, int]:
        """(1-based line, 0-based code-point offset in it)."""
        text = self.line(position.line + 1)
        if self.encoding == "utf-32":
            return position.line + 1, min(position.character, len(text))
        if self.encoding == "utf-8":
            data = text.encode("utf-8")[: position.character]
            return position.line + 1, len(data.decode("utf-8", errors="ignore"))
        return position.line + 1, min(from_utf16(text, position.character) - 1, len(text))

    def token_range(self, line: int, start: int, end: int) -> types.Range:
        return types.Range(self.to_lsp(line, start + 1), self.to_lsp(line, end + 1))

    def whole(self) -> types.Range:
        last = len(self.lines)
        return types.Range(types.Position(0, 0), types.Position(last - 1, self._units(self.line(last), 10**9)))


def split_lines(source: str) -> list[str]:
    lines = source.split("\n")
    return [line[:-1] if line.endswith("\r") else line for line in lines]


# --- diagnostics -------------------------------------------------------------------------------


def document_kind(uri: str, language_id: str | None) -> str | None:
    """``twl``, ``xml`` or ``None`` (not ours): by the file's suffix, else the language."""
    path = urlparse(uri).path.lower()
    if path.endswith(".twl"):
        return "twl"
    if path.endswith((".xml", ".twiml")):
        return "xml"
    if language_id in ("twl", "twimlc"):
        return "twl"
    if language_id in ("xml", "twiml"):
        return "xml"
    return None


def uri_path(uri: str) -> str:
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else uri


def check_source(source: str, kind: str, path: str, dialect: Dialect = TWILIO) -> list[Diagnostic]:
    """Every diagnostic ``twimlc check --target`` reports for the text (read as the CLI reads
    files: over ``MAX_READ_BYTES`` it is refused with one diagnostic)."""
    if len(source) > MAX_READ_BYTES or len(source.encode("utf-8", errors="surrogatepass")) > MAX_READ_BYTES:
        message = (
            f"the file is over {MAX_READ_BYTES:,} bytes; twimlc reads up to that (Twilio refuses TwiML over 64 kB)"
        )
        return [diag("TWL007", message, Span(1, 1, 1, 1), None, path)]
    if kind == "xml":
        from .api import check_xml

        return check_xml(source.encode("utf-8", errors="replace"), path, dialect=dialect)
    from .api import analyze

    return analyze(source, path, dialect)[1]


def twilio_code(d: Diagnostic) -> str | None:
    """The provider's code the driver stamped from the dialect's table (data, not text)."""
    return d.provider_code or None


def to_lsp_diagnostic(d: Diagnostic, positions: Positions, kind: str) -> types.Diagnostic:
    message = d.full_message
    twilio = twilio_code(d)
    if d.hint:
        message += f"\nhelp: {d.hint}"
    tags = [types.DiagnosticTag.Unnecessary] if d.code in ("TWL401", "TWL602") else None
    data: dict[str, Any] = {}
    if twilio:
        data["twilio"] = twilio
    if d.fix is not None and kind == "twl":
        data["fix"] = d.fix
    return types.Diagnostic(
        range=positions.range(d.span),
        message=message,
        severity=types.DiagnosticSeverity.Error if d.is_error else types.DiagnosticSeverity.Warning,
        code=d.code,
        code_description=types.CodeDescription(href=code_href(d.code)),
        source=SOURCE,
        tags=tags,
        data=data or None,
    )


def diagnose(source: str, kind: str, path: str, encoding: str, dialect: Dialect = TWILIO) -> list[types.Diagnostic]:
    positions = Positions(split_lines(source), encoding)
    return [to_lsp_diagnostic(d, positions, kind) for d in check_source(source, kind, path, dialect)]


def project_dialect(path: str) -> Dialect:
    """The ``[tool.twimlc] target`` of the project a file belongs to: the nearest
    ``pyproject.toml`` with that table from the file's folder upwards (the CLI looks from the
    current directory; an editor has none that means anything). Twilio when none sets one.
    A settings file that cannot be used raises :class:`project.SettingsError`."""
    from pathlib import Path

    from .project import project_target

    folder = Path(path).parent
    return (project_target(folder) if folder.is_dir() else None) or TWILIO


# --- quick fixes --------------------------------------------------------------------------------


def fix_title(d: types.Diagnostic, fix: str) -> str:
    return f"Replace with {fix!r}" + (f" ({d.code})" if d.code else "")


def quick_fixes(uri: str, diagnostics: list[types.Diagnostic]) -> list[types.CodeAction]:
    """A quick fix for each of the client's diagnostics that names a replacement."""
    actions: list[types.CodeAction] = []
    for d in diagnostics:
        fix = d.data.get("fix") if isinstance(d.data, dict) else None
        if d.source != SOURCE or not isinstance(fix, str):
            continue
        actions.append(
            types.CodeAction(
                title=fix_title(d, fix),
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[d],
                edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(d.range, fix)]}),
                is_preferred=True,
            )
        )
    return actions


def wanted(only: list[str] | None, kind: str) -> bool:
    """Whether a client that asks for ``only`` these kinds of action (none: any) wants one
    of ``kind``: kinds are hierarchical, ``source`` asks for ``source.fixAll.twimlc``."""
    return not only or any(kind == k or kind.startswith(k + ".") for k in only)


def apply_fixes(source: str, fixes: list[tuple[Span, str]]) -> str:
    """``source`` with each span replaced by its text; a fix that overlaps an earlier one
    is left out (the next check finds it again if it still applies)."""
    lines = source.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def offset(line: int, column: int) -> int:
        if line < 1:
            return 0
        if line > len(lines):
            return len(source)
        return starts[line - 1] + min(max(column - 1, 0), len(lines[line - 1]))

    out: list[str] = []
    at = 0
    for span, text in sorted(fixes, key=lambda f: (f[0].line, f[0].column, f[0].end_line, f[0].end_column)):
        start, end = offset(span.line, span.column), offset(span.end_line, span.end_column)
        if start < at or end < start:
            continue
        out += [source[at:start], text]
        at = end
    return "".join(out) + source[at:]


def fixed_source(source: str, path: str, dialect: Dialect = TWILIO) -> str:
    """``.twl`` text with every replacement its diagnostics name applied, checked again
    after each pass (a statement unknown before a fix is checked after it, as ``say`` for
    ``Say``'s attributes) until no fix is left, as ruff's fix all does."""
    for _ in range(FIX_PASSES):
        fixes = [(d.span, d.fix) for d in check_source(source, "twl", path, dialect) if d.fix is not None]
        new = apply_fixes(source, fixes)
        if new == source:
            break
        source = new
    return source


def replacing_lines(source: str, new: str, encoding: str) -> list[types.TextEdit]:
    """One edit that turns ``source`` into ``new``: the lines from the first that differs
    to the last that differs (the rest of the document, and a cursor in it, stay put)."""
    if new == source:
        return []
    old_lines, new_lines = source.split("\n"), new.split("\n")
    shortest = min(len(old_lines), len(new_lines))
    head = 0
    while head < shortest - 1 and old_lines[head] == new_lines[head]:
        head += 1
    tail = 0
    while tail < shortest - head - 1 and old_lines[-1 - tail] == new_lines[-1 - tail]:
        tail += 1
    start = types.Position(head, 0)
    if tail:
        end = types.Position(len(old_lines) - tail, 0)
        text = "\n".join(new_lines[head : len(new_lines) - tail]) + "\n"
    else:
        end = Positions(old_lines, encoding).whole().end
        text = "\n".join(new_lines[head:])
    return [types.TextEdit(types.Range(start, end), text)]


def fix_all_edits(source: str, path: str, encoding: str, dialect: Dialect = TWILIO) -> list[types.TextEdit]:
    """What *Fix all* (``source.fixAll.twimlc``) changes in a ``.twl`` document: every
    fixable problem of the whole document, computed from its text."""
    return replacing_lines(source, fixed_source(source, path, dialect), encoding)


# --- completion ---------------------------------------------------------------------------------


def _markdown(text: str) -> types.MarkupContent:
    return types.MarkupContent(kind=types.MarkupKind.Markdown, value=text)


def element_doc(spec: ElementSpec, dialect: Dialect = TWILIO) -> str:
    parts = [f"**{spec.keyword}** → `<{spec.tag}>`"]
    if spec.unsupported:
        parts.append(f"**Not supported by {dialect.title}** ({spec.unsupported})")
    if spec.description:
        parts.append(spec.description)
    if spec.attributes:
        parts.append(
            "Attributes: " + ", ".join(f"`{a}`" for a, t in sorted(spec.attributes.items()) if not t.unsupported)
        )
    if spec.children:
        parts.append("Children: " + ", ".join(f"`{c}`" for c in spec.children))
    if spec.text:
        parts.append("Takes text" + (" (required)." if spec.text_required else "."))
    if spec.docs:
        parts.append(f"[Twilio documentation: <{spec.tag}>]({spec.docs})")
    return "\n\n".join(parts)


def attribute_doc(
    name: str, t: ValueType, spec: ElementSpec, value: str | None = None, dialect: Dialect = TWILIO
) -> str:
    parts = [f"**{name}** — attribute of `<{spec.tag}>` (`{spec.keyword}`)"]
    if t.unsupported:
        parts.append(f"**Not supported by {dialect.title}** ({t.unsupported})")
    if t.description:
        parts.append(t.description)
    parts.append(f"Type: {t.describe()}")
    if t.type == "enum" and t.values:
        shown = ", ".join(f"`{v}`" for v in t.values[:40]) + (", …" if len(t.values) > 40 else "")
        parts.append(("Known values (others are accepted with a warning): " if t.open else "Allowed values: ") + shown)
    if t.min is not None or t.max is not None:
        lo = "" if t.min is None else str(t.min)
        hi = "" if t.max is None else str(t.max)
        parts.append(f"Limits: {lo}..{hi}")
    if value is not None:
        parts.append(value)
    if spec.docs:
        parts.append(f"[Twilio documentation: <{spec.tag}>]({spec.docs})")
    return "\n\n".join(parts)


def _values(t: ValueType) -> list[str]:
    if t.type == "bool":
        return ["true", "false"]
    if t.type == "enum":
        return list(t.values)
    return []


class Editor:
    """Completion, hover, definition and rename on one document's text."""

    def __init__(self, source: str, encoding: str = "utf-16", dialect: Dialect = TWILIO) -> None:
        self.text = editing.Text(source)
        self.positions = Positions(self.text.lines, encoding)
        # the header's target= wins over the project's (as in check)
        self.dialect = editing.dialect_of(self.text, dialect)

    # completion

    def completion(self, position: types.Position) -> list[types.CompletionItem]:
        line, offset = self.positions.from_lsp(position)
        statement = self.text.statement(line, upto=offset)
        toks = statement.tokens
        if toks and toks[-1].kind == "comment":
            return []
        last = toks[-1] if toks else None
        at_end = last is not None and last.line == line and last.end == offset
        if last is not None and at_end and last.text.startswith("!"):
            return []  # an escape hatch is for a name twimlc does not know: none to offer
        # inside {{ (in a string or a bare value): the declared parameters
        if (
            last is not None
            and at_end
            and last.kind in ("string", "word")
            and not (last.kind == "string" and last.closed)
        ):
            partial = editing.open_placeholder(last.text)
            if partial is not None:
                return self._params(line, offset - len(partial), offset, self.text.line(line)[offset:])
        if last is not None and last.kind == "string" and at_end and not last.closed:
            return []
        vocab = self.dialect.vocabulary(self.text.kind())
        outer = self.text.enclosing(statement.first_line)
        hs = statement.heads
        current = hs[-1] if hs else editing.Head()
        if last is not None and last.kind == "colon" and at_end:
            return []  # `gather:` just typed
        if (last is not None and last.kind == "colon") or not toks:
            parents = outer + statement.keywords
            return self._keywords(vocab, parents, line, offset, offset, top=not parents and not toks)
        if current.keyword is not None and current.keyword is last and at_end and not current.attributes:
            parents = outer + [k for k in statement.keywords[:-1]]
            return self._keywords(vocab, parents, line, last.start, offset, top=not parents and len(hs) == 1)
        if current.keyword is None:
            return []
        parents = outer + statement.keywords[:-1]
        spec = editing.spec_chain([*parents, current.keyword.text], vocab)
        if spec is None:
            return []
        # after name= (or inside name=[…]): the values
        if current.attributes:
            name_tok, value = current.attributes[-1]
            in_value = (not value and at_end and last is name_tok) or (
                value and value[0].kind == "lsqb" and value[-1].kind != "rsqb"
            )
            if value and value[-1] is last and at_end and value[-1].kind == "word" and value[0].kind != "lsqb":
                in_value = True
            if in_value and last is not None:
                t = spec.attributes.get(name_tok.text[:-1])
                if t is None:
                    return []
                partial_start = last.start if (at_end and last.kind == "word") else offset
                written = [v.text for v in value if v.kind == "word" and not (at_end and v is last)]
                return self._values(t, line, partial_start, offset, written)
        # after a space, or a partial name: the attributes not yet written
        written_names = {a.text[:-1].lstrip("!") for a, _ in current.attributes}
        start = last.start if (at_end and last is not None and last.kind == "word") else offset
        if at_end and last is not None and last.kind not in ("word",):
            return []
        return self._attributes(spec, written_names, line, start, offset)

    def _edit(self, line: int, start: int, end: int, text: str) -> types.TextEdit:
        return types.TextEdit(self.positions.token_range(line, start, end), text)

    def _keywords(
        self, vocab: Any, parents: list[str], line: int, start: int, end: int, top: bool
    ) -> list[types.CompletionItem]:
        spec = editing.spec_chain(parents, vocab)
        if spec is None:
            return []
        items = []
        for tag in spec.children:
            child = vocab.elements.get(tag)
            if child is None or child.unsupported:
                continue  # the target lacks it: check would refuse it (TWL107)
            child = child.variant(spec.tag)
            items.append(
                types.CompletionItem(
                    label=child.keyword,
                    kind=types.CompletionItemKind.Keyword,
                    detail=f"<{child.tag}>",
                    documentation=_markdown(element_doc(child, self.dialect)),
                    text_edit=self._edit(line, start, end, child.keyword),
                )
            )
        if top and spec.tag == "Response":
            items.append(
                types.CompletionItem(
                    label=placeholders.PARAM_KEYWORD,
                    kind=types.CompletionItemKind.Keyword,
                    detail="template parameter",
                    documentation=_markdown(
                        "`param NAME TYPE [default=VALUE]`: a template parameter, used as `{{NAME}}`"
                    ),
                    text_edit=self._edit(line, start, end, placeholders.PARAM_KEYWORD),
                )
            )
            if line == 1:
                items.append(
                    types.CompletionItem(
                        label=HEADER_KEYWORD,
                        kind=types.CompletionItemKind.Keyword,
                        detail="document header",
                        documentation=_markdown("`twiml voice`, `twiml messaging` or `twiml fax`: the document's kind"),
                        text_edit=self._edit(line, start, end, HEADER_KEYWORD),
                    )
                )
        return items

    def _attributes(
        self, spec: ElementSpec, written: set[str], line: int, start: int, end: int
    ) -> list[types.CompletionItem]:
        retrigger = types.Command(title="Suggest values", command="editor.action.triggerSuggest")
        items = []
        for name, t in sorted(spec.attributes.items()):
            if name in written or t.unsupported:
                continue
            items.append(
                types.CompletionItem(
                    label=name,
                    kind=types.CompletionItemKind.Property,
                    detail=t.describe(),
                    documentation=_markdown(attribute_doc(name, t, spec, dialect=self.dialect)),
                    text_edit=self._edit(line, start, end, f"{name}="),
                    command=retrigger if _values(t) else None,
                )
            )
        return items

    def _values(self, t: ValueType, line: int, start: int, end: int, written: list[str]) -> list[types.CompletionItem]:
        items = []
        for i, value in enumerate(_values(t)):
            if value in written:
                continue
            items.append(
                types.CompletionItem(
                    label=value,
                    kind=types.CompletionItemKind.EnumMember,
                    detail=t.description or t.describe(),
                    sort_text=f"{i:05d}",
                    text_edit=self._edit(line, start, end, value),
                )
            )
        return items

    def _params(self, line: int, start: int, end: int, after: str) -> list[types.CompletionItem]:
        closing = "" if after.lstrip().startswith("}}") else "}}"
        items = []
        for name, token in self.text.params().items():
            declaration = self.text.line(token.line).strip()
            items.append(
                types.CompletionItem(
                    label=name,
                    kind=types.CompletionItemKind.Variable,
                    detail=declaration,
                    documentation=_markdown(f"```twl\n{declaration}\n```\ndeclared on line {token.line}"),
                    text_edit=self._edit(line, start, end, name + closing),
                )
            )
        return items

    # hover

    def hover(self, position: types.Position) -> types.Hover | None:
        line, offset = self.positions.from_lsp(position)
        statement = self.text.statement(line)
        vocab = self.dialect.vocabulary(self.text.kind())
        outer = self.text.enclosing(statement.first_line)
        for index, head in enumerate(statement.heads):
            parents = outer + statement.keywords[: len([h for h in statement.heads[:index] if h.keyword])]
            found = self._hover_head(head, parents, vocab, line, offset)
            if found is not None:
                return found
        return None

    def _on(self, t: editing.Token, line: int, offset: int) -> bool:
        return t.line == line and t.start <= offset <= t.end

    def _hover(self, text: str, t: editing.Token, start: int | None = None, end: int | None = None) -> types.Hover:
        r = self.positions.token_range(t.line, t.start if start is None else start, t.end if end is None else end)
        return types.Hover(contents=_markdown(text), range=r)

    def _hover_head(
        self, head: editing.Head, parents: list[str], vocab: Any, line: int, offset: int
    ) -> types.Hover | None:
        for t in [*head.positional, *(v for _, vs in head.attributes for v in vs), *([head.text] if head.text else [])]:
            if t.kind in ("word", "string") and self._on(t, line, offset):
                found = editing.placeholder_at(t.text, offset - t.start)
                if found is not None:
                    return self._hover_param(found[0], t, t.start + found[1], t.start + found[2])
        k = head.keyword
        if k is None:
            return None
        if self._on(k, line, offset):
            if k.text == placeholders.PARAM_KEYWORD:
                return self._hover("**param** — a template parameter: `param NAME TYPE [default=VALUE]`", k)
            if k.text == HEADER_KEYWORD:
                return self._hover("**twiml** — the document's kind: `voice`, `messaging` or `fax`", k)
            if k.text.startswith("!"):
                return self._hover(f"`<{k.text[1:]}>` — escape hatch: passed through unchecked", k)
            spec = editing.spec_chain([*parents, k.text], vocab)
            return self._hover(element_doc(spec, self.dialect), k) if spec is not None else None
        if k.text == placeholders.PARAM_KEYWORD:
            if head.positional and self._on(head.positional[0], line, offset):
                declared = head.positional[0]
                return self._hover(f"```twl\n{self.text.line(declared.line).strip()}\n```", declared)
            return None
        spec = editing.spec_chain([*parents, k.text], vocab)
        if spec is None:
            return None
        for name_tok, value in head.attributes:
            name = name_tok.text[:-1]
            vt = spec.attributes.get(name)
            if vt is None:
                continue
            if self._on(name_tok, line, offset) and offset < name_tok.end:
                return self._hover(
                    attribute_doc(name, vt, spec, dialect=self.dialect), name_tok, name_tok.start, name_tok.end - 1
                )
            for v in value:
                if v.kind in ("word", "string") and self._on(v, line, offset):
                    shown = v.text.strip('"')
                    note = f"Value `{shown}`"
                    if _values(vt):
                        known = shown in _values(vt)
                        note += " is one of the allowed values" if known else " is not one of the known values"
                    return self._hover(attribute_doc(name, vt, spec, note, self.dialect), v)
        return None

    def _hover_param(self, name: str, t: editing.Token, start: int, end: int) -> types.Hover:
        declared = self.text.params().get(name)
        if declared is None:
            return self._hover(f"`{{{{{name}}}}}` — not declared: add `param {name} string`", t, start, end)
        declaration = self.text.line(declared.line).strip()
        return self._hover(f"```twl\n{declaration}\n```\ndeclared on line {declared.line}", t, start, end)

    # parameters: definition, references, rename

    def param_at(self, position: types.Position) -> tuple[str, types.Range] | None:
        line, offset = self.positions.from_lsp(position)
        for t in editing.code_tokens(self.text.line(line), line):
            if t.start <= offset <= t.end and t.kind in ("word", "string"):
                found = editing.placeholder_at(t.text, offset - t.start)
                if found is not None:
                    return found[0], self.positions.token_range(line, t.start + found[1], t.start + found[2])
        for name, token in self.text.params().items():
            if token.line == line and token.start <= offset <= token.end:
                return name, self.positions.token_range(line, token.start, token.end)
        return None

    def definition(self, position: types.Position, uri: str) -> types.Location | None:
        found = self.param_at(position)
        if found is None:
            return None
        token = self.text.params().get(found[0])
        if token is None:
            return None
        return types.Location(uri, self.positions.token_range(token.line, token.start, token.end))

    def references(self, position: types.Position, uri: str, declaration: bool) -> list[types.Location] | None:
        found = self.param_at(position)
        if found is None:
            return None
        name = found[0]
        out = []
        token = self.text.params().get(name)
        if declaration and token is not None:
            out.append(types.Location(uri, self.positions.token_range(token.line, token.start, token.end)))
        out.extend(types.Location(uri, self.positions.token_range(*u)) for u in self.text.uses(name))
        return out

    def rename(self, position: types.Position, uri: str, new_name: str) -> types.WorkspaceEdit | None:
        found = self.param_at(position)
        if found is None:
            return None
        if not _IDENTIFIER.match(new_name):
            raise Refusal(f"{new_name!r} is not a parameter name (letters, digits and _, not starting with a digit)")
        name = found[0]
        declared = self.text.params()
        taken = declared.get(new_name)
        if taken is not None and new_name != name:
            raise Refusal(
                f"{new_name!r} is already a parameter (line {taken.line}): renaming {name!r} to it would declare it twice"
            )
        edits = []
        token = declared.get(name)
        if token is not None:
            edits.append(types.TextEdit(self.positions.token_range(token.line, token.start, token.end), new_name))
        edits.extend(types.TextEdit(self.positions.token_range(*u), new_name) for u in self.text.uses(name))
        return types.WorkspaceEdit(changes={uri: edits})


# --- formatting and symbols (these parse: they run on the worker thread) ----------------------


def format_edits(source: str, encoding: str) -> list[types.TextEdit]:
    """One edit that replaces the document with fmt's layout, in the document's line
    endings; none when the document is already formatted or when fmt refuses it (a syntax
    error: the file is left as it is)."""
    from .fmt import format_with_diagnostics

    formatted = format_with_diagnostics(source)[0]
    if formatted is None:
        return []
    formatted = with_line_ending(formatted, line_ending(source))  # as `twimlc fmt` writes the file
    if formatted == source:
        return []
    return [types.TextEdit(Positions(split_lines(source), encoding).whole(), formatted)]


def document_symbols(source: str, encoding: str) -> list[types.DocumentSymbol]:
    """The outline: every statement (verbs, nouns and their blocks), and parameters."""
    from .ast import Scalar
    from .ast import Statement as SyntaxStatement
    from .parser import parse_syntax

    nodes = parse_syntax(source)[0]
    positions = Positions(split_lines(source), encoding)

    def symbol(s: SyntaxStatement) -> types.DocumentSymbol:
        positional = next((a.value for a in s.args if a.name is None), None)
        detail = positional.text if isinstance(positional, Scalar) else None
        if detail is not None and len(detail) > 60:
            detail = detail[:59] + "…"
        kind = types.SymbolKind.Function
        if s.keyword == placeholders.PARAM_KEYWORD:
            kind = types.SymbolKind.Variable
        elif s.keyword == HEADER_KEYWORD:
            kind = types.SymbolKind.File
        children = [symbol(b) for b in s.body if isinstance(b, SyntaxStatement)]
        return types.DocumentSymbol(
            name=s.keyword if kind != types.SymbolKind.Variable or detail is None else f"param {detail}",
            detail=detail,
            kind=kind,
            range=positions.range(s.span),
            selection_range=positions.range(s.keyword_span),
            children=children or None,
        )

    return [symbol(n) for n in nodes if isinstance(n, SyntaxStatement)]


# --- the server -----------------------------------------------------------------------------------


class Unfit:
    """A message whose params do not fit its method's type (what pygls's converter said)."""

    def __init__(self, id: int | str | None, method: str, reason: str) -> None:
        self.id = id
        self.method = method
        self.reason = reason


def _reasons(error: Exception) -> str:
    """cattrs's account of what does not fit, in the protocol's names (``textDocument``)."""

    def reason(e: BaseException, type_: Any) -> str:
        if isinstance(e, ValueError) and type(e) is ValueError and str(e):
            return str(e)  # lsprotocol's own check: "Position.line should be in range …"
        return format_exception(e, type_)

    found = transform_error(error, format_exception=reason)
    camel = [
        re.sub(r" @ (\S+)$", lambda m: " @ " + re.sub(r"_([a-z])", lambda c: c.group(1).upper(), m.group(1)), f)
        for f in found
    ]
    return "; ".join(camel[:5]) + ("; …" if len(camel) > 5 else "")


class Protocol(LanguageServerProtocol):
    """pygls's protocol, answering as the LSP specification asks where pygls 2 does not:

    * a request whose params do not fit its type gets InvalidParams with what is wrong
      (pygls logs a traceback, shows an error pop-up and never answers); a notification
      that does not fit is ignored with one line on standard error;
    * after ``shutdown`` a request gets InvalidRequest, and notifications other than
      ``exit`` are ignored (pygls drops both with a warning);
    * a ``didChange`` for a document that is not open is ignored (pygls fails with a
      KeyError pop-up);
    * a :class:`Refusal` is answered with its message, with nothing logged (an answer, not
      a fault: pygls logs a traceback for every error it answers)."""

    def __init__(self, server: Any, converter: Any) -> None:
        super().__init__(server, converter)
        self.converter = converter

    @property
    def shut_down(self) -> bool:
        """Whether the client asked the server to shut down."""
        return bool(self._shutdown)

    def structure_message(self, data: dict[str, Any]) -> Any:
        method = data.get("method") if "jsonrpc" in data else None
        message_type = self.get_message_type(method) if isinstance(method, str) else None
        if message_type is None:
            return super().structure_message(data)
        try:
            return self.converter.structure(data, message_type)
        except Exception as e:  # lsprotocol's types say what does not fit
            request_id = data.get("id")
            return Unfit(request_id if isinstance(request_id, (int, str)) else None, str(method), _reasons(e))

    def handle_message(self, message: Any) -> None:
        method = getattr(message, "method", None)
        request_id = getattr(message, "id", None)
        if self.shut_down and method is not None and method != types.EXIT:
            if request_id is not None:
                self.answer_error(
                    request_id, types.ErrorCodes.InvalidRequest, "the server is shut down: only exit is accepted"
                )
            return
        if isinstance(message, Unfit):
            if request_id is not None:
                self.answer_error(
                    request_id, types.ErrorCodes.InvalidParams, f"invalid params for {method}: {message.reason}"
                )
            else:
                logger.warning("ignored %s: invalid params: %s", method, message.reason)
            return
        super().handle_message(message)

    def answer_error(self, request_id: int | str, code: int, message: str) -> None:
        self._send_response(request_id, error=types.ResponseError(code=code, message=message))

    def _send_handler_result(self, future: Any, *, msg_id: int | str) -> None:
        refused = None if future.cancelled() else future.exception()
        if isinstance(refused, Refusal):
            self._request_futures.pop(msg_id, None)
            self._send_response(msg_id, error=refused.to_response_error())
            return
        super()._send_handler_result(future, msg_id=msg_id)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Any:
        if unquote(params.text_document.uri) not in self.workspace.text_documents:
            return None  # not open: nothing to change (a client out of step; ruff's server ignores it too)
        return (yield from super().lsp_text_document__did_change(params))


async def _on_own_thread(fn: Callable[[], T]) -> T:
    """``fn()`` on a thread of its own (a daemon: a check in progress does not hold up exit)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.cancelled():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]  # None only with an error

    def run() -> None:
        try:
            result, error = fn(), None
        except Exception as e:
            result, error = None, e
        try:
            loop.call_soon_threadsafe(settle, result, error)
        except RuntimeError:
            pass  # the loop is closed: the server is exiting

    threading.Thread(target=run, name="twimlc-large", daemon=True).start()
    return await future


class TwimlcServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "twimlc",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=Protocol,
        )
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="twimlc-worker")
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.dirty: set[str] = set()
        self.changed: dict[str, float] = {}  # uri → when it last changed (the event loop's clock)
        self.open: set[str] = set()
        self.settings_errors: set[str] = set()
        self.fixed: dict[str, tuple[str, str, Dialect, list[types.TextEdit]]] = {}  # uri → the last fix all

    @property
    def lsp(self) -> Protocol:
        assert isinstance(self.protocol, Protocol)
        return self.protocol

    @property
    def encoding(self) -> str:
        encoding = str(self.workspace.position_encoding or "utf-16")
        return encoding if encoding in ("utf-8", "utf-16", "utf-32") else "utf-16"

    def log_error(self, what: str, error: BaseException) -> None:
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        self.window_log_message(types.LogMessageParams(type=types.MessageType.Error, message=f"twimlc: {what}: {text}"))

    def guard(self, what: str, fn: Callable[[], T]) -> T | None:
        try:
            return fn()
        except Exception as e:
            self.log_error(what, e)
            return None

    async def guard_async(self, what: str, fn: Callable[[], T], size: int = 0) -> T | None:
        """``fn`` on the worker thread, or for a document of ``size`` over ``LARGE`` on a
        thread of its own; an exception is logged and the answer is no result."""
        try:
            if size > LARGE:
                return await _on_own_thread(fn)
            return await asyncio.get_running_loop().run_in_executor(self.worker, fn)
        except Exception as e:
            self.log_error(what, e)
            return None

    def document(self, uri: str) -> TextDocument | None:
        """The open document at ``uri``; None for any other: a request about a document
        that is not open gets an empty answer, as ruff's server gives."""
        return self.workspace.get_text_document(uri) if uri in self.open else None

    def kind(self, uri: str) -> str | None:
        doc = self.document(uri)
        return document_kind(uri, doc.language_id) if doc is not None else None

    def dialect(self, uri: str) -> Dialect:
        """The project's target for a file (``[tool.twimlc] target``); Twilio for other URIs.
        A ``pyproject.toml`` that cannot be used is shown to the user once per message, and
        Twilio is used meanwhile, as the CLI's error says."""
        if urlparse(uri).scheme != "file":
            return TWILIO
        from .project import SettingsError

        try:
            return project_dialect(uri_path(uri))
        except SettingsError as e:
            if str(e) not in self.settings_errors:
                self.settings_errors.add(str(e))
                self.window_show_message(
                    types.ShowMessageParams(type=types.MessageType.Warning, message=f"twimlc: {e}; checking as Twilio")
                )
            return TWILIO

    # diagnostics

    def schedule(self, uri: str) -> None:
        if self.kind(uri) is None:
            return
        self.dirty.add(uri)
        self.changed[uri] = asyncio.get_running_loop().time()
        if uri not in self.tasks:
            self.tasks[uri] = asyncio.get_running_loop().create_task(self._publish(uri))

    async def _publish(self, uri: str) -> None:
        loop = asyncio.get_running_loop()
        try:
            first = True
            while uri in self.dirty and uri in self.open:
                while not first and (quiet := self.changed.get(uri, 0.0) + BURST_QUIET - loop.time()) > 0:
                    await asyncio.sleep(quiet)  # changed while it was checked: let the burst settle
                first = False
                self.dirty.discard(uri)
                doc = self.workspace.get_text_document(uri)
                source, version, kind = doc.source, doc.version, self.kind(uri) or "twl"
                encoding, dialect = self.encoding, self.dialect(uri)
                result = await self.guard_async(
                    f"checking {uri}", partial(diagnose, source, kind, uri_path(uri), encoding, dialect), len(source)
                )
                if result is None or uri not in self.open:
                    continue
                if not any(isinstance(d.data, dict) and "fix" in d.data for d in result):
                    self.fixed[uri] = (source, encoding, dialect, [])  # nothing for fix all to do in this text
                self.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(uri=uri, diagnostics=result, version=version)
                )
        finally:
            del self.tasks[uri]

    def closed(self, uri: str) -> None:
        if uri not in self.open:
            return
        self.open.discard(uri)
        self.fixed.pop(uri, None)
        self.dirty.discard(uri)
        self.changed.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    async def fix_all(self, uri: str, source: str) -> list[types.TextEdit]:
        """*Fix all*'s edits for the document's text, computed once per text (an editor
        asks for code actions at every move of the cursor), and not at all when the check
        of that text found nothing fixable (an editor asks right after each change: the
        check under way is awaited)."""
        task = self.tasks.get(uri)
        if task is not None:
            await asyncio.wait({task})  # neither cancelled with this request nor raising into it
        encoding, dialect = self.encoding, self.dialect(uri)
        cached = self.fixed.get(uri)
        if cached is not None and cached[:3] == (source, encoding, dialect):
            return cached[3]
        edits = await self.guard_async(
            "fix all", partial(fix_all_edits, source, uri_path(uri), encoding, dialect), len(source)
        )
        if edits is None:
            return []
        if uri in self.open:
            self.fixed[uri] = (source, encoding, dialect, edits)
        return edits

    def editor(self, uri: str) -> Editor | None:
        doc = self.document(uri)
        if doc is None or self.kind(uri) != "twl":
            return None
        return Editor(doc.source, self.encoding, self.dialect(uri))


def build_server() -> TwimlcServer:
    server = TwimlcServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        server.open.add(params.text_document.uri)
        server.guard("didOpen", lambda: server.schedule(params.text_document.uri))

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        server.guard("didChange", lambda: server.schedule(params.text_document.uri))

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(params: types.DidSaveTextDocumentParams) -> None:
        pass

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        server.guard("didClose", lambda: server.closed(params.text_document.uri))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL]),
    )
    async def code_action(params: types.CodeActionParams) -> list[types.CodeAction] | None:
        uri = params.text_document.uri
        doc = server.document(uri)
        if doc is None or server.kind(uri) != "twl":
            return None
        only = [str(k) for k in params.context.only] if params.context.only else None
        actions: list[types.CodeAction] = []
        if wanted(only, types.CodeActionKind.QuickFix):
            actions += server.guard("codeAction", lambda: quick_fixes(uri, list(params.context.diagnostics))) or []
        if wanted(only, FIX_ALL):
            edits = await server.fix_all(uri, doc.source)
            if edits:
                actions.append(
                    types.CodeAction(
                        title="Fix all twimlc problems with a known replacement",
                        kind=FIX_ALL,
                        edit=types.WorkspaceEdit(changes={uri: edits}),
                    )
                )
        return actions

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=["=", "{", "[", " ", ":"])
    )
    def completion(params: types.CompletionParams) -> types.CompletionList | None:
        def run() -> types.CompletionList | None:
            editor = server.editor(params.text_document.uri)
            if editor is None:
                return None
            return types.CompletionList(is_incomplete=False, items=editor.completion(params.position))

        return server.guard("completion", run)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(params: types.HoverParams) -> types.Hover | None:
        def run() -> types.Hover | None:
            editor = server.editor(params.text_document.uri)
            return editor.hover(params.position) if editor is not None else None

        return server.guard("hover", run)

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(params: types.DefinitionParams) -> types.Location | None:
        def run() -> types.Location | None:
            editor = server.editor(params.text_document.uri)
            return editor.definition(params.position, params.text_document.uri) if editor is not None else None

        return server.guard("definition", run)

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    def references(params: types.ReferenceParams) -> list[types.Location] | None:
        def run() -> list[types.Location] | None:
            editor = server.editor(params.text_document.uri)
            if editor is None:
                return None
            return editor.references(params.position, params.text_document.uri, params.context.include_declaration)

        return server.guard("references", run)

    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    def prepare_rename(params: types.PrepareRenameParams) -> types.Range | None:
        def run() -> types.Range | None:
            editor = server.editor(params.text_document.uri)
            found = editor.param_at(params.position) if editor is not None else None
            return found[1] if found is not None else None

        return server.guard("prepareRename", run)

    @server.feature(types.TEXT_DOCUMENT_RENAME)
    def rename(params: types.RenameParams) -> types.WorkspaceEdit | None:
        editor = server.editor(params.text_document.uri)
        if editor is None:
            return None
        try:
            return editor.rename(params.position, params.text_document.uri, params.new_name)
        except Refusal:
            raise  # answered as an error the client shows: why the name cannot be used
        except Exception as e:
            server.log_error("rename", e)
            return None

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    async def formatting(params: types.DocumentFormattingParams) -> list[types.TextEdit] | None:
        uri = params.text_document.uri
        doc = server.document(uri)
        if doc is None or server.kind(uri) != "twl":
            return None
        source, encoding = doc.source, server.encoding
        return await server.guard_async("formatting", lambda: format_edits(source, encoding), len(source))

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def symbols(params: types.DocumentSymbolParams) -> list[types.DocumentSymbol] | None:
        uri = params.text_document.uri
        doc = server.document(uri)
        if doc is None or server.kind(uri) != "twl":
            return None
        source, encoding = doc.source, server.encoding
        return await server.guard_async("documentSymbol", lambda: document_symbols(source, encoding), len(source))

    return server


def main() -> int:
    """Serve on standard input and output until ``exit`` (or the end of the input): exit
    code 0 when the client asked to shut down first, else 1 (as the specification says)."""
    logging.basicConfig(level=logging.WARNING, format="twimlc lsp: %(levelname)s %(name)s: %(message)s")
    # Checks run on other threads while this one reads the client's messages: Python's
    # default switch interval (5 ms) held a burst of changes back until each check was over,
    # so that each change got a check of its own. 1 ms lets the reading go on meanwhile.
    sys.setswitchinterval(0.001)
    server = build_server()
    server.start_io()
    return 0 if server.lsp.shut_down else 1
