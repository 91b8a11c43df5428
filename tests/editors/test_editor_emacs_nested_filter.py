"""The README's jsonrpc advice for Emacs 28: output that arrives while jsonrpc's filter runs is
given to it afterwards, in order, even when the running call leaves by ``throw``.

Emacs 28's jsonrpc runs its filter inside itself when a handler writes a large message (eglot
sends a file's didOpen from the handler of the initialize answer) and lost messages then: in
``make bench-editors`` a 100,000-line file showed no match at all in most runs. Real Emacs and
eglot, in batch: the driver sets the pattern from inside that handler and reads output there,
then needs every later message — the first pattern's 1,000 diagnostics, and the answer to a
second pattern. eglot's connect leaves the handler by ``throw``; without the advice's
``unwind-protect``, what arrived meanwhile would never be read.
"""

from __future__ import annotations

import json
from pathlib import Path

from editors_readme import snippet
from editors_run import run_emacs_batch

DRIVER = Path(__file__).parent / "drivers" / "emacs_nested_filter.el"
MATCHES = 1_000


def large_file(path: Path) -> None:
    """100,000 lines (5.7 MB), ``TODO: item N`` on every hundredth: the default cap's 1,000."""
    lines = (
        f"TODO: item {n}" if n % 100 == 50 else f"filler line {n} with plain words, nothing here"
        for n in range(100_000)
    )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_emacs_reads_what_arrives_inside_jsonrpcs_filter(
    workdir: Path, env: dict[str, str]
) -> None:
    text = workdir / "project" / "large.txt"
    large_file(text)
    out = workdir / "nested.json"
    env = dict(env, GREPLS_OUT=str(out), GREPLS_FILE=str(text), GREPLS_EXPECTED=str(MATCHES))
    run_emacs_batch(snippet("emacs-config"), DRIVER, env, workdir, cwd=workdir / "project")
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["shown"] == MATCHES, report
    assert report["answers"] == 2, report
