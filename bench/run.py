"""Command line: build the documents, run every scenario on each server, print and save results.

`python -m bench` is the full run behind `make bench` (all target sizes, about 4 minutes with the
naive baseline capped); `python -m bench --smoke` runs every scenario at a tiny size and checks
every publish line by line, as the CI smoke test that the harness and both servers work end to
end. Exit status is non-zero if any scenario failed (wrong match count, timeout, dead server).

`--baseline DIR` runs another `grepls` package (the directory that holds it, put first on the
server's `PYTHONPATH`) as the server `baseline`, in turns with grepls in each scenario: a warm-up of
both (not kept: a scenario's first runs in a process measure slower), then grepls and the baseline,
then the baseline and grepls, each server's samples pooled. From one process to the next a row can
move more than a change does: only figures taken in turns compare. To compare a commit with the
working tree: `mkdir -p /tmp/base`, `git archive COMMIT server/grepls | tar -x -C /tmp/base`, then
`--baseline /tmp/base/server`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import scenarios
from bench.documents import Document, generate
from bench.process import machine_info
from bench.report import (
    evaluate_targets,
    markdown,
    scenario_table,
    summarize,
    target_table,
    write_json,
)

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"


@dataclass(frozen=True)
class DocShape:
    lines: int
    todos: int
    fixmes: int = 0
    seed: int = 1


@dataclass(frozen=True)
class Scenario:
    label: str
    kind: str  # "keystrokes" | "opens" | "pattern" | "startup"
    shape: DocShape
    count: int
    warmup: int
    documents: int = 1


FULL = [
    Scenario("keystroke-100k", "keystrokes", DocShape(100_000, 1_000), 300, 30),
    Scenario("keystroke-1M", "keystrokes", DocShape(1_000_000, 10_000), 100, 10),
    Scenario("keystroke-300k", "keystrokes", DocShape(300_000, 1_000), 300, 30),
    Scenario("keystroke-2k", "keystrokes", DocShape(2_000, 1_000), 300, 30),
    Scenario("open-100k", "opens", DocShape(100_000, 1_000), 20, 2),
    Scenario("open-1M", "opens", DocShape(1_000_000, 10_000), 5, 1),
    Scenario("pattern-10x100k", "pattern", DocShape(100_000, 1_000, 1_000), 20, 2, documents=10),
    Scenario("first-key-1M-top", "first-keystroke-top", DocShape(1_000_000, 10_000), 5, 1),
    Scenario("first-key-1M-mid", "first-keystroke-middle", DocShape(1_000_000, 10_000), 5, 1),
    Scenario("insert-line-100k", "line-insertions", DocShape(100_000, 1_000), 100, 10),
    Scenario("patterns20-key-100k", "patterns-keystrokes", DocShape(100_000, 1_000), 300, 30),
    Scenario("patterns20-open-100k", "patterns-opens", DocShape(100_000, 1_000), 10, 2),
    Scenario(
        "patterns21-add-10x100k", "patterns-add", DocShape(100_000, 1_000), 10, 2, documents=10
    ),
    Scenario("floor-publish-1k", "floor", DocShape(0, 1_000), 200, 20),
    Scenario("floor-publish-21k", "floor", DocShape(0, 21_000), 200, 20),
    Scenario("startup", "startup", DocShape(0, 0), 10, 1),
]

SMOKE = [
    Scenario("keystroke-2k", "keystrokes", DocShape(2_000, 20), 20, 4),
    Scenario("keystroke-3k", "keystrokes", DocShape(3_000, 20), 20, 4),
    Scenario("open-2k", "opens", DocShape(2_000, 20), 3, 1),
    Scenario("pattern-10x2k", "pattern", DocShape(2_000, 20, 30), 4, 0, documents=10),
    Scenario("first-key-2k-top", "first-keystroke-top", DocShape(2_000, 20), 2, 0),
    Scenario("first-key-2k-mid", "first-keystroke-middle", DocShape(2_000, 20), 2, 0),
    Scenario("insert-line-2k", "line-insertions", DocShape(2_000, 20), 10, 2),
    Scenario("patterns20-key-2k", "patterns-keystrokes", DocShape(2_000, 20), 10, 2),
    Scenario("patterns20-open-2k", "patterns-opens", DocShape(2_000, 20), 2, 0),
    Scenario("patterns21-add-10x2k", "patterns-add", DocShape(2_000, 20), 2, 0, documents=10),
    Scenario("floor-publish-1k", "floor", DocShape(0, 1_000), 4, 1),
    Scenario("startup", "startup", DocShape(0, 0), 2, 0),
]

# Scenarios only grepls can run (the baseline knows one pattern and no commands but setPattern).
GREPLS_ONLY = {"patterns-keystrokes", "patterns-opens", "patterns-add"}

# Scenarios only the floor program runs (bench/pipe_floor.py: a publish of a size for each edit,
# no server work): what the pipe and the client cost alone. It runs nothing else.
FLOOR_ONLY = {"floor"}

# The naive baseline re-splits and re-scans the whole document on every keystroke (seconds at
# 1M lines), so it gets fewer iterations; the output notes every cap.
NAIVE_CAPS = {
    "keystroke-1M": 20,
    "keystroke-300k": 100,
    "open-100k": 10,
    "open-1M": 3,
    "pattern-10x100k": 10,
    "insert-line-100k": 40,
}


def server_specs(names: list[str], baseline: Path | None = None) -> list[scenarios.ServerSpec]:
    known = {
        "grepls": scenarios.ServerSpec("grepls", [sys.executable, "-m", "grepls"]),
        "naive": scenarios.ServerSpec(
            "naive", [sys.executable, str(BENCH_DIR / "naive_server.py")], NAIVE_CAPS
        ),
        "floor": scenarios.ServerSpec("floor", [sys.executable, str(BENCH_DIR / "pipe_floor.py")]),
    }
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown server(s): {', '.join(unknown)} (known: grepls, naive, floor)")
    specs = [known[n] for n in names]
    if baseline is not None:
        if not (baseline / "grepls" / "__init__.py").is_file():
            raise SystemExit(f"--baseline {baseline}: no grepls package in it")
        environment = {**os.environ, "PYTHONPATH": str(baseline.resolve())}
        spec = scenarios.ServerSpec("baseline", [sys.executable, "-m", "grepls"], env=environment)
        specs.insert(names.index("grepls") + 1 if "grepls" in names else 0, spec)
    return specs


def server_version(spec: scenarios.ServerSpec) -> str:
    try:
        done = subprocess.run(
            [*spec.argv, "--version"], capture_output=True, text=True, timeout=30, env=spec.env
        )
        return (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else "?"
    except (OSError, subprocess.TimeoutExpired, IndexError):
        return "?"


class Documents:
    """Generated documents, made once per shape and seed for the whole run."""

    def __init__(self) -> None:
        self._cache: dict[DocShape, Document] = {}

    def get(self, shape: DocShape) -> Document:
        if shape not in self._cache:
            self._cache[shape] = generate(shape.lines, shape.todos, shape.fixmes, shape.seed)
        return self._cache[shape]

    def several(self, scenario: Scenario) -> list[Document]:
        """The scenario's documents: its shape, seeded 1, 2, ..."""
        shape = scenario.shape
        return [
            self.get(DocShape(shape.lines, shape.todos, shape.fixmes, seed))
            for seed in range(1, scenario.documents + 1)
        ]


def run_one(
    spec: scenarios.ServerSpec, scenario: Scenario, docs: Documents, scratch: str, smoke: bool
) -> dict[str, Any]:
    # A startup opens no document (its shape is empty), nor does the floor program (its shape's
    # matches are the publish's diagnostics).
    doc = docs.get(scenario.shape if scenario.kind not in ("startup", "floor") else DocShape(1, 0))
    # Generous per-wait timeouts: the naive server at 1M lines needs seconds per publish.
    timeout = 30.0 if smoke else max(60.0, scenario.shape.lines / 5_000)
    result: dict[str, Any] = {
        "label": scenario.label,
        "kind": scenario.kind,
        "server": spec.name,
        "lines": scenario.shape.lines,
        "matches": scenario.shape.todos,
        "doc_bytes": doc.byte_size,
        "documents": scenario.documents,
        "requested": scenario.count,
        "warmup": scenario.warmup,
    }
    started = time.monotonic()
    try:
        if scenario.kind == "startup":
            measured = scenarios.startups(
                spec, scratch, scenario.label, scenario.count, scenario.warmup, timeout
            )
        elif scenario.kind.startswith("first-keystroke-"):
            where = "top" if scenario.kind.endswith("top") else "middle"
            measured = scenarios.first_keystrokes(
                spec, scratch, scenario.label, doc, scenario.count, scenario.warmup, timeout, where
            )
        elif scenario.kind in ("keystrokes", "patterns-keystrokes"):
            measured = scenarios.keystrokes(
                *(spec, scratch, scenario.label, doc, scenario.count, scenario.warmup, timeout),
                smoke,
                scenarios.SEVERAL_PATTERNS if scenario.kind.startswith("patterns") else None,
            )
        elif scenario.kind in ("opens", "patterns-opens"):
            measured = scenarios.opens(
                *(spec, scratch, scenario.label, doc, scenario.count, scenario.warmup, timeout),
                smoke,
                scenarios.SEVERAL_PATTERNS if scenario.kind.startswith("patterns") else None,
            )
        elif scenario.kind == "line-insertions":
            measured = scenarios.line_insertions(
                *(spec, scratch, scenario.label, doc, scenario.count, scenario.warmup, timeout),
                smoke,
            )
        elif scenario.kind == "floor":
            measured = scenarios.publish_floor(
                *(spec, scratch, scenario.label, scenario.shape.todos),
                *(scenario.count, scenario.warmup, timeout),
            )
        elif scenario.kind == "patterns-add":
            measured = scenarios.pattern_additions(
                *(spec, scratch, scenario.label, docs.several(scenario)),
                *(scenario.count, scenario.warmup, timeout),
            )
        else:
            measured = scenarios.pattern_changes(
                *(spec, scratch, scenario.label, docs.several(scenario)),
                *(scenario.count, scenario.warmup, timeout, smoke),
            )
    except (scenarios.ScenarioError, OSError) as exc:
        result["error"] = str(exc)
    else:
        result.update(
            stats=summarize(measured.samples_ns),
            memory=measured.memory,
            notes=measured.notes,
            samples_ns=measured.samples_ns,
        )
        if measured.published_ns is not None:
            # The targets' metric: keystrokes answered by their publish.
            result["stats_all"] = result["stats"]
            result["stats"] = summarize(measured.published_ns)
            result["published_ns"] = measured.published_ns
    result["wall_s"] = round(time.monotonic() - started, 2)
    return result


def run_all(
    specs: list[scenarios.ServerSpec], plan: list[Scenario], smoke: bool, scratch: str
) -> list[dict[str, Any]]:
    docs = Documents()
    results: list[dict[str, Any]] = []
    for scenario in plan:
        runs = [spec for spec in specs if _runs(scenario, spec)]
        pair = [spec for spec in runs if spec.name in ("grepls", "baseline")]
        turns = [runs]
        if len(pair) == 2:
            # A scenario's first runs in a process measure slower, whatever the code (the
            # twenty-pattern keystroke 3.9, 3.3, 3.1 ms, then 2.6-2.9): a warm-up turn of both,
            # not kept, then each in turn first (ABBA), each one's samples pooled.
            turns = [pair, runs, pair[::-1]]
        pooled: dict[str, dict[str, Any]] = {}
        for number, turn in enumerate(turns):
            for spec in turn:
                result = _run_reported(spec, scenario, docs, scratch, smoke)
                if len(turns) > 1 and number == 0:
                    continue  # the warm-up
                held = pooled.get(spec.name)
                pooled[spec.name] = result if held is None else _pool(held, result)
        results.extend(pooled[spec.name] for spec in runs)
    return results


def _runs(scenario: Scenario, spec: scenarios.ServerSpec) -> bool:
    if scenario.kind in GREPLS_ONLY and spec.name not in ("grepls", "baseline"):
        return False
    return (scenario.kind in FLOOR_ONLY) == (spec.name == "floor")


def _run_reported(
    spec: scenarios.ServerSpec, scenario: Scenario, docs: Documents, scratch: str, smoke: bool
) -> dict[str, Any]:
    # The client's own cyclic GC must not pause the reader mid-measurement: it runs between
    # scenarios only (everything the client drops is freed by refcount anyway).
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        result = run_one(spec, scenario, docs, scratch, smoke)
    finally:
        gc.enable()
    status = "FAILED" if "error" in result else f"p50 {result['stats'].get('p50_ms', 0):.2f} ms"
    print(f"  {scenario.label:<17} {spec.name:<7} {status}  ({result['wall_s']} s)", flush=True)
    if "error" in result:
        print("    " + result["error"].replace("\n", "\n    "), flush=True)
    return result


def _pool(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """One result of two runs of a scenario on one server: their samples together."""
    if "error" in first or "error" in second:
        return first if "error" in first else second
    pooled = {**second, "wall_s": round(first["wall_s"] + second["wall_s"], 2)}
    pooled["samples_ns"] = first["samples_ns"] + second["samples_ns"]
    pooled["stats"] = summarize(pooled["samples_ns"])
    pooled["notes"] = [*first["notes"], *(n for n in second["notes"] if n not in first["notes"])]
    if "published_ns" in first:
        pooled["stats_all"] = pooled["stats"]
        pooled["published_ns"] = first["published_ns"] + second["published_ns"]
        pooled["stats"] = summarize(pooled["published_ns"])
    return pooled


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, full checks (CI)")
    parser.add_argument(
        "--servers", default="grepls,naive,floor", help="comma list: grepls,naive,floor"
    )
    parser.add_argument("--only", default="", help="comma list of scenario labels to run")
    parser.add_argument("--json", default="", help="write results here (default bench/results/)")
    parser.add_argument("--markdown", default="", help="print a saved run as Markdown; exit")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another grepls package's directory, run after grepls in every scenario",
    )
    args = parser.parse_args(argv)
    if args.markdown:
        with open(args.markdown) as handle:
            print(markdown(json.load(handle)))
        return 0

    specs = server_specs([n for n in args.servers.split(",") if n], args.baseline)
    plan = SMOKE if args.smoke else FULL
    if args.only:
        wanted = set(args.only.split(","))
        plan = [s for s in plan if s.label in wanted]
    machine = machine_info()
    print(
        f"grepls benchmark ({'smoke' if args.smoke else 'full'}) on {machine['nproc']} cores, "
        f"{machine['cpu_model']}, load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )

    load_before = os.getloadavg()
    scratch = tempfile.mkdtemp(prefix="grepls-bench-")
    results = run_all(specs, plan, args.smoke, scratch)
    failed = [r for r in results if "error" in r]
    load_after = os.getloadavg()

    # The floor program runs only its own scenarios: it has no column among the targets.
    names = [s.name for s in specs if s.name != "floor"]
    print("\n" + scenario_table(results))
    targets = [] if args.smoke else evaluate_targets(results, names)
    if targets:
        print("\nTargets (judged on grepls; naive shown for the side-by-side ratio)")
        print(target_table(targets, names))
    print(
        f"\nLoad average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after the run;"
        " other work on these cores inflates the tail percentiles."
    )
    for spec in specs:
        if spec.caps and any(r["server"] == spec.name and r.get("notes") for r in results):
            print(f"\nNote: {spec.name} runs fewer iterations in some scenarios (see 'note').")

    payload = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "mode": "smoke" if args.smoke else "full",
        "machine": machine,
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        "servers": {
            s.name: {
                "argv": [Path(a).name for a in s.argv],
                "version": server_version(s),
                **({"package": str(args.baseline)} if s.name == "baseline" else {}),
            }
            for s in specs
        },
        "results": results,
        "targets": targets,
    }
    out = args.json
    if not out:
        RESULTS_DIR.mkdir(exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out = str(RESULTS_DIR / f"{payload['mode']}-{stamp}.json")
    write_json(out, payload)
    print(f"\nRaw numbers: {os.path.relpath(out)}")

    if failed:
        print(f"\n{len(failed)} scenario run(s) FAILED; server stderr kept in {scratch}")
        return 1
    shutil.rmtree(scratch, ignore_errors=True)
    return 0
