"""The server: where each LSP method is wired to the module that serves it — once, in one table.

Every message reaches :meth:`~grepls.rpc.Endpoint.receive`, whatever the transport, and is routed
by the table :func:`create_server` builds. The road of one keystroke::

    transport (cuts a frame) → rpc.Endpoint (parses, gates, routes) → params.did_change (shape)
      → documents.Documents.change → document.Document.apply → lines.LineStore (splice)
      → coroutine.grep (matches of the touched lines) → index.MatchIndex
      … after the burst: publisher.Publisher.flush → render → the transport's writer

The server object holds the state each concern needs and nothing else: the negotiated
:class:`~grepls.session.Session`, the :class:`~grepls.settings.Settings` in force, the
:class:`~grepls.documents.Documents`, the :class:`~grepls.workspace.Workspace` (closed files, for
the workspace scope) and the :class:`~grepls.publisher.Publisher`, which shows both through one
:class:`~grepls.workspace.Scope`. Commands live in :mod:`grepls.commands`; replacing matches (the
command and the code actions) in :mod:`grepls.replace`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from grepls import params
from grepls.actions import code_actions
from grepls.commands import COMMANDS, run_command
from grepls.documents import Documents
from grepls.pattern import PatternError, PatternSpec
from grepls.patterns import SEARCH_ID, PatternSet
from grepls.publisher import Publisher
from grepls.queries import Highlights
from grepls.render import DiagnosticRenderer
from grepls.rpc import Endpoint, InvalidParams, JsonParts, Later, Route
from grepls.session import Session, initialize_result, negotiate
from grepls.settings import Settings, parse_settings, plan, section_of
from grepls.tokens import SemanticTokens, modifiers_for
from grepls.workspace import Options, Scope, Workspace

logger = logging.getLogger(__name__)

WARNING = 2  # window/showMessage's MessageType.Warning


class Server:
    """One client's grepls: its session, settings, documents and publisher."""

    session: Session
    settings: Settings
    patterns: PatternSet
    """The patterns in force, compiled for the session's position encoding."""
    workspace: Workspace
    """The files that are not open, for a replace with scope ``"workspace"``; ``None`` while
    the workspace scope is off (it is: grepls searches only the open documents)."""

    def __init__(self) -> None:
        self.endpoint = Endpoint()
        self.session = Session()
        self.settings = Settings()
        self.patterns = PatternSet()
        self.documents = Documents()
        self.workspace = Workspace(self.endpoint, self.documents)
        self.publisher = Publisher(self.endpoint, Scope(self.documents, self.workspace))
        self.workspace.mark = self.publisher.mark
        self.workspace.forget = self.publisher.closed
        self.workspace.flush = self.after_batch
        self.highlights = Highlights()
        self.tokens = SemanticTokens()
        self._tokens_stale = False
        """The client must be told to ask for semantic tokens again (the patterns changed)."""
        self._reported: set[str] = set()
        self._pattern_problems: list[str] = []
        """What the patterns setting's entries had wrong when they last changed."""
        """The settings problems the user was last told about."""

    def after_batch(self, budget: float | None = None) -> bool:
        """Every message received so far is handled: show what changed (closed files only for
        ``budget`` seconds, if given; whether everything was shown)."""
        complete = self.publisher.flush(budget=budget)
        if self._tokens_stale and self.endpoint.state == "running":
            self._tokens_stale = False
            self.endpoint.request("workspace/semanticTokens/refresh", None, _ignore)
        return complete

    def request_client(
        self,
        method: str,
        params: Any,
        on_result: Callable[[Any], None],
        on_error: Callable[[Any], None] | None = None,
    ) -> None:
        """Ask the client something (``workspace/applyEdit``); the callbacks get its answer."""
        self.endpoint.request(method, params, on_result, on_error)

    def show_message(self, message: str) -> None:
        self.endpoint.notify("window/showMessage", {"type": WARNING, "message": message})

    # -- patterns and settings ---------------------------------------------------------------

    def set_pattern(self, spec: PatternSpec | None) -> None:
        """Make ``spec`` the search pattern, or clear it; raises PatternError, changing nothing."""
        self.patterns.set_search(spec)
        self.bind()

    def bind(self) -> None:
        """Bind every document to the patterns in force (only what changed is searched again)
        and show them with their renderers (none when diagnostics are turned off)."""
        settings = self.settings
        cap = settings.max_matches_per_document
        severity = settings.severity
        held = self.publisher.renderers
        renderers: dict[str, DiagnosticRenderer] = {}
        if settings.diagnostics:
            for pattern in self.patterns:
                # The same renderer for a pattern unchanged: what it rendered is kept.
                renderer = held.get(pattern.id)
                if renderer is None or (renderer.pattern, renderer.severity) != (pattern, severity):
                    renderer = DiagnosticRenderer(pattern, severity)
                renderers[pattern.id] = renderer
        self.publisher.configure(renderers, cap)
        # Each document is shown as soon as it is searched again (see Publisher.show).
        self.documents.bind(self.patterns.bound(), cap, self.publisher.show)
        self.highlights.forget()
        self.tokens.configure(
            {
                pattern.id: modifiers_for(pattern.severity_or(severity), pattern.id == SEARCH_ID)
                for pattern in self.patterns
            },
            self.session.overlapping_tokens,
        )
        # The client holds tokens of the old patterns: at the next flush, tell it to ask again.
        self._tokens_stale = self.session.semantic_tokens_refresh
        self.rescan()

    def rescan(self) -> None:
        """Search the workspace's closed files for the patterns in force (or forget them, when
        the scope is the open documents); the running scan, if any, is cancelled."""
        settings = self.settings
        options = Options(
            settings.scope,
            settings.exclude,
            settings.max_file_size,
            settings.max_workspace_matches,
            settings.max_matches_per_document,
            settings.watcher,
        )
        self.workspace.rescan(self.patterns.bound(), options)

    def apply_settings(self, raw: Any) -> None:
        """Take new settings: report bad keys, then do what the difference requires, once."""
        new, problems = parse_settings(raw)
        actions = plan(self.settings, new)
        if actions.search is not None:
            try:
                self.patterns.set_search(actions.search)
            except PatternError as error:
                problems.append(f"grepls.pattern ignored: {error}")
                new = replace(new, pattern=self.settings.pattern)
        if new.patterns != self.settings.patterns:
            self._pattern_problems = self.patterns.configure(new.patterns)
        # A bad entry stays bad while the patterns do not change: still a problem, told once.
        problems.extend(self._pattern_problems)
        # The same bad value arrives again with every update (and twice at start-up: in the
        # options, then from workspace/configuration): tell the user once.
        for problem in problems:
            if problem not in self._reported:
                self.show_message(problem)
        self._reported = set(problems)
        self.settings = new
        if actions.rebind or actions.rerender:
            self.bind()  # rescans the workspace too
        elif actions.rescan:
            self.rescan()

    def fetch_configuration(self) -> None:
        """Ask the client for the ``grepls`` section; it refines the initialization options."""

        def received(result: Any) -> None:
            section = result[0] if isinstance(result, list) and result else None
            self.apply_settings(self.refined(section))
            self.after_batch()

        self.endpoint.request(
            "workspace/configuration", {"items": [{"section": "grepls"}]}, received
        )

    def refined(self, section: Any) -> Any:
        """The initialization options' ``grepls`` settings, refined key by key by a section the
        client sent (pulled or pushed): its keys win, the others stay. A section that is not an
        object is passed on whole, to be reported."""
        merged = _section(self.session.initialization_options)
        if isinstance(section, dict):
            return {**merged, **section}
        return merged if section is None else section

    # -- the protocol ------------------------------------------------------------------------

    def initialize(self, raw: Any) -> dict[str, Any]:
        self.session = negotiate(raw)
        self.patterns = PatternSet(self.session.encoding)
        self.publisher.pull = self.session.pull
        self.workspace.set_folders(self.session.folders)
        self.workspace.progress_supported = self.session.progress
        self.workspace.watch_registration = self.session.watch_registration
        self.endpoint.state = "initializing"  # the client hears from us once it is initialized
        if self.session.initialization_options is not None:
            try:
                self.apply_settings(self.session.initialization_options)
            except Exception:  # a bad setting must never stop the server from starting
                logger.exception("initialization options failed")
                self.show_message("grepls: the initialization options could not be applied")
        return initialize_result(self.session, list(COMMANDS))

    def initialized(self, raw: Any) -> None:
        if self.session.configuration:
            self.fetch_configuration()

    def shutdown(self, raw: Any) -> None:
        # A command waiting (a replace, for the editor's applyEdit answer) is answered now. A
        # pull client's held workspace/diagnostic is not: clients drop it themselves at shutdown,
        # and some (pygls's) fail on an answer to a request they have given up.
        self.endpoint.cancel_waiting("the server is shutting down", "workspace/executeCommand")
        self.endpoint.state = "shutdown"
        self.workspace.shutdown()

    def did_open(self, raw: Any) -> None:
        uri, version, text = params.did_open(raw)
        self.documents.open(uri, version, text)
        self.workspace.opened(uri)
        if self.documents.patterns:
            self.publisher.mark(uri)

    def did_change(self, raw: Any) -> None:
        uri, version, changes = params.did_change(raw)
        if self.documents.change(uri, version, changes, self.session.encoding):
            self.publisher.mark(uri)

    def did_close(self, raw: Any) -> None:
        uri = params.document_uri(raw)
        if not self.documents.close(uri):
            return
        # The answers cached for it hold the whole document: let it go.
        self.highlights.closed(uri)
        self.tokens.closed(uri)
        if not self.workspace.closed(uri):
            # Not held from disk (the scope is the open documents, or its file has no match).
            self.publisher.closed(uri)

    def did_change_workspace_folders(self, raw: Any) -> None:
        removed, added = params.workspace_folders_event(raw)
        folders = [path for path in self.workspace.folders if path not in removed]
        folders += [path for path in added if path not in folders]
        self.workspace.set_folders(folders)
        self.rescan()

    def did_change_watched_files(self, raw: Any) -> None:
        self.workspace.file_events(params.watched_file_events(raw))

    def did_change_configuration(self, raw: Any) -> None:
        """Re-read the settings: pulled when the client can answer, else taken from the push."""
        if self.session.configuration:
            self.fetch_configuration()
            return
        settings = params.dig(raw, "settings")
        if isinstance(settings, dict) and "grepls" in settings:
            self.apply_settings(self.refined(settings["grepls"]))

    def document_diagnostic(self, raw: Any) -> bytes | JsonParts:
        uri = params.document_uri(raw)
        previous = params.optional_string(raw.get("previousResultId"), "previousResultId")
        return self.publisher.report(uri, previous)

    def workspace_diagnostic(self, raw: Any) -> bytes | Later:
        """``workspace/diagnostic``: the closed files' reports (see the publisher)."""
        previous = params.previous_result_ids(raw)
        return self.publisher.workspace_report(previous, raw.get("partialResultToken"))

    def document_highlight(self, raw: Any) -> bytes:
        uri = params.document_position(raw)
        cap = self.settings.max_matches_per_document
        return self.highlights.answer(self.documents.get(uri), uri, cap)

    def code_action(self, raw: Any) -> list[Any]:
        uri = params.document_uri(raw)
        where = params.code_action_range(raw)
        only = params.dig(raw, "context", "only")
        if isinstance(only, list) and not all(isinstance(kind, str) for kind in only):
            raise InvalidParams("context.only must be an array of strings")
        return code_actions(self, uri, where, only if isinstance(only, list) else None)

    def semantic_tokens_full(self, raw: Any) -> bytes:
        uri = params.document_uri(raw)
        cap = self.settings.max_matches_per_document
        return self.tokens.full(self.documents.get(uri), uri, cap)

    def semantic_tokens_delta(self, raw: Any) -> bytes:
        uri = params.document_uri(raw)
        previous = params.string(raw.get("previousResultId"), "previousResultId")
        cap = self.settings.max_matches_per_document
        return self.tokens.delta(self.documents.get(uri), uri, cap, previous)

    def execute_command(self, raw: Any) -> Any:
        name, arguments = params.execute_command(raw)
        return run_command(self, name, arguments)


def create_server() -> Server:
    """A server with every method it serves routed."""
    server = Server()
    requests: dict[str, Callable[[Any], Any]] = {
        "initialize": server.initialize,
        "shutdown": server.shutdown,
        "textDocument/diagnostic": server.document_diagnostic,
        "textDocument/documentHighlight": server.document_highlight,
        "textDocument/semanticTokens/full": server.semantic_tokens_full,
        "textDocument/semanticTokens/full/delta": server.semantic_tokens_delta,
        "textDocument/codeAction": server.code_action,
        "workspace/diagnostic": server.workspace_diagnostic,
        "workspace/executeCommand": server.execute_command,
    }
    notifications: dict[str, Callable[[Any], None]] = {
        "initialized": server.initialized,
        "textDocument/didOpen": server.did_open,
        "textDocument/didChange": server.did_change,
        "textDocument/didClose": server.did_close,
        "workspace/didChangeConfiguration": server.did_change_configuration,
        "workspace/didChangeWorkspaceFolders": server.did_change_workspace_folders,
        "workspace/didChangeWatchedFiles": server.did_change_watched_files,
    }
    routes = server.endpoint.routes
    routes.update({method: Route(handler, True) for method, handler in requests.items()})
    routes.update({method: Route(handler, False) for method, handler in notifications.items()})
    return server


def _ignore(result: object) -> None:
    """The client's answer to a refresh request carries nothing."""


def _section(options: Any) -> dict[str, Any]:
    """The ``grepls`` settings inside initialization options, which may or may not nest them."""
    section = section_of(options)
    return dict(section) if isinstance(section, dict) else {}
