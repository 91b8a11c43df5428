"""Closed files as the workspace scope reads them: what is skipped and counted, how text is decoded,
and which regexes ripgrep may prefilter (it must never miss a file RE2 would match in)."""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import unquote, urlparse

import pytest
from conftest import TIMEOUT, every_cpu_busy
from grepls.closed import ClosedFiles
from grepls.disk import (
    PIECE_BYTES,
    FileSearch,
    decode,
    line_texts,
    read_file,
    search,
    search_data,
)
from grepls.matcher import Matcher
from grepls.pattern import PatternSpec
from grepls.ripgrep import Ripgrep, _escape, _may_match_replacement, _same_in_ripgrep, rg_binary
from grepls.rpc import Endpoint
from grepls.scan import Found
from grepls.uris import folders_from_initialize, path_to_uri, uri_to_path
from grepls.workspace import Options, Workspace


def test_a_vanished_file_a_directory_and_a_fifo_are_unreadable_not_fatal(tmp_path: Path) -> None:
    assert read_file(str(tmp_path / "gone.txt"), 100) == "unreadable"
    assert read_file(str(tmp_path), 100) == "unreadable"
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert read_file(str(fifo), 100) == "unreadable"  # and it does not block


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode (CI is root)")
def test_a_file_without_read_permission_is_unreadable(tmp_path: Path) -> None:
    locked = tmp_path / "locked.txt"
    locked.write_text("TODO\n")
    locked.chmod(0)
    assert read_file(str(locked), 100) == "unreadable"


def test_a_symbolic_link_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "target.txt").write_text("TODO\n")
    os.symlink(tmp_path / "target.txt", tmp_path / "link.txt")
    assert read_file(str(tmp_path / "link.txt"), 100) == "unreadable"


def test_files_over_the_size_limit_are_large(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 101)
    assert read_file(str(path), 100) == "large"
    assert read_file(str(path), 101) == b"x" * 101


def test_binary_is_a_nul_in_the_first_8_kb_and_text_decodes_like_an_editor() -> None:
    assert decode(b"TODO\0") is None
    assert decode(b"x" * 8192 + b"\0TODO") == "x" * 8192 + "\0TODO"
    assert decode(b"\xef\xbb\xbfTODO") == "TODO"  # the byte-order mark is dropped
    assert decode(b"caf\xe9 TODO") == "caf\ufffd TODO"  # not UTF-8: replaced, nothing moves


def test_search_splits_lines_as_an_open_document_and_lines_are_read_again(tmp_path: Path) -> None:
    matcher = Matcher(PatternSpec("TODO"))
    text = "a\rb TODO\r\n\nTODO"
    found = search(text, [("search", matcher)], 100)["search"]
    assert found.matches == {1: [(2, 6)], 3: [(0, 4)]}
    path = tmp_path / "f.txt"
    path.write_text(text, newline="")
    assert line_texts(str(path), [1, 3, 9], 1000) == {1: "b TODO", 3: "TODO"}


def test_uris_and_folders() -> None:
    assert path_to_uri("/a b/c~d.txt") == "file:///a%20b/c~d.txt"
    assert uri_to_path("file:///a%20b/c.txt") == "/a b/c.txt"
    assert uri_to_path("untitled:1") is None
    for uri in [
        "file:///a/./b//c.txt",
        "file:///a%3Bb/c%23d.txt",
        "file://localhost/a/b.txt",
        "file:///a/b.txt?x=1#y",
        "file:///a/b;c.txt",
        "file:///C%3A/a.txt",
        "file:///",
    ]:  # the quick way and urllib's agree
        parsed = urlparse(uri)
        assert uri_to_path(uri) == os.path.normpath(unquote(parsed.path)), uri
    assert folders_from_initialize({"rootUri": "file:///x"}) == ("/x",)
    assert folders_from_initialize(
        {"rootUri": "file:///x", "workspaceFolders": [{"uri": "file:///y"}, {"uri": "file:///z"}]}
    ) == ("/y", "/z")
    assert folders_from_initialize({"rootPath": "/p"}) == ("/p",)


@pytest.mark.parametrize(
    ("pattern", "safe"),
    [
        ("[A-Z]+_SUSPEND", True),
        ("TODO|FIXME", True),
        (r"E\d{4}", False),  # \d is ASCII in RE2, Unicode in ripgrep
        (r"\bword\b", False),
        (r"\w+", False),
        (r"\s$", False),
        (r"\Astart", False),
        ("(?i)todo", False),  # a flag group
        ("(?:a|b)c", True),
        (r"a\.b\(c\)", True),
        (r"\x41\t", True),
        (r"\pL+", False),  # Unicode versions differ: U+2EBF0 is a letter to RE2, not to ripgrep 14
        (r"\P{Han}", False),
        ("trailing\\", False),
        ("^T", False),  # a lone \r ends a line for LSP, not for ripgrep
        ("a$", False),
        ("[^a]b", False),  # (conservative)
        (r"\>=", False),  # a literal ">" to RE2, the end of a word to ripgrep 14
        (r"x\<y", False),
        (r"a\-b\/c", True),
        ("[&&]{2}", False),  # the class of "&" to RE2, an intersection to ripgrep
        ("[a--b]", False),  # a difference to ripgrep
        ("[a~~b]", False),
        ("[a[b]]", False),  # nested in ripgrep
        ("[[:alpha:]]x", True),
        ("caf[[:^alpha:]]", False),  # matches U+FFFD (bad bytes to grepls), raw bytes to ripgrep
        ("[]a]x", True),  # "]" first is a member to both
        ("[x-z]&&--~~", True),  # outside a class they are literals to both
    ],
)
def test_which_regexes_ripgrep_may_prefilter(pattern: str, safe: bool) -> None:
    assert _same_in_ripgrep(pattern) is safe


def test_escaped_literals_mean_themselves_to_ripgrep(tmp_path: Path) -> None:
    literal = "a.b(c)[d]{2}|^$*+?\\"
    (tmp_path / "hit.txt").write_text(f"x {literal} y\n")
    (tmp_path / "miss.txt").write_text("aXb(c)[d]dd\n")
    rg = rg_binary()
    assert rg is not None
    listed = subprocess.run(
        [rg, "--no-config", "-l", "--regexp", _escape(literal)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        check=False,
    ).stdout.split()
    assert listed == [b"hit.txt"]


def test_the_ripgrep_wheel_is_installed_beside_this_python() -> None:
    rg = rg_binary()
    assert rg is not None and Path(rg).parent == Path(sys.executable).parent


SPECS = [
    PatternSpec("TODO"),
    PatternSpec("todo", case_sensitive=False, whole_word=True),
    PatternSpec("[A-Z]+_X|é", regex=True, whole_word=True),
    PatternSpec("[A-Z]+_X", regex=True),
    PatternSpec("é😀", regex=True),
    PatternSpec("^", regex=True),
    PatternSpec("x*$", regex=True),
]


def pieces_of(data: bytes, spec: PatternSpec, limit: int) -> tuple[dict[str, Found], int]:
    """What a scan finds in ``data``, a piece at a time, and how many pieces it took."""
    each = FileSearch.of(data, [("p", Matcher(spec))], limit)
    assert each is not None
    steps = 1
    while not each.step():
        steps += 1
    return each.found(), steps


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("limit", [10_000, 7])
@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_a_large_file_searched_in_pieces_finds_what_one_pass_finds(
    spec: PatternSpec, limit: int, ending: str
) -> None:
    """Files are searched a piece of lines at a time (between the editor's messages) — as bytes
    when they can be, else as text —: the same matches, counts and exactness as one pass over the
    decoded text, at every per-document cap."""
    lines = [
        f"line {n} " + ("TODO todo AB_X é😀 " if n % 37 == 0 else "plain") * (1 + n % 3)
        for n in range(30000)
    ]
    text = ending.join(lines) + ending
    data = text.encode("utf-8")
    assert len(data) > 3 * PIECE_BYTES
    matcher = Matcher(spec)
    found, steps = pieces_of(data, spec, limit)
    whole = search(text, [("p", matcher)], limit)["p"]
    pieces = found["p"]
    assert pieces.matches == whole.matches
    exact = whole.searched == whole.lines and not whole.cut
    assert (pieces.searched == pieces.lines and not pieces.cut) == exact
    if ending == "\n" and not matcher.zero_width:
        assert steps > 3  # it did go a piece at a time


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize(
    "text",
    [
        "",
        "TODO",
        "TODO\n",
        "\n\nTODO x TODO\n\n",
        "\ufeffTODO é😀 AB_X\nplain\n",  # a byte-order mark is not a column
        "ab\u2028TODO\x85AB_X\n",  # not LSP line breaks: one line
        "todo\rTODO\r\ntodo AB_X\n",  # \r and \r\n break lines too
        "tab\tTODO\x00\n",
    ],
)
def test_a_file_read_from_disk_has_the_matches_of_its_decoded_text(
    spec: PatternSpec, text: str
) -> None:
    data = text.encode("utf-8")
    matcher = Matcher(spec)
    each = FileSearch.of(data, [("p", matcher)], 100)
    if b"\0" in data:
        assert each is None  # binary
        return
    found, _ = pieces_of(data, spec, 100)
    decoded = decode(data)
    assert decoded is not None
    whole = search(decoded, [("p", matcher)], 100)["p"]
    assert found["p"].matches == whole.matches
    assert found["p"].searched == found["p"].lines  # searched to the end


def test_bytes_that_are_not_utf8_are_searched_as_the_editor_shows_them() -> None:
    data = b"caf\xe9 TODO\n\xff\xfeAB_X TODO\n"
    for spec in SPECS:
        matcher = Matcher(spec)
        found, _ = pieces_of(data, spec, 100)
        decoded = decode(data)
        assert decoded is not None and "\ufffd" in decoded
        assert found["p"].matches == search(decoded, [("p", matcher)], 100)["p"].matches


T = TypeVar("T")


def run_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run``, with the tasks left (a cancelled scan) ended and ripgrep's finished
    subprocesses collected before the loop closes (else their transports are closed later, from
    the garbage collector, on a closed loop)."""

    async def collected() -> T:
        try:
            return await coroutine
        finally:
            others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in others:
                task.cancel()
            if others:
                await asyncio.wait(others, timeout=TIMEOUT)
            gc.collect()

    return asyncio.run(collected())


@pytest.mark.parametrize(
    ("pattern", "transcoded"),
    [
        ("[A-Z]+_SUSPEND", False),
        (r"TODO\(\w*", True),  # not prefiltered at all, but \w could match U+FFFD
        ("a.b", True),
        (r"caf\xe9", True),
        (r"\pL+", True),
        ("é+", True),
        (r"x\ty[0-9]{2}", False),
    ],
)
def test_which_regexes_ripgrep_reads_as_utf8(pattern: str, transcoded: bool) -> None:
    assert _may_match_replacement(pattern) is transcoded


@pytest.mark.parametrize(
    "spec",
    [
        PatternSpec("TODO"),
        PatternSpec("todo", case_sensitive=False),
        PatternSpec("[A-Z]+_X", regex=True),
        PatternSpec("x.y", regex=True),
        PatternSpec("[a-z]\ufffd", regex=True),
    ],
)
def test_ripgrep_names_every_file_grepls_finds_a_match_in(
    tmp_path: Path, spec: PatternSpec
) -> None:
    """The prefilter's superset, with real ripgrep, on bytes that are not UTF-8 beside matches."""
    files = {
        "plain.txt": b"TODO AB_X x-y\n",
        "latin1.txt": b"caf\xe9 TODO\nAB_X\xff\nx\xffy\n",
        "lone.txt": b"\xff\xfe todo\n",
        "after.txt": b"\xe9\xe9\xe9AB_X\n",
        "none.txt": b"nothing here\n",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    matchers = [("p", Matcher(spec))]
    found = {
        name
        for name, data in files.items()
        if search_data(data, matchers, 100)[0].get("p", Found({}, 0, 0)).matches
    }
    assert found  # the case is not empty

    async def named() -> set[str]:
        ripgrep = Ripgrep(lambda text: None)
        arguments = await ripgrep.prefilter(matchers)
        assert arguments is not None
        paths: set[str] = set()
        async for batch in ripgrep.lines(arguments, (str(tmp_path),), ()):
            paths.update(os.path.basename(path) for path in batch)
        return paths

    assert found <= run_loop(named())


def test_ripgrep_run_by_the_server_takes_only_idle_cpu(tmp_path: Path) -> None:
    """The list of every file (for the watch) is ripgrep run by the server itself, after a scan:
    on idle CPU, as the scan worker and its ripgrep are."""
    # Half a megabyte of names: more than the pipe and the event loop's reader hold together
    # (64 kB + 128 kB), so ripgrep is still there, waiting, when the first batch is read.
    name = "a-file-name-long-enough-that-a-few-thousand-of-them-fill-the-pipe-several-times"
    for n in range(6000):
        (tmp_path / f"{name}-{n:05}.txt").write_text("x\n")

    async def policies_while_listing() -> set[int]:
        seen: set[int] = set()
        ripgrep = Ripgrep(lambda text: None)
        async for _ in ripgrep.lines(["--files"], (str(tmp_path),), ()):
            if not seen:
                children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text()
                for pid in map(int, children.split()):
                    if b"--files" in Path(f"/proc/{pid}/cmdline").read_bytes():
                        seen |= {
                            os.sched_getscheduler(int(task.name))
                            for task in Path(f"/proc/{pid}/task").iterdir()
                        }
        return seen

    assert run_loop(policies_while_listing()) == {os.SCHED_IDLE}


def test_ripgrep_starved_on_idle_cpu_is_started_again_and_lists_every_file(
    tmp_path: Path,
) -> None:
    """While other programs keep every CPU busy, ripgrep on idle CPU only would list nothing for
    minutes: it is seen starved, killed, and run again at nice, and the list is whole."""
    names = {f"{n:05}.txt" for n in range(20_000)}
    for name in names:
        (tmp_path / name).write_text("x\n")
    ripgrep = Ripgrep(lambda text: None)

    async def listed() -> set[str]:
        found = ripgrep.listing((str(tmp_path),), ())
        return {os.path.basename(path) for path in await asyncio.wait_for(found, TIMEOUT)}

    started = time.monotonic()
    with every_cpu_busy():
        assert run_loop(listed()) == names
    # Seen starved and run again at nice; unless it was never starved: a machine busy with
    # other work too can leave it CPU time enough to end before a starvation is seen (1 s).
    assert not ripgrep.priority.idle_only or time.monotonic() - started < 3


def test_a_literal_holding_u_fffd_is_not_prefiltered() -> None:
    """ripgrep reads a file that begins with a UTF-16 byte-order mark as UTF-16; grepls as UTF-8,
    where those two bytes are U+FFFD: every file is read instead."""
    ripgrep = Ripgrep(lambda text: None)
    spec = PatternSpec("\ufffd todo")
    assert run_loop(ripgrep.prefilter([("p", Matcher(spec))])) is None
    assert run_loop(ripgrep.prefilter([("p", Matcher(PatternSpec("todo")))])) is not None


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        (PatternSpec("\u0390", case_sensitive=False), "x \u1fd3 y\n"),
        (PatternSpec("\ufb05", case_sensitive=False), "\ufb06 st\n"),
        (PatternSpec("\\x{390}", regex=True, case_sensitive=False), "x \u1fd3 y\n"),
        (PatternSpec("\\p{Han}", regex=True), "x \U0002ebf0 y\n"),
        (PatternSpec("caf[[:^alpha:]]", regex=True), b"caf\xe9\n"),
        (PatternSpec("k", case_sensitive=False), "\u212a\n"),  # ASCII: prefiltered, and named
    ],
)
def test_the_prefilter_names_every_file_re2_matches_in(
    tmp_path: Path, spec: PatternSpec, text: str | bytes
) -> None:
    """Where RE2 and ripgrep differ (case folding beyond ASCII, Unicode versions, bytes that are
    not UTF-8), the file is read anyway: no prefilter, or one that names it."""
    data = text if isinstance(text, bytes) else text.encode()
    assert Matcher(spec).scan.lines([data.decode(errors="replace").rstrip("\n")], 10).matches
    (tmp_path / "hit.txt").write_bytes(data)
    ripgrep = Ripgrep(lambda text: None)
    arguments = run_loop(ripgrep.prefilter([("p", Matcher(spec))]))
    if arguments is None:
        # Every file is read; ASCII letters fold alike in both, and keep the prefilter.
        assert not (spec.pattern.isascii() and not spec.regex)
        return
    rg = rg_binary()
    assert rg is not None
    listed = subprocess.run(
        [rg, "--no-config", "--no-messages", *arguments],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        check=False,
    ).stdout.split()
    assert listed == [b"hit.txt"]


class _Endpoint:
    """Takes what the workspace sends (progress, messages) and answers requests with null."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []

    def request(
        self,
        method: str,
        params: Any,
        answered: Callable[[object], None],
        refused: Callable[[object], None] | None = None,
    ) -> None:
        answered(None)

    def notify(self, method: str, params: Any) -> None:
        self.sent.append((method, params))

    def input_waiting(self) -> bool:
        return False  # no editor: nothing ever waits unread


class _HeldRipgrep(Ripgrep):
    """Real ripgrep, but the list of every file waits until the test lets it go."""

    def __init__(self) -> None:
        super().__init__(lambda text: None)
        self.asked = asyncio.Event()
        self.release = asyncio.Event()

    async def listing(self, folders: tuple[str, ...], exclude: tuple[str, ...]) -> set[str]:
        self.asked.set()
        await self.release.wait()
        return await super().listing(folders, exclude)


def test_what_is_named_between_the_scan_and_the_list_is_searched_once_listed(
    tmp_path: Path,
) -> None:
    """A literal is prefiltered, so the list of every file is made after the scan's end: a
    document closed, or a file changed, in between is searched from disk once the list has it."""
    for name, text in {"a.txt": "TODO on disk\n", "b.txt": "none yet\n", "c.txt": "TODO\n"}.items():
        (tmp_path / name).write_text(text)
    a = path_to_uri(str(tmp_path / "a.txt"))

    async def run() -> dict[str, int]:
        workspace = Workspace(cast(Endpoint, _Endpoint()), {})
        ripgrep = _HeldRipgrep()
        workspace.ripgrep = ripgrep
        workspace.watch_registration = True
        workspace.set_folders([str(tmp_path)])
        workspace.opened(a)  # open in the editor: its disk text is not held
        workspace.rescan([("p", Matcher(PatternSpec("TODO")))], Options(scope="workspace"))
        await asyncio.wait_for(ripgrep.asked.wait(), TIMEOUT)
        assert {os.path.basename(u) for u in workspace.files} == {"c.txt"}
        assert not workspace.closed(a)  # not listed yet: searched once it is
        (tmp_path / "b.txt").write_text("TODO now\n")
        workspace.file_events([(str(tmp_path / "b.txt"), 2)])
        ripgrep.release.set()
        for _ in range(1000):
            await asyncio.sleep(0.005)
            if len(workspace.files) == 3:
                break
        workspace.shutdown()
        return {os.path.basename(u): f.count for u, f in workspace.files.items()}

    assert run_loop(run()) == {"a.txt": 1, "b.txt": 1, "c.txt": 1}


def test_without_ripgrep_the_scope_says_so_once_and_starts_no_scan(tmp_path: Path) -> None:
    """No ``rg`` anywhere: the workspace scope tells the user once, holds no closed file, and
    gives the scan worker no job (open documents are still searched, by the server)."""
    (tmp_path / "a.txt").write_text("TODO\n")

    async def run() -> tuple[list[tuple[str, Any]], int, int | None]:
        endpoint = _Endpoint()
        workspace = Workspace(cast(Endpoint, endpoint), {})
        workspace.ripgrep.binary = None
        workspace.set_folders([str(tmp_path)])
        for pattern in ("TODO", "a"):
            workspace.rescan([("p", Matcher(PatternSpec(pattern)))], Options(scope="workspace"))
            for _ in range(200):
                await asyncio.sleep(0.005)
                if not workspace.running:
                    break
        workspace.shutdown()
        return endpoint.sent, len(workspace.files), workspace.worker.pid

    sent, held, worker = run_loop(run())
    told = [p["message"] for m, p in sent if m == "window/showMessage"]
    assert len(told) == 1 and "needs ripgrep (rg), which was not found" in told[0]
    assert held == 0
    assert worker is None  # shut down, or never started


def test_a_scan_whose_worker_keeps_dying_ends_saying_so_and_the_next_scan_runs(
    tmp_path: Path,
) -> None:
    """The worker process dies as soon as it starts (its command exits at once): the scan
    starts it again twice, then ends — its progress and a message say why — and never hangs;
    with a worker that works, the next scan finds the matches."""
    (tmp_path / "a.txt").write_text("TODO\n")
    (tmp_path / ".ignore").write_text("starts\n")

    async def scanned(workspace: Workspace) -> None:
        workspace.rescan([("p", Matcher(PatternSpec("TODO")))], Options(scope="workspace"))
        for _ in range(2000):
            await asyncio.sleep(0.005)
            if not workspace.running:
                return
        raise AssertionError("the scan did not end")

    async def run() -> tuple[list[tuple[str, Any]], int]:
        endpoint = _Endpoint()
        workspace = Workspace(cast(Endpoint, endpoint), {})
        workspace.progress_supported = True
        workspace.watch_registration = True
        workspace.set_folders([str(tmp_path)])
        command = workspace.worker.command
        starts = tmp_path / "starts"
        die = f"open({str(starts)!r}, 'a').write('x'); raise SystemExit(3)"
        workspace.worker.command = [sys.executable, "-c", die]
        await scanned(workspace)
        held = len(workspace.files)
        assert starts.read_text() == "xxx"  # started, then started again twice
        # A file made after it: searched on its own, and only it (a.txt, never reached, is not
        # taken for new).
        (tmp_path / "b.txt").write_text("TODO\n")
        workspace.file_events([(str(tmp_path / "b.txt"), 1)])
        for _ in range(2000):
            await asyncio.sleep(0.005)
            if workspace.files:
                break
        await asyncio.sleep(0.2)
        assert [uri.rsplit("/", 1)[-1] for uri in workspace.files] == ["b.txt"]
        workspace.worker.command = command
        await scanned(workspace)
        workspace.shutdown()
        return endpoint.sent, held + 10 * len(workspace.files)

    sent, held = run_loop(run())
    told = [p["message"] for m, p in sent if m == "window/showMessage"]
    assert len(told) == 1 and "search process kept dying" in told[0]
    ends = [
        p["value"]["message"] for m, p in sent if m == "$/progress" and p["value"]["kind"] == "end"
    ]
    assert ends[0] == "stopped: the search process died"
    assert ends[1].startswith("2 matches in 2 of")
    assert held == 20  # none while the worker died, a.txt and b.txt once it worked


def test_a_read_begun_before_its_file_or_folder_was_deleted_is_stale() -> None:
    """The scan worker's result for a file arrives after the file's deletion was reported: the
    deletion is the newest word on it, or the file would show matches for good."""
    store = ClosedFiles(changed=lambda uri: None, gone=lambda uri: None)
    begun = store.tick()  # a scan starts reading
    store.deleted("/w/a.txt")
    store.deleted_under({"/w/gone"})
    assert not store.newer("/w/a.txt", begun)
    assert not store.newer("/w/gone/deep/b.txt", begun)
    assert not store.newer("/w/gone", begun)
    assert store.newer("/w/kept.txt", begun)
    assert store.newer("/w/gone-not/b.txt", begun)
    # A read that begins after the deletions (the file made again) is the newest word.
    later = store.tick()
    assert store.newer("/w/a.txt", later) and store.newer("/w/gone/deep/b.txt", later)
