"""Emacs during a workspace scan: how long its command loop is kept from the user.

``make bench-workspace-emacs`` (``python -m bench.workspace_emacs``) runs batch Emacs (Debian's,
with its eglot) over the tree ``make bench-workspace`` unpacks, configured with the README's
``emacs-config`` snippet and a workspace configuration, sets each pattern of
:mod:`bench.workspace`, and records with ``bench/editors/emacs_scan.el``:

* **stalls**: a 5 ms timer's gaps — how late each of its runs came, from the setPattern until the
  timer had run 400 times since the last publish: p50, p99, the longest, and how many were over
  40 ms;
* **all read**: when eglot handled the last publish (Emacs 28's eglot reads the diagnostics of
  files that are not visited, then drops them), and how many it handled.

Two workspace configurations, in turns: ``readme``, the README's ``emacs-workspace`` snippet
(``:watcher "grepls"``: grepls watches the files itself), and ``eglot-watches``, the same without
``:watcher``, so that grepls asks eglot to watch the files, as it does any editor that can.
Each pattern's first scan is a warm-up, not counted.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import scan_stalls
from bench.scan_stalls import OPENED, STALL_MS

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "editors"))
from editors_readme import snippet  # noqa: E402

SCRIPT = Path(__file__).parent / "editors" / "emacs_scan.el"
README_WATCHER = ' :watcher "grepls"'


def variants() -> list[tuple[str, str]]:
    """(label, workspace configuration): the README's, and the same with eglot watching."""
    readme = snippet("emacs-workspace")
    if README_WATCHER not in readme:
        raise SystemExit(f"the README's emacs-workspace snippet no longer holds {README_WATCHER}")
    return [("readme", readme), ("eglot-watches", readme.replace(README_WATCHER, ""))]


def measure(tree: Path, argument: dict[str, Any], workspace: str) -> dict[str, Any]:
    """One batch Emacs, one scan."""
    emacs = shutil.which("emacs")
    if emacs is None:
        raise SystemExit("emacs not found (make test-editors installs Debian's)")
    with tempfile.TemporaryDirectory(prefix="grepls-bench-emacs-") as scratch:
        config, out = Path(scratch) / "config.el", Path(scratch) / "out.json"
        config.write_text(snippet("emacs-config") + workspace, encoding="utf-8")
        env = {
            **os.environ,
            # The README's config starts plain `grepls`: this virtualenv's.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": scratch,  # no user init, no eglot state of the user's
            "GREPLS_BENCH_TREE": str(tree),
            "GREPLS_BENCH_FILE": OPENED,
            "GREPLS_BENCH_PATTERN": json.dumps(argument),
            "GREPLS_BENCH_OUT": str(out),
        }
        command = [emacs, "--batch", "-q", "-l", str(config), "-l", str(SCRIPT)]
        run = subprocess.run(
            command, env=env, cwd=scratch, timeout=300, capture_output=True, text=True
        )
        if run.returncode != 0 or not out.exists():
            raise SystemExit(f"emacs exited {run.returncode}:\n{run.stderr[-3000:]}")
        found: dict[str, Any] = json.loads(out.read_text())
    publishes = found["publishes_ms"]
    return {
        **scan_stalls.gap_stats(found["gaps_ms"]),
        "all_read_ms": publishes[-1] if publishes else None,
        "publishes": len(publishes),
        "watches": found["watches"],
    }


def summarize(name: str, label: str, rounds: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        **scan_stalls.stall_summary(name, label, rounds),
        "all_read_ms": statistics.median(r["all_read_ms"] for r in rounds),
        "publishes": sorted({r["publishes"] for r in rounds}),
        "watches": sorted({r["watches"] for r in rounds}),
    }


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        f"| pattern | variant | publishes read | all read ms (median) | eglot's watches | "
        f"5 ms timer's gap p99 ms (median) | longest gap ms | gaps over {STALL_MS:g} ms "
        "(all rounds) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        counts = " / ".join(f"{n:,}" for n in row["publishes"])
        watches = " / ".join(f"{n:,}" for n in row["watches"])
        lines.append(
            f"| `{row['pattern']}` | {row['variant']} | {counts} | {row['all_read_ms']:.0f} | "
            f"{watches} | {row['gap_p99_ms']:.1f} | {row['gap_max_ms']:.0f} | {row['stalls']} |"
        )
    return "\n".join(lines)


def main() -> None:
    arguments = scan_stalls.parser("python -m bench.workspace_emacs", __doc__).parse_args()
    tree = scan_stalls.tree_of(arguments)
    scan_stalls.run_and_report(
        "workspace-emacs", tree, variants(), measure, summarize, markdown, arguments
    )


if __name__ == "__main__":
    main()
