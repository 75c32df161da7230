"""Deterministic fuzzing of `check` (library and CLI) with mutated .twl and XML: never a
traceback; every failure is a coded diagnostic with a position; exit 0 or 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CASES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twimlc.api import check_twl, check_xml
from twimlc.cli import main
from twimlc.diagnostics import CODES

SEEDS_TWL = [p.read_bytes() for p in sorted(CASES.glob("*.twl"))]
SEEDS_XML = [p.read_bytes() for p in sorted(CASES.glob("*.xml"))]
FUZZ = settings(
    derandomize=True,
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(
            st.sampled_from(["flip", "cut_line", "swap_tokens", "insert_unicode", "truncate", "duplicate", "delete"])
        )
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[i] = draw(st.integers(0, 255))
        elif op == "cut_line":
            lines = bytes(data).split(b"\n")
            del lines[draw(st.integers(0, len(lines) - 1))]
            data = bytearray(b"\n".join(lines))
        elif op == "swap_tokens":
            tokens = bytes(data).split(b" ")
            j, k = draw(st.integers(0, len(tokens) - 1)), draw(st.integers(0, len(tokens) - 1))
            tokens[j], tokens[k] = tokens[k], tokens[j]
            data = bytearray(b" ".join(tokens))
        elif op == "insert_unicode":
            data[i:i] = draw(st.text(min_size=1, max_size=5)).encode("utf-8", "surrogatepass")
        elif op == "truncate":
            data = data[:i]
        elif op == "duplicate":
            data[i:i] = data[i : i + draw(st.integers(1, 40))]
        else:
            del data[i : i + draw(st.integers(1, 10))]
    return bytes(data)


def _assert_coded(diagnostics: list) -> None:  # type: ignore[type-arg]
    for d in diagnostics:
        assert d.code in CODES
        assert d.severity in ("error", "warning")
        assert d.span.line >= 1 or d.code == "TWL005"
        assert d.message


@FUZZ
@given(mutated(SEEDS_TWL))
def test_check_twl_never_raises(data: bytes) -> None:
    _assert_coded(check_twl(data.decode("utf-8", errors="replace"), "fuzz.twl"))


@FUZZ
@given(mutated(SEEDS_XML))
def test_check_xml_never_raises(data: bytes) -> None:
    _assert_coded(check_xml(data, "fuzz.xml") or [])


@FUZZ
@given(
    st.one_of(
        mutated(SEEDS_TWL),
        mutated(SEEDS_XML),
        st.binary(max_size=300),
        st.just(b""),
        st.text(max_size=200).map(lambda s: s.encode("utf-16")),
    ),
    st.sampled_from([".twl", ".xml", ".twiml"]),
)
def test_cli_check_exit_codes(tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str) -> None:
    path = tmp_path_factory.mktemp("fuzz") / f"input{suffix}"
    path.write_bytes(data)
    code = main(["check", "--format", "json", str(path)])
    assert code in (0, 1)


@pytest.mark.parametrize("data", [b"", b"\x00\x01\x02", 'say "x"'.encode("utf-16"), b"\xff\xfe\xfd", b'say "\xc3\x28"'])
def test_cli_odd_files(tmp_path: Path, data: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    for suffix in (".twl", ".xml"):
        f = tmp_path / f"odd{suffix}"
        f.write_bytes(data)
        assert main(["check", str(f)]) in (0, 1)
        out = capsys.readouterr()
        assert "Traceback" not in out.out + out.err


@FUZZ
@given(st.one_of(mutated(SEEDS_TWL), st.binary(max_size=200)))
def test_cli_fmt_and_compile_never_crash(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "input.twl"
    path.write_bytes(data)
    assert main(["fmt", "--check", str(path)]) in (0, 1)
    assert main(["compile", str(path)]) in (0, 1)
    assert path.read_bytes() == data  # --check and compile never touch the source


@FUZZ
@given(st.one_of(mutated(SEEDS_XML), st.binary(max_size=200)))
def test_cli_decompile_never_crashes(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "input.xml"
    path.write_bytes(data)
    assert main(["decompile", str(path), "-o", str(folder / "out.twl")]) in (0, 1)
