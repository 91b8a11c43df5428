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

Diagnostics are always in document order, at most ``cap`` of them per document — the first ones,
so that an editor's own cuts (VS Code squiggles the first 500 it receives) keep the top of the file.
Each line's JSON is cached with the span list it was rendered from, cut where its line number
goes: the match index gives a line whose matches changed a new list and keeps the list of a line
that only moved, so a keystroke renders the lines it touched, and a line it moved (a line typed
above a thousand matches moves them all) is the same pieces joined with its new number.

Result ids come from one counter for the server's whole life, so an id never names two results,
even across a close and reopen. A document with more matches than the cap is announced once with
``window/showMessage``, once for each pattern and cap, however often edits take it over and back.
"""

from __future__ import annotations

from collections.abc import Mapping

from grepls.document import Document
from grepls.positions import SPAN
from grepls.render import (
    DiagnosticRenderer,
    full_report_json,
    publish_parts,
    unchanged_report_json,
)
from grepls.rpc import Endpoint
from grepls.settings import DEFAULT_MAX_MATCHES

WARNING = 2  # window/showMessage's MessageType.Warning


class Publisher:
    """Dirty set, render cache, result ids and cap notices, for every open document."""

    renderer: DiagnosticRenderer | None
    """Renders the active pattern's matches; ``None`` while no pattern is set."""
    cap: int
    """At most this many diagnostics per document."""
    pull: bool
    """Whether the client pulls diagnostics instead of being pushed them."""

    def __init__(self, endpoint: Endpoint, documents: Mapping[str, Document]) -> None:
        self.endpoint = endpoint
        self.documents = documents
        self.renderer = None
        self.cap = DEFAULT_MAX_MATCHES
        self.pull = False
        self._dirty: dict[str, None] = {}
        self._epoch = 0
        """Bumped when every diagnostic must be rendered again (new pattern, severity or cap)."""
        self._refresh = False
        """A pull client must be told to pull again at the next flush."""
        self._shown: dict[str, tuple[Document, int, int]] = {}
        """URI → (document, index generation, epoch) last pushed."""
        self._rendered: dict[str, dict[int, tuple[list[SPAN], list[bytes], int, bytes]]] = {}
        """URI → id of a line's span list → (that list, its JSON pieces, the line number last
        joined in, the JSON). The index keeps a line's list when the line only moves."""
        self._result_ids: dict[str, tuple[Document, int, int, str]] = {}
        self._serial = 0
        self._announced: set[str] = set()
        """Documents whose excess over the cap the user has been told about (this pattern)."""
        self._blank: set[str] = set()
        """Documents last pushed with no diagnostics: another empty list would change nothing."""

    def configure(self, renderer: DiagnosticRenderer | None, cap: int) -> None:
        """A new pattern, severity or cap: every document is rendered and shown again."""
        self.renderer = renderer
        self.cap = cap
        self._epoch += 1
        self._rendered.clear()
        self._announced.clear()
        self._refresh = True
        for uri in self.documents:
            self._dirty[uri] = None

    def mark(self, uri: str) -> None:
        """The matches of ``uri`` may have changed: show them at the next flush."""
        self._dirty[uri] = None

    def closed(self, uri: str) -> None:
        """``uri`` was closed: forget it, and clear a push client's list of its matches."""
        self._dirty.pop(uri, None)
        self._shown.pop(uri, None)
        self._rendered.pop(uri, None)
        self._result_ids.pop(uri, None)
        self._announced.discard(uri)
        self._blank.discard(uri)
        if not self.pull:
            self.endpoint.send(*publish_parts(uri, None, b""))

    def flush(self) -> None:
        """Show every document whose matches changed since it was last shown."""
        dirty, self._dirty = self._dirty, {}
        for uri in dirty:
            document = self.documents.get(uri)
            if document is None:
                continue
            self._announce_cap(document)
            if self.pull:
                continue
            shown = (document, document.index.generation, self._epoch)
            if self._shown.get(uri) == shown:
                continue
            self._shown[uri] = shown
            items = self._items(document)
            if not items:
                # With diagnostics turned off, or no match left, a keystroke sends nothing.
                if uri in self._blank:
                    continue
                self._blank.add(uri)
            else:
                self._blank.discard(uri)
            self.endpoint.send(*publish_parts(uri, document.version, items))
        if self._refresh:
            self._refresh = False
            if self.pull:
                self.endpoint.request("workspace/diagnostic/refresh", None, _ignore)

    def report(self, uri: str, previous_result_id: str | None) -> bytes:
        """The JSON result of ``textDocument/diagnostic`` for one document."""
        document = self.documents.get(uri)
        if document is None:
            return full_report_json(self._result_id(uri, None), b"")
        result_id = self._result_id(uri, document)
        if previous_result_id == result_id:
            return unchanged_report_json(result_id)
        return full_report_json(result_id, self._items(document))

    def _result_id(self, uri: str, document: Document | None) -> str:
        generation = document.index.generation if document is not None else -1
        held = self._result_ids.get(uri)
        if held is not None and held[0] is document and held[1:3] == (generation, self._epoch):
            return held[3]
        self._serial += 1
        result_id = str(self._serial)
        if document is not None:
            self._result_ids[uri] = (document, generation, self._epoch, result_id)
        return result_id

    def _items(self, document: Document) -> bytes:
        """The first ``cap`` diagnostics of the document, in document order, as JSON array items."""
        renderer = self.renderer
        lines = document.index.lines
        if renderer is None or not lines:
            self._rendered.pop(document.uri, None)
            return b""
        held = self._rendered.get(document.uri, {})
        rendered: dict[int, tuple[list[SPAN], list[bytes], int, bytes]] = {}
        parts: list[bytes] = []
        left = self.cap
        for line in sorted(lines):
            spans = lines[line]
            if len(spans) > left:  # the cap falls inside this line
                parts.append(renderer.line(line, spans[:left]))
                break
            entry = held.get(id(spans))
            if entry is None or entry[0] is not spans:
                pieces = renderer.pieces(spans)
                entry = (spans, pieces, line, str(line).encode().join(pieces))
            elif entry[2] != line:  # moved: the same diagnostics with another line number
                entry = (spans, entry[1], line, str(line).encode().join(entry[1]))
            rendered[id(spans)] = entry
            parts.append(entry[3])
            left -= len(spans)
            if not left:
                break
        self._rendered[document.uri] = rendered
        return b",".join(parts)

    def _announce_cap(self, document: Document) -> None:
        index, cap, uri = document.index, self.cap, document.uri
        # Once per document and pattern: a user typing just around the cap (a line added, then
        # removed) must not get a message box per keystroke — Neovim stops for "Press ENTER".
        if (index.count <= cap and index.exact) or uri in self._announced:
            return
        if self.renderer is None:
            return
        self._announced.add(uri)
        name = uri.rsplit("/", 1)[-1]
        # Where the search stopped at the cap, the rest was never counted.
        how_many = f"{index.count:,}" if index.exact else f"more than {cap:,}"
        self.endpoint.notify(
            "window/showMessage",
            {
                "type": WARNING,
                "message": f"grepls: {how_many} matches of {self.renderer.pattern} in {name}; "
                f"showing "
                f"the first {cap:,} (setting grepls.maxMatchesPerDocument)",
            },
        )


def _ignore(result: object) -> None:
    """The client's answer to a refresh request carries nothing."""
