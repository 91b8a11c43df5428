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

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import scan_stalls
from bench.scan_stalls import OPENED, STALL_MS

SCRIPT = Path(__file__).parent / "editors" / "neovim_scan.lua"


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
    changes = found["changes_ms"]
    return {
        **scan_stalls.gap_stats(found["gaps_ms"]),
        "all_shown_ms": changes[-1] if changes else None,
        "diagnostics": found["diagnostics"],
        "buffers": found["buffers"],
    }


def summarize(name: str, label: str, rounds: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        **scan_stalls.stall_summary(name, label, rounds),
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
    parser = scan_stalls.parser("python -m bench.workspace_neovim", __doc__)
    parser.add_argument("--baseline", type=Path, help="a folder holding another grepls package")
    arguments = parser.parse_args()
    tree = scan_stalls.tree_of(arguments)
    variants: list[tuple[str, Path | None]] = [("this", None)]
    if arguments.baseline is not None:
        variants.append(("baseline", arguments.baseline.resolve()))
    scan_stalls.run_and_report(
        "workspace-neovim", tree, variants, measure, summarize, markdown, arguments
    )


if __name__ == "__main__":
    main()
