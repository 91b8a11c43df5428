"""The README's Emacs advice finds every position exactly where eglot's own function does.

eglot finds each diagnostic's position from the buffer's start, which froze Emacs for seconds
per publish in large files; the advice in the README's config walks on from the line found
last. Real Emacs and eglot, in batch: the driver converts positions in document order and out
of it, as points and as markers, with lines inserted, deleted and typed into between, and
compares each with eglot's own answer (the advice taken off for that call).
"""

from __future__ import annotations

import json
from pathlib import Path

from editors_readme import snippet
from editors_run import run_emacs_batch

DRIVER = Path(__file__).parent / "drivers" / "emacs_positions.el"


def test_emacs_position_advice_matches_eglot(workdir: Path, env: dict[str, str]) -> None:
    out = workdir / "positions.json"
    env = dict(env, GREPLS_OUT=str(out))
    run_emacs_batch(snippet("emacs-config"), DRIVER, env, workdir, cwd=workdir)
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["installed"] is True, "the README's config did not install the advice"
    assert report["compared"] >= 1000, report
    assert report["mismatches"] == [], report["mismatches"]
