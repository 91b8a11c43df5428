"""Turning raw latencies into percentiles, the targets verdict, the stdout tables and the JSON.

Percentiles are nearest-rank on the sorted samples (p99 of 300 samples is the 297th). Targets are
judged on the median unless the target itself names a percentile; every percentile is printed
next to it so nothing is hidden.
"""

from __future__ import annotations

import json
import math
from typing import Any

MIB_KB = 1024


def percentile(sorted_samples: list[float], fraction: float) -> float:
    rank = max(1, math.ceil(fraction * len(sorted_samples)))
    return sorted_samples[rank - 1]


def summarize(samples_ns: list[int]) -> dict[str, float]:
    if not samples_ns:
        return {}
    ms = sorted(s / 1e6 for s in samples_ns)
    return {
        "n": len(ms),
        "p50_ms": percentile(ms, 0.50),
        "p95_ms": percentile(ms, 0.95),
        "p99_ms": percentile(ms, 0.99),
        "max_ms": ms[-1],
        "mean_ms": sum(ms) / len(ms),
    }


def _find(results: list[dict[str, Any]], label: str, server: str) -> dict[str, Any] | None:
    for result in results:
        if result["label"] == label and result["server"] == server and "stats" in result:
            return result
    return None


def _stat(results: list[dict[str, Any]], label: str, server: str, key: str) -> float | None:
    result = _find(results, label, server)
    return None if result is None else result["stats"].get(key)


def _rss_bound(result: dict[str, Any]) -> tuple[float, float]:
    """(RSS MiB, allowed MiB) for 'RSS <= 2.5 x document bytes + 40 MB'."""
    rss_mib = result["memory"]["rss_kb"] / MIB_KB
    allowed = 2.5 * result["doc_bytes"] / (1024 * 1024) + 40
    return rss_mib, allowed


def evaluate_targets(results: list[dict[str, Any]], servers: list[str]) -> list[dict[str, Any]]:
    """One row per target: the measured value per server and whether grepls meets it."""
    rows: list[dict[str, Any]] = []

    def latency_row(what: str, label: str, key: str, limit: float) -> None:
        values = {s: _stat(results, label, s, key) for s in servers}
        rows.append(
            {"target": f"{what} <= {limit:g} ms", "unit": "ms", "limit": limit, "values": values}
        )

    latency_row("keystroke 100k lines/1k matches p50", "keystroke-100k", "p50_ms", 1)
    latency_row("keystroke 100k lines/1k matches p99", "keystroke-100k", "p99_ms", 3)
    latency_row("keystroke 1M lines/10k matches p50", "keystroke-1M", "p50_ms", 5)
    latency_row("keystroke 1M lines/10k matches p99", "keystroke-1M", "p99_ms", 15)
    ratios: dict[str, float | None] = {}
    for server in servers:
        big = _stat(results, "keystroke-300k", server, "p50_ms")
        small = _stat(results, "keystroke-2k", server, "p50_ms")
        ratios[server] = big / small if big is not None and small else None
    rows.append(
        {
            "target": "keystroke p50 300k lines / 2k lines (1k matches each) <= 1.2",
            "unit": "x",
            "limit": 1.2,
            "values": ratios,
        }
    )
    latency_row("didOpen -> first publish 100k lines p50", "open-100k", "p50_ms", 50)
    latency_row("didOpen -> first publish 1M lines p50", "open-1M", "p50_ms", 400)
    latency_row(
        "setPattern -> last of 10 publishes (10 x 100k lines) p50", "pattern-10x100k", "p50_ms", 150
    )
    latency_row(
        "first keystroke after didOpen, 1M lines, top of file p50", "first-key-1M-top", "p50_ms", 16
    )
    latency_row("20 patterns, keystroke 100k lines p50", "patterns20-key-100k", "p50_ms", 1.5)
    latency_row("20 patterns, keystroke 100k lines p99", "patterns20-key-100k", "p99_ms", 4)
    one = _stat(results, "open-100k", "grepls", "p50_ms")
    twenty = _stat(results, "patterns20-open-100k", "grepls", "p50_ms")
    rows.append(
        {
            "target": "20 patterns, didOpen 100k lines / one pattern's <= 3",
            "unit": "x",
            "limit": 3,
            "values": {"grepls": twenty / one if one and twenty is not None else None},
        }
    )
    latency_row(
        "add a 21st pattern -> last of 10 publishes (10 x 100k lines) p50",
        "patterns21-add-10x100k",
        "p50_ms",
        150,
    )
    for label in ("keystroke-100k", "keystroke-1M"):
        values: dict[str, float | None] = {}
        allowed = None
        for server in servers:
            result = _find(results, label, server)
            if result is None or not result.get("memory"):
                values[server] = None
                continue
            values[server], allowed = _rss_bound(result)
        if allowed is not None:
            rows.append(
                {
                    "target": f"server RSS, {label} open <= {allowed:.0f} MiB (2.5 x doc + 40)",
                    "unit": "MiB",
                    "limit": allowed,
                    "values": values,
                }
            )
    for row in rows:
        grepls = row["values"].get("grepls")
        row["met"] = None if grepls is None else grepls <= row["limit"]
    return rows


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit == "x":
        return f"{value:.2f}x"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def scenario_table(results: list[dict[str, Any]]) -> str:
    header = (
        f"{'scenario':<17} {'server':<7} {'lines':>8} {'matches':>7} {'n':>4} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'RSS MiB':>8}  note"
    )
    lines = [header, "-" * len(header)]
    for result in results:
        rss = result.get("memory", {}).get("rss_kb")
        rss_text = _fmt(rss / MIB_KB if rss else None)
        note = "; ".join(result.get("notes", []))
        if "error" in result:
            note = "FAILED: " + result["error"].splitlines()[0]
        rows = [(result["label"], result.get("stats", {}), note)]
        if "stats_all" in result:
            rows = [
                (result["label"], result["stats"], "keystrokes answered by their publish"),
                ("  all keystrokes", result["stats_all"], note),
            ]
        for label, stats, row_note in rows:
            lines.append(
                f"{label:<17} {result['server']:<7} {result['lines']:>8} "
                f"{result['matches']:>7} {stats.get('n', 0):>4} "
                f"{_fmt(stats.get('p50_ms')):>8} {_fmt(stats.get('p95_ms')):>8} "
                f"{_fmt(stats.get('p99_ms')):>8} {_fmt(stats.get('max_ms')):>8} "
                f"{rss_text:>8}  {row_note}"
            )
    return "\n".join(lines)


def target_table(rows: list[dict[str, Any]], servers: list[str]) -> str:
    width = max(len(r["target"]) for r in rows)
    header = f"{'target':<{width}} " + " ".join(f"{s:>9}" for s in servers)
    if "naive" in servers and "grepls" in servers:
        header += f" {'speed-up':>9}"
    header += "  grepls meets it?"
    lines = [header, "-" * len(header)]
    for row in rows:
        cells = " ".join(f"{_fmt(row['values'].get(s), row['unit']):>9}" for s in servers)
        line = f"{row['target']:<{width}} {cells}"
        if "naive" in servers and "grepls" in servers:
            grepls, naive = row["values"].get("grepls"), row["values"].get("naive")
            speedup = "-"
            if row["unit"] == "ms" and grepls and naive:
                speedup = (
                    f"{naive / grepls:.0f}x" if naive / grepls >= 10 else f"{naive / grepls:.1f}x"
                )
            line += f" {speedup:>9}"
        verdict = {True: "yes", False: "NO", None: "-"}[row["met"]]
        lines.append(f"{line}  {verdict}")
    return "\n".join(lines)


def write_json(path: str, payload: dict[str, Any]) -> None:
    with open(path, "w") as handle:
        json.dump(payload, handle, indent=1)
        handle.write("\n")


def markdown(payload: dict[str, Any]) -> str:
    """The targets and scenario percentiles of a saved run, as Markdown tables for the README."""
    servers = [name for name in payload["servers"] if name != "floor"]  # no target of its own
    machine = payload["machine"]
    load = payload.get("loadavg_before", [0])[0], payload.get("loadavg_after", [0])[0]
    out = [
        f"Measured {payload['date'][:10]} on {machine['nproc']} cores ({machine['cpu_model']}), "
        f"Python {machine['python']}; load average {load[0]:.1f} before / {load[1]:.1f} after "
        "the run (other jobs shared the cores).",
        "",
        "| target | " + " | ".join(servers) + " | grepls meets it? |",
        "|---|" + "---:|" * len(servers) + "---|",
    ]
    for row in payload["targets"]:
        cells = " | ".join(_fmt(row["values"].get(s), row["unit"]) for s in servers)
        verdict = {True: "yes", False: "**no**", None: "-"}[row["met"]]
        out.append(f"| {row['target'].replace('<=', '≤')} | {cells} | {verdict} |")
    out += [
        "",
        "| scenario | server | n | p50 ms | p95 ms | p99 ms | max ms | RSS MiB |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for result in payload["results"]:
        stats = result.get("stats", {})
        rss = result.get("memory", {}).get("rss_kb")
        figures = [_fmt(stats.get(k)) for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")]
        out.append(
            f"| {result['label']} | {result['server']} | {stats.get('n', 0)} | "
            + " | ".join(figures)
            + f" | {_fmt(rss / MIB_KB if rss else None)} |"
        )
    return "\n".join(out)
