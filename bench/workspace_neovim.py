"""Neovim during a workspace scan: how long its event loop is kept from the user.

A scan of the Linux tree for ``TODO`` pushes about 2,700 files' diagnostics. Neovim spends
0.7-0.8 ms over each (a buffer of its own per file, then its diagnostics), and the protocol
client handles every message read at once in one go: handed hundreds at a time, it stops drawing
and reading keys for tens of milliseconds at a stretch. ``make bench-workspace-neovim``
(``python -m bench.workspace_neovim``) runs a headless Neovim (the one ``make setup`` installs in
the virtualenv) over the tree ``make bench-workspace`` unpacks, with grepls in the workspace
scope, sets each pattern of :mod:`bench.workspace`, and records with
``bench/editors/neovim_scan.lua``:

* **stalls**: a 5 ms timer's gaps — how late each of its runs came, from the setPattern until
  two quiet seconds after the last diagnostic changed: p50, p99, the longest, and how many were
  over 40 ms;
* **all shown**: when the last DiagnosticChanged came, and how many diagnostics Neovim holds.

Each pattern's first scan is a warm-up, not counted.

``--baseline DIR`` runs another ``grepls`` package (``git archive COMMIT server/grepls | tar -x -C
/tmp/base``, then ``--baseline /tmp/base/server``) beside this one in every round, in turns.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.workspace import PATTERNS, RESULTS, TREE, fetch, percentile

SCRIPT = Path(__file__).parent / "editors" / "neovim_scan.lua"
OPENED = "Makefile"
"""The file Neovim opens in the tree (grepls attaches to its buffer)."""
STALL_MS = 40.0


def nvim_binary() -> str:
    here = Path(sys.executable).parent / "nvim"
    if not here.exists():
        raise SystemExit("nvim not found beside python: run make setup")
    return str(here)


def measure(tree: Path, argument: dict[str, Any], source: Path | None) -> dict[str, Any]:
    """One headless Neovim, one scan."""
    with tempfile.TemporaryDirectory(prefix="grepls-bench-nvim-") as scratch:
        out = Path(scratch) / "out.json"
        env = {
            **os.environ,
            "GREPLS_BENCH_TREE": str(tree),
            "GREPLS_BENCH_FILE": OPENED,
            "GREPLS_BENCH_PATTERN": json.dumps(argument),
            "GREPLS_BENCH_PYTHON": sys.executable,
            "GREPLS_BENCH_OUT": str(out),
            "XDG_STATE_HOME": scratch,  # Neovim's LSP log, out of the user's home
        }
        if source is not None:
            env["GREPLS_BENCH_PYTHONPATH"] = str(source)
        command = [nvim_binary(), "--headless", "--clean", "-c", f"luafile {SCRIPT}"]
        subprocess.run(command, env=env, cwd=scratch, timeout=300, check=True)
        found: dict[str, Any] = json.loads(out.read_text())
    gaps = found["gaps_ms"]
    changes = found["changes_ms"]
    return {
        "gap_p50_ms": statistics.median(gaps),
        "gap_p99_ms": percentile(gaps, 0.99),
        "gap_max_ms": max(gaps),
        "stalls": sum(gap > STALL_MS for gap in gaps),
        "all_shown_ms": changes[-1] if changes else None,
        "diagnostics": found["diagnostics"],
        "buffers": found["buffers"],
    }


def summarize(name: str, label: str, rounds: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "pattern": name,
        "variant": label,
        "rounds": rounds,
        "gap_p99_ms": statistics.median(r["gap_p99_ms"] for r in rounds),
        "gap_max_ms": max(r["gap_max_ms"] for r in rounds),
        "stalls": sum(r["stalls"] for r in rounds),
        "all_shown_ms": statistics.median(r["all_shown_ms"] for r in rounds),
        "diagnostics": sorted({r["diagnostics"] for r in rounds}),
    }


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        f"| pattern | variant | diagnostics | all shown ms (median) | 5 ms timer's gap p99 ms "
        f"(median) | longest gap ms | gaps over {STALL_MS:g} ms (all rounds) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        counts = " / ".join(f"{n:,}" for n in row["diagnostics"])
        lines.append(
            f"| `{row['pattern']}` | {row['variant']} | {counts} | {row['all_shown_ms']:.0f} | "
            f"{row['gap_p99_ms']:.1f} | {row['gap_max_ms']:.0f} | {row['stalls']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.workspace_neovim", description=__doc__)
    parser.add_argument("--tree", type=Path, default=TREE, help="the tree to search")
    parser.add_argument("--fetch", action="store_true", help="install and unpack linux-source")
    parser.add_argument("--only", help="one pattern (TODO, fixme, [A-Z]+_SUSPEND)")
    parser.add_argument("--rounds", type=int, default=3, help="scans per pattern and variant")
    parser.add_argument("--baseline", type=Path, help="a folder holding another grepls package")
    arguments = parser.parse_args()
    tree: Path = arguments.tree.resolve()
    if arguments.fetch:
        fetch(tree)
    if not (tree / OPENED).is_file():
        raise SystemExit(f"{tree} has no {OPENED} (make bench-workspace fetches the tree)")
    variants: list[tuple[str, Path | None]] = [("this", None)]
    if arguments.baseline is not None:
        variants.append(("baseline", arguments.baseline.resolve()))
    report: dict[str, Any] = {"tree": str(tree), "load_before": os.getloadavg()}
    rows = []
    for name, argument, _ in PATTERNS:
        if arguments.only and arguments.only != name:
            continue
        measured: dict[str, list[dict[str, Any]]] = {label: [] for label, _ in variants}
        # Not counted: the first Neovim of a run reads its modules, and the first scan the
        # tree, from disk; twice that first round stalled or ran long where no later one did.
        measure(tree, argument, variants[0][1])
        for number in range(arguments.rounds):
            order = variants if number % 2 == 0 else variants[::-1]
            for label, source in order:
                measured[label].append(measure(tree, argument, source))
        for label, _ in variants:
            rows.append(summarize(name, label, measured[label]))
    report["rows"] = rows
    report["load_after"] = os.getloadavg()
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"workspace-neovim-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2))
    print(markdown(rows))
    print(f"raw numbers: {out}")


if __name__ == "__main__":
    main()
