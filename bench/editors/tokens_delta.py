"""In process: the server's work for one ``semanticTokens/full/delta`` after a keystroke that
inserts (then deletes) a line above every match, encoding the tokens whole (the code before the
patch) against patching the last encoding (grepls.tokens.patch), A/B in one run.

    .venv/bin/python -m bench.editors.tokens_delta [--matches 1000 5000] [--rounds 2000]
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
from grepls.tokens import Encoded, edits, encode_index, patch

CAP = 1000


def document(matches: int) -> MatchIndex:
    """A match on every other line, ``TODO`` at column 4."""
    index = MatchIndex()
    lines = 2 * matches
    index.splice(0, 0, Found({line: [(4, 8)] for line in range(1, lines, 2)}, lines, lines))
    return index


def answer(old: array[int], new: array[int], split: tuple[int, int] | None) -> bytes:
    return orjson.dumps({"resultId": "2", "edits": edits(old, new, split)})


def keystrokes(matches: int, rounds: int, encoder: Callable[[MatchIndex, object], object]) -> float:
    """Median µs per keystroke (the splice itself not counted)."""
    index = document(matches)
    kept = encode_index(index, CAP)
    times = []
    for round_ in range(rounds):
        if round_ % 2:
            index.splice(0, 1, Found({}, 0, 0))
        else:
            index.splice(0, 0, Found({}, 1, 1))
        old = kept.data if isinstance(kept, Encoded) else kept
        start = time.perf_counter()
        kept = encoder(index, kept)  # type: ignore[assignment]
        new = kept.data if isinstance(kept, Encoded) else kept
        answer(old, new, kept.split if isinstance(kept, Encoded) else None)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def whole(index: MatchIndex, _: object) -> object:
    return encode_index(index, CAP).data  # type: ignore[union-attr]


def patched(_: MatchIndex, kept: object) -> object:
    assert isinstance(kept, Encoded)
    return patch(kept, CAP)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--matches", nargs="*", type=int, default=[100, 1000, 5000])
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}; cap {CAP}; median µs per keystroke")
    for matches in args.matches:
        before = keystrokes(matches, args.rounds, whole)
        after = keystrokes(matches, args.rounds, patched)
        print(f"{matches:>6,} matches: encoded whole {before:7.1f}  patched {after:6.1f}")
    print(f"load average {os.getloadavg()[0]:.1f} after")


if __name__ == "__main__":
    main()
