"""What a new user's report found unsafe: writing over devices, FIFOs and symlinks,
terminal escapes and huge lines in diagnostics, FIFOs in a walk, CRLF lost by fmt, carets
after wide characters and tabs. Never touches the real /dev/null or /dev/stdout: devices
and FIFOs are made in tmp_path."""

from __future__ import annotations

import os
import re
import stat
import threading
import tracemalloc
from pathlib import Path

import pytest

from twimlc.api import analyze
from twimlc.cli import _files, main
from twimlc.diagnostics import render_text
from twimlc.parser import parse_syntax

SAY = 'say "hi"\n'


def _reader(path: Path, into: list[bytes]) -> threading.Thread:
    def read() -> None:
        with open(path, "rb") as f:
            into.append(f.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def _writer(path: Path, data: bytes) -> threading.Thread:
    def write() -> None:
        with open(path, "wb") as f:
            f.write(data)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


# --- 1: -o and fmt write through symlinks and into devices and FIFOs ---------------------


def test_compile_output_to_a_character_device_writes_into_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a.twl").write_text(SAY, encoding="utf-8")
    try:
        os.mknod("nulldev", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError) as e:
        pytest.skip(f"cannot make a device node here: {e}")
    assert main(["compile", "a.twl", "-o", "nulldev"]) == 0
    assert stat.S_ISCHR(os.lstat("nulldev").st_mode)  # still the device, not a regular file
    assert [p for p in os.listdir(".") if p.startswith(".")] == []  # no temporary file left


def test_compile_output_to_a_fifo_feeds_its_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a.twl").write_text(SAY, encoding="utf-8")
    os.mkfifo("pipe.xml")
    got: list[bytes] = []
    reader = _reader(tmp_path / "pipe.xml", got)
    assert main(["compile", "a.twl", "-o", "pipe.xml"]) == 0
    reader.join(10)
    assert got and b"<Say>hi</Say>" in got[0]
    assert stat.S_ISFIFO(os.lstat("pipe.xml").st_mode)


def test_compile_output_through_a_link_to_standard_output(tmp_path: Path) -> None:
    # what `-o /dev/stdout` is: a link to /proc/self/fd/1 (made here, never the real one)
    import subprocess
    import sys

    (tmp_path / "a.twl").write_text(SAY, encoding="utf-8")
    (tmp_path / "stdout").symlink_to("/proc/self/fd/1")
    run = subprocess.run(
        [sys.executable, "-m", "twimlc", "compile", "a.twl", "-o", "stdout"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "<Say>hi</Say>" in run.stdout
    assert (tmp_path / "stdout").is_symlink()


def test_compile_output_through_a_symlink_replaces_its_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a.twl").write_text(SAY, encoding="utf-8")
    Path("real").mkdir()
    Path("real/target.xml").write_text("old\n", encoding="utf-8")
    os.chmod("real/target.xml", 0o640)
    Path("out.xml").symlink_to("real/target.xml")
    assert main(["compile", "a.twl", "-o", "out.xml"]) == 0
    assert Path("out.xml").is_symlink()
    assert "<Say>hi</Say>" in Path("real/target.xml").read_text(encoding="utf-8")
    assert stat.S_IMODE(os.stat("real/target.xml").st_mode) == 0o640
    assert [p for p in os.listdir("real") if p.startswith(".")] == []


def test_fmt_through_a_symlink_formats_its_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("real").mkdir()
    Path("real/src.twl").write_text('say   "hi"\n', encoding="utf-8")
    Path("l.twl").symlink_to("real/src.twl")
    assert main(["fmt", "l.twl"]) == 0
    assert Path("l.twl").is_symlink()
    assert Path("real/src.twl").read_text(encoding="utf-8") == 'say "hi"\n'


# --- 10: a FIFO in a directory never hangs a walk; a FIFO named is read -----------------


def test_directory_walk_skips_fifos(tmp_path: Path) -> None:
    (tmp_path / "a.twl").write_text('say "x"\n', encoding="utf-8")
    os.mkfifo(tmp_path / "f.twl")
    assert _files([str(tmp_path)]) == [str(tmp_path / "a.twl")]


def test_check_of_a_directory_with_a_fifo_finishes(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "a.twl").write_text('say "x"\n', encoding="utf-8")
    os.mkfifo(tmp_path / "f.twl")
    for command in (["check", "."], ["fmt", "."]):
        run = subprocess.run(
            [sys.executable, "-m", "twimlc", *command], cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
        assert run.returncode == 0, run.stderr


def test_a_fifo_named_explicitly_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "f.twl"
    os.mkfifo(fifo)
    writer = _writer(fifo, b'say "x" loop=many\n')
    assert main(["check", str(fifo)]) == 1
    writer.join(10)
    assert "TWL202" in capsys.readouterr().out


# --- 17: fmt keeps CRLF line endings -----------------------------------------------------


def test_fmt_keeps_crlf(tmp_path: Path) -> None:
    path = tmp_path / "c.twl"
    path.write_bytes(b'gather numDigits=1:\r\n    say  "x"\r\n')
    assert main(["fmt", str(path)]) == 0
    assert path.read_bytes() == b'gather numDigits=1:\r\n    say "x"\r\n'
    before = path.stat().st_mtime_ns
    assert main(["fmt", "--check", str(path)]) == 0  # formatted already: nothing to change
    assert path.stat().st_mtime_ns == before


def test_fmt_stdin_keeps_crlf(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import io
    import sys

    stdin = io.TextIOWrapper(io.BytesIO(b'say  "x"\r\nsay "y"\n'), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    assert main(["fmt", "-"]) == 0
    assert capsys.readouterr().out == 'say "x"\r\nsay "y"\r\n'


# --- 4, 9, 18, 19: the source line as a terminal shows it --------------------------------


def _rendered(source: str) -> list[str]:
    _, diagnostics = analyze(source, "t.twl")
    return [render_text(d, source) for d in diagnostics]


def _caret(rendered: str) -> tuple[str, int, int]:
    """The shown source line, where the caret starts in it and how wide it is."""
    lines = rendered.split("\n")
    shown = lines[1].split(" | ", 1)[1]
    carets = lines[2].split(" | ", 1)[1]
    start = carets.index("^")
    return shown, start, len(carets) - start


def test_control_characters_are_shown_escaped() -> None:
    source = 'say "a\x1b]0;PWNED\x07\x1b[2Jb" loop=many\n'
    out = _rendered(source)
    assert out
    for text in out:
        assert not any(ord(ch) < 0x20 and ch != "\n" for ch in text), repr(text)
        assert "\\x1b" in text and "\\x07" in text
    loop = next(t for t in out if "TWL202" in t)
    shown, start, width = _caret(loop)
    assert shown[start : start + width] == "many"


def test_carets_use_display_width_after_wide_characters() -> None:
    (text,) = _rendered('say "こんにちは" loop=多い\n')
    _, start, width = _caret(text)
    assert start == len('say "" loop=') + 2 * 5  # five wide characters before
    assert width == 4


def test_tabs_are_drawn_to_their_width() -> None:
    (text,) = _rendered('gather:\n\tsay "x" loop=many\n')
    shown, start, width = _caret(text)
    assert shown.startswith(" " * 8 + "say")
    assert shown[start : start + width] == "many"


def test_long_lines_are_cut_to_a_window() -> None:
    source = 'say "' + "a" * 200_000 + '" loop=many\n'
    out = _rendered(source)
    assert out and sum(map(len, out)) < 4000
    for text in out:
        shown, start, width = _caret(text)
        assert len(shown) <= 130 and start + width <= 130
    loop = next(t for t in out if "TWL202" in t)
    shown, start, width = _caret(loop)
    assert shown[start : start + width] == "many" and shown.startswith("...")


def test_a_huge_value_quoted_in_a_message_is_cut() -> None:
    out = _rendered("say x loop=" + "a" * 200_000 + "\n")
    assert out and sum(map(len, out)) < 4000
    assert "is not an integer" in out[0]


def test_long_lines_parse_in_bounded_memory() -> None:
    for source in ('say "' + "a" * 2_000_000 + '"\n', 'say "x"' + "\n" * 1_000_000 + 'say "y"\n'):
        tracemalloc.start()
        try:
            parse_syntax(source)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 100_000_000, f"{peak:,} bytes"


# --- 19: mixed tabs and spaces say so ----------------------------------------------------


def test_unindent_with_a_tab_block_says_tabs() -> None:
    _, diagnostics = analyze('gather:\n\tsay "x"\n    say "y"\n', "t.twl")
    (d,) = [d for d in diagnostics if d.code == "TWL004"]
    said = f"{d.message} {d.hint}"
    assert re.search(r"tab \(8 columns\)", said) and "4 spaces" in said and "spaces only" in said


def test_indent_with_a_tab_after_spaces_says_tabs() -> None:
    _, diagnostics = analyze('gather:\n    say "x"\n\tsay "y"\n', "t.twl")
    (d,) = [d for d in diagnostics if d.code == "TWL004"]
    said = f"{d.message} {d.hint}"
    assert "this line is indented with a tab (8 columns)" in said and "4 spaces" in said
