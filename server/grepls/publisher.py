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

Diagnostics are always in document order (by position, then by pattern order), at most ``cap`` of
them per document and pattern — the first ones, so that an editor's own cuts (VS Code squiggles the
first 500 it receives) keep the top of the file. Each document's JSON is kept current line by line
(see :mod:`grepls.compose`), so a keystroke renders only the lines it touched.

Result ids come from one counter for the server's whole life, so an id never names two results,
even across a close and reopen. A document with more matches than the cap is announced with
``window/showMessage``, once for each pattern and cap, however often edits take it over and back.
"""

from __future__ import annotations

from collections.abc import Mapping

from grepls.compose import Composition
from grepls.document import Document
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

    renderers: dict[str, DiagnosticRenderer]
    """Pattern id → its renderer, in pattern order."""
    cap: int
    """At most this many diagnostics per document and pattern."""
    pull: bool
    """Whether the client pulls diagnostics instead of being pushed them."""

    def __init__(self, endpoint: Endpoint, documents: Mapping[str, Document]) -> None:
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
        self._shown: dict[str, tuple[Document, tuple[int, ...], int]] = {}
        """URI → (document, its tracks' generations, epoch) last pushed."""
        self._compositions: dict[str, Composition] = {}
        """URI → its diagnostics' JSON, kept current line by line."""
        self._result_ids: dict[str, tuple[Document, tuple[int, ...], int, str]] = {}
        self._serial = 0
        self._announced: set[tuple[str, str]] = set()
        """(URI, pattern) whose excess over the cap the user has been told about."""
        self._blank: set[str] = set()
        """Documents last pushed with no diagnostics."""

    def configure(self, renderers: dict[str, DiagnosticRenderer], cap: int) -> None:
        """New patterns, severities or cap: every document is rendered and shown again."""
        self.renderers = renderers
        self.cap = cap
        self._epoch += 1
        self._compositions.clear()
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
        self._compositions.pop(uri, None)
        self._result_ids.pop(uri, None)
        self._announced = {held for held in self._announced if held[0] != uri}
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
            shown = (document, _generations(document), self._epoch)
            if self._shown.get(uri) == shown:
                continue
            self._shown[uri] = shown
            items = self._items(document)
            if not items:
                # No match left, or diagnostics turned off: one empty list says it; another
                # would change nothing.
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
        generations = _generations(document) if document is not None else ()
        held = self._result_ids.get(uri)
        if held is not None and held[0] is document and held[1:3] == (generations, self._epoch):
            return held[3]
        self._serial += 1
        result_id = str(self._serial)
        if document is not None:
            self._result_ids[uri] = (document, generations, self._epoch, result_id)
        return result_id

    def _items(self, document: Document) -> bytes:
        """The document's diagnostics as JSON array items (see :mod:`grepls.compose`)."""
        composition = self._compositions.get(document.uri)
        if composition is None:
            composition = self._compositions[document.uri] = Composition()
        return composition.json(document, self.renderers, self.cap)

    def _announce_cap(self, document: Document) -> None:
        cap, uri = self.cap, document.uri
        for identifier, track in document.tracks.items():
            index = track.index
            key = (uri, identifier)
            # Once per document and pattern: a user typing just around the cap (a line added,
            # then removed) must not get a message box per keystroke — Neovim stops for "Press
            # ENTER" on each.
            if (index.count <= cap and index.exact) or key in self._announced:
                continue
            renderer = self.renderers.get(identifier)
            if renderer is None:
                continue
            self._announced.add(key)
            name = uri.rsplit("/", 1)[-1]
            # Where the search stopped at the cap, the rest was never counted.
            how_many = f"{index.count:,}" if index.exact else f"more than {cap:,}"
            self.endpoint.notify(
                "window/showMessage",
                {
                    "type": WARNING,
                    "message": f"grepls: {how_many} matches of "
                    f"{renderer.pattern.spec.describe()} in {name}; showing the first {cap:,} "
                    "(setting grepls.maxMatchesPerDocument)",
                },
            )


def _generations(document: Document) -> tuple[int, ...]:
    return tuple(track.index.generation for track in document.tracks.values())


def _ignore(result: object) -> None:
    """The client's answer to a refresh request carries nothing."""
