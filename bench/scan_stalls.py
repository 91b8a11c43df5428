"""An editor during a workspace scan: what the Neovim and Emacs benches share.

Each bench (:mod:`bench.workspace_neovim`, :mod:`bench.workspace_emacs`) starts the editor on one
file of the tree ``make bench-workspace`` unpacks, with grepls in the workspace scope, sets each
pattern of :mod:`bench.workspace`, and has a 5 ms timer inside the editor record how late each of
its runs comes: a key typed then would wait as long. This module holds the rest: the command
line, the tree, the rounds (a warm-up first, then the variants in turns, so that each sees the
same load), the timer's statistics, and the raw numbers' file.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from bench.workspace import PATTERNS, RESULTS, TREE, fetch, percentile

OPENED = "Makefile"
"""The file the editor opens in the tree (grepls attaches to its buffer)."""
STALL_MS = 40.0
"""A gap of the 5 ms timer longer than this is a stall a user notices."""

Variant = TypeVar("Variant")


def parser(prog: str, description: str | None) -> argparse.ArgumentParser:
    found = argparse.ArgumentParser(prog=prog, description=description)
    found.add_argument("--tree", type=Path, default=TREE, help="the tree to search")
    found.add_argument("--fetch", action="store_true", help="install and unpack linux-source")
    found.add_argument("--only", help="one pattern (TODO, fixme, [A-Z]+_SUSPEND)")
    found.add_argument("--rounds", type=int, default=3, help="scans per pattern and variant")
    return found


def tree_of(arguments: argparse.Namespace) -> Path:
    """The tree to search, fetched first if asked."""
    tree: Path = arguments.tree.resolve()
    if arguments.fetch:
        fetch(tree)
    if not (tree / OPENED).is_file():
        raise SystemExit(f"{tree} has no {OPENED} (make bench-workspace fetches the tree)")
    return tree


def gap_stats(gaps: list[float]) -> dict[str, Any]:
    """The timer's gaps, in ms: median, p99, the longest, and how many were stalls."""
    return {
        "gap_p50_ms": statistics.median(gaps),
        "gap_p99_ms": percentile(gaps, 0.99),
        "gap_max_ms": max(gaps),
        "stalls": sum(gap > STALL_MS for gap in gaps),
    }


def stall_summary(name: str, label: str, rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """A row's timer figures over its rounds: the median p99, the longest gap, all stalls."""
    return {
        "pattern": name,
        "variant": label,
        "rounds": rounds,
        "gap_p99_ms": statistics.median(r["gap_p99_ms"] for r in rounds),
        "gap_max_ms": max(r["gap_max_ms"] for r in rounds),
        "stalls": sum(r["stalls"] for r in rounds),
    }


def run_rounds(
    tree: Path,
    variants: list[tuple[str, Variant]],
    measure: Callable[[Path, dict[str, Any], Variant], dict[str, Any]],
    arguments: argparse.Namespace,
) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(pattern, variant label, each round's measure) for every pattern asked for. Not counted: a
    warm-up scan per pattern (the first editor of a run reads its modules from disk, the first
    scan the tree; that round stalled or ran long where no later one did)."""
    measured: list[tuple[str, str, list[dict[str, Any]]]] = []
    for name, argument, _ in PATTERNS:
        if arguments.only and arguments.only != name:
            continue
        by_label: dict[str, list[dict[str, Any]]] = {label: [] for label, _ in variants}
        measure(tree, argument, variants[0][1])
        for number in range(arguments.rounds):
            order = variants if number % 2 == 0 else variants[::-1]
            for label, variant in order:
                by_label[label].append(measure(tree, argument, variant))
        measured.extend((name, label, by_label[label]) for label, _ in variants)
    return measured


def run_and_report(
    kind: str,
    tree: Path,
    variants: list[tuple[str, Variant]],
    measure: Callable[[Path, dict[str, Any], Variant], dict[str, Any]],
    summarize: Callable[[str, str, list[dict[str, Any]]], dict[str, Any]],
    markdown: Callable[[list[dict[str, Any]]], str],
    arguments: argparse.Namespace,
) -> list[dict[str, Any]]:
    """A bench's run: the rounds, a row per pattern and variant, the raw numbers saved to
    ``bench/results/<kind>-<stamp>.json`` and the table printed; the rows."""
    load_before = os.getloadavg()
    measured = run_rounds(tree, variants, measure, arguments)
    rows = [summarize(name, label, rounds) for name, label, rounds in measured]
    out = save(kind, tree, load_before, rows)
    print(markdown(rows))
    print(f"raw numbers: {out}")
    return rows


def save(kind: str, tree: Path, load_before: tuple[float, ...], rows: list[Any]) -> Path:
    """Write the raw numbers to ``bench/results/<kind>-<stamp>.json``."""
    report = {
        "tree": str(tree),
        "load_before": load_before,
        "rows": rows,
        "load_after": os.getloadavg(),
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2))
    return out
