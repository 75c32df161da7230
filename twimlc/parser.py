"""Source text → syntax tree (:mod:`twimlc.ast` syntax layer).

Valid input is read by :mod:`twimlc.fastparse`, which builds the same tree without lark;
anything it declines (every syntax error above all) is read by lark here, the reference.
The LALR parser (:mod:`twimlc.larkparser`, imported on first use) is built once per
process from ``grammar/twl.lark`` and its analysis is cached in the per-user cache
directory, so start-up does not pay for grammar analysis. The tree is built during parsing by the ``transformer=`` callbacks (no intermediate parse
tree). The transformer only converts tokens and builds nodes; it raises nothing. Comments
travel inside the newline tokens; a lexer callback collects them into a per-parse list.
"""

from __future__ import annotations

from .ast import CommentLine, Invalid, Span, Statement, SyntaxNode
from .diagnostics import Diagnostic, diag

TYPE_CHECKING = False  # typing's, without importing typing at start-up
if TYPE_CHECKING:
    from . import fastparse
    from .larkparser import Scan


def _escape_message(escape: str) -> str:
    """An invalid escape in words, shown as written: a ``\\u`` escape whose code point is
    past U+10FFFF says so."""
    digits = escape[3:-1] if escape.startswith("\\u{") else escape[2:]
    if escape[1:2] in ("u", "U") and len(escape) > 2:
        return f"invalid escape {escape}: U+{int(digits, 16):04X} is out of range (the last code point is U+10FFFF)"
    return f"invalid escape {escape} in a string"


def _escape_diagnostics(scan: Scan) -> list[Diagnostic]:
    return [
        diag(
            "TWL003",
            _escape_message(esc),
            Span(line, col, line, col + len(esc)),
            'escapes are \\" \\\\ \\n \\t \\r \\uXXXX, \\u{X…} and \\{{ (a literal "{{")',
        )
        for line, col, esc in scan.bad_escapes
    ]


MAX_SYNTAX_ERRORS = 50  # reported per file; past it, the rest of the file is not parsed
_MARK = "_twimlc-skipped"  # stands where a statement was skipped, so its block stays a block


def parse_syntax(source: str) -> tuple[list[SyntaxNode], list[CommentLine], list[Diagnostic]]:
    """Parse ``.twl`` text into statements and comments, with every syntax error.

    Never raises for bad input. On a syntax error, parsing resumes at the next statement
    (the next line at the same or an outer indentation): the statement in error and its
    block are replaced by an :class:`~twimlc.ast.Invalid` node, so the statements around
    it are still read, resolved and checked. At most ``MAX_SYNTAX_ERRORS`` are reported.

    lark reads what the fast path declines, and words every error. The top-level
    statements the fast path read before the one it declined in are not read again
    (:func:`_read_before`), and after an error lark's path has skipped, the fast path
    reads the rest when it can; either way the result is the one lark gives for the
    whole text (``tests/test_fastparse.py`` compares them)."""
    from . import fastparse

    tried = fastparse.attempt(source)  # valid input, without lark; anything else is read below
    if tried.result is not None:
        return tried.result[0], tried.result[1], []
    text = source if source.endswith("\n") else source + "\n"
    if text.startswith("\ufeff"):
        text = " " + text[1:]  # keep columns; a BOM is not content
    before = _read_before(tried, text)
    if before is not None:
        found = _read_with_lark(text, before)
        if found is not None:
            return found
    found = _read_with_lark(text, None)
    assert found is not None  # only a read after statements read before can be given up
    return found


class _Before:
    """Top-level statements the fast path read (with their comments) that lark need not
    read again: their lines are blank in the text lark reads (``cut``: where the rest
    begins, at the start of line ``line``)."""

    __slots__ = ("comments", "cut", "line", "nodes")

    def __init__(self, nodes: list[SyntaxNode], comments: list[CommentLine], cut: int, line: int) -> None:
        self.nodes, self.comments, self.cut, self.line = nodes, comments, cut, line


def _read_before(tried: fastparse.Attempt, text: str) -> _Before | None:
    """The statements of ``tried`` that lark need not read again: all but the last it read
    in full before the one it declined in. That last one stays, so that lark meets the
    statement in error after a statement, as in the whole text, and every look back from
    an error (the line before, the block's indentation) finds what it finds there. None
    where blank lines in their place could change what lark's path says: a line
    continuation just before the cut, an indentation :func:`_misindented` would stop at,
    a line break ``str.splitlines`` counts and lark does not."""
    kept = len(tried.nodes) - 1  # the last statement read in full
    if kept < 1 or tried.last is None:
        return None
    cut, line, comments_before = tried.last
    if text[cut - 1 : cut] != "\n":
        return None
    blanked = text[:cut]
    last = blanked[blanked.rfind("\n", 0, cut - 1) + 1 : cut - 1]
    if last.rstrip().endswith("\\") or len(blanked.splitlines()) != blanked.count("\n"):
        return None
    if _misindented(blanked) is not None:
        return None
    comments = sorted(tried.comments[:comments_before], key=lambda c: (c.span.line, c.span.column))
    return _Before(tried.nodes[:kept], comments, cut, line)


def _read_with_lark(
    text: str, before: _Before | None
) -> tuple[list[SyntaxNode], list[CommentLine], list[Diagnostic]] | None:
    """:func:`parse_syntax`'s reading of ``text`` on lark's path, recovering after each
    error. With ``before``, their lines are left blank for lark; ``None`` when recovering
    would skip into them (then the whole text must be read)."""
    from lark.exceptions import UnexpectedInput
    from lark.indenter import DedentError

    from . import fastparse
    from .larkparser import Scan
    from .larkparser import parse as lark_parse
    from .syntax_errors import dedent_diagnostic, syntax_diagnostic

    if before is not None:
        text = "\n" * (before.line - 1) + text[before.cut :]  # the same lines, where they were
    errors: list[Diagnostic] = []
    skipped: dict[int, Span] = {}  # first line of a skipped statement -> what it covered
    lines: list[str] | None = None
    source_lines: list[str] = []
    if not text.isascii() and before is None:
        from .confusables import scan as look_alikes

        found = look_alikes(text)
        if found:  # each statement with one is an error, skipped like a syntax error
            source_lines = text.split("\n")
            lines = list(source_lines)
            for span, message, hint in found:
                errors.append(diag("TWL010", message, span, hint))
                region = _skip(lines, span.line, "line")
                if region is not None:
                    _replace(lines, region, skipped, source_lines)
            text = "\n".join(lines)
    comments: list[CommentLine] | None = None
    while True:
        scan = Scan()
        if lines is not None:  # what lark's path skipped is blank now: the fast path may read the rest
            fast = fastparse.parse(text)
            if fast is not None:
                nodes, comments = fast
                break
        try:
            nodes = lark_parse(text, scan)
            break
        except UnexpectedInput as e:
            problem, mode = syntax_diagnostic(e, text)
        except DedentError as e:
            line = _dedent_line(text, str(e))
            problem, mode = dedent_diagnostic(text, line)
        if lines is None:
            source_lines = text.split("\n")
            lines = list(source_lines)
        at = problem.span.line
        if not (0 < at <= len(lines) and lines[at - 1] != source_lines[at - 1]):
            errors.append(problem)  # else on a line skipped already: an echo of what was reported there
        region = _skip(lines, problem.span.line, mode) if len(errors) < MAX_SYNTAX_ERRORS else None
        if before is not None and region is not None and region[0] <= before.line:
            return None  # it would skip into what was read before: read it all
        if region is None or not _replace(lines, region, skipped, source_lines):
            if before is not None:
                return None  # read nothing, not even what was read before: read it all
            nodes, scan = [], Scan()  # no way forward: report what was found, read nothing
            break
        text = "\n".join(lines)
    if skipped:
        nodes = _mark_invalid(nodes, skipped)
    if comments is None:
        comments = sorted(scan.comments, key=lambda c: (c.span.line, c.span.column))
    if before is not None:
        nodes, comments = before.nodes + nodes, before.comments + comments
    bad = errors + _escape_diagnostics(scan) + _check_depth(nodes)
    if any(d.code == "TWL004" and "nest" in d.message for d in bad):
        nodes = []  # hostile nesting: nothing below is read (bounds recursion everywhere after)
    return nodes, comments, sorted(bad, key=Diagnostic.sort_key)


def _indentation(line: str) -> int:
    return len(line.expandtabs(8)) - len(line.lstrip(" \t").expandtabs(8))


def _is_code(line: str) -> bool:
    stripped = line.lstrip(" \t")
    return bool(stripped) and not stripped.startswith("#")


def _skip(lines: list[str], line: int, mode: str) -> tuple[int, int, bool] | None:
    """The lines to skip after an error at ``line`` (1-based): (first, last, keep) where
    ``keep`` says a marker statement must stand in their place (the lines are a statement
    whose block would otherwise be empty). ``mode`` is how the error was found:

    * ``line``: the statement holding ``line`` is wrong; skip it and its block;
    * ``header``: a block opener (``name:``) at or before ``line`` has no block; skip the opener;
    * ``indent``: ``line`` is indented where no block opens; skip it and what is indented under it."""
    n = len(lines)
    line = min(max(line, 1), n)
    if mode == "header":
        first = line
        before = lines[line - 1][: _first_column(lines, line)]
        if not before.rstrip().endswith(":"):
            first = next((k for k in range(line - 1, 0, -1) if _is_code(lines[k - 1])), 0)
        if first == 0:
            return None
        while first > 1 and lines[first - 2].rstrip().endswith("\\"):
            first -= 1
        last = first
        while last < n and lines[last - 1].rstrip().endswith("\\"):
            last += 1
        return first, last, True
    first = line
    while first > 1 and lines[first - 2].rstrip().endswith("\\"):
        first -= 1  # the statement starts where its continued lines start
    last = line
    while last < n and lines[last - 1].rstrip().endswith("\\"):
        last += 1
    width = _indentation(lines[first - 1])
    end = last
    for k in range(last + 1, n + 1):  # the block under it: deeper lines (blank and comment lines between)
        if not _is_code(lines[k - 1]):
            continue
        if _indentation(lines[k - 1]) > width or (mode == "indent" and _indentation(lines[k - 1]) >= width):
            end = k
        else:
            break
    return first, end, mode == "line"


def _first_column(lines: list[str], line: int) -> int:
    """Where the code of ``line`` starts (0-based), for telling an error at a line's start."""
    text = lines[line - 1]
    return len(text) - len(text.lstrip(" \t")) if text.strip() else len(text)


def _replace(lines: list[str], region: tuple[int, int, bool], skipped: dict[int, Span], source: list[str]) -> bool:
    """Blank the region's lines (a marker statement on the first when ``keep``), keeping
    every line where it was. False when nothing would change: no progress is possible."""
    first, last, keep = region
    lead = lines[first - 1][: len(lines[first - 1]) - len(lines[first - 1].lstrip(" \t"))]
    new = [""] * (last - first + 1)
    if keep:
        new[0] = lead + _MARK
    if lines[first - 1 : last] == new:
        return False
    lines[first - 1 : last] = new
    if keep:
        start = len(source[first - 1]) - len(source[first - 1].lstrip(" \t")) + 1
        skipped[first] = Span(first, start, last, len(source[last - 1].rstrip()) + 1)
    return True


def _mark_invalid(nodes: list[SyntaxNode], skipped: dict[int, Span]) -> list[SyntaxNode]:
    """Marker statements (on the lines recorded in ``skipped``) become Invalid nodes."""

    def convert(node: SyntaxNode) -> SyntaxNode:
        if isinstance(node, Statement):
            if node.keyword == _MARK and node.keyword_span.line in skipped:
                return Invalid(skipped[node.keyword_span.line])
            if node.body:
                body = tuple(convert(b) for b in node.body)
                return Statement(node.keyword, node.keyword_span, node.args, body, node.span)
        return node

    return [convert(n) for n in nodes]


MAX_NESTING = 64  # TwiML nests a handful of levels; this bounds recursion everywhere after parsing


def _check_depth(nodes: list[SyntaxNode]) -> list[Diagnostic]:
    """Blocks nested deeper than MAX_NESTING (checked without recursion)."""
    stack = [(n, 1) for n in nodes]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, Statement):
            if depth > MAX_NESTING:
                return [
                    diag(
                        "TWL004",
                        f"blocks nest more than {MAX_NESTING} deep",
                        node.keyword_span,
                        "TwiML never nests this deep",
                    )
                ]
            stack.extend((child, depth + 1) for child in node.body)
    return []


def _dedent_line(text: str, message: str) -> int:
    # lark's DedentError carries no position; find the first line whose indentation is
    # not one of the enclosing levels.
    return _misindented(text) or 1


def _misindented(text: str) -> int | None:
    """The first line whose indentation is not one of the levels around it, if any."""
    stack = [0]
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.lstrip(" \t")
        if not stripped or stripped.startswith("#"):
            continue
        width = len(raw.expandtabs(8)) - len(stripped.expandtabs(8)) if "\t" in raw else len(raw) - len(stripped)
        if width > stack[-1]:
            stack.append(width)
            continue
        while width < stack[-1]:
            stack.pop()
        if width != stack[-1]:
            return number
    return None
