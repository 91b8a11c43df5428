"""Neovim 0.11+ with the README's `nvim-commands`: `:Grepls` previews its pattern as it is typed.

Neovim runs a command's preview (`inccommand`) only while a real user types it on its command
line and the screen is drawn, so Neovim runs here with its terminal UI on a pseudo-terminal and
the keys are typed into its command line (`nvim_feedkeys`, as typed). While `:Grepls TO` and then
`:Grepls TODO` stand typed, the preview's highlights must cover exactly the matches on screen, at
the right byte columns after `é` and an emoji, with the buffer's count at the top right, and
nothing may be set yet (no diagnostic); Escape leaves no highlight and no pattern; Enter sets it.
What is lit is read off Neovim's screen grid (`screenattr`): the cells in the count label's
highlight, in screen cells (the emoji takes two).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from editors_readme import nvim_config_011, snippet
from editors_run import run_in_terminal
from test_editor_neovim import wheel_nvim

LINES = ["é😀 TODO one", "TOTO", "nothing here", "x TODO TODO", "TO"]


def cells(text: str) -> int:
    """How many screen cells ``text`` takes (the emoji two, everything else here one)."""
    return sum(2 if ord(char) > 0xFFFF else 1 for char in text)


def lit_cells(pattern: str) -> list[list[int]]:
    """The screen cells the preview of ``pattern`` must light: [row, first cell, end cell], two
    matches side by side (``TOTO``) making one run of cells."""
    found: list[list[int]] = []
    for number, text in enumerate(LINES):
        start = text.find(pattern)
        while start >= 0:
            first, end = cells(text[:start]), cells(text[: start + len(pattern)])
            if found and found[-1][0] == number and found[-1][2] == first:
                found[-1][2] = end
            else:
                found.append([number, first, end])
            start = text.find(pattern, start + len(pattern))
    return found


def count_of(pattern: str) -> int:
    return sum(text.count(pattern) for text in LINES)


# A search and a kept pattern, literal and regex: each command previews what it would set.
COMMANDS = ["Grepls", "GreplsAddRegex"]


@pytest.mark.parametrize("command", COMMANDS)
def test_neovim_lights_up_the_pattern_as_it_is_typed(
    workdir: Path, env: dict[str, str], command: str
) -> None:
    init = workdir / "init.lua"
    init.write_text(nvim_config_011() + "\n" + snippet("nvim-commands"), encoding="utf-8")
    fixture = workdir / "project" / "preview.txt"
    fixture.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    out = workdir / "preview.json"
    driver = Path(__file__).parent / "drivers" / "neovim_preview.lua"
    to, todo = lit_cells("TO"), lit_cells("TODO")
    run = run_in_terminal(
        [
            wheel_nvim(),
            "-n",
            "-i",
            "NONE",
            "-u",
            str(init),
            str(fixture),
            "-c",
            f"luafile {driver}",
        ],
        {
            **env,
            "GREPLS_OUT": str(out),
            "GREPLS_COMMAND": command,
            "GREPLS_ROWS": str(len(LINES)),
            "GREPLS_WANTED_TO": str(len(to)),
            "GREPLS_WANTED_TODO": str(len(todo)),
            "GREPLS_WANTED_DIAGNOSTICS": str(count_of("TODO")),
        },
        workdir / "project",
    )
    assert out.exists(), run.describe()
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report.get("error") is None, f"{report}\n{run.describe()}"
    typed_to, typed_todo, escaped, entered = report["steps"]
    assert typed_to == {"typed": f"{command} TO", "lit": to, "count": f" {count_of('TO')} matches "}
    assert typed_todo == {
        "typed": f"{command} TODO",
        "lit": todo,
        "count": f" {count_of('TODO')} matches ",
        "diagnostics": 0,
    }
    assert escaped == {"escaped": True, "lit": [], "patterns": 0, "diagnostics": 0}
    assert entered == {"entered": True, "patterns": 1}
