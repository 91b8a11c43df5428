"""What the editors must end up holding, computed without the server.

The fixture is plain text with `TODO` on several lines, some after `é` or an emoji. Each editor
test applies the same edits inside the editor; this module applies them to a Python copy and finds
every `TODO` with `str.find`, then expresses each match in the unit that editor uses for columns
(bytes for Neovim, characters for Emacs, UTF-16 code units for what LSP itself sends).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from editors_readme import REPO

FIXTURE = REPO / "fixtures" / "editors" / "sample.txt"
PATTERN = "TODO"

# The edits every driver performs, in order. Lines and columns are 0-based; col 0 keeps the
# insertion point unit-free, while the inserted text itself puts é and an emoji before matches.
EDITS: list[dict[str, object]] = [
    {"kind": "insert", "line": 2, "col": 0, "text": "é🙂 TODO "},
    {"kind": "delete_line", "line": 1},
]


@dataclass(frozen=True)
class Match:
    line: int  # 0-based
    start: str  # the text of the line before the match
    text: str  # the matched text

    def col(self, unit: str) -> int:
        return _width(self.start, unit)

    def end_col(self, unit: str) -> int:
        return _width(self.start + self.text, unit)


def _width(text: str, unit: str) -> int:
    if unit == "byte":
        return len(text.encode("utf-8"))
    if unit == "utf-16":
        return len(text.encode("utf-16-le")) // 2
    if unit == "char":
        return len(text)
    raise ValueError(unit)


def fixture_lines() -> list[str]:
    return FIXTURE.read_text(encoding="utf-8").splitlines()


def apply_edit(lines: list[str], edit: dict[str, object]) -> list[str]:
    out = list(lines)
    line = edit["line"]
    assert isinstance(line, int)
    if edit["kind"] == "insert":
        col, text = edit["col"], edit["text"]
        assert isinstance(col, int) and isinstance(text, str)
        out[line] = out[line][:col] + text + out[line][col:]
    elif edit["kind"] == "delete_line":
        del out[line]
    else:
        raise ValueError(edit)
    return out


def phases() -> list[tuple[str, list[str]]]:
    """(phase name, buffer lines) for the states the tests check after setting the pattern."""
    states = [("set", fixture_lines())]
    for number, edit in enumerate(EDITS, start=1):
        states.append((f"edit{number}", apply_edit(states[-1][1], edit)))
    return states


def matches(lines: list[str], pattern: str = PATTERN) -> list[Match]:
    found = []
    for number, line in enumerate(lines):
        at = line.find(pattern)
        while at != -1:
            found.append(Match(number, line[:at], pattern))
            at = line.find(pattern, at + len(pattern))
    return found


def plan(fixture_copy: Path, out: Path, wait_ms: int) -> dict[str, object]:
    """The instructions a driver script follows (written as JSON for it)."""
    states = phases()
    return {
        "fixture": str(fixture_copy),
        "pattern": PATTERN,
        "edits": EDITS,
        "expected_counts": [len(matches(lines)) for _, lines in states],
        "phases": [name for name, _ in states],
        "wait_ms": wait_ms,
        "out": str(out),
    }


CAPPED_TEXT = (
    "".join(f"{n} TODO\n" for n in range(3000))
    + "".join(f"{n} FIXME\n" for n in range(3000))
    + "HACK\n"
)
"""3,000 TODOs, 3,000 FIXMEs and one HACK: enough matches that grepls stops searching past a
small cap (a small file is read whole), so the counts of TODO and FIXME are lower bounds."""
JUMP_TEXT = "nothing\na é😀 TODO x TODO\nnothing\nTODO\nend é TODO\n"
"""Four matches; with a cap of two, the diagnostics would carry the two on line 2 only."""
JUMP_WALK = [[2, 10], [2, 17], [4, 1], [5, 8], [2, 10], [5, 8], [2, 17], [4, 1]]
"""Next from the top, four times more (the last wraps to the first match), then previous (which
wraps back to the last), then next with a count of 2 (round the end to the second match) and
previous with a count of 3 (round the start to the third): [line, byte column], 1-based; `é` is
two bytes, the emoji four."""
JUMP_SAID = [
    "grepls: match 1 of 3+",
    "grepls: match 2 of 3+",
    "grepls: match 3 of 3+",
    "grepls: match ? of 3+",
    "grepls: match 1 of 3+, wrapped around the end",
    "grepls: match ? of 3+, wrapped around the start",
    "grepls: match 2 of 3+, wrapped around the end",
    "grepls: match 3 of 3+, wrapped around the start",
]
"""What each jump of the walk says: grepls counts as far as it searched the text, three matches
past the cap of two, so the fourth's place is unknown ("?") and the count a lower bound ("+");
a step forward past the last match wraps around the end, a step back past the first around the
start."""


PAGES_TEXT = "".join(f"{n} TODO\n" if n % 3 else f"{n}\n" for n in range(400))
"""Two matching lines in three, for paging down through what a client painted."""


def check_pages(pages: list[dict[str, int]], top: int) -> None:
    """Two pages down, as a driver recorded them: each page's lines (``first``, ``last``; ``top``
    is the first line's number, 0 or 1) came into view with every matching line painted
    (``painted``) before the editor could read an answer about them."""
    first_page, second_page = pages
    assert first_page["first"] > top and second_page["first"] > first_page["last"] - 3, pages
    for page in pages:
        assert page["matching"] > 10 and page["painted"] == page["matching"], page
