"""Characters that pass for ASCII in a keyword or a name, and are not.

Cyrillic and Greek letters that look Latin, fullwidth forms, typographic hyphens, and
invisible characters or non-ASCII spaces come in with text copied from chats, PDFs and
word processors. A keyword written with one is not a keyword; these helpers let the parser
and the resolver name the character (``'sаy' contains U+0430 CYRILLIC SMALL LETTER A, which
looks like 'a'``) instead of reporting an unknown keyword or a syntax error.
"""

from __future__ import annotations

import re
import unicodedata

from .ast import Span

# Letters of other scripts drawn like Latin ones (after Unicode's confusables.txt, for the
# letters that can appear in TwiML names). Fullwidth and mathematical forms are found with
# NFKC instead.
_LOOKALIKES = {
    # Cyrillic
    "а": "a", "в": "B", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "ѕ": "s",
    "і": "i", "ј": "j", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ү": "y", "к": "k",
    "м": "M", "н": "H", "т": "T",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "Х": "X", "У": "Y", "Ѕ": "S", "І": "I", "Ј": "J", "Ԛ": "Q", "Ԝ": "W", "Ү": "Y",
    # Greek
    "α": "a", "ο": "o", "ν": "v", "ρ": "p", "ι": "i", "κ": "k", "υ": "u", "ϲ": "c",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # Latin look-alikes and punctuation
    "ı": "i", "ɡ": "g", "ℓ": "l",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
}  # fmt: skip
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")
_NAME = re.compile(r"!?[A-Za-z_][A-Za-z0-9_.:-]*\Z")


def lookalike(ch: str) -> str | None:
    """The ASCII ``ch`` passes for: a letter, a digit, '-', ' ' (a non-ASCII space) or ''
    (an invisible character); ``None`` for ASCII and for characters that look like none."""
    if ch.isascii():
        return None
    if ch in _INVISIBLE:
        return ""
    if ch in _LOOKALIKES:
        return _LOOKALIKES[ch]
    if ch.isspace():
        return " "
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) == 1 and folded.isascii() and folded.isprintable() else None


def ascii_twin(word: str) -> str | None:
    """``word`` with every look-alike replaced by what it passes for, when that makes it
    a valid name (spaces may separate several); ``None`` when it does not."""
    out = []
    for ch in word:
        if ch.isascii():
            out.append(ch)
            continue
        twin = lookalike(ch)
        if twin is None:
            return None
        out.append(twin)
    text = "".join(out)
    parts = text.split()
    return text if parts and all(_NAME.match(p) for p in parts) else None


def explain(word: str) -> tuple[int, str] | None:
    """(offset, message) for the first look-alike in ``word`` when it passes for a valid
    name, else ``None``."""
    if word.isascii() or ascii_twin(word) is None:
        return None
    at = next(i for i, ch in enumerate(word) if not ch.isascii())
    return at, describe(word, word[at])


def describe(word: str, ch: str) -> str:
    twin = lookalike(ch)
    looks = (
        "which is invisible"
        if twin == ""
        else "which looks like a space"
        if twin == " "
        else f"which looks like {twin!r}"
    )
    return f"{word!r} contains U+{ord(ch):04X} {unicodedata.name(ch, 'character')}, {looks}"


def fix(word: str) -> str:
    """How ``word`` is written in ASCII (invisible characters dropped)."""
    return ascii_twin(word) or word


# --- the scan of .twl source ----------------------------------------------------------------


def scan(text: str) -> list[tuple[Span, str, str]]:
    """(span, message, hint) for each keyword or attribute name in ``.twl`` source written
    with a look-alike character, and each non-ASCII space between the parts of a statement
    (the grammar separates them with spaces and tabs only). Strings, comments and values
    may hold any character and are not looked at."""
    found: list[tuple[Span, str, str]] = []
    continued = False
    depth = 0  # inside a list's brackets, which may span lines
    for number, line in enumerate(text.split("\n"), 1):
        words, depth_after = _words(line, not continued and depth == 0, depth)
        if not line.isascii():
            for column, word, name in words:
                # a non-ASCII space (an ASCII control character such as a vertical tab is
                # white space too, but passes for nothing: the lexer reports it)
                space = next((i for i, ch in enumerate(word) if ch.isspace() and not ch.isascii()), None)
                if space is not None:
                    span = Span(number, column + space, number, column + space + 1)
                    found.append((span, describe(word, word[space]), "use an ordinary space"))
                    continue
                explained = explain(name) if name else None
                if name and explained is not None:
                    at, message = explained
                    span = Span(number, column + at, number, column + at + 1)
                    found.append((span, message, f"write {fix(name)!r}"))
        continued = line.split(" #")[0].rstrip().endswith("\\")
        depth = depth_after
    return found


def _words(line: str, keyword_first: bool, depth: int) -> tuple[list[tuple[int, str, str | None]], int]:
    """(1-based column, word, name) for each word outside strings and comments; ``name`` is
    what stands where a keyword or an attribute name goes: the first word of a statement
    (also after an inline block's ':'), and the part of a word before its '='. A word ends
    at ASCII white space, a quote or a bracket. Also returns the bracket depth after the line."""
    out: list[tuple[int, str, str | None]] = []
    i, n = 0, len(line)
    keyword_next = keyword_first
    while i < n:
        ch = line[i]
        if ch in " \t":
            i += 1
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            break  # a comment
        elif ch == '"':
            i = _string_end(line, i)
            keyword_next = False
        elif ch in "[]":
            depth = depth + 1 if ch == "[" else max(depth - 1, 0)
            i += 1
            keyword_next = False
        else:
            start = i
            while i < n and line[i] not in ' \t"[]':
                i += 1
            word = line[start:i]
            if depth:
                name: str | None = None  # a list item
            elif "=" in word:
                name = word.split("=", 1)[0]
            else:
                name = word.rstrip(":") if keyword_next else None
            out.append((start + 1, word, name))
            keyword_next = word.endswith(":")
    return out, depth


def _string_end(line: str, start: int) -> int:
    i = start + 1
    while i < len(line):
        if line[i] == "\\":
            i += 2
        elif line[i] == '"':
            return i + 1
        else:
            i += 1
    return len(line)
