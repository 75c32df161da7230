"""The README's Quick start commands: the fenced ``sh`` blocks under its "## Quick start" heading.

``.ci/run`` runs exactly these, read afresh from README.md on every run (it keeps no copy), and
tests/test_ci.py reads them with this same function. As a script it prints each block followed
by a NUL byte: ``python3 .ci/quickstart.py README.md``. Standard library only: it runs before any
virtual environment exists.
"""

from __future__ import annotations

import sys
from pathlib import Path

SECTION = "## Quick start"
SHELLS = ("sh", "bash", "shell")


def quickstart_blocks(readme: str) -> list[str]:
    """The shell blocks of the Quick start section, in order (a heading inside a fence is code)."""
    blocks: list[str] = []
    in_section = False
    fenced = False  # inside any fenced block
    block: list[str] | None = None  # the lines of a Quick start shell block being read
    for line in readme.splitlines():
        if fenced:
            if line.strip() == "```":
                fenced = False
                if block is not None:
                    blocks.append("\n".join(block) + "\n")
                    block = None
            elif block is not None:
                block.append(line)
        elif line.startswith("```"):
            fenced = True
            if in_section and line[3:].strip() in SHELLS:
                block = []
        elif line.startswith("## "):
            in_section = line.rstrip() == SECTION
    return blocks


def main(argv: list[str]) -> int:
    readme = Path(argv[0] if argv else "README.md")
    for block in quickstart_blocks(readme.read_text(encoding="utf-8")):
        sys.stdout.write(block + "\0")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
