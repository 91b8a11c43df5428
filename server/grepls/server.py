"""The language server: where LSP meets grepls. Every protocol method is wired here, once.

Model
-----
* The server holds the open documents (:class:`~grepls.document.Document`, keyed by URI), the
  active pattern compiled as a :class:`~grepls.matcher.Matcher`, and the settings.
* pygls's built-in ``didOpen``/``didChange``/``didClose`` handlers are replaced on
  :class:`GreplsProtocol` so that the text is held once — in our line store — and never re-split
  by pygls's workspace.
* Each document has one grep coroutine bound to the active pattern. Setting a pattern closes every
  coroutine and starts fresh ones; clearing it closes them.
* After a batch of messages, every document whose matches changed is published once
  (coalescing a burst of keystrokes into one publish). Clients that declare pull diagnostics and
  refresh support are answered through ``textDocument/diagnostic`` instead, and sent
  ``workspace/diagnostic/refresh`` when matches change without an edit — never both models at once.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method

from grepls import __version__
from grepls.document import Change, Document
from grepls.matcher import Matcher
from grepls.pattern import PatternError, PatternSpec, parse_pattern_argument
from grepls.positions import Encoding, column_to_index
from grepls.publish import (
    DiagnosticRenderer,
    RenderCache,
    diagnostics_json,
    full_report_json,
    publish_parts,
    unchanged_report_json,
)
from grepls.settings import Settings, parse_settings

logger = logging.getLogger(__name__)

SET_PATTERN = "grepls.setPattern"
CLEAR_PATTERN = "grepls.clearPattern"
LIST_MATCHES = "grepls.listMatches"

# After loading this many lines (or characters, for a text not split yet), settle the memory
# (see _settle_memory).
_LARGE_DOCUMENT_LINES = 10_000
_LARGE_DOCUMENT_CHARACTERS = 400_000

try:
    _LIBC: ctypes.CDLL | None = ctypes.CDLL("libc.so.6")
except OSError:  # not glibc: nothing to trim
    _LIBC = None


def _settle_memory() -> None:
    """After a large load: freeze the surviving objects, so that full garbage collections stop
    walking them on every keystroke (they made the latency tail), and hand the freed transient
    buffers — the message, the joined text — back to the system."""
    gc.freeze()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


class GreplsProtocol(LanguageServerProtocol):
    """pygls's protocol, with the document lifecycle routed to our own line stores."""

    _server: GreplsServer

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams) -> Any:
        result = yield from super().lsp_initialize(params)
        self._server.initialize(params, result)
        return result

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        self._server.open_document(item.uri, item.version, item.text)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> None:
        changes = []
        for change in params.content_changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                start, end = change.range.start, change.range.end
                changes.append(
                    Change(change.text, (start.line, start.character, end.line, end.character))
                )
            else:
                changes.append(Change(change.text))
        document = params.text_document
        self._server.change_document(document.uri, document.version, changes)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> None:
        self._server.close_document(params.text_document.uri)


class GreplsServer(LanguageServer):
    """The grepls language server and all of its state."""

    documents: dict[str, Document]
    """The open documents, by URI."""
    matcher: Matcher | None
    """The active pattern, compiled; ``None`` when no pattern is set."""
    settings: Settings
    """The settings in force."""
    encoding: Encoding
    """The position encoding negotiated at ``initialize``."""
    pull: bool
    """Whether the client pulls diagnostics (``textDocument/diagnostic``) instead of pushes."""
    renderer: DiagnosticRenderer | None
    """Renders matches as diagnostic JSON for the active pattern and severity."""
    exit_status: int | None
    """Set when the client sent ``exit``: 0 after ``shutdown``, else 1."""

    def __init__(self) -> None:
        super().__init__("grepls", __version__, protocol_cls=GreplsProtocol)
        self.documents = {}
        self.matcher = None
        self.settings = Settings()
        self.encoding = "utf-16"
        self.pull = False
        self.renderer = None
        self._dirty: dict[str, None] = {}
        self._flush_scheduled = False
        self._pending_refresh = False
        self._epoch = 0
        self.exit_status = None
        self._initial_options: Any = None
        self._settle_scheduled = False
        self._sending: set[asyncio.Future[None]] = set()
        self._rendered: dict[str, RenderCache] = {}

    # -- lifecycle ---------------------------------------------------------------------------

    def initialize(self, params: types.InitializeParams, result: types.InitializeResult) -> None:
        """Record what the client negotiated; read the initialization options."""
        capabilities = result.capabilities
        encoding = capabilities.position_encoding or "utf-16"
        self.encoding = encoding if encoding in ("utf-8", "utf-16", "utf-32") else "utf-16"  # type: ignore[assignment]
        client = params.capabilities
        pull = bool(
            client.text_document
            and client.text_document.diagnostic
            and client.workspace
            and client.workspace.diagnostics
            and client.workspace.diagnostics.refresh_support
        )
        self.pull = pull
        if not pull:
            # Advertising a diagnostic provider to a client we push to would invite it to pull
            # as well, and every match would be shown twice.
            capabilities.diagnostic_provider = None
        if params.initialization_options is not None:
            self._initial_options = params.initialization_options
            self.apply_settings(params.initialization_options)

    def send_raw(self, *parts: bytes) -> None:
        """Write one JSON-RPC message whose body is already JSON, given in pieces."""
        protocol = self.protocol
        writer = protocol.writer
        if writer is None:
            return
        if protocol._include_headers:
            length = sum(map(len, parts))
            parts = (b"Content-Length: %d\r\n\r\n" % length, *parts)
        # With writelines, a large publish reaches the kernel without another copy.
        writelines = getattr(writer, "writelines", None)
        pending = writelines(parts) if writelines else writer.write(b"".join(parts))
        if pending is not None:  # a WebSocket send: keep it until it is done
            task = asyncio.ensure_future(pending)
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    # -- documents ---------------------------------------------------------------------------

    def open_document(self, uri: str, version: int | None, text: str) -> None:
        old = self.documents.pop(uri, None)
        if old is not None:
            old.close()
        document = Document(uri, version, text)
        self.documents[uri] = document
        document.bind(self.matcher, self.settings.max_matches_per_document)
        if self.matcher is not None:
            self._mark(uri)
        if document.split_pending:
            # The first matches were found in the whole text: publish them, then split it.
            self._soon(lambda: self._split(document))
        if _is_large(document):
            self._settle_memory_soon()

    def _split(self, document: Document) -> None:
        """Split a slice of a text just opened, and come back for the next one after whatever
        messages have arrived meanwhile (a keystroke does not wait for the whole split)."""
        while self.documents.get(document.uri) is document and document.split_some():
            try:
                asyncio.get_running_loop().call_soon(self._split, document)
                return
            except RuntimeError:  # no loop (unit use): split on
                continue

    def change_document(self, uri: str, version: int | None, changes: list[Change]) -> None:
        document = self.documents.get(uri)
        if document is None:
            logger.warning("didChange for %s, which is not open: ignored", uri)
            return
        document.apply(changes, self.encoding)
        document.version = version
        self._mark(uri)

    def close_document(self, uri: str) -> None:
        document = self.documents.pop(uri, None)
        if document is None:
            return
        document.close()
        self._dirty.pop(uri, None)
        self._rendered.pop(uri, None)
        if not self.pull:
            self.send_raw(*publish_parts(uri, None, b""))

    # -- patterns ----------------------------------------------------------------------------

    def set_pattern(self, spec: PatternSpec | None) -> None:
        """Make ``spec`` the active pattern, or clear it with ``None``; raises PatternError."""
        matcher = Matcher(spec, self.encoding) if spec is not None else None
        self.matcher = matcher
        self._epoch += 1
        self._rendered.clear()
        self.renderer = (
            DiagnosticRenderer(spec, self.settings.severity) if spec is not None else None
        )
        big = False
        for document in self.documents.values():
            document.bind(matcher, self.settings.max_matches_per_document)
            self._mark(document.uri)
            big = big or _is_large(document)
        self._pending_refresh = True
        self._schedule_flush()
        if big:
            self._settle_memory_soon()

    def _settle_memory_soon(self) -> None:
        """Settle memory once the message being handled — maybe a whole document — is freed."""
        if self._settle_scheduled:
            return
        self._settle_scheduled = True

        def settle() -> None:
            self._settle_scheduled = False
            _settle_memory()

        self._soon(settle)

    @staticmethod
    def _soon(callback: Callable[[], None]) -> None:
        """Run ``callback`` once the message being handled is done (at once, without a loop)."""
        try:
            asyncio.get_running_loop().call_soon(callback)
        except RuntimeError:  # no loop (unit use)
            callback()

    def total_matches(self) -> int:
        """Matches over the open documents (at least this many where a document hit the cap)."""
        return sum(document.index.count for document in self.documents.values())

    def all_counted(self) -> bool:
        """Whether :meth:`total_matches` is exact (no document stopped searching at its cap)."""
        return all(document.index.exact for document in self.documents.values())

    # -- settings ----------------------------------------------------------------------------

    def apply_settings(self, raw: Any) -> None:
        """Take new settings; report bad keys; re-publish what they change."""
        settings, problems = parse_settings(raw)
        for problem in problems:
            self.show_message(problem, types.MessageType.Warning)
        old = self.settings
        self.settings = settings
        if settings.pattern != old.pattern and settings.pattern is not None:
            try:
                self.set_pattern(settings.pattern)
            except PatternError as error:
                self.show_message(f"grepls.pattern ignored: {error}", types.MessageType.Warning)
                self.settings = Settings(
                    old.pattern, settings.severity, settings.max_matches_per_document
                )
        if settings.severity != old.severity and self.matcher is not None:
            self.renderer = DiagnosticRenderer(self.matcher.spec, settings.severity)
            self._rerender_all()
        elif settings.max_matches_per_document != old.max_matches_per_document:
            if self.matcher is not None:
                # The coroutines search as far as the cap: start them again with the new one.
                self.set_pattern(self.matcher.spec)
            self._rerender_all()

    def _rerender_all(self) -> None:
        self._epoch += 1
        self._rendered.clear()
        for document in self.documents.values():
            document.published = -1
            self._mark(document.uri)
        self._pending_refresh = True
        self._schedule_flush()

    def fetch_configuration(self) -> None:
        """Ask the client for the ``grepls`` settings, if it answers ``workspace/configuration``."""
        workspace = self.client_capabilities.workspace
        if not (workspace and workspace.configuration):
            return

        def received(result: Sequence[Any | None]) -> None:
            # The client's configuration refines the initialization options, key by key.
            section = result[0] if result else None
            merged = _section(self._initial_options)
            if isinstance(section, dict):
                merged = {**merged, **section}
            elif section is not None:
                merged = section
            self.apply_settings(merged)

        try:
            self.workspace_configuration(
                types.ConfigurationParams(items=[types.ConfigurationItem(section="grepls")]),
                callback=received,
            )
        except Exception:
            logger.exception("workspace/configuration failed")

    def show_message(self, message: str, kind: types.MessageType) -> None:
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    # -- publishing --------------------------------------------------------------------------

    def _mark(self, uri: str) -> None:
        self._dirty[uri] = None
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if self._flush_scheduled:
            return
        self._flush_scheduled = True
        self._soon(self.flush)

    def flush(self) -> None:
        """Publish every document whose matches changed since it was last published."""
        self._flush_scheduled = False
        dirty, self._dirty = self._dirty, {}
        for uri in dirty:
            document = self.documents.get(uri)
            if document is None:
                continue
            self._announce_cap(document)
            if self.pull:
                continue
            if document.published == document.index.generation:
                continue
            document.published = document.index.generation
            items = diagnostics_json(
                document.index,
                self.renderer,
                self.settings.max_matches_per_document,
                self._rendered.setdefault(uri, {}),
            )
            self.send_raw(*publish_parts(uri, document.version, items))
        if self._pending_refresh:
            self._pending_refresh = False
            if self.pull:
                self.workspace_diagnostic_refresh(None)

    def _announce_cap(self, document: Document) -> None:
        cap = self.settings.max_matches_per_document
        if document.index.count <= cap:
            document.capped_announced = False
            return
        if document.capped_announced or self.matcher is None:
            return
        document.capped_announced = True
        name = document.uri.rsplit("/", 1)[-1]
        how_many = (
            f"{document.index.count:,}"
            if document.index.exact
            else f"more than {cap:,}"  # the search stopped there: the rest was never counted
        )
        self.show_message(
            f"grepls: {how_many} matches of {self.matcher.spec.describe()} in {name}; "
            f"showing the first {cap:,} (setting grepls.maxMatchesPerDocument)",
            types.MessageType.Warning,
        )

    def pull_report(self, uri: str, previous_result_id: str | None) -> bytes:
        """The JSON result of ``textDocument/diagnostic`` for one document."""
        document = self.documents.get(uri)
        if document is None:
            return full_report_json(f"{self._epoch}:closed", b"")
        result_id = f"{self._epoch}:{document.index.generation}"
        if previous_result_id == result_id:
            return unchanged_report_json(result_id)
        items = diagnostics_json(
            document.index,
            self.renderer,
            self.settings.max_matches_per_document,
            self._rendered.setdefault(uri, {}),
        )
        return full_report_json(result_id, items)

    def shown_matches(self, document: Document) -> Iterator[tuple[int, int, int]]:
        """(line, start, end) of the matches an editor is shown: the first
        ``maxMatchesPerDocument`` in document order, like the diagnostics."""
        lines = document.index.lines
        return islice(
            ((line, start, end) for line in sorted(lines) for start, end in lines[line]),
            self.settings.max_matches_per_document,
        )

    def highlights(self, uri: str) -> list[dict[str, Any]]:
        """Every match shown in the document, as DocumentHighlight objects (kind Text)."""
        document = self.documents.get(uri)
        if document is None:
            return []
        return [
            {"range": _range(line, start, end), "kind": 1}
            for line, start, end in self.shown_matches(document)
        ]

    def list_matches(self, uri: str) -> list[dict[str, Any]]:
        """Every match shown in the document, with the text of its line."""
        document = self.documents.get(uri)
        if document is None:
            raise PatternError(f"grepls.listMatches: {uri} is not an open document")
        lines = document.lines
        return [
            {
                "range": _range(line, start, end),
                "text": _excerpt(lines.line(line), start, self.encoding),
            }
            for line, start, end in self.shown_matches(document)
        ]


# listMatches sends each match's line; a longer line is cut to this many characters around the match
# (a 10 MB minified line with thousands of matches would otherwise make a response of gigabytes).
EXCERPT_CHARACTERS = 1000


def _excerpt(text: str, column: int, encoding: Encoding) -> str:
    """The line of a match, or for a very long line the part around the match, marked with "…"."""
    if len(text) <= EXCERPT_CHARACTERS:
        return text
    index = column_to_index(text, column, encoding)
    first = max(0, min(index - EXCERPT_CHARACTERS // 4, len(text) - EXCERPT_CHARACTERS))
    last = first + EXCERPT_CHARACTERS
    return ("…" if first else "") + text[first:last] + ("…" if last < len(text) else "")


def _is_large(document: Document) -> bool:
    lines = document.lines
    if lines.split_pending:  # counting its lines would take a pass over the text
        return lines.pending_characters >= _LARGE_DOCUMENT_CHARACTERS
    return len(lines) >= _LARGE_DOCUMENT_LINES


def _range(line: int, start: int, end: int) -> dict[str, Any]:
    return {"start": {"line": line, "character": start}, "end": {"line": line, "character": end}}


def _section(options: Any) -> dict[str, Any]:
    """The ``grepls`` settings inside initialization options, which may or may not nest them."""
    if isinstance(options, dict):
        nested = options.get("grepls")
        return dict(nested) if isinstance(nested, dict) else dict(options)
    return {}


def invalid_params(message: str) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams(message=message)


def create_server() -> GreplsServer:
    """A new server with every feature and command registered."""
    server = GreplsServer()

    @server.feature(types.INITIALIZED)
    def initialized(ls: GreplsServer, params: types.InitializedParams) -> None:
        """Read the client's ``grepls`` settings."""
        ls.fetch_configuration()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(
        ls: GreplsServer, params: types.DidChangeConfigurationParams
    ) -> None:
        """Re-read the settings: pulled when the client can answer, else taken from the push."""
        workspace = ls.client_capabilities.workspace
        if workspace and workspace.configuration:
            ls.fetch_configuration()
        elif isinstance(params.settings, dict) and "grepls" in params.settings:
            ls.apply_settings(params.settings["grepls"])

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)
    def document_highlight(
        ls: GreplsServer, params: types.DocumentHighlightParams
    ) -> list[dict[str, Any]]:
        """Every match in the document, wherever the cursor is."""
        return ls.highlights(params.text_document.uri)

    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(
            identifier="grepls", inter_file_dependencies=False, workspace_diagnostics=False
        ),
    )
    def document_diagnostic(ls: GreplsServer, params: types.DocumentDiagnosticParams) -> Any:
        """The pull model: the document's matches, or "unchanged" when the result id still holds."""
        return json.loads(ls.pull_report(params.text_document.uri, params.previous_result_id))

    @server.command(SET_PATTERN)
    def set_pattern(ls: GreplsServer, *arguments: Any) -> dict[str, Any]:
        """Set the active pattern: ``"TODO"`` or ``{"pattern": ..., "regex": ..., ...}``."""
        try:
            spec = parse_pattern_argument(list(arguments))
            ls.set_pattern(spec)
        except PatternError as error:
            raise invalid_params(str(error)) from None
        return {
            "pattern": spec.pattern,
            "matches": ls.total_matches(),
            "complete": ls.all_counted(),
        }

    @server.command(CLEAR_PATTERN)
    def clear_pattern(ls: GreplsServer, *arguments: Any) -> dict[str, Any]:
        """Clear the active pattern; every open document is published with no matches."""
        if arguments:
            raise invalid_params(f"{CLEAR_PATTERN} takes no arguments, got {len(arguments)}")
        ls.set_pattern(None)
        return {"pattern": None, "matches": 0}

    @server.command(LIST_MATCHES)
    def list_matches(ls: GreplsServer, *arguments: Any) -> list[dict[str, Any]]:
        """The matches of one open document, with their lines: ``[uri]``."""
        if len(arguments) != 1 or not isinstance(arguments[0], str):
            raise invalid_params(f"{LIST_MATCHES} takes one argument, the document URI")
        try:
            return ls.list_matches(arguments[0])
        except PatternError as error:
            raise invalid_params(str(error)) from None

    return server
