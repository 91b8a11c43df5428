"""The workspace-scope benchmark: grepls against ripgrep on a real tree nobody here wrote.

``make bench-workspace`` (``python -m bench.workspace``) fetches Debian's ``linux-source-6.1``
(``apt-get install linux-source-6.1``, about 140 MB) and unpacks it outside the repository, in
``/var/tmp/grepls-bench`` (about 78,000 files, 1.3 GB), unless ``--tree`` names another tree. Then,
for each pattern — ``TODO`` (literal), ``fixme`` (case-insensitive, whole word), ``[A-Z]+_SUSPEND``
(regex) — in the same run, warm cache:

* **rg**: the wall time of ``rg -c`` with the same flags and ``--max-filesize`` equal to grepls's
  ``maxFileSize`` (the median of three runs), and its (file, line) matches (``rg -n``);
* **grepls**: a fresh server with the workspace scope (the client watches files, so grepls starts no
  watcher of its own); timed from writing ``grepls.setPattern`` to the first closed-file publish and
  to the end of the scan (its work-done progress ``end``); the peak RSS (VmHWM) of the server and
  of its scan worker (:mod:`grepls.scan_worker`), and the CPU time each spent until the scan's end;
  its (file, line) matches (``grepls.listMatches``), which must equal ripgrep's;
* **keystrokes during the scan**: a 100,000-line document is open; once it is published with the
  new pattern, every 20 ms until the scan ends a character is typed before a match, and the time
  to the publish of that version is recorded, and how long meanwhile the server's event-loop thread
  waited for a CPU (runnable, not running: ``/proc/PID/schedstat``), and the client's — the table
  gives those waits' share of the slowest tenth of the keystrokes' time;
* **saved file**: a file is rewritten and reported changed (``workspace/didChangeWatchedFiles``);
  timed to its publish (median of ten);
* **a checkout**: 5,000 files of the tree reported changed and 1,000 more deleted, in one
  notification, as a ``git checkout`` makes an editor's watcher do (only reported: the tree stays
  as it is); the keystroke typed right after is timed to its publish.

``--busy N`` keeps N CPUs busy all along (a busy loop each, in the benchmark's session, so in the
server's scheduling group), as a build or a test run would: the scan worker, on idle CPU only,
is then starved, and replaced by one at ``nice`` (each round says whether it was).

``--baseline DIR`` measures another ``grepls`` package beside this one in every round (the two in
alternating order, so that both see the same load, after a warm-up round of each that is not kept):
``git archive COMMIT server/grepls | tar -x -C /tmp/base`` and ``--baseline /tmp/base/server``
compare a commit with the working tree.

The raw numbers go to ``bench/results/workspace-<stamp>.json`` (ignored by git).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from grepls.client import Client, Frame

from bench.process import machine_info

TREE = Path("/var/tmp/grepls-bench/linux-source-6.1")
TARBALL = Path("/usr/src/linux-source-6.1.tar.xz")
MAX_FILE_SIZE = 1_048_576
RESULTS = Path(__file__).parent / "results"

PATTERNS: list[tuple[str, dict[str, Any], list[str]]] = [
    ("TODO", {"pattern": "TODO"}, ["--fixed-strings"]),
    (
        "fixme",
        {"pattern": "fixme", "caseSensitive": False, "wholeWord": True},
        ["--fixed-strings", "--ignore-case", "--word-regexp"],
    ),
    ("[A-Z]+_SUSPEND", {"pattern": "[A-Z]+_SUSPEND", "regex": True}, []),
]


def rg_binary() -> str:
    here = Path(sys.executable).parent / "rg"
    found = str(here) if here.exists() else shutil.which("rg")
    if found is None:
        raise SystemExit("rg not found: run make setup (the ripgrep wheel ships it)")
    return found


def fetch(tree: Path) -> None:
    """Install Debian's linux-source-6.1 and unpack it beside ``tree`` (once)."""
    if tree.exists():
        return
    if not TARBALL.exists():
        subprocess.run(["apt-get", "install", "-y", "-q", "linux-source-6.1"], check=True)
    tree.parent.mkdir(parents=True, exist_ok=True)
    print(f"unpacking {TARBALL} into {tree.parent} ...", flush=True)
    subprocess.run(["tar", "-xJf", str(TARBALL), "-C", str(tree.parent)], check=True)


CHECKOUT_FILES = 5_000
CHECKOUT_DELETED = 1_000


def rg_common() -> list[str]:
    return [rg_binary(), "--no-config", "--max-filesize", str(MAX_FILE_SIZE)]


def rg_wall(tree: Path, pattern: str, flags: list[str]) -> float:
    """Median wall seconds of ``rg -c`` over three runs (after one warm-up)."""
    command = [*rg_common(), "--count", *flags, "--regexp", pattern]
    times = []
    for run in range(4):
        started = time.perf_counter()
        subprocess.run(command, cwd=tree, stdout=subprocess.DEVNULL, check=False)
        if run:
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def rg_matches(tree: Path, pattern: str, flags: list[str]) -> set[tuple[str, int]]:
    """(path relative to the tree, 1-based line) of every line ripgrep reports."""
    command = [*rg_common(), "--line-number", "--null", "--no-heading", *flags]
    output = subprocess.run(
        [*command, "--regexp", pattern], cwd=tree, stdout=subprocess.PIPE, check=False
    ).stdout
    found = set()
    for line in output.split(b"\n"):
        if not line:
            continue
        path, _, rest = line.partition(b"\0")
        found.add((os.fsdecode(path), int(rest.split(b":", 1)[0])))
    return found


def document(lines: int, every: int) -> str:
    """``lines`` lines of code-like text, a match of every pattern on every ``every``-th."""
    marks = "TODO fixme PM_SUSPEND "
    return "".join(
        f"    value_{n} = compute(value_{n - 1}, {n})  # {marks if n % every == 0 else ''}x\n"
        for n in range(lines)
    )


def measure(
    tree: Path,
    name: str,
    argument: dict[str, Any],
    source: Path | None = None,
    watcher: str = "editor",
) -> dict[str, Any]:
    """One round for one pattern; ``source``: a folder holding another ``grepls`` package to
    measure instead of this one; ``watcher``: ``"editor"``, the client offers to watch the files
    (so grepls starts no watcher of its own), or ``"grepls"``, it does not (so grepls does)."""
    stderr = os.path.join(tempfile.mkdtemp(prefix="grepls-bench-"), "server.log")
    env = None if source is None else {**os.environ, "PYTHONPATH": str(source)}
    client = Client.start(stderr_path=stderr, timeout=60, env=env)
    result: dict[str, Any] = {}
    try:
        options = {
            "scope": "workspace",
            "maxFileSize": MAX_FILE_SIZE,
            "maxWorkspaceMatches": 10_000_000,
            "maxMatchesPerDocument": 1_000_000,
        }
        client.result(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": tree.as_uri(),
                "capabilities": {
                    "window": {"workDoneProgress": True},
                    "workspace": {
                        "didChangeWatchedFiles": {"dynamicRegistration": watcher == "editor"}
                    },
                },
                "initializationOptions": options,
            },
        )
        client.notify("initialized", {})
        # One open document of 100k lines, for keystrokes during the scan.
        open_uri = "file:///bench/keystrokes.txt"
        text = document(100_000, 100)
        client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": open_uri, "languageId": "c", "version": 1, "text": text}},
        )
        published = len(client.publishes)
        notified = len(client.notifications)
        workers_before = set(_workers(client.pid))
        pending = client.start_request(
            "workspace/executeCommand", {"command": "grepls.setPattern", "arguments": [argument]}
        )
        sent = pending.sent_ns
        cpu_before = _cpu_seconds(client.pid)
        answer = client.finish(pending, 60)
        result["setPattern"] = answer
        # The open document shown with the new pattern first: typing starts once the editor has
        # the pattern's matches, so that what is timed is the scan's effect, not the open
        # document's own search for the new pattern (``make bench`` times that: pattern change).
        client.wait_publish(open_uri, 1, published, 60)
        # Keystrokes while the scan runs, until progress ends.
        keystrokes: list[float] = []
        runqueue: list[float] = []
        """For each keystroke, how long the server's event-loop thread waited for a CPU
        meanwhile (runnable, not running: other processes had the cores). The kernel adds a
        wait when the thread runs again, so one that began just before the keystroke counts
        whole: an approximation, which can pass the keystroke's own time."""
        client_runqueue: list[float] = []
        """And this client (it reads the publish only once it runs)."""
        version = 1
        line = 500  # a line holding TODO
        column = 4
        deadline = time.monotonic() + 600
        first_closed: Frame | None = None
        end_ns = None
        while end_ns is None:
            # Only what arrived since the last look: the client keeps up with thousands of
            # publishes, and types as often as it should.
            if first_closed is None:
                for frame in client.publishes[published:]:
                    if frame.uri != open_uri:
                        first_closed = frame
                        break
                published = len(client.publishes)
            for note in client.notifications[notified:]:
                params = note.params if isinstance(note.params, dict) else {}
                value = params.get("value", {})
                if note.method == "$/progress" and value.get("kind") == "end":
                    end_ns = note.received_ns
                    result["progress_end"] = value.get("message")
            notified = len(client.notifications)
            if end_ns is not None:
                break
            version += 1
            insert = version % 2 == 0
            change = {
                "range": {
                    "start": {"line": line, "character": column},
                    "end": {"line": line, "character": column + (0 if insert else 1)},
                },
                "text": "x" if insert else "",
            }
            start = len(client.publishes)
            waited, own = run_delay_ns(client.pid), run_delay_ns(os.getpid())
            typed = client.notify(
                "textDocument/didChange",
                {"textDocument": {"uri": open_uri, "version": version}, "contentChanges": [change]},
            )
            frame = client.wait_publish(open_uri, version, start, 60)
            keystrokes.append((frame.received_ns - typed) / 1e6)
            runqueue.append((run_delay_ns(client.pid) - waited) / 1e6)
            client_runqueue.append((run_delay_ns(os.getpid()) - own) / 1e6)
            if time.monotonic() > deadline:
                raise SystemExit("the scan did not end within 10 minutes")
            read_for(client, 0.02)
        result["scan_ms"] = (end_ns - sent) / 1e6
        # CPU time the server, and its scan worker, spent from setPattern to the scan's end.
        result["server_cpu_ms"] = (_cpu_seconds(client.pid) - cpu_before) * 1000
        result["worker_cpu_ms"] = sum(map(_cpu_seconds, _workers(client.pid))) * 1000
        # The worker started before the pattern is gone: it was starved, and replaced.
        result["worker_replaced"] = bool(workers_before - set(_workers(client.pid)))
        result["first_closed_publish_ms"] = (
            (first_closed.received_ns - sent) / 1e6 if first_closed is not None else None
        )
        result["keystrokes_during_scan"] = keystrokes
        result["keystrokes_runqueue"] = runqueue
        result["keystrokes_client_runqueue"] = client_runqueue
        idle: list[float] = []  # the same keystrokes once the scan is over, on the same machine
        for _ in range(40):
            version += 1
            insert = version % 2 == 0
            change = {
                "range": {
                    "start": {"line": line, "character": column},
                    "end": {"line": line, "character": column + (0 if insert else 1)},
                },
                "text": "x" if insert else "",
            }
            start = len(client.publishes)
            typed = client.notify(
                "textDocument/didChange",
                {"textDocument": {"uri": open_uri, "version": version}, "contentChanges": [change]},
            )
            frame = client.wait_publish(open_uri, version, start, 60)
            idle.append((frame.received_ns - typed) / 1e6)
            client.drain(0.02)
        result["keystrokes_idle"] = idle
        memory = _hwm_kb(client.pid)
        result["peak_rss_mib"] = memory / 1024
        # The scan worker, where there is one (a child of the server: grepls.scan_worker).
        result["worker_peak_rss_mib"] = sum(map(_hwm_kb, _workers(client.pid))) / 1024
        listed = client.result(
            "workspace/executeCommand", {"command": "grepls.listMatches", "arguments": []}, 120
        )
        prefix = tree.as_uri() + "/"
        result["matches"] = {
            (_unquote(item["uri"][len(prefix) :]), item["range"]["start"]["line"] + 1)
            for item in listed
            if item["uri"].startswith(prefix)
        }
        # A saved file: rewritten with one more match, reported, timed to its publish.
        saves = []
        target = next(iter(sorted(p for p, _ in result["matches"])), None)
        if target is not None:
            path = tree / target
            original = path.read_bytes()
            uri = path.as_uri()
            try:
                for round_ in range(10):
                    extra = b"\n/* TODO fixme SAVED_SUSPEND */\n" * (round_ % 2 + 1)
                    path.write_bytes(original + extra)
                    start = len(client.publishes)
                    saved_ns = client.notify(
                        "workspace/didChangeWatchedFiles", {"changes": [{"uri": uri, "type": 2}]}
                    )
                    frame = client.wait_publish(uri, None, start, 30)
                    saves.append((frame.received_ns - saved_ns) / 1e6)
            finally:
                path.write_bytes(original)
        result["saved_file_ms"] = saves
        # A checkout: thousands of files reported changed at once, then a keystroke.
        listing = subprocess.run(
            [*rg_common(), "--files"], cwd=tree, capture_output=True, text=True, check=False
        ).stdout.splitlines()
        sources = sorted(name for name in listing if name.endswith(".c"))
        changed = sources[:CHECKOUT_FILES]
        deleted = sources[CHECKOUT_FILES : CHECKOUT_FILES + CHECKOUT_DELETED]
        client.drain(0.5)
        client.notify(
            "workspace/didChangeWatchedFiles",
            {
                "changes": [{"uri": (tree / name).as_uri(), "type": 2} for name in changed]
                + [{"uri": (tree / name).as_uri(), "type": 3} for name in deleted]
            },
        )
        version += 1
        start = len(client.publishes)
        typed = client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": open_uri, "version": version},
                "contentChanges": [
                    {
                        "range": {
                            "start": {"line": line, "character": column},
                            "end": {"line": line, "character": column},
                        },
                        "text": "y",
                    }
                ],
            },
        )
        frame = client.wait_publish(open_uri, version, start, 60)
        result["checkout_keystroke_ms"] = (frame.received_ns - typed) / 1e6
    finally:
        client.stop()
    return result


def read_for(client: Client, seconds: float) -> None:
    """Take in what the server sends for ``seconds`` (not until it is quiet, as ``drain`` does:
    a scan publishes all the time, and keystrokes must come every 20 ms all the same)."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        client.wait_arrival(until)


def run_delay_ns(pid: int) -> int:
    """Nanoseconds the main thread of ``pid`` has spent runnable but waiting for a CPU
    (``/proc/PID/schedstat``, second field; 0 where the kernel does not keep it)."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def _hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of process ``pid`` so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _workers(pid: int) -> list[int]:
    """The scan workers the server ``pid`` started."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid and b"grepls.scan_worker" in command:
            found.append(int(entry.name))
    return found


def _unquote(text: str) -> str:
    from urllib.parse import unquote

    return unquote(text)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.workspace", description=__doc__)
    parser.add_argument("--tree", type=Path, default=TREE, help="the tree to search")
    parser.add_argument("--fetch", action="store_true", help="install and unpack linux-source")
    parser.add_argument("--only", help="one pattern (TODO, fixme, [A-Z]+_SUSPEND)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="fresh servers per pattern (medians; keystrokes pooled)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="a folder holding another grepls package (e.g. from git archive): each round "
        "measures it beside this one, in alternating order",
    )
    parser.add_argument(
        "--watcher",
        choices=("editor", "grepls"),
        default="editor",
        help="who watches the files: the client (it offers to; the default) or grepls's own "
        "watcher (the client does not offer, as Neovim on Linux, Vim and Helix do not)",
    )
    parser.add_argument(
        "--busy",
        type=int,
        default=0,
        metavar="N",
        help="keep N CPUs busy all along (a busy loop each), as a build or a test run would",
    )
    arguments = parser.parse_args()
    tree: Path = arguments.tree.resolve()
    if arguments.fetch:
        fetch(tree)
    if not tree.is_dir():
        raise SystemExit(f"{tree} is not a directory (make bench-workspace fetches it)")
    files = subprocess.run(
        [*rg_common()[:2], "--files"], cwd=tree, stdout=subprocess.PIPE, check=True
    ).stdout.count(b"\n")
    print(f"tree {tree}: {files:,} files ripgrep would search", flush=True)
    report: dict[str, Any] = {"tree": str(tree), "files": files, "machine": machine_info()}
    report["load_before"] = os.getloadavg()
    report["busy"] = arguments.busy
    busy = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(arguments.busy)
    ]
    try:
        rows = run_rounds(tree, arguments)
    finally:
        for process in busy:
            process.kill()
            process.wait()
    report["rows"] = rows
    report["load_after"] = os.getloadavg()
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"workspace-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2, default=str))
    print(markdown(report))
    print(f"raw numbers: {out}")


def run_rounds(tree: Path, arguments: argparse.Namespace) -> list[dict[str, Any]]:
    """Every pattern's rounds, with ripgrep's beside each; a row per pattern (and variant)."""
    rows = []
    for name, argument, flags in PATTERNS:
        if arguments.only and arguments.only != name:
            continue
        expected = rg_matches(tree, name, flags)
        variants: list[tuple[str, Path | None]] = [("this", None)]
        if arguments.baseline is not None:
            variants.append(("baseline", arguments.baseline.resolve()))
        measured_rounds: dict[str, list[dict[str, Any]]] = {label: [] for label, _ in variants}
        if len(variants) > 1:
            # A warm-up round of each, not kept: a process's first rounds measure slower,
            # whatever the code, and the variant run first would carry that alone.
            for _, source in variants:
                measure(tree, name, argument, source, arguments.watcher)
        for number in range(arguments.rounds):
            # ripgrep and grepls side by side in each round, so that both see the same load.
            rg_seconds = rg_wall(tree, name, flags)
            order = variants if number % 2 == 0 else variants[::-1]
            for label, source in order:
                measured = measure(tree, name, argument, source, arguments.watcher)
                measured["rg_ms"] = rg_seconds * 1000
                if measured["worker_replaced"]:
                    print(f"{label} {name}: the scan worker was starved and replaced", flush=True)
                measured_rounds[label].append(measured)
        for label, _ in variants:
            row = summarize(name, measured_rounds[label], expected)
            if len(variants) > 1:
                row["variant"] = label
            rows.append(row)
            shown = {key: value for key, value in row.items() if key != "keystrokes_during_scan_ms"}
            print(json.dumps(shown, default=str), flush=True)
    return rows


def summarize(
    name: str, rounds: list[dict[str, Any]], expected: set[tuple[str, int]]
) -> dict[str, Any]:
    """One table row: the medians of the rounds, the keystrokes of all rounds pooled."""
    got = [r.pop("matches") for r in rounds]
    keys = [k for r in rounds for k in r["keystrokes_during_scan"]]
    waits = [w for r in rounds for w in r["keystrokes_runqueue"]]
    client_waits = [w for r in rounds for w in r["keystrokes_client_runqueue"]]
    # The slowest keystrokes (from the 90th percentile on): how much of their time the
    # server, and the client, spent waiting for a CPU, not running.
    slowest = percentile(keys, 0.9) if keys else 0.0
    slow = [(k, w, c) for k, w, c in zip(keys, waits, client_waits, strict=True) if k >= slowest]
    idle = [k for r in rounds for k in r["keystrokes_idle"]]
    saves = [k for r in rounds for k in r["saved_file_ms"]]
    ratios = [r["scan_ms"] / r["rg_ms"] for r in rounds]
    row = {
        "pattern": name,
        "rounds": len(rounds),
        "rg_ms": statistics.median(r["rg_ms"] for r in rounds),
        "scan_ms": statistics.median(r["scan_ms"] for r in rounds),
        "ratio": statistics.median(ratios),
        "ratios": ratios,
        "workers_replaced": sum(bool(r.get("worker_replaced")) for r in rounds),
        "first_closed_publish_ms": statistics.median(
            r["first_closed_publish_ms"] or float("nan") for r in rounds
        ),
        "peak_rss_mib": max(r["peak_rss_mib"] for r in rounds),
        "worker_peak_rss_mib": max(r["worker_peak_rss_mib"] for r in rounds),
        "server_cpu_ms": statistics.median(r["server_cpu_ms"] for r in rounds),
        "worker_cpu_ms": statistics.median(r["worker_cpu_ms"] for r in rounds),
        "saved_p50_ms": statistics.median(saves or [float("nan")]),
        "checkout_keystroke_ms": statistics.median(r["checkout_keystroke_ms"] for r in rounds),
        "keystrokes": len(keys),
        "keystroke_p50_ms": statistics.median(keys) if keys else None,
        "keystroke_p99_ms": percentile(keys, 0.99) if keys else None,
        "keystroke_p95_ms": percentile(keys, 0.95) if keys else None,
        "keystrokes_during_scan_ms": keys,
        "slow_keystrokes_runqueue_share": (
            sum(w for _, w, _ in slow) / sum(k for k, _, _ in slow) if slow else None
        ),
        "slow_keystrokes_client_runqueue_share": (
            sum(c for _, _, c in slow) / sum(k for k, _, _ in slow) if slow else None
        ),
        "idle_p50_ms": statistics.median(idle),
        "idle_p99_ms": percentile(idle, 0.99),
        "lines_rg": len(expected),
        "lines_grepls": len(got[-1]),
        "only_rg": sorted(set().union(*(expected - g for g in got)))[:20],
        "only_grepls": sorted(set().union(*(g - expected for g in got)))[:20],
        "identical": all(g == expected for g in got),
        "progress_end": rounds[-1].get("progress_end"),
        "load": os.getloadavg(),
    }
    return row


def markdown(report: dict[str, Any]) -> str:
    variants = any("variant" in row for row in report["rows"])
    lines = [
        "| pattern | rg -c ms | grepls scan ms | ratio | first closed publish ms "
        "| peak RSS MiB (server + worker) "
        "| saved file → publish ms (p50) "
        f"| keystroke after a checkout ({CHECKOUT_FILES:,} changed, "
        f"{CHECKOUT_DELETED:,} deleted) ms "
        "| keystrokes during scan p50 / p99 ms (n) "
        "| of the slowest tenth: waiting for a CPU, server + client "
        "| keystrokes after it p50 / p99 ms "
        "| (file, line) identical to rg | load (1 min) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for row in report["rows"]:
        keys = (
            f"{row['keystroke_p50_ms']:.2f} / {row['keystroke_p99_ms']:.2f} ({row['keystrokes']})"
            if row["keystrokes"]
            else "—"
        )
        first = row["first_closed_publish_ms"]
        server, client = (
            row["slow_keystrokes_runqueue_share"],
            row["slow_keystrokes_client_runqueue_share"],
        )
        waiting = f"{server:.0%} + {client:.0%}" if server is not None else "—"
        lines.append(
            f"| `{row['pattern']}`{' (' + row['variant'] + ')' if variants else ''} | "
            f"{row['rg_ms']:.0f} | {row['scan_ms']:.0f} | "
            f"{row['ratio']:.1f}x | {first:.0f} | "
            f"{row['peak_rss_mib']:.0f} + {row['worker_peak_rss_mib']:.0f} | "
            f"{row['saved_p50_ms']:.1f} | {row['checkout_keystroke_ms']:.1f} | "
            f"{keys} | {waiting} | "
            f"{row['idle_p50_ms']:.2f} / {row['idle_p99_ms']:.2f} | "
            f"{'yes' if row['identical'] else 'no'} "
            f"({row['lines_grepls']:,} / {row['lines_rg']:,}) | {row['load'][0]:.1f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
