"""`make demo` prints exactly what the README shows: the README cannot rot."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_demo_output() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- demo-output -->\n```text\n(.*?)```", readme, re.DOTALL)
    assert found, "README.md has no demo output block"
    return found.group(1)


def test_the_demo_prints_what_the_readme_shows() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "grepls.demo", "fixtures/demo.txt", "fixtures/astral.txt"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == readme_demo_output()


def test_the_demo_columns_count_characters_after_astral_ones() -> None:
    # "emoji 😀 before TODO": TODO is the 16th character (the emoji is one), column 17 in UTF-16.
    assert "fixtures/astral.txt:1:16:" in readme_demo_output()
