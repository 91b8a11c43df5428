"""The publisher: the one owner of what the client has been shown, and of showing it again.

Documents change in bursts — a client sends several keystrokes before the server reads any of them.
The publisher collects the URIs whose matches may have changed (:meth:`Publisher.mark`) and, when
the transport has handled every message it has received (:meth:`Publisher.flush`), shows each one
once:

* **push** clients get ``textDocument/publishDiagnostics`` — only for a document whose matches
  changed since its last publish;
* **pull** clients ask (``textDocument/diagnostic``, :meth:`Publisher.report`) and are answered
  ``unchanged`` while their result id still names the current matches; when matches change without
  an edit (a new pattern or severity) they are sent ``workspace/diagnostic/refresh``.

After a pattern change, every document is searched again, one after the other: each is shown as
soon as it is (:meth:`Publisher.show`), so that the client reads one while the next is searched.

Diagnostics are always in document order (by position, then by pattern order), at most ``cap`` of
them per document and pattern — the first ones, so that an editor's own cuts (VS Code squiggles the
first 500 it receives) keep the top of the file. Each document's JSON is kept current line by line
(see :mod:`grepls.compose`), so a keystroke renders only the lines it touched.

Result ids come from one counter for the server's whole life, so an id never names two results,
even across a close and reopen; a closed file searched again to the same report keeps its id.
An open document with more matches than the cap is announced with ``window/showMessage``, once
for each pattern and cap, however often edits take it over and back, and in one message for the
patterns that go over at once (closed files: see
:mod:`grepls.workspace`, which tells of them once a scan has ended).

**Closed files** (the workspace scope, :mod:`grepls.workspace`) are shown the same way: the mapping
the publisher reads holds open documents and closed files alike (anything :class:`Shown`: a URI, a
version — ``None`` for a file on disk — and per pattern the matches by line). A closed file that
no longer has matches is :meth:`Publisher.closed` like a document, so a push client is sent an
empty list. Closed files are pushed at the pace the editor reads them (see
:meth:`Publisher.flush`): a scan makes them far faster than an editor takes them in. Pull
clients ask for closed files with ``workspace/diagnostic``
(:meth:`Publisher.workspace_report`): every closed file is answered ``full`` or, while the client's
result id still names it, ``unchanged``; a file that lost its matches is answered once with an
empty ``full`` report — so is a document just closed that the client no longer names (VS Code
forgets its pull state on close and keeps what its last document pull showed, expecting the
workspace pull to say the rest). When nothing changed since the client's ids, the request is
*parked* and answered at the first flush that has something new (a long poll, as VS Code expects:
it asks again as soon as it is answered). With a ``partialResultToken`` the reports are streamed as
``$/progress`` notifications and the answer itself is empty.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Mapping
from typing import Any

from grepls.compose import Composition, Shown
from grepls.counted import count_of
from grepls.document import Document
from grepls.patterns import message_names
from grepls.render import (
    DiagnosticRenderer,
    full_report_json,
    full_report_parts,
    item_pieces,
    publish_parts,
    unchanged_report_json,
)
from grepls.rpc import Endpoint, JsonParts, Later
from grepls.settings import CAP_NAMED, CAP_SETTING, DEFAULT_MAX_MATCHES, over_the_cap

WARNING = 2  # window/showMessage's MessageType.Warning
PUBLISH = "textDocument/publishDiagnostics"

# Workspace reports per $/progress notification when a pull client streams them.
PARTIAL_REPORTS = 500

UNREAD_BYTES = 32_768
"""Closed files are pushed only while the editor has less than this left to read of what was
sent: a few dozen small publishes, which Neovim (0.7-0.8 ms over each) gets through in 15-30 ms.
Half as much kept it from drawing for less long still, but it took a fifth longer to show them
all."""
PACE_SECONDS = 0.001
"""How soon closed files held back for the editor are tried again (at 3 ms, Neovim took longer to
show them all: it waited for more)."""
PACE_BUDGET = 0.0005
"""How long a paced flush may show closed files before it lets the editor's messages in."""


class Publisher:
    """Dirty set, render cache, result ids and cap notices, for every open document."""

    renderers: dict[str, DiagnosticRenderer]
    """Pattern id → its renderer, in pattern order."""
    cap: int
    """At most this many diagnostics per document and pattern."""
    pull: bool
    """Whether the client pulls diagnostics instead of being pushed them."""

    def __init__(self, endpoint: Endpoint, documents: Mapping[str, Shown]) -> None:
        self.endpoint = endpoint
        self.documents = documents
        self.renderers = {}
        self.cap = DEFAULT_MAX_MATCHES
        self.pull = False
        self._dirty: dict[str, None] = {}
        self._epoch = 0
        """Bumped when every diagnostic must be rendered again (new patterns, severity or cap)."""
        self._refresh = False
        """A pull client must be told to pull again at the next flush."""
        self._shown: dict[str, tuple[Shown, tuple[int, ...], int]] = {}
        """URI → (document, its tracks' generations, epoch) last pushed."""
        self._compositions: dict[str, Composition] = {}
        """URI → its diagnostics' JSON, kept current line by line."""
        self._result_ids: dict[str, tuple[Shown, tuple[int, ...], int, str]] = {}
        self._digests: dict[str, tuple[bytes, str]] = {}
        """URI → a digest of a closed file's last full report, and its result id."""
        self._serial = 0
        self._parked: list[tuple[Later, dict[str, str], Any]] = []
        """Workspace diagnostic requests waiting for something new: (answer, ids, token)."""
        self._changed = False
        """Something was marked or closed since the parked requests were last looked at."""
        self._emptied: dict[str, str] = {}
        """URI → the result id of the empty report a pull client was given for it."""
        self._closed_since: dict[str, None] = {}
        """Closed since the last workspace answer: owed an empty report unless still in scope."""
        self._announced: set[tuple[str, str]] = set()
        """(URI, pattern) whose excess over the cap the user has been told about."""
        self._blank: set[str] = set()
        """Documents last pushed with no diagnostics."""
        self._pacing: asyncio.TimerHandle | asyncio.Handle | None = None
        """The paced flush to come, while closed files wait for the editor to read."""

    def configure(self, renderers: dict[str, DiagnosticRenderer], cap: int) -> None:
        """New patterns, severities or cap: every document is shown again. Its composition keeps
        what the renderers kept (the same objects) have rendered: only the patterns that are new
        are rendered (see :mod:`grepls.compose`)."""
        # Told once per document and pattern: again for a pattern that is new or changed, or at
        # a new cap, not for those a change of something else left as they were.
        if cap != self.cap:
            self._announced.clear()
        else:
            held = self.renderers
            self._announced = {
                (uri, identifier)
                for uri, identifier in self._announced
                if identifier in renderers
                and identifier in held
                and renderers[identifier].pattern == held[identifier].pattern
            }
        self.renderers = renderers
        self.cap = cap
        self._epoch += 1
        self._refresh = True
        self._changed = True
        for uri in self.documents:
            self._dirty[uri] = None

    def mark(self, uri: str) -> None:
        """The matches of ``uri`` may have changed: show them at the next flush."""
        self._dirty[uri] = None
        if not isinstance(self.documents.get(uri), Document):
            self._changed = True  # a closed file: parked workspace requests have news

    def closed(self, uri: str) -> None:
        """``uri`` was closed: forget it, and clear a push client's list of its matches."""
        self._dirty.pop(uri, None)
        self._shown.pop(uri, None)
        self._compositions.pop(uri, None)
        self._result_ids.pop(uri, None)
        self._digests.pop(uri, None)
        self._announced = {held for held in self._announced if held[0] != uri}
        self._blank.discard(uri)
        self._changed = True
        self._closed_since[uri] = None
        if not self.pull:
            self.endpoint.send(*publish_parts(uri, None, ()), method=PUBLISH)

    def show(self, uri: str) -> None:
        """Show ``uri`` now if it waits to be shown, the others at the next flush: after a
        pattern change, each document is pushed as soon as it is searched again, *ahead* of the
        next one's search (see :class:`~grepls.rpc.Writer`), so the client reads one while the
        next is searched."""
        if uri not in self._dirty:
            return
        waiting, self._dirty = self._dirty, {uri: None}
        del waiting[uri]
        # The refresh and the parked answers wait for the flush, when every document is ready.
        refresh, changed = self._refresh, self._changed
        self._refresh = self._changed = False
        try:
            self.flush(ahead=bool(waiting))  # ahead only of other documents still to search
        finally:
            waiting.update(self._dirty)
            self._dirty = waiting
            self._refresh = self._refresh or refresh
            self._changed = self._changed or changed

    def flush(self, ahead: bool = False, budget: float | None = None) -> bool:
        """Show every document whose matches changed since it was last shown (``ahead`` of more
        work: see :meth:`show`): the open ones first, since the editor waits for what is typed
        there, then the closed files — with a ``budget`` (seconds), only until it is spent, the
        others left for the next flush (a scan stores files by the hundred, and a keystroke
        waits for every publish sent before it is read; so the budget is spent, too, once the
        editor has sent something) — but always one, so that flushing again and again comes to
        an end. Whether the caller has nothing left to flush.

        Closed files are also *paced*: pushed only while the editor has less than
        ``UNREAD_BYTES`` of what was sent still to read (the transport's ``output_backlog``).
        An editor that takes most of a millisecond over each publish (Neovim), handed a scan's
        thousands at once, read them by the hundred and stopped drawing for 40-430 ms at a time
        (``make bench-workspace-neovim``). The rest waits for it, and
        the publisher shows it itself, ``PACE_SECONDS`` later and again until it is all shown
        (not the caller's to flush again)."""
        dirty, self._dirty = self._dirty, {}
        documents = self.documents
        closed: list[tuple[str, Shown]] = []
        for uri in dirty:
            document = documents.get(uri)
            if isinstance(document, Document):
                self._show_one(uri, document, ahead)
            elif document is not None:
                closed.append((uri, document))
        complete = True
        deadline = None if budget is None else time.perf_counter() + budget
        waiting = self.endpoint.input_waiting
        unread = self.endpoint.output_backlog
        for position, (uri, document) in enumerate(closed):
            if not self.pull and unread() >= UNREAD_BYTES:
                self._hold(closed[position:])
                self._pace(PACE_SECONDS)
                break
            if position and deadline is not None and (time.perf_counter() >= deadline or waiting()):
                self._hold(closed[position:])
                complete = False
                break
            self._show_one(uri, document, ahead)
        if self._refresh:
            self._refresh = False
            if self.pull:
                self.endpoint.request("workspace/diagnostic/refresh", None, _ignore)
        if self._parked and self._changed:
            self._changed = False
            self._answer_parked()
        return complete

    def _hold(self, rest: list[tuple[str, Shown]]) -> None:
        """Leave ``rest`` for later: first at the next flush, before anything marked since."""
        held = dict.fromkeys(uri for uri, _ in rest)
        held.update(self._dirty)
        self._dirty = held

    def _pace(self, delay: float) -> None:
        """Flush again in ``delay`` seconds (once, however often asked meanwhile)."""
        if self._pacing is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no event loop (a test driving objects directly): the next flush shows them
        self._pacing = loop.call_later(delay, self._paced)

    def _paced(self) -> None:
        self._pacing = None
        if not self.flush(budget=PACE_BUDGET):
            self._pace(0)  # the budget ran out, not the editor: go on once its messages are in

    def _show_one(self, uri: str, document: Shown, ahead: bool) -> None:
        if isinstance(document, Document):
            self._announce_cap(document)
        if self.pull:
            return
        shown = (document, _generations(document), self._epoch)
        if self._shown.get(uri) == shown:
            return
        self._shown[uri] = shown
        rows = self._rows(document)
        if not rows:
            # No match left, or diagnostics turned off: one empty list says it; another would
            # change nothing.
            if uri in self._blank:
                return
            self._blank.add(uri)
        else:
            self._blank.discard(uri)
        self.endpoint.send(
            *publish_parts(uri, document.version, item_pieces(rows)), method=PUBLISH, ahead=ahead
        )

    def workspace_report(self, previous: dict[str, str], token: Any) -> bytes | Later:
        """The answer to ``workspace/diagnostic``: the closed files' reports, now if any is new
        to the client (``previous``: URI → its result id), else (a :class:`Later`) at the first
        flush that has one."""
        answer = self._workspace_answer(previous, token)
        if answer is not None:
            return answer
        later = Later()
        self._parked.append((later, previous, token))
        return later

    def _answer_parked(self) -> None:
        parked, self._parked = self._parked, []
        for later, previous, token in parked:
            if later.done:  # cancelled by the client
                continue
            answer = self._workspace_answer(previous, token)
            if answer is None:
                self._parked.append((later, previous, token))
            else:
                later.answer(answer)

    def _workspace_answer(self, previous: dict[str, str], token: Any) -> bytes | None:
        """The workspace report's JSON (its items streamed first, if there is a ``token``), or
        ``None`` when it would hold nothing new."""
        reports: list[bytes] = []
        new = False
        for uri, document in self.documents.items():
            if isinstance(document, Document):
                continue  # open documents are pulled one by one (textDocument/diagnostic)
            result_id, rows = self._closed_result_id(uri, document)
            if previous.get(uri) == result_id:
                reports.append(_workspace_item(uri, unchanged_report_json(result_id)))
            else:
                new = True
                full = full_report_json(result_id, b",".join(rows or self._rows(document)))
                reports.append(_workspace_item(uri, full))
        for uri, held in previous.items():
            if uri in self.documents or self._emptied.get(uri) == held:
                continue
            self._serial += 1
            self._emptied[uri] = result_id = str(self._serial)
            new = True
            reports.append(_workspace_item(uri, full_report_json(result_id, b"")))
        for uri in self._closed_since:
            if uri in self.documents or uri in previous:
                continue  # answered above
            self._serial += 1
            self._emptied[uri] = result_id = str(self._serial)
            new = True
            reports.append(_workspace_item(uri, full_report_json(result_id, b"")))
        if not new:
            return None
        self._closed_since.clear()
        if token is None:
            return b'{"items":[%s]}' % b",".join(reports)
        token_json = json.dumps(token).encode()
        for start in range(0, len(reports), PARTIAL_REPORTS):
            self.endpoint.send(
                b'{"jsonrpc":"2.0","method":"$/progress","params":{"token":',
                token_json,
                b',"value":{"items":[',
                b",".join(reports[start : start + PARTIAL_REPORTS]),
                b"]}}}",
                method="$/progress",
            )
        return b'{"items":[]}'

    def report(self, uri: str, previous_result_id: str | None) -> bytes | JsonParts:
        """The JSON result of ``textDocument/diagnostic`` for one document (a full report in
        parts, as a push is, so that a large one is not copied into one string)."""
        document = self.documents.get(uri)
        if document is None:
            return full_report_json(self._result_id(uri, None), b"")
        result_id = self._result_id(uri, document)
        if previous_result_id == result_id:
            return unchanged_report_json(result_id)
        return JsonParts(full_report_parts(result_id, item_pieces(self._rows(document))))

    def _result_id(self, uri: str, document: Shown | None) -> str:
        generations = _generations(document) if document is not None else ()
        held = self._result_ids.get(uri)
        if held is not None and held[0] is document and held[1:3] == (generations, self._epoch):
            return held[3]
        self._serial += 1
        result_id = str(self._serial)
        if document is not None:
            self._result_ids[uri] = (document, generations, self._epoch, result_id)
        return result_id

    def _closed_result_id(self, uri: str, document: Shown) -> tuple[str, list[bytes] | None]:
        """A closed file's result id, and its rows when they had to be rendered to know it. A
        file searched again (a rescan: a folder added, a pattern added that it does not hold)
        whose report is the same keeps its id, so the client is told ``unchanged`` rather than
        sent every file again."""
        held = self._result_ids.get(uri)
        generations = _generations(document)
        if held is not None and held[0] is document and held[1:3] == (generations, self._epoch):
            return held[3], None
        rows = self._rows(document)
        digest = hashlib.blake2b(b"\n".join(rows), digest_size=16).digest()
        kept = self._digests.get(uri)
        if kept is not None and kept[0] == digest:
            result_id = kept[1]
        else:
            self._serial += 1
            result_id = str(self._serial)
            self._digests[uri] = (digest, result_id)
        self._result_ids[uri] = (document, generations, self._epoch, result_id)
        return result_id, rows

    def _rows(self, document: Shown) -> list[bytes]:
        """The document's diagnostics as JSON, a chunk of array items per line (see
        :mod:`grepls.compose`; read them before the next call)."""
        composition = self._compositions.get(document.uri)
        if composition is None:
            composition = self._compositions[document.uri] = Composition()
        return composition.rows(document, self.renderers, self.cap)

    def _announce_cap(self, document: Document) -> None:
        """Tell the user of each pattern that has more matches in an open document than the
        cap shows (closed files are the workspace's to tell of, once a scan has ended)."""
        cap, uri = self.cap, document.uri
        over: list[tuple[str, int | None]] = []  # (pattern id, the count if known)
        for identifier, track in document.tracks.items():
            index = track.index
            key = (uri, identifier)
            # Once per document and pattern: a user typing just around the cap (a line added,
            # then removed) must not get a message box per keystroke — Neovim stops for "Press
            # ENTER" on each.
            if (index.count <= cap and index.exact) or key in self._announced:
                continue
            self._announced.add(key)
            # Where the search stopped at the cap, the rest was never counted.
            over.append((identifier, index.count if index.exact else None))
        if not over:
            return
        names = message_names(
            (identifier, track.matcher.spec) for identifier, track in document.tracks.items()
        )
        # Diagnostics turned off (an editor that paints the matches itself, past the cap): the
        # cap cuts what is listed (listMatches, semantic tokens), and the user is told so too.
        shown = "showing" if self.renderers else "listing"
        name = uri.rsplit("/", 1)[-1]
        if len(over) == 1:
            ((identifier, count),) = over
            message = over_the_cap(names[identifier], name, count, cap, shown)
        else:
            # Several patterns over the cap at once (a file opened, or one keystroke): one
            # message of a few names, whatever their number, since each message box is one more
            # "Press ENTER" in Neovim.
            named = ", ".join(names[identifier] for identifier, _ in over[:CAP_NAMED])
            more = f" and {len(over) - CAP_NAMED} more" if len(over) > CAP_NAMED else ""
            message = (
                f"grepls: {len(over)} patterns have more than {count_of(cap, 'match')} in {name} "
                f"({named}{more}); {shown} the first {cap:,} of each {CAP_SETTING}"
            )
        self.endpoint.notify("window/showMessage", {"type": WARNING, "message": message})


def _generations(document: Shown) -> tuple[int, ...]:
    return tuple(track.index.generation for track in document.tracks.values())


def _workspace_item(uri: str, report: bytes) -> bytes:
    """A document report as an item of a workspace report: with its URI and no version."""
    return b'{"uri":%s,"version":null,%s' % (json.dumps(uri).encode(), report[1:])


def _ignore(result: object) -> None:
    """The client's answer to a refresh request carries nothing."""
