"""Diagnostics: one type for every problem twimlc reports, and its renderings.

Codes are stable and documented in ``docs/codes.md``. Families:
TWL0xx syntax and input, TWL1xx vocabulary (keywords, attributes), TWL2xx values,
TWL3xx structure and nesting, TWL4xx control flow, TWL5xx platform limits,
TWL6xx templates, TWL7xx call flows (graph and simulate), TWL8xx serving webhooks (serve),
TWL9xx the escape hatch and tool-level problems.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

from .ast import Span
from .record import Record

TYPE_CHECKING = False  # typing's, without importing typing at start-up
if TYPE_CHECKING:
    from typing import TextIO

    from .dialect import Dialect

ERROR = "error"
WARNING = "warning"


class Code(Record):
    __slots__ = ("code", "severity", "title")
    _fields = ("code", "severity", "title")

    code: str
    severity: str
    title: str

    def __init__(self, code: str, severity: str, title: str) -> None:
        self.code = code
        self.severity = severity
        self.title = title


def _codes(*rows: tuple[str, str, str]) -> dict[str, Code]:
    return {c: Code(c, s, t) for c, s, t in rows}


# The registry: every code twimlc can emit. docs/codes.md explains each one.
CODES = _codes(
    ("TWL001", ERROR, "syntax error"),
    ("TWL002", ERROR, "unterminated string"),
    ("TWL003", ERROR, "invalid escape sequence in a string"),
    ("TWL004", ERROR, "bad indentation"),
    ("TWL005", ERROR, "file cannot be read as UTF-8 text"),
    ("TWL006", ERROR, "malformed XML"),
    ("TWL007", ERROR, "XML refused by the hardened parser"),
    ("TWL010", ERROR, "look-alike or invisible character in a keyword or name"),
    ("TWL101", ERROR, "unknown keyword"),
    ("TWL102", ERROR, "keyword belongs to another kind of document"),
    ("TWL103", ERROR, "unknown attribute"),
    ("TWL104", ERROR, "duplicate attribute"),
    ("TWL105", ERROR, "invalid document header"),
    ("TWL107", ERROR, "element not supported by the target provider"),
    ("TWL108", ERROR, "attribute not supported by the target provider"),
    ("TWL109", ERROR, "element or attribute of another provider's dialect"),
    ("TWL201", ERROR, "value is not a boolean"),
    ("TWL202", ERROR, "value is not an integer"),
    ("TWL203", ERROR, "integer out of range"),
    ("TWL204", ERROR, "value not in the attribute's list of choices"),
    ("TWL205", ERROR, "invalid URL"),
    ("TWL206", ERROR, "invalid phone number"),
    ("TWL207", ERROR, "invalid duration"),
    ("TWL208", ERROR, "invalid DTMF digits"),
    ("TWL209", ERROR, "a list where the attribute takes one value"),
    ("TWL210", ERROR, "character not allowed in XML"),
    ("TWL211", ERROR, "invalid XML name"),
    ("TWL213", WARNING, "phone number not in E.164 format"),
    ("TWL214", ERROR, "impossible phone number"),
    ("TWL215", WARNING, "invalid finishOnKey"),
    ("TWL216", WARNING, "invalid speechTimeout"),
    ("TWL217", WARNING, "recording too long to transcribe"),
    ("TWL220", ERROR, "invalid message address"),
    ("TWL221", WARNING, "voice or language twimlc does not know"),
    ("TWL222", ERROR, "unknown messaging channel"),
    ("TWL301", ERROR, "element not allowed here"),
    ("TWL302", ERROR, "element takes no text"),
    ("TWL303", ERROR, "element needs text"),
    ("TWL304", ERROR, "more than one positional value"),
    ("TWL305", ERROR, "element takes no children"),
    ("TWL306", WARNING, "text directly inside <Response>"),
    ("TWL310", ERROR, "too many <Number> nouns in one <Dial>"),
    ("TWL311", ERROR, "<Conference> mixed with other nouns in a <Dial>"),
    ("TWL312", ERROR, "the root element is not <Response>"),
    ("TWL313", ERROR, "element needs an attribute"),
    ("TWL314", ERROR, "queue name too long"),
    ("TWL401", WARNING, "unreachable verb"),
    ("TWL402", WARNING, "<Reject> after other verbs"),
    ("TWL501", ERROR, "document larger than 64 kB"),
    ("TWL502", ERROR, "<Say> text too long"),
    ("TWL503", ERROR, "message body too long"),
    ("TWL504", ERROR, "too many messages in one reply"),
    ("TWL505", ERROR, "too many media in one message"),
    ("TWL506", ERROR, "inline TwiML too long for the Calls API"),
    ("TWL507", ERROR, "document cannot place a call"),
    ("TWL601", ERROR, "undeclared template parameter"),
    ("TWL602", WARNING, "template parameter declared but never used"),
    ("TWL603", ERROR, "template parameter's type does not fit where it is used"),
    ("TWL604", ERROR, "invalid parameter declaration"),
    ("TWL605", ERROR, "parameter default does not match its type"),
    ("TWL606", ERROR, "template parameter missing or of the wrong type"),
    ("TWL701", ERROR, "flow URL that no route answers (dangling link)"),
    ("TWL702", WARNING, "route not reached from the entry"),
    ("TWL703", ERROR, "call flow loop with no way out"),
    ("TWL704", WARNING, "URL resolves elsewhere than its author likely meant"),
    ("TWL705", WARNING, "two files answer the same route"),
    ("TWL706", ERROR, "simulated call stopped at its step bound"),
    ("TWL707", ERROR, "simulated request failed"),
    ("TWL708", ERROR, "simulation input does not fit where the call waits"),
    ("TWL709", WARNING, "simulation input left unused"),
    ("TWL801", ERROR, "a file would answer /healthz"),
    ("TWL802", ERROR, "the document targets another provider than the one it is sent to"),
    ("TWL806", WARNING, "the provider may not take this document as it stands"),
    ("TWL901", WARNING, "element outside twimlc's vocabulary (escape hatch)"),
    ("TWL902", WARNING, "attribute outside twimlc's vocabulary (escape hatch)"),
    ("TWL903", ERROR, "decompile could not reproduce the document"),
    ("TWL905", WARNING, "TwiML Bin variables became template parameters"),
    ("TWL904", ERROR, "fmt could not keep the document's meaning"),
)


class Diagnostic(Record):
    """One problem found: a value, immutable by convention (see :mod:`twimlc.record`);
    ``d.replace(path=…)`` derives another."""

    __slots__ = (
        "attribute",
        "code",
        "fix",
        "hint",
        "message",
        "path",
        "provider",
        "provider_code",
        "providers",
        "severity",
        "span",
    )
    _fields = (
        "code",
        "message",
        "span",
        "severity",
        "hint",
        "path",
        "fix",
        "provider_code",
        "provider",
        "attribute",
        "providers",
    )
    _compared = ("code", "message", "span", "severity", "hint", "path", "fix", "provider_code", "provider", "providers")

    code: str
    message: str
    span: Span
    severity: str
    hint: str | None
    path: str
    # The text that replaces ``span`` to fix the problem, when the hint names exactly one
    # replacement (a misspelt keyword, attribute or value): editors offer it as a quick fix.
    fix: str | None
    # the provider's own error code for this problem ("12200"), and the provider ("Twilio");
    # "" when the provider has none. Set from the dialect's table (data), never written
    # into the message: renderers show it.
    provider_code: str | None
    provider: str | None
    # The attribute the problem is about, as its author meant it (a misspelt name's nearest
    # known one), when it is about one that reading left out: the rules (validate.py) tell
    # from it whether what is missing is what was left out. Not rendered, not compared.
    attribute: str | None
    # the targets the finding is for ("twilio", "telnyx"), as ``check`` judged the file
    # (with --portability, each finding names those it breaks on); empty when not known
    providers: tuple[str, ...]

    def __init__(
        self,
        code: str,
        message: str,
        span: Span,
        severity: str = ERROR,
        hint: str | None = None,
        path: str = "<string>",
        fix: str | None = None,
        provider_code: str | None = None,
        provider: str | None = None,
        attribute: str | None = None,
        providers: tuple[str, ...] = (),
    ) -> None:
        self.code = code
        self.message = message
        self.span = span
        self.severity = severity
        self.hint = hint
        self.path = path
        self.fix = fix
        self.provider_code = provider_code
        self.provider = provider
        self.attribute = attribute
        self.providers = providers

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def full_message(self) -> str:
        """The message with the provider's code, as renderers show it."""
        if self.provider_code:
            return f"{self.message} ({self.provider or 'Twilio'}: {self.provider_code})"
        return self.message

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.span.line, self.span.column, self.code)

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
            "provider": self.provider if self.provider_code else None,
            "provider_code": self.provider_code or None,
            # the targets, where the caller judged for them (check): not in other outputs
            **({"providers": list(self.providers)} if self.providers else {}),
        }


def diag(
    code: str,
    message: str,
    span: Span,
    hint: str | None = None,
    path: str = "<string>",
    fix: str | None = None,
    provider_code: str | None = None,
    attribute: str | None = None,
) -> Diagnostic:
    """A diagnostic whose severity comes from the code registry. Phases leave ``path``
    alone: the driver stamps it (:func:`stamped`). ``provider_code`` is for a code that
    depends on where the problem is (``dialect.code(code, tag)``); else the driver fills
    it in from the dialect's table. ``attribute``: see :attr:`Diagnostic.attribute`."""
    return Diagnostic(code, message, span, CODES[code].severity, hint, path, fix, provider_code, attribute=attribute)


def stamped(diagnostics: Iterable[Diagnostic], path: str, dialect: Dialect | None = None) -> list[Diagnostic]:
    """The diagnostics with their file and the provider's codes: done once, by the driver
    (:mod:`twimlc.api`), not by every phase."""
    out = []
    for d in diagnostics:
        code = d.provider_code
        if code is None and dialect is not None:
            code = dialect.code(d.code) or ""
        provider = dialect.title if dialect is not None and code else d.provider
        if d.path != path or code != d.provider_code or provider != d.provider:
            d = d.replace(path=path, provider_code=code, provider=provider)
        out.append(d)
    return out


class TwimlcError(Exception):
    """Raised by the library API when a document has errors. ``diagnostics`` has all of
    them (warnings included), sorted by position."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        first = next((d for d in self.diagnostics if d.is_error), None)
        summary = "twimlc error"
        if first is not None:
            where = f"{first.path}:{first.span.line}:{first.span.column}" if first.span.line else first.path
            summary = f"{where}: {first.code} {first.full_message}"
        errors = sum(d.is_error for d in self.diagnostics)
        if errors > 1:
            summary += f" (and {errors - 1} more)"
        super().__init__(summary)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]


# --- rendering -------------------------------------------------------------------------


def use_colour(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


_STYLE = {"error": "\033[1;31m", "warning": "\033[1;33m", "bold": "\033[1m", "blue": "\033[34m", "reset": "\033[0m"}


# At most this many columns of a source line are shown: a longer line is cut to a window
# around the problem, with "..." where it was cut (as rustc and ruff do).
MAX_SHOWN_COLUMNS = 120
_CUT = "..."
TAB_WIDTH = 8


def _cell(ch: str, column: int) -> str:
    """How ``ch`` is drawn when it starts at display ``column`` (0-based): a tab as spaces
    to the next tab stop, a control character (which would drive the terminal) escaped."""
    if ch == "\t":
        return " " * (TAB_WIDTH - column % TAB_WIDTH)
    code = ord(ch)
    if code < 0x20 or 0x7F <= code < 0xA0:
        return f"\\x{code:02x}"
    if 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:  # bidi overrides reorder the terminal's line
        return f"\\u{code:04x}"
    return ch


def _width(shown: str) -> int:
    """Columns a terminal gives ``shown``: East Asian wide and full-width characters take
    two, combining marks none."""
    if shown.isascii():
        return len(shown)
    import unicodedata

    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in shown)


def _source_line(source: str, number: int) -> str | None:
    """Line ``number`` (1-based) as the parser counts lines (``\\n`` ends a line), without
    splitting the whole source."""
    start = 0
    for _ in range(number - 1):
        start = source.find("\n", start) + 1
        if start == 0:
            return None
    end = source.find("\n", start)
    line = source[start:] if end < 0 else source[start:end]
    if end < 0 and not line:
        return None
    return line[:-1] if line.endswith("\r") else line


def _excerpt(text: str, start: int, end: int) -> tuple[str, int, int]:
    """The line as shown (tabs expanded, control characters escaped, cut to a window of
    :data:`MAX_SHOWN_COLUMNS` around the span), where the caret starts in it and how wide
    it is, in display columns. ``start``/``end`` are 0-based code-point offsets."""
    # never look at more of a huge line than could be shown: a window of code points
    # around the span (every character takes at least one column, tabs and escapes more)
    first = max(0, start - MAX_SHOWN_COLUMNS)
    last = min(len(text), max(end, start + 1) + MAX_SHOWN_COLUMNS, start + 2 * MAX_SHOWN_COLUMNS)
    segment = text[first:last]
    cells: list[tuple[str, int]]  # (shown, width) per code point from ``first``
    if segment.isascii() and segment.isprintable():  # no tab, no control: as written, a column each
        cells = [(ch, 1) for ch in segment]
        offsets = list(range(len(segment) + 1))
    else:
        cells = []
        column = 0
        for ch in segment:
            shown = _cell(ch, column)
            width = _width(shown)
            cells.append((shown, width))
            column += width
        offsets = [0]
        for _, width in cells:
            offsets.append(offsets[-1] + width)
    total = offsets[-1]
    a, b = start - first, max(min(end, last), start + 1) - first
    caret_start = offsets[min(a, len(cells))]
    caret_end = offsets[min(b, len(cells))] if b <= len(cells) else total + 1
    if first == 0 and last == len(text) and total <= MAX_SHOWN_COLUMNS:
        return "".join(c for c, _ in cells), caret_start, max(1, caret_end - caret_start)
    # a window: some context before the span, the span, and what fits after it
    budget = MAX_SHOWN_COLUMNS - 2 * len(_CUT)
    left = 0 if first == 0 and caret_end <= budget else max(0, caret_start - budget // 3)
    # start the window on a character boundary
    i = next(k for k in range(len(cells) + 1) if offsets[k] >= left)
    j = i
    while j < len(cells) and offsets[j + 1] - offsets[i] <= budget:
        j += 1
    prefix = _CUT if first + i > 0 else ""
    suffix = _CUT if first + j < len(text) else ""
    shown = prefix + "".join(c for c, _ in cells[i:j]) + suffix
    shift = len(prefix) - offsets[i]
    start_col = caret_start + shift
    end_col = min(caret_end, offsets[j] + (1 if not suffix else 0)) + shift
    return shown, start_col, max(1, end_col - start_col)


def render_text(d: Diagnostic, source: str | None, colour: bool = False) -> str:
    """ruff/gcc style: ``path:line:col: error[CODE] message``, the line, a caret, help.

    The line is drawn as a terminal would show it safely: tabs as spaces, control
    characters escaped (``\\x1b``), a long line cut to a window around the problem; the
    caret is placed by display width (a wide character takes two columns)."""

    def c(style: str, s: str) -> str:
        return f"{_STYLE[style]}{s}{_STYLE['reset']}" if colour else s

    where = f"{d.path}:{d.span.line}:{d.span.column}" if d.span.line else d.path
    out = [f"{c('bold', where)}: {c(d.severity, f'{d.severity}[{d.code}]')} {_safe(d.full_message)}"]
    text = _source_line(source, d.span.line) if source is not None and d.span.line > 0 else None
    if text is not None:
        end = d.span.end_column if d.span.end_line == d.span.line else len(text) + 1
        shown, start, width = _excerpt(text, d.span.column - 1, max(end - 1, d.span.column - 1))
        number = str(d.span.line)
        pad = " " * len(number)
        out.append(f"{c('blue', number + ' |')} {shown}")
        out.append(f"{c('blue', pad + ' |')} {' ' * start}{c(d.severity, '^' * width)}")
    if d.hint:
        out.append(f"  {c('bold', 'help')}: {_safe(d.hint)}")
    return "\n".join(out)


MAX_SHOWN_MESSAGE = 1000


def _safe(message: str) -> str:
    """A message or hint with its control characters escaped and, if it quotes a huge
    value, its middle cut out (it may quote the input)."""
    if len(message) > MAX_SHOWN_MESSAGE:
        keep = MAX_SHOWN_MESSAGE // 2
        message = f"{message[:keep]}{_CUT}{message[-keep:]}"
    if message.isprintable():
        return message
    return "".join(ch if ch.isprintable() or ch == " " else _cell(ch, 0) if ch != "\t" else "\\t" for ch in message)


def render_json(diagnostics: Iterable[Diagnostic]) -> str:
    import json

    return json.dumps([d.as_dict() for d in diagnostics], ensure_ascii=False, indent=2)


def _gh_escape(s: str, prop: bool = False) -> str:
    s = s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return s.replace(":", "%3A").replace(",", "%2C") if prop else s


def render_github(d: Diagnostic) -> str:
    """A GitHub Actions workflow command (``::error file=…,line=…::message``)."""
    level = "error" if d.is_error else "warning"
    position = (
        ("line", d.span.line),
        ("col", d.span.column),
        ("endLine", d.span.end_line),
        ("endColumn", d.span.end_column),
    )
    props = ",".join(
        f"{k}={_gh_escape(str(v), True)}"
        for k, v in (
            ("file", d.path),
            *((k, v) for k, v in position if d.span.line > 0 and v > 0),  # a file-level problem has none
            ("title", d.code),
        )
    )
    message = d.full_message + (f" (help: {d.hint})" if d.hint else "")
    return f"::{level} {props}::{_gh_escape(message)}"


def write_all(diagnostics: Iterable[Diagnostic], sources: dict[str, str], stream: TextIO | None = None) -> None:
    stream = stream or sys.stderr
    colour = use_colour(stream)
    for d in diagnostics:
        stream.write(render_text(d, sources.get(d.path), colour) + "\n")
