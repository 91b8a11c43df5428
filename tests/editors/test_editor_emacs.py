"""Emacs (batch) with eglot and flymake, running the README's Emacs snippet against grepls; and
with the highlight-only snippet, which paints grepls's overlays instead.

Flymake and the overlays hold matches as buffer positions, which count characters; the fixture's
`é` and emoji (two UTF-16 units, one Emacs character) before matches prove the column conversion.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from editors_fixture import JUMP_SAID, JUMP_TEXT, JUMP_WALK, PAGES_TEXT, Match, check_pages
from editors_readme import REPO, snippet
from editors_run import (
    EditorRun,
    check_phases,
    require_binary,
    run_driver,
    run_editor,
    run_in_terminal,
)
from grepls.client import ServerProcess, free_port
from test_editor_kept import emacs_session

DRIVER = Path(__file__).parent / "drivers" / "emacs.el"


def shown_row(m: Match, shown_as: str = "eglot-note") -> dict[str, object]:
    """A match as the driver records it: flymake's diagnostic type, or grepls's overlay face."""
    return {
        "line": m.line,
        "col": m.col("char"),
        "end_line": m.line,
        "end_col": m.end_col("char"),
        "type": shown_as,
    }


def ok_report(run: EditorRun, out: Path) -> dict[str, Any]:
    """The JSON report a driver wrote to ``out``, checked to say ``ok`` with Emacs exiting 0."""
    assert out.exists(), run.describe()
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    assert report["ok"] and run.returncode == 0, f"{report}\n{run.describe()}"
    return report


def run_emacs_driver(
    workdir: Path,
    env: dict[str, str],
    config_text: str,
    fixture: Path,
    driver: str,
    terminal: bool = False,
    extra_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Emacs with ``config_text`` as its config, the ``driver`` run on ``fixture`` (in batch, or
    ``terminal``: `emacs -nw` on a pseudo-terminal, for windows of a real height); its report,
    checked to say ``ok``."""
    config = workdir / "grepls-config.el"
    config.write_text(config_text, encoding="utf-8")
    out = workdir / "report.json"
    loaded = ["-q", "-l", str(config), "-l", str(Path(__file__).parent / "drivers" / driver)]
    argv = [require_binary("emacs"), "-nw" if terminal else "--batch", *loaded]
    environment = {
        **env,
        "GREPLS_OUT": str(out),
        "GREPLS_FIXTURE": str(fixture),
        **(extra_env or {}),
    }
    run = (run_in_terminal if terminal else run_editor)(argv, environment, workdir / "project")
    return ok_report(run, out)


def test_emacs_package_byte_compiles_without_a_warning(workdir: Path, env: dict[str, str]) -> None:
    """`clients/emacs` as Emacs's byte compiler sees it, every warning an error (a free variable,
    a misnamed function, an obsolete one used without a fallback): compiled from a copy, so no
    `.elc` lands in the checkout."""
    package = workdir / "emacs"
    shutil.copytree(REPO / "clients" / "emacs", package)
    files = sorted(str(path) for path in package.glob("*.el"))
    assert [Path(file).name for file in files] == ["grepls-highlights.el", "grepls.el"]
    emacs = [require_binary("emacs"), "--batch", "-q", "-L", str(package)]
    strict = ["--eval", "(setq byte-compile-error-on-warn t)"]
    done = subprocess.run(
        [*emacs, *strict, "-f", "batch-byte-compile", *files],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(path.name for path in package.glob("*.elc")) == [
        "grepls-highlights.elc",
        "grepls.elc",
    ]


def test_emacs_eglot_sets_edits_and_clears(
    workdir: Path, env: dict[str, str], plan_file: Path
) -> None:
    emacs = require_binary("emacs")
    config = workdir / "grepls-config.el"
    config.write_text(snippet("emacs-config"), encoding="utf-8")
    report = run_driver(
        # -q skips the user's init (HOME is empty anyway) but keeps the site start-up, which
        # is what puts Debian's elpa-eglot on the load path in a normal start.
        [emacs, "--batch", "-q", "-l", str(config), "-l", str(DRIVER)],
        env,
        workdir,
        plan_file,
    )
    check_phases(report, shown_row)


def test_emacs_highlight_only_paints_sets_edits_and_clears(
    workdir: Path, env: dict[str, str], plan_file: Path
) -> None:
    """The README's highlight-only snippet: eglot says it pulls, so grepls publishes nothing
    (flymake holds nothing), and the lines in view are painted from ``grepls.matchesInLines``.
    Batch Emacs's one window shows the whole fixture, so every match is painted."""
    emacs = require_binary("emacs")
    config = workdir / "grepls-config.el"
    config.write_text(
        snippet("emacs-config") + "\n" + snippet("emacs-highlight-only"), encoding="utf-8"
    )
    report = run_driver(
        [emacs, "--batch", "-q", "-l", str(config), "-l", str(DRIVER)],
        {**env, "GREPLS_DRIVER_CHANNEL": "highlight"},
        workdir,
        plan_file,
    )
    assert all(phase["flymake"] == 0 for phase in report["phases"]), report["phases"]
    check_phases(report, partial(shown_row, shown_as="grepls-search"))


def test_emacs_jumps_to_the_next_and_previous_match_past_the_cap(
    workdir: Path, env: dict[str, str]
) -> None:
    """`grepls-next-match` / `grepls-previous-match` of the README's config walk every match,
    those past a cap of two too, to the right character (eglot's columns are UTF-16)."""
    config = (
        snippet("emacs-config")
        + "(setq-default eglot-workspace-configuration '(:grepls (:maxMatchesPerDocument 2)))\n"
    )
    fixture = workdir / "project" / "jump.txt"
    fixture.write_text(JUMP_TEXT, encoding="utf-8")
    report = run_emacs_driver(workdir, env, config, fixture, "emacs_jump.el")
    rows = JUMP_TEXT.split("\n")
    # JUMP_WALK's byte columns as Emacs's character columns.
    in_characters = [
        [line, len(rows[line - 1].encode()[: column - 1].decode())] for line, column in JUMP_WALK
    ]
    assert report["diagnostics"] == in_characters
    assert report["said"] == JUMP_SAID


def test_emacs_highlights_have_the_next_page_drawn_before_it_is_scrolled_to(
    workdir: Path, env: dict[str, str]
) -> None:
    """The highlight-only snippet in a 24-line terminal (`emacs -nw`): a page down brings lines
    into view that it drew already (a scroll asks for a window's height around the screen),
    twice in a row: no flash of undrawn text while the answer for the new lines is on its way."""
    config = snippet("emacs-config") + "\n" + snippet("emacs-highlight-only")
    fixture = workdir / "project" / "pages.txt"
    fixture.write_text(PAGES_TEXT)
    report = run_emacs_driver(workdir, env, config, fixture, "emacs_scroll.el", terminal=True)
    check_pages(report["pages"], 1)


PREVIEW_LINES = ["é😀 TODO one", "TOTO", "nothing here", "x TODO TODO", "TO"]


def preview_spans(literal: str) -> list[list[int]]:
    """Where ``literal`` occurs in PREVIEW_LINES (non-overlapping, as grepls finds it): [line,
    start, end] in characters, as Emacs's columns count them (the emoji is one)."""
    spans = []
    for number, line in enumerate(PREVIEW_LINES):
        start = line.find(literal)
        while start != -1:
            spans.append([number, start, start + len(literal)])
            start = line.find(literal, start + len(literal))
    return spans


# The search pattern, literal, and a kept one, a regex (C-u): each previews what it would set.
PREVIEWED = [("grepls-set-pattern", False, "search"), ("grepls-add-pattern", True, "TODO")]


@pytest.mark.parametrize(("command", "regex", "set_id"), PREVIEWED)
def test_emacs_previews_the_pattern_as_it_is_typed(
    workdir: Path, env: dict[str, str], command: str, regex: bool, set_id: str
) -> None:
    """`M-x grepls-set-pattern` (and `C-u M-x grepls-add-pattern`), typed key by key in a real
    minibuffer (`emacs -nw`): "TO" then "TODO" light up their matches in the buffer (in
    characters, after an emoji) and show their count after the pattern, before RET sets
    anything; C-g leaves nothing lit and no pattern; RET sets the pattern (the search pattern, or
    a kept regex) and takes the preview away."""
    fixture = workdir / "project" / "preview.txt"
    fixture.write_text("\n".join(PREVIEW_LINES) + "\n", encoding="utf-8")
    to, todo = preview_spans("TO"), preview_spans("TODO")
    wanted = {
        "GREPLS_COMMAND": command,
        **({"GREPLS_PREFIX": "1"} if regex else {}),
        "GREPLS_WANTED_TO": str(len(to)),
        "GREPLS_WANTED_TODO": str(len(todo)),
    }
    report = run_emacs_driver(
        workdir, env, snippet("emacs-config"), fixture, "emacs_preview.el", True, wanted
    )
    typed_to, typed_todo, escaped, entered = report["steps"]
    assert typed_to == {"typed": "TO", "lit": to, "said": f" [{len(to)} matches]"}
    assert typed_todo == {"typed": "TODO", "lit": todo, "said": f" [{len(todo)} matches]"}
    assert escaped == {"escaped": True, "lit": [], "said": None, "patterns": 0}
    assert entered == {"entered": True, "lit": [], "patterns": 1, "set": [set_id, regex]}


def test_emacs_offers_the_symbol_at_point_as_the_default_not_as_text_typed_after(
    workdir: Path, env: dict[str, str]
) -> None:
    """`M-x grepls-set-pattern` with point on a word: the prompt names it as the default (RET on
    nothing, or M-n, takes it), the minibuffer starts empty, and "TODO" typed there sets TODO, not
    the word with TODO after it; what is typed is previewed as ever."""
    fixture = workdir / "project" / "preview.txt"
    fixture.write_text("\n".join(PREVIEW_LINES) + "\n", encoding="utf-8")
    to, todo = preview_spans("TO"), preview_spans("TODO")
    wanted = {
        "GREPLS_POINT_AT": "nothing",
        "GREPLS_WANTED_TO": str(len(to)),
        "GREPLS_WANTED_TODO": str(len(todo)),
    }
    report = run_emacs_driver(
        workdir, env, snippet("emacs-config"), fixture, "emacs_preview.el", True, wanted
    )
    assert report["prompt"] == "grepls pattern (default nothing): "
    assert report["steps"][1] == {"typed": "TODO", "lit": todo, "said": f" [{len(todo)} matches]"}
    assert report["pattern"] == "TODO"


def test_emacs_next_match_opens_the_outline_fold_it_lands_in(
    workdir: Path, env: dict[str, str]
) -> None:
    """`grepls-next-match` into a body that outline-minor-mode hides opens it, as isearch does:
    point is on the match, and the match is visible."""
    fixture = workdir / "project" / "outline.txt"
    fixture.write_text("* one\nstart TODO\n* two\nbody TODO here\nmore\n* three\n")
    steps = [
        {"run": "(outline-minor-mode 1)"},
        {"run": '(grepls-set-pattern "TODO")'},
        {"wait": 2},
        {"run": "(progn (outline-hide-body) (goto-char (point-min)) (end-of-line 2))"},
        {"run": "(grepls-next-match)"},
        {
            "eval": "(and (= (line-number-at-pos) 4)"
            ' (vector (current-column) (looking-at "TODO") (invisible-p (point))))'
        },
    ]
    report = emacs_session(workdir, env, fixture, steps)
    assert report["seen"][1] == {"value": [5, True, None]}


def test_emacs_highlights_hold_on_long_lines_many_changes_narrowing_and_reconnects(
    workdir: Path, env: dict[str, str]
) -> None:
    """What users do to grepls's highlights: a minified line of 300 matches after emojis (each
    overlay on its own TODO), thousands of changes in one command (one draw waits, not one a
    change), changes below the window in the page drawn ahead (drawn again), a narrowed buffer
    (the lines in view drawn), a jump right after typing (it sees the typed match),
    `eglot-reconnect` (the buffer is the new server's), and `eglot-shutdown` (nothing stays)."""
    config = snippet("emacs-config") + "\n" + snippet("emacs-highlight-only")
    long_line = "".join(f"😀 {n} TODO " for n in range(300))
    rows = [f"row {n}" + (" TODO" if n % 7 == 0 else "") for n in range(1, 3000)]
    fixture = workdir / "project" / "edge.txt"
    fixture.write_text("\n".join([long_line, *rows]) + "\n", encoding="utf-8")
    report = run_emacs_driver(
        workdir, env, config, fixture, "emacs_highlights_edge.el", terminal=True
    )
    assert report["long"] == {"overlays": 300, "wrong": 0}
    assert report["timers"] <= 1
    assert report["off-screen"] == {"changed": 0, "typed": 1}
    matching, drawn = report["narrowed"]
    assert matching and drawn == matching
    assert report["indirect"] == [1, 4]  # "😀 0 TODO": the emoji is one character
    assert report["jumped"] == [150, 4]  # the typed "new TODO " at the start of line 150
    assert report["reconnected"] is True
    assert report["after-shutdown"] == {"overlays": 0, "status": None}
    assert "Error running timer" not in report["messages"], report["messages"]


def test_emacs_highlights_a_narrowed_buffer_shown_in_a_frame_not_on_top(
    workdir: Path, env: dict[str, str]
) -> None:
    """A narrowed buffer also shown in a second terminal frame (`C-x 5 2`) that is not on top,
    whose window Emacs has not redisplayed since and still starts above the narrowed part: a new
    pattern is drawn in every buffer (the other one on screen too), a match typed in the narrowed
    part is drawn, and no timer says it failed."""
    config = snippet("emacs-config") + "\n" + snippet("emacs-highlight-only")
    fixture = workdir / "project" / "narrowed.txt"
    fixture.write_text(
        "".join(f"line {n}{' FIXME' if n % 5 == 0 else ''}\n" for n in range(60)), encoding="utf-8"
    )
    (workdir / "project" / "other.txt").write_text("other FIXME\n", encoding="utf-8")
    report = run_emacs_driver(workdir, env, config, fixture, "emacs_hidden_frame.el", terminal=True)
    assert report["stale-before"] and report["stale-after"]
    assert report["other"] == 1
    assert report["typed"] == 1
    assert report["errors"] == []


def test_emacs_highlights_paint_kept_patterns_in_the_servers_order(
    workdir: Path, env: dict[str, str]
) -> None:
    """The highlight-only snippet: kept patterns take `grepls-pattern-1` to `-4` in the order the
    server holds them, whatever was kept before: keep AAA and BBB, remove AAA, keep CCC, and BBB is
    the first kept pattern, CCC the second; the search pattern is `grepls-search` wherever it
    comes."""
    fixture = workdir / "project" / "faces.txt"
    fixture.write_text("AAA BBB CCC SSS\n", encoding="utf-8")
    painted = (
        "(let ((got (sort (mapcar (lambda (o) (list (buffer-substring-no-properties"
        " (overlay-start o) (overlay-end o)) (overlay-get o 'face)))"
        " (cl-remove-if-not (lambda (o) (overlay-get o 'grepls))"
        " (overlays-in (point-min) (point-max))))"
        " (lambda (a b) (string< (car a) (car b))))))"
        " (and (equal (mapcar #'car got) '({})) (vconcat (mapcar #'vconcat got))))"
    )
    steps = [
        {"run": '(grepls-add-pattern "AAA")'},
        {"run": '(grepls-add-pattern "BBB")'},
        {"eval": painted.format('"AAA" "BBB"')},
        {"run": '(grepls-remove-pattern "AAA")'},
        {"eval": painted.format('"BBB"')},
        {"run": '(grepls-set-pattern "SSS")'},
        {"run": '(grepls-add-pattern "CCC")'},
        {"eval": painted.format('"BBB" "CCC" "SSS"')},
    ]
    seen = emacs_session(workdir, env, fixture, steps, snippet("emacs-highlight-only"))["seen"]
    assert [step["value"] for step in seen] == [
        [["AAA", "grepls-pattern-1"], ["BBB", "grepls-pattern-2"]],
        [["BBB", "grepls-pattern-1"]],
        [["BBB", "grepls-pattern-1"], ["CCC", "grepls-pattern-2"], ["SSS", "grepls-search"]],
    ]


def test_emacs_killing_an_indirect_buffer_leaves_its_file_open_in_grepls(
    workdir: Path, env: dict[str, str]
) -> None:
    """An indirect buffer on a grepls file (`C-x 4 c`), edited, then killed: the base buffer
    still visits the file, and grepls still has it open: its next match is found, and a match
    typed in it afterwards is shown."""
    version = subprocess.run(
        [require_binary("emacs"), "--batch", "--eval", "(princ emacs-major-version)"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    if int(version) >= 29:
        pytest.skip(
            "eglot 1.12 and newer share the base buffer's change tracker and flymake state with a"
            " clone it manages (eglot#843, #1068), as the README tells"
        )
    fixture = workdir / "project" / "base.txt"
    fixture.write_text("a TODO one\nfoo\nbar\nTODO two\n", encoding="utf-8")
    steps = [
        {"run": '(grepls-set-pattern "TODO")'},
        {"wait": 2},
        {
            "run": '(with-current-buffer (clone-indirect-buffer "base-clone" nil)'
            ' (goto-char (point-min)) (forward-line 2) (insert "TODO "))'
        },
        {"wait": 3},
        {"run": '(kill-buffer "base-clone")'},
        {"run": "(progn (goto-char (point-min)) (forward-line 1) (grepls-next-match))"},
        {"eval": "(and (/= (line-number-at-pos) 2) (line-number-at-pos))"},
        {"run": '(progn (goto-char (point-min)) (forward-line 1) (insert "TODO "))'},
        {"wait": 4},
    ]
    seen = emacs_session(workdir, env, fixture, steps)["seen"]
    assert seen[1]["shown"] == [[0, 2, "search"], [2, 0, "search"], [3, 0, "search"]]
    assert seen[2] == {"value": 3}
    assert seen[3]["shown"] == [
        [0, 2, "search"],
        [1, 0, "search"],
        [2, 0, "search"],
        [3, 0, "search"],
    ]


def test_emacs_says_one_match_and_one_replacement_in_the_singular(
    workdir: Path, env: dict[str, str]
) -> None:
    """What Emacs says counts its nouns: "1 match of", "2 matches of", "1 replacement in 1 file",
    "2 replacements in 1 file"."""
    fixture = workdir / "project" / "said.txt"
    fixture.write_text("a TODO\nb TODO\nc FIXME\n", encoding="utf-8")
    no_todo = '(save-excursion (goto-char (point-min)) (not (search-forward "{}" nil t)))'
    steps = [
        {"run": '(grepls-set-pattern "FIXME")'},
        {"wait": 1},
        {"run": '(grepls-replace "FIXED")'},
        {"eval": no_todo.format("FIXME")},
        {"run": '(grepls-set-pattern "TODO")'},
        {"wait": 2},
        {"run": '(grepls-replace "DONE")'},
        {"eval": no_todo.format("TODO")},
        {"eval": '(with-current-buffer "*Messages*" (= 2 (how-many "in 1 file$" 1)))'},
    ]
    extra = "(setq eglot-confirm-server-initiated-edits nil)"  # Emacs 28 asks before each edit
    said = [
        line
        for line in emacs_session(workdir, env, fixture, steps, extra)["messages"]
        if line.startswith("grepls: ")
    ]
    assert said == [
        'grepls: 1 match of "FIXME"',
        "grepls: 1 replacement in 1 file",
        'grepls: 2 matches of "TODO"',
        "grepls: 2 replacements in 1 file",
    ]


def test_emacs_jumps_with_a_count_of_zero_go_their_own_way_and_negative_ones_the_other(
    workdir: Path, env: dict[str, str]
) -> None:
    """From a line between two matches: `M-0 grepls-previous-match` goes back one match and `M-0
    grepls-next-match` on one, as without a count; `M-- grepls-next-match` goes back and `M--
    grepls-previous-match` on."""
    fixture = workdir / "project" / "counts.txt"
    fixture.write_text("TODO 1\nx\nTODO 2\nx\nTODO 3\n", encoding="utf-8")
    moved = "(and (/= (line-number-at-pos) 4) (line-number-at-pos))"
    steps: list[dict[str, Any]] = [{"run": '(grepls-set-pattern "TODO")'}, {"wait": 3}]
    for jump in [
        "(grepls-previous-match 0)",
        "(grepls-next-match 0)",
        "(grepls-next-match -1)",
        "(grepls-previous-match -1)",
    ]:
        steps.append({"run": f"(progn (goto-char (point-min)) (forward-line 3) {jump})"})
        steps.append({"eval": moved})
    seen = emacs_session(workdir, env, fixture, steps)["seen"]
    assert [step["value"] for step in seen[1:]] == [3, 5, 3, 5]


def test_emacs_says_a_count_cut_at_the_cap_with_a_plus(workdir: Path, env: dict[str, str]) -> None:
    """1,200 matches, past the default `maxMatchesPerDocument` of 1,000, where grepls stops
    counting: `grepls-set-pattern` and `grepls-add-pattern` say "1001+ matches" (at least that
    many), as `grepls-list-patterns` does, not "1001 matches" as if grepls had counted them all;
    a count it finished has no "+"."""
    fixture = workdir / "project" / "capped.txt"
    fixture.write_text("TODO x\n" * 1200 + "FIXME\n", encoding="utf-8")
    said = '(with-current-buffer "*Messages*" (save-excursion (goto-char (point-min))'
    said += ' (search-forward "of \\"{}\\"" nil t)))'
    steps = [
        {"run": '(grepls-set-pattern "TODO")'},
        {"eval": said.format("TODO")},
        {"run": '(grepls-add-pattern "x")'},
        {"eval": said.format("x")},
        {"run": '(grepls-add-pattern "FIXME")'},
        {"eval": said.format("FIXME")},
    ]
    messages = emacs_session(workdir, env, fixture, steps)["messages"]
    assert [line for line in messages if line.startswith("grepls: ")] == [
        'grepls: 1001+ matches of "TODO"',
        'grepls: 1001+ matches of "x"',
        'grepls: 1 match of "FIXME"',
    ]


# How the server is started, and whether grepls.el takes it for grepls: the console script by its
# path, `python -m grepls`, and another server (grepls itself behind a wrapper of another name, so
# that it answers) run from a folder called grepls.
STARTED = [
    ("console-script", True),
    ("python-m", True),
    ("other-server-in-a-grepls-folder", False),
]


@pytest.mark.parametrize(("started", "is_grepls"), STARTED)
def test_emacs_takes_for_grepls_only_a_server_started_as_grepls(
    workdir: Path, env: dict[str, str], started: str, is_grepls: bool
) -> None:
    """The highlight-only snippet with `eglot-server-programs` naming each way: grepls, started as
    `/path/to/grepls` or as `python -m grepls`, gets grepls's capabilities (its matches painted,
    none published); a server of another name run from `src/grepls/.venv/bin` (its command line
    holds "grepls", as one from a grepls checkout's venv does) is not grepls: it is not told that
    Emacs pulls diagnostics, and its diagnostics show in flymake as every server's do."""
    other = workdir / "src" / "grepls" / ".venv" / "bin" / "other-ls"
    other.parent.mkdir(parents=True)
    other.write_text('#!/bin/sh\nexec grepls "$@"\n', encoding="utf-8")
    other.chmod(0o755)
    venv = REPO / ".venv" / "bin"
    command = {
        "console-script": [str(venv / "grepls")],
        "python-m": [str(venv / "python"), "-m", "grepls"],
        "other-server-in-a-grepls-folder": [str(other)],
    }[started]
    program = "(add-to-list 'eglot-server-programs '((text-mode) . {}))".format(
        "(" + " ".join(json.dumps(word) for word in command) + ")"
    )
    fixture = workdir / "project" / "started.txt"
    fixture.write_text("a TODO\nb TODO\n", encoding="utf-8")
    painted = "(cl-count-if (lambda (o) (overlay-get o 'grepls)) (overlays-in 1 (point-max)))"
    steps: list[dict[str, Any]] = [
        {"eval": '(if (grepls--server-p (eglot-current-server)) "grepls" "other")'},
        {"run": '(grepls-set-pattern "TODO")'},
    ]
    if is_grepls:  # both matches painted (waited for), then nothing in flymake
        steps += [{"eval": f"(and (= {painted} 2) 2)"}, {"wait": 0}]
    else:  # both in flymake (waited for), nothing painted
        steps += [{"wait": 2}, {"eval": f"(vector {painted})"}]
    extra = snippet("emacs-highlight-only") + "\n" + program
    seen = emacs_session(workdir, env, fixture, steps, extra)["seen"]
    if is_grepls:
        assert seen[1:] == [{"value": 2}, {"shown": [], "offered": []}]
    else:
        assert seen[1:] == [
            {"shown": [[0, 2, "search"], [1, 2, "search"]], "offered": []},
            {"value": [0]},
        ]
    assert seen[0] == {"value": "grepls" if is_grepls else "other"}


def test_emacs_knows_grepls_by_the_command_line_eglot_starts(env: dict[str, str]) -> None:
    """`grepls--command-p` on command lines as `process-command` gives them: grepls by any path
    (grepls.exe on Windows), `python -m grepls` (or `-mgrepls`), and each through eglot's wrapper
    for a remote file (`sh -c "stty raw > /dev/null; ..."`, the words shell-quoted); not another
    program in a grepls folder, nor one given grepls as an argument, nor grepls's own helpers
    (`python -m grepls.watch`), nor a network connection (no command)."""
    # None: a network connection, whose `process-command` is t.
    commands: list[tuple[list[str] | None, bool]] = [
        (["grepls"], True),
        (["/home/u/.local/bin/grepls", "--stdio"], True),
        (["C:/Python/Scripts/grepls.exe"], True),
        (["/src/.venv/bin/python", "-m", "grepls", "--stdio"], True),
        (["python3", "-mgrepls"], True),
        (["/bin/sh", "-c", "stty raw > /dev/null; /opt/my\\ tools/grepls --stdio"], True),
        (["/bin/sh", "-c", "stty raw > /dev/null; python3 -m grepls"], True),
        (["/src/grepls/.venv/bin/pylsp"], False),
        (["pylsp", "--log-file", "/tmp/grepls"], False),
        (["python3", "-m", "grepls.watch", "/src"], False),
        (["/bin/sh", "-c", "stty raw > /dev/null; /src/grepls/pylsp"], False),
        (["grepls-other"], False),
        (None, False),
    ]
    as_lisp = " ".join(
        "t" if command is None else "(" + " ".join(json.dumps(w) for w in command) + ")"
        for command, _ in commands
    )
    known = "(lambda (c) (if (grepls--command-p c) t :json-false))"
    form = f"(princ (json-encode (mapcar {known} '({as_lisp}))))"
    done = subprocess.run(
        [
            require_binary("emacs"),
            "--batch",
            "-q",
            "-L",
            str(REPO / "clients" / "emacs"),
            "-l",
            "grepls",
            "--eval",
            form,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == [known for _, known in commands]


def test_emacs_highlights_paint_the_lines_a_window_shows_as_it_grows(
    workdir: Path, env: dict[str, str]
) -> None:
    """The highlight-only snippet in a 24-line terminal (`emacs -nw`), the file in a 5-line window:
    `enlarge-window`, `C-x 1` and a frame made higher make it show lines that no draw asked for,
    without scrolling it, and every match in view is painted (one `grepls.matchesInLines` request
    each); a window that shrinks asks for nothing."""
    config = snippet("emacs-config") + "\n" + snippet("emacs-highlight-only")
    fixture = workdir / "project" / "resized.txt"
    fixture.write_text("".join(f"line {n} TODO\n" for n in range(200)), encoding="utf-8")
    report = run_emacs_driver(workdir, env, config, fixture, "emacs_resize.el", terminal=True)
    steps = report["steps"]
    # Each step's every line holds a match: as many matching lines in view as the window shows.
    assert [
        (step["step"], step["height"] > 14, step["matching"] > step["height"]) for step in steps
    ] == [
        ("enlarged", True, True),
        ("shrunk", False, True),
        ("C-x 1", True, True),
        ("frame shrunk", False, True),
        ("frame grown", True, True),
    ]
    assert [(step["painted"] == step["matching"], step["asked"]) for step in steps] == [
        (True, 1),
        (True, 0),
        (True, 1),
        (True, 0),
        (True, 1),
    ], steps


# A hook that asks its server something and waits for the answer, from inside eglot's handler of
# the server's first answer (eglot 1.9 turns the buffer's managed mode on there).
ASKS_IN_HOOK = """
(defvar grepls-test--asked nil "[WHAT-CAME SECONDS] of the hook's request.")
(add-hook 'eglot-managed-mode-hook
          (lambda ()
            (when (and (eglot-managed-p) (not grepls-test--asked))
              (let ((start (float-time)))
                (setq grepls-test--asked
                      (vector (condition-case err
                                  (progn (jsonrpc-request
                                          (eglot-current-server) :workspace/executeCommand
                                          '(:command "grepls.listPatterns" :arguments [])
                                          :timeout 5)
                                         "answer")
                                (error (error-message-string err)))
                              (- (float-time) start)))))))
"""

HELD_COUNTED = """
(defvar grepls-test--held 0 "How many messages grepls.el held, of any server.")
(advice-add 'grepls--jsonrpc-hold :after
            (lambda (&rest _) (when grepls--jsonrpc-held (setq grepls-test--held
                                                              (1+ grepls-test--held)))))
"""

WHICH_SERVER = {"eval": '(if (grepls--server-p (eglot-current-server)) "grepls" "another server")'}


def serving_text_mode(contact: str) -> str:
    """Config that has eglot reach the server at ``contact`` (a program, or host and port)."""
    return f"(add-to-list 'eglot-server-programs '((text-mode) . ({contact})))\n"


@pytest.mark.parametrize("server", ["grepls", "another server"])
def test_emacs_answers_a_request_waited_for_in_eglots_hooks(
    workdir: Path, env: dict[str, str], server: str
) -> None:
    """A user's `eglot-managed-mode-hook` makes a synchronous `jsonrpc-request` (eglot 1.9 runs the
    hook inside its handler of the server's first answer): for grepls the answer comes at once
    (its messages are cut from its output before any handler runs, so a handler may wait).
    Another server's output is left to jsonrpc, none of its messages held: grepls's advice once
    held every server's output while a handler ran, and such a request timed out after 5 s each
    time. Whether it is answered is then Emacs 28's own jsonrpc's to decide, and it decides
    either way (5 answers in 12 sessions of this test without grepls.el loaded), so only grepls
    is asked for the answer."""
    extra = ASKS_IN_HOOK + HELD_COUNTED
    if server != "grepls":
        other = workdir / "bin" / "other-ls"  # grepls behind another name: not grepls to Emacs
        other.parent.mkdir(parents=True)
        other.write_text('#!/bin/sh\nexec grepls "$@"\n', encoding="utf-8")
        other.chmod(0o755)
        extra += serving_text_mode(json.dumps(str(other)))
    fixture = workdir / "project" / "asked.txt"
    fixture.write_text("a TODO\n", encoding="utf-8")
    steps = [
        {"eval": "grepls-test--asked"},
        WHICH_SERVER,
        {"eval": "grepls-test--held"},
    ]
    seen = emacs_session(workdir, env, fixture, steps, extra)["seen"]
    said, seconds = seen[0]["value"]
    assert seen[1] == {"value": server}
    if server == "grepls":
        assert said == "answer" and seconds < 2, seen
    else:
        assert seen[2] == {"value": 0}, "grepls.el held another server's messages"


def test_emacs_knows_grepls_reached_over_tcp(workdir: Path, env: dict[str, str]) -> None:
    """eglot reaches `grepls --tcp` by host and port: no command to tell grepls by, so grepls.el
    knows it by the name it gives when it answers `initialize` — its kept patterns come back,
    and (Emacs 28, whose jsonrpc needs it) its advice cuts its messages; both were another
    server's treatment."""
    port = free_port()
    server = ServerProcess(["--tcp", "--port", str(port)], pipes=False, env=env)
    fixture = workdir / "project" / "tcp.txt"
    fixture.write_text("a TODO\n", encoding="utf-8")
    kept_file = Path(env["XDG_STATE_HOME"]) / "grepls" / "kept-patterns.json"
    kept_file.parent.mkdir(parents=True)
    kept_file.write_text(json.dumps({str(fixture.parent): [{"pattern": "TODO"}]}))
    try:
        deadline = time.monotonic() + 20
        while "listening on" not in server.stderr_text():
            assert server.alive() and time.monotonic() < deadline, server.stderr_text()
            time.sleep(0.05)
        extra = HELD_COUNTED + serving_text_mode(f'"127.0.0.1" {port}')
        steps = [
            WHICH_SERVER,
            {"wait": 1},
            {"eval": "(vector emacs-major-version grepls-test--held)"},
        ]
        seen = emacs_session(workdir, env, fixture, steps, extra)["seen"]
        assert seen[0] == {"value": "grepls"}, seen
        assert seen[1]["shown"] == [[0, 2, "TODO"]], seen
        version, held = seen[2]["value"]
        assert version != 28 or held > 0, seen
    finally:
        server.kill()


def test_emacs_serves_the_text_modes_the_config_names_with_one_grepls(
    workdir: Path, env: dict[str, str]
) -> None:
    """Eglot starts a server of its own for a mode derived from one listed: the README's config
    names org-mode beside text-mode, so an Org file of the project shares the text file's grepls
    (and its patterns); with text-mode alone it got a second grepls."""
    fixture = workdir / "project" / "notes.txt"
    fixture.write_text("a TODO\n", encoding="utf-8")
    org = workdir / "project" / "notes.org"
    org.write_text("* TODO heading\n", encoding="utf-8")
    same = (
        f"(let ((first (eglot-current-server))) (with-current-buffer (find-file-noselect "
        f'{json.dumps(str(org))}) (if (eq (eglot-current-server) first) "one" "two")))'
    )
    seen = emacs_session(workdir, env, fixture, [{"eval": same}])["seen"]
    assert seen == [{"value": "one"}]
