"""Deterministic, seeded documents of code-like text with a pattern planted on chosen lines.

A document is built from a pool of generated source-code lines (60-70 bytes each, lowercase
identifiers only, so the upper-case markers `TODO` and `FIXME` can never occur by accident) and
then exactly `todo_count` lines are replaced by comment lines holding `TODO` once, and
`fixme_count` others by lines holding `FIXME` once. The same arguments always give the same text,
so numbers from different runs describe the same input.

Keystroke plans live here too, because where a keystroke lands decides how it changes the match
count: most keystrokes type into a line without a match (count unchanged), every tenth pair types
inside a `TODO` (breaking it, count - 1) and the following delete restores it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cached_property

from tests.grep_oracle import Search, expected_matches

PATTERN = "TODO"
ALTERNATE_PATTERN = "FIXME"
MIN_LINE_BYTES = 60
MAX_LINE_BYTES = 70

_WORDS = [
    "buffer",
    "offset",
    "items",
    "count",
    "index",
    "value",
    "result",
    "header",
    "payload",
    "token",
    "cursor",
    "session",
    "request",
    "response",
    "handler",
    "config",
    "record",
    "parser",
    "stream",
    "window",
    "limit",
    "total",
    "source",
    "target",
    "entry",
    "cache",
    "state",
    "queue",
    "node",
    "child",
    "parent",
    "range",
    "start",
    "end",
    "width",
    "height",
    "chunk",
    "frame",
    "message",
    "status",
    "error",
    "retry",
    "timeout",
    "delay",
    "key",
    "name",
    "path",
    "mode",
    "flags",
    "options",
    "context",
]
_VERBS = [
    "get",
    "set",
    "parse",
    "build",
    "load",
    "store",
    "fetch",
    "apply",
    "merge",
    "split",
    "render",
    "update",
    "compute",
]
_CLASSES = [
    "Buffer",
    "Parser",
    "Session",
    "Handler",
    "Record",
    "Stream",
    "Window",
    "Cache",
    "Queue",
    "Frame",
]

_TEMPLATES = (
    "{a} = {v}_{b}({c}, {d}={n})",
    "if {a} is not None and {b}.{c} > {n}:",
    "for {a} in self.{b}.{v}_{c}({d}):",
    "return {a}.{v}_{b}({c}) + {n}",
    'self.{a} = {b}.get("{c}", {n})',
    'raise {K}Error(f"cannot {v} {a}: {{{b}}}")',
    "def {v}_{a}(self, {b}: int, {c}: str) -> bool:",
    "{a}, {b} = self.{v}_{c}({d}[{n}:])",
    "while {a} < len({b}) and not {c}.{v}():",
    "{a}.append({K}({b}={c}, {d}={n}))",
)


def _pad(rng: random.Random, line: str) -> str | None:
    """Grow a line with a trailing comment into the 60-70 byte band, or give up (None)."""
    if len(line) > MAX_LINE_BYTES:
        return None
    if len(line) < MIN_LINE_BYTES:
        line += "  # " + rng.choice(_WORDS)
        while len(line) < MIN_LINE_BYTES:
            line += " " + rng.choice(_WORDS)
    return line if len(line) <= MAX_LINE_BYTES else None


def _code_line(rng: random.Random) -> str:
    while True:
        indent = " " * rng.choice((4, 8, 8, 12))
        body = rng.choice(_TEMPLATES).format(
            a=rng.choice(_WORDS),
            b=rng.choice(_WORDS),
            c=rng.choice(_WORDS),
            d=rng.choice(_WORDS),
            v=rng.choice(_VERBS),
            K=rng.choice(_CLASSES),
            n=rng.randrange(1000),
        )
        line = _pad(rng, indent + body)
        if line is not None:
            return line


def _marker_line(rng: random.Random, marker: str) -> str:
    while True:
        indent = " " * rng.choice((4, 8, 12))
        text = f"{indent}# {marker}: {rng.choice(_VERBS)} the {rng.choice(_WORDS)} first"
        line = _pad(rng, text)
        if line is not None:
            return line


@dataclass
class Document:
    """A generated document: its lines (no newlines) and where each marker was planted."""

    lines: list[str]
    todo_lines: list[int]
    fixme_lines: list[int] = field(default_factory=list)

    @cached_property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    @property
    def byte_size(self) -> int:
        # All generated text is ASCII: one byte per character plus one per newline.
        return sum(len(line) for line in self.lines) + len(self.lines)


def generate(line_count: int, todo_count: int, fixme_count: int = 0, seed: int = 1) -> Document:
    """Build a document of `line_count` lines with the markers on exactly the stated counts."""
    if todo_count + fixme_count > line_count:
        raise ValueError("more marker lines than lines")
    rng = random.Random(f"grepls-bench:{seed}:{line_count}")
    pool = [_code_line(rng) for _ in range(min(line_count, 20000))]
    lines = rng.choices(pool, k=line_count)
    marked = rng.sample(range(line_count), todo_count + fixme_count)
    todo_lines = sorted(marked[:todo_count])
    fixme_lines = sorted(marked[todo_count:])
    for index in todo_lines:
        lines[index] = _marker_line(rng, PATTERN)
    for index in fixme_lines:
        lines[index] = _marker_line(rng, ALTERNATE_PATTERN)
    return Document(lines, todo_lines, fixme_lines)


@dataclass(frozen=True)
class Keystroke:
    """One typed or deleted character at (line, column) and what it does to the matches.

    `changes_diagnostics` is False when every match keeps its exact range (typing on a line
    without a match, or after the match): a server may rightly publish nothing for such a
    keystroke, so the benchmark times it with a barrier request instead (see scenarios.py).
    """

    line: int
    column: int
    insert: bool
    kind: str  # "plain" (line without a match) | "shift" (before a TODO) | "break" (inside it)
    expected_matches: int
    changes_diagnostics: bool


def plan_keystrokes(doc: Document, count: int, seed: int = 1) -> list[Keystroke]:
    """Alternate insert/delete pairs in the middle half of the document, `count` keystrokes.

    Of every five pairs, three type on a line without a match, one types before a TODO (its
    range shifts by one column) and one types inside a TODO (breaking it; the delete restores
    it). The document returns to its original text after every pair, so the expected counts
    never drift.
    """
    rng = random.Random(f"grepls-keys:{seed}:{len(doc.lines)}")
    planted = len(doc.todo_lines)
    low, high = len(doc.lines) // 4, max(len(doc.lines) * 3 // 4, len(doc.lines) // 4 + 1)
    middle_todos = [i for i in doc.todo_lines if low <= i < high] or doc.todo_lines
    marker_lines = set(doc.todo_lines) | set(doc.fixme_lines)
    plan: list[Keystroke] = []
    pair = 0
    while len(plan) < count:
        slot = pair % 5
        if slot >= 3 and middle_todos:
            line = rng.choice(middle_todos)
            at = doc.lines[line].index(PATTERN)
            if slot == 3:
                column, kind, after_insert = rng.randint(0, at), "shift", planted
            else:
                column, kind, after_insert = rng.randint(at + 1, at + 3), "break", planted - 1
            plan.append(Keystroke(line, column, True, kind, after_insert, True))
            plan.append(Keystroke(line, column, False, kind, planted, True))
        else:
            line = rng.randrange(low, high)
            while line in marker_lines:
                line = rng.randrange(low, high)
            column = rng.randrange(len(doc.lines[line]) + 1)
            plan.append(Keystroke(line, column, True, "plain", planted, False))
            plan.append(Keystroke(line, column, False, "plain", planted, False))
        pair += 1
    return plan[:count]


def expected_ranges(doc: Document, key: Keystroke) -> list[tuple[int, int, int]]:
    """(line, start, end) of every TODO match right after `key`, in document order, as the tests'
    oracle finds them (O(document): for the smoke run's checks)."""
    lines = doc.lines
    if key.insert:  # the keystroke typed "x" at its column; the delete after it restores the line
        lines = list(lines)
        lines[key.line] = lines[key.line][: key.column] + "x" + lines[key.line][key.column :]
    text = "\n".join(lines) + "\n"
    found = expected_matches(Search(PATTERN), text, "utf-16")  # ASCII: any encoding is the same
    return [(line, start, end) for line, start, _, end in found]
