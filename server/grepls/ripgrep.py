"""The file set of the workspace scope: which files, as ripgrep names them.

**Which files.** Exactly those ripgrep would search by default — ``.gitignore`` inside a git
repository, ``.ignore``, ``.rgignore``, ``.git/info/exclude``; hidden files and folders skipped;
symbolic links not followed — minus the ``exclude`` globs. grepls does not reimplement those rules:
it asks ripgrep itself (``rg --files``; the ``ripgrep`` wheel ships the binary), and applies the two
rules of its own while reading: larger than ``maxFileSize`` and binary (a NUL byte in the first
8 KB) are skipped and counted. ripgrep also names the files where a pattern may match (``rg
--files-with-matches --text``: literals as fixed strings, case folded when any pattern folds case),
so that grepls reads only those; this *prefilter* must never miss a file, so it is used only
when both engines read every pattern alike: a regex without ``\\b``, ``\\w``, ``\\d``, ``\\s``
(ASCII in RE2, Unicode in ripgrep), ``\\p`` classes (their Unicode versions differ), ``^``, ``$``,
``\\A``, ``\\z`` or flag groups, that cannot match the empty string (LSP counts an empty last line
that ripgrep does not) and that ripgrep compiles; a pattern that folds case holding ASCII only
(the two fold a few other letters differently, U+0390 and U+1FD3 being one to RE2 alone);
else every listed file is read and searched (so too for a literal holding U+FFFD). For a
regex that may match U+FFFD, ripgrep reads files as grepls does (``--encoding utf-8``: bytes that
are not UTF-8 become U+FFFD); for any other pattern, the raw bytes (``--encoding none``). One gap
is known: even with ``--encoding utf-8``, ripgrep reads a file that begins with a UTF-16 byte-order
mark as UTF-16, where grepls reads UTF-8 (U+FFFD for those two bytes, when no NUL byte makes the
file binary): a match there of a regex that may match U+FFFD can be missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import AsyncGenerator, Callable

from grepls.helper_process import Priority, StarvationWatch
from grepls.matcher import Matcher

RG_NICENESS = 10
"""How much lower ripgrep's scheduling priority is than the server's."""


def idle(pid: int) -> None:
    """Let process ``pid`` (ripgrep, just started) run only on idle CPU, as the scan worker does
    (``SCHED_IDLE``; Linux only, and a refusal leaves it at its ``nice``). Set from here because
    ``Popen`` cannot set it in the child without ``preexec_fn``, which is unsafe in a process with
    threads (the server has a writer thread). The main thread first, so that the threads it starts
    from then on inherit the policy; then any it had started already."""
    with contextlib.suppress(AttributeError, OSError):  # not Linux, refused, or already gone
        os.sched_setscheduler(pid, os.SCHED_IDLE, os.sched_param(0))
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError):
                os.sched_setscheduler(int(task), os.SCHED_IDLE, os.sched_param(0))


def rg_binary() -> str | None:
    """The ``rg`` the ripgrep wheel installed beside this Python, else one on ``PATH``."""
    for folder in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        candidate = os.path.join(folder, "rg")
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("rg")


class Ripgrep:
    """ripgrep over the workspace folders: the files it lists, and those a pattern may match in."""

    def __init__(
        self,
        tell: Callable[[str], None],
        binary: str | None = None,
        priority: Priority | None = None,
    ) -> None:
        self.binary = binary or rg_binary()
        self.priority = priority or Priority()
        """Whether the ripgrep the server starts runs on idle CPU only (until one was starved)."""
        self._tell = tell
        """Show the user a message (once: ripgrep is missing)."""
        self._told_missing = False
        nice = shutil.which("nice")
        self._nice = [nice, "-n", str(RG_NICENESS)] if nice else []
        """ripgrep runs at a lower priority than the server: on a busy machine, the editor's
        keystrokes are answered first."""

    async def listing(self, folders: tuple[str, ...], exclude: tuple[str, ...]) -> set[str]:
        """Every file in scope."""
        listed: set[str] = set()
        async with contextlib.aclosing(self.lines(["--files"], folders, exclude)) as lines:
            async for paths in lines:
                listed.update(paths)
        return listed

    async def prefilter(self, matchers: list[tuple[str, Matcher]]) -> list[str] | None:
        """ripgrep's arguments that name every file where some pattern may match (a superset),
        or ``None`` when no such arguments are known to be safe: then every file is read."""
        if self.binary is None:
            return None
        patterns: list[str] = []
        fold = False
        for _, matcher in matchers:
            spec = matcher.spec
            if matcher.zero_width:
                # It matches the empty line an empty file, or a text ending in a line break, ends
                # with (LSP counts it; ripgrep does not): every file must be read.
                return None
            if "\0" in spec.pattern or not _encodable(spec.pattern):
                return None
            if not spec.regex and "\ufffd" in spec.pattern:
                return None  # ripgrep would read a file with a UTF-16 byte-order mark as UTF-16
            if spec.regex and not _same_in_ripgrep(spec.pattern):
                return None
            beyond_ascii = not spec.pattern.isascii() or (spec.regex and "\\x" in spec.pattern)
            if not spec.case_sensitive and beyond_ascii:
                # RE2 and ripgrep fold a few letters beyond ASCII differently (U+0390 and U+1FD3
                # are one to RE2 only); ASCII letters alike.
                return None
            patterns.append(spec.pattern if spec.regex else _escape(spec.pattern))
            fold = fold or not spec.case_sensitive
        regexes = [m.spec.pattern for _, m in matchers if m.spec.regex]
        if regexes and not await self._accepts(regexes):
            return None
        arguments = ["--files-with-matches", "--text"]
        if any(map(_may_match_replacement, regexes)):
            # Read as grepls reads: bytes that are not UTF-8 become U+FFFD (ripgrep searches raw
            # bytes otherwise, and "." would not match them). Transcoding costs ripgrep a sixth
            # more time: literals and regexes that cannot match U+FFFD go without.
            arguments += ["--encoding", "utf-8"]
        else:
            # Raw bytes, as they are: without this, a file that begins with a UTF-16 byte-order
            # mark is read as UTF-16 by ripgrep, and as UTF-8 (U+FFFD for those two bytes) by
            # grepls, and its matches would be missed.
            arguments += ["--encoding", "none"]
        if not regexes:
            arguments.append("--fixed-strings")
            patterns = [m.spec.pattern for _, m in matchers]
        if fold:
            arguments.append("--ignore-case")
        for pattern in patterns:
            arguments += ["--regexp", pattern]
        return arguments

    async def _accepts(self, regexes: list[str]) -> bool:
        """Whether ripgrep compiles every regex (its syntax is nearly RE2's, not quite)."""
        assert self.binary is not None
        command = [self.binary, "--no-config", "--quiet"]
        for regex in regexes:
            command += ["--regexp", regex]
        process = await asyncio.create_subprocess_exec(
            *command,
            os.devnull,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        return await process.wait() in (0, 1)  # 2: an error

    def commands(
        self,
        arguments: list[str],
        folders: tuple[str, ...],
        exclude: tuple[str, ...],
        nice: bool = False,
    ) -> list[tuple[str, list[str]]]:
        """The ripgrep command to run in each folder (none without ripgrep: the user is told
        once); ``nice``: at ripgrep's lower priority (the scan worker runs at it already)."""
        if self.binary is None:
            if not self._told_missing:
                self._told_missing = True
                self._tell(
                    "grepls: the workspace scope needs ripgrep (rg), which was not found; "
                    "install the ripgrep package (pip install ripgrep)"
                )
            return []
        prefix = self._nice if nice else []
        # Paths end in NUL, the one byte a file name cannot hold (a newline it can).
        command = [*prefix, self.binary, "--no-config", "--no-messages", "--null", *arguments]
        for glob in exclude:
            command += ["--glob", "!" + glob]
        # ripgrep matches globs against paths relative to its working directory: run it in each
        # folder, and make the paths it prints absolute again. A folder inside another is
        # searched with it (else its files would be named, searched and counted twice).
        outermost = [f for f in folders if not any(_inside(f, other) for other in folders)]
        return [(folder, command) for folder in outermost if os.path.isdir(folder)]

    async def lines(
        self, arguments: list[str], folders: tuple[str, ...], exclude: tuple[str, ...]
    ) -> AsyncGenerator[list[str], None]:
        """The paths ripgrep prints for ``arguments`` over ``folders``, as they come (some twice,
        when a ripgrep on idle CPU only was starved and run again at ``nice``)."""
        for folder, command in self.commands(arguments, folders, exclude, nice=True):
            while True:
                starved: list[bool] = []
                async with contextlib.aclosing(self._run(folder, command, starved)) as paths:
                    async for batch in paths:
                        yield batch
                if not starved:
                    break

    async def _run(
        self, folder: str, command: list[str], starved: list[bool]
    ) -> AsyncGenerator[list[str], None]:
        """The paths one ripgrep prints in ``folder``; on idle CPU only (while the priority says
        so), watched: if it is starved, it is killed and ``starved`` gets an entry."""
        loop = asyncio.get_running_loop()
        # Started at once (no await), and read through a pipe transport of our own: asyncio's
        # subprocess transport, cancelled while it starts, waits forever for pipes that never
        # connected (Python 3.11), and a cancelled scan's task would never end.
        process = subprocess.Popen(
            command,
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        watch: StarvationWatch | None = None
        if self.priority.idle_only:
            idle(process.pid)

            def kill_starved() -> None:
                self.priority.starved("ripgrep")
                starved.append(True)
                with contextlib.suppress(ProcessLookupError):
                    process.kill()

            watch = StarvationWatch(lambda: (process.pid,), kill_starved)
        assert process.stdout is not None
        transport: asyncio.BaseTransport | None = None
        try:
            reader = asyncio.StreamReader(limit=1 << 16)
            protocol = functools.partial(asyncio.StreamReaderProtocol, reader)
            transport, _ = await loop.connect_read_pipe(protocol, process.stdout)
            prefix = folder.rstrip("/") + "/"
            encoding = sys.getfilesystemencoding()
            rest = b""
            while chunk := await reader.read(1 << 16):
                lines = (rest + chunk).split(b"\0")
                rest = lines.pop()
                names = b"\0".join(lines).decode(encoding, "surrogateescape").split("\0")
                yield [prefix + name for name in names if name]
            if rest:
                yield [prefix + os.fsdecode(rest)]
        finally:
            if watch is not None:
                watch.stop()
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
            if transport is not None:
                transport.close()
            else:
                process.stdout.close()
            # A child that has not exited yet is reaped by the subprocess module later.
            process.poll()


# RE2 and ripgrep's Rust regex read these the same way: escapes of punctuation, \t \n \r \f \v,
# \x hex, \p classes. Not \b \w \d \s and their negations (ASCII in RE2, Unicode in ripgrep),
# \A \z, \Q…\E, \< and \> (literal to RE2, word boundaries to ripgrep 14), flags groups, a
# class holding another or a set operation (``[a[b]]``, ``&&``, ``--``, ``~~``: literal to RE2,
# nesting, intersection, difference and symmetric difference to ripgrep), nor ^ and $ (a lone \r
# ends a line for LSP, not for ripgrep): a pattern with any of those is not prefiltered.
# Not \p and \P: RE2 and ripgrep hold different Unicode versions (U+2EBF0 is Han to one of them).
_SAFE_ESCAPES = frozenset("tnrfvx")
_UNSAFE_PUNCTUATION = frozenset("<>")  # escaped
_SET_OPERATIONS = ("&&", "--", "~~")
_META = frozenset("\\.+*?()|[]{}^$")


def _same_in_ripgrep(pattern: str) -> bool:
    """Whether ripgrep finds a superset of RE2's matches of ``pattern`` on every line."""
    escaped = False
    class_from: int | None = None  # where the bracketed class being read began
    for number, char in enumerate(pattern):
        if escaped:
            if (char.isalnum() and char not in _SAFE_ESCAPES) or char in _UNSAFE_PUNCTUATION:
                return False
            escaped = False
        elif char == "\\":
            escaped = True
        elif class_from is not None:
            # "]" first is a member, not the end; "[:alpha:]" both read alike, but "[:^alpha:]"
            # matches U+FFFD, what grepls reads bad bytes as (ripgrep reads them raw).
            nested = char == "[" and not pattern.startswith("[:", number)
            negated = pattern.startswith("[:^", number)
            if nested or negated or pattern.startswith(_SET_OPERATIONS, number):
                return False
            if char == "]" and number > class_from + 1:
                class_from = None
        elif char == "[":
            if pattern.startswith("^", number + 1):
                return False  # a negated class matches U+FFFD, what grepls reads bad bytes as
            class_from = number
        elif char in "^$":
            return False  # lines end at a lone \r for LSP, not for ripgrep
        elif (
            char == "("
            and pattern.startswith("?", number + 1)
            and not pattern.startswith(("?:", "?P<"), number + 1)
        ):
            return False
    return not escaped


def _may_match_replacement(pattern: str) -> bool:
    """Whether a regex (one :func:`_same_in_ripgrep` allows) may match U+FFFD, which grepls reads
    bytes that are not UTF-8 as: yes unless it is ASCII without ``.`` and without escapes of
    letters but ``\\t \\n \\r \\f \\v`` (no ``\\p`` class, no ``\\x`` code)."""
    if not pattern.isascii():
        return True
    escaped = False
    for char in pattern:
        if escaped:
            if char.isalnum() and char not in "tnrfv":
                return True
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ".":
            return True
    return False


def _inside(path: str, folder: str) -> bool:
    """Whether ``path`` is strictly inside ``folder``."""
    return path.startswith(folder.rstrip("/") + "/") and path != folder


def _escape(literal: str) -> str:
    return "".join("\\" + char if char in _META else char for char in literal)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
