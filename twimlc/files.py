"""Reading and writing the files twimlc works on: bounded reads that turn every failure
into a coded diagnostic, and atomic writes."""

from __future__ import annotations

import os
import stat
import sys

from .ast import Span
from .diagnostics import Diagnostic, diag
from .dialect import MAX_READ_BYTES

TYPE_CHECKING = False  # typing's, without importing typing at start-up
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

NOWHERE = Span(0, 0, 0, 0)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory and a
    rename, so a reader never sees half a file and a failure leaves the old file intact.

    As black and ruff do: a symlink is written through (its target is replaced, the link
    stays), and what is not a regular file (``/dev/null``, ``/dev/stdout``, a FIFO) is
    written into directly, never renamed over."""
    import stat
    import tempfile
    from pathlib import Path

    try:
        mode: int | None = os.stat(path).st_mode
    except OSError:
        mode = None  # missing (or a dangling link): created below
    if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        return
    if os.path.islink(path):
        path = Path(os.path.realpath(path))
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        if mode is not None:
            os.chmod(tmp, mode & 0o777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def line_ending(source: str) -> str:
    """The line ending a file uses, as black decides it: the first line's."""
    end = source.find("\n")
    return "\r\n" if end > 0 and source[end - 1] == "\r" else "\n"


def with_line_ending(text: str, ending: str) -> str:
    """``text`` (lines ending in ``\\n``) with ``ending`` at the end of every line."""
    return text if ending == "\n" else text.replace(ending, "\n").replace("\n", ending)


def files_below(directory: str, suffixes: tuple[str, ...]) -> list[str]:
    """The regular files (or links to one) below ``directory`` whose names end in one of
    ``suffixes``, as ``os.walk`` finds them: top-down, each folder's files before its
    folders, names sorted, hidden folders skipped, links to folders not followed. One
    ``scandir`` per folder tells each entry's kind without a ``stat`` per file (only a
    regular file is read: a FIFO met in a walk would wait forever)."""
    out: list[str] = []
    folders = [directory]
    while folders:
        top = folders.pop()
        try:
            with os.scandir(top) as listing:
                entries = list(listing)
        except OSError:
            continue  # as os.walk: a folder that cannot be listed is passed over
        files, below = [], []
        for entry in entries:
            if _is(entry.is_dir):
                if not entry.name.startswith(".") and not _is(entry.is_symlink):
                    below.append(entry.name)
            elif entry.name.endswith(suffixes) and _is(entry.is_file):
                files.append(entry.name)
        out.extend(os.path.join(top, name) for name in sorted(files))
        folders.extend(os.path.join(top, name) for name in sorted(below, reverse=True))
    return out


def _is(test: Callable[[], bool]) -> bool:
    try:
        return test()
    except OSError:
        return False


def read_bytes(path: str) -> tuple[bytes | None, list[Diagnostic]]:
    """The file's bytes (``-``: standard input), or a coded diagnostic: TWL007 for a file
    over the size twimlc reads (refused after reading one byte past the limit, so memory
    stays bounded), TWL005 when it cannot be read."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_READ_BYTES + 1)
        else:
            data = _read_at_most(path)
    except OSError as e:
        return None, [diag("TWL005", f"cannot read file: {e.strerror or e}", NOWHERE, None, path)]
    if len(data) > MAX_READ_BYTES:
        message = (
            f"the file is over {MAX_READ_BYTES:,} bytes; twimlc reads up to that (Twilio refuses TwiML over 64 kB)"
        )
        return None, [diag("TWL007", message, NOWHERE, None, path)]
    return data, []


def _read_at_most(path: str) -> bytes:
    """The file's bytes, at most one past the bound, read with the system's calls (no
    buffered file object: checking thousands of files, its set-up costs more than the
    read). A read asks for the size (a regular file) or the bound, as one read of n bytes
    allocates n up front. A regular file with a size has ended when a read returns less
    than asked; anything else (a FIFO, a device, a file of /proc that says it is empty) is
    read until it ends or passes the bound."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        status = os.fstat(fd)
        size = status.st_size
        sized = stat.S_ISREG(status.st_mode) and 0 < size <= MAX_READ_BYTES
        want = size + 1 if sized else MAX_READ_BYTES + 1
        chunks = []
        while want > 0:
            chunk = os.read(fd, want)
            if not chunk:
                break
            chunks.append(chunk)
            if sized and len(chunk) < want:
                break
            want -= len(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    finally:
        os.close(fd)


def read_source(path: str) -> tuple[str | None, list[Diagnostic]]:
    """The file's text, or a coded diagnostic (never an exception) when it cannot be read."""
    data, problems = read_bytes(path)
    if data is None:
        return None, problems
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        return None, [
            diag(
                "TWL005",
                f"not UTF-8 text (byte 0x{data[e.start]:02x})",
                Span.point(line, col),
                "save the file as UTF-8",
                path,
            )
        ]


def explain_missing(path: str, problems: list[Diagnostic], hint: str) -> list[Diagnostic]:
    """For the library API: ``problems`` (a read failure), or "no such file" with ``hint``
    (where source text goes instead) when ``path`` does not exist."""
    if os.path.lexists(path):
        return problems
    return [diag("TWL005", "no such file", NOWHERE, hint, path)]
