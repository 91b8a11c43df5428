"""In process: the server's work for one ``semanticTokens/full/delta`` after a keystroke, encoding
the tokens whole (what grepls did before the patch: with several patterns, on every request)
against patching the last encoding (grepls.tokens.patch), A/B in one run, at 1 and 20 patterns.

Each pattern has ``--matches`` matches, one every other line (20 patterns: side by side on the same
lines, at their own columns). Two keystrokes, each done and undone in turn:

* ``line``: a line inserted (then deleted) above every match — every token below moves;
* ``match``: a match of the first pattern typed (then taken away) on the first line — past the
  cap its last match falls off the end (then comes back).

    .venv/bin/python -m bench.editors.tokens_delta [--matches 1000 5000] [--patterns 1 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from array import array
from collections.abc import Callable

import orjson
from grepls.index import MatchIndex
from grepls.scan import Found
from grepls.tokens import Encoded, edits, encode_whole, modifiers_for, patch

CAP = 1000


def document(patterns: int, matches: int) -> list[MatchIndex]:
    """``patterns`` match indices over one document: ``matches`` each, one every other line."""
    lines = 2 * matches + 1
    indices = []
    for order in range(patterns):
        index = MatchIndex()
        column = 4 + 6 * order
        held = {line: [(column, column + 4)] for line in range(1, lines, 2)}
        index.splice(0, 0, Found(held, lines, lines))
        indices.append(index)
    return indices


def keystroke(indices: list[MatchIndex], kind: str, undo: bool) -> None:
    """The splice every pattern's index receives for one keystroke (or its undo)."""
    for order, index in enumerate(indices):
        if kind == "line":
            index.splice(0, 1, Found({}, 0, 0)) if undo else index.splice(0, 0, Found({}, 1, 1))
        else:
            typed = {0: [(0, 4)]} if order == 0 and not undo else {}
            index.splice(0, 1, Found(typed, 1, 1))


def answer(kept: Encoded, old: object) -> bytes:
    changes = kept.changes if kept.changes is not None else edits(old, kept.data)  # type: ignore[arg-type]
    return orjson.dumps({"resultId": "2", "edits": changes})


def keystrokes(
    patterns: int, matches: int, kind: str, rounds: int, encoder: Callable[[Encoded], Encoded]
) -> tuple[float, int]:
    """Median µs per keystroke (the splices themselves not counted), and the answer's bytes."""
    indices = document(patterns, matches)
    modifiers = [modifiers_for(1 + order % 4, False) for order in range(patterns)]
    kept = encode_whole(indices, modifiers, CAP, overlap=False)
    times, size = [], 0
    for round_ in range(rounds):
        keystroke(indices, kind, undo=bool(round_ % 2))
        old = array("I", kept.data)  # the patch edits it in place
        start = time.perf_counter()
        kept = encoder(kept)
        size = len(answer(kept, old))
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6, size


def whole(kept: Encoded) -> Encoded:
    return encode_whole(kept.indices, kept.modifiers, CAP, kept.overlap)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--matches", nargs="*", type=int, default=[100, 1000, 5000])
    parser.add_argument("--patterns", nargs="*", type=int, default=[1, 20])
    parser.add_argument("--rounds", type=int, default=1000)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}; cap {CAP} a pattern; median µs per keystroke")
    for patterns in args.patterns:
        for matches in args.matches:
            for kind in ("line", "match"):
                rounds = args.rounds if patterns == 1 else max(50, args.rounds // 10)
                before, _ = keystrokes(patterns, matches, kind, rounds, whole)
                after, size = keystrokes(patterns, matches, kind, args.rounds, patch)
                print(
                    f"{patterns:>3} patterns, {matches:>5,} matches, {kind:<5}: "
                    f"encoded whole {before:8.1f}  patched {after:6.1f}  ({size} bytes)"
                )
    print(f"load average {os.getloadavg()[0]:.2f} after")


if __name__ == "__main__":
    main()
