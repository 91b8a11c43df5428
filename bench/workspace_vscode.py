"""VS Code during a workspace scan: when the whole tree's count shows, and whether the window froze.

``make bench-workspace-vscode`` (``python -m bench.workspace_vscode``) opens the tree ``make
bench-workspace`` unpacks as a folder in VS Code (code-server with this tree's ``.vsix``, in
Debian's chromium, driven by ``bench/editors/vscode_scan.mjs``), with grepls's settings in the user
settings as a user keeps them — the scope and the pattern — so that grepls starts its scan as it
starts, and records from the moment the workbench is visible:

* **first** and **all**: the status bar's first count of matches in the workspace, and its count
  reaching ripgrep's (``rg --count-matches``, the same flags and ``--max-filesize``);
* **frame gaps**: the page's longest wait between two animation frames, and how many were over 50
  and 100 ms, until two seconds after all were counted;
* **created**: a file holding a match written into the tree afterwards, to the count going up by
  one (VS Code's file watch for grepls, and its re-search);
* the client's refusals (``Unhandled method`` in the extension's log): none expected.

Two variants, in turns: ``grepls``, the scope ``"workspace"``, and ``vscode-alone``, the scope
``"open"`` (no scan) for as long: the frame gaps of VS Code opening the same tree with nothing
to show. Each pattern's first round is a warm-up, not counted.
"""

from __future__ import annotations

import functools
import json
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench import scan_stalls
from bench.workspace import PATTERNS, rg_common

REPO = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).parent / "editors" / "vscode_scan.mjs"
CREATED = "zz-grepls-bench-created.txt"
"""The file written into the tree after a scan (and removed again)."""
SAMPLES = {"TODO": "TODO", "fixme": "fixme", "[A-Z]+_SUSPEND": "PM_SUSPEND"}
"""Per pattern, a line that matches it once."""
ALONE_MS = 12_000
"""How long ``vscode-alone`` watches the frames (about a ``grepls`` round's time to all)."""


def vsix() -> Path:
    built = sorted((REPO / "clients" / "vscode" / "dist").glob("grepls-linux-x64-*.vsix"))
    if not built:
        raise SystemExit("no .vsix: make vsix builds it")
    return built[-1]


@functools.cache
def expected_count(tree: Path, name: str) -> int:
    """ripgrep's count of the pattern's matches (not lines) in the tree."""
    _, argument, flags = next(p for p in PATTERNS if p[0] == name)
    command = [*rg_common(), "--count-matches", *flags, "--regexp", argument["pattern"], "."]
    output = subprocess.run(command, cwd=tree, capture_output=True, text=True, check=False)
    return sum(int(line.rsplit(":", 1)[1]) for line in output.stdout.splitlines() if line)


def measure(tree: Path, argument: dict[str, Any], scope: str) -> dict[str, Any]:
    """One code-server and browser, one opening of the tree."""
    name = next(n for n, a, _ in PATTERNS if a == argument)
    settings = {
        "grepls.scope": scope,
        "grepls.pattern": argument["pattern"],
        "grepls.regex": argument.get("regex", False),
        "grepls.caseSensitive": argument.get("caseSensitive", True),
        "grepls.wholeWord": argument.get("wholeWord", False),
    }
    with tempfile.TemporaryDirectory(prefix="grepls-bench-vscode-scan-") as scratch:
        out = Path(scratch) / "out.json"
        plan = {
            "temp": scratch,
            "vsix": str(vsix()),
            "tree": str(tree),
            "settings": settings,
            "expected": expected_count(tree, name) if scope == "workspace" else None,
            "window_ms": ALONE_MS,
            "created": {"name": CREATED, "text": SAMPLES[name] + "\n"}
            if scope == "workspace"
            else None,
            "out": str(out),
        }
        (Path(scratch) / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
        run = subprocess.run(
            ["node", str(SCRIPT), str(Path(scratch) / "plan.json")],
            timeout=400,
            capture_output=True,
            text=True,
            check=False,
        )
        if run.returncode != 0 or not out.exists():
            raise SystemExit(f"vscode_scan.mjs exited {run.returncode}:\n{run.stderr[-3000:]}")
        found: dict[str, Any] = json.loads(out.read_text())
    if scope == "workspace" and found["all_ms"] is None:
        expected = expected_count(tree, name)
        raise SystemExit(f"{name}: the status bar counted {found['count']}, not {expected}")
    return found


def summarize(name: str, label: str, rounds: list[dict[str, Any]]) -> dict[str, Any]:
    def median(key: str) -> float | None:
        values = [r[key] for r in rounds if r[key] is not None]
        return statistics.median(values) if values else None

    return {
        "pattern": name,
        "variant": label,
        "rounds": rounds,
        "first_ms": median("first_ms"),
        "all_ms": median("all_ms"),
        "created_ms": median("created_ms"),
        "gap_max_ms": max(r["gap_max_ms"] for r in rounds),
        "gaps_over_50": sum(r["gaps_over_50"] for r in rounds),
        "gaps_over_100": sum(r["gaps_over_100"] for r in rounds),
        "unhandled": sorted({u for r in rounds for u in r["unhandled"]}),
    }


def markdown(rows: list[dict[str, Any]]) -> str:
    def seconds(value: float | None) -> str:
        return "-" if value is None else f"{value / 1000:.1f}"

    lines = [
        "| pattern | variant | first counted s | all counted s | created file counted s | "
        "longest frame gap ms | gaps over 50 / 100 ms (all rounds) | refused |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        refused = ", ".join(row["unhandled"]) or "none"
        lines.append(
            f"| `{row['pattern']}` | {row['variant']} | {seconds(row['first_ms'])} | "
            f"{seconds(row['all_ms'])} | {seconds(row['created_ms'])} | "
            f"{row['gap_max_ms']:.0f} | {row['gaps_over_50']} / {row['gaps_over_100']} | "
            f"{refused} |"
        )
    return "\n".join(lines)


def main() -> None:
    arguments = scan_stalls.parser("python -m bench.workspace_vscode", __doc__).parse_args()
    tree = scan_stalls.tree_of(arguments)
    variants = [("grepls", "workspace"), ("vscode-alone", "open")]
    rows = scan_stalls.run_and_report(
        "workspace-vscode", tree, variants, measure, summarize, markdown, arguments
    )
    print(
        "ripgrep's counts:", {row["pattern"]: expected_count(tree, row["pattern"]) for row in rows}
    )


if __name__ == "__main__":
    main()
